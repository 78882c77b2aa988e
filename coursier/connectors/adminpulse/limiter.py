"""A client-side limiter that keeps one process's AdminPulse calls under its 480 a minute.

Calls are spaced evenly (``60 / per_minute`` seconds apart) rather than sent in bursts: a
sliding window on the server then never sees more than ``per_minute``, and a long pull runs at
a steady share of the limit. Shared by the threads of one client (one lock); a 429 that comes
anyway (another program using the same token) is waited out by the connector's retry. The
firm's workers share the budget through the Prefect server (:mod:`coursier.connectors.rate_limits`).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from coursier.connectors.rate_limits import BUDGETS, SHARE

BUDGET = BUDGETS["adminpulse"]
LIMIT_PER_MINUTE = BUDGET.calls
#: What we allow ourselves: 2 % under the limit, for clock drift between us and the server.
PER_MINUTE = math.floor(LIMIT_PER_MINUTE * SHARE)


class Pacer:
    def __init__(
        self,
        per_minute: float = PER_MINUTE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute <= 0:
            raise ValueError("le rythme d'appels doit être positif")
        self.interval = 60.0 / per_minute
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        """Block until this call's turn; turns are ``interval`` apart."""
        with self._lock:
            now = self._clock()
            turn = max(now, self._next)
            self._next = turn + self.interval
        if turn > now:
            self._sleep(turn - now)
