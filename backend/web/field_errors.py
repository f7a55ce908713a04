"""Each refused field's message in id and en, read from marshmallow's own errors.

marshmallow says why a field failed in English text only; which rule failed is found by matching
that text against the field's error messages and its validators' (each template's `{...}` matching
anything), and the message is then written from the rule's own parameters (a Length's min and
max, a Range's bounds, a OneOf's choices), so a new field or validator needs no new table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from backend.field_messages import localized
from backend.web.fields import EARLIEST_YEAR, LATEST_YEAR
from backend.web.parsing import UNSTORABLE_MESSAGE

Messages = dict[str, dict[str, str]]
Reason = tuple[str, dict[str, Any]]

# a field's own error key -> the message key, where it does not depend on the field's type
_FIELD_KEYS = {
    "required": "required",
    "null": "null",
    "too_large": "too_large",
    "out_of_range": "out_of_range_year",
}
# the field types, most specific first, and the message of a value that is not of the type
_TYPE_KEYS: tuple[tuple[type[fields.Field], str], ...] = (
    (fields.Email, "email"),
    (fields.Boolean, "invalid_boolean"),
    (fields.Integer, "invalid_integer"),
    (fields.Number, "invalid_number"),
    (fields.DateTime, "invalid_datetime"),
    (fields.Date, "invalid_date"),
    (fields.List, "invalid_list"),
    (fields.Nested, "invalid_object"),
    (fields.Dict, "invalid_object"),
    (fields.String, "invalid_text"),
)


def _template_matches(template: str, text: str) -> bool:
    """Whether `text` is `template` with its `{...}` fields filled in."""
    pattern = re.sub(r"\\\{\w*\\\}", ".*", re.escape(template))
    return re.fullmatch(pattern, text, flags=re.DOTALL) is not None


def _validator_reason(validator: Any) -> Reason:
    """The message key of a validator's failure, with the validator's parameters."""
    if isinstance(validator, validate.Length):
        low, high, equal = validator.min, validator.max, validator.equal
        if equal is not None:
            return "length_equal", {"equal": equal}
        if low is not None and high is not None:
            return "length_between", {"min": low, "max": high}
        return ("length_min", {"min": low}) if low is not None else ("length_max", {"max": high})
    if isinstance(validator, validate.Range):
        low, high = validator.min, validator.max
        if low is not None and high is not None:
            return "range_between", {"min": low, "max": high}
        return ("range_min", {"min": low}) if low is not None else ("range_max", {"max": high})
    if isinstance(validator, validate.OneOf):
        return "one_of", {"choices": ", ".join(str(choice) for choice in validator.choices)}
    if isinstance(validator, validate.Email):
        return "email", {}
    if isinstance(validator, validate.Regexp):
        return "pattern", {}
    if isinstance(validator, validate.Equal):
        return "equal", {"other": validator.comparable}
    return "invalid", {}


def _validator_templates(validator: Any) -> list[str]:
    names = ("error", "message_min", "message_max", "message_all", "message_equal")
    found = (getattr(validator, name, None) for name in names)
    return [template for template in found if isinstance(template, str)]


def field_reason(field: fields.Field | None, text: str) -> Reason:
    """Why `field` refused a value, from marshmallow's English `text` about it."""
    if text == UNSTORABLE_MESSAGE:
        return "unstorable", {}
    if field is None:
        unknown = ma.Schema._default_error_messages["unknown"]
        return ("unknown", {}) if text == unknown else ("invalid", {})
    for key, template in field.error_messages.items():
        if not _template_matches(str(template), text):
            continue
        if key in _FIELD_KEYS:
            # years are written without a thousands separator
            years = {"first": str(EARLIEST_YEAR), "last": str(LATEST_YEAR)}
            params = years if key == "out_of_range" else {}
            return _FIELD_KEYS[key], params
        return next((k for kind, k in _TYPE_KEYS if isinstance(field, kind)), "invalid"), {}
    for validator in field.validators:
        if any(_template_matches(t, text) for t in _validator_templates(validator)):
            return _validator_reason(validator)
    return "invalid", {}


def _by_data_key(schema: ma.Schema) -> dict[str, fields.Field]:
    return {field.data_key or name: field for name, field in schema.fields.items()}


def _get(data: Any, key: str | int) -> Any:
    if isinstance(data, Mapping):
        return data.get(key)
    if isinstance(data, list | tuple) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return None


def _put(out: Messages, path: str, reasons: list[Reason]) -> None:
    """One message per field: its reasons' sentences, in each language."""
    for key, params in reasons:
        message = localized(key, path, **params)
        if path in out:
            message = {lang: f"{out[path][lang]} {text}" for lang, text in message.items()}
        out[path] = message


def _texts(value: Any) -> list[str]:
    return [str(text) for text in value] if isinstance(value, list | tuple) else [str(value)]


def _body_reason(text: str, nested: bool) -> Reason:
    """Why a whole body (or a nested object, `nested`) was refused."""
    if text == ma.Schema._default_error_messages["type"]:
        return ("invalid_object", {}) if nested else ("body", {})
    return field_reason(None, text)


def schema_messages(schema: ma.Schema | None, errors: Any, data: Any, prefix: str = "") -> Messages:
    """Every refused field's message, keyed by its dotted path, from marshmallow's `errors`
    (nested as marshmallow nests them) about `data` loaded with `schema` (None: not known)."""
    out: Messages = {}
    if not isinstance(errors, Mapping):
        return out
    known = _by_data_key(schema) if schema is not None else {}
    for key, value in errors.items():
        if key == "_schema":
            _put(out, prefix or "_schema", [_body_reason(t, bool(prefix)) for t in _texts(value)])
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        field = known.get(str(key))
        if isinstance(value, Mapping):
            out.update(_nested_messages(field, value, _get(data, key), path))
        else:
            _put(out, path, [field_reason(field, text) for text in _texts(value)])
    return out


def _nested_messages(
    field: fields.Field | None, errors: Mapping[Any, Any], data: Any, path: str
) -> Messages:
    """The messages inside a Nested field (its schema's fields) or a List (its items by index)."""
    if isinstance(field, fields.Nested) and isinstance(field.schema, ma.Schema):
        return schema_messages(field.schema, errors, data, path)
    if isinstance(field, fields.List):
        out: Messages = {}
        for index, item_errors in errors.items():
            item_path = f"{path}.{index}"
            item = _get(data, index)
            if isinstance(item_errors, Mapping):
                out.update(_nested_messages(field.inner, item_errors, item, item_path))
            else:
                _put(out, item_path, [field_reason(field.inner, t) for t in _texts(item_errors)])
        return out
    return schema_messages(None, errors, data, path)
