"""The self-check of one DSN, in one streaming pass: lines, then blocks, then the declaration.

Per line: syntax, known field, value (``values``). Per block: place in the tree
(``structure``), mandatory fields, identifiers, dates (``dates``). At the end: S10 first, S90
last and its totals, mandatory blocks. Memory stays flat in the file's size: only counters,
the open blocks and the anomalies are kept. A declaration of a lot is checked the same way,
its lines numbered in the lot file (``lot``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice
from typing import BinaryIO

from coursier.models.dsn.blocks import Block, group_blocks
from coursier.models.dsn.checks import anomalies as rules
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.checks.dates import DateChecks
from coursier.models.dsn.checks.identifiers import (
    nir_birth_mismatch,
    nir_problem,
    siren_is_valid,
    siret_is_valid,
)
from coursier.models.dsn.checks.requirements import (
    EVENT_BLOCK_OF_NATURE,
    MANDATORY_FIELDS,
    NATURE_MANDATORY_FIELDS,
    REQUIRED_BLOCKS,
)
from coursier.models.dsn.checks.structure import StructureTracker
from coursier.models.dsn.checks.values import check_value, clean_tests, utf8_sample
from coursier.models.dsn.lines import (
    MAX_LINE_LENGTH,
    Line,
    MalformedLine,
    field_at_start,
    is_line,
    read_lines,
    strip_bom,
    tokenize,
)
from coursier.models.dsn.norm import (
    FieldSpec,
    Norm,
    UnknownNormVersion,
    known_versions,
    latest_norm,
    load_norm,
)
from coursier.models.dsn.values import parse_date

VERSION_FIELD = "S10.G00.00.006"
ENVOI_BLOCK = "S10.G00.00"
TOTALS_BLOCK = "S90.G00.90"
#: The envelope's first block has eight fields: the version is among the first lines or absent.
PROLOGUE_LINES = 16
#: The longest value a line of 256 characters holds: field id (14), comma and quotes take 17.
MAX_VALUE_LENGTH = MAX_LINE_LENGTH - 17


@dataclass
class CheckReport:
    """What the self-check found in one file, and what the file declares."""

    norm: str | None = None
    nature: str | None = None
    type: str | None = None
    siret: str | None = None
    month: date | None = None
    employees: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)

    @property
    def blocking(self) -> int:
        return sum(a.is_blocking for a in self.anomalies)

    @property
    def non_blocking(self) -> int:
        return len(self.anomalies) - self.blocking

    @property
    def can_be_deposited(self) -> bool:
        return self.blocking == 0

    def as_dict(self) -> dict[str, object]:
        """The stable JSON shape of ``coursier dsn check --json`` (without the file name)."""
        return {
            "norm": self.norm,
            "nature": self.nature,
            "type": self.type,
            "siret": self.siret,
            "month": self.month.strftime("%Y-%m") if self.month else None,
            "employees": self.employees,
            "blocking": self.blocking,
            "non_blocking": self.non_blocking,
            "anomalies": [a.as_dict() for a in self.anomalies],
        }


def check_lines(lines: Iterable[str]) -> CheckReport:
    """Self-check the decoded lines of one DSN file."""
    opened, items = open_items(lines)
    report = check_items(items)
    report.anomalies[:0] = opened
    return report


def open_items(lines: Iterable[str]) -> tuple[list[Anomaly], Iterator[Line | MalformedLine]]:
    """The tokens of a file's lines, and the anomaly of a UTF-8 byte order mark opening them
    (the mark itself is left out, so that the first line is still read)."""
    bom, lines = strip_bom(lines)
    items = tokenize(lines)
    if not bom:
        return [], items
    first = next(items, None)
    if first is None:
        return [rules.UTF8_BOM.at(1)], items
    return [rules.UTF8_BOM.at(1, field_on(first))], chain([first], items)


def check_items(items: Iterator[Line | MalformedLine]) -> CheckReport:
    """Self-check one declaration's tokens, numbered where they stand in their file."""
    prologue = list(islice(items, PROLOGUE_LINES))
    return _check(prologue, group_blocks(chain(prologue, items)))


