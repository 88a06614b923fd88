"""Search forgives case, diacritics and the way a code is typed, on SQLite and PostgreSQL,
and ranks the closest matches first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from tests.factories.tickets import submit
from triage.db import session_scope, utcnow
from triage.locations.tokens import fold
from triage.search import service
from triage.search.service import (
    APART_DAYS,
    code_digits,
    fold_query,
    matching,
    search,
    word_contexts,
)
from triage.tickets.models import Ticket

MY_HIEP = "Đường ở xã Mỹ Hiệp ngập nước cả tuần, xin xử lý"
APART = "Xã Mỹ Phú có chợ Hiệp Lợi bán hàng lấn chiếm lòng đường"
OTHER = "Đèn đường phường Mỹ Phú hư cả tuần"


def _codes(term: str) -> list[str]:
    with session_scope() as s:
        items, _, _ = search(s, term, now=utcnow())
        return [t.code for t in items]


def _code_of(ticket_id: int) -> str:
    with session_scope() as s:
        ticket = s.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.code


def test_the_query_is_folded_by_the_one_normaliser() -> None:
    assert fold_query("  MỸ   HIỆP ") == "my hiep"
    assert fold_query("Đồng Tháp") == "dong thap"
    assert code_digits("1022 202612 00042") == "102220261200042"
    assert code_digits("202612-0004") == "2026120004"
    assert code_digits("my hiep") is None
    assert code_digits("12") is None
    assert code_digits("1022-202612-00042-k7qm") == "102220261200042K7QM"
    assert code_digits("1022 202612 00042 4821") == "1022202612000424821"
    assert code_digits("2026 abcd") is None  # too short to end in a check part


@pytest.mark.parametrize("term", ["Mỹ Hiệp", "MỸ HIỆP", "my hiep", "My Hiep", "mỹ hiep"])
def test_case_and_diacritics_do_not_matter(database: str, term: str) -> None:
    first = _code_of(submit(MY_HIEP))
    apart = _code_of(submit(APART))
    submit(OTHER)
    found = _codes(term)
    # Both words in both texts; the phrase first, the words found apart after it.
    assert found == [first, apart]


def test_a_partial_code_and_a_code_typed_with_spaces_find_their_ticket(database: str) -> None:
    codes = [_code_of(submit(f"{OTHER} {i}")) for i in range(3)]
    target = codes[1]  # 1022-YYYYMM-00002-XXXX
    prefix, period, number, check = target.split("-")
    assert _codes(f"{prefix} {period} {number}") == [target]
    # Digits the three codes share (PostgreSQL's sequence goes on from earlier tests).
    numbers = [c.split("-")[2] for c in codes]
    shared = numbers[0]
    while not all(n.startswith(shared) for n in numbers):
        shared = shared[:-1]
    assert _codes(f"{period}-{shared}")[:3] == list(reversed(codes))
    assert _codes(f"{period}{number}") == [target]
    assert _codes(target) == [target]
    assert _codes(f"{prefix} {period} {number} {check.lower()}") == [target]
    assert _codes(f"{prefix}-{period}-{number}") == [target]  # staff may leave it out


def test_wildcards_in_a_term_are_searched_literally(database: str) -> None:
    submit("Giá nước tăng 100% so với tháng trước")
    submit("Giá nước tăng 1000 đồng so với tháng trước")
    assert len(_codes("100%")) == 1
    assert _codes("_") == []


def test_a_full_page_says_more_match(database: str) -> None:
    ids = [submit(f"{OTHER} lần {i}") for i in range(4)]
    with session_scope() as s:
        items, more, kind = search(s, "my phu", now=utcnow(), limit=3)
        assert ([t.id for t in items], more, kind) == (ids[:0:-1], True, "text")
        items, more, _ = search(s, "my phu", now=utcnow(), limit=4)
        assert (len(items), more) == (4, False)


def test_words_apart_are_looked_for_among_recent_tickets_only(database: str) -> None:
    old = utcnow() - timedelta(days=APART_DAYS + 5)
    submit(APART, received_at=old)
    first = _code_of(submit(MY_HIEP, received_at=old))
    assert _codes("my hiep") == [first]


def test_postgresql_folds_every_vietnamese_letter_as_the_house_does(pg: str) -> None:
    letters = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợ"
               "uùúủũụưừứửữựyỳýỷỹỵđ")
    alphabet = letters + letters.upper() + " 0123456789-"
    with session_scope() as s:
        folded = s.scalar(text("SELECT triage_fold(:v)"), {"v": alphabet})
    assert folded == fold(alphabet)


def _plan(stmt: Any) -> str:
    with session_scope() as s:
        s.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = stmt.compile(dialect=s.get_bind().dialect,
                                compile_kwargs={"render_postcompile": True})
        rows = s.connection().exec_driver_sql("EXPLAIN " + str(compiled), compiled.params)
        return "\n".join(row[0] for row in rows)


def test_postgresql_searches_through_the_trigram_indexes(pg: str) -> None:
    """The conditions the search writes are the indexes' expressions."""
    joined, digits = "ix_tickets_search_joined_trgm", "ix_tickets_code_digits"
    for term, indexes in (("my hiep", [joined, joined]), ("hiep", [joined]),
                          ("2026120004", [f"{digits} ", f"{digits}_trgm"])):
        match = matching(term, "postgresql")
        assert match is not None
        for rank, index in enumerate(indexes):
            assert index in _plan(select(Ticket.id).where(*match.tier(rank))), (term, rank)


