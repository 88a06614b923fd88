"""Every pair of states: allowed moves pass, all others are refused."""

from __future__ import annotations

import itertools

import pytest

from triage.errors import IllegalTransition
from triage.tickets.states import TRANSITIONS, Status, check_transition

LEGAL = {
    ("received", "classified"), ("received", "needs_review"),
    ("classified", "routed"), ("classified", "needs_review"),
    ("needs_review", "routed"), ("needs_review", "closed"),
    ("routed", "routed"), ("routed", "acknowledged"), ("routed", "reassign_requested"),
    ("routed", "resolved"),
    ("acknowledged", "routed"), ("acknowledged", "reassign_requested"),
    ("acknowledged", "resolved"),
    ("reassign_requested", "routed"), ("reassign_requested", "needs_review"),
    ("resolved", "closed"), ("resolved", "acknowledged"),
    # The citizen was not satisfied with the answer: to the operators (triage.survey).
    ("resolved", "needs_review"),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(Status, Status)))
def test_transition_table(source: Status, target: Status) -> None:
    if (source.value, target.value) in LEGAL:
        assert check_transition(source, target) is target
    else:
        with pytest.raises(IllegalTransition) as info:
            check_transition(source, target)
        assert info.value.status_code == 409
        assert "Không thể chuyển" in info.value.message


def test_closed_is_terminal() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()


def test_unknown_state_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        check_transition("received", "deleted")
