"""Which stored returns make an association's CRM, and which association a return of a
declaration deposited elsewhere belongs to (pure logic).

A return of a flux this project did not deposit (another software, the platform's web form) is
matched by the SIRET its declaration names (SIREN + NIC) and by its month: the declared month
when the return gives it (``mois``, ``01MMYYYY``), else the month before its publication — a
monthly DSN is deposited, and its CRM published, in the month after the one it declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from coursier.models.pas import add_months

NOMINATIF, FINANCIER, TAUX_SUR_TAUX = "94", "93", "95"
EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class PublishedReturn:
    """A stored PAS return: its flux, nature, content and publication."""

    idflux: str
    nature: str
    content: bytes
    published_at: datetime | None


@dataclass(frozen=True)
class CrmSet:
    """An association's latest return of each PAS nature (``None``: not published yet)."""

    nominatif: PublishedReturn | None = None
    financier: PublishedReturn | None = None
    taux_sur_taux: PublishedReturn | None = None

    @property
    def received_on(self) -> date | None:
        published = self.nominatif.published_at if self.nominatif else None
        return published.date() if published else None


def latest_by_nature(returns: Iterable[PublishedReturn]) -> CrmSet:
    """The latest return of each nature; later ones (overwritten, re-published) win."""
    latest: dict[str, PublishedReturn] = {}
    for item in returns:
        current = latest.get(item.nature)
        if current is None or _when(item) >= _when(current):
            latest[item.nature] = item
    return CrmSet(latest.get(NOMINATIF), latest.get(FINANCIER), latest.get(TAUX_SUR_TAUX))


def _when(item: PublishedReturn) -> datetime:
    return item.published_at or EARLIEST


def declared_month(month: str | None, published_at: datetime | None) -> date | None:
    """The month a return is about: its ``mois`` (``01MMYYYY``), else the one before it was
    published; ``None`` when neither is known."""
    if month and len(month) == 8 and month.isdigit():
        try:
            return date(int(month[4:]), int(month[2:4]), 1)
        except ValueError:
            pass
    if published_at is None:
        return None
    return add_months(published_at.date().replace(day=1), -1)


@dataclass(frozen=True)
class ForeignDeclaration:
    """A flux deposited elsewhere whose PAS returns name an establishment and a month."""

    idflux: str
    siret: str
    month: date


def match_foreign(
    found: Iterable[ForeignDeclaration], sirets: Iterable[str], month: date
) -> dict[str, list[str]]:
    """SIRET → the flux deposited elsewhere for it and ``month``, among the dossier's SIRET."""
    wanted = set(sirets)
    matched: dict[str, list[str]] = {}
    for declaration in found:
        if declaration.siret in wanted and declaration.month == month:
            flux = matched.setdefault(declaration.siret, [])
            if declaration.idflux not in flux:
                flux.append(declaration.idflux)
    return matched
