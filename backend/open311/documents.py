"""The two formats of GeoReport v2: JSON, and the XML it is mapped from (the Spark convention).

A list is an XML wrapper element holding one element per item (`services` > `service`); a
value is the element's text, `true`/`false` for booleans, empty for null. XML starts with the
declaration and is UTF-8, as the spec requires.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree

XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
FORMATS = {"json": "application/json", "xml": "text/xml"}
# the element each list's items are written as (the spec's names)
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
# characters XML 1.0 cannot carry at all, even escaped (C0 controls but tab, LF and CR)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render(fmt: str, root: str, body: Any) -> tuple[bytes, str]:
    """The document and its media type: `body` as JSON, or as XML under the element `root`."""
    if fmt == "json":
        return json.dumps(body, ensure_ascii=False).encode(), FORMATS["json"]
    element = _element(root, body)
    ElementTree.indent(element)
    return XML_DECLARATION + ElementTree.tostring(
        element, encoding="utf-8", xml_declaration=False
    ), (f"{FORMATS['xml']}; charset=utf-8")


def _element(name: str, value: Any) -> ElementTree.Element:
    element = ElementTree.Element(name)
    if isinstance(value, dict):
        element.extend(_element(key, item) for key, item in value.items())
    elif isinstance(value, list):
        element.extend(_element(ITEM_NAMES[name], item) for item in value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))
    return element
