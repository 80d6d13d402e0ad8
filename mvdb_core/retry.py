"""The one retry policy for transient failures (a paused or restarting server, a network blip, HTTP 5xx)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

T = TypeVar("T")


def call_with_retries(
    fn: Callable[[], T],
    transient: Callable[[BaseException], bool],
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`fn()`, tried up to `attempts` times while it fails with an error `transient` accepts.

    Waits `backoff`, then twice as long each time (capped at 30 s); the last error is raised as is.
    """
    retrying = Retrying(
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=backoff, min=backoff, max=30),
        retry=retry_if_exception(transient),
        sleep=sleep,
        reraise=True,
    )
    return retrying(fn)
