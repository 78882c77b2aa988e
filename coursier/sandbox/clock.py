"""The sandbox's clock: real time plus an offset that tests move forward instead of sleeping.

Token expiry, return delays, listing windows and ``Expires`` headers all read this clock, so
advancing it by an hour expires tokens and publishes every pending return at once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime


class Clock:
    def __init__(self) -> None:
        self._offset = timedelta()
        self._lock = threading.Lock()

    def now(self) -> datetime:
        """The sandbox's current time, aware (UTC)."""
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, seconds: float) -> datetime:
        """Move time forward by ``seconds`` (never backward); the new current time."""
        if seconds < 0:
            raise ValueError("le temps du bac à sable ne recule pas")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()


def http_date(moment: datetime) -> str:
    """An HTTP-date (``Expires``, ``Retry-After``): ``Wed, 21 Oct 2026 07:28:00 GMT``."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)
