"""The ranking of agencies by answers given on time, with the volume taken into account.

A plain on-time rate puts twenty agencies with 1 of 1 on time above a department with 8
of 10. Agencies are ranked by the lower bound of the Wilson score interval (95 %) of
their on-time rate instead: what the rate is at least, given how many assignments it
rests on (1 of 1 scores 20,7 %, 8 of 10 scores 49,0 %, 95 of 100 scores 88,8 %). Equal
scores share a rank (1, 2, 2, 4). An agency with fewer assignments due than the minimum
(TRIAGE_RANKING_MIN_DUE) is listed after the ranked ones, without a rank.

The dashboard, the ranking page, the API and the report files all take their ranking
from `rank`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from triage.settings import get_settings

TOO_FEW = "Chưa đủ số phiếu để xếp hạng"
Z95 = 1.959963984540054  # two-sided 95 %


@dataclass(frozen=True)
class OnTimeRow:
    code: str
    name: str
    due: int
    on_time: int
    late: int
    score: float | None = None  # set by rank()
    rank: int | None = None  # None: not ranked (too few assignments due)

    @property
    def rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def rank_label(self) -> str:
        return str(self.rank) if self.rank is not None else TOO_FEW


def wilson_lower(on_time: int, due: int, z: float = Z95) -> float:
    """Lower bound of the Wilson score interval of on_time/due (Wilson 1927; the
    interval scipy.stats.binomtest(...).proportion_ci(method="wilson") gives)."""
    if due <= 0:
        return 0.0
    p, z2 = on_time / due, z * z
    centre = p + z2 / (2 * due)
    margin = z * math.sqrt(p * (1 - p) / due + z2 / (4 * due * due))
    return max(0.0, (centre - margin) / (1 + z2 / due))


def min_due() -> int:
    return get_settings().ranking_min_due


def rank(rows: Iterable[OnTimeRow], minimum: int | None = None) -> list[OnTimeRow]:
    """Rows with their score and rank: ranked ones best first, then those below the
    minimum volume, unranked."""
    minimum = min_due() if minimum is None else minimum
    scored = sorted((replace(r, score=round(wilson_lower(r.on_time, r.due), 9))
                     for r in rows if r.due),
                    key=lambda r: (-(r.score or 0.0), -r.due, r.code))
    ranked: list[OnTimeRow] = []
    unranked: list[OnTimeRow] = []
    for row in scored:
        if row.due < minimum:
            unranked.append(row)
            continue
        previous = ranked[-1] if ranked else None
        place = previous.rank if previous is not None and previous.score == row.score \
            else len(ranked) + 1
        ranked.append(replace(row, rank=place))
    return ranked + unranked


def as_dict(row: OnTimeRow) -> dict[str, object]:
    """A ranking row as the API gives it."""
    return {"agency_code": row.code, "agency_name": row.name, "due": row.due,
            "on_time": row.on_time, "late": row.late,
            "rate": round(row.rate, 4) if row.rate is not None else None,
            "score": row.score, "rank": row.rank, "rank_label": row.rank_label}
