"""Declaration codes as people type them: nature ``4`` or ``04``, type ``1`` or ``01``.

The file always carries two digits (S20.G00.05.001 and .002); a person filtering on the command
line often drops the leading zero. One parser for every command, checked against the norm's list.
"""

from __future__ import annotations

from coursier.models.dsn.norm import latest_norm

NATURE_FIELD, TYPE_FIELD = "S20.G00.05.001", "S20.G00.05.002"


class UnknownCode(ValueError):
    """A nature or a type the norm does not list; the message says which ones it does."""


def parse_nature(text: str) -> str:
    """``4`` or ``04`` → ``04``; :class:`UnknownCode` for a nature the norm does not know."""
    return _parse(text, NATURE_FIELD, "nature inconnue")


def parse_type(text: str) -> str:
    """``1`` or ``01`` → ``01``; :class:`UnknownCode` for a type the norm does not know."""
    return _parse(text, TYPE_FIELD, "type inconnu")


def _parse(text: str, field_id: str, unknown: str) -> str:
    bare = text.strip()
    code = bare.zfill(2) if bare.isdigit() and len(bare) <= 2 else bare
    options = latest_norm().fields[field_id].options
    if code not in options:
        known = ", ".join(f"{c} ({label})" for c, label in options.items())
        what, adjective = unknown.split()
        raise UnknownCode(f"{what} {text!r} {adjective} : une de {known}")
    return code
