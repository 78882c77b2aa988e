"""Storing the returns many threads fetched, a batch per transaction, from one thread.

The deposit's pool takes a first look at the returns of each file it deposits. Each of its
sixteen threads storing its own look took SQLite's write lock once per file, and mostly waited
for it: a holder that loses the interpreter lock to fifteen other threads keeps every writer
waiting meanwhile. One writer taking, per transaction, whatever has queued up since its last
one takes the lock a few dozen times a run instead. Waiting here loses nothing: a return not
stored yet is listed again by the next look, and the writer is drained before the run follows
its deposits.
"""

from __future__ import annotations

import queue
import threading

from coursier.runkit import Run
from coursier.tasks.accounts import Account
from coursier.tasks.returns import Fetched, store_fetched

_CLOSE = None


class ReturnsWriter:
    """``put`` what a listing brought (any thread); ``close`` stores the rest and raises what
    storing raised, as the look itself would have (``contextlib.closing`` for a ``with``)."""

    def __init__(self, run: Run, account: Account) -> None:
        self._run = run
        self._account = account
        self._queue: queue.SimpleQueue[Fetched | None] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, name="returns-writer", daemon=True)
        self._thread.start()

    def put(self, fetched: Fetched) -> None:
        self._queue.put(fetched)

    def close(self) -> None:
        self._queue.put(_CLOSE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _write(self) -> None:
        closing = False
        while not closing:
            batch = [self._queue.get()]
            while not self._queue.empty():
                batch.append(self._queue.get())
            closing = any(item is _CLOSE for item in batch)
            fetched = [item for item in batch if item is not _CLOSE]
            if fetched and self._error is None:
                try:
                    store_fetched(self._run, self._account, fetched)
                except BaseException as error:  # raised again by close()
                    self._error = error
