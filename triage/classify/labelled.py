"""Labelled complaints from a file: a yardstick to measure on, or a province's history.

JSONL (one object a line: ``text``, ``topic``, ``flags``; optional ``id``, ``style``,
``date``) or a CSV/XLSX sheet with the columns "Nội dung", "Lĩnh vực", "Dấu hiệu" and
optionally "Ngày tiếp nhận", "Mã phiếu", or one column per flag ("Trễ hạn", "Thái độ")
marked x/1/có. Topics and flags are the taxonomy's codes or their Vietnamese names, with
or without diacritics. Rows that cannot be read are reported with their line and why;
the rest are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from triage.classify.corpus import Example
from triage.errors import InvalidInput
from triage.sheets import header_key, read_sheet
from triage.taxonomy import FLAGS, TOPICS

HEADERS = {
    "text": "text", "noi dung": "text", "noi dung phan anh": "text",
    "topic": "topic", "linh vuc": "topic",
    "flags": "flags", "dau hieu": "flags",
    "date": "date", "ngay": "date", "ngay tiep nhan": "date", "received at": "date",
    "thoi diem tiep nhan": "date",
    "id": "id", "ma phieu": "id", "ma": "id", "style": "style",
    **{header_key(code): code for code in FLAGS},
    **{header_key(name): code for code, name in FLAGS.items()},
    "tre han": "tre_han", "thai do": "thai_do",
}
_TOPIC_KEYS = {header_key(label): code for code, name in TOPICS.items() for label in (code, name)}
_FLAG_KEYS = {**{header_key(label): code for code, name in FLAGS.items() for label in (code, name)},
              "tre han": "tre_han", "thai do": "thai_do"}
_YES = frozenset({"1", "x", "co", "true", "yes", "y"})
_SPLIT_RE = re.compile(r"[;|\n]+")


@dataclass
class Labelled:
    examples: list[Example]
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line or row, message)


def topic_code(value: Any) -> str | None:
    return _TOPIC_KEYS.get(header_key(value))


def flag_codes(value: Any) -> list[str] | None:
    """Flags from a list or a separated string of codes or names; None if one is unknown.

    Names may hold a comma ("Thái độ, tác phong công chức"): a part is split at commas only
    when it is not a name as a whole."""
    items = value if isinstance(value, list) else _SPLIT_RE.split(str(value or ""))
    codes: list[str | None] = []
    for item in (str(v) for v in items if str(v).strip()):
        whole = _FLAG_KEYS.get(header_key(item))
        codes += [whole] if whole else [_FLAG_KEYS.get(header_key(p))
                                        for p in item.split(",") if p.strip()]
    return None if None in codes else sorted({c for c in codes if c})


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m"):
        try:
            return datetime.strptime(text[:19], fmt).date()
        except ValueError:
            continue
    return None


def _example(number: int, row: dict[str, Any], source: str) -> Example | str:
    """The example of one row, or why it cannot be used."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return "thiếu nội dung phản ánh"
    topic = topic_code(row.get("topic"))
    if topic is None:
        return f"lĩnh vực không hợp lệ: {row.get('topic')!r} (dùng mã hoặc tên trong danh mục)"
    flags = flag_codes(row.get("flags") or [])
    if flags is None:
        return f"dấu hiệu không hợp lệ: {row.get('flags')!r} (tre_han, thai_do hoặc tên của chúng)"
    flags = sorted({*flags, *(f for f in FLAGS if header_key(row.get(f, "")) in _YES)})
    case_id = str(row.get("id") or f"{source}:{number}")
    return Example(case_id, text, topic, tuple(flags), style=str(row.get("style") or ""),
                   when=_date(row.get("date")))


def _collect(rows: Iterable[tuple[int, dict[str, Any]]], source: str) -> Labelled:
    out = Labelled([])
    for number, row in rows:
        result = _example(number, row, source)
        if isinstance(result, str):
            out.errors.append((number, result))
        else:
            out.examples.append(result)
    return out


def _jsonl_rows(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            row = None
        yield number, row if isinstance(row, dict) else {"text": None}


def read_labelled(path: Path) -> Labelled:
    """The labelled cases of a JSONL, CSV or XLSX file (see the module doc)."""
    if not path.is_file():
        raise InvalidInput(f"Không tìm thấy tệp {path}.", code="file_not_found")
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return _collect(_jsonl_rows(path), path.stem)
    rows = read_sheet(path.name, path.read_bytes(), HEADERS, "text",
                      "Tệp thiếu cột nội dung (tiêu đề «text» hoặc «Nội dung»).")
    return _collect(rows, path.stem)