def check_grouped(
    items: Sequence[Line | MalformedLine], blocks: Iterable[Block | MalformedLine]
) -> CheckReport:
    """Self-check one declaration whose tokens ``items`` the caller has grouped already
    (``blocks`` is ``group_blocks(items)``), for a reader that needs the blocks too."""
    return _check(items[:PROLOGUE_LINES], blocks)


def _check(
    prologue: Sequence[Line | MalformedLine], blocks: Iterable[Block | MalformedLine]
) -> CheckReport:
    report = CheckReport()
    norm = _choose_norm(prologue, report)
    _FileCheck(norm, report).run(blocks)
    report.anomalies.sort(key=in_file_order)
    return report


def field_on(item: Line | MalformedLine) -> str | None:
    """The rubrique a line starts with, readable or not (``S21.G00.40.007,'01``)."""
    return item[1] if is_line(item) else field_at_start(item.text)


def in_file_order(anomaly: Anomaly) -> tuple[bool, int]:
    """Anomalies by line; whole-file ones (no line) last. The sort is stable within a line."""
    return (anomaly.line is None, anomaly.line or 0)


def check_stream(stream: BinaryIO) -> CheckReport:
    """Self-check a DSN file opened in binary mode (decoded as ISO-8859-1, line by line);
    :class:`~coursier.models.dsn.errors.UnreadableFile` when its bytes are no DSN text."""
    return check_lines(read_lines(stream))


def _choose_norm(prologue: Sequence[Line | MalformedLine], report: CheckReport) -> Norm:
    """The norm the file declares in S10.G00.00.006, or the latest one with an anomaly."""
    declared = next((i for i in prologue if is_line(i) and i[1] == VERSION_FIELD), None)
    if declared is not None and declared[2]:
        line, _, version = declared
        report.norm = version
        try:
            return load_norm(version)
        except UnknownNormVersion:
            fallback = latest_norm()
            report.anomalies.append(
                rules.UNKNOWN_NORM.at(
                    line,
                    VERSION_FIELD,
                    version=version,
                    known=", ".join(known_versions()),
                    used=fallback.version,
                )
            )
            return fallback
    fallback = latest_norm()
    starts_with_envoi = (
        bool(prologue) and is_line(prologue[0]) and (prologue[0][1].startswith(ENVOI_BLOCK))
    )
    if starts_with_envoi:
        line = declared[0] if declared else prologue[0][0]
        report.anomalies.append(rules.MISSING_NORM.at(line, VERSION_FIELD, used=fallback.version))
    return fallback


