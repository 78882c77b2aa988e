"""Realistic DSN content for the demo, the sandbox, the tests and the benchmarks.

Reproducible (a seed), with valid SIREN/SIRET/NIR keys and the accents and quotes real files
carry (``Hélène``, ``N'DIAYE``). The records go through :func:`writer.write` like any others.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from stdnum import luhn

from coursier.models.dsn.records import (
    Company,
    Contact,
    Contract,
    ContractEnd,
    Declaration,
    Employee,
    Envoi,
    Establishment,
    OtherBlock,
    PayLine,
    Record,
    Sender,
    SickLeave,
)

MONTHLY, SICK_LEAVE, END_OF_CONTRACT = "01", "04", "07"

FAMILY_NAMES = ("MARTIN", "N'DIAYE", "LEFÈVRE", "GARÇON", "DUBOIS", "MÜLLER", "O'BRIEN", "ROUX")
FIRST_NAMES = {"1": ("Jérôme", "François", "Loïc", "Ahmed"), "2": ("Hélène", "Françoise", "Zoé")}
CITIES = (("75056", "75", "Paris"), ("69123", "69", "Lyon"), ("13055", "13", "Marseille"))


@dataclass(frozen=True)
class Employer:
    """The company and establishment a sample declares for."""

    siren: str
    nic: str
    name: str = "SAS EXEMPLE PAIE"

    @property
    def siret(self) -> str:
        return self.siren + self.nic

    @classmethod
    def from_seed(cls, seed: int, name: str = "SAS EXEMPLE PAIE") -> Employer:
        """An employer with valid Luhn keys, derived from ``seed``."""
        body = f"{seed % 10**8:08d}"
        siren = body + luhn.calc_check_digit(body)
        nic_body = f"{(seed * 7) % 10**4:04d}"
        return cls(siren, nic_body + luhn.calc_check_digit(siren + nic_body), name)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def envelope(employer: Employer, nature: str, month: date, *, test: bool = False) -> list[Record]:
    """The envoi, sender, contact and declaration blocks of a file."""
    return [
        Envoi(
            software_name="coursier",
            software_editor="coursier",
            software_version="0.1.0",
            test_or_real="01" if test else "02",
            norm_version="P26V01",
            deposit_point="01",
            envoi_type="01",
        ),
        Sender(siren=employer.siren, nic=employer.nic, name=employer.name),
        Contact(civility="02", name="Service paie", email="paie@exemple.fr"),
        Declaration(nature=nature, type="01", order="1", month=first_of_month(month)),
        Company(siren=employer.siren, nic=employer.nic, ape="6920Z"),
        Establishment(nic=employer.nic, ape="6920Z"),
    ]


def monthly_dsn(
    employer: Employer, month: date, employees: int, *, seed: int = 0, test: bool = False
) -> Iterator[Record]:
    """A monthly DSN (nature 01) with pay, PAS and contributions for each employee."""
    rng = random.Random(seed)
    yield from envelope(employer, MONTHLY, month, test=test)
    for index in range(employees):
        person = _employee(rng, index)
        contract = _contract(rng, employer, index, month)
        yield person
        yield contract
        yield from _pay(rng, contract, first_of_month(month))


def sick_leave_signal(
    employer: Employer, last_day_worked: date, *, seed: int = 0, test: bool = False
) -> Iterator[Record]:
    """A sick-leave signal (nature 04) for one employee."""
    rng = random.Random(seed)
    yield from envelope(employer, SICK_LEAVE, last_day_worked, test=test)
    yield _employee(rng, 0)
    yield _contract(rng, employer, 0, last_day_worked)
    yield SickLeave(
        reason="01",
        last_day_worked=last_day_worked,
        expected_end=last_day_worked + timedelta(days=14),
    )


def end_of_contract_signal(
    employer: Employer, end_date: date, *, seed: int = 0, test: bool = False
) -> Iterator[Record]:
    """An end-of-contract signal (FCTU, nature 07) for one employee."""
    rng = random.Random(seed)
    yield from envelope(employer, END_OF_CONTRACT, end_date, test=test)
    yield _employee(rng, 0)
    yield _contract(rng, employer, 0, end_date)
    yield ContractEnd(end_date=end_date, reason="031")


def _employee(rng: random.Random, index: int) -> Employee:
    sex = rng.choice("12")
    birth = date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
    commune, department, city = rng.choice(CITIES)
    nir = f"{sex}{birth:%y%m}{commune}{rng.randint(1, 999):03d}"
    return Employee(
        nir=nir,
        family_name=rng.choice(FAMILY_NAMES),
        first_names=rng.choice(FIRST_NAMES[sex]),
        sex=f"0{sex}",
        birth_date=f"{birth:%d%m%Y}",
        birth_place=city,
        birth_department=department,
        payroll_number=f"M{index:06d}",
        extra={"S21.G00.30.008": "12 rue de l'Église", "S21.G00.30.009": "75011"},
    )


def _contract(rng: random.Random, employer: Employer, index: int, month: date) -> Contract:
    """A contract started by ``month`` at the latest: a DSN declares no contract ahead."""
    start = date(rng.randint(2010, 2024), rng.randint(1, 12), 1)
    return Contract(
        start=min(start, first_of_month(month)),
        status="04",
        nature="01",
        number=f"C{index:06d}",
        extra={
            "S21.G00.40.003": "04",
            "S21.G00.40.004": "543a",
            "S21.G00.40.006": "Gestionnaire de paie",
            "S21.G00.40.011": "10",
            "S21.G00.40.012": "151.67",
            "S21.G00.40.013": "151.67",
            "S21.G00.40.014": "10",
            "S21.G00.40.018": "200",
            "S21.G00.40.019": employer.siret,
            "S21.G00.40.020": "200",
            "S21.G00.40.024": "99",
            "S21.G00.40.026": "99",
        },
    )


def _pay(rng: random.Random, contract: Contract, month: date) -> Iterator[Record]:
    gross = Decimal(rng.randint(180000, 650000)) / 100
    net = (gross * Decimal("0.78")).quantize(Decimal("0.01"))
    rate = Decimal(rng.randint(0, 1500)) / 100
    withheld = (net * rate / 100).quantize(Decimal("0.01"))
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    yield PayLine(
        paid_on=month_end,
        net_taxable=net,
        number="1",
        net_paid=net - withheld,
        rate=rate,
        rate_type="01",
        rate_id=f"{rng.randint(10**17, 10**18 - 1)}",
        amount_withheld=withheld,
    )
    period = {"S21.G00.51.001": _d(month), "S21.G00.51.002": _d(month_end)}
    for kind, hours, amount in (("001", "151.67", gross), ("002", "151.67", gross)):
        yield OtherBlock(
            block="S21.G00.51",
            extra={
                **period,
                "S21.G00.51.010": contract.number or "",
                "S21.G00.51.011": kind,
                "S21.G00.51.012": hours,
                "S21.G00.51.013": f"{amount:.2f}",
            },
        )
    yield OtherBlock(
        block="S21.G00.78",
        extra={
            "S21.G00.78.001": "02",
            "S21.G00.78.002": _d(month),
            "S21.G00.78.003": _d(month_end),
            "S21.G00.78.004": f"{gross:.2f}",
        },
    )
    for code, rate_percent in (("075", "6.90"), ("076", "0.40"), ("100", "13.45")):
        yield OtherBlock(
            block="S21.G00.81",
            extra={
                "S21.G00.81.001": code,
                "S21.G00.81.003": f"{gross:.2f}",
                "S21.G00.81.007": rate_percent,
            },
        )


def _d(day: date) -> str:
    return f"{day:%d%m%Y}"
