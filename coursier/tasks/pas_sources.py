"""Which associations a PAS run integrates, and the flux whose returns make each one's CRM.

An association with a monthly DSN deposited by coursier for the month has that deposit's flux.
Declarations deposited elsewhere (another software, the platform's web form) are found in the
declarant's listing since the returns control's last look: their PAS returns are stored
unattached (as the returns control stores them) and matched by SIRET and month
(:mod:`coursier.models.pas_matching`). A listing that fails leaves those to the next run: it
never fails the associations deposited here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from coursier.connectors.errors import ConnectorError
from coursier.models.pas import Association, add_months
from coursier.models.pas_matching import ForeignDeclaration, declared_month, match_foreign
from coursier.models.returns.crm import parse_crm_financier, parse_crm_nominatif
from coursier.models.returns.listings import ReturnListing
from coursier.models.returns.xml import PARIS, ReturnParseError
from coursier.runkit import Run, RunFailed
from coursier.store import OutcomeIn
from coursier.store.ledger import known_idflux, listed_until
from coursier.store.pas_sources import (
    PAS_NATURES,
    dossiers_with_month_deposits,
    month_deposits,
    unattached_crm,
)
from coursier.store.portfolio import DossierView
from coursier.tasks.accounts import Account, AccountUnavailable, open_account
from coursier.tasks.returns import FIRST_LOOK, take_returns

PARSERS = {"94": parse_crm_nominatif, "93": parse_crm_financier}


@dataclass(frozen=True)
class Planned:
    """An association to integrate, the flux of its declaration(s), the account to use."""

    association: Association
    idfluxes: tuple[str, ...]
    deposited_here: bool
    account: Account = field(compare=False, repr=False)


@dataclass
class Plan:
    """What a run integrates, and what it could not even plan."""

    work: list[Planned] = field(default_factory=list)
    failed: list[OutcomeIn] = field(default_factory=list)  # dossiers without an account
    warnings: dict[str, str] = field(default_factory=dict)  # dossier → what was not looked at


def what_to_integrate(
    run: Run,
    code: str | None,
    month_text: str | None,
    associations: list[str] | None,
    retry: list[dict[str, Any]] | None,
) -> tuple[date, dict[str, list[str] | None]]:
    """The month and, per dossier, the SIRET to integrate (None: all of the dossier's): those
    that failed in the run ``retry`` lists, else those asked for."""
    if retry is not None:
        return _failed(retry)
    month = parse_month(month_text) if month_text else previous_month()
    return month, _asked(run, code, associations, month)


def _asked(
    run: Run, code: str | None, associations: list[str] | None, month: date
) -> dict[str, list[str] | None]:
    """Dossier → the SIRET asked for (None: all), for a normal run."""
    if code is not None:
        return {code: associations}
    if associations:
        raise RunFailed("Associations données sans dossier : choisissez le dossier qui les a.")
    with run.store.read() as session:
        return dict.fromkeys(dossiers_with_month_deposits(session, month))


def _failed(retry: list[dict[str, Any]]) -> tuple[date, dict[str, list[str] | None]]:
    """The month and, per dossier, the associations that failed (None: the whole dossier,
    which failed before any association was planned)."""
    dossiers: dict[str, list[str] | None] = {}
    for details in retry:
        siret = details.get("siret")
        if siret is None:
            dossiers[details["dossier"]] = None
        elif dossiers.get(details["dossier"], []) is not None:
            dossiers.setdefault(details["dossier"], []).append(siret)
    return parse_month(retry[0]["month"]), dossiers


def parse_month(text: str) -> date:
    """``AAAA-MM`` → its first day; :class:`RunFailed` naming the field otherwise."""
    try:
        return date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        raise RunFailed(
            f"Mois {text!r} invalide : écrivez AAAA-MM (par exemple 2026-10)."
        ) from None


def previous_month() -> date:
    """The month the DSN deposited this month declare (Paris time)."""
    today = datetime.now(PARIS).date()
    return add_months(today.replace(day=1), -1)


def plan_run(run: Run, month: date, dossiers: dict[str, list[str] | None], *, single: bool) -> Plan:
    """The associations of each dossier (its SIRET given, or all with a DSN that month).

    ``single``: the run was asked for one dossier, whose unusable account fails the run;
    otherwise that dossier alone fails (an outcome naming it) and the others carry on.
    """
    plan = Plan()
    accounts: dict[str, Account] = {}
    looked: dict[str, tuple[str | None, list[ForeignDeclaration]]] = {}
    for code, wanted in dossiers.items():
        try:
            dossier = run.dossier(code)
            account = open_account(dossier)
        except (RunFailed, AccountUnavailable) as error:
            if single:
                raise
            details = {"dossier": code, "month": f"{month:%Y-%m}"}
            plan.failed.append(OutcomeIn(code, "failed", type(error).__name__, str(error), details))
            continue
        if account.key not in accounts:  # one client and one look elsewhere per account
            accounts[account.key] = account
            looked[account.key] = look_elsewhere(run, account)
        account = accounts[account.key]
        warning, found = looked[account.key]
        plan.work += plan_associations(run, account, dossier, month, wanted, found)
        if warning:
            plan.warnings[code] = warning
    return plan


def look_elsewhere(run: Run, account: Account) -> tuple[str | None, list[ForeignDeclaration]]:
    """The declarations deposited elsewhere that the account's stored returns name, after
    listing the new ones; why they could not be listed, if they could not (those stored
    before are still found)."""
    warning = None
    try:
        list_foreign_returns(run, account)
    except ConnectorError as error:
        warning = f"retours des déclarations déposées ailleurs non relevés : {error}"
    return warning, foreign_declarations(run, account)


def plan_associations(
    run: Run,
    account: Account,
    dossier: DossierView,
    month: date,
    wanted: list[str] | None,
    elsewhere: list[ForeignDeclaration],
) -> list[Planned]:
    """A dossier's associations to integrate (``wanted``: these SIRET only): those with a
    deposit here, else with a declaration deposited ``elsewhere``."""
    unknown = sorted(set(wanted or ()) - set(dossier.sirets))
    if unknown:
        raise RunFailed(
            f"Association(s) {', '.join(unknown)} inconnue(s) du dossier {dossier.code} : "
            f"choisissez parmi ses établissements ({', '.join(dossier.sirets) or 'aucun'})."
        )
    with run.store.read() as session:
        deposits = month_deposits(session, dossier.code, month)
    foreign = match_foreign(elsewhere, dossier.sirets, month)
    planned = []
    for siret in wanted or dossier.sirets:
        association = Association(dossier.code, siret, month)
        if siret in deposits:
            planned.append(Planned(association, (deposits[siret].idflux,), True, account))
        elif siret in foreign:
            planned.append(Planned(association, tuple(foreign[siret]), False, account))
    return planned


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
