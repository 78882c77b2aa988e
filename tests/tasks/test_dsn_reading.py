"""Self-checking many files on every core gives what checking them one by one gives."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from coursier.models.dsn import samples, writer
from coursier.tasks.dsn_reading import POOL_FROM, read_and_check, read_and_check_all

EMPLOYER = samples.Employer.from_seed(4242, "SAS POOL")


def _files(folder: Path, count: int) -> list[Path]:
    paths = []
    for n in range(count):
        path = folder / f"f{n:03}.dsn"
        records = samples.monthly_dsn(EMPLOYER, date(2026, 10, 1), 2, seed=n)
        path.write_bytes(writer.write_bytes(records))
        paths.append(path)
    broken = folder / "missing.dsn"  # unreadable: said, never raised, in its place
    return [*paths[:3], broken, *paths[3:]]


def test_the_pool_checks_in_order_what_one_by_one_checks(tmp_path):
    paths = _files(tmp_path, POOL_FROM + 4)
    pooled = read_and_check_all(paths, processes=2)
    assert [c.path for c in pooled] == [str(p) for p in paths]
    assert pooled == [c for p in paths for c in read_and_check(p)]
    assert "illisible" in (pooled[3].error or "")
    assert len({c.sha256 for c in pooled if not c.error}) == POOL_FROM + 4


def test_the_workers_import_no_prefect(tmp_path):
    """A worker that imported Prefect would take seconds to start, and the flow's threads'
    state: the module the workers run holds none of it."""
    import subprocess

    code = (
        "import sys; import coursier.tasks.dsn_reading; "
        "print(any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
