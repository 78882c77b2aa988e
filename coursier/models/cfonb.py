"""CFONB 120 bank statements ("relevé de comptes 120 caractères"): parse, check, write.

Fixed records of 120 characters (CFONB brochure "Relevé de compte sur support informatique"):

====  ===========================================================================
code  record
====  ===========================================================================
01    old balance (ancien solde) of an account on a date
04    one movement (mouvement): operation code, dates, label, amount, reference
05    complement of the movement before it (qualifier + 70 characters)
07    new balance (nouveau solde)
====  ===========================================================================

Positions used (1-based, inclusive): 1-2 record code, 3-7 bank, 8-11 interbank operation code,
12-16 branch, 17-19 currency, 20 number of decimals, 22-32 account number, 35-40 date DDMMYY,
43-48 value date (04), 49-79 label (04), 46-48 qualifier and 49-118 information (05),
91-104 amount (01/04/07), 105-120 reference (04).

An amount is 13 digits then one over-punched character carrying the last digit and the sign:
``{`` and ``A``–``I`` are +0…+9, ``}`` and ``J``–``R`` are −0…−9. Its decimals are given by
position 20 of the same record (0 for XPF/JPY, 2 for EUR, 3 for some currencies).

A file holds one or more statements ``01 (04 05*)* 07``. Banks send it with LF or CRLF
endings, or as one unbroken run of 120-character records. Records are read strictly: a record
shorter than 120 characters is *truncated* (a trailing reference may be blank but must still be
there as spaces), since a missing tail cannot be told from a lost one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

RECORD_LENGTH = 120
_POSITIVE = "{ABCDEFGHI"
_NEGATIVE = "}JKLMNOPQR"
_AMOUNT = re.compile(r"^\d{13}[{}A-R]$")
_DATE = re.compile(r"^\d{6}$")
_CODES = ("01", "04", "05", "07")


class ParseError(ValueError):
    """A CFONB 120 file could not be read; carries the line (1-based) and the field."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        self.line = line
        self.field = field
        where = ", ".join(p for p in (f"ligne {line}" if line else "", field or "") if p)
        super().__init__(f"{where}: {message}" if where else message)


class TruncatedRecord(ParseError):
    """A record is shorter (or longer) than 120 characters."""


class MalformedRecord(ParseError):
    """A record has an unknown code, a bad amount, date or decimals, or comes out of order."""


@dataclass(frozen=True)
class Movement:
    """One 04 record, with the information of the 05 records that follow it."""

    line: int
    operation_code: str
    booked_on: date
    value_on: date | None
    label: str
    amount: Decimal
    reference: str
    complements: tuple[str, ...] = ()


@dataclass
class Statement:
    """One account's statement: old balance, movements, new balance."""

    bank: str
    branch: str
    account: str
    currency: str
    opening_on: date
    opening_balance: Decimal
    closing_on: date | None = None
    closing_balance: Decimal | None = None
    movements: list[Movement] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Bank + branch + account, as the RIB reads them (without the key)."""
        return f"{self.bank}{self.branch}{self.account}"

    def check(self) -> list[str]:
        """What does not add up, in French (empty when the balances match the movements)."""
        total = self.opening_balance + sum((m.amount for m in self.movements), Decimal(0))
        if self.closing_balance is not None and total != self.closing_balance:
            return [
                f"compte {self.account}: ancien solde {self.opening_balance} + mouvements "
                f"= {total}, nouveau solde annoncé {self.closing_balance}"
            ]
        return []


def parse_amount(text: str, decimals: int, line: int | None = None) -> Decimal:
    """Read 13 digits plus an over-punched sign character as a signed decimal."""
    if not _AMOUNT.match(text):
        raise MalformedRecord(
            f"montant « {text} » illisible (13 chiffres puis un caractère signé {{, A-I, }}, J-R)",
            line,
            "montant",
        )
    last = text[-1]
    if last in _POSITIVE:
        sign, digit = 1, _POSITIVE.index(last)
    else:
        sign, digit = -1, _NEGATIVE.index(last)
    units = int(text[:-1] + str(digit))
    return Decimal(sign * units).scaleb(-decimals)


def format_amount(amount: Decimal, decimals: int) -> str:
    """Write a signed decimal as 13 digits plus an over-punched sign character."""
    units = int((abs(amount) * (Decimal(10) ** decimals)).to_integral_exact())
    digits = f"{units:014d}"
    if len(digits) > 14:
        raise ValueError(f"montant {amount} trop grand pour 14 chiffres")
    punch = (_NEGATIVE if amount < 0 else _POSITIVE)[int(digits[-1])]
    return digits[:-1] + punch


def split_records(data: bytes | str) -> list[str]:
    """The records of a file: lines (LF or CRLF), or 120-character chunks of an unbroken run."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    if "\n" not in text and "\r" not in text and len(text) > RECORD_LENGTH:
        return [text[i : i + RECORD_LENGTH] for i in range(0, len(text), RECORD_LENGTH)]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def parse(data: bytes | str) -> list[Statement]:
    """Every statement of a CFONB 120 file; raises a :class:`ParseError` naming the line."""
    statements: list[Statement] = []
    current: Statement | None = None
    for number, record in enumerate(split_records(data), start=1):
        if not record.strip():
            continue
        code = _code(record, number)
        if len(record) != RECORD_LENGTH:
            raise TruncatedRecord(
                f"l'enregistrement {code} fait {len(record)} caractères au lieu de "
                f"{RECORD_LENGTH} (fichier tronqué ou mal transféré : redemandez-le à la banque)",
                number,
            )
        decimals = _decimals(record, number)
        if code == "01":
            if current is not None:
                raise MalformedRecord("ancien solde (01) avant le nouveau solde (07)", number)
            current = Statement(
                bank=record[2:7],
                branch=record[11:16],
                account=record[21:32].strip(),
                currency=record[16:19],
                opening_on=_date(record[34:40], number, "date"),
                opening_balance=parse_amount(record[90:104], decimals, number),
            )
            continue
        if current is None:
            raise MalformedRecord(f"enregistrement {code} hors d'un relevé (01 attendu)", number)
        if record[21:32].strip() != current.account:
            raise MalformedRecord(
                f"compte {record[21:32].strip()} au lieu de {current.account} du relevé",
                number,
                "compte",
            )
        if code == "04":
            current.movements.append(_movement(record, decimals, number))
        elif code == "05":
            if not current.movements:
                raise MalformedRecord("complément (05) sans mouvement (04) avant lui", number)
            last = current.movements[-1]
            current.movements[-1] = Movement(
                **{**last.__dict__, "complements": (*last.complements, record[45:118].rstrip())}
            )
        else:
            current.closing_on = _date(record[34:40], number, "date")
            current.closing_balance = parse_amount(record[90:104], decimals, number)
            statements.append(current)
            current = None
    if current is not None:
        raise TruncatedRecord(
            f"le relevé du compte {current.account} n'a pas de nouveau solde (07) : "
            "fichier tronqué, redemandez-le à la banque"
        )
    return statements


