"""The listings of the DSN API: deposits (``lister-depots``) and returns (``lister-retours-*``).

Version 1.0 answers XML; the official simulator nests each ``<depot>`` inside ``<declarant>``
(older answers put them side by side, both are read)::

    <depots><declarant><siret/><nom/><prenom/><depot><idflux/><date/><statut/></depot>…
        </declarant></depots>
    <retours><flux><id/><retour><publication/><production/><nature/><statut/><id/><url/>
        <ops/><delegataire/></retour>…</flux>…</retours>          (<retours/>: nothing yet)

Version 2.0 answers JSON (``{"declarant": {"depot": […], "siret": …}}``, ``{"flux": [{"id": …,
"Retour": […]}]}`` on the simulator) whose shape varies: a lone object where a list is
expected, key case varying (``idFlux`` / ``idflux`` / ``IDFLUX``, ``Retour``), keys missing or
``null``, numbers for codes. The readers here are lenient about all of that (keys matched
without case, one object read as a list of one, optional keys absent → ``None``).

What identifies an entry is checked: a deposit without its idflux is a :class:`ReturnParseError`.
A listed return without its flux, id, nature or status (the simulator lists one without
``<id>``) does not fail the listing: it is kept aside as a :class:`SetAside` saying what is
missing, for the caller to record and a person to look at. A body that is neither XML nor JSON,
or a value that cannot be read (a date, an object where a code is expected), is a
:class:`ReturnParseError`.

Times: ``yyyyMMddHHmmss`` or ISO 8601, with or without offset; naive times are Paris times and
every time returned is aware. The writers (for the sandbox) are in :mod:`.listing_writer`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from lxml import etree

from coursier.models.returns.xml import (
    PARIS,
    ReturnParseError,
    children,
    local_name,
    safe_fromstring,
    text,
)

WINDOW_FORMAT = "%Y%m%d%H%M%S"
T = TypeVar("T")


@dataclass(frozen=True)
class DepositEntry:
    """A deposit as ``lister-depots`` shows it."""

    idflux: str
    deposited_at: datetime | None
    status: str | None


@dataclass(frozen=True)
class ReturnEntry:
    """A return as ``lister-retours-flux`` / ``lister-retours-declarant`` show it."""

    idflux: str
    return_id: str
    nature: str
    status: str
    published_at: datetime | None
    produced_at: datetime | None
    url: str | None
    ops: str | None
    delegataire: str | None


@dataclass(frozen=True)
class SetAside:
    """A listed return that cannot be kept (no flux, id, nature or status): what it says, and
    ``reason``, a French sentence naming what is missing."""

    idflux: str | None
    nature: str | None
    status: str | None
    reason: str


@dataclass(frozen=True)
class ReturnListing:
    """The returns of a listing: the usable ``entries`` and the ones ``set_aside``."""

    entries: list[ReturnEntry]
    set_aside: list[SetAside]


# Times ---------------------------------------------------------------------------------------


def format_window_time(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in Paris time, as listing paths want it (naive = already Paris)."""
    return paris(moment).strftime(WINDOW_FORMAT)


def parse_window_time(value: str) -> datetime:
    """A listing path's ``yyyyMMddHHmmss`` as an aware Paris time; ``ValueError`` otherwise."""
    try:
        if len(value) != 14 or not value.isdigit():
            raise ValueError(value)
        return datetime.strptime(value, WINDOW_FORMAT).replace(tzinfo=PARIS)
    except ValueError:
        raise ValueError(f"date {value[:30]!r} : format attendu yyyyMMddHHmmss") from None


def paris(moment: datetime) -> datetime:
    """``moment`` in Paris time (a naive one is taken as already Paris time)."""
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)


def parse_time(value: object) -> datetime | None:
    """A listed time (``yyyyMMddHHmmss`` or ISO 8601) as an aware datetime; ``None`` if empty."""
    if value is None or value == "":
        return None
    text_value = str(value).strip()
    try:
        if len(text_value) == 14 and text_value.isdigit():
            return parse_window_time(text_value)
        return paris(datetime.fromisoformat(text_value.replace("Z", "+00:00")))
    except ValueError:
        raise ReturnParseError(f"date illisible dans la liste : {text_value[:40]!r}") from None


