"""Which associations a PAS run integrates, and the flux whose returns make each one's CRM.

An association with a monthly DSN deposited by coursier for the month has that deposit's flux.
Declarations deposited elsewhere (another software, the platform's web form) are found in the
declarant's listing since the returns control's last look: their PAS returns are stored
unattached (as the returns control stores them) and matched by SIRET and month
(:mod:`coursier.models.pas_matching`). A listing that fails leaves those to the next run: it
never fails the associations deposited here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from coursier.connectors.errors import ConnectorError
from coursier.models.pas import Association
from coursier.models.pas_matching import ForeignDeclaration, declared_month, match_foreign
from coursier.models.returns.crm import parse_crm_financier, parse_crm_nominatif
from coursier.models.returns.listings import ReturnListing
from coursier.models.returns.xml import ReturnParseError
from coursier.runkit import Run, RunFailed
from coursier.store.ledger import known_idflux, listed_until
from coursier.store.pas_sources import PAS_NATURES, month_deposits, unattached_crm
from coursier.store.portfolio import DossierView
from coursier.tasks.accounts import Account
from coursier.tasks.returns import FIRST_LOOK, take_returns

PARSERS = {"94": parse_crm_nominatif, "93": parse_crm_financier}


@dataclass(frozen=True)
class Planned:
    """An association to integrate and the flux of its declaration(s)."""

    association: Association
    idfluxes: tuple[str, ...]
    deposited_here: bool


def plan_associations(
    run: Run,
    account: Account,
    dossier: DossierView,
    month: date,
    wanted: list[str] | None,
) -> tuple[list[Planned], str | None]:
    """The associations to integrate (``wanted``: these SIRET only), and why the declarations
    deposited elsewhere could not be looked for, if they could not."""
    unknown = sorted(set(wanted or ()) - set(dossier.sirets))
    if unknown:
        raise RunFailed(
            f"Association(s) {', '.join(unknown)} inconnue(s) du dossier {dossier.code} : "
            f"choisissez parmi ses établissements ({', '.join(dossier.sirets) or 'aucun'})."
        )
    with run.store.read() as session:
        deposits = month_deposits(session, dossier.code, month)
    warning = None
    try:
        list_foreign_returns(run, account)
    except ConnectorError as error:
        warning = f"retours des déclarations déposées ailleurs non relevés : {error}"
    foreign = match_foreign(foreign_declarations(run, account), dossier.sirets, month)
    planned = []
    for siret in wanted or dossier.sirets:
        association = Association(dossier.code, siret, month)
        if siret in deposits:
            planned.append(Planned(association, (deposits[siret].idflux,), True))
        elif siret in foreign:
            planned.append(Planned(association, tuple(foreign[siret]), False))
    return planned, warning


def list_foreign_returns(run: Run, account: Account) -> None:
    """Store the PAS returns of flux the ledger does not know, listed since the returns
    control's last look (or the last hour); the cursor stays the returns control's."""
    client = account.client
    now = client.now()
    with run.store.read() as session:
        start = listed_until(session, account.key) or now - FIRST_LOOK
    if start >= now:
        return
    listing = (
        client.list_concentrateur_returns
        if client.is_concentrateur
        else client.list_declarant_returns
    )(start, now)
    entries = [e for e in listing.entries if e.nature in PAS_NATURES]
    with run.store.read() as session:
        ours = known_idflux(session, account.key, {e.idflux for e in entries})
    foreign = [e for e in entries if e.idflux not in ours]
    if foreign:
        take_returns(run, account, ReturnListing(foreign, []))


def foreign_declarations(run: Run, account: Account) -> list[ForeignDeclaration]:
    """The establishment and month each stored unattached CRM 93/94 names."""
    with run.store.read() as session:
        stored = [
            (r.idflux, r.nature, r.content, r.published_at)
            for r in unattached_crm(session, account.platform)
        ]
    found = []
    for idflux, nature, content, published_at in stored:
        parse = PARSERS.get(nature)
        if parse is None or not content:
            continue
        try:
            crm = parse(content)
        except ReturnParseError:
            continue  # integrating it says why, if it is ever matched
        month = declared_month(crm.month, published_at)
        if crm.siren and crm.nic and month:
            found.append(ForeignDeclaration(idflux, crm.siren + crm.nic, month))
    return found
