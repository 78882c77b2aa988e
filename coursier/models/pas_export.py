"""What the payroll software puts in S21.G00.50.006 / .007 / .008 for the next month's pay.

A rate received from the DGFiP is applied with type 01 and its identifier while it is usable
(about two months after it was received); an announced future rate replaces it from its
effective date. Past that, or with no rate, the default grid applies: type 13 (barème mensuel
métropole), no rate and no identifier — the payroll software computes the withholding from the
grid. The DOM grids (23, 33) depend on the employee's residence, which the CRM does not give:
the export says so in its note rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from coursier.models.pas import EmployeeRate, add_months

DGFIP_RATE, DEFAULT_GRID = "01", "13"


@dataclass(frozen=True)
class RateLine:
    """One employee's line of the export."""

    employee: str
    payroll_number: str | None
    rate: Decimal | None  # S21.G00.50.006
    rate_type: str  # S21.G00.50.007
    rate_id: str | None  # S21.G00.50.008
    note: str

    def csv_row(self) -> dict[str, str]:
        kind, _, number = self.employee.partition(":")
        return {
            "nir": number if kind == "NIR" else "",
            "ntt": number if kind == "NTT" else "",
            "matricule": self.payroll_number or "",
            "S21.G00.50.006": "" if self.rate is None else f"{self.rate:.2f}",
            "S21.G00.50.007": self.rate_type,
            "S21.G00.50.008": self.rate_id or "",
            "remarque": self.note,
        }


def next_pay_month(month: date) -> date:
    """The first day of the month after the declared one: when the rates are applied."""
    return add_months(month.replace(day=1), 1)


def rate_line(rate: EmployeeRate, pay_on: date) -> RateLine:
    """The values to declare for a pay on ``pay_on``."""
    if pay_on > rate.usable_until:
        return _default_grid(
            rate,
            f"taux reçu le {rate.received_on:%d/%m/%Y} périmé depuis le "
            f"{rate.usable_until:%d/%m/%Y}",
        )
    future = rate.future_effective
    if future is not None and rate.future_rate is not None and future <= pay_on:
        return RateLine(
            rate.employee,
            rate.payroll_number,
            rate.future_rate,
            DGFIP_RATE,
            rate.rate_id,
            f"nouveau taux en vigueur depuis le {future:%d/%m/%Y}",
        )
    if rate.rate is None:
        return _default_grid(rate, "aucun taux transmis")
    note = "taux transmis par la DGFiP"
    if future is not None:
        announced = "" if rate.future_rate is None else f" {rate.future_rate:.2f} %"
        note += f" ; nouveau taux{announced} à partir du {future:%d/%m/%Y}"
    return RateLine(rate.employee, rate.payroll_number, rate.rate, DGFIP_RATE, rate.rate_id, note)


def _default_grid(rate: EmployeeRate, why: str) -> RateLine:
    return RateLine(
        rate.employee,
        rate.payroll_number,
        None,
        DEFAULT_GRID,
        None,
        f"{why} : grille par défaut (métropole ; 23 ou 33 en outre-mer)",
    )