# Reading -------------------------------------------------------------------------------------


def _is_json(body: bytes, content_type: str) -> bool:
    """JSON when the content type says so; otherwise sniffed from the first character."""
    kind = content_type.split(";")[0].strip().lower()
    if "json" in kind:
        return True
    if "xml" in kind:
        return False
    return body.lstrip()[:1] in (b"{", b"[")


def _load_json(body: bytes) -> object:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ReturnParseError("réponse annoncée JSON illisible") from None


def _xml_root(body: bytes, expected: str) -> etree._Element:
    root = safe_fromstring(body)
    if local_name(root) != expected:
        raise ReturnParseError(
            f"liste inattendue : racine <{local_name(root)}>, attendu <{expected}>"
        )
    return root


def parse_deposits(body: bytes, content_type: str) -> list[DepositEntry]:
    """The deposits of a ``lister-depots`` answer (1.0 XML or 2.0 JSON, read leniently), each
    ``<depot>`` nested in its ``<declarant>`` (official) or beside it (older answers)."""
    if _is_json(body, content_type):
        return [_deposit(_Keys(item)) for item in _json_deposits(_load_json(body))]
    root = _xml_root(body, "depots")
    depots = children(root, "depot")
    for declarant in children(root, "declarant"):
        depots.extend(children(declarant, "depot"))
    return [_deposit(_xml_keys(d)) for d in depots]


def _json_deposits(document: object) -> list[object]:
    """The deposit objects of a 2.0 answer: ``{"declarant": {"depot": […]}}`` (official),
    ``{"depots": {"depot": …}}``, ``{"depot": …}`` or a bare list."""
    if isinstance(document, list):
        return document
    if not isinstance(document, Mapping):
        raise ReturnParseError(f"liste JSON inattendue : {str(document)[:40]!r}")
    keys = _Keys(document)
    items = _as_list(keys.raw("depot"))
    wrapper = keys.raw("depots")
    if isinstance(wrapper, list):
        items.extend(wrapper)
    elif isinstance(wrapper, Mapping):
        items.extend(_json_deposits(wrapper))
    for declarant in _as_list(keys.raw("declarant")):
        if isinstance(declarant, Mapping):  # not the older bare SIRET
            items.extend(_json_deposits(declarant))
    return items


def _xml_keys(element: etree._Element) -> _Keys:
    return _Keys({local_name(c): text(element, local_name(c)) for c in element})


def _deposit(keys: _Keys) -> DepositEntry:
    idflux = keys.get("idflux")
    if idflux is None:
        raise ReturnParseError("dépôt sans « idflux » dans la liste")
    return DepositEntry(
        idflux=idflux,
        deposited_at=parse_time(keys.get("date")),
        status=keys.get("statut"),
    )


def parse_returns(body: bytes, content_type: str) -> ReturnListing:
    """The returns of a ``lister-retours-*`` answer (1.0 XML or 2.0 JSON, read leniently); a
    return that cannot be identified is set aside, never a reason to fail the listing."""
    listing = ReturnListing([], [])
    if _is_json(body, content_type):
        for flux in _json_items(_load_json(body), "retours", "flux"):
            keys = _Keys(flux)
            nested = keys.raw("retour", "retours")
            if nested is None and keys.raw("nature") is not None:  # a flat list of returns
                _take(listing, keys.get("idflux"), keys)
                continue
            flux_id = keys.get("idflux") or keys.get("id")
            for item in _as_list(nested):
                _take(listing, flux_id, _Keys(item))
        return listing
    root = _xml_root(body, "retours")
    for flux in children(root, "flux"):
        flux_id = text(flux, "id") or text(flux, "idflux")
        for item in children(flux, "retour"):
            _take(listing, flux_id, _xml_keys(item))
    return listing


