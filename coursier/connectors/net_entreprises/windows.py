"""Search windows for ``lister-depots`` and ``lister-retours-declarant``.

The platform reads a window's bounds as Paris wall-clock times (``yyyyMMddHHmmss``, no offset)
and answers 429 to a window wider than the minutes it advertises (``Accept-Ranges:
minutes=0-60``). Windows are therefore cut on the Paris wall clock, not in elapsed time: on the
day clocks go forward the skipped hour is a window of its own (empty) and no window spans more
wall-clock minutes than allowed; on the day they go back, the repeated hour is a single
wall-clock hour, which is all the platform can tell apart in a path. A period that crosses that
change may run backwards on the wall clock (02:30 summer time to 02:10 winter time): it is
widened by the hour given back on each side, so that both passes of the hour are searched.

Consecutive windows share a bound, so an entry stamped exactly on it may be listed twice: the
client de-duplicates.

Widths are per route (:class:`WindowWidths`): the official simulator allows 60 minutes on
``lister-retours-declarant`` but 10 on a concentrateur's ``lister-depots`` and on
``lister-retours-concentrateur``, and its 429 says nothing (no ``Accept-Ranges``, no
``Expires``): the client then halves the window, down to one minute.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime, timedelta

from coursier.models.returns.xml import PARIS

DEFAULT_MINUTES = 60

Window = tuple[datetime, datetime]


def wall_clock(moment: datetime) -> datetime:
    """The naive Paris wall-clock time of ``moment`` (a naive one is already Paris time)."""
    return moment if moment.tzinfo is None else moment.astimezone(PARIS).replace(tzinfo=None)


def split(start: datetime, end: datetime, minutes: int) -> list[Window]:
    """Consecutive windows covering ``start`` to ``end``, none wider than ``minutes``.

    Bounds are naive Paris wall-clock times, whole seconds (the start rounded down, the end
    up, so that nothing falls between two calls). No window when ``start`` equals ``end``.
    """
    if minutes < 1:
        raise ValueError(f"largeur de fenêtre invalide : {minutes} minutes")
    aware = start.tzinfo is not None and end.tzinfo is not None
    if start > end if aware else wall_clock(start) > wall_clock(end):
        raise ValueError(f"fenêtre à l'envers : début {start} après la fin {end}")
    given_back = _hour_given_back(start, end) if aware else timedelta(0)
    low = wall_clock(start).replace(microsecond=0) - given_back
    high = wall_clock(end) + given_back
    if high.microsecond:
        high = high.replace(microsecond=0) + timedelta(seconds=1)
    step = timedelta(minutes=minutes)
    windows = []
    while low < high:
        windows.append((low, min(low + step, high)))
        low += step
    return windows


def _hour_given_back(start: datetime, end: datetime) -> timedelta:
    """How much the Paris clocks went back between two aware times (zero if they went forward)."""
    before = start.astimezone(PARIS).utcoffset() or timedelta(0)
    after = end.astimezone(PARIS).utcoffset() or timedelta(0)
    return max(before - after, timedelta(0))


def width_minutes(window: Window) -> float:
    """A window's width in wall-clock minutes, as the platform measures it."""
    return (window[1] - window[0]).total_seconds() / 60


class WindowWidths:
    """The widest window each listing route is believed to accept, in minutes.

    A route starts at ``default`` (capped by ``caps``, e.g. 10 for a concentrateur's
    ``lister-depots``), takes the width its answers advertise (``Accept-Ranges``), and is
    halved by a 429 that says nothing. ``Accept-Ranges`` on any other answer (a flux listing)
    moves ``default`` for the routes that have advertised nothing yet.
    """

    def __init__(self, default: int = DEFAULT_MINUTES, caps: Mapping[str, int] | None = None):
        self._default = default
        self._caps = dict(caps or {})
        self._learnt: dict[str, int] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"WindowWidths(default={self._default}, learnt={self._learnt})"

    @property
    def default(self) -> int:
        return self._default

    def width(self, route: str) -> int:
        with self._lock:
            learnt = self._learnt.get(route)
            if learnt is not None:
                return learnt
            return min(self._default, self._caps.get(route, self._default))

    def advertised(self, route: str | None, minutes: int) -> None:
        """An answer of ``route`` (None: not a window listing) advertised ``minutes``."""
        if minutes < 1:
            return
        with self._lock:
            if route is None:
                self._default = minutes
            else:
                self._learnt[route] = minutes

    def halve(self, route: str, window: Window) -> int | None:
        """Narrow ``route`` to half of ``window`` (a 429 that named no width); the new width,
        or None when the window is already a minute or less."""
        minutes = width_minutes(window)
        if minutes <= 1:
            return None
        narrower = max(1, int(minutes // 2))
        with self._lock:
            self._learnt[route] = narrower
        return narrower
