"""The self-check of a lot (norme de lot V01R02): its envelope, and each DSN on its own.

The lot is read once, streaming: its tokens are cut by the rule of ``lots`` (a DSN begins on
an S10 line that does not follow another one), each DSN is checked by ``checker`` with its own
norm version and its lines numbered in the lot file, and the envelope lines go to
:class:`_EnvelopeCheck`: order (header, groups each closed before the next, end of lot last) and
counts (DSN per group, groups per lot, the lot number recalled at the end).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, groupby
from typing import BinaryIO

from coursier.models.dsn.blocks import Block, group_blocks
from coursier.models.dsn.checks import anomalies as rules
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.checks.checker import (
    CheckReport,
    check_items,
    field_on,
    in_file_order,
    open_items,
)
from coursier.models.dsn.checks.values import check_value, clean_tests
from coursier.models.dsn.lines import Line, MalformedLine, format_line, read_lines
from coursier.models.dsn.lots import (
    DECLARATION_START,
    GROUP_END,
    GROUP_HEADER,
    LOT_END,
    LOT_HEADER,
    LOT_NORM_VERSION,
    LotPlace,
    LotPlaces,
    is_envelope_line,
    is_lot,
)
from coursier.models.dsn.norm import Norm, load_lot_norm

#: What the envelope's counts need; the rest of its fields are optional in the norm.
MANDATORY = {LOT_HEADER: ("001", "002", "006"), GROUP_END: ("002",), LOT_END: ("001", "002")}


@dataclass
class DeclarationCheck:
    """The self-check of one DSN of a lot, and where it stands there."""

    place: LotPlace
    first_line: int
    report: CheckReport

    def as_dict(self) -> dict[str, object]:
        return {"lot": self.place.as_dict(), "first_line": self.first_line, **self.report.as_dict()}


@dataclass
class LotReport:
    """What the self-check found in a lot: the envelope's anomalies and each DSN's report."""

    number: str | None = None  # S05.G51.00.002
    norm: str | None = None  # S05.G51.00.001
    groups: int = 0
    anomalies: list[Anomaly] = field(default_factory=list)  # the envelope's
    declarations: list[DeclarationCheck] = field(default_factory=list)

    @property
    def blocking(self) -> int:
        own = sum(a.is_blocking for a in self.anomalies)
        return own + sum(d.report.blocking for d in self.declarations)

    @property
    def can_be_deposited(self) -> bool:
        return self.blocking == 0

    def as_dicts(self) -> list[dict[str, object]]:
        """The JSON objects of ``coursier dsn check --json``: the envelope, then each DSN."""
        return [self.envelope_dict(), *(item.as_dict() for item in self.declarations)]

    def envelope_dict(self) -> dict[str, object]:
        """The envelope's object: position 0 of the lot, its counts and its own anomalies."""
        blocking = sum(a.is_blocking for a in self.anomalies)
        return {
            "lot": LotPlace(self.number, None, 0).as_dict(),
            "norm": self.norm,
            "groups": self.groups,
            "declarations": len(self.declarations),
            "blocking": blocking,
            "non_blocking": len(self.anomalies) - blocking,
            "anomalies": [a.as_dict() for a in self.anomalies],
        }


def check_document(stream: BinaryIO) -> CheckReport | LotReport:
    """Self-check a file opened in binary mode, a single DSN or a lot, as its first line says;
    :class:`~coursier.models.dsn.errors.UnreadableFile` when its bytes are no DSN text."""
    opened, items = open_items(read_lines(stream))
    first = next(items, None)
    items = chain([first], items) if first is not None else items
    lot = first is not None and is_lot(first[1])
    report = check_lot_items(items) if lot else check_items(items)
    report.anomalies[:0] = opened
    return report


def check_lot_items(items: Iterator[Line | MalformedLine]) -> LotReport:
    """Self-check the tokens of a lot, its envelope and each DSN."""
    report = LotReport()
    envelope = _EnvelopeCheck(load_lot_norm(), report)
    segments = _Segments()
    for (_, is_declaration), run in groupby(items, key=segments):
        if is_declaration:
            first = next(run)
            line = first[0]  # a well-formed line's number, or an unreadable one's
            place = envelope.declaration(line)
            checked = check_items(chain([first], run))  # noqa: B031 - run is read once, after its first
            report.declarations.append(DeclarationCheck(place, line, checked))
        else:
            envelope.lines(run)
    envelope.finish(segments.last_line)
    report.anomalies.sort(key=in_file_order)
    return report


class _Segments:
    """The key that cuts a lot's tokens into runs: each DSN, and the envelope lines between."""

    def __init__(self) -> None:
        self.key = 0
        self.in_declaration = False
        self.previous_s10 = False
        self.last_line = 0

    def __call__(self, item: Line | MalformedLine) -> tuple[int, bool]:
        text = item[1]  # the field id of a line, the text of an unreadable one
        self.last_line = item[0]
        is_s10 = text.startswith(DECLARATION_START)
        if is_s10 and not self.previous_s10:
            self.key, self.in_declaration = self.key + 1, True
        elif self.in_declaration and is_envelope_line(text):
            self.key, self.in_declaration = self.key + 1, False
        self.previous_s10 = is_s10
        return self.key, self.in_declaration


