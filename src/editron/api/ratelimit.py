"""Failed authentications per client address, in memory and bounded: after ``allowed``
failures within ``window`` seconds an address gets 429 with ``Retry-After`` until the oldest
of them is a window old."""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from editron.errors import RateLimitedError

__all__ = ["FailedAuthLimiter"]


class FailedAuthLimiter:
    """At most ``max_clients`` addresses are remembered (the least recently failing ones are
    forgotten first) and at most ``allowed`` timestamps each, so memory stays bounded whatever
    a caller sends."""

    def __init__(self, *, allowed: int, window: float, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed, self.window, self.max_clients, self.clock = (allowed, window,
                                                                    max_clients, clock)
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise RateLimitedError while ``client`` has used up its failures."""
        with self._lock:
            failures = self._recent(client)
            if failures is None or len(failures) < self.allowed:
                return
            wait = max(1, math.ceil(failures[0] + self.window - self.clock()))
        raise RateLimitedError(f"too many failed authentications from {client}; try again in "
                               f"{wait} s with a valid token", retry_after=wait)

    def failed(self, client: str) -> None:
        with self._lock:
            failures = self._recent(client)
            if failures is None:
                failures = self._failures[client] = deque(maxlen=self.allowed)
            failures.append(self.clock())
            self._failures.move_to_end(client)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)

    def _recent(self, client: str) -> deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        cutoff = self.clock() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures
