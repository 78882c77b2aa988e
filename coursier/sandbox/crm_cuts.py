"""Cuts of the PAS returns' downloads, per association (declared SIRET), on demand.

The fault board (:mod:`.faults`) strikes a route whatever it serves; the seed's micro-coupure
strikes one association's transfer, and a test or a benchmark needs to choose which one: "cut
this SIRET's CRM twice", "cut that one on every attempt". A cut sends the head and half of the
body, then drops the connection, as :class:`~coursier.sandbox.faults.FaultKind.CUT_RESPONSE`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse

from coursier.sandbox.faults import ConnectionCut

#: The natures of the DGFiP's PAS returns.
PAS_NATURES = frozenset({"93", "94", "95"})
ALWAYS = -1


class CrmCuts:
    """SIRET → how many more downloads of its PAS returns to cut (``ALWAYS``: every one), and
    how many were asked for (cut or not), so that a test can count a run's transfers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left: dict[str, int] = {}
        self._attempts: Counter[str] = Counter()

    def cut(self, siret: str, times: int | None = None) -> None:
        """Cut the next ``times`` downloads of the SIRET's PAS returns (``None``: all of them)."""
        with self._lock:
            self._left[siret] = ALWAYS if times is None else times

    def clear(self) -> None:
        with self._lock:
            self._left.clear()
            self._attempts.clear()

    def attempts(self, siret: str) -> int:
        """How many downloads of the SIRET's PAS returns were asked for."""
        with self._lock:
            return self._attempts[siret]

    def strikes(self, siret: str | None, nature: str) -> bool:
        """Whether this download is cut (and one cut fewer is left)."""
        if siret is None or nature not in PAS_NATURES:
            return False
        with self._lock:
            self._attempts[siret] += 1
            left = self._left.get(siret, 0)
            if left == 0:
                return False
            if left != ALWAYS:
                self._left[siret] = left - 1
            return True


def cut_response(content: bytes, media_type: str) -> StreamingResponse:
    """A response announcing ``content`` whole that stops halfway, the connection dropped."""

    async def half() -> AsyncIterator[bytes]:
        yield content[: len(content) // 2]
        raise ConnectionCut("retour PAS coupé en cours de transfert")

    return StreamingResponse(
        half(), media_type=media_type, headers={"Content-Length": str(len(content))}
    )
