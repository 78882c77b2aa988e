"""The listings of the DSN API: deposits (``lister-depots``) and returns (``lister-retours-*``).

Version 1.0 answers XML::

    <depots><declarant>…</declarant><depot><idflux/><date/><statut/></depot>…</depots>
    <retours><flux><id/><retour><publication/><production/><nature/><statut/><id/><url/>
        <ops/><delegataire/></retour>…</flux>…</retours>          (<retours/>: nothing yet)

Version 2.0 answers JSON whose shape is irregular: a lone object where a list is expected, key
case varying (``idFlux`` / ``idflux`` / ``IDFLUX``), keys missing, numbers for codes. The
readers here are lenient about all of that (keys matched without case, one object read as a
list of one, optional keys absent → ``None``) and strict only about what identifies an entry:
a deposit without its idflux, a return without its flux, id, nature or status is a
:class:`ReturnParseError`, as is a body that is neither XML nor JSON.

Times: ``yyyyMMddHHmmss`` or ISO 8601, with or without offset; naive times are Paris times and
every time returned is aware.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

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


# Times ---------------------------------------------------------------------------------------


def format_window_time(moment: datetime) -> str:
    """``yyyyMMddHHmmss`` in Paris time, as listing paths want it (naive = already Paris)."""
    return _paris(moment).strftime(WINDOW_FORMAT)


def parse_window_time(value: str) -> datetime:
    """A listing path's ``yyyyMMddHHmmss`` as an aware Paris time; ``ValueError`` otherwise."""
    try:
        if len(value) != 14 or not value.isdigit():
            raise ValueError(value)
        return datetime.strptime(value, WINDOW_FORMAT).replace(tzinfo=PARIS)
    except ValueError:
        raise ValueError(f"date {value[:30]!r} : format attendu yyyyMMddHHmmss") from None


def _paris(moment: datetime) -> datetime:
    return moment.replace(tzinfo=PARIS) if moment.tzinfo is None else moment.astimezone(PARIS)


def parse_time(value: object) -> datetime | None:
    """A listed time (``yyyyMMddHHmmss`` or ISO 8601) as an aware datetime; ``None`` if empty."""
    if value is None or value == "":
        return None
    text_value = str(value).strip()
    try:
        if len(text_value) == 14 and text_value.isdigit():
            return parse_window_time(text_value)
        return _paris(datetime.fromisoformat(text_value.replace("Z", "+00:00")))
    except ValueError:
        raise ReturnParseError(f"date illisible dans la liste : {text_value[:40]!r}") from None


def _iso(moment: datetime | None) -> str | None:
    return _paris(moment).isoformat(timespec="seconds") if moment else None


def _compact(moment: datetime | None) -> str | None:
    return format_window_time(moment) if moment else None


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
    except (UnicodeDecodeError, ValueError):
        raise ReturnParseError("réponse annoncée JSON illisible") from None


def _xml_root(body: bytes, expected: str) -> etree._Element:
    root = safe_fromstring(body)
    if local_name(root) != expected:
        raise ReturnParseError(
            f"liste inattendue : racine <{local_name(root)}>, attendu <{expected}>"
        )
    return root


def parse_deposits(body: bytes, content_type: str) -> list[DepositEntry]:
    """The deposits of a ``lister-depots`` answer (1.0 XML or 2.0 JSON, read leniently)."""
    if _is_json(body, content_type):
        items = _json_items(_load_json(body), "depots", "depot")
        return [_deposit(_Keys(item)) for item in items]
    root = _xml_root(body, "depots")
    return [_deposit(_xml_keys(d)) for d in children(root, "depot")]


def _xml_keys(element: etree._Element) -> _Keys:
    return _Keys({local_name(c): text(element, local_name(c)) for c in element})


def _deposit(keys: _Keys) -> DepositEntry:
    return DepositEntry(
        idflux=keys.required("idflux", "dépôt"),
        deposited_at=parse_time(keys.get("date")),
        status=keys.get("statut"),
    )


def parse_returns(body: bytes, content_type: str) -> list[ReturnEntry]:
    """The returns of a ``lister-retours-*`` answer (1.0 XML or 2.0 JSON, read leniently)."""
    if _is_json(body, content_type):
        entries = []
        for flux in _json_items(_load_json(body), "retours", "flux"):
            keys = _Keys(flux)
            nested = keys.raw("retour", "retours")
            if nested is None and keys.raw("nature") is not None:  # a flat list of returns
                entries.append(_return(keys.required("idflux", "retour"), keys))
                continue
            flux_id = keys.get("idflux") or keys.required("id", "flux")
            entries.extend(_return(flux_id, _Keys(item)) for item in _as_list(nested))
        return entries
    root = _xml_root(body, "retours")
    entries = []
    for flux in children(root, "flux"):
        flux_id = text(flux, "id") or text(flux, "idflux")
        if flux_id is None:
            raise ReturnParseError("flux sans identifiant dans la liste des retours")
        entries.extend(_return(flux_id, _xml_keys(item)) for item in children(flux, "retour"))
    return entries


