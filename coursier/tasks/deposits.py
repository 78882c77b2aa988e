"""One file's deposit: recorded when it is not sent, claimed then POSTed once when it is.

A file is claimed in the store (:mod:`coursier.store.claims`) before the POST, and what the POST
gave is recorded after it. The platform's answer decides the fate (DESIGN.md):

- an AEE: deposited, its returns to follow; an ARE: rejected;
- a 429, a 4xx, a login that failed, a platform that cannot be reached (nothing went out): the
  file was not received, it stays "non déposée" and is sent again later;
- a cut, a timeout or a 5xx once the file went out: unknown, until reconciliation
  (:mod:`coursier.tasks.reconciling`) finds it in the platform's listing or finds it never
  arrived.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

import httpx
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from coursier.connectors.errors import ConnectorError, RateLimited, TransportError
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.connectors.net_entreprises.errors import DepositOutcomeUnknown, DepositRejected
from coursier.models.accounts import group_key
from coursier.models.deposits import Action, DepositState, Plan, plan_deposit
from coursier.models.portfolio import module_of_nature
from coursier.runkit import Run
from coursier.store import Store
from coursier.store.claims import SENDABLE, Claim, claim_deposit, finish_send
from coursier.store.ledger import add_deposit, find_deposit
from coursier.store.ledger_tables import Deposit
from coursier.store.m2m import m2m_enabled
from coursier.store.portfolio import DossierView
from coursier.tasks.accounts import Account
from coursier.tasks.dsn_reading import CheckedFile

STATE_OF_ACTION = {
    Action.BLOCK: DepositState.BLOCKED,
    Action.REFUSE: DepositState.REFUSED,
    Action.SKIP_M2M: DepositState.NOT_DEPOSITED_M2M,
}
#: Actions that leave the ledger row as it is.
LEDGER_DECIDES = frozenset({Action.KEEP, Action.FOLLOW, Action.RECONCILE})
#: Actions on a file another run sent: this run did nothing to it.
KEPT_ACTIONS = frozenset({Action.KEEP, Action.FOLLOW})
#: Actions that are no error of the file's.
QUIET_ACTIONS = frozenset({Action.KEEP, Action.FOLLOW, Action.SKIP_M2M})
UNREACHABLE = "plateforme injoignable"


@dataclass(frozen=True)
class FileResult:
    """What became of one file in this run, as far as this run took it.

    Its outcome (ok, failed, skipped) is decided at the end of the run from the ledger, once the
    returns followed have settled the state: a file whose bilan rejects it has failed.
    """

    path: str
    name: str
    sha256: str
    state: DepositState | None  # None: the file could not be read, or was not reached
    message: str
    error_code: str | None = None
    idflux: str | None = None
    deposit_id: int | None = None
    kept: bool = False  # final in an earlier run, left as it was
    skipped: bool = False  # another run holds it: this run did nothing to it
    item: str = ""  # the run's key for it: its path, "<path>#<rank>" for a lot's declaration

    @property
    def key(self) -> str:
        return self.item or self.path

    def details(self) -> dict[str, Any]:
        return {"path": self.path, "sha256": self.sha256, "idflux": self.idflux}


def unreadable(checked: CheckedFile) -> FileResult:
    return FileResult(
        checked.path,
        checked.name,
        "",
        None,
        checked.error or "",
        "unreadable-file",
        item=checked.item,
    )


def waiting(checked: CheckedFile, message: str) -> FileResult:
    """A file this run could not send in its time: a look-alike deposit was still unsettled."""
    return FileResult(
        checked.path, checked.name, checked.sha256, None, message, "waiting", item=checked.item
    )


def held(checked: CheckedFile, claim: Claim) -> FileResult:
    return FileResult(
        checked.path,
        checked.name,
        checked.sha256,
        DepositState(claim.state or DepositState.SENDING),
        f"Déjà en cours de dépôt par l'exécution {claim.holder} : laissé à celle-ci",
        deposit_id=claim.deposit_id,
        skipped=True,
        item=checked.item,
    )


def record_decision(run: Run, dossier: DossierView, checked: CheckedFile, plan: Plan) -> FileResult:
    """Record a file that is not sent in this run (blocked, refused, M2M off, already sent).

    A row that another run has meanwhile claimed or sent is left as it is: the result then
    reports its actual state.
    """
    with run.store.begin() as session:
        row = find_deposit(session, dossier.code, checked.sha256)
        if plan.action not in LEDGER_DECIDES:
            state = STATE_OF_ACTION[plan.action].value
            values = {"state": state, "message": plan.message}
            if row is None:
                row = add_deposit(session, **ledger_columns(run, dossier, checked), **values)
            elif row.state in SENDABLE:
                session.execute(
                    update(Deposit)
                    .where(Deposit.id == row.id, Deposit.state.in_(SENDABLE))
                    # This run's self-check: a norm or a check changed since the row was written.
                    .values(
                        **values,
                        anomalies=checked.anomalies,
                        operator=run.operator,
                        flow_run_id=run.flow_run_id,
                    )
                    .execution_options(synchronize_session=False)
                )
                session.refresh(row)
        if row is None:  # these actions come from an existing row
            raise RuntimeError(f"aucune ligne du registre pour {checked.name}")
        wanted = STATE_OF_ACTION.get(plan.action)
        return FileResult(
            checked.path,
            checked.name,
            checked.sha256,
            DepositState(row.state),
            plan.message if wanted is None or row.state == wanted else row.message or "",
            error_code=None if plan.action in QUIET_ACTIONS else plan.action.value,
            idflux=row.idflux,
            deposit_id=row.id,
            kept=plan.action in KEPT_ACTIONS and row.flow_run_id != run.flow_run_id,
            item=checked.item,
        )


def ledger_columns(run: Run, dossier: DossierView, checked: CheckedFile) -> dict[str, Any]:
    """The columns of a new ledger row for a checked file (its account comes with a claim)."""
    return {
        "dossier": dossier.code,
        "platform": dossier.platform,
        "module": _module(checked.nature),
        "file_name": checked.name,
        "file_path": checked.path,
        "file_sha256": checked.sha256,
        "file_size": checked.size,
        "nature": checked.nature,
        "declaration_type": checked.declaration_type,
        "siret": checked.siret,
        "month": checked.month,
        "period_start": checked.period_start,
        "period_end": checked.period_end,
        "employees": checked.employees,
        "business_id": checked.business_id,
        "declaration_rank": checked.order_number,
        "anomalies": checked.anomalies,
        "flow_run_id": run.flow_run_id,
        "operator": run.operator,
    }


def file_group(checked: CheckedFile) -> str:
    return group_key(checked.siret, checked.nature, checked.declaration_type)


def claim_file(run: Run, dossier: DossierView, account: Account, checked: CheckedFile) -> Claim:
    """Claim the file for this run in the store, before anything is sent."""
    columns = ledger_columns(run, dossier, checked)
    named = {**account.ledger_fields(), "operator": run.operator, "flow_run_id": run.flow_run_id}
    return claim_deposit(
        run.store,
        dossier=dossier.code,
        file_sha256=checked.sha256,
        account_key=account.key,
        group=file_group(checked),
        run_id=run.flow_run_id,
        new_row=lambda: {**columns, **named},
        account_fields=named,
    )


class Fate(StrEnum):
    DEPOSITED = "deposited"
    REJECTED = "rejected"
    NOT_RECEIVED = "not_received"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Sent:
    """What one POST of a claimed file gave."""

    result: FileResult
    fate: Fate
    retry_after: float | None = None  # a 429's wait, for a new try in this run
    aee: bytes | None = None  # the platform's answer to a deposit it received


class Posted(NamedTuple):
    """What one POST gave, before it is recorded."""

    fate: Fate
    message: str
    changes: dict[str, Any]  # the ledger row's new columns
    code: str | None = None
    retry_after: float | None = None
    aee: bytes | None = None


def send_claimed(
    run: Run, client: NetEntreprisesClient, checked: CheckedFile, deposit_id: int
) -> Sent:
    """POST a claimed file once and record what the platform answered."""
    fate, message, changes, code, retry_after, aee = _post(client, checked)
    try:
        with run.store.begin() as session:
            kept = finish_send(session, deposit_id, run.flow_run_id, **changes)
    except IntegrityError:  # the platform gave an idflux the ledger already holds
        fate, message, code, kept = _reissued(run, deposit_id, changes)
    if not kept:
        message = f"{message} — la ligne du registre a été reprise par le rapprochement entre-temps"
    result = FileResult(
        checked.path,
        checked.name,
        checked.sha256,
        DepositState(changes["state"]),
        message,
        code,
        idflux=changes.get("idflux"),
        deposit_id=deposit_id,
        item=checked.item,
    )
    return Sent(result, fate, retry_after, aee)


def _reissued(run: Run, deposit_id: int, changes: dict[str, Any]) -> tuple[Fate, str, str, bool]:
    """The platform reissued a known idflux: keep the deposit as received, say so, lose nothing."""
    idflux = changes.pop("idflux")
    message = (
        f"La plateforme a attribué à ce dépôt l'identifiant de flux {idflux}, déjà attribué à un "
        "autre dépôt de ce compte : le fichier est bien reçu (AEE), mais ses retours ne pourront "
        "pas lui être rattachés ; signalez-le au support de la plateforme"
    )
    with run.store.begin() as session:
        kept = finish_send(session, deposit_id, run.flow_run_id, **{**changes, "message": message})
    return Fate.DEPOSITED, message, "idflux-reissued", kept


def _post(client: NetEntreprisesClient, checked: CheckedFile) -> Posted:
    try:
        rapport = client.deposit(checked.content)
    except DepositRejected as rejected:
        message = str(rejected)
        changes = {"state": DepositState.REJECTED.value, "message": message, "final_at": _now()}
        if rejected.rapport is not None and rejected.rapport.idflux:
            changes["idflux"] = rejected.rapport.idflux
        return Posted(Fate.REJECTED, message, changes, "deposit-rejected")
    except DepositOutcomeUnknown as unknown:
        cause = unknown.__cause__
        if isinstance(cause, RateLimited):
            return _not_received(cause, "deposit-rate-limited", cause.retry_after)
        if _never_left(cause):
            return _not_received(cause, "platform-unreachable")
        message = str(unknown)
        changes = {"state": DepositState.UNKNOWN.value, "message": message}
        return Posted(Fate.UNKNOWN, message, changes, "deposit-unknown")
    except ConnectorError as error:  # refused before the file went out (login, headers, 4xx)
        return _not_received(error, _code(error))
    changes = {
        "state": DepositState.DEPOSITED.value,
        "message": "Déposée : en attente des comptes-rendus",
        "idflux": rapport.idflux,
        "deposited_at": rapport.received_at or _now(),
    }
    return Posted(Fate.DEPOSITED, changes["message"], changes, aee=rapport.document)


def _not_received(error: Exception, code: str, retry_after: float | None = None) -> Posted:
    if isinstance(error, TransportError) and not isinstance(error, RateLimited):
        message = f"Non déposée, {UNREACHABLE} ({error.summary}) : elle sera renvoyée"
        code = "platform-unreachable"
    else:
        message = f"Non déposée, non reçue par la plateforme ({error}) : elle sera renvoyée"
    changes = {"state": DepositState.NOT_SENT.value, "message": message}
    return Posted(Fate.NOT_RECEIVED, message, changes, code, retry_after)


def _never_left(error: BaseException | None) -> bool:
    """A transport error raised before the request was written (connection refused, DNS, TLS,
    connect timeout): the file never reached the platform."""
    while error is not None:
        if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
            return True
        error = error.__cause__
    return False


def _module(nature: str | None) -> str | None:
    try:
        return module_of_nature(nature or "")
    except ValueError:
        return None


def _code(error: Exception) -> str:
    """A stable, readable error code from the exception class: LoginRefused → login-refused."""
    name = type(error).__name__
    return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


def _now() -> datetime:
    return datetime.now(UTC)


def plan_files(
    store: Store, dossier: DossierView, files: list[CheckedFile], operator: str
) -> list[tuple[CheckedFile, Plan]]:
    """Decide for each readable file what happens, from its check, the ledger and M2M switches."""
    plans = []
    with store.read() as session:
        for checked in files:
            row = find_deposit(session, dossier.code, checked.sha256)
            module = _module(checked.nature)
            plan = plan_deposit(
                blocking=checked.blocking,
                siret=checked.siret,
                dossier_siren=dossier.siren,
                dossier_sirets=dossier.sirets,
                m2m_on=module is not None and m2m_enabled(session, operator, module),
                ledger_state=DepositState(row.state) if row else None,
            )
            plans.append((checked, plan))
    return plans
