"""Emulated machines for the scale-out bench: a CPU budget of its own for each worker.

Two workers on a two-core box that also runs the Prefect server, PostgreSQL and the sandbox do
not measure two machines: in the one-worker phase the server has a core to itself, in the
two-worker phase it fights both workers for theirs. A machine here is a CPU cgroup with a quota
(``--cpus-per-worker`` cores of time per period, cgroup v2 ``cpu.max`` or v1
``cpu.cfs_quota_us``) that the worker and every run it starts inherit, while the server, its
database and the sandbox stay outside, as on their own machine: the same budget per worker in
both phases, whatever the box has left. Where the cgroups cannot be written (not root, a
read-only hierarchy), :func:`cpu_quota` says so and the bench falls back to ``taskset``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

PERIOD_US = 100_000
V2_ROOTS = (Path("/sys/fs/cgroup"), Path("/sys/fs/cgroup/unified"))
V1_ROOT = Path("/sys/fs/cgroup/cpu")


class NoCgroups(RuntimeError):
    """This box gives no writable CPU cgroup: the reason, for the bench to print."""


def _v2_root() -> Path | None:
    for root in V2_ROOTS:
        if "cpu" in _read(root / "cgroup.controllers").split():
            return root
    return None


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _create(name: str, cpus: float) -> Path:
    quota = round(cpus * PERIOD_US)
    v2 = _v2_root()
    group = (v2 or V1_ROOT) / name
    try:
        group.mkdir()
        if v2 is not None:
            (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        else:
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(quota))
    except OSError as error:
        with contextlib.suppress(OSError):
            group.rmdir()
        raise NoCgroups(f"no writable CPU cgroup: {error.strerror}: {error.filename}") from None
    return group


def _remove(group: Path) -> None:
    """Remove the cgroup once its processes are gone (the kernel refuses a busy one)."""
    for _ in range(50):
        try:
            group.rmdir()
            return
        except OSError:
            time.sleep(0.1)


@contextlib.contextmanager
def cpu_quota(name: str, cpus: float) -> Iterator[list[str]]:
    """A cgroup ``name`` allowed ``cpus`` cores of time: the command prefix that starts a
    process inside it (its children stay inside); removed after. ``NoCgroups`` without one."""
    group = _create(f"{name}-{os.getpid()}", cpus)
    procs = group / "cgroup.procs"
    try:
        yield ["sh", "-c", f'echo $$ > "{procs}" && exec "$@"', "sh"]
    finally:
        _remove(group)
