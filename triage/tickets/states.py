"""The ticket life cycle as an explicit state machine; anything not listed is refused."""

from __future__ import annotations

from enum import StrEnum

from triage.errors import IllegalTransition


class Status(StrEnum):
    RECEIVED = "received"
    CLASSIFIED = "classified"
    NEEDS_REVIEW = "needs_review"
    ROUTED = "routed"
    ACKNOWLEDGED = "acknowledged"
    REASSIGN_REQUESTED = "reassign_requested"
    RESOLVED = "resolved"
    CLOSED = "closed"


STATUS_NAMES: dict[Status, str] = {
    Status.RECEIVED: "Đã tiếp nhận",
    Status.CLASSIFIED: "Đã phân loại",
    Status.NEEDS_REVIEW: "Chờ tổng đài viên xem xét",
    Status.ROUTED: "Đã chuyển cơ quan xử lý",
    Status.ACKNOWLEDGED: "Cơ quan đã nhận",
    Status.REASSIGN_REQUESTED: "Cơ quan đề nghị chuyển lại",
    Status.RESOLVED: "Đã giải quyết",
    Status.CLOSED: "Đã đóng",
}

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset({Status.CLASSIFIED, Status.NEEDS_REVIEW}),
    Status.CLASSIFIED: frozenset({Status.ROUTED, Status.NEEDS_REVIEW}),
    Status.NEEDS_REVIEW: frozenset({Status.ROUTED, Status.CLOSED}),
    # An operator may re-route a routed ticket (override); that is routed -> routed.
    Status.ROUTED: frozenset(
        {Status.ROUTED, Status.ACKNOWLEDGED, Status.REASSIGN_REQUESTED, Status.RESOLVED}
    ),
    Status.ACKNOWLEDGED: frozenset({Status.ROUTED, Status.REASSIGN_REQUESTED, Status.RESOLVED}),
    Status.REASSIGN_REQUESTED: frozenset({Status.ROUTED, Status.NEEDS_REVIEW}),
    # Reopened after the citizen said the answer did not help (triage.survey): back to
    # the agency (acknowledged) or to the operators' review queue.
    Status.RESOLVED: frozenset({Status.CLOSED, Status.ACKNOWLEDGED, Status.NEEDS_REVIEW}),
    Status.CLOSED: frozenset(),
}

# States in which the automatic pipeline still owes work; the sweeper watches these.
PIPELINE_PENDING = frozenset({Status.RECEIVED, Status.CLASSIFIED})


def check_transition(current: str, target: str) -> Status:
    """Return the target status if the move is allowed, else raise IllegalTransition."""
    try:
        source, goal = Status(current), Status(target)
    except ValueError as exc:
        raise IllegalTransition(
            f"Trạng thái không hợp lệ: {target!r}.", details={"from": current, "to": target}
        ) from exc
    if goal not in TRANSITIONS[source]:
        raise IllegalTransition(
            f"Không thể chuyển phiếu từ trạng thái «{STATUS_NAMES[source]}» "
            f"sang «{STATUS_NAMES[goal]}».",
            details={"from": source.value, "to": goal.value},
        )
    return goal
