"""Typed values of DSN fields: dates DDMMYYYY, numbers with '.' decimals, text as is."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from functools import lru_cache

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
DATE = re.compile(r"\d{8}")


@lru_cache(maxsize=4096)
def parse_date(text: str) -> date:
    """A DDMMYYYY date; ``ValueError`` when it is not one or does not exist (31022026)."""
    if not DATE.fullmatch(text):
        raise ValueError(f"date {text!r} attendue au format JJMMAAAA")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise ValueError(f"la date {text!r} n'existe pas") from None


def format_date(value: date) -> str:
    return f"{value.day:02d}{value.month:02d}{value.year:04d}"


def parse_number(text: str) -> Decimal:
    """A DSN number: optional minus, digits, optional '.' and decimals."""
    if not NUMBER.fullmatch(text):
        raise ValueError(f"nombre {text!r} invalide (chiffres, et '.' pour les décimales)")
    return Decimal(text)


def format_number(value: Decimal | int) -> str:
    return str(value) if isinstance(value, int) else format(value, "f")


def decode(kind: type, text: str) -> object:
    """The typed value of a field of ``kind`` (str, date, Decimal or int)."""
    if kind is date:
        return parse_date(text)
    if kind is Decimal:
        return parse_number(text)
    if kind is int:
        if not text.isdigit():
            raise ValueError(f"entier {text!r} invalide")
        return int(text)
    return text


def encode(value: object) -> str:
    """The text of a typed value, as written in a DSN line."""
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Decimal | int):
        return format_number(value)
    return str(value)
