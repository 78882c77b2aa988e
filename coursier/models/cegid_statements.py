"""The bank statements Cegid Flow shows, checked against the CFONB 120 file the bank sent
(:mod:`coursier.models.cfonb`): per account and day, the old and new balances and the number of
movements must be the same, and the file must add up by itself.

Flow's statements are read as the connector gives them (assumed shape, Flow has no public API):
``{"compte", "date", "ancienSolde", "nouveauSolde", "mouvements"}``, balances as decimal text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from coursier.models.cfonb import Statement


@dataclass(frozen=True)
class StatementCheck:
    """One statement of the bank's file and what Flow shows of it."""

    account: str
    day: date
    opening: Decimal
    closing: Decimal | None
    movements: int
    problems: tuple[str, ...]

    @property
    def matches(self) -> bool:
        return not self.problems


def check_statements(
    bank: Iterable[Statement], shown: Iterable[Mapping[str, Any]]
) -> list[StatementCheck]:
    """Each statement of the bank's file, with what differs in Flow (in French)."""
    flow = {(str(s.get("compte", "")).strip(), str(s.get("date", ""))): s for s in shown}
    checks = []
    for statement in bank:
        problems = list(statement.check())
        seen = flow.get((statement.account, statement.opening_on.isoformat()))
        if seen is None:
            problems.append("relevé absent de Cegid Flow")
        else:
            problems += _differences(statement, seen)
        checks.append(
            StatementCheck(
                statement.account,
                statement.opening_on,
                statement.opening_balance,
                statement.closing_balance,
                len(statement.movements),
                tuple(problems),
            )
        )
    return checks


def _differences(statement: Statement, seen: Mapping[str, Any]) -> list[str]:
    problems = []
    for label, ours, key in (
        ("ancien solde", statement.opening_balance, "ancienSolde"),
        ("nouveau solde", statement.closing_balance, "nouveauSolde"),
    ):
        theirs = _decimal(seen.get(key))
        if theirs != ours:
            problems.append(f"{label} : {ours} dans le fichier, {theirs} dans Cegid Flow")
    if seen.get("mouvements") != len(statement.movements):
        problems.append(
            f"mouvements : {len(statement.movements)} dans le fichier, "
            f"{seen.get('mouvements')} dans Cegid Flow"
        )
    return problems


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
