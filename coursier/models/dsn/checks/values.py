"""Value checks of one line against its field in the norm: empty, type, length, codes, characters.

Numbers (type N) are measured in digits, sign and decimal point left out: the norm gives their
length as a number of digits, and amounts such as ``-1234.56`` must not be refused for the
punctuation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from coursier.models.dsn.checks import anomalies as rules
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.norm import FieldSpec, Norm
from coursier.models.dsn.values import NUMBER, parse_date

#: What ISO-8859-1 shows when UTF-8 bytes are read as such ("é" becomes "Ã©").
UTF8_READ_AS_LATIN1 = re.compile(r"[\xc2-\xf4][\x80-\xbf]+")
SHOWN_CODES = 12


def check_value(spec: FieldSpec, value: str, number: int, out: list[Anomaly]) -> None:
    """Append to ``out`` the anomalies of the value on line ``number`` for the field ``spec``.

    Callers ask :func:`clean_tests` first: it answers for the usual value without building any
    message, and this function finds what is wrong with the others.
    """
    if not value:
        out.append(rules.EMPTY_VALUE.at(number, spec.field_id, label=spec.label))
        return
    kind = spec.type
    if kind == "N":
        if not NUMBER.fullmatch(value):
            hint = " Utilisez le point, pas la virgule, pour les décimales." if "," in value else ""
            out.append(_at(rules.NOT_A_NUMBER, spec, number, value=value, hint=hint))
        elif _digits(value) > spec.length:
            out.append(_too_long(spec, number, _digits(value)))
    elif kind == "D":
        if not _is_date(value):
            out.append(_at(rules.NOT_A_DATE, spec, number, value=value))
    elif len(value) > spec.length:
        out.append(_too_long(spec, number, len(value)))
    if spec.options and value not in spec.options:
        out.append(_at(rules.UNKNOWN_CODE, spec, number, value=value, allowed=_codes(spec)))
    if not value.isprintable():
        bad = next(c for c in value if not c.isprintable())
        out.append(
            rules.FORBIDDEN_CHARACTER.at(number, spec.field_id, character=f"U+{ord(bad):04X}")
        )
    if value[0] == " " or value[-1] == " ":
        out.append(rules.SURROUNDING_SPACES.at(number, spec.field_id))


#: Whether a value passes the field's test, anomaly-free; see :func:`clean_tests`.
CleanTest = Callable[[str], object]
#: The characters of ISO-8859-1 that ``str.isprintable`` accepts, as a regex class body.
_PRINTABLE = "".join(re.escape(c) for c in map(chr, range(256)) if c.isprintable())
_EDGE = "".join(re.escape(c) for c in map(chr, range(256)) if c.isprintable() and c != " ")
_tests_of_norm: dict[str, dict[str, CleanTest]] = {}


def clean_tests(norm: Norm) -> dict[str, CleanTest]:
    """Each field's test of a value that has no anomaly at all: the fast path, a DSN has a
    million lines. A value the test refuses goes to :func:`check_value`, which says what is
    wrong (the test may refuse a value that turns out to have nothing wrong, never accept one
    that has). Built once per norm version and process; most tests are one compiled regex
    matched in C, shared by the fields of the same type and length.
    """
    tests = _tests_of_norm.get(norm.version)
    if tests is None:
        tests = _tests_of_norm[norm.version] = {
            field_id: _clean_test(spec.type, spec.length, frozenset(spec.options))
            for field_id, spec in norm.fields.items()
        }
    return tests


@cache
def _clean_test(kind: str, length: int, options: frozenset[str]) -> CleanTest:
    test = _typed_test(kind, length)
    if not options:
        return test
    return lambda value: value in options and test(value)


@cache
def _typed_test(kind: str, length: int) -> CleanTest:
    """Not empty, at most ``length`` long, no space at either end, and of the field's type."""
    if kind == "D":
        return lambda value: len(value) <= length and _is_date(value)
    if kind == "N":  # NUMBER, within the length (a number has no space to begin with)
        pattern = rf"(?=.{{1,{length}}}\Z){NUMBER.pattern}"
    elif length <= 1:
        pattern = f"[{_EDGE}]" if length == 1 else "(?!)"
    else:
        pattern = f"[{_EDGE}](?:[{_PRINTABLE}]{{0,{length - 2}}}[{_EDGE}])?"
    return re.compile(pattern, re.DOTALL).fullmatch


def _is_date(value: str) -> bool:
    try:
        parse_date(value)
    except ValueError:
        return False
    return True


def utf8_sample(text: str) -> str | None:
    """The first run of characters that betrays UTF-8 read as ISO-8859-1, if any."""
    if text.isascii():
        return None
    found = UTF8_READ_AS_LATIN1.search(text)
    return found.group() if found else None


def _at(rule: rules.Rule, spec: FieldSpec, number: int, **values: object) -> Anomaly:
    return rule.at(number, spec.field_id, label=spec.label, **values)


def _too_long(spec: FieldSpec, number: int, length: int) -> Anomaly:
    return _at(rules.TOO_LONG, spec, number, length=length, max=spec.length)


def _digits(value: str) -> int:
    return len(value) - value.startswith("-") - ("." in value)


def _codes(spec: FieldSpec) -> str:
    codes = sorted(spec.options)
    shown = ", ".join(codes[:SHOWN_CODES])
    return shown + (f", … ({len(codes)} codes)" if len(codes) > SHOWN_CODES else "")
