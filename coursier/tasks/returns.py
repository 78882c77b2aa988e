"""Collecting the returns of deposited files and deriving each deposit's state from them.

Every return is downloaded once and stored with its content; a return listed again with another
status or content was overwritten by the platform: the stored one is replaced and the audit
keeps the change. A deposit's state is then read from all its stored returns.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.orm import Session

from coursier.connectors.errors import ConnectorError
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.models.deposits import (
    AEE_NATURE,
    BILAN_NATURE,
    CLOCK_SKEW,
    DepositState,
    ReturnFact,
    Verdict,
    verdict_from_returns,
)
from coursier.models.returns.listings import ReturnEntry, ReturnListing, SetAside
from coursier.models.returns.rapport import parse_rapport
from coursier.models.returns.xml import ReturnParseError
from coursier.models.safe_paths import inside
from coursier.runkit import Run
from coursier.store import Store
from coursier.store.ledger import (
    ReturnChange,
    add_new_return,
    aer_of,
    deposit_of_flux,
    deposits_waiting_for_aer,
    link_return,
    listed_until,
    open_deposits,
    return_facts,
    returns_by_identity,
    set_listed_until,
    store_return,
    unsettled_flux,
)
from coursier.store.ledger_tables import Deposit
from coursier.tasks.accounts import Account

RAPPORT_NATURES = frozenset({AEE_NATURE, BILAN_NATURE})
#: With no previous look and nothing in flight, how far back a returns control looks.
FIRST_LOOK = timedelta(hours=1)


@dataclass(frozen=True)
class Followed:
    deposit_id: int
    verdict: Verdict


def take_returns(
    run: Run, account: Account, listing: ReturnListing, *, aee: bytes | None = None
) -> dict[int, Verdict]:
    """Download and store the new or changed returns of a listing; audit those set aside.

    The deposits whose returns changed are settled in the same transaction: their verdicts are
    returned. One read before the downloads and one write after them: sixteen threads share
    the store. ``aee`` is the deposit's own answer, the AEE the listing shows for its flux: it
    is kept from there instead of being downloaded again.
    """
    return store_fetched(run, account, [fetch_returns(run, account, listing, aee=aee)])


@dataclass(frozen=True)
class Fetched:
    """A listing's new or changed returns, downloaded and not stored yet (:func:`store_fetched`
    writes them): callers that download in many threads store them in batches."""

    downloaded: list[tuple[ReturnEntry, bytes]]
    known: set[tuple[str, str, str]]  # the identities stored when the listing was read
    unlinked: list[ReturnEntry]  # stored before their deposit was known


def fetch_returns(
    run: Run, account: Account, listing: ReturnListing, *, aee: bytes | None = None
) -> Fetched:
    """Download the new or changed returns of a listing (one read of the store before);
    audit those set aside."""
    client, platform = account.client, account.platform
    entries = listing.entries
    if listing.set_aside:
        _audit_set_aside(run, account, listing.set_aside)
    with run.store.read() as session:
        known = returns_by_identity(session, platform, {e.idflux for e in entries})
    fresh, unlinked = [], []
    for entry in entries:
        stored = known.get(_identity(entry))
        if stored is None or not stored.shows(entry.status, entry.published_at):
            fresh.append(entry)
        elif not stored.linked:
            unlinked.append(entry)
    downloaded = [(entry, _content(client, entry, aee)) for entry in fresh]
    return Fetched(downloaded, set(known), unlinked)


def store_fetched(run: Run, account: Account, batch: Iterable[Fetched]) -> dict[int, Verdict]:
    """Store what was fetched of one account's listings, in one transaction; the verdicts of
    the deposits whose returns changed."""
    batch = list(batch)
    downloaded = [item for fetched in batch for item in fetched.downloaded]
    unlinked = [entry for fetched in batch for entry in fetched.unlinked]
    if not (downloaded or unlinked):
        return {}
    known = set().union(*(fetched.known for fetched in batch))
    return _store_returns(run, account, downloaded, known, unlinked)


def _content(client: NetEntreprisesClient, entry: ReturnEntry, aee: bytes | None) -> bytes:
    """A return's content: the deposit's answer for its AEE, else downloaded."""
    if aee is not None and entry.nature == AEE_NATURE and entry.status == "OK":
        return aee
    return client.download(entry)


def _store_returns(
    run: Run,
    account: Account,
    downloaded: list[tuple[ReturnEntry, bytes]],
    known: set[tuple[str, str, str]],
    unlinked: list[ReturnEntry],
) -> dict[int, Verdict]:
    """Store downloaded returns, attach to their deposit those stored before it was known, and
    settle the deposits whose returns changed, in one transaction; their verdicts. ``known``:
    the identities stored when the listing was read."""
    changed: set[int] = set()
    with run.store.begin() as session:
        deposits: dict[str, Deposit | None] = {}

        def deposit_of(idflux: str) -> Deposit | None:
            if idflux not in deposits:
                deposits[idflux] = deposit_of_flux(session, account.key, idflux)
            return deposits[idflux]

        for entry in unlinked:
            deposit = deposit_of(entry.idflux)
            if deposit is not None and link_return(
                session, account.platform, _identity(entry), deposit.id
            ):
                changed.add(deposit.id)
        for entry, content in downloaded:
            deposit = deposit_of(entry.idflux)
            columns = {
                "platform": account.platform,
                "idflux": entry.idflux,
                "nature": entry.nature,
                "return_id": entry.return_id,
                "status": entry.status,
                "content": content,
                "deposit_id": deposit.id if deposit else None,
                "published_at": entry.published_at,
                "produced_at": entry.produced_at,
                "url": entry.url,
                "message": _platform_message(entry.nature, content),
            }
            if _identity(entry) not in known and add_new_return(session, **columns):
                kind = "new"
            else:
                change = store_return(session, **columns)
                kind = change.kind
                if kind == "overwritten":
                    _audit_overwritten(run, session, entry, deposit, change)
            if kind != "unchanged" and deposit is not None:
                changed.add(deposit.id)
        return {deposit_id: settle_in(session, deposit_id) for deposit_id in sorted(changed)}


def _audit_overwritten(
    run: Run, session: Session, entry: ReturnEntry, deposit: Deposit | None, change: ReturnChange
) -> None:
    run.audit_in(
        session,
        "dsn.return.overwritten",
        dossier=deposit.dossier if deposit else None,
        subject=f"{entry.idflux}/{entry.nature}/{entry.return_id}",
        outcome=entry.status,
        details={
            "previous_status": change.previous_status,
            "previous_sha256": change.previous_sha256,
            "sha256": change.stored.content_sha256,
        },
    )


def _audit_set_aside(run: Run, account: Account, set_aside: list[SetAside]) -> None:
    """Returns the platform listed without what identifies them: kept aside, never lost."""
    with run.store.begin() as session:
        for item in set_aside:
            deposit = deposit_of_flux(session, account.key, item.idflux) if item.idflux else None
            run.audit_in(
                session,
                "dsn.return.set-aside",
                dossier=deposit.dossier if deposit else None,
                subject=f"{item.idflux or '?'}/{item.nature or '?'}",
                outcome=item.status or "?",
                details={"reason": item.reason, "account": account.key},
            )


def _identity(entry: ReturnEntry) -> tuple[str, str, str]:
    return entry.idflux, entry.nature, entry.return_id


def settle(store: Store, deposit_ids: Iterable[int]) -> dict[int, Verdict]:
    """Derive and record the deposits' states from their stored returns, in one transaction."""
    with store.begin() as session:
        return {deposit_id: settle_in(session, deposit_id) for deposit_id in deposit_ids}


