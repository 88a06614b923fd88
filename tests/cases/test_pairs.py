"""Automatic links on our labelled set of paired texts: precision >= 0.95, recall >= 0.8
at the shipped threshold; the set is the one data/cases/groups.json makes."""

from __future__ import annotations

import json

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