def _return(flux_id: str, keys: _Keys) -> ReturnEntry:
    return ReturnEntry(
        idflux=flux_id,
        return_id=keys.required("id", "retour"),
        nature=keys.required("nature", "retour"),
        status=keys.required("statut", "retour"),
        published_at=parse_time(keys.get("publication")),
        produced_at=parse_time(keys.get("production")),
        url=keys.get("url"),
        ops=keys.get("ops"),
        delegataire=keys.get("delegataire"),
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

    def required(self, name: str, what: str) -> str:
        value = self.get(name)
        if value is None:
            raise ReturnParseError(f"{what} sans « {name} » dans la liste")
        return value


def _as_list(value: object) -> list[object]:
    """A list as is, a lone object as a list of one, nothing as an empty list."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


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


# Writing (for the sandbox) -------------------------------------------------------------------


def write_deposits_xml(declarant_siret: str, entries: Iterable[DepositEntry]) -> bytes:
    root = etree.Element("depots")
    etree.SubElement(root, "declarant").text = declarant_siret
    for entry in entries:
        depot = etree.SubElement(root, "depot")
        _sub(depot, "idflux", entry.idflux)
        _sub(depot, "date", _compact(entry.deposited_at))
        _sub(depot, "statut", entry.status)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def write_returns_xml(entries: Iterable[ReturnEntry]) -> bytes:
    """``<retours/>`` when there is none; one ``<flux>`` per idflux, in order of appearance."""
    root = etree.Element("retours")
    for flux_id, items in _by_flux(entries):
        flux = etree.SubElement(root, "flux")
        _sub(flux, "id", flux_id)
        for entry in items:
            item = etree.SubElement(flux, "retour")
            _sub(item, "publication", _compact(entry.published_at))
            _sub(item, "production", _compact(entry.produced_at))
            for name, value in (
                ("nature", entry.nature),
                ("statut", entry.status),
                ("id", entry.return_id),
                ("url", entry.url),
                ("ops", entry.ops),
                ("delegataire", entry.delegataire),
            ):
                _sub(item, name, value)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _sub(parent: etree._Element, name: str, value: str | None) -> None:
    etree.SubElement(parent, name).text = value


def _by_flux(entries: Iterable[ReturnEntry]) -> Iterator[tuple[str, list[ReturnEntry]]]:
    groups: dict[str, list[ReturnEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.idflux, []).append(entry)
    yield from groups.items()


def _one_or_many(items: list[dict[str, object]]) -> object:
    """What 2.0 does: a lone object when there is one item, a list otherwise."""
    return items[0] if len(items) == 1 else items


def write_deposits_json(declarant_siret: str, entries: Iterable[DepositEntry]) -> bytes:
    """The irregular 2.0 shape: ``idFlux`` camel-cased, ``DATE`` upper-cased, one → object."""
    items: list[dict[str, object]] = [
        {"idFlux": e.idflux, "DATE": _iso(e.deposited_at), "statut": e.status} for e in entries
    ]
    body = {"depots": {"declarant": declarant_siret, "depot": _one_or_many(items)}}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def write_returns_json(entries: Iterable[ReturnEntry]) -> bytes:
    """The irregular 2.0 shape: ``IDFLUX`` upper-cased, natures as numbers, one → object."""
    fluxes: list[dict[str, object]] = []
    for flux_id, items in _by_flux(entries):
        returns: list[dict[str, object]] = [
            {
                "Publication": _compact(e.published_at),
                "production": _iso(e.produced_at),
                "nature": int(e.nature) if e.nature.isdigit() and e.nature[0] != "0" else e.nature,
                "Statut": e.status,
                "id": e.return_id,
                "url": e.url,
                **({"ops": e.ops} if e.ops else {}),
                **({"delegataire": e.delegataire} if e.delegataire else {}),
            }
            for e in items
        ]
        fluxes.append({"IDFLUX": flux_id, "retour": _one_or_many(returns)})
    body = {"retours": {"flux": _one_or_many(fluxes)} if fluxes else None}
    return json.dumps(body, ensure_ascii=False).encode("utf-8")
