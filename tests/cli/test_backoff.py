"""The follower's retry delays: doubling, bounded, jittered."""

from __future__ import annotations

from chatserver_sdk.cli._follow import MAX_RETRY, retry_delay


def test_retry_delays_double_up_to_a_bound_with_jitter() -> None:
    for failures, bound in [(1, 1.0), (2, 2.0), (3, 4.0), (5, 16.0), (6, MAX_RETRY), (50, MAX_RETRY)]:
        delays = [retry_delay(failures) for _ in range(200)]
        assert all(bound / 2 <= delay <= bound for delay in delays), (failures, min(delays), max(delays))
        assert len(set(delays)) > 1  # jittered: followers do not come back in step
