"""Queries on the deposit ledger and the stored returns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import case, or_, select, update
from sqlalchemy.orm import Session

from coursier.models.control import ControlRow, declarations
from coursier.models.control import control_rows as control_view
from coursier.models.deposits import AER_NATURE, CONTROL_STATE_OF, ControlState, DepositState
from coursier.store.dialects import insert_for, insert_new
from coursier.store.ledger_tables import Deposit, ReturnCursor, StoredReturn
from coursier.store.tables import utcnow

IN_FLIGHT = [s.value for s in DepositState if s.in_flight]
#: Ids per ``IN (…)`` query: well under the bound parameters SQLite and PostgreSQL take.
IN_BATCH = 500


def find_deposit(session: Session, dossier: str, file_sha256: str) -> Deposit | None:
    return session.scalars(
        select(Deposit).where(Deposit.dossier == dossier, Deposit.file_sha256 == file_sha256)
    ).one_or_none()


def add_deposit(session: Session, **fields: Any) -> Deposit:
    """Insert a ledger row and flush it, so that it exists before anything is sent."""
    deposit = Deposit(**fields)
    session.add(deposit)
    session.flush()
    return deposit


def update_deposit(session: Session, deposit_id: int, **changes: Any) -> Deposit:
    deposit = session.get_one(Deposit, deposit_id)
    for name, value in changes.items():
        setattr(deposit, name, value)
    session.flush()
    return deposit


def open_deposits(session: Session, dossiers: Iterable[str] | None = None) -> list[Deposit]:
    """Deposits not yet final: sent (or maybe sent) and waiting for their returns."""
    query = select(Deposit).where(Deposit.state.in_(IN_FLIGHT)).order_by(Deposit.id)
    if dossiers is not None:
        query = query.where(Deposit.dossier.in_(list(dossiers)))
    return list(session.scalars(query))


def deposits_waiting_for_aer(
    session: Session, dossiers: Iterable[str] | None = None
) -> list[Deposit]:
    """Final end-of-contract deposits whose AER has not come yet (it comes after the bilan)."""
    query = select(Deposit).where(
        Deposit.nature == "07",
        Deposit.aer_available.is_(False),
        Deposit.state.in_([DepositState.ACCEPTED.value, DepositState.ANOMALIES.value]),
    )
    if dossiers is not None:
        query = query.where(Deposit.dossier.in_(list(dossiers)))
    return list(session.scalars(query.order_by(Deposit.id)))


def dossiers_with_deposits(session: Session) -> list[str]:
    """The dossiers that have sent something: their returns are worth a look."""
    query = select(Deposit.dossier).where(Deposit.idflux.is_not(None)).distinct()
    return sorted(session.scalars(query))


def known_idflux(session: Session, account_key: str, idfluxes: Iterable[str]) -> set[str]:
    """Which of these flux of the account the ledger already knows."""
    wanted = list(idfluxes)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Deposit.idflux).where(
                Deposit.account_key == account_key, Deposit.idflux.in_(wanted)
            )
        )
    )


def deposit_of_flux(session: Session, account_key: str, idflux: str) -> Deposit | None:
    return session.scalars(
        select(Deposit).where(Deposit.account_key == account_key, Deposit.idflux == idflux)
    ).one_or_none()


def control_rows(
    session: Session,
    *,
    dossier: str | None = None,
    start: date | None = None,
    end: date | None = None,
    natures: Iterable[str] | None = None,
    only_blocking: bool = False,
) -> list[Deposit]:
    """The files of the deposit control table in the order they were filed, filtered as on the
    control screen.

    ``start``/``end`` bound the declared month; ``only_blocking`` keeps the declarations whose
    latest file was refused or stopped by a blocking error (what is still to fix), with their
    earlier files.
    """
    query = select(Deposit).order_by(Deposit.dossier, Deposit.created_at, Deposit.id)
    if dossier:
        query = query.where(Deposit.dossier == dossier)
    if start:
        query = query.where(Deposit.month >= start.replace(day=1))
    if end:
        query = query.where(Deposit.month <= end)
    if natures:
        query = query.where(Deposit.nature.in_(list(natures)))
    files = list(session.scalars(query))
    if not only_blocking:
        return files
    still_to_fix = [
        declaration
        for declaration in declarations(files)
        if CONTROL_STATE_OF[DepositState(declaration[-1].state)] is ControlState.REJECTED
    ]
    kept = {id(deposit) for declaration in still_to_fix for deposit in declaration}
    return [deposit for deposit in files if id(deposit) in kept]


def control_table(session: Session, **filters: Any) -> list[ControlRow]:
    """The deposit control table with each file's detail; ``filters`` as :func:`control_rows`."""
    files = control_rows(session, **filters)
    return control_view(files, returns_by_deposit(session, (f.id for f in files)))


