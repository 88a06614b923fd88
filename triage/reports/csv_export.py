"""The report's lists as one CSV: UTF-8 with a BOM (so Excel reads the diacritics),
RFC 4180 quoting and CRLF line ends, a first column naming the list, and the same
formula neutralisation as the workbook."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from triage.reports.cells import neutralise
from triage.reports.render import ReportMeta
from triage.reports.service import COLUMNS, ListSpec, ReportRow
from triage.reports.summary import Summary

HEADER = ("Danh sách", *COLUMNS)
DATE_FORMAT = "%d/%m/%Y %H:%M"


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


class CsvSink:
    def __init__(self, target: Path | IO[bytes]) -> None:
        self._own = isinstance(target, Path)
        raw: IO[bytes] = target.open("wb") if isinstance(target, Path) else target
        self._raw = raw
        self._text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="",
                                      write_through=False)
        self._writer = csv.writer(self._text, dialect="excel", lineterminator="\r\n",
                                  quoting=csv.QUOTE_MINIMAL)
        self._list = ""
        self._texts: dict[str, str] = {}

    def begin(self, meta: ReportMeta, summary: Summary) -> None:
        self._writer.writerow(HEADER)

    def start_list(self, spec: ListSpec) -> None:
        self._list = f"{spec.number}. {spec.title}"

    def row(self, number: int, row: ReportRow) -> None:
        # csv_value of row.values(number), spelled out: the csv module writes None as ""
        # and numbers with str(); agency, place, channel and status repeat, so their
        # neutralised text is remembered.
        cached = self._cached
        received, due, answered = row.received_at, row.due_at, row.answered_at
        self._writer.writerow((
            self._list, number, cached(row.agency_name), neutralise(row.code),
            received.strftime(DATE_FORMAT), neutralise(row.summary), cached(row.place),
            cached(row.channel), neutralise(row.phone),
            due.strftime(DATE_FORMAT) if due is not None else None,
            answered.strftime(DATE_FORMAT) if answered is not None else None,
            cached(row.status), row.days_late))

    def _cached(self, value: str) -> str:
        text = self._texts.get(value)
        if text is None:
            text = neutralise(value)
            if len(self._texts) < 4096:
                self._texts[value] = text
        return text

    def end_list(self, count: int) -> None:
        pass

    def finish(self) -> None:
        self._text.flush()
        if self._own:
            self._text.close()
        else:
            self._text.detach()
