"""The listings of the DSN API written as the official simulator answers them (for the sandbox).

Shapes recorded from the official GIP-MDS API DSN simulator (``tests/contract/recordings``):

- ``lister-depots`` 1.0: ``<depots><declarant><siret/><nom/><prenom/><depot><idflux/><date/>
  <statut/></depot>…</declarant></depots>``; 2.0: ``{"declarant": {"depot": [{"date", "idflux",
  "statut"}…], "siret", "nom", "prenom"}}``;
- ``lister-retours-*`` 1.0: ``<retours><flux><id/><retour>…</retour>…</flux>…</retours>``, an
  absent field left out; 2.0: ``{"flux": [{"id", "Retour": [{…}]}]}``, an absent field
  ``null``, codes as strings, lists always lists.

Times are ``yyyyMMddHHmmss`` in Paris time. :mod:`.listings` reads all of these back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime

from lxml import etree

from coursier.models.declarant import Declarant
from coursier.models.returns.listings import DepositEntry, ReturnEntry, format_window_time


def _compact(moment: datetime | None) -> str | None:
    return format_window_time(moment) if moment else None


def _sub(parent: etree._Element, name: str, value: str | None) -> None:
    """A text child, left out when ``value`` is ``None`` (as the platform does)."""
    if value is not None:
        etree.SubElement(parent, name).text = value


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _json(document: object) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def write_deposits_xml(declarant: Declarant, entries: Iterable[DepositEntry]) -> bytes:
    """``<depots>``: the declarant, its deposits nested inside it."""
    root = etree.Element("depots")
    owner = etree.SubElement(root, "declarant")
    _sub(owner, "siret", declarant.siret)
    _sub(owner, "nom", declarant.last_name)
    _sub(owner, "prenom", declarant.first_name)
    for entry in entries:
        depot = etree.SubElement(owner, "depot")
        _sub(depot, "idflux", entry.idflux)
        _sub(depot, "date", _compact(entry.deposited_at))
        _sub(depot, "statut", entry.status)
    return _xml(root)


def write_deposits_json(declarant: Declarant, entries: Iterable[DepositEntry]) -> bytes:
    """``{"declarant": {"depot": […], "siret": …, "nom": …, "prenom": …}}``."""
    depots = [
        {"date": _compact(e.deposited_at), "idflux": e.idflux, "statut": e.status} for e in entries
    ]
    return _json(
        {
            "declarant": {
                "depot": depots,
                "siret": declarant.siret,
                "nom": declarant.last_name,
                "prenom": declarant.first_name,
            }
        }
    )


def _by_flux(entries: Iterable[ReturnEntry]) -> Iterator[tuple[str, list[ReturnEntry]]]:
    groups: dict[str, list[ReturnEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.idflux, []).append(entry)
    yield from groups.items()


def _fields(entry: ReturnEntry) -> dict[str, str | None]:
    """A return's fields in the simulator's order."""
    return {
        "publication": _compact(entry.published_at),
        "production": _compact(entry.produced_at),
        "nature": entry.nature,
        "statut": entry.status,
        "id": entry.return_id,
        "url": entry.url,
        "delegataire": entry.delegataire,
        "ops": entry.ops,
    }


def write_returns_xml(entries: Iterable[ReturnEntry]) -> bytes:
    """``<retours/>`` when there is none; one ``<flux>`` per idflux, in order of appearance."""
    root = etree.Element("retours")
    for flux_id, items in _by_flux(entries):
        flux = etree.SubElement(root, "flux")
        _sub(flux, "id", flux_id)
        for entry in items:
            item = etree.SubElement(flux, "retour")
            for name, value in _fields(entry).items():
                _sub(item, name, value)
    return _xml(root)


def write_returns_json(entries: Iterable[ReturnEntry]) -> bytes:
    """``{"flux": [{"id": …, "Retour": [{…}]}]}`` (``{"flux": []}`` when there is none)."""
    fluxes = [
        {"id": flux_id, "Retour": [_fields(e) for e in items]}
        for flux_id, items in _by_flux(entries)
    ]
    return _json({"flux": fluxes})
