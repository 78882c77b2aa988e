"""Value checks of one line against its field in the norm: empty, type, length, codes, characters.

Numbers (type N) are measured in digits, sign and decimal point left out: the norm gives their
length as a number of digits, and amounts such as ``-1234.56`` must not be refused for the
punctuation.
"""

from __future__ import annotations

import re

from coursier.models.dsn.checks import anomalies as rules
from coursier.models.dsn.checks.anomalies import Anomaly
from coursier.models.dsn.norm import FieldSpec
from coursier.models.dsn.values import NUMBER, parse_date

#: What ISO-8859-1 shows when UTF-8 bytes are read as such ("é" becomes "Ã©").
UTF8_READ_AS_LATIN1 = re.compile(r"[\xc2-\xf4][\x80-\xbf]+")
SHOWN_CODES = 12


def check_value(spec: FieldSpec, value: str, number: int, out: list[Anomaly]) -> None:
    """Append to ``out`` the anomalies of the value on line ``number`` for the field ``spec``.

    Callers ask :func:`is_clean` first: it answers for the usual value without building any
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


def is_clean(spec: FieldSpec, value: str) -> bool:
    """Whether a value has no anomaly at all: the fast path, a DSN has a million lines."""
    if not value or len(value) > spec.length or value[0] == " " or value[-1] == " ":
        return False
    if spec.options and value not in spec.options:
        return False
    kind = spec.type
    if kind == "N":
        return NUMBER.fullmatch(value) is not None
    if kind == "D":
        return _is_date(value)
    return value.isprintable()


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
