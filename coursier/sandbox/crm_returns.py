"""The DGFiP's PAS returns the sandbox publishes for a monthly DSN without blocking anomaly.

- CRM nominatif (94): a rate per employee (NIR, or NTT when the file gives no NIR), fixed by
  the establishment and the employee, so that a DSN applying it is not flagged; one employee
  in four gets a future rate effective two months after the declared month; one in eight an
  ADR05 on the address the file gives (non-blocking, as DGFiP sends it).
- CRM financier (93): OK.
- CRM taux sur taux (95), only when it has something to say: the employees whose pay applies,
  under the identifier of a rate the sandbox transmitted (S21.G00.50.008, type 01), another
  rate than that one (S21.G00.50.006). A sample DSN's identifiers are random and never match:
  only a DSN written from an earlier CRM, as a payroll software does, can be flagged.

Everything but the rate identifier (the flux's) is drawn from generators seeded by the SIRET,
the employee and the month: the same declaration always gets the same returns, whatever its
flux id (a new one at each sandbox start).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from coursier.models.dsn.blocks import Block
from coursier.models.dsn.lines import MalformedLine
from coursier.models.pas import add_months
from coursier.models.returns import writer
from coursier.models.returns.gipmds import NON_BLOCKING, ReturnAnomaly
from coursier.models.returns.rapport import PasRate

ADDRESS, APPLIED_RATE, RATE_TYPE = "S21.G00.30.008", "S21.G00.50.006", "S21.G00.50.007"
ADR05 = (
    "Échec de reconnaissance de la personne par la DGFiP : l'adresse n'est pas reconnue par la "
    "DGFiP. Veuillez vérifier son exactitude."
)
TST01 = (
    "Vous n'avez pas appliqué les taux valides communiqués par l'administration fiscale, en cas "
    "de sous-prélèvement vous vous exposez à une amende"
)
FUTURE_SHARE, ADDRESS_SHARE = 0.25, 0.125


@dataclass(frozen=True)
class DeclaredEmployee:
    """What the PAS returns quote of one employee of the file."""

    nir: str | None
    ntt: str | None
    payroll_number: str | None
    address: str | None = None
    applied_rate: str | None = None
    rate_type: str | None = None
    rate_id: str | None = None

    @property
    def key(self) -> str:
        return self.nir or self.ntt or ""


def declared_employees(blocks: Iterable[Block | MalformedLine]) -> list[DeclaredEmployee]:
    """Each S21.G00.30 of the file with its address and the rate of its first S21.G00.50."""
    found: list[DeclaredEmployee] = []
    pay: dict[int, Block] = {}
    for block in blocks:
        if type(block) is MalformedLine:
            continue
        if block.block_id == "S21.G00.30":
            found.append(
                DeclaredEmployee(
                    block.get("001"), block.get("020"), block.get("019"), block.get("008")
                )
            )
        elif block.block_id == "S21.G00.50" and found and len(found) - 1 not in pay:
            pay[len(found) - 1] = block
    return [
        DeclaredEmployee(
            e.nir,
            e.ntt,
            e.payroll_number,
            e.address,
            pay[i].get("006"),
            pay[i].get("007"),
            pay[i].get("008"),
        )
        if i in pay
        else e
        for i, e in enumerate(found)
    ]


def _draw(*parts: str) -> int:
    """A reproducible 64-bit draw for these parts (one hash: the platform's "random" answers
    must be the same for the same flux and employee, and cheap on a 500-file bench)."""
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _share(*parts: str) -> float:
    """A reproducible draw in [0, 1)."""
    return _draw(*parts) / 2**64


def transmitted_rate(siret: str, employee: DeclaredEmployee) -> Decimal:
    """The rate the sandbox's DGFiP holds for an employee of an establishment."""
    return Decimal(_draw("rate", siret, employee.key) % 2500) / 100