def test_a_phrase_gives_the_contexts_of_its_inner_words() -> None:
    assert word_contexts(["den", "duong", "hu"]) == ["en duong hu"]
    assert word_contexts(["thu", "phi", "khong", "bien", "lai"]) == [
        "hu phi kh", "hi khong bi", "ng bien la"]
    # The first and last words may be parts of the ticket's words: one letter says
    # nothing of the two letters of a context, a whole inner word does.
    assert word_contexts(["n", "duong", "h"]) == []
    assert word_contexts(["n", "duong", "o", "x", "y"]) == ["ng o x"]
    assert word_contexts(["my", "hiep"]) == []


def test_postgresql_reads_a_longer_phrase_through_its_word_contexts(pg: str) -> None:
    contexts = "ix_tickets_search_contexts"
    for term, index in (("đèn đường hư", contexts), ("thu phi khong bien lai", contexts),
                        ("n duong h", "ix_tickets_search_joined_trgm")):
        match = matching(term, "postgresql")
        assert match is not None
        assert index in _plan(select(Ticket.id).where(*match.tier(0))), term


def test_postgresql_word_contexts_hold_every_phrase_of_the_text(pg: str) -> None:
    """Any run of three words or more cut anywhere in a ticket's text (its first and last
    words in part) has every context the search asks for among those the database lists
    for the ticket, whatever the spacing and punctuation around it."""
    texts = ["Đèn đường ở xã Phú Cường hư hỏng  nặng, xin   sửa gấp",
             "(Bà N.T.M., ấp 3) phản ánh: đường dây điện đứt - nguy hiểm!",
             "karaoke hát quá giờ\nlàm mất ngủ cả xóm, đề nghị xử lý"]
    ids = [submit(t) for t in texts]
    checked = 0
    with session_scope() as s:
        for ticket_id in ids:
            folded, listed = s.execute(text(
                "SELECT search_text, triage_word_contexts(search_text) FROM tickets"
                " WHERE id = :id"), {"id": ticket_id}).one()
            for start in range(len(folded)):
                for end in range(start + 1, len(folded) + 1):
                    phrase = folded[start:end]
                    if phrase != " ".join(phrase.split()):
                        continue  # the search types single spaces between words
                    contexts = word_contexts(phrase.split())
                    assert set(contexts) <= set(listed), phrase
                    checked += bool(contexts)
    assert checked > 100
    # And through the search itself: a phrase cut inside its first and last words.
    assert _codes("en duong o xa phu cu") == [_code_of(ids[0])]
    assert _codes("n day dien du") == [_code_of(ids[1])]


def test_a_j_where_the_phrase_has_a_space_is_no_match(database: str) -> None:
    # PostgreSQL's index reads spaces as "j" (triage.search.JOINER): what it finds is
    # checked against the folded text itself. (Old, so that the words apart, which this
    # text has, are not looked for.)
    submit("Đường ở xã Mỹjhiệp ngập nước", received_at=utcnow() - timedelta(days=APART_DAYS + 5))
    assert _codes("my hiep") == []


def test_the_newest_tickets_and_the_older_ones_make_one_list(
        database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in two parts (the WINDOW newest first, then the rest), the results are those
    of one query: each tier newest first, the phrase before the words apart, and whether
    more match."""
    ids = [submit(text) for text in (MY_HIEP, APART, OTHER, MY_HIEP, APART, MY_HIEP, OTHER)]
    phrase = [ids[5], ids[3], ids[0]]
    apart = [ids[4], ids[1]]
    with session_scope() as s:
        whole = [search(s, "my hiep", now=utcnow(), limit=n) for n in (2, 4, 5, 6)]
    assert [([t.id for t in items], more) for items, more, _ in whole] == [
        (phrase[:2], True), ((phrase + apart)[:4], True), (phrase + apart, False),
        (phrase + apart, False)]
    for window in (1, 2, 3, 4, 6):
        monkeypatch.setattr(service, "WINDOW", window)
        with session_scope() as s:
            parts = [search(s, "my hiep", now=utcnow(), limit=n) for n in (2, 4, 5, 6)]
        assert [([t.id for t in items], more) for items, more, _ in parts] == [
            ([t.id for t in items], more) for items, more, _ in whole], window
