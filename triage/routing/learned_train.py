"""Training and measuring the learned agency (triage.routing.learned).

Cases come from two places: routed history in the database (the final agency is the one
that answered, or the one holding the ticket after acknowledging it; a ticket sent back
and not yet re-routed is left out) and a file of re-routes written by people
(data/routing/reroutes.jsonl: a text, its labels, the wrong first route and the right
final agency, with the month it was received). Every case is read as the service reads
a complaint (place, agencies named, the rules' decision) with the rules in force.

Gated like the topic model: the newest received month is held out, the candidate is
fitted on the others and replaces the current artifact only if it agrees with the final
agency on the held-out month at least as often as the current one does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from triage.classify.features import FeatureSet, make_doc
from triage.db import session_scope, utcnow
from triage.routing.learned import AgencyModel, Suggestion, context, judge, place_of, target_of
from triage.routing.models import Assignment
from triage.routing.rules import Place, Router, RoutingDecision, decide_place, read_place
from triage.scrub import scrub_phones
from triage.settings import REPO_ROOT
from triage.text.normalize import normalize, prepare
from triage.tickets.models import Ticket
from triage.tickets.period import Period

REROUTES = REPO_ROOT / "data" / "routing" / "reroutes.jsonl"  # as in learned_cli
BLOCKS = ("syl", "syl_str")
C = 2.0
MIN_CONTEXT = 2  # a fact seen once is noise, not a pattern
# Reading a case (place, rules) takes ~0.2 ms and fitting ~3 s per 6,000 cases on one core:
# the newest routed tickets up to this many are learned from, so a retrain stays minutes.
MAX_TICKETS = 60_000
SEED = 1022
# Tickets held by an agency that has not acknowledged them, or sent back by it, have no
# final agency yet.
WAITING = frozenset({"reassign_requested", "needs_review"})


@dataclass(frozen=True)
class Routed:
    """One case whose final agency is known."""

    id: str
    text: str
    topic: str | None
    flags: tuple[str, ...]
    month: str  # received, YYYY-MM (local time)
    first: str | None  # the agency it was first routed to
    final: str
    source: str  # "history" or "reroutes"


@dataclass(frozen=True)
class Read:
    """A case as the service reads it: its place, the rules' decision, the model's facts."""

    case: Routed
    text: str
    place: Place
    decision: RoutingDecision
    facts: list[str]
    target: str


def final_agency(assignments: Sequence[Assignment], status: str) -> str | None:
    answered = [a for a in assignments if a.answered_at is not None]
    if answered:
        return answered[-1].agency_code
    held = [a for a in assignments if a.ended_at is None and a.acknowledged_at is not None]
    return held[-1].agency_code if held and status not in WAITING else None


def history_cases(session: Session, since: Period | None = None,
                  limit: int = MAX_TICKETS) -> list[Routed]:
    """Routed tickets with a final agency (the newest ``limit`` routed), oldest first."""
    wanted: list[ColumnElement[bool]] = [Ticket.agency_code.is_not(None)]
    if since is not None:
        wanted.append(Ticket.received_at >= since.start)
    newest = session.execute(
        select(Ticket.id, Ticket.text, Ticket.topic, Ticket.flags, Ticket.received_at,
               Ticket.status).where(*wanted).order_by(Ticket.id.desc()).limit(limit)).all()
    tickets = {row.id: row for row in reversed(newest)}
    if tickets:
        wanted.append(Ticket.id >= min(tickets))
    held: dict[int, list[Assignment]] = {}
    for a in session.scalars(select(Assignment).join(Ticket, Ticket.id == Assignment.ticket_id)
                             .where(*wanted).order_by(Assignment.id)):
        held.setdefault(a.ticket_id, []).append(a)
    out = []
    for ticket_id, rows in held.items():
        t = tickets[ticket_id]
        final = final_agency(rows, str(t.status))
        if final is None:
            continue
        out.append(Routed(f"t{ticket_id}", scrub_phones(t.text), t.topic,
                          tuple(sorted(t.flags or [])), str(Period.containing(t.received_at)),
                          rows[0].agency_code, final, "history"))
    return out


def reroute_cases(path: Path = REROUTES) -> list[Routed]:
    out = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                r = json.loads(line)
                out.append(Routed(f"r{number}", r["text"], r["topic"], tuple(r.get("flags", [])),
                                  str(Period.parse(r["month"])), r["first"], r["final"],
                                  "reroutes"))
    return out


def gather(session: Session, now: datetime, months: int = 24, reroutes: Path = REROUTES
           ) -> tuple[list[Routed], Router]:
    """The cases to learn from (history of the last ``months`` and the re-routes file) and
    the rules in force."""
    from triage.routing import overlay

    since = Period.containing(now).shift(-months)
    return history_cases(session, since) + reroute_cases(reroutes), overlay.router(session, now)


def retrain() -> bool:
    """Retrain into settings.agency_model_dir, as the topic model's retraining does (own
    gate); True when the candidate was promoted."""
    from triage.routing.learned import reset_agency_model_cache
    from triage.settings import get_settings

    with session_scope() as session:
        cases, router = gather(session, utcnow())
    metrics = train_agency(cases, router, get_settings().agency_model_dir,
                           command="retrained with the topic model (classify.retrain)")
    if metrics["promoted"]:
        reset_agency_model_cache()
    return bool(metrics["promoted"])


def read_cases(cases: Iterable[Routed], router: Router) -> list[Read]:
    """Each case read once, as triage.understand reads a complaint."""
    out = []
    for case in cases:
        text = prepare(case.text)[0]
        place = read_place(text, router.directory)
        decision = decide_place(case.topic, case.flags, place, router)
        ward, region = place_of(place)
        out.append(Read(case, text, place, decision,
                        context(case.topic, case.flags, place, decision, router.directory),
                        target_of(case.final, ward, region, router.directory)))
    return out


def fit(reads: Sequence[Read], version: str) -> AgencyModel:
    from sklearn.linear_model import LogisticRegression

    docs = [make_doc(normalize(r.text), False) for r in reads]
    features, X_text = FeatureSet.fit_transform(BLOCKS, docs, min_df=2)
    counts: dict[str, int] = {}
    for r in reads:
        for fact in set(r.facts):
            counts[fact] = counts.get(fact, 0) + 1
    terms = sorted(f for f, n in counts.items() if n >= MIN_CONTEXT)
    targets = sorted({r.target for r in reads})
    meta = {"version": version, "targets": targets, "blocks": list(BLOCKS), "C": C,
            "kind": "agency"}
    n_ctx = len(terms)
    model = AgencyModel(features, terms, {
        "weights": np.zeros((features.n_features + n_ctx, len(targets)), np.float32),
        "bias": np.zeros(len(targets), np.float32)}, meta)
    index = model.context_index
    rows, cols = [], []
    for i, r in enumerate(reads):
        for c in sorted({index[f] for f in r.facts if f in index}):
            rows.append(i)
            cols.append(c)
    X_ctx = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                          shape=(len(reads), n_ctx))
    X = sp.hstack([X_text, X_ctx], format="csr", dtype=np.float32)
    y = np.array([targets.index(r.target) for r in reads])
    if len(targets) == 1:  # one target only: nothing to tell apart
        model.bias[:] = 1.0
        return model
    lr = LogisticRegression(C=C, max_iter=3000, random_state=SEED).fit(X, y)
    model.weights = lr.coef_.T.astype(np.float32)
    model.bias = lr.intercept_.astype(np.float32)
    return model


def suggestions(model: AgencyModel, reads: Sequence[Read], router: Router) -> list[Suggestion]:
    if not reads:
        return []
    P = model.probabilities(model.matrix([model.row(r.text, r.facts) for r in reads]))
    return [judge(model, P[i], r.place, r.decision, router) for i, r in enumerate(reads)]


def agreement(model: AgencyModel | None, reads: Sequence[Read], router: Router
              ) -> dict[str, Any]:
    """Agreement with the final agency, per rule that fired and over the fallback cases:
    n, the rules', the model's, and the model's disagreements and how many went to review."""
    from triage.routing.learned import is_fallback, review_reasons

    found = suggestions(model, reads, router) if model is not None else [None] * len(reads)
    table: dict[str, dict[str, int]] = {}
    for r, s in zip(reads, found, strict=True):
        fallback = is_fallback(r.decision, router.rules)
        keys = [r.decision.rule, "(fallback)" if fallback else "(rule's own choice)", "(all)",
                *([f"(fallback, {r.case.source})"] if fallback else [])]
        for key in keys:
            row = table.setdefault(key, dict.fromkeys(
                ("n", "rules", "model", "disagrees", "review"), 0))
            row["n"] += 1
            row["rules"] += r.decision.agency_code == r.case.final
            row["model"] += s is not None and s.code == r.case.final
            row["disagrees"] += s is not None and s.disagrees
            row["review"] += bool(review_reasons(s))
    return {"cases": len(reads), "rules": dict(sorted(table.items()))}


