"""What a person is told about one refused field, in Indonesian and English.

One table for the API and the front end: the texts are the front end's own catalogues
(`frontend/i18n/id.json`, `en.json`), read once. A field's label is the label of its control in
the forms (`FIELD_LABEL_KEYS` names the catalogue key; fields no form shows have a
`field_label.<name>` key); a message is `field_error.<key>`, with `{label}` and the
validator's parameters, or `field_error.<key>.<field>` where a field needs its own wording.
This module imports nothing from Flask: services raise `invalid(...)`, the web layer renders.
"""

from __future__ import annotations

import functools
import json
from datetime import datetime
from decimal import Decimal
from math import ceil
from pathlib import Path
from typing import Any

from backend import localtime

CATALOGUES = Path(__file__).resolve().parent.parent / "frontend" / "i18n"
LANGUAGES = ("id", "en")

# an API field (its dotted path, list indexes left out) -> the key of its form label
FIELD_LABEL_KEYS = {
    "report_type": "file.report_type",
    "category": "file.category",
    "title": "file.title_field",
    "description": "file.description",
    "loss_description": "file.loss",
    "remedy_requested": "file.remedy",
    "incident_place": "file.place",
    "incident_at": "file.incident_at",
    "service_date": "file.service_date",
    "privacy": "file.privacy",
    "show_name_publicly": "file.show_name",
    "consent": "file.consent",
    "address": "location.address",
    "kecamatan": "location.kecamatan",
    "kelurahan": "location.kelurahan",
    "channel": "intake.channel",
    "received_at": "intake.received_at",
    "complainant": "step.identity",
    "complainant.kind": "identity.kind",
    "complainant.name": "identity.name",
    "complainant.email": "identity.email",
    "complainant.phone": "identity.phone",
    "complainant.address": "identity.address",
    "complainant.organisation": "field_label.organisation",
    "complainant.representative_name": "field_label.representative_name",
    "complainant.representative_basis": "field_label.representative_basis",
    "latitude": "field_label.latitude",
    "longitude": "field_label.longitude",
    "compensation_amount": "field_label.compensation_amount",
    "compensation_description": "field_label.compensation_description",
    "source": "field_label.source",
    "action": "field_label.action",
    "reason": "action.reason",
    "agency_code": "action.agency",
    "officer_id": "action.officer",
    "decision": "action.decision",
    "compensation_awarded": "action.compensation",
    "compensation_due_date": "action.compensation_due",
    "delivery_channel": "action.delivery_channel",
    "resolution_code": "action.resolution",
    "referral": "action.referral",
    "body": "comment.body",
    "visibility": "field_label.visibility",
    "full_name": "identity.name",
    "email": "login.email",
    "phone": "identity.phone",
    "password": "login.password",
    "code": "track.code",
    "pin": "track.pin",
    "message": "track.message",
    "file": "file.attachments",
    "url": "field_label.webhook_url",
    "event_types": "field_label.webhook_event_types",
    "kind": "dsr.kind",
    "details": "dsr.details",
    "corrections": "dsr.corrections",
    "corrections.name": "identity.name",
    "corrections.email": "identity.email",
    "corrections.phone": "identity.phone",
    "corrections.address": "identity.address",
    "_schema": "field_label._schema",
}

_MONTHS = {
    "id": "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember",
    "en": "January February March April May June July August September October November December",
}


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """The front end's catalogue of `lang` ("id" or "en")."""
    text = (CATALOGUES / f"{lang}.json").read_text(encoding="utf-8")
    result: dict[str, str] = json.loads(text)
    return result


def label_path(path: str) -> str:
    """The path whose label names `path`: list indexes left out (`status.0` -> `status`)."""
    return ".".join(part for part in path.split(".") if not part.isdigit())


def field_label(path: str, lang: str) -> str:
    """A field's label in `lang`: its form's label, or its API name when no form shows it."""
    key = FIELD_LABEL_KEYS.get(label_path(path))
    return catalogue(lang).get(key, path) if key else path


def local_time_text(instant: datetime, lang: str) -> str:
    """A time as people read it in `lang`, in its own zone, named: 5 November 2026 pukul 14.30
    WIB. Seconds are rounded up, so the time shown is never earlier than the one meant."""
    if instant.second or instant.microsecond:
        instant = datetime.fromtimestamp(ceil(instant.timestamp() / 60) * 60, instant.tzinfo)
    tz = getattr(instant.tzinfo, "key", localtime.DEFAULT_ZONE)
    month = _MONTHS[lang].split()[instant.month - 1]
    zone = localtime.zone_name(tz)
    if lang == "en":
        return f"{instant.day} {month} {instant.year}, {instant:%H:%M} {zone}"
    return f"{instant.day} {month} {instant.year} pukul {instant:%H.%M} {zone}"


def _number_text(value: int | float | Decimal, lang: str) -> str:
    """A number with the language's separators: 10.000 (id), 10,000 (en)."""
    text = f"{value:,}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


def _param_text(value: Any, lang: str) -> Any:
    if isinstance(value, datetime):
        return local_time_text(value, lang)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _number_text(value, lang)
    return value


class _Params(dict[str, Any]):
    """A template's parameters; one it names but was not given reads as nothing."""

    def __missing__(self, key: str) -> str:
        return ""


def render(key: str, path: str, lang: str, **params: Any) -> str:
    """The message `key` about the field at `path`, in `lang`."""
    texts = catalogue(lang)
    template = texts.get(f"field_error.{key}.{label_path(path)}") or texts.get(
        f"field_error.{key}", texts["field_error.invalid"]
    )
    values = _Params({name: _param_text(value, lang) for name, value in params.items()})
    values["label"] = field_label(path, lang)
    return template.format_map(values).strip()


def localized(key: str, path: str, **params: Any) -> dict[str, str]:
    """The message `key` about the field at `path` in every language: {"id": ..., "en": ...}."""
    return {lang: render(key, path, lang, **params) for lang in LANGUAGES}
