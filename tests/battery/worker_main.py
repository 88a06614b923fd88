"""The project's Celery worker (`triage worker`) as the battery runs it.

Before the pool forks, two test-only changes are made, both chosen by environment:
- BATTERY_STUB_CLASSIFIER=1 replaces the trained model with the keyword stub of
  tests/battery/complaints.py (deterministic, < 1 ms), so every ticket is routed;
- BATTERY_RAISE_MARKER / BATTERY_EXIT_MARKER make the classifier raise, or the pool
  child `os._exit(1)`, on a text containing the marker (poison messages, A12).
Nothing else differs from production: same app, same settings, same task bodies."""

from __future__ import annotations

import os
from typing import Any

from tests.battery.complaints import stub_topic


class StubClassifier:
    version = "stub-1"

    def classify(self, text: str, prepared: Any = None, analyzed: Any = None,
                 doc: Any = None) -> Any:
        from triage.classify.model import Classification

        raise_marker = os.environ.get("BATTERY_RAISE_MARKER")
        if raise_marker and raise_marker in text:
            raise RuntimeError("classifier failed on a poison complaint (battery)")
        exit_marker = os.environ.get("BATTERY_EXIT_MARKER")
        if exit_marker and exit_marker in text:
            os._exit(1)
        topic = stub_topic(text)
        return Classification(topic=topic, topic_confidence=0.99, topic_scores={topic: 0.99},
                              flags=[], flag_scores={}, needs_review=False, review_reasons=[],
                              explanation=[], model_version=self.version,
                              joint_confidence=0.99)


def install() -> None:
    if os.environ.get("BATTERY_STUB_CLASSIFIER") == "1":
        from triage.classify import model
        from triage.pipeline import steps

        stub = StubClassifier()
        for module in (model, steps):
            setattr(module, "get_classifier", lambda: stub)  # noqa: B010
    # Warm the routing tables in the parent so that forked children share them. No
    # database connection is opened here: children must not inherit pool sockets.
    from triage.routing.rules import decide

    decide("dien", [], "Đèn đường ở ấp 3 xã Mỹ Hiệp bị hư")


def main() -> None:
    install()
    from triage import cli

    cli.worker(concurrency=int(os.environ.get("BATTERY_CONCURRENCY", "2")), loglevel="INFO")


if __name__ == "__main__":
    main()
