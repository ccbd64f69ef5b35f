"""Errors: every body shape, every status, both code paths, retries."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pytest

from chatserver_sdk.exceptions import (
    UnauthorizedError,
)

from ..unit.test_errors import KEY, _unauthorized_in_a_worker

pytestmark = pytest.mark.slow


@pytest.mark.slow
@pytest.mark.chatserver_emulator(api_keys=["the-only-valid-key"])
def test_an_error_in_a_worker_process_reaches_the_parent(chatserver_emulator: str) -> None:
    # spawn, not fork: the test process runs an emulator thread, and forking it may deadlock.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_unauthorized_in_a_worker, chatserver_emulator)
        with pytest.raises(UnauthorizedError) as caught:
            future.result(timeout=60)
    assert caught.value.status_code == 401 and KEY not in repr(caught.value)
