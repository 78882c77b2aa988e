"""Hardened XML reading for documents that come from the platforms, and small element helpers.

Every return document is foreign input. It is parsed by lxml with entity resolution, DTD loading
and network access off and ``huge_tree`` off; on top of that, a document that declares a DTD
(``<!DOCTYPE``, ``<!ENTITY``) is refused outright: no official return carries one, and refusing
is the only way to be sure a billion-laughs or external-entity payload resolves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import TypeVar
from zoneinfo import ZoneInfo

from lxml import etree

T = TypeVar("T")

#: The platforms' clock: naive times in their documents are Paris times.
PARIS = ZoneInfo("Europe/Paris")

#: A DTD, looked for in the raw bytes before parsing; the check after parsing covers UTF-16.
DTD_MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


class ReturnParseError(ValueError):
    """A document from the platform cannot be read; the message says what is wrong."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def safe_fromstring(data: bytes) -> etree._Element:
    """The root element of ``data``; :class:`ReturnParseError` on anything but plain XML."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ReturnParseError(f"document attendu en octets, reçu {type(data).__name__}")
    data = bytes(data)
    if not data.strip():
        raise ReturnParseError("document vide : la plateforme n'a rien renvoyé")
    if any(marker in data for marker in DTD_MARKERS):
        raise _dtd_refused()
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise ReturnParseError(f"ce n'est pas du XML lisible ({exc.msg})") from None
    except (ValueError, LookupError) as exc:  # unknown encoding, bad declaration
        raise ReturnParseError(f"ce n'est pas du XML lisible ({exc})") from None
    if root is None:
        raise ReturnParseError("ce n'est pas du XML lisible (aucun élément)")
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _dtd_refused()
    return root


def _dtd_refused() -> ReturnParseError:
    return ReturnParseError(
        "document XML refusé : il déclare une DTD ou des entités (<!DOCTYPE>/<!ENTITY>), "
        "ce qu'aucun retour officiel ne fait ; rien n'a été résolu"
    )


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``{http://www.gip-mds.fr/}rapport`` → ``rapport``)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def namespace(element: etree._Element) -> str | None:
    tag = element.tag
    return etree.QName(tag).namespace if isinstance(tag, str) else None


def child(parent: etree._Element | None, name: str) -> etree._Element | None:
    """The first child element named ``name`` (namespace ignored), or ``None``."""
    if parent is None:
        return None
    return next((c for c in parent if local_name(c) == name), None)


def children(parent: etree._Element | None, name: str) -> list[etree._Element]:
    if parent is None:
        return []
    return [c for c in parent if local_name(c) == name]


def text(parent: etree._Element | None, name: str) -> str | None:
    """The stripped text of the first child ``name``; ``None`` when absent or empty."""
    element = child(parent, name)
    if element is None:
        return None
    value = "".join(element.itertext()).strip()
    return value or None


def required(parent: etree._Element | None, name: str, where: str) -> etree._Element:
    """The child ``name`` or a :class:`ReturnParseError` saying it is missing."""
    element = child(parent, name)
    if element is None:
        raise ReturnParseError(f"élément <{name}> manquant dans {where}")
    return element


def squash(value: str | None) -> str | None:
    """Whitespace collapsed: messages are often wrapped and indented in the files."""
    return " ".join(value.split()) if value else value


def convert(value: str | None, kind: Callable[[str], T], what: str) -> T | None:
    """``kind(value)``, ``None`` for ``None``, :class:`ReturnParseError` when it does not fit."""
    if value is None:
        return None
    try:
        return kind(value)
    except (ValueError, InvalidOperation, ArithmeticError):
        raise ReturnParseError(f"{what} illisible : {value[:40]!r}") from None


def to_decimal(value: str) -> Decimal:
    number = Decimal(value.replace(",", "."))
    if not number.is_finite():
        raise ValueError(value)
    return number


def to_date(value: str) -> date:
    """An ``xs:date`` (``2026-05-27``, a trailing timezone ignored) or a DSN date (DDMMYYYY)."""
    if len(value) == 8 and value.isdigit():
        return date(int(value[4:]), int(value[2:4]), int(value[:2]))
    return date.fromisoformat(value[:10])


def to_time(value: str) -> time:
    return time.fromisoformat(value[:8])


def to_datetime(value: str) -> datetime:
    """An ``xs:dateTime`` (``2026-05-27T16:08:28``, optionally with an offset)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
