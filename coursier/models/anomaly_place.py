"""Where an anomaly applies, said the same way for the self-check's and the returns' anomalies."""

from __future__ import annotations

from typing import Protocol


class Placed(Protocol):
    """Where an anomaly applies: the rubrique and its value, the line, the employee."""

    field: str | None
    value: str | None
    line: int | None
    nir: str | None
    ntt: str | None
    payroll_number: str | None


def where_it_applies(anomaly: Placed) -> str:
    """``S21.G00.30.001 = « … » ; ligne 12 ; salarié NIR …, matricule …``, or ``""``."""
    where = []
    if anomaly.field:
        where.append(f"{anomaly.field} = « {anomaly.value} »" if anomaly.value else anomaly.field)
    if anomaly.line:
        where.append(f"ligne {anomaly.line}")
    person = [
        f"{label} {value}"
        for label, value in (
            ("NIR", anomaly.nir),
            ("NTT", anomaly.ntt),
            ("matricule", anomaly.payroll_number),
        )
        if value
    ]
    if person:
        where.append("salarié " + ", ".join(person))
    return " ; ".join(where)
