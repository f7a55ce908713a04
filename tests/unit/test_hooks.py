"""Derived columns are kept by listeners that one explicit call installs (issue 12, item 4)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[2] / "backend"

LISTENERS_AFTER_IMPORT = """
import importlib, pkgutil, json
import backend
for module in pkgutil.walk_packages(backend.__path__, "backend."):
    if ".migrations" not in module.name:
        importlib.import_module(module.name)
from sqlalchemy import event
from sqlalchemy.orm import Session
from backend.complaints import next_due, storage
from backend.db import reference
from backend.sla import tallies
from backend.sla.hooks import _set_late_seconds
from backend.sla.models import SlaClock
def installed():
    return {
        "tallies": event.contains(Session, "after_flush", tallies.record_flush),
        "next_due": event.contains(Session, "after_flush", next_due.after_flush),
        "stamp": event.contains(Session, "before_flush", reference._replace_stamp),
        "uploads": event.contains(Session, "after_commit", storage.settle),
        "late_seconds": event.contains(SlaClock, "before_update", _set_late_seconds),
    }
before = installed()
from backend.hooks import install
install()
install()  # a second call changes nothing
print(json.dumps({"before": before, "after": installed()}))
"""


def test_importing_every_module_installs_nothing_and_install_installs_everything() -> None:
    """No listener rides on an import's side effect: `backend.hooks.install` is the one call."""
    out = subprocess.run(
        [sys.executable, "-c", LISTENERS_AFTER_IMPORT],
        capture_output=True,
        text=True,
        check=True,
        cwd=BACKEND.parent,
    )
    import json

    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert not any(seen["before"].values()), seen["before"]
    assert all(seen["after"].values()), seen["after"]


def _core_writes_of_clocks(path: Path) -> list[str]:
    """`insert`/`update`/`delete` of SlaClock or its table, and SQL text naming sla_clocks."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in {"insert", "update", "delete"} and node.args:
                target = ast.unparse(node.args[0])
                if "SlaClock" in target or "sla_clocks" in target:
                    found.append(f"{path.name}:{node.lineno} {name}({target})")
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "__table__"
            and ast.unparse(node.value) == "SlaClock"
        ):
            found.append(f"{path.name}:{node.lineno} SlaClock.__table__")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.lower()
            if "sla_clocks" in text and any(
                verb in text for verb in ("insert", "update", "delete")
            ):
                found.append(f"{path.name}:{node.lineno} SQL text")
    return found


def test_only_the_sla_domain_writes_clocks_with_core() -> None:
    """A clock written past the ORM skips the hooks that keep its tallies, `late_seconds` and
    the complaint's `next_due_at`: only `backend/sla` (which derives them) may do it."""
    outside = [
        path
        for path in BACKEND.rglob("*.py")
        if "sla" not in path.relative_to(BACKEND).parts[:1]
        and "migrations" not in path.relative_to(BACKEND).parts[:1]
    ]
    assert outside, "the scan found no files"
    writes = [write for path in outside for write in _core_writes_of_clocks(path)]
    assert writes == []


def test_the_scan_finds_a_core_write_of_clocks(tmp_path: Path) -> None:
    """The scan above would see one (so that its empty answer means something)."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from sqlalchemy import update\n"
        "from backend.sla.models import SlaClock\n"
        "def bad(session):\n"
        "    session.execute(update(SlaClock).values(state='stopped'))\n"
        "    session.execute(text('UPDATE sla_clocks SET state = 1'))\n"
    )
    assert len(_core_writes_of_clocks(sample)) == 2
