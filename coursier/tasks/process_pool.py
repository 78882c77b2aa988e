"""Worker processes that run one function of one module, and nothing else.

Why not ``multiprocessing``: its workers import the parent's ``__main__`` first, whatever the
start method — under Prefect that is ``prefect.engine`` or the serving script, so every worker
of every run spent seconds importing Prefect before checking a single file. These workers are
``python -m coursier.tasks.process_pool MODULE:FUNCTION``: they import that module, read lists
of items from standard input and write back the function's results, pickled (parent and workers
are the same program). A worker that dies leaves its chunk to be done in this process: slower,
never lost.
"""

from __future__ import annotations

import contextlib
import importlib
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO


def map_in_workers(target: str, items: Sequence[Any], processes: int, chunk: int) -> list[Any]:
    """``[function(item) for item in items]`` in order, where ``target`` is
    ``"module:function"``, spread over ``processes`` workers ``chunk`` items at a time."""
    function = _resolve(target)
    chunks = [list(items[start : start + chunk]) for start in range(0, len(items), chunk)]
    results: list[list[Any] | None] = [None] * len(chunks)
    next_chunk = iter(range(len(chunks)))
    lock = threading.Lock()
    raised: list[BaseException] = []

    def serve(worker: subprocess.Popen[bytes] | None) -> None:
        try:
            share(worker)
        except BaseException as error:  # raised again in the caller's thread
            raised.append(error)

    def share(worker: subprocess.Popen[bytes] | None) -> None:
        while True:
            with lock:
                index = next(next_chunk, None)
            if index is None:
                return
            if worker is not None:
                try:
                    results[index] = _exchange(worker, chunks[index])
                    continue
                except (OSError, EOFError, pickle.UnpicklingError):
                    worker = None  # it died: the rest of its share is done here
            results[index] = [function(item) for item in chunks[index]]

    workers = [_start(target) for _ in range(min(processes, len(chunks)))]
    threads = [threading.Thread(target=serve, args=(w,), daemon=True) for w in workers]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for worker in workers:
            _stop(worker)
    if raised:
        raise raised[0]
    return [result for found in results if found is not None for result in found]


def _resolve(target: str) -> Callable[[Any], Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def _start(target: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", __name__, target],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )


def _exchange(worker: subprocess.Popen[bytes], chunk: list[Any]) -> list[Any]:
    if worker.stdin is None or worker.stdout is None:
        raise OSError("worker started without its pipes")
    pickle.dump(chunk, worker.stdin, protocol=pickle.HIGHEST_PROTOCOL)
    worker.stdin.flush()
    done, answer = pickle.load(worker.stdout)  # noqa: S301 - our own worker's answer
    if not done:
        raise answer  # what the function raised in the worker
    return answer


def _stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.stdin is not None:
        with contextlib.suppress(OSError):  # already gone
            worker.stdin.close()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def _serve(target: str, requests: BinaryIO, answers: BinaryIO) -> None:
    """The worker's loop until EOF: a pickled list of items in; out, ``(True, results)`` or
    ``(False, exception)`` when the function raised (a bug: the caller raises it)."""
    function = _resolve(target)
    while True:
        try:
            chunk = pickle.load(requests)  # noqa: S301 - sent by the process that started us
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, [function(item) for item in chunk])
        except Exception as error:
            answer = (False, error)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an exception that does not pickle: its text does
            data = pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {answer[1]}")))
        answers.write(data)
        answers.flush()


if __name__ == "__main__":
    _serve(sys.argv[1], sys.stdin.buffer, sys.stdout.buffer)
