"""Small DSN files for the tests, built from the samples and edited line by line."""

from __future__ import annotations

from datetime import date, datetime

from coursier.models.dsn import samples, writer
from coursier.models.dsn.checks import CheckReport

EMPLOYER = samples.Employer.from_seed(73282932, "SARL LES GENÊTS")
OCTOBER = date(2026, 10, 1)


def monthly(employees: int = 2) -> list[str]:
    return list(writer.write(monthly_records(employees)))


def sick_leave() -> list[str]:
    return list(writer.write(samples.sick_leave_signal(EMPLOYER, date(2026, 10, 12), seed=3)))


def end_of_contract() -> list[str]:
    return list(writer.write(samples.end_of_contract_signal(EMPLOYER, date(2026, 10, 30))))


def set_value(lines: list[str], field_id: str, value: str, occurrence: int = 0) -> list[str]:
    """Replace the value of the ``occurrence``-th line of ``field_id``."""
    index = [i for i, line in enumerate(lines) if line.startswith(field_id + ",")][occurrence]
    return [*lines[:index], f"{field_id},'{value}'", *lines[index + 1 :]]


def drop(lines: list[str], prefix: str) -> list[str]:
    """Remove every line starting with ``prefix`` (a field or a block id)."""
    return [line for line in lines if not line.startswith(prefix)]


def moved_before_totals(lines: list[str], block: str) -> list[str]:
    """The lines of ``block`` taken out and put back just before the S90 totals: a block out
    of its place (the contract after the last block of its employee's pay)."""
    moved = [line for line in lines if line.startswith(block)]
    lines = drop(lines, block)
    end = line_of(lines, "S90")
    return [*lines[: end - 1], *moved, *lines[end - 1 :]]


def line_of(lines: list[str], prefix: str, occurrence: int = 0) -> int:
    """The 1-based line number of the ``occurrence``-th line starting with ``prefix``."""
    return [i for i, line in enumerate(lines, 1) if line.startswith(prefix)][occurrence]


def recount(lines: list[str]) -> list[str]:
    """Fix the S90 line count after an edit, so that a test triggers only what it means to."""
    return set_value(lines, "S90.G00.90.001", str(len(lines)))


def codes(report: CheckReport) -> list[str]:
    return sorted(a.code for a in report.anomalies)


def only(report: CheckReport, code: str):
    found = [a for a in report.anomalies if a.code == code]
    assert found, f"no {code} in {codes(report)}"
    return found


LOT_NUMBER = "0000000042"
OTHER = samples.Employer.from_seed(41287553, "SAS LES TILLEULS")


def lot_groups() -> list[writer.LotGroup]:
    """Two groups: a monthly DSN and a sick-leave signal, then an end-of-contract signal."""
    return [
        writer.LotGroup("G1", [monthly_records(1), sick_leave_records()]),
        writer.LotGroup("G2", [samples.end_of_contract_signal(OTHER, date(2026, 10, 30))]),
    ]


def monthly_records(employees: int = 2):
    return samples.monthly_dsn(EMPLOYER, OCTOBER, employees, seed=7)


def sick_leave_records():
    return samples.sick_leave_signal(OTHER, date(2026, 10, 12), seed=3)


def lot(groups: list[writer.LotGroup] | None = None) -> list[str]:
    """The lines of a lot of three DSN in two groups (or of ``groups``)."""
    return list(
        writer.write_lot(
            lot_groups() if groups is None else groups, LOT_NUMBER, datetime(2026, 11, 5, 8, 30)
        )
    )


def encoded(lines: list[str], newline: str = "\n") -> bytes:
    return "".join(line + newline for line in lines).encode("iso-8859-1")
