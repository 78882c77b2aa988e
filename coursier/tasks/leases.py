"""A run's lease on the deposits it claims, renewed by a background thread while it lives.

Another run takes a claimed row over only once the lease has run out (the holder was killed,
its machine lost, its database unreachable) and only through reconciliation. The holder, for
its part, sends nothing once it cannot be sure its lease outlives the POST.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from types import TracebackType

from sqlalchemy.exc import SQLAlchemyError

from coursier.store import Store
from coursier.store.claims import drop_lease, renew_lease

log = logging.getLogger(__name__)


class Lease:
    """``with Lease(store, run_id, flow, seconds=60):`` holds the run's lease for the block."""

    def __init__(
        self,
        store: Store,
        run_id: str,
        flow: str,
        *,
        seconds: float,
    ) -> None:
        self._store = store
        self._run_id = run_id
        self._flow = flow
        self._length = timedelta(seconds=seconds)
        self._expires = datetime.min.replace(tzinfo=UTC)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Lease:
        self._renew()
        self._thread = threading.Thread(target=self._keep, name="lease", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._store.begin() as session:
            drop_lease(session, self._run_id)

    def valid_for(self, seconds: float) -> bool:
        """Whether the lease surely runs ``seconds`` more (as last renewed)."""
        return self._expires - datetime.now(UTC) >= timedelta(seconds=seconds)

    def _keep(self) -> None:
        interval = max(self._length.total_seconds() / 4, 0.2)
        while not self._stop.wait(interval):
            try:
                self._renew()
            except SQLAlchemyError as error:  # the next renewal may work; sends check validity
                log.warning("bail de l'exécution non renouvelé : %s", type(error).__name__)

    def _renew(self) -> None:
        started = time.monotonic()
        with self._store.begin() as session:
            expires = renew_lease(session, self._run_id, self._flow, self._length)
        # Count from before the write: a slow commit must not lengthen what we believe.
        self._expires = expires - timedelta(seconds=time.monotonic() - started)