#: What identifies a listed return, and how a reason names it when it is missing.
IDENTIFYING = (("id", "identifiant <id>"), ("nature", "nature"), ("statut", "statut"))


def _take(listing: ReturnListing, flux_id: str | None, keys: _Keys) -> None:
    """Append the return to the listing's entries, or set it aside saying what it lacks."""
    values = {name: keys.get(name) for name, _ in IDENTIFYING}
    missing = [label for name, label in IDENTIFYING if values[name] is None]
    if flux_id is None:
        missing.insert(0, "identifiant de flux")
    if missing:
        listing.set_aside.append(
            SetAside(
                idflux=flux_id,
                nature=values["nature"],
                status=values["statut"],
                reason=(
                    f"retour listé sans {', '.join(missing)} : il ne peut être ni rattaché à "
                    "un dépôt ni téléchargé ; consultez-le sur le portail de la plateforme"
                ),
            )
        )
        return
    listing.entries.append(
        ReturnEntry(
            idflux=flux_id,
            return_id=values["id"],
            nature=values["nature"],
            status=values["statut"],
            published_at=parse_time(keys.get("publication")),
            produced_at=parse_time(keys.get("production")),
            url=keys.get("url"),
            ops=keys.get("ops"),
            delegataire=keys.get("delegataire"),
        )
    )


#: Other spellings the 2.0 answers use for a key (compared without case).
SYNONYMS = {
    "idflux": ("idflux", "id_flux"),
    "id": ("id", "idretour", "id_retour"),
    "statut": ("statut", "status", "etat"),
    "date": ("date", "datedepot", "date_depot"),
}


class _Keys:
    """Case-insensitive access to one JSON object (or the children of one XML element)."""

    def __init__(self, item: object) -> None:
        if not isinstance(item, Mapping):
            raise ReturnParseError(f"entrée de liste inattendue : {str(item)[:40]!r}")
        self.values = {str(k).lower(): v for k, v in item.items()}

    def raw(self, *names: str) -> object:
        for name in names:
            for spelling in SYNONYMS.get(name, (name,)):
                if self.values.get(spelling) not in (None, ""):
                    return self.values[spelling]
        return None

    def get(self, name: str) -> str | None:
        value = self.raw(name)
        if isinstance(value, Mapping | list):
            raise ReturnParseError(f"valeur inattendue pour « {name} » : {str(value)[:40]!r}")
        return None if value is None else str(value).strip() or None


def _as_list(value: object) -> list[object]:
    """A list as is, a lone object as a list of one, nothing as an empty list."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list) else [value]


def _json_items(document: object, wrapper: str, item: str) -> list[object]:
    """The items of ``{wrapper: {item: [...]}}``, accepting every shortcut 2.0 takes."""
    if isinstance(document, list):
        return document
    if not isinstance(document, Mapping):
        raise ReturnParseError(f"liste JSON inattendue : {str(document)[:40]!r}")
    keys = _Keys(document)
    inner = keys.raw(wrapper)
    if inner is None:
        inner = document
    if isinstance(inner, list):
        return inner
    if not isinstance(inner, Mapping):
        raise ReturnParseError(f"liste JSON inattendue : {str(inner)[:40]!r}")
    return _as_list(_Keys(inner).raw(item))


# Merging -------------------------------------------------------------------------------------


def unique(entries: Iterable[T], key: Callable[[T], object]) -> list[T]:
    """Entries in order, one per key, the last seen winning (windows share their bounds)."""
    kept: dict[object, T] = {}
    for entry in entries:
        kept[key(entry)] = entry
    return list(kept.values())


def merge_returns(listings: Iterable[ReturnListing]) -> ReturnListing:
    """One listing of many: each return once by (idflux, nature, id), each set-aside once."""
    listings = list(listings)
    entries = unique(
        (e for page in listings for e in page.entries),
        lambda e: (e.idflux, e.nature, e.return_id),
    )
    set_aside = list(dict.fromkeys(s for page in listings for s in page.set_aside))
    return ReturnListing(entries, set_aside)
