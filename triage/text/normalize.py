"""The one text pipeline: what a complaint becomes before any model sees it.

``normalize`` runs, in order: Unicode repair (NFC, combining marks put back in the
order Vietnamese needs), legacy TCVN3/VNI decoding, removal of invisible characters,
a hard cap on length, masking of the names of places, companies and people,
lower-casing, underthesea's tone-mark normalisation ("hoà" -> "hòa"), masking of URLs,
e-mails, ticket codes, phone numbers, dates and other numbers, and expansion of
abbreviations and teen-code. It returns the accented form and the
accent-stripped form: models see both, so text typed without diacritics still works.

``check_text`` says whether a text can be classified at all, with a problem code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from underthesea.pipeline.text_normalize.text_normalizer import token_map
from underthesea.pipeline.text_normalize.token_normalize import token_normalize

from triage.text import legacy

# Real complaints run 50-650 characters; past this the rest adds little and would only
# make a 20,000-character paste slow. Everything after the cap is ignored.
FEATURE_CHAR_CAP = 3000

PROBLEMS: dict[str, str] = {
    "empty": "Nội dung trống.",
    "no_letters": "Nội dung không có chữ nào để phân loại.",
    "emoji_only": "Nội dung chỉ có biểu tượng cảm xúc, không có chữ để phân loại.",
    "not_vietnamese": "Nội dung có vẻ không phải tiếng Việt; cần tổng đài viên xem.",
    "legacy_encoding": (
        "Nội dung có vẻ gõ bằng bảng mã cũ (TCVN3/VNI) nhưng không chuyển được sang Unicode."
    ),
}

MASKS: dict[str, str] = {
    "qqplace": "[địa danh]",
    "qqname": "[họ tên]",
    "qqorg": "[tên đơn vị]",
    "qqurl": "[đường dẫn]",
    "qqemail": "[thư điện tử]",
    "qqticket": "[mã phản ánh]",
    "qqphone": "[số điện thoại]",
    "qqdate": "[ngày tháng]",
    "qqnum": "[số]",
}

_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
# The words underthesea's token normalisation rewrites (it only looks them up).
_TONE_FORMS = frozenset(token_map)
_SHAPE_MARKS = frozenset("\u0302\u0306\u031b")
_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_SOFT_HYPHEN = "\u00ad"  # removed only after legacy decoding: in TCVN3 it is the letter "ư"
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class NormalizedText:
    accented: str  # lower-cased, masked, expanded; diacritics as typed
    stripped: str  # the same with every diacritic removed
    encoding: str | None  # "tcvn3" or "vni" when a legacy encoding was decoded
    truncated: bool


# --- Unicode repair ---------------------------------------------------------------


def _reorder_marks(decomposed: str) -> str:
    """Put vowel-shape marks (circumflex, breve, horn) before the tone mark.

    Some keyboards and converters emit "a" + acute + circumflex; NFC cannot compose
    that into "ấ" and leaves a stray mark. Sorting the marks fixes it.
    """
    out: list[str] = []
    marks: list[str] = []
    for ch in decomposed:
        if ch in _TONE_MARKS or ch in _SHAPE_MARKS:
            marks.append(ch)
            continue
        if marks:
            out.extend(sorted(marks, key=lambda m: m in _TONE_MARKS))
            marks = []
        out.append(ch)
    out.extend(sorted(marks, key=lambda m: m in _TONE_MARKS))
    return "".join(out)


def repair_unicode(text: str) -> str:
    """NFC, with combining marks repaired first when the text carries any."""
    if any(map(unicodedata.combining, text)):
        text = _reorder_marks(unicodedata.normalize("NFD", text))
    text = unicodedata.normalize("NFC", text)
    return _INVISIBLE_RE.sub("", _CONTROL_RE.sub(" ", text))


def decode_legacy(text: str) -> tuple[str, str | None]:
    """Decode TCVN3 or VNI text when that clearly reads better; else return it as is."""
    if not legacy.looks_legacy(text):
        return text, None
    before = vietnamese_share(text)
    best, best_name, best_share = text, None, before
    for name, decoded in (("tcvn3", legacy.from_tcvn3(text)), ("vni", legacy.from_vni(text))):
        share = vietnamese_share(decoded)
        if share > best_share:
            best, best_name, best_share = decoded, name, share
    if best_name and best_share >= 0.6 and best_share >= before + 0.15:
        return best, best_name
    return text, None


# --- Vietnamese syllables ------------------------------------------------------------

_STRIP_TABLE = {
    ord(ch): unicodedata.normalize("NFD", ch)[0]
    for ch in (chr(c) for c in range(0xC0, 0x1EFA))
    if unicodedata.normalize("NFD", ch)[0].isascii() and unicodedata.normalize("NFD", ch) != ch
}
_STRIP_TABLE.update({ord("đ"): "d", ord("Đ"): "D"})

_RHYMES = (
    "a ai ao au ay ac ach am an ang anh ap at e eo ec em en eng ep et eu ech enh "
    "i ia iu ich im in inh ip it iec iem ien ieng iep iet ieu "
    "o oa oai oao oay oac oach oam oan oang oanh oap oat oe oeo oen oet oeng oi oc om "
    "on ong op ot ooc oong u ua uan uang uanh uat uay ue uech uenh uy uya uych uyen uyet "
    "uynh uyt uyu ui uc um un ung up ut uoi uoc uom uon uong uop uot uu uou uo uon "
    "y yeu yem yen yet"
)
_SYLLABLE_RE = re.compile(
    r"(?:(?:ngh|ng|nh|ch|gh|kh|ph|qu|th|tr|[bcdghklmnprstvx])?(?:"
    + "|".join(sorted(set(_RHYMES.split()), key=len, reverse=True))
    + r")|gi[a-z]*)"
)
_VI_LETTERS = set("bcdghklmnpqrstvxđ") | {
    unicodedata.normalize("NFC", vowel + tone)
    for vowel in ("a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y")
    for tone in ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
}
_WORD_RE = re.compile(r"[^\W\d_]+")


def strip_accents(text: str) -> str:
    return text.translate(_STRIP_TABLE)


@lru_cache(maxsize=65536)  # a few thousand syllables cover almost all text
def is_vietnamese_syllable(word: str) -> bool:
    word = word.lower()
    if not all(ch in _VI_LETTERS for ch in word):
        return False
    return _SYLLABLE_RE.fullmatch(strip_accents(word)) is not None


def vietnamese_share(text: str) -> float:
    """Share of words that are well-formed Vietnamese syllables (0 when no words)."""
    words = _WORD_RE.findall(text)
    if not words:
        return 0.0
    return sum(map(is_vietnamese_syllable, words)) / len(words)


# --- Masks and abbreviations ---------------------------------------------------------

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MASK_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:https?://|www\.)\S+"), " qqurl "),
    (EMAIL, " qqemail "),
    (re.compile(r"(?<!\d)\d{3,5}-\d{6}-\d{3,6}(?!\d)"), " qqticket "),
    (re.compile(r"(?<![\d\w])(?:\+\s?84|84|0)(?:[ .\-]?\d){8,10}(?!\d)"), " qqphone "),
    (re.compile(r"(?<!\d)\d{1,2}[/\-.]\d{1,2}[/\-.]\d{2,4}(?!\d)"), " qqdate "),
    (re.compile(r"(?<!\d)\d{1,2}/(?:\d{1,2}|\d{4})(?!\d)"), " qqdate "),
    # A number takes a short unit glued to it ("50k", "2tr", "15h", "200m") along.
    (re.compile(r"\d+(?:[.,]\d+)*(?:[^\W\d_]{1,3}(?![^\W\d_]))?"), " qqnum "),
)

# Names of places, people and companies: what a complaint is about must come from its
# matter, not from where it happened or who wrote it ("hẻm 12 Nguyễn Huệ, P.5, Q.11" is an
# address in every topic). The unit word stays ("phường qqplace"): "chợ", "kênh", "cầu" are
# part of the matter. Needs the capitals, so it runs before lower-casing.
_UPPER = "A-ZÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
_CAP_WORD = rf"[{_UPPER}][^\W\d_]*"
_NAME_WORD = rf"(?:{_CAP_WORD}|\d+[A-Za-z]?(?:/\d+)?)"
_PLACE_UNITS = (
    "phường|xã|quận|huyện|tỉnh|thành phố|thị xã|thị trấn|ấp|khu phố|khóm|tổ dân phố|tổ|thôn|"
    "xóm|bản|buôn|khu vực|khu dân cư|đường|hẻm|ngõ|ngách|kiệt|quốc lộ|tỉnh lộ|chợ|sông|kênh|"
    "rạch|cầu|đại lộ|phố"
)
# Short unit words need a dot, a space or a number after them ("TP.HCM", "Q.11", "P5"):
# "ĐTXD" is a company's initials, not "ĐT" + "XD".
_PLACE_SHORT = r"(?:TP|Tp|TX|TT|KP|QL|ĐT|DT)(?:\.\s*|\s+|(?=\d))|[PQXHF]\.\s*|[PQF](?=\d)"
_HONORIFICS = (
    "ông|bà|anh|chị|cô|chú|bác|cụ|em|cháu|bạn đọc|độc giả|công dân|cử tri|người dân|cán bộ|"
    "bác sĩ|điều dưỡng|y tá|thầy|giáo viên|trung tá|thiếu tá|đại úy|thượng úy|trung úy|"
    "thiếu úy|chủ tịch|phó chủ tịch|bí thư|trưởng ấp|trưởng thôn|tên"
)
_SURNAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Đinh|Trương|Lâm|"
    "Mai|Tô|Châu|Đoàn|Lương|Tạ|Lưu|Quách|Trịnh|Văn|Kiều|Từ|Thạch|Diệp|La|Âu|Khúc"
)


def _either_way(words: str) -> str:
    """An alternation of the words as written and without diacritics (text typed without
    them is masked too)."""
    forms = {form for word in words.split("|") for form in (word, strip_accents(word))}
    return "|".join(sorted(forms, key=len, reverse=True))


def _starts(words: str) -> str:
    """A test, made before the rest of a rule at each position, that the text there starts
    with the first letter of one of the words (either case): most positions fail it."""
    return "(?i:[" + re.escape("".join(sorted({w[0] for w in words.split("|")}))) + "])"


_NAME_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # [TKQĐDPXHF]: the first letters of _PLACE_SHORT.
    (re.compile(rf"(?={_starts(_either_way(_PLACE_UNITS))}|[TKQĐDPXHF])"
                rf"(?<!\w)((?i:{_either_way(_PLACE_UNITS)})\s+|{_PLACE_SHORT}){_NAME_WORD}"
                rf"(?:[ \-]{_NAME_WORD}){{0,4}}"), r"\1 qqplace "),
    (re.compile(rf"(?<!\w)((?i:công ty|cty|doanh nghiệp|tập đoàn|hợp tác xã|HTX)"
                rf"(?: TNHH| CP| cổ phần)?)\s+{_CAP_WORD}(?:[ \-&]{_CAP_WORD}){{0,5}}"),
     r"\1 qqorg "),
    (re.compile(rf"(?={_starts(_either_way(_HONORIFICS))})(?<!\w)((?i:{_either_way(_HONORIFICS)}))\s+"
                rf"(?:(?:[{_UPPER}]\.){{1,4}}[{_UPPER}]?\.?"
                rf"|{_CAP_WORD}(?:\s{_CAP_WORD}){{0,3}})"), r"\1 qqname "),
    (re.compile(rf"(?<!\w)(?:{_either_way(_SURNAMES)})(?:\s{_CAP_WORD}){{1,3}}"), " qqname "),
)


_TOKEN = re.compile(r"qq[a-z]+ ?")


def mask_names(text: str, placeholder: str | None = None) -> str:
    """Replace the names of places, companies and people (cased text) by placeholders: the
    classifier's tokens (qqplace, qqorg, qqname), or `placeholder` for every kind (the
    unit word or the honorific stays: "phường ***", "ông ***")."""
    # The placeholder goes into each template as a literal, whatever it holds.
    literal = placeholder.replace("\\", r"\\") if placeholder is not None else None
    for pattern, replacement in _NAME_RULES:
        if literal is not None:
            replacement = _TOKEN.sub(lambda _: literal, replacement)
        text = pattern.sub(replacement, text)
    return text


# Keys are lower-case and whole tokens. Ambiguous short forms ("hs": học sinh or hồ sơ,
# "đt": điện thoại or đường tỉnh, "tt") are left alone: the models see them as they are.
ABBREVIATIONS: dict[str, str] = {
    **dict.fromkeys(["ko", "k", "kh", "khg", "hok", "hông", "hem", "hk", "kô"], "không"),
    **dict.fromkeys(["dc", "đc"], "được"),
    **dict.fromkeys(["sdt", "sđt", "đthoại"], "số điện thoại"),
    "ubnd": "ủy ban nhân dân", "hđnd": "hội đồng nhân dân", "hdnd": "hội đồng nhân dân",
    "csgt": "cảnh sát giao thông", "cstt": "cảnh sát trật tự",
    **dict.fromkeys(["gcnqsdđ", "gcnqsdd", "gcnqsd"], "giấy chứng nhận quyền sử dụng đất"),
    **dict.fromkeys(["qsdđ", "qsdd"], "quyền sử dụng đất"),
    "gcn": "giấy chứng nhận",
    "bhxh": "bảo hiểm xã hội", "bhyt": "bảo hiểm y tế", "bhtn": "bảo hiểm thất nghiệp",
    "cccd": "căn cước công dân", "cmnd": "chứng minh nhân dân", "cmt": "chứng minh thư",
    **dict.fromkeys(["vpđkđđ", "vpdkdd"], "văn phòng đăng ký đất đai"),
    **dict.fromkeys(["đkđđ", "dkdd"], "đăng ký đất đai"),
    "lltp": "lý lịch tư pháp",
    **dict.fromkeys(["nlđ", "nld"], "người lao động"),
    "tnmt": "tài nguyên và môi trường", "nnptnt": "nông nghiệp và phát triển nông thôn",
    **dict.fromkeys(["tđc", "tdc"], "tái định cư"),
    "gpmb": "giải phóng mặt bằng", "gpxd": "giấy phép xây dựng",
    "tthc": "thủ tục hành chính", "dvc": "dịch vụ công", "dvcqg": "dịch vụ công quốc gia",
    "bv": "bệnh viện", "bvđk": "bệnh viện đa khoa", "bvdk": "bệnh viện đa khoa",
    "tyt": "trạm y tế", "ttyt": "trung tâm y tế", "gv": "giáo viên",
    "thcs": "trung học cơ sở", "thpt": "trung học phổ thông",
    "cqcn": "cơ quan chức năng", "cq": "cơ quan", "cb": "cán bộ", "cbcc": "cán bộ công chức",
    "kp": "khu phố", "tdp": "tổ dân phố", "ql": "quốc lộ", "xd": "xây dựng",
    "kcn": "khu công nghiệp", "ccn": "cụm công nghiệp", "htx": "hợp tác xã",
    **dict.fromkeys(["đkkd", "dkkd"], "đăng ký kinh doanh"),
    "hkd": "hộ kinh doanh", "dn": "doanh nghiệp", "cty": "công ty",
    "attp": "an toàn thực phẩm", "vsattp": "vệ sinh an toàn thực phẩm",
    "pccc": "phòng cháy chữa cháy", "tp": "thành phố", "tx": "thị xã",
    "j": "gì", "r": "rồi", "vs": "với", "ng": "người", "ntn": "như thế nào", "trc": "trước",
    "bít": "biết", "bik": "biết", "wa": "quá", "đag": "đang", "dag": "đang", "ms": "mới",
    "lm": "làm", "mk": "mình", "nx": "nữa", "cx": "cũng", "bn": "bao nhiêu", "nc": "nước",
    "nhìu": "nhiều", "đg": "đường",
}
_ABBREV_RE = re.compile(
    r"(?<!\w)("
    + "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True))
    + r")(?!\w)"
)
# Forms that need more than one token or a following letter: "p.5", "h. cao lãnh",
# "vp đkđđ", "tn&mt", "đ/c", "bây h".
_PHRASE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\w)vp\s*(?:đkđđ|dkdd|đk đđ|dk dd)(?!\w)"), " văn phòng đăng ký đất đai "),
    (re.compile(r"(?<!\w)llt\s*p(?!\w)"), " lý lịch tư pháp "),
    (re.compile(r"(?<!\w)tn\s*&\s*mt(?!\w)"), " tài nguyên và môi trường "),
    (re.compile(r"(?<!\w)nn\s*&\s*(?:ptnt)(?!\w)"), " nông nghiệp và phát triển nông thôn "),
    (re.compile(r"(?<!\w)nn\s*&\s*mt(?!\w)"), " nông nghiệp và môi trường "),
    (re.compile(r"(?<!\w)[đd]\s*/\s*c(?!\w)"), " địa chỉ "),
    (re.compile(r"(?<!\w)bây h(?!\w)"), " bây giờ "),
    (re.compile(r"(?<!\w)tp\s*\.\s*"), " thành phố "),
    (re.compile(r"(?<!\w)tx\s*\.\s*"), " thị xã "),
    (re.compile(r"(?<!\w)tt\s*\.\s*(?=[^\W\d_])"), " thị trấn "),
    (re.compile(r"(?<!\w)p\s*\.\s*"), " phường "),
    (re.compile(r"(?<!\w)q\s*\.\s*"), " quận "),
    (re.compile(r"(?<!\w)x\s*\.\s*(?=[^\W\d_])"), " xã "),
    (re.compile(r"(?<!\w)h\s*\.\s*(?=[^\W\d_])"), " huyện "),
    (re.compile(r"(?<!\w)p(?= qqnum)"), " phường "),
    (re.compile(r"(?<!\w)q(?= qqnum)"), " quận "),
)


_WORD_START = r"(?<!\w)"


def _one_pass(rules: tuple[tuple[re.Pattern[str], str], ...], skip: frozenset[int] = frozenset(),
              starts: str = "") -> tuple[re.Pattern[str], list[str]]:
    """The rules as one alternation (earlier rules win at the same position): one scan of
    the text instead of one per rule, which matters on the hot path. Rules in ``skip`` are
    left out (the caller knows they cannot match); ``starts``: a character class that
    every match of the others starts with. A word-start test that every rule begins with
    is made once per position instead of once per rule."""
    kept = [(i, p.pattern) for i, (p, _) in enumerate(rules) if i not in skip]
    shared = _WORD_START if all(p.startswith(_WORD_START) for _, p in kept) else ""
    pattern = "|".join(f"(?P<r{i}>{p[len(shared):]})" for i, p in kept)
    lead = f"(?={starts})" if starts else ""
    return re.compile(f"{lead}{shared}(?:{pattern})"), [r for _, r in rules]


_MASK_RE, _MASK_TOKENS = _one_pass(_MASK_RULES)
# Without an "@" the e-mail rule cannot match, and every other rule's match starts with a
# digit, "+" (a phone), "h" or "w" (a link).
_MASK_NO_EMAIL_RE, _ = _one_pass(_MASK_RULES, frozenset({1}), r"[\d+hw]")
_PHRASE_RE, _PHRASE_TEXTS = _one_pass(_PHRASE_RULES)


def mask(text: str) -> str:
    """Replace links, e-mails, ticket codes, phones, dates and numbers by placeholders."""
    pattern = _MASK_RE if "@" in text else _MASK_NO_EMAIL_RE
    return pattern.sub(lambda m: _MASK_TOKENS[int(m.lastgroup[1:])], text)  # type: ignore[index]


def expand_abbreviations(text: str) -> str:
    """Expand abbreviations and teen-code in lower-cased text."""
    text = _PHRASE_RE.sub(lambda m: _PHRASE_TEXTS[int(m.lastgroup[1:])], text)  # type: ignore[index]
    return _ABBREV_RE.sub(lambda m: ABBREVIATIONS[m.group(1)], text)


def normalize_tone_marks(text: str) -> str:
    """underthesea's token normalisation ("hoà" -> "hòa", "nghành" -> "ngành") per word."""
    if _TONE_FORMS.isdisjoint(_WORD_RE.findall(text)):
        return text  # the usual case: no word it would change
    return _WORD_RE.sub(lambda m: token_normalize(m.group(), use_character_normalize=False), text)


