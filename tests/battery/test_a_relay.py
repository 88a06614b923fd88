"""A16: the outbox relay killed with SIGKILL every 3 s and restarted at once."""

from __future__ import annotations

from tests.battery.chaos import SWEEPER_OFF, FaultLoop, load, run_with_control


def test_a16_relay_killed_every_3s(make_stack, smtp_sink) -> None:
    """Killed between publish and commit, the relay publishes a row again (a duplicate
    delivery, harmless); it never leaves a row unpublished. Each kill comes 3 s after the
    relay has published again (restart, boot, probe row out): on a loaded box a relay
    killed 3 s after its start would still be importing, and the kills would hit nothing.
    Six kills, then the pipeline drains (the relay still publishes the workers'
    notification rows while the backlog drains, so late kills still hit publishing)."""
    stack = make_stack("P1")
    stack.start(relay_env=SWEEPER_OFF)

    def kill_relay() -> None:
        assert stack.relay is not None
        stack.relay.kill()
        stack.start_relay(**SWEEPER_OFF)

    kills = FaultLoop(kill_relay, every=3, duration=120, start=1, times=6)
    data = run_with_control(stack, load(stack), [kills], "A16", budget=30, sink=smtp_sink,
                            extra={})
    assert kills.count >= 6
    assert data["outbox_never_published"] == 0  # every message published at least once
    assert data["stuck_without_sweeper"] == 0
    assert data["publishes"] >= data["outbox_rows"]
