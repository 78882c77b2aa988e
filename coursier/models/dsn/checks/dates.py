"""Dates against the declared month (S20.G00.05.005) and against each other.

Severities follow DSN-Val and the cahier technique's CCH controls:

- a date after the declared month (a period's start or end, a contract start, an event) is
  blocking: a DSN declares what happened up to the end of its month, never ahead of it — a file
  declared for 10/2025 holding 2026 pay is caught here, and so is a pay period running past
  the month (DSN-Val's CCH-12 on S21.G00.51.002);
- the payment date (S21.G00.50.001) is blocking outside the month either way: the DSN is due
  for the month a pay is *paid* in, so a pay paid another month belongs to that month's DSN;
- a pay period starting before the month is no anomaly (a back pay, "rappel de salaire", comes
  with the period it is for); an event before it is a notice (it may already be declared), and
  so is a pay period of more than a month (01012026-31102026 is neither a month's pay nor a
  back pay: a mistyped start, most likely, that DSN-Val lets through);
- a pay period starting in the month may not start more than two days before the contract it
  is paid under (S21.G00.51.010 names it), when it pays something (DSN-Val's CCH-11);
- two dates of one block in the wrong order (a period ending before it starts, a sick leave
  expected to end before the last day worked, a contract ending before it starts) are blocking:
  the organismes cannot compute the period.

Dates that do not parse are left alone: the value checks report them.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from coursier.models.dsn.blocks import Block
from coursier.models.dsn.checks import anomalies as rules
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.checks.requirements import EVENT_DATE_FIELD, month_end
from coursier.models.dsn.norm import Norm
from coursier.models.dsn.values import parse_date

PAYMENT_DATE = "S21.G00.50.001"
CONTRACT_START = "S21.G00.40.001"
CONTRACT_NUMBER = "S21.G00.40.009"
EMPLOYEE = "S21.G00.30"
PAY = "S21.G00.51"
PAY_CONTRACT, PAY_AMOUNT = f"{PAY}.010", f"{PAY}.013"
#: How long a pay period may be, in days from its start to its end (31 days: 30).
LONGEST_PAY_PERIOD = timedelta(days=30)
#: How early a pay period may start before its contract (DSN-Val: "l'avant-veille").
PAY_BEFORE_CONTRACT_MARGIN = timedelta(days=2)
#: Blocks carrying a period (start, end): pay periods and contribution bases.
PERIODS = {"S21.G00.51": ("001", "002"), "S21.G00.78": ("002", "003")}
#: Dates that may not precede another of the same block: (earlier, later) field numbers.
ORDERED = {
    "S21.G00.40": (("001", "010"),),  # contract start, expected end
    "S21.G00.51": (PERIODS["S21.G00.51"],),
    "S21.G00.78": (PERIODS["S21.G00.78"],),
    "S21.G00.60": (("002", "003"), ("002", "010")),  # last day worked, expected end, return
}


#: The same, as whole field ids: (earlier, later) per block, a period's start per block.
ORDERED_FIELDS = {
    block: tuple((f"{block}.{a}", f"{block}.{b}") for a, b in pairs)
    for block, pairs in ORDERED.items()
}
PERIOD_FIELDS = {
    block: (f"{block}.{start}", f"{block}.{end}") for block, (start, end) in PERIODS.items()
}
#: The blocks that carry a date these checks read; every other block is passed at once.
DATED_BLOCKS = frozenset(
    {*ORDERED, *PERIODS, *EVENT_DATE_FIELD, EMPLOYEE, "S21.G00.40", "S21.G00.50"}
)


class DateChecks:
    """The date checks of one declaration; the month is set once the declaration block is read."""

    def __init__(self, norm: Norm, out: list[Anomaly]) -> None:
        self.norm = norm
        self.out = out
        self._month: date | None = None
        self._month_end: date | None = None
        self.contract_start: tuple[date, str, int] | None = None  # the current contract's
        #: The current employee's contracts: number → (start, its line).
        self.contracts: dict[str, tuple[date, int]] = {}

    @property
    def month(self) -> date | None:
        """The declared month (its first day), once the declaration block is read."""
        return self._month

    @month.setter
    def month(self, month: date | None) -> None:
        self._month = month
        self._month_end = month_end(month) if month else None

    def block(self, block: Block) -> None:
        """Check the dates of one block instance."""
        block_id = block.block_id
        if block_id not in DATED_BLOCKS:
            return
        if block_id == EMPLOYEE:
            self.contracts = {}
            return
        for earlier, later in ORDERED_FIELDS.get(block_id, ()):
            self._in_order(block, earlier, later)
        if block_id == "S21.G00.40":
            self._contract(block)
        if self.month is None:
            return
        if block_id == "S21.G00.50":
            self._payment(block)
        elif block_id in PERIOD_FIELDS:
            self._period(block, *PERIOD_FIELDS[block_id])
            if block_id == PAY:
                self._pay_period(block, *PERIOD_FIELDS[PAY])
        elif block_id in EVENT_DATE_FIELD:
            self._event(block, EVENT_DATE_FIELD[block_id])

    def _contract(self, block: Block) -> None:
        start = self._date(block, CONTRACT_START)
        self.contract_start = (
            (start, CONTRACT_START, block.lines[CONTRACT_START]) if start else None
        )
        number = block.values.get(CONTRACT_NUMBER)
        if start and number is not None:
            self.contracts[number] = (start, block.lines[CONTRACT_START])
        if self.month is not None:
            self._not_after_month(block, CONTRACT_START)

    def _payment(self, block: Block) -> None:
        when = self._date(block, PAYMENT_DATE)
        if when is not None and not self.month <= when <= self._month_end:
            self._report(rules.PAYMENT_OUTSIDE_MONTH, block, PAYMENT_DATE)

    def _pay_period(self, block: Block, start_field: str, end_field: str) -> None:
        start, end = self._date(block, start_field), self._date(block, end_field)
        if start is None:
            return
        if end is not None and end <= self._month_end and end - start > LONGEST_PAY_PERIOD:
            self.out.append(
                rules.LONG_PAY_PERIOD.at(
                    block.lines[start_field],
                    start_field,
                    value=block.values[start_field],
                    end=block.values[end_field],
                )
            )
        contract = self.contracts.get(block.values.get(PAY_CONTRACT, ""))
        if (
            contract is not None
            and self.month <= start
            and start < contract[0] - PAY_BEFORE_CONTRACT_MARGIN
            and contract[0] <= self._month_end  # else said once, on the contract
            and not _is_zero(block.values.get(PAY_AMOUNT))
        ):
            self.out.append(
                rules.PAY_BEFORE_CONTRACT.at(
                    block.lines[start_field],
                    start_field,
                    value=block.values[start_field],
                    contract=block.values[PAY_CONTRACT],
                    start=f"{contract[0]:%d%m%Y}",
                    start_line=contract[1],
                )
            )

    def _event(self, block: Block, field_id: str) -> None:
        when = self._date(block, field_id)
        if when is None:
            return
        if when > self._month_end:
            self._report(rules.EVENT_AFTER_MONTH, block, field_id)
        elif when < self.month:
            self._report(rules.EVENT_BEFORE_MONTH, block, field_id)
        if block.block_id == "S21.G00.62" and self.contract_start is not None:
            start, start_field, start_line = self.contract_start
            if when < start:
                self._reversed(block, field_id, start_field, start, start_line)

    def _period(self, block: Block, start_field: str, end_field: str) -> None:
        """A period after the month is said once, on its start; else one running past it, on
        its end."""
        if not self._not_after_month(block, start_field):
            self._not_after_month(block, end_field)

    def _not_after_month(self, block: Block, field_id: str) -> bool:
        """Report ``field_id`` if its date is after the month; whether it was."""
        when = self._date(block, field_id)
        after = when is not None and when > self._month_end
        if after:
            self._report(rules.EVENT_AFTER_MONTH, block, field_id)
        return after

    def _in_order(self, block: Block, earlier_field: str, later_field: str) -> None:
        earlier, later = self._date(block, earlier_field), self._date(block, later_field)
        if earlier is not None and later is not None and later < earlier:
            self._reversed(block, later_field, earlier_field, earlier, block.lines[earlier_field])

    def _reversed(
        self, block: Block, field_id: str, other_field: str, other: date, other_line: int
    ) -> None:
        self.out.append(
            rules.DATES_REVERSED.at(
                block.lines[field_id],
                field_id,
                value=block.values[field_id],
                label=self._label(field_id),
                other=f"{other:%d%m%Y}",
                other_field=other_field,
                other_label=self._label(other_field),
                other_line=other_line,
            )
        )

    def _report(self, rule: rules.Rule, block: Block, field_id: str) -> None:
        self.out.append(
            rule.at(
                block.lines[field_id],
                field_id,
                value=block.values[field_id],
                label=self._label(field_id),
                month=self.month.strftime("%m/%Y"),
            )
        )

    def _label(self, field_id: str) -> str:
        spec = self.norm.fields.get(field_id)
        return spec.label if spec else field_id

    @staticmethod
    def _date(block: Block, field_id: str) -> date | None:
        text = block.values.get(field_id)
        return None if text is None else _parsed(text)


def _is_zero(amount: str | None) -> bool:
    """Whether an amount reads as zero (``0``, ``0.00``, ``-0.00``); absent or unreadable is
    not zero, and unreadable is reported by the value checks."""
    return amount is not None and amount.lstrip("-").replace(".", "", 1).strip("0") == ""


@lru_cache(maxsize=1024)  # a month's file repeats a few dates a million times; bounded memory
def _parsed(text: str) -> date | None:
    try:
        return parse_date(text)
    except ValueError:
        return None  # reported by the value checks