# --- The pipeline --------------------------------------------------------------------


def prepare(text: str) -> tuple[str, str | None]:
    """Unicode repair and legacy decoding: the text as a person would read it."""
    text, encoding = decode_legacy(repair_unicode(text))
    if encoding is None:  # Icelandic eth typed for "Đ" is common in Unicode text
        text = text.replace("Ð", "Đ").replace("ð", "đ")
    return text.replace(_SOFT_HYPHEN, ""), encoding


def _normalize_prepared(text: str, encoding: str | None, cap: int) -> NormalizedText:
    truncated = len(text) > cap
    text = mask_names(text[:cap]).lower()
    text = expand_abbreviations(mask(normalize_tone_marks(text)))
    text = " ".join(text.split())
    return NormalizedText(text, strip_accents(text), encoding, truncated)


def normalize(text: str, cap: int = FEATURE_CHAR_CAP) -> NormalizedText:
    prepared, encoding = prepare(text[: cap * 2])
    return _normalize_prepared(prepared, encoding, cap)


_EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u3030\u303d]"
)


def analyze(text: str, cap: int = FEATURE_CHAR_CAP,
            prepared: tuple[str, str | None] | None = None
            ) -> tuple[NormalizedText, str | None]:
    """Normalise once and say whether the text can be classified (see ``check_text``).

    ``prepared`` is ``prepare(text)`` when the caller has it already (places and routing
    read the same repaired text); only its first ``cap * 2`` characters are used."""
    if not text or not text.strip():
        return NormalizedText("", "", None, False), "empty"
    repaired, encoding = prepare(text[: cap * 2]) if prepared is None else prepared
    head = repaired[: cap * 2]
    normalized = _normalize_prepared(head, encoding, cap)
    return normalized, _problem(head, normalized)


