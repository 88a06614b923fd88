"""Open311 answers as XML, GeoReport v2's baseline format (the views send JSON as is).

The XML is built as a tree by the standard library (xml.etree), never by joining strings,
so that no value (a service code echoed in an error, an agency's name) can change the
document's structure; characters XML 1.0 cannot carry are dropped as in report cells."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Literal

from triage.reports.cells import xml_text

Format = Literal["json", "xml"]
FORMATS: tuple[Format, ...] = ("json", "xml")
XML_MEDIA_TYPE = "application/xml"
# The element of each item in a list, by the list's element (GeoReport v2's names).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error",
         "attributes": "attribute"}


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list):
        child = ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, child), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_text(str(value))


def to_xml(root: str, value: Any) -> bytes:
    """`value` (dicts, lists and scalars, as the JSON answer has them) under `root`."""
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)

