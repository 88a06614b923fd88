"""Understanding a complaint, the one way every caller does it (the pipeline, the operator
desk, POST /classify, `triage classify` and the review queue): normalise the text once,
classify it and read its urgency, read the place and the agencies it names once, decide
the route once.

The steps read the same repaired text (``triage.text.normalize.prepare``: NFC, legacy
TCVN3/VNI decoded), so a complaint pasted in an old encoding is classified, located and
routed like the same words in Unicode."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from triage.classify.conduct import FLAG as CONDUCT_FLAG
from triage.classify.conduct import ConductKind, conduct_kinds, load_cues
from triage.classify.cues import Cue, lateness_cues, match_cues
from triage.classify.features import make_doc
from triage.classify.model import Classification, Classifier
from triage.classify.urgency import Urgency, get_urgency_reader
from triage.locations.resolve import LocationMatch
from triage.routing.learned import Suggestion, suggest
from triage.routing.learned import review_reasons as agency_model_reasons
from triage.routing.rules import Router, RoutingDecision, decide_place, read_place
from triage.settings import get_settings
from triage.text.normalize import NormalizedText, analyze, prepare


@dataclass(frozen=True)
class Understanding:
    normalized: str  # the repaired text every step read (kept as Ticket.normalized_text)
    classification: Classification | None  # None: no classifier was given
    topic: str | None  # the labels the route was decided on
    flags: list[str]
    location: LocationMatch
    decision: RoutingDecision
    urgency: Urgency | None = None  # read with the classification (None: no classifier)
    agency_model: Suggestion | None = None  # the learned agency (None: no artifact)
    # What kind of conduct a thai_do complaint reports (triage.classify.conduct); empty
    # without thai_do among the flags.
    conduct_kinds: tuple[ConductKind, ...] = ()

    @property
    def review_reasons(self) -> list[str]:
        """Why the service sends the complaint to review (what ``triage classify`` and
        POST /classify answer): the classifier's reasons, an unsure route, the learned
        agency's disagreement."""
        reasons = list(self.classification.review_reasons) if self.classification else []
        if not self.decision.confident and "routing_unsure" not in reasons:
            reasons.append("routing_unsure")
        return reasons + [r for r in agency_model_reasons(self.agency_model)
                          if r not in reasons]


# Per flag: the readable cues that name it and the review reason when one raises it.
FLAG_CUES: dict[str, tuple[Callable[[], tuple[Cue, ...]], str]] = {
    CONDUCT_FLAG: (load_cues, "conduct_cue"),  # data/conduct/cues.csv, any kind
    "tre_han": (lateness_cues, "lateness_cue"),  # data/lateness/cues.csv
}


def with_flag_cues(result: Classification, analyzed: tuple[NormalizedText, str | None]
                   ) -> Classification:
    """The classification with a flag raised where the complaint names it in words of its
    cue list ("dúi tiền", "chạy tới chạy lui" for thai_do; "trễ hẹn", "hẹn lần hẹn lữa"
    for tre_han; a negated cue does not count) and the topic model, which reads every word
    of a long story at once, gave the flag at least ``flag_cue_floor`` but less than its
    threshold. Such a complaint goes to review (``conduct_cue``, ``lateness_cue``): the
    cue is a reason to ask, not a certainty."""
    floor = get_settings().flag_cue_floor
    norm, problem = analyzed
    if problem is not None:
        return result
    raised = set(result.flags)
    reasons = list(result.review_reasons)
    for flag, (cues, reason) in FLAG_CUES.items():
        if (flag not in raised and result.flag_scores.get(flag, 0.0) >= floor
                and match_cues(norm.stripped, cues(), norm.accented)):
            raised.add(flag)
            reasons.append(reason)
    if len(reasons) == len(result.review_reasons):
        return result
    return replace(result, flags=[f for f in result.flag_scores if f in raised],
                   needs_review=True, review_reasons=reasons)


def understand(text: str, classifier: Classifier | None = None, *, topic: str | None = None,
               flags: Sequence[str] | None = None, router: Router | None = None
               ) -> Understanding:
    """What `text` is about, where, and who should handle it.

    `topic` and `flags` are labels a person set; the route is decided on them, and on the
    classifier's for those left None (with no classifier: no topic, no flags). `router`
    holds the rules in force (triage.routing.overlay.router); without one, the shipped
    rules decide (a command that opens no database)."""
    repaired = prepare(text)
    result = urgency = analyzed = doc = None
    if classifier is not None:
        # Normalised once, its terms counted once: every model reads the same words.
        analyzed = analyze(text, prepared=repaired)
        doc = make_doc(analyzed[0], False)  # a segmented model segments it when it reads it
        result = with_flag_cues(classifier.classify(text, analyzed=analyzed, doc=doc),
                                analyzed)
        urgency = get_urgency_reader().read(text, analyzed=analyzed, doc=doc)
    if result is not None:
        topic = result.topic if topic is None else topic
        flags = result.flags if flags is None else flags
    labels = list(flags or [])
    place = read_place(repaired[0])
    decision = decide_place(topic, labels, place, router)
    # The agency model reads the classifier's words too. It was trained on ``normalize`` of
    # the prepared text, which prepares it a second time: that changes nothing once a text
    # is repaired (checked on the 15,738 corpus and real-dev texts), so the words are the same.
    learned = suggest(repaired[0], topic, labels, place, decision, router, doc=doc)
    kinds: tuple[ConductKind, ...] = ()
    if CONDUCT_FLAG in labels:
        if analyzed is None:
            analyzed = analyze(text, prepared=repaired)
        kinds = tuple(conduct_kinds(text, labels, analyzed, doc))
    return Understanding(repaired[0], result, topic, labels, place.location, decision, urgency,
                         learned, kinds)
