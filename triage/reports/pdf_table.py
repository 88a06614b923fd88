"""Fast ruled tables for fpdf2: thousands of one-line rows drawn with low-level text and
lines (a cell() per value is several times slower), repeating the header on each page."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, cast

from fpdf import FPDF

FONT = "dejavu"
PLACED_LIMIT = 4096  # placed values remembered per column


@dataclass(frozen=True)
class Column:
    title: str
    width: float
    align: str = "L"  # L, R or C


class _Glyphs(dict[str, str]):
    """Per font: each character's subset code, escaped for a PDF string, computed once.

    fpdf2's encode_text walks every string character by character on each call; a long
    list repeats the same few hundred characters hundreds of thousands of times. The
    first lookup goes through the font's subset (so the glyph is embedded)."""

    def __init__(self, font: Any) -> None:
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> str:
        code = self.font.subset.pick(ord(char))
        piece = "" if code is None else self.font.escape_text(chr(code))
        self[char] = piece
        return piece


def text_width(pdf: FPDF, text: str) -> float:
    """Width of `text` in mm at the current font, from the font's advance table (what
    get_string_width computes, without its per-call overhead)."""
    font = pdf.current_font
    assert font is not None
    widths: Any = font.cw  # TTF fonts: advance per code point, 1/1000 em
    return sum(map(widths.__getitem__, map(ord, text))) * pdf.font_size_pt * 0.001 / pdf.k


# Control characters have no glyph: tabs and line breaks become spaces, the rest go.
_CONTROLS = {c: (" " if chr(c) in "\t\r\n" else None) for c in range(32)}
_HAS_CONTROL = re.compile(r"[\x00-\x1f]")
ELLIPSIS = "…"


def fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` on one line, cut with an ellipsis to fit `width` (mm) at the current font."""
    if _HAS_CONTROL.search(text):
        text = text.translate(_CONTROLS)
    font = pdf.current_font
    assert font is not None
    widths: Any = font.cw  # advance per code point, 1/1000 em
    scale = pdf.font_size_pt * 0.001 / pdf.k  # font units -> mm
    room = (width - 1.6) / scale
    # Letters here are at least a fifth of an em wide: longer text cannot fit, so a long
    # summary is cut to that many characters before anything is measured.
    head = text[: int(room / 200) + 2]
    advances = list(accumulate(map(widths.__getitem__, map(ord, head))))
    if len(head) == len(text) and (not advances or advances[-1] <= room):
        return text
    # The longest prefix that leaves room for the ellipsis.
    keep = bisect_right(advances, room - widths[ord(ELLIPSIS)])
    return head[:keep].rstrip() + ELLIPSIS


class Table:
    def __init__(self, pdf: FPDF, columns: Sequence[Column], *, size: float = 6.0,
                 row_h: float = 4.0, header_lines: int = 2) -> None:
        self.pdf = pdf
        self.columns = list(columns)
        self.size = size
        self.row_h = row_h
        self.header_h = row_h * header_lines * 0.9
        self.x0 = pdf.l_margin
        self.width = sum(c.width for c in self.columns)
        self._lefts = [self.x0 + sum(c.width for c in self.columns[:i])
                       for i in range(len(self.columns))]
        self.top = 0.0
        self.y = 0.0
        self.orientation = str(pdf.cur_orientation.value)  # new pages keep it
        self._titles: list[list[str]] = []
        self._glyphs: dict[int, _Glyphs] = {}
        # Per font, per column: value -> (x in points, encoded glyphs).
        self._placed: dict[int, list[dict[str, tuple[float, str]]]] = {}

    def _bottom(self) -> float:
        return self.pdf.h - self.pdf.b_margin

    def start(self) -> None:
        self.y = self.pdf.get_y()
        if self.y + self.header_h + self.row_h > self._bottom():
            self.pdf.add_page(orientation=self.orientation)
            self.y = self.pdf.get_y()
        self._header()

    def _title_lines(self) -> list[list[str]]:
        if not self._titles:
            pdf = self.pdf
            self._titles = [cast(list[str], pdf.multi_cell(
                col.width - 1, self.size * 0.45, col.title, dry_run=True, output="LINES"))
                for col in self.columns]
        return self._titles

    def _header(self) -> None:
        pdf = self.pdf
        self.top = self.y
        pdf.set_font(FONT, "B", self.size)
        pdf.set_fill_color(221, 235, 247)
        pdf.rect(self.x0, self.y, self.width, self.header_h, style="DF")
        pdf.set_fill_color(0)  # text is painted with the fill colour
        x, line_h = self.x0, self.size * 0.42
        for col, lines in zip(self.columns, self._title_lines(), strict=True):
            y = self.y + (self.header_h - line_h * len(lines)) / 2 + line_h * 0.8
            for line in lines:
                pdf.text(x + (col.width - text_width(pdf, line)) / 2, y, line)
                y += line_h
            x += col.width
        self.y += self.header_h
        pdf.set_font(FONT, "", self.size)

    def _close_page(self) -> None:
        """Draw the column rules of the block since `top`."""
        pdf, x = self.pdf, self.x0
        pdf.line(x, self.top, x, self.y)
        for col in self.columns:
            x += col.width
            pdf.line(x, self.top, x, self.y)

    def _room(self, rows: int = 1) -> None:
        if self.y + self.row_h * rows > self._bottom():
            self._close_page()
            self.pdf.add_page(orientation=self.orientation)
            self.y = self.pdf.get_y()
            self._header()

    def group(self, title: str) -> None:
        """A full-width heading row (the agency the following rows belong to)."""
        self._room(2)  # never the last line of a page
        pdf = self.pdf
        pdf.set_fill_color(242, 242, 242)
        pdf.set_font(FONT, "B", self.size)
        self._close_page()  # column rules stop above the heading and resume below it
        pdf.rect(self.x0, self.y, self.width, self.row_h, style="DF")
        pdf.set_fill_color(0)
        pdf.text(self.x0 + 1, self.y + self.row_h * 0.72, fit(pdf, title, self.width))
        pdf.set_font(FONT, "", self.size)
        self.y += self.row_h
        self.top = self.y

    def row(self, values: Sequence[str], bold: bool = False) -> None:
        self._room()
        pdf = self.pdf
        if bold:
            pdf.set_font(FONT, "B", self.size)
        font = pdf.current_font
        assert font is not None
        if not pdf.current_font_is_set_on_page:
            pdf._out(pdf._set_font_for_page(font, pdf.font_size_pt))
        placed = self._placed.get(id(font))
        if placed is None:
            placed = self._placed[id(font)] = [{} for _ in self.columns]
        pieces = []
        for index, value in enumerate(values):
            piece = placed[index].get(value)
            if piece is None:
                piece = self._place(index, value, font)
                if len(placed[index]) < PLACED_LIMIT:
                    placed[index][value] = piece
            if piece[1]:
                pieces.append(piece)
        self._text_run(pieces, self.y + self.row_h * 0.72)
        if bold:
            pdf.set_font(FONT, "", self.size)

    def _place(self, index: int, value: str, font: Any) -> tuple[float, str]:
        """Where a value starts (points from the page's left edge) and its encoded glyphs,
        after cutting it to its column. Repeated values (agency, status, channel) are
        placed once per font and reused."""
        pdf, col = self.pdf, self.columns[index]
        x = self._lefts[index]
        text = fit(pdf, value, col.width)
        if col.align == "L":
            x += 0.8
        else:
            width = text_width(pdf, text)
            x += col.width - width - 0.8 if col.align == "R" else (col.width - width) / 2
        glyphs = self._glyphs.get(id(font))
        if glyphs is None:
            glyphs = self._glyphs[id(font)] = _Glyphs(font)
        return x * pdf.k, "".join(map(glyphs.__getitem__, text))

    def _text_run(self, pieces: list[tuple[float, str]], baseline: float) -> None:
        """A row's values in one PDF text object, then the rule under the row, written
        with one call.

        fpdf2's text() and line() per value (validation, decorators, a text object each)
        cost about as much as everything else in a long list; this writes the same
        operators directly. Glyphs go through the font's subset (see _Glyphs), so the
        embedded subset holds them. Relies on fpdf2 internals (pinned, fpdf2==2.8.9)."""
        pdf = self.pdf
        k, h = pdf.k, pdf.h
        y = (h - baseline) * k
        ops, last_x, last_y = ["BT"], 0.0, 0.0
        for x, encoded in pieces:
            ops.append(f"{x - last_x:.2f} {y - last_y:.2f} Td ({encoded}) Tj")
            last_x, last_y = x, y
        self.y += self.row_h
        rule = (h - self.y) * k
        ops.append(f"ET\n{self.x0 * k:.2f} {rule:.2f} m {(self.x0 + self.width) * k:.2f} "
                   f"{rule:.2f} l S")
        pdf._out(" ".join(ops))

    def end(self) -> None:
        self._close_page()
        self.pdf.set_y(self.y + 2)
