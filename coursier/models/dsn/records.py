"""Typed records of a DSN file, one per block instance, in file order.

Each record class names its block and maps attributes to field numbers with :func:`dsn`;
fields it does not name are kept in ``extra`` (field id → raw value) so that a record written
back gives the same lines. Blocks without a class of their own become :class:`OtherBlock`.
Values are typed: dates (``D``, DDMMYYYY) as :class:`datetime.date`, amounts and rates as
:class:`~decimal.Decimal`, codes and identifiers as text (leading zeros matter).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, ClassVar


def dsn(number: str, kind: type = str) -> Any:
    """Declare a record attribute carried by field ``number`` of the record's block."""
    return dataclasses.field(default=None, metadata={"dsn": number, "kind": kind})


def _context() -> Any:
    """An attribute filled from the enclosing blocks by the parser, never written."""
    return dataclasses.field(default=None, compare=False)


@dataclass(slots=True)
class Record:
    """Base of all records: the first line of the block and the fields no attribute maps."""

    BLOCK: ClassVar[str] = ""
    line: int = dataclasses.field(default=0, compare=False, kw_only=True)
    extra: dict[str, str] = dataclasses.field(default_factory=dict, kw_only=True)

    @property
    def block_id(self) -> str:
        return self.BLOCK


@dataclass(slots=True)
class Envoi(Record):
    BLOCK: ClassVar[str] = "S10.G00.00"
    software_name: str | None = dsn("001")
    software_editor: str | None = dsn("002")
    software_version: str | None = dsn("003")
    conformity_code: str | None = dsn("004")
    test_or_real: str | None = dsn("005")  # 01 test file, 02 real
    norm_version: str | None = dsn("006")
    deposit_point: str | None = dsn("007")  # 01 Net-Entreprises, 02 MSA
    envoi_type: str | None = dsn("008")  # 01 normal, 02 nil

    @property
    def is_test(self) -> bool:
        return self.test_or_real == "01"


@dataclass(slots=True)
class Sender(Record):
    BLOCK: ClassVar[str] = "S10.G00.01"
    siren: str | None = dsn("001")
    nic: str | None = dsn("002")
    name: str | None = dsn("003")


@dataclass(slots=True)
class Contact(Record):
    BLOCK: ClassVar[str] = "S10.G00.02"
    civility: str | None = dsn("001")
    name: str | None = dsn("002")
    email: str | None = dsn("004")
    phone: str | None = dsn("005")


@dataclass(slots=True)
class Declaration(Record):
    BLOCK: ClassVar[str] = "S20.G00.05"
    nature: str | None = dsn("001")  # 01 monthly, 04 sick leave, 05 return, 07 FCTU, …
    type: str | None = dsn("002")  # 01 normal, 02 nil, 03 cancel-and-replace, …
    fraction: str | None = dsn("003")
    order: str | None = dsn("004")
    month: date | None = dsn("005", date)  # always the first of the month declared
    replaced_id: str | None = dsn("006")
    file_date: date | None = dsn("007", date)
    scope: str | None = dsn("008")


@dataclass(slots=True)
class Company(Record):
    BLOCK: ClassVar[str] = "S21.G00.06"
    siren: str | None = dsn("001")
    nic: str | None = dsn("002")
    ape: str | None = dsn("003")


@dataclass(slots=True)
class Establishment(Record):
    BLOCK: ClassVar[str] = "S21.G00.11"
    nic: str | None = dsn("001")
    ape: str | None = dsn("002")
    siren: str | None = _context()  # from the enclosing S21.G00.06

    @property
    def siret(self) -> str | None:
        return self.siren + self.nic if self.siren and self.nic else None


@dataclass(slots=True)
class Employee(Record):
    BLOCK: ClassVar[str] = "S21.G00.30"
    nir: str | None = dsn("001")  # 13 characters: the file never carries the NIR's key
    family_name: str | None = dsn("002")
    usage_name: str | None = dsn("003")
    first_names: str | None = dsn("004")
    sex: str | None = dsn("005")
    birth_date: str | None = dsn("006")  # type X in the norm: DDMMYYYY, kept as text
    birth_place: str | None = dsn("007")
    birth_department: str | None = dsn("014")
    birth_country: str | None = dsn("015")
    email: str | None = dsn("018")
    payroll_number: str | None = dsn("019")
    ntt: str | None = dsn("020")  # temporary technical number, when the NIR is not known


