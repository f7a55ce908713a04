"""One wording of each clock (issue 14, item 6): the staff e-mails name a clock as the pages do,
then say its article; every clock of the law has its name and help in both catalogues."""

from __future__ import annotations

import json
from pathlib import Path

from backend.sla.jobs import CLOCK_LABELS
from backend.sla.models import ClockKind

I18N = Path(__file__).resolve().parents[2] / "frontend" / "i18n"


def test_the_e_mails_and_the_pages_name_each_clock_alike() -> None:
    pages = json.loads((I18N / "id.json").read_text(encoding="utf-8"))
    for kind in ClockKind:
        name = pages[f"clock.{kind}"].lower()
        assert CLOCK_LABELS[kind] == f"{name} ({CLOCK_LABELS[kind].split(' (')[1]}", kind
        assert "(Pasal " in CLOCK_LABELS[kind]


def test_every_clock_has_a_name_and_a_help_in_both_languages() -> None:
    for lang in ("id", "en"):
        catalogue = json.loads((I18N / f"{lang}.json").read_text(encoding="utf-8"))
        for kind in ClockKind:
            assert catalogue[f"clock.{kind}"] and catalogue[f"clockhelp.{kind}"], (lang, kind)