def write(statements: list[Statement], decimals: int = 2) -> str:
    """A CFONB 120 file (CRLF endings) for statements; the inverse of :func:`parse`."""
    out: list[str] = []
    for st in statements:
        common = {
            3: st.bank,
            12: st.branch,
            17: st.currency,
            20: str(decimals),
            22: f"{st.account:>11}",
        }
        out.append(
            _record(
                "01",
                common,
                {35: f"{st.opening_on:%d%m%y}", 91: format_amount(st.opening_balance, decimals)},
            )
        )
        for m in st.movements:
            fields = {
                8: m.operation_code,
                33: m.operation_code[-2:],
                35: f"{m.booked_on:%d%m%y}",
                49: m.label[:31],
                91: format_amount(m.amount, decimals),
                105: m.reference[:16],
            }
            if m.value_on:
                fields[43] = f"{m.value_on:%d%m%y}"
            out.append(_record("04", common, fields))
            for info in m.complements:
                out.append(
                    _record(
                        "05",
                        common,
                        {8: m.operation_code, 35: f"{m.booked_on:%d%m%y}", 46: info[:73]},
                    )
                )
        closing = st.closing_balance if st.closing_balance is not None else st.opening_balance
        out.append(
            _record(
                "07",
                common,
                {
                    35: f"{(st.closing_on or st.opening_on):%d%m%y}",
                    91: format_amount(closing, decimals),
                },
            )
        )
    return "".join(r + "\r\n" for r in out)


def _record(code: str, common: dict[int, str], fields: dict[int, str]) -> str:
    """One 120-character record with each value written from its 1-based position."""
    buf = list(code.ljust(RECORD_LENGTH))
    for position, value in {**common, **fields}.items():
        buf[position - 1 : position - 1 + len(value)] = value
    return "".join(buf)[:RECORD_LENGTH]


def _code(record: str, line: int) -> str:
    code = record[:2]
    if code not in _CODES:
        raise MalformedRecord(
            f"code d'enregistrement « {code} » inconnu (01, 04, 05 ou 07 attendus)", line, "code"
        )
    return code


def _decimals(record: str, line: int) -> int:
    digit = record[19:20]
    if not digit.isdigit():
        raise MalformedRecord(
            f"nombre de décimales « {digit} » illisible (un chiffre attendu)", line, "décimales"
        )
    return int(digit)


def _date(text: str, line: int, name: str) -> date:
    if not _DATE.match(text):
        raise MalformedRecord(f"date « {text} » illisible (JJMMAA attendu)", line, name)
    try:
        return date(2000 + int(text[4:6]), int(text[2:4]), int(text[0:2]))
    except ValueError as exc:
        raise MalformedRecord(f"date « {text} » inexistante", line, name) from exc


def _movement(record: str, decimals: int, line: int) -> Movement:
    value = record[42:48]
    return Movement(
        line=line,
        operation_code=record[7:11].strip(),
        booked_on=_date(record[34:40], line, "date comptable"),
        value_on=_date(value, line, "date de valeur") if value.strip() else None,
        label=record[48:79].rstrip(),
        amount=parse_amount(record[90:104], decimals, line),
        reference=record[104:120].rstrip(),
    )