class _FileCheck:
    """The state of one pass over one file."""

    def __init__(self, norm: Norm, report: CheckReport) -> None:
        self.norm = norm
        self.clean_tests = clean_tests(norm)
        self.report = report
        self.out = report.anomalies
        self.structure = StructureTracker(norm)
        self.seen_blocks: set[str] = set()
        self.nature_fields: dict[str, tuple[str, ...]] = {}
        self.dates = DateChecks(norm, self.out)
        self.first_line = self.last_line = 0
        self.declarations = 0
        self.totals: Block | None = None
        self.after_totals_reported = False
        self.encoding_reported = False
        self.company_siren: str | None = None
        self.handlers: dict[str, Callable[[Block], None]] = {
            "S10.G00.00": self._envoi,
            "S10.G00.01": self._sender,
            "S20.G00.05": self._declaration,
            "S21.G00.06": self._company,
            "S21.G00.11": self._establishment,
            "S21.G00.30": self._employee,
            TOTALS_BLOCK: self._totals,
        }

    @property
    def line_count(self) -> int:
        return self.last_line - self.first_line + 1 if self.last_line else 0

    def run(self, blocks: Iterable[Block | MalformedLine]) -> None:
        started = False
        first_field: str | None = None  # the rubrique on the first line, readable or not
        for item in blocks:
            if type(item) is MalformedLine:
                field = field_at_start(item.text)
                if not self.first_line:
                    self.first_line, first_field = item.number, field
                self.last_line = item.number
                self.out.append(rules.LINE_SYNTAX.at(item.number, field, text=item.text[:80]))
                continue
            if not self.first_line:
                self.first_line, first_field = item.first_line, next(iter(item.values))
            if not started:
                started = True
                if item.block_id != ENVOI_BLOCK or item.first_line != self.first_line:
                    self.out.append(rules.NOT_STARTING_WITH_S10.at(self.first_line, first_field))
            last = next(reversed(item.lines.values()))  # a block's lines only grow
            if last > self.last_line:  # (an unreadable line inside it went by already)
                self.last_line = last
            self._block(item)
        if not started:
            if self.line_count == 0:
                self.out.append(rules.EMPTY_FILE.at(None))
            return
        self._finish()

    def _check_values(self, block: Block) -> None:
        """Check each line of the block on its own: known field, value, length, encoding."""
        tests = self.clean_tests
        for field_id, value in block.values.items():
            test = tests.get(field_id)
            if test is None or not test(value):
                spec = self.norm.fields.get(field_id)
                self._report_value(spec, field_id, value, block.lines[field_id])
            if not value.isascii() and not self.encoding_reported:
                self._check_encoding(block.lines[field_id], field_id, value)

    def _report_value(self, spec: FieldSpec | None, field_id: str, value: str, number: int) -> None:
        """What is wrong with a value that is not clean (a clean value is never too long:
        no field of the norm is longer than a line allows)."""
        if len(value) > MAX_VALUE_LENGTH:
            length = len(value) + MAX_LINE_LENGTH - MAX_VALUE_LENGTH
            self.out.append(rules.LINE_TOO_LONG.at(number, field_id, length=length))
        if spec is None:
            self.out.append(rules.UNKNOWN_FIELD.at(number, field_id, norm=self.norm.version))
        elif field_id != VERSION_FIELD:  # the version is checked by choosing the norm
            check_value(spec, value, number, self.out)

    def _check_encoding(self, number: int, field_id: str, value: str) -> None:
        sample = utf8_sample(value)
        if sample:
            self.encoding_reported = True
            self.out.append(rules.WRONG_ENCODING.at(number, field_id, sample=sample))

    def _block(self, block: Block) -> None:
        block_id = block.block_id
        self._check_values(block)
        if self.totals is not None and not self.after_totals_reported:
            self.after_totals_reported = True
            self.out.append(rules.AFTER_TOTALS.at(block.first_line, next(iter(block.values))))
        self.structure.enter(block, self.out)
        self.seen_blocks.add(block_id)
        for required in (MANDATORY_FIELDS.get(block_id), self.nature_fields.get(block_id)):
            if required:
                self._require(block, required)
        handler = self.handlers.get(block_id)
        if handler is not None:
            handler(block)
        self.dates.block(block)

    def _require(self, block: Block, numbers: tuple[str, ...]) -> None:
        for number in numbers:
            if block.get(number) is None:
                field_id = f"{block.block_id}.{number}"
                spec = self.norm.fields.get(field_id)
                self.out.append(
                    rules.MISSING_FIELD.at(
                        block.first_line,
                        field_id,
                        label=spec.label if spec else field_id,
                        block=block.block_id,
                    )
                )

    # Handlers of the blocks that carry what the file declares -------------------------------

    def _envoi(self, block: Block) -> None:
        if block.get("005") == "01":
            self.out.append(rules.TEST_FILE.at(block.line_of("005"), "S10.G00.00.005"))

    def _sender(self, block: Block) -> None:
        self._check_siren(block, "001")
        self._check_siret(block, block.get("001"), "002")

    def _declaration(self, block: Block) -> None:
        self.declarations += 1
        report = self.report
        if self.declarations == 1:
            report.nature, report.type = block.get("001"), block.get("002")
            self.structure.set_nature(report.nature)
            self.nature_fields = NATURE_MANDATORY_FIELDS.get(report.nature or "", {})
            report.month = self.dates.month = self._declared_month(block)

    def _declared_month(self, block: Block) -> date | None:
        text = block.get("005")
        try:
            month = parse_date(text) if text else None
        except ValueError:
            return None  # reported by the value checks
        if month is not None and month.day != 1:
            self.out.append(
                rules.MONTH_NOT_FIRST_DAY.at(block.line_of("005"), "S20.G00.05.005", value=text)
            )
            return month.replace(day=1)
        return month

    def _company(self, block: Block) -> None:
        self.company_siren = block.get("001")
        self._check_siren(block, "001")

    def _establishment(self, block: Block) -> None:
        siret_ok = self._check_siret(block, self.company_siren, "001")
        if self.report.siret is None and siret_ok:
            self.report.siret = f"{self.company_siren}{block.get('001')}"

    def _employee(self, block: Block) -> None:
        self.report.employees += 1
        number = block.get("001")
        if number is None:
            if block.get("020") is None:
                self.out.append(rules.MISSING_IDENTITY.at(block.first_line, "S21.G00.30.001"))
            return
        line = block.line_of("001")
        problem = nir_problem(number)
        if problem:
            self.out.append(rules.BAD_NIR.at(line, "S21.G00.30.001", value=number, reason=problem))
            return
        birth = block.get("006")
        mismatch = nir_birth_mismatch(number, birth) if birth else None
        if mismatch:
            self.out.append(
                rules.NIR_BIRTH_MISMATCH.at(
                    line, "S21.G00.30.001", value=number, birth=birth, part=mismatch
                )
            )

    def _totals(self, block: Block) -> None:
        self.totals = block

    # Whole-file checks -----------------------------------------------------------------------

    def _finish(self) -> None:
        for block_id in REQUIRED_BLOCKS:
            if block_id not in self.seen_blocks:
                self._missing_block(block_id)
        event_block = EVENT_BLOCK_OF_NATURE.get(self.report.nature or "")
        if event_block and event_block not in self.seen_blocks:
            self.out.append(
                rules.MISSING_EVENT.at(
                    None,
                    None,
                    nature=self.report.nature,
                    label=self.norm.nature_labels.get(self.report.nature or "", ""),
                    block=event_block,
                    block_label=self.norm.block_labels.get(event_block, event_block),
                )
            )
        if self.totals is None:  # named by the total that should end the file
            self.out.append(rules.TRUNCATED.at(self.last_line, f"{TOTALS_BLOCK}.001"))
        else:
            self._check_totals(self.totals)

    def _missing_block(self, block_id: str) -> None:
        label = self.norm.block_labels.get(block_id, block_id)
        self.out.append(rules.MISSING_BLOCK.at(None, None, block=block_id, label=label))

    def _check_totals(self, totals: Block) -> None:
        for number, actual, rule in (
            ("001", self.line_count, rules.WRONG_LINE_COUNT),
            ("002", self.declarations, rules.WRONG_DECLARATION_COUNT),
        ):
            declared = totals.get(number)
            if declared is not None and declared.isdigit() and int(declared) != actual:
                self.out.append(
                    rule.at(
                        totals.line_of(number),
                        f"{TOTALS_BLOCK}.{number}",
                        declared=declared,
                        actual=actual,
                    )
                )

    # Identifier helpers -------------------------------------------------------------------------

    def _check_siren(self, block: Block, number: str) -> None:
        value = block.get(number)
        if value and not siren_is_valid(value):
            field_id = f"{block.block_id}.{number}"
            self.out.append(rules.BAD_SIREN.at(block.line_of(number), field_id, value=value))

    def _check_siret(self, block: Block, siren: str | None, nic_number: str) -> bool:
        """Check SIREN + NIC; ``False`` when the SIRET is invalid or cannot be formed."""
        nic = block.get(nic_number)
        if not siren or not nic:
            return False
        if siret_is_valid(siren + nic):
            return True
        field_id = f"{block.block_id}.{nic_number}"
        if siren_is_valid(siren):  # a bad SIREN is reported once, on its own field
            self.out.append(
                rules.BAD_SIRET.at(block.line_of(nic_number), field_id, value=siren + nic)
            )
        return False
