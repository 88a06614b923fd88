"""Automatic links on our labelled sets of paired texts at the shipped threshold: precision
>= 0.95 and recall >= 0.8 on the sets data/cases/groups.json and blind_groups.json make, and
precision >= 0.95 on the later blind sets (blind2..5_groups.json), with the recall each
really has (well below 0.8 on new text: see models/cases/MODEL_CARD.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from triage.cases import evaluate as ev
from triage.cli import app


def test_the_pairs_file_is_the_one_the_groups_make() -> None:
    groups = json.loads(ev.GROUPS_PATH.read_text(encoding="utf-8"))
    assert ev.pairs_from_groups(groups) == ev.load_pairs()
    pairs = ev.load_pairs()
    assert len(pairs) >= 200
    assert {p["kind"] for p in pairs} == {"reworded", "no_diacritics", "same_place"}


def test_automatic_links_are_precise_and_find_most_repeats() -> None:
    m = ev.measure(ev.scores(ev.load_pairs()))
    assert m.precision >= 0.95, m
    assert m.recall >= 0.8, m


def test_the_command_reports_precision_and_recall() -> None:
    result = CliRunner().invoke(app, ["cases-eval"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["precision"] >= 0.95 and body["recall"] >= 0.8


@pytest.mark.parametrize(("groups", "pairs"), [
    (ev.BLIND_GROUPS_PATH, ev.BLIND_PAIRS_PATH), (ev.BLIND2_GROUPS_PATH, ev.BLIND2_PAIRS_PATH),
    (ev.BLIND3_GROUPS_PATH, ev.BLIND3_PAIRS_PATH), (ev.BLIND4_GROUPS_PATH, ev.BLIND4_PAIRS_PATH),
    (ev.BLIND5_GROUPS_PATH, ev.BLIND5_PAIRS_PATH)])
def test_the_blind_pairs_files_are_the_ones_their_groups_make(groups: Path, pairs: Path) -> None:
    assert ev.pairs_from_groups(json.loads(groups.read_text(encoding="utf-8"))) \
        == ev.load_pairs(pairs)


def test_automatic_links_hold_on_the_blind_set() -> None:
    """564 pairs of hotline problems the problem list was not written for (fallen trees,
    burst pipes, stray dogs, dengue, school toilets, sand mining, ...), with hard negatives
    at other places of the same ward."""
    pairs = ev.load_pairs(ev.BLIND_PAIRS_PATH)
    assert len(pairs) >= 200
    m = ev.measure(ev.scores(pairs))
    assert m.precision >= 0.95, m
    assert m.recall >= 0.8, m


@pytest.mark.parametrize(("pairs", "recall"), [
    (ev.BLIND2_PAIRS_PATH, 0.5), (ev.BLIND3_PAIRS_PATH, 0.6), (ev.BLIND4_PAIRS_PATH, 0.5),
    (ev.BLIND5_PAIRS_PATH, 0.4)])
def test_automatic_links_stay_precise_on_the_later_blind_sets(pairs: Path, recall: float) -> None:
    """Each written before the scorer was changed for it and scored once untouched (the
    figures in models/cases/MODEL_CARD.md). Their recall stays well below 0.8: they name
    problems the list lacks (a fallen billboard, a crematorium's smoke, smuggling at a
    border gate), which two reports often say in different words."""
    m = ev.measure(ev.scores(ev.load_pairs(pairs)))
    assert m.precision >= 0.95, m
    assert m.recall >= recall, m


def test_shared_place_names_alone_link_nothing() -> None:
    """Two problems of one ferry landing that no list names share only the landing's name
    and are not linked; two wordings of one such problem share what happened and are."""
    from triage.cases.similarity import names, score, words

    assert names("Đò ngang ở bến Tân Quới chở khách. Chủ đò") == {"^tan", "^quoi"}
    fares = "Chủ đò bến Tân Quới tự tăng giá vé qua sông lên gấp đôi."
    pier = "Cầu tàu bến Tân Quới ván mục, gãy mấy tấm."
    assert score(words(fares), words(pier)).value < 0.5
    again = "ve do tan quoi tang gap doi, 20k mot luot"
    assert score(words(fares), words(again)).value >= 0.5


def test_the_reason_names_problems_and_says_when_words_are_folded() -> None:
    from triage.cases.similarity import describe

    shown = describe(("#ngap", "ngap", "duan", "my"))
    assert shown == "cùng nói về: ngập nước; từ chung (không dấu): duan"
    assert describe(("duan", "cong")) == "từ chung (không dấu): duan, cong"
    assert describe(()) == ""