# Deletes ASCII and Vietnamese letters: what is left of a text's letters is another script.
_DROP_KNOWN = dict.fromkeys([*range(128), *map(ord, _VI_LETTERS)])


def _problem(prepared: str, normalized: NormalizedText) -> str | None:
    if not any(map(str.isalpha, prepared)):
        return "emoji_only" if _EMOJI_RE.search(prepared) else "no_letters"
    if legacy.suspect_share(prepared) > 0.05:
        return "legacy_encoding"
    letters = "".join(filter(str.isalpha, prepared.lower()))
    if len(letters) >= 10 and len(letters) - len(letters.translate(_DROP_KNOWN)) < (
        0.7 * len(letters)
    ):
        return "not_vietnamese"  # mostly another script: Chinese, Thai, Cyrillic...
    words = [w for w in _WORD_RE.findall(normalized.accented) if w not in MASKS]
    # vietnamese_share(" ".join(words)), without finding the same words again.
    if len(words) >= 5 and sum(map(is_vietnamese_syllable, words)) / len(words) < 0.6:
        return "not_vietnamese"
    return None


def check_text(text: str) -> str | None:
    """A problem code from PROBLEMS when the text cannot be classified, else None.

    underthesea's ``lang_detect`` downloads a fastText model at first use, which an
    offline server cannot do (verified: it fails with a connection error). So the
    language test is a heuristic: the share of words that are well-formed Vietnamese
    syllables once abbreviations are expanded. With diacritics or without, Vietnamese
    scores above 0.9 and English or French below 0.5. It is applied to texts of five
    words or more; shorter ones are classified and left to the confidence threshold.
    Text mostly in another script (Chinese, Thai, Cyrillic) is caught by its letters.
    """
    return analyze(text)[1]