def settle_in(session: Session, deposit_id: int) -> Verdict:
    """Derive and record a deposit's state from its stored returns, in the caller's transaction."""
    deposit = session.get_one(Deposit, deposit_id)
    verdict, has_returns = _verdict(session, deposit)
    if DepositState(deposit.state) is not DepositState.REJECTED or has_returns:
        deposit.state = verdict.state.value
        deposit.message = verdict.message
        deposit.aer_available = verdict.aer_available
        deposit.final_at = deposit.final_at or (_now() if verdict.final else None)
        session.flush()
    return verdict


def verdict_of(store: Store, deposit_id: int) -> Verdict:
    """What a deposit's stored returns say, without recording it (it was, when they came)."""
    with store.read() as session:
        return _verdict(session, session.get_one(Deposit, deposit_id))[0]


def _verdict(session: Session, deposit: Deposit) -> tuple[Verdict, bool]:
    """The verdict of a deposit's stored returns, and whether it has any."""
    facts = [ReturnFact(*fact) for fact in return_facts(session, deposit.id)]
    return verdict_from_returns(deposit.nature or "", facts), bool(facts)


def refresh_flux(
    run: Run, account: Account, deposit_id: int, idflux: str, *, aee: bytes | None = None
) -> Followed:
    """List one deposit's returns, take the new ones (settling it), say where it stands."""
    taken = take_returns(run, account, account.client.list_flux_returns(idflux), aee=aee)
    verdict = taken.get(deposit_id) or verdict_of(run.store, deposit_id)
    return Followed(deposit_id, verdict)


