"""Legacy Vietnamese encodings (TCVN3/ABC and VNI-Windows) read back as Unicode.

Text typed in the old ".VnTime" (TCVN3) or "VNI-Times" fonts arrives, after copy and
paste, as Latin-1 look-alikes: "Hµ Néi" for "Hà Nội", "Haø Noäi" for "Hà Nội". Both
tables are generated here rather than typed out, so that they are easy to check:
TCVN3 is the lower-case (VN3) half of TCVN 5712:1993 as glibc's iconv decodes it; VNI
spells a letter as its base letter followed by one or two modifier glyphs.
"""

from __future__ import annotations

import re
import unicodedata

# TCVN3 bytes 0xA1..0xFE (read as Latin-1) -> Unicode. VN3 has no upper-case toned
# letters (a second font supplied them with the same codes), so those come back lower-case.
_TCVN3_SOURCE = "¡¢£¤¥¦§¨©ª«¬\xad®µ¶·¸¹»¼½¾ÆÇÈÉÊËÌÎÏÐÑÒÓÔÕÖ×ØÜÝÞßáâãäåæçèéêëìíîïñòóôõö÷øùúûüýþ"
_TCVN3_TARGET = "ĂÂÊÔƠƯĐăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
TCVN3_TABLE = dict(zip(_TCVN3_SOURCE, _TCVN3_TARGET, strict=True))

_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_CIRCUMFLEX, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"

# VNI modifier glyph -> combining marks it stands for (lower-case glyphs; upper-case
# letters use the upper-case glyph).
_VNI_TONES = {"ø": _GRAVE, "ù": _ACUTE, "û": _HOOK, "õ": _TILDE, "ï": _DOT}
_VNI_CIRCUMFLEX = {"â": "", "à": _GRAVE, "á": _ACUTE, "å": _HOOK, "ã": _TILDE, "ä": _DOT}
_VNI_BREVE = {"ê": "", "è": _GRAVE, "é": _ACUTE, "ú": _HOOK, "ü": _TILDE, "ë": _DOT}
# Letters that VNI encodes as one glyph of their own.
_VNI_SINGLE = {
    "ì": "i" + _GRAVE, "í": "i" + _ACUTE, "æ": "i" + _HOOK, "ó": "i" + _TILDE, "ò": "i" + _DOT,
    "ñ": "đ", "ô": "o" + _HORN, "ö": "u" + _HORN, "î": "y" + _DOT,
}


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(base: str, glyph: str, marks: str) -> None:
        for b in (base, base.upper()):
            letter = unicodedata.normalize("NFC", b + marks)
            letter = letter if b.islower() else letter.upper()
            for g in {glyph, glyph.upper()}:
                table[b + g] = letter

    for base in "aeouy":
        for glyph, tone in _VNI_TONES.items():
            add(base, glyph, tone)
    for base in "aeo":
        for glyph, tone in _VNI_CIRCUMFLEX.items():
            add(base, glyph, _CIRCUMFLEX + tone)
    for glyph, tone in _VNI_BREVE.items():
        add("a", glyph, _BREVE + tone)
    for glyph, composed in _VNI_SINGLE.items():
        letter = unicodedata.normalize("NFC", composed)
        table[glyph], table[glyph.upper()] = letter, letter.upper()
        if glyph in "ôö":  # horn letters take the tone glyphs too: "ôù" = "ớ"
            for tglyph, tone in _VNI_TONES.items():
                toned = unicodedata.normalize("NFC", composed + tone)
                table[glyph + tglyph] = toned
                table[glyph.upper() + tglyph.upper()] = toned.upper()
    return table


VNI_TABLE = _vni_table()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, VNI_TABLE), key=len, reverse=True)))

# Glyphs that no Unicode Vietnamese text contains: their presence is what makes a text
# worth trying to decode. The cheap test keeps ordinary input off the slow path.
SUSPECT_CHARS = frozenset(
    "µ¸¶·¹¨©ª«¬®\xad¡¢£¤¥¦§»¾¼½ÆÇËÌÐÎÏÑÖ×ØÜÞßäåæçëîïñö÷øûüþ"
)
_SUSPECT_RE = re.compile(
    "[" + re.escape("".join(sorted(SUSPECT_CHARS))) + "]|[aeouyAEOUY][ùÙ]"
)


def looks_legacy(text: str) -> bool:
    return _SUSPECT_RE.search(text) is not None


def suspect_share(text: str) -> float:
    """Share of legacy-only glyphs among the letters of ``text``."""
    found = _SUSPECT_RE.findall(text)
    if not found:  # the usual case: no need to count the letters
        return 0.0
    letters = sum(map(str.isalpha, text))
    return len(found) / letters if letters else 0.0


def from_tcvn3(text: str) -> str:
    return "".join(TCVN3_TABLE.get(ch, ch) for ch in text)


def from_vni(text: str) -> str:
    return _VNI_RE.sub(lambda m: VNI_TABLE[m.group()], text)