def _pas_rate(siret: str, employee: DeclaredEmployee, month: date) -> PasRate:
    when = f"{month:%Y%m}"
    future = _share("future", siret, employee.key, when) < FUTURE_SHARE
    effective = add_months(month.replace(day=1), 2)
    return PasRate(
        nir=employee.nir,
        ntt=None if employee.nir else employee.ntt,
        payroll_number=employee.payroll_number,
        rate=transmitted_rate(siret, employee),
        future_rate=(
            Decimal(_draw("future-rate", siret, employee.key, when) % 2500) / 100
            if future
            else None
        ),
        future_effective=effective if future else None,
    )


def _address_anomaly(siret: str, employee: DeclaredEmployee) -> ReturnAnomaly | None:
    if not employee.address or _share("adr", siret, employee.key) >= ADDRESS_SHARE:
        return None
    return ReturnAnomaly(
        "ADR05",
        NON_BLOCKING,
        ADR05,
        field=ADDRESS,
        value=employee.address,
        nir=employee.nir,
        ntt=None if employee.nir else employee.ntt,
        payroll_number=employee.payroll_number,
    )


class IssuedRates:
    """The rates a platform transmitted: (SIRET, employee) → (rate identifier, rate)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._issued: dict[tuple[str, str], tuple[str, Decimal | None]] = {}

    def record(self, siret: str, rate_id: str, rates: Iterable[PasRate]) -> None:
        with self._lock:
            for rate in rates:
                self._issued[(siret, rate.nir or rate.ntt or "")] = (rate_id, rate.rate)

    def get(self, siret: str, employee: str) -> tuple[str, Decimal | None] | None:
        with self._lock:
            return self._issued.get((siret, employee))

    def clear(self) -> None:
        with self._lock:
            self._issued.clear()


def _discrepancy(
    siret: str, employee: DeclaredEmployee, issued: IssuedRates
) -> ReturnAnomaly | None:
    """TST01 when the pay applies another rate under a transmitted rate's identifier."""
    transmitted = issued.get(siret, employee.key)
    if employee.rate_type != "01" or transmitted is None or employee.rate_id != transmitted[0]:
        return None
    try:
        if Decimal(employee.applied_rate or "") == transmitted[1]:
            return None
    except InvalidOperation:
        pass  # an unreadable applied rate is not the valid one either
    return ReturnAnomaly(
        "TST01",
        NON_BLOCKING,
        TST01,
        field=APPLIED_RATE.replace(".", "_"),  # as the official 95 writes it
        value=employee.applied_rate,
        nir=employee.nir,
        ntt=None if employee.nir else employee.ntt,
        payroll_number=employee.payroll_number,
    )


@dataclass(frozen=True)
class CrmDocuments:
    """The PAS returns of one monthly DSN: 95 only when some employee is flagged."""

    nominatif: bytes
    financier: bytes
    taux_sur_taux: bytes | None


def write_crm(
    declared: Sequence[DeclaredEmployee],
    envoi: writer.EnvoiIdentity,
    declaration: writer.DeclarationIdentity,
    month: date,
    issued: IssuedRates,
) -> CrmDocuments:
    """The 94, 93 and (when due) 95 of a monthly DSN for ``month``; the rates transmitted
    are recorded in ``issued`` (the platform's memory of them)."""
    siret = declaration.siren + declaration.nic
    idflux = envoi.idflux
    employees = [e for e in declared if e.key]
    rates = [_pas_rate(siret, e, month) for e in employees]
    addresses = [a for e in employees if (a := _address_anomaly(siret, e))]
    flagged = [a for e in employees if (a := _discrepancy(siret, e, issued))]
    rate_id = str(10**17 + _draw("rate-id", idflux) % (9 * 10**17))
    issued.record(siret, rate_id, rates)
    return CrmDocuments(
        writer.write_crm_nominatif(envoi, declaration, rate_id, rates, addresses),
        writer.write_crm_financier(envoi, declaration),
        writer.write_crm_taux_sur_taux(envoi, declaration, flagged) if flagged else None,
    )