@task(name="follow-returns", cache_policy=NO_CACHE)
def follow_returns(
    run: Run, account: Account, deposit_ids: list[int], *, seconds: float
) -> dict[int, Verdict]:
    """Look at the returns of the deposits until each is final or ``seconds`` have passed,
    and file the AER that came. What is not final by then is left to the returns control.
    """
    settings = run.settings
    deadline = time.monotonic() + seconds
    verdicts: dict[int, Verdict] = {}
    with run.store.read() as session:  # those a first look already settled are not asked again
        flux = unsettled_flux(session, deposit_ids)
    waiting = list(flux)
    logger = get_run_logger()

    def look(deposit_id: int) -> Followed:
        try:
            return refresh_flux(run, account, deposit_id, flux[deposit_id])
        except ConnectorError as error:  # this deposit waits for the next look, or the control
            logger.warning("retours du dépôt %s non lus : %s", deposit_id, error)
            return Followed(deposit_id, verdict_of(run.store, deposit_id))

    workers = settings.deposit_concurrency
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="follow") as pool:
        while waiting:
            followed = pool.map(look, waiting)
            for item in followed:
                verdicts[item.deposit_id] = item.verdict
            waiting = [d for d in waiting if not verdicts[d].final]
            if not waiting or time.monotonic() + settings.follow_poll_seconds > deadline:
                break
            time.sleep(settings.follow_poll_seconds)
    export_aer(run.store, deposit_ids, settings.aer_folder)
    return verdicts


def export_aer(store: Store, deposit_ids: Iterable[int], folder: Path) -> list[Path]:
    """Write the AER PDFs of these deposits under ``folder/<dossier>/<YYYY-MM>/``."""
    written = []
    with store.read() as session:
        for deposit, stored in aer_of(session, deposit_ids):
            if not stored.content:
                continue
            month = f"{deposit.month:%Y-%m}" if deposit.month else "sans-mois"
            name = f"{Path(deposit.file_name).stem}-AER-{stored.return_id}.pdf"
            target = inside(folder, deposit.dossier, month, name)  # UnsafePath if it escapes
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != stored.content:
                target.write_bytes(stored.content)
            written.append(target)
    return written


def _platform_message(nature: str, content: bytes) -> str | None:
    """The platform's first words on a rapport (the first blocking anomaly, if any)."""
    if nature not in RAPPORT_NATURES:
        return None
    try:
        rapport = parse_rapport(content)
    except ReturnParseError:
        return None
    messages = rapport.messages()
    return messages[0] if messages else None


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Taken:
    """What a returns control brought for one dossier."""

    with_new_returns: int  # deposits with new or overwritten returns
    settled: int
    aer: list[Path]

    def details(self) -> dict[str, object]:
        return {
            "with_new_returns": self.with_new_returns,
            "settled": self.settled,
            "aer": [str(p) for p in self.aer],
        }


@task(name="collect-account-returns", cache_policy=NO_CACHE)
def collect_account_returns(run: Run, account: Account, dossier: str) -> Taken:
    """List the account's returns since the last look, store them, settle the dossier's deposits."""
    store = run.store
    client = account.client
    now = client.now()
    with store.read() as session:
        cursor = listed_until(session, account.key)
        watched = [d.id for d in open_deposits(session, [dossier]) if d.idflux]
        watched += [d.id for d in deposits_waiting_for_aer(session, [dossier])]
        sent = [session.get_one(Deposit, i).sent_at for i in watched]
        sent = [moment for moment in sent if moment]
    start = cursor or (min(sent) - CLOCK_SKEW if sent else now - FIRST_LOOK)
    # A concentrateur lists the returns of every declarant it acts for in one call.
    listing = (
        client.list_concentrateur_returns
        if client.is_concentrateur
        else client.list_declarant_returns
    )
    changed = take_returns(run, account, listing(start, now)) if start < now else {}
    with store.begin() as session:
        set_listed_until(session, account.key, now)
    settled = sorted(set(watched) | set(changed))
    settle(store, (d for d in settled if d not in changed))
    return Taken(len(changed), len(settled), export_aer(store, settled, run.settings.aer_folder))
