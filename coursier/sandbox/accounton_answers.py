"""What the three client-import sandboxes (AdminPulse, Admin IS | Consult, Accounton) share:
JSON answers, page slicing, and a state holding one firm's seeded clients.

Each platform's state renders the firm's neutral records (:mod:`.accounton_dataset`) in its
own shape when it is reset or given a new data set (``POST /_sandbox/dataset``); the three
draw the same firm from the same seed, so that a test resizing all three sees one firm.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from fastapi import Response

from coursier.sandbox.accounton_dataset import FirmClients, Shape, firm_clients
from coursier.sandbox.clock import Clock
from coursier.sandbox.faults import FaultBoard


def json_answer(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """JSON written by :func:`json.dumps`: FastAPI's encoder is slow on pages of hundreds."""
    return Response(json.dumps(body), status, headers, media_type="application/json")


def page_of(items: Sequence, page: int, page_size: int) -> tuple[list, int]:
    """Page ``page`` (from 1) of ``items`` and the number of pages."""
    start = (page - 1) * page_size
    return list(items[start : start + page_size]), math.ceil(len(items) / page_size)


@dataclass
class FirmState:
    """One platform's view of the firm: subclasses render ``firm`` in ``load``."""

    name: str
    seed: int
    clock: Clock
    fault_routes: tuple[str, ...] = field(kw_only=True)

    def __post_init__(self) -> None:
        self.faults = FaultBoard(self.seed, self.name, self.fault_routes)
        self.lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """The seeded firm of the default shape, no fault, counters at zero."""
        with self.lock:
            self.faults.clear()
            self.resize(Shape())

    def resize(self, shape: Shape) -> None:
        with self.lock:
            self.shape = shape
            self.load(firm_clients(self.seed, shape))

    def load(self, firm: FirmClients) -> None:
        raise NotImplementedError