def returns_by_deposit(
    session: Session, deposit_ids: Iterable[int]
) -> dict[int, list[StoredReturn]]:
    """deposit id → its stored returns, oldest first, for the detail of these deposits."""
    wanted = list(deposit_ids)
    found: dict[int, list[StoredReturn]] = {deposit_id: [] for deposit_id in wanted}
    for start in range(0, len(wanted), IN_BATCH):
        query = (
            select(StoredReturn)
            .where(StoredReturn.deposit_id.in_(wanted[start : start + IN_BATCH]))
            .order_by(StoredReturn.published_at, StoredReturn.id)
        )
        for stored in session.scalars(query):
            found[stored.deposit_id].append(stored)
    return found


def deposits_named(session: Session, name: str, dossier: str | None = None) -> list[Deposit]:
    """The files a person names by their idflux, file name, path or sha256, oldest first."""
    query = (
        select(Deposit)
        .where(
            or_(
                Deposit.idflux == name,
                Deposit.file_name == name,
                Deposit.file_path == name,
                Deposit.file_sha256 == name.lower(),
            )
        )
        .order_by(Deposit.dossier, Deposit.created_at, Deposit.id)
    )
    if dossier:
        query = query.where(Deposit.dossier == dossier)
    return list(session.scalars(query))


@dataclass(frozen=True)
class ReturnChange:
    """What storing a return did: new, overwritten (with what it had before) or unchanged."""

    kind: Literal["new", "overwritten", "unchanged"]
    stored: StoredReturn
    previous_status: str | None = None
    previous_sha256: str | None = None


def stored_return(
    session: Session, platform: str, idflux: str, nature: str, return_id: str
) -> StoredReturn | None:
    return session.scalars(
        select(StoredReturn).where(
            StoredReturn.platform == platform,
            StoredReturn.idflux == idflux,
            StoredReturn.nature == nature,
            StoredReturn.return_id == return_id,
        )
    ).one_or_none()


def store_return(
    session: Session,
    *,
    platform: str,
    idflux: str,
    nature: str,
    return_id: str,
    status: str,
    content: bytes,
    deposit_id: int | None,
    published_at: datetime | None = None,
    produced_at: datetime | None = None,
    url: str | None = None,
    message: str | None = None,
) -> ReturnChange:
    """Keep a downloaded return; an overwritten one replaces the stored content."""
    digest = hashlib.sha256(content).hexdigest()
    current = stored_return(session, platform, idflux, nature, return_id)
    if current is None:
        current = StoredReturn(
            platform=platform,
            idflux=idflux,
            nature=nature,
            return_id=return_id,
            status=status,
            content=content,
            content_sha256=digest,
            deposit_id=deposit_id,
            published_at=published_at,
            produced_at=produced_at,
            url=url,
            message=message,
        )
        session.add(current)
        session.flush()
        return ReturnChange("new", current)
    if current.content_sha256 == digest and current.status == status:
        return ReturnChange("unchanged", current)
    change = ReturnChange("overwritten", current, current.status, current.content_sha256)
    current.status = status
    current.content = content
    current.content_sha256 = digest
    current.published_at = published_at
    current.produced_at = produced_at
    current.url = url
    current.message = message
    current.version += 1
    current.fetched_at = utcnow()
    current.deposit_id = current.deposit_id or deposit_id
    session.flush()
    return change


@dataclass(frozen=True)
class KnownReturn:
    status: str
    published_at: datetime | None
    linked: bool  # attached to its deposit

    def shows(self, status: str, published_at: datetime | None) -> bool:
        """Whether a listed return is this one, unchanged."""
        return (self.status, self.published_at) == (status, published_at)