def share(row: dict[str, int], key: str) -> float:
    return round(row[key] / row["n"], 4) if row["n"] else 0.0


def split_month(reads: Sequence[Read]) -> tuple[str, list[Read], list[Read]]:
    """The newest received month, the cases before it and the cases of it."""
    month = max(r.case.month for r in reads)
    return (month, [r for r in reads if r.case.month != month],
            [r for r in reads if r.case.month == month])


def data_version(reads: Sequence[Read]) -> str:
    digest = sha256()
    for r in reads:
        digest.update(f"{r.case.id}\t{r.text}\t{r.target}\t{' '.join(r.facts)}\n".encode())
    return "agency-" + digest.hexdigest()[:12]


def train_agency(cases: Sequence[Routed], router: Router, out: Path,
                 command: str = "triage train-agency", recipe: str = "") -> dict[str, Any]:
    """Fit a candidate on all months but the newest, judge it there, and write it to
    ``out`` (with its card and metrics) only if it is not worse than the one there."""
    reads = read_cases(cases, router)
    month, train, held = split_month(reads)
    if not train or not held:
        raise ValueError("need routed cases in at least two received months")
    version = data_version(train)
    candidate = fit(train, version)
    current = AgencyModel.load(out)
    scores = agreement(candidate, held, router)["rules"]["(all)"]
    now = agreement(current, held, router)["rules"]["(all)"] if current else None
    promoted = now is None or scores["model"] >= now["model"]
    metrics = {
        "version": version, "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command, "recipe": recipe or command, "held_out_month": month,
        "months": [min(r.case.month for r in reads), month],
        "train_cases": len(train), "held_out_cases": len(held),
        "sources": {s: sum(r.case.source == s for r in reads) for s in ("history", "reroutes")},
        # Written cases whose first route was already right (complaints naming no commune
        # that the default department handles), so that "no place" is no re-route cue.
        "confirmations": sum(r.case.source == "reroutes" and r.case.first == r.case.final
                             for r in reads),
        "targets": len(candidate.targets), "C": C,
        "held_out": agreement(candidate, held, router),
        "current_model": None if now is None or current is None else
        {"version": current.version, "agree": share(now, "model")},
        "promoted": promoted,
    }
    if promoted:
        candidate.save(out)
        (out / "metrics.json").write_text(
            json.dumps(metrics, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        from triage.routing.learned_card import card

        (out / "MODEL_CARD.md").write_text(card(metrics), encoding="utf-8")
    return metrics
