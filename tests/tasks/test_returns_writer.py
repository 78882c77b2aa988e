"""The deposit pool's returns writer: what sixteen threads fetched is stored, each once, in
fewer transactions than looks; a failure to store is raised when the writer closes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing

import pytest

from coursier.tasks import returns_writer
from coursier.tasks.returns import Fetched
from coursier.tasks.returns_writer import ReturnsWriter


def fetched(number: int) -> Fetched:
    return Fetched(downloaded=[], known={(f"F{number}", "10", "1")}, unlinked=[])


def test_every_look_is_stored_once_in_fewer_transactions(monkeypatch):
    batches: list[list[Fetched]] = []
    first_started, let_go = threading.Event(), threading.Event()

    def store(run, account, batch):
        batches.append(list(batch))
        first_started.set()
        let_go.wait(10)  # the first transaction holds the lock while the others queue up

    monkeypatch.setattr(returns_writer, "store_fetched", store)
    looks = [fetched(n) for n in range(200)]
    with closing(ReturnsWriter(run=None, account=None)) as writer:
        writer.put(looks[0])
        assert first_started.wait(10)
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(writer.put, looks[1:]))
        let_go.set()
    stored = [item for batch in batches for item in batch]
    assert sorted(stored, key=lambda f: min(f.known)) == sorted(looks, key=lambda f: min(f.known))
    assert len(stored) == len({id(item) for item in stored})  # none twice
    assert len(batches) < 10  # 200 looks, a handful of transactions


def test_a_failure_to_store_is_raised_on_close_and_nothing_after_it_is_stored(monkeypatch):
    calls: list[int] = []
    failed = threading.Event()

    def store(run, account, batch):
        calls.append(len(batch))
        failed.set()
        raise RuntimeError("disque plein")

    monkeypatch.setattr(returns_writer, "store_fetched", store)
    writer = ReturnsWriter(run=None, account=None)
    writer.put(fetched(1))
    assert failed.wait(10)
    writer.put(fetched(2))
    with pytest.raises(RuntimeError, match="disque plein"):
        writer.close()
    assert calls == [1]
