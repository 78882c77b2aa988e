"""Self-check speed and memory on a monthly DSN of 20,000 employees, and on a lot of 200 DSN.

Baseline (raw): read the file and split each line into field id and value, nothing else.
Measured in the same run: the full self-check (``check_document``, as ``coursier dsn check``)
and the typed parser; for the lot, lines/s of the check and of ``split_lot``.
Targets (issues #2, #7): check/raw ratio ≤ 8 (goal 4); peak memory for 20,000 employees under
2× that for 2,000, and for a lot of 200 DSN under 2× that for 20 (the check streams: memory
must grow neither with the file nor with the number of declarations).

    .venv/bin/python bench/dsn_check.py [--employees 20000] [--declarations 200]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from coursier.models.dsn import lots, samples, writer
from coursier.models.dsn.checks import check_document
from coursier.models.dsn.lines import decoded_lines
from coursier.models.dsn.parser import parse


def write_sample(folder: Path, employees: int) -> Path:
    path = folder / f"monthly-{employees}.dsn"
    employer = samples.Employer.from_seed(55203188)
    records = samples.monthly_dsn(employer, date(2026, 10, 1), employees, seed=1)
    with path.open("wb") as out:
        for line in writer.write(records):
            out.write(line.encode("iso-8859-1") + b"\r\n")
    return path


def write_lot(folder: Path, declarations: int, employees: int = 20) -> Path:
    """A lot of ``declarations`` monthly DSN of ``employees`` each, in groups of ten."""
    path = folder / f"lot-{declarations}.dsn"
    month = date(2026, 10, 1)

    def dsn(index: int):
        employer = samples.Employer.from_seed(55203188 + index)
        return samples.monthly_dsn(employer, month, employees, seed=index)

    groups = [
        writer.LotGroup(f"G{start // 10 + 1}", [dsn(i) for i in range(start, start + 10)])
        for start in range(0, declarations, 10)
    ]
    path.write_bytes(writer.write_lot_bytes(groups, "0000000001", datetime(2026, 11, 5), "\r\n"))
    return path


def raw_split(path: Path) -> int:
    lines = 0
    with path.open("rb") as stream:
        for text in decoded_lines(stream):
            _field_id, _, value = text.rstrip("\r\n").partition(",")
            value = value[1:-1]
            lines += 1
    return lines


def full_check(path: Path) -> int:
    with path.open("rb") as stream:
        report = check_document(stream)
    assert report.blocking == 0, report.anomalies[:3]
    return report.blocking


def cut_lot(path: Path) -> int:
    return len(lots.split_lot(path.read_bytes()))


def typed_parse(path: Path) -> int:
    with path.open("rb") as stream:
        return sum(1 for _ in parse(decoded_lines(stream)))


def best_times(runs: list[Callable[[Path], object]], path: Path, repeat: int) -> list[float]:
    """Each run's best time, the runs taken in turn: a ratio of two of them then compares
    timings of the same moments of the machine (a shared one speeds up and slows down)."""
    timings: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for run, times in zip(runs, timings, strict=True):
            started = time.perf_counter()
            run(path)
            times.append(time.perf_counter() - started)
    return [min(times) for times in timings]


def peak_memory(run: Callable[[Path], object], path: Path) -> int:
    run(path)  # the norm is loaded once per process: keep it out of the comparison
    tracemalloc.start()
    run(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=20_000)
    parser.add_argument("--declarations", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        big = write_sample(Path(folder), args.employees)
        small = write_sample(Path(folder), args.employees // 10)
        lines = raw_split(big)
        print(f"file: {args.employees} employees, {lines} lines, {big.stat().st_size / 1e6:.1f} MB")
        raw, check, typed = best_times([raw_split, full_check, typed_parse], big, args.repeat)
        print(f"raw read+split: {lines / raw:,.0f} lines/s ({raw:.2f} s)")
        print(f"parse+check:    {lines / check:,.0f} lines/s ({check:.2f} s)")
        print(f"typed records:  {lines / typed:,.0f} lines/s ({typed:.2f} s)")
        small_peak = peak_memory(full_check, small)
        big_peak = peak_memory(full_check, big)
        print(
            f"peak memory, check: {small_peak / 1e6:.2f} MB for {args.employees // 10} employees,"
            f" {big_peak / 1e6:.2f} MB for {args.employees} (x{big_peak / small_peak:.2f})"
        )
        print(f"check/raw ratio: {check / raw:.2f}")
        lot_figures(Path(folder), args.declarations, args.repeat)


def lot_figures(folder: Path, declarations: int, repeat: int) -> None:
    big, small = write_lot(folder, declarations), write_lot(folder, declarations // 10)
    lines = raw_split(big)
    print(f"lot: {declarations} DSN, {lines} lines, {big.stat().st_size / 1e6:.1f} MB")
    check, cut = best_times([full_check, cut_lot], big, repeat)
    print(f"lot check:      {lines / check:,.0f} lines/s ({check:.2f} s)")
    print(f"lot split:      {lines / cut:,.0f} lines/s ({cut:.3f} s)")
    small_peak, big_peak = peak_memory(full_check, small), peak_memory(full_check, big)
    print(
        f"peak memory, lot check: {small_peak / 1e6:.2f} MB for {declarations // 10} DSN,"
        f" {big_peak / 1e6:.2f} MB for {declarations} (x{big_peak / small_peak:.2f})"
    )


if __name__ == "__main__":
    main()