class _EnvelopeCheck:
    """The envelope's state as the lot is read: the open group, the counts so far."""

    def __init__(self, norm: Norm, report: LotReport) -> None:
        self.norm = norm
        self.report = report
        self.out = report.anomalies
        self.places = LotPlaces()
        self.started = False
        self.header: Block | None = None
        self.group_line: int | None = None  # where the open group starts
        self.in_group = 0
        self.ended = False
        self.after_end_reported = False
        self.handlers = {
            LOT_HEADER: self._header,
            GROUP_HEADER: self._group,
            GROUP_END: self._group_end,
            LOT_END: self._end,
        }

    def declaration(self, line: int) -> LotPlace:
        """A DSN starts at ``line``: its place in the lot."""
        self._after_end(line, field_id="S10.G00.00.001")
        if self.group_line is None:
            self.out.append(rules.OUTSIDE_GROUP.at(line, "S10.G00.00.001"))
        self.in_group += 1
        return self.places.declaration()

    def lines(self, run: Iterable[Line | MalformedLine]) -> None:
        """Envelope lines, and the lines that stray between them."""
        stray_reported = False
        for item in group_blocks(run):
            if type(item) is Block and item.block_id in self.handlers:
                self._block(item)
            elif not stray_reported:
                stray_reported = True
                if type(item) is Block:
                    line, (field_id, value) = item.first_line, next(iter(item.values.items()))
                    text = format_line(field_id, value)
                else:
                    line, field_id, text = item.number, field_on(item), item.text
                self.out.append(rules.OUTSIDE_DECLARATION.at(line, field_id, text=text[:80]))

    def finish(self, last_line: int) -> None:
        if not self.ended:
            self.out.append(rules.LOT_TRUNCATED.at(last_line, f"{LOT_END}.001"))
        if not self.report.declarations:
            self.out.append(rules.EMPTY_LOT.at(None))
        if self.header is not None:
            self._count(self.header, "006", self.report.groups, rules.WRONG_GROUP_COUNT)

    def _block(self, block: Block) -> None:
        block_id = block.block_id
        for field_id, value in block.values.items():
            self.places.envelope_line(field_id, value)
        self.report.number = self.places.number
        if not self.started:
            self.started = True
            if block_id != LOT_HEADER:
                self.out.append(rules.LOT_WITHOUT_HEADER.at(block.first_line, _field_of(block)))
        self._after_end(block.first_line, _field_of(block))
        self._check_values(block)
        for number in MANDATORY.get(block_id, ()):
            if block.get(number) is None:
                field_id = f"{block_id}.{number}"
                self.out.append(
                    rules.MISSING_FIELD.at(
                        block.first_line,
                        field_id,
                        label=self.norm.fields[field_id].label,
                        block=block_id,
                    )
                )
        self.handlers[block_id](block)

    def _header(self, block: Block) -> None:
        if self.header is not None:
            label = self.norm.block_labels[LOT_HEADER]
            self.out.append(
                rules.BLOCK_REPEATED.at(
                    block.first_line, _field_of(block), block=LOT_HEADER, label=label
                )
            )
            return
        self.header = block
        version = self.report.norm = block.get("001")
        if version is not None and version != LOT_NORM_VERSION:
            self.out.append(
                rules.UNKNOWN_LOT_NORM.at(
                    block.line_of("001"),
                    f"{LOT_HEADER}.001",
                    version=version,
                    known=LOT_NORM_VERSION,
                )
            )

    def _group(self, block: Block) -> None:
        if self.group_line is not None:
            self.out.append(
                rules.GROUP_NOT_CLOSED.at(block.first_line, _field_of(block), start=self.group_line)
            )
        self.group_line, self.in_group = block.first_line, 0
        self.report.groups += 1

    def _group_end(self, block: Block) -> None:
        if self.group_line is None:
            label = self.norm.block_labels[GROUP_END]
            self.out.append(
                rules.GROUP_END_WITHOUT_GROUP.at(
                    block.first_line, _field_of(block), block=GROUP_END, label=label
                )
            )
            return
        self._count(block, "002", self.in_group, rules.WRONG_GROUP_DSN_COUNT)
        self.group_line = None

    def _end(self, block: Block) -> None:
        if self.group_line is not None:
            self.out.append(
                rules.GROUP_NOT_CLOSED.at(block.first_line, _field_of(block), start=self.group_line)
            )
            self.group_line = None
        recalled, expected = block.get("001"), self.report.number
        if recalled is not None and expected is not None and recalled != expected:
            self.out.append(
                rules.LOT_NUMBER_MISMATCH.at(
                    block.line_of("001"), f"{LOT_END}.001", value=recalled, expected=expected
                )
            )
        self._count(block, "002", self.report.groups, rules.WRONG_GROUP_COUNT)
        self.ended = True

    def _after_end(self, line: int, field_id: str | None) -> None:
        if self.ended and not self.after_end_reported:
            self.after_end_reported = True
            self.out.append(rules.AFTER_LOT_END.at(line, field_id))

    def _count(self, block: Block, number: str, actual: int, rule: rules.Rule) -> None:
        declared = block.get(number)
        if declared is not None and declared.isdigit() and int(declared) != actual:
            field_id = f"{block.block_id}.{number}"
            self.out.append(
                rule.at(block.line_of(number), field_id, declared=declared, actual=actual)
            )

    def _check_values(self, block: Block) -> None:
        tests = clean_tests(self.norm)
        for field_id, value in block.values.items():
            spec = self.norm.fields.get(field_id)
            number = block.lines[field_id]
            if spec is None:
                self.out.append(rules.UNKNOWN_FIELD.at(number, field_id, norm=LOT_NORM_VERSION))
            elif not tests[field_id](value):
                check_value(spec, value, number, self.out)


def _field_of(item: Block | MalformedLine) -> str | None:
    """The rubrique on the first line of a block or of an unreadable line."""
    if type(item) is Block:
        return next(iter(item.values))
    return field_on(item)
