"""The workers of ``process_pool``: results in order, nothing lost when one dies, a bug raised
in the caller, and none of the caller's imports (Prefect's above all) in the workers."""

from __future__ import annotations

import os
import sys

import pytest

from coursier.tasks.process_pool import map_in_workers

HERE = __name__


def square_and_pid(number: int) -> tuple[int, int]:
    return number * number, os.getpid()


def dies_in_a_worker(number: int) -> int:
    """Kills the worker process it runs in (a segfault, the OOM killer); fine in the caller."""
    if os.getpid() != int(os.environ["CALLER_PID"]):
        os._exit(9)
    return number + 1


def refuses_seven(number: int) -> int:
    if number == 7:
        raise ValueError("sept")
    return number


def imported_modules(_: int) -> list[str]:
    return [name for name in sys.modules if name == "prefect" or name.startswith("prefect.")]


def test_results_come_in_order_from_worker_processes():
    found = map_in_workers(f"{HERE}:square_and_pid", list(range(50)), processes=2, chunk=4)
    assert [square for square, _ in found] == [n * n for n in range(50)]
    workers = {pid for _, pid in found}
    assert os.getpid() not in workers
    assert len(workers) == 2


def test_a_worker_that_dies_leaves_its_share_to_the_caller(monkeypatch):
    monkeypatch.setenv("CALLER_PID", str(os.getpid()))
    found = map_in_workers(f"{HERE}:dies_in_a_worker", list(range(20)), processes=2, chunk=3)
    assert found == [n + 1 for n in range(20)]


def test_a_bug_in_the_function_is_raised_to_the_caller():
    with pytest.raises(ValueError, match="sept"):
        map_in_workers(f"{HERE}:refuses_seven", list(range(10)), processes=2, chunk=2)


def test_the_workers_import_only_the_functions_module():
    import prefect  # noqa: F401 - the caller has it, as a flow run does

    found = map_in_workers(f"{HERE}:imported_modules", [0, 1, 2, 3], processes=2, chunk=1)
    assert found == [[], [], [], []]