@dataclass(slots=True)
class Contract(Record):
    BLOCK: ClassVar[str] = "S21.G00.40"
    start: date | None = dsn("001", date)
    status: str | None = dsn("002")
    nature: str | None = dsn("007")
    number: str | None = dsn("009")
    expected_end: date | None = dsn("010", date)


@dataclass(slots=True)
class PayLine(Record):
    """A pay and its income tax withheld at source (PAS)."""

    BLOCK: ClassVar[str] = "S21.G00.50"
    paid_on: date | None = dsn("001", date)
    net_taxable: Decimal | None = dsn("002", Decimal)
    number: str | None = dsn("003")
    net_paid: Decimal | None = dsn("004", Decimal)
    rate: Decimal | None = dsn("006", Decimal)
    rate_type: str | None = dsn("007")  # 01 rate sent by the DGFiP, 13/17/… default grids
    rate_id: str | None = dsn("008")  # the CRM nominatif's 18-digit ``identifiant``
    amount_withheld: Decimal | None = dsn("009", Decimal)


@dataclass(slots=True)
class SickLeave(Record):
    BLOCK: ClassVar[str] = "S21.G00.60"
    reason: str | None = dsn("001")
    last_day_worked: date | None = dsn("002", date)
    expected_end: date | None = dsn("003", date)
    subrogation: str | None = dsn("004")
    return_date: date | None = dsn("010", date)


@dataclass(slots=True)
class ContractEnd(Record):
    BLOCK: ClassVar[str] = "S21.G00.62"
    end_date: date | None = dsn("001", date)
    reason: str | None = dsn("002")


@dataclass(slots=True)
class Totals(Record):
    """``S90.G00.90``: written by the writer, never by hand."""

    BLOCK: ClassVar[str] = "S90.G00.90"
    line_count: int | None = dsn("001", int)  # every line, S10 and both S90 lines included
    declaration_count: int | None = dsn("002", int)


@dataclass(slots=True)
class LotHeader(Record):
    """``S05.G51.00``, the first block of a lot (norme de lot V01R02, see ``lots``)."""

    BLOCK: ClassVar[str] = "S05.G51.00"
    norm_version: str | None = dsn("001")
    number: str | None = dsn("002")
    lot_type: str | None = dsn("003")
    created_on: date | None = dsn("004", date)
    created_at: str | None = dsn("005")  # HHMMSS
    group_count: int | None = dsn("006", int)


@dataclass(slots=True)
class GroupHeader(Record):
    BLOCK: ClassVar[str] = "S06.G51.00"
    code: str | None = dsn("001")


@dataclass(slots=True)
class GroupEnd(Record):
    BLOCK: ClassVar[str] = "S96.G51.00"
    marker: str | None = dsn("001")
    declaration_count: int | None = dsn("002", int)  # the DSN of the group


@dataclass(slots=True)
class LotEnd(Record):
    BLOCK: ClassVar[str] = "S95.G51.00"
    number: str | None = dsn("001")  # the header's, again
    group_count: int | None = dsn("002", int)


@dataclass(slots=True)
class OtherBlock(Record):
    """A block coursier does not interpret (contributions, bonuses, …), kept verbatim."""

    block: str = ""

    @property
    def block_id(self) -> str:
        return self.block


RECORD_TYPES: dict[str, type[Record]] = {
    cls.BLOCK: cls
    for cls in (
        Envoi,
        Sender,
        Contact,
        Declaration,
        Company,
        Establishment,
        Employee,
        Contract,
        PayLine,
        SickLeave,
        ContractEnd,
        Totals,
        LotHeader,
        GroupHeader,
        GroupEnd,
        LotEnd,
    )
}


@dataclass(frozen=True, slots=True)
class MappedField:
    attribute: str
    number: str
    kind: type


def mapped_fields(record_type: type[Record]) -> tuple[MappedField, ...]:
    """The attributes of a record class carried by DSN fields, in field order."""
    found = [
        MappedField(f.name, f.metadata["dsn"], f.metadata["kind"])
        for f in dataclasses.fields(record_type)
        if "dsn" in f.metadata
    ]
    return tuple(sorted(found, key=lambda m: m.number))


MAPPINGS: dict[str, tuple[MappedField, ...]] = {
    block: mapped_fields(cls) for block, cls in RECORD_TYPES.items()
}