def returns_by_identity(
    session: Session, platform: str, idfluxes: Iterable[str]
) -> dict[tuple[str, str, str], KnownReturn]:
    """(idflux, nature, return id) → what is stored of the returns of these flux."""
    wanted = list(idfluxes)
    if not wanted:
        return {}
    query = select(
        StoredReturn.idflux,
        StoredReturn.nature,
        StoredReturn.return_id,
        StoredReturn.status,
        StoredReturn.published_at,
        StoredReturn.deposit_id,
    ).where(StoredReturn.platform == platform, StoredReturn.idflux.in_(wanted))
    return {
        (idflux, nature, rid): KnownReturn(status, at, deposit_id is not None)
        for idflux, nature, rid, status, at, deposit_id in session.execute(query)
    }


def link_return(
    session: Session, platform: str, identity: tuple[str, str, str], deposit_id: int
) -> bool:
    """Attach a return stored before its deposit was known (a concentrateur's listing brings
    every declarant's returns) to that deposit; whether it was still unattached."""
    idflux, nature, return_id = identity
    statement = (
        update(StoredReturn)
        .where(
            StoredReturn.platform == platform,
            StoredReturn.idflux == idflux,
            StoredReturn.nature == nature,
            StoredReturn.return_id == return_id,
            StoredReturn.deposit_id.is_(None),
        )
        .values(deposit_id=deposit_id)
        .execution_options(synchronize_session=False)
    )
    return session.execute(statement).rowcount == 1


def add_new_return(session: Session, **columns: Any) -> bool:
    """Store a return not seen before; False when one of the same identity is already stored
    (another run took it meanwhile): use :func:`store_return`."""
    columns["content_sha256"] = hashlib.sha256(columns["content"]).hexdigest()
    identity = ("platform", "idflux", "nature", "return_id")
    return insert_new(session, StoredReturn.__table__, identity, columns) is not None


def return_facts(
    session: Session, deposit_id: int
) -> list[tuple[str, str, datetime | None, str | None]]:
    """(nature, status, published, message) of a deposit's stored returns, oldest first."""
    query = (
        select(
            StoredReturn.nature,
            StoredReturn.status,
            StoredReturn.published_at,
            StoredReturn.message,
        )
        .where(StoredReturn.deposit_id == deposit_id)
        .order_by(StoredReturn.published_at, StoredReturn.id)
    )
    return [tuple(row) for row in session.execute(query)]


def unsettled_flux(session: Session, deposit_ids: Iterable[int]) -> dict[int, str]:
    """deposit id → idflux of those of these deposits that are sent and not final yet."""
    wanted = list(deposit_ids)
    if not wanted:
        return {}
    rows = session.execute(
        select(Deposit.id, Deposit.idflux)
        .where(Deposit.id.in_(wanted), Deposit.final_at.is_(None), Deposit.idflux.is_not(None))
        .order_by(Deposit.id)
    )
    return {deposit_id: idflux for deposit_id, idflux in rows}


def aer_of(session: Session, deposit_ids: Iterable[int]) -> list[tuple[Deposit, StoredReturn]]:
    """The stored AER of these deposits, each with its deposit."""
    wanted = list(deposit_ids)
    if not wanted:
        return []
    query = (
        select(Deposit, StoredReturn)
        .join(StoredReturn, StoredReturn.deposit_id == Deposit.id)
        .where(Deposit.id.in_(wanted), StoredReturn.nature == AER_NATURE)
        .order_by(Deposit.id, StoredReturn.published_at, StoredReturn.id)
    )
    return [(deposit, stored) for deposit, stored in session.execute(query)]


def returns_of(session: Session, deposit_id: int) -> list[StoredReturn]:
    return list(
        session.scalars(
            select(StoredReturn)
            .where(StoredReturn.deposit_id == deposit_id)
            .order_by(StoredReturn.published_at, StoredReturn.id)
        )
    )


def listed_until(session: Session, account_key: str) -> datetime | None:
    cursor = session.get(ReturnCursor, account_key)
    return cursor.listed_until if cursor else None


def set_listed_until(session: Session, account_key: str, when: datetime) -> None:
    """Move the account's cursor to ``when``, never back: two returns controls of one account
    at once (two processes) both get through, and the later look is the one kept."""
    insert = insert_for(session.get_bind().dialect.name)(ReturnCursor)
    statement = insert.values(account_key=account_key, listed_until=when).on_conflict_do_update(
        index_elements=[ReturnCursor.account_key],
        set_={
            "listed_until": case(
                (
                    insert.excluded.listed_until > ReturnCursor.listed_until,
                    insert.excluded.listed_until,
                ),
                else_=ReturnCursor.listed_until,
            )
        },
    )
    session.execute(statement)
