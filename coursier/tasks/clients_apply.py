"""Applying a reviewed plan to Accounton, exactly once and audited (DESIGN "Nothing lost,
nothing twice").

- **create** each chosen new client, linked to the questionnaire (status "not sent"): claimed
  in the store first (target: its national number, else its e-mail); a claim found unsettled
  (a cut, a dead run) is reconciled by looking the customer up in Accounton by that number or
  e-mail before anything is sent again; a cut during the create is looked up at once, and the
  create is sent again only when Accounton has nothing;
- **update** only the chosen fields of a duplicate, and only those whose value in Accounton
  differs from the import's now (re-applying a plan changes nothing);
- **invite** (only when asked) each client this plan created, claimed like a create and
  reconciled through the customer's questionnaire status.

One Prefect task per batch of :data:`BATCH`; every change is audited (what, which customer,
what came back), never a secret.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.accounton.client import AccountonClient
from coursier.connectors.errors import ConnectorError, TransportError
from coursier.runkit import Run
from coursier.store import OutcomeIn
from coursier.store.client_import import Verdict, claim_send, settle, take_over

BATCH = 100
PROCEDURE = "client-import"


@dataclass(frozen=True)
class Target:
    """Where a batch goes: the dossier, the Accounton account, a client factory."""

    dossier: str
    account_key: str
    client: Callable[[], AccountonClient]
    questionnaire: str


@dataclass(frozen=True)
class Done:
    outcome: OutcomeIn
    customer_id: str | None = None


def identity(record: dict[str, Any]) -> str:
    """The client's stable key in the claims: its national number, else its e-mail."""
    if record.get("national_number"):
        return str(record["national_number"])
    return "email:" + str(record.get("email") or "").casefold()


def batches(items: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _look_up(client: AccountonClient, record: dict[str, Any]) -> dict[str, Any] | None:
    """The customer Accounton holds for ``record``: same number, else same e-mail and name."""
    if record.get("national_number"):
        found = client.find_customers(national_number=record["national_number"])
    else:
        found = [
            c
            for c in client.find_customers(email=record.get("email"))
            if (c["last_name"] or "").casefold() == (record.get("last_name") or "").casefold()
        ]
    return found[0] if found else None


def _ok(key: str, message: str, **details: Any) -> OutcomeIn:
    return OutcomeIn(key, "ok", message=message, details={"key": key, **details})


def _held(key: str) -> OutcomeIn:
    return OutcomeIn(key, "skipped", "held", "en cours dans une autre exécution", {"key": key})


def _failed(key: str, code: str, message: str, **details: Any) -> OutcomeIn:
    return OutcomeIn(key, "failed", code, message, {"key": key, **details})


@task(name="create-customers", cache_policy=NO_CACHE)
def create_customers(run: Run, target: Target, records: list[dict[str, Any]]) -> list[Done]:
    """Create one batch of new clients in Accounton (see the module)."""
    with target.client() as client:
        return [_create(run, target, client, record) for record in records]


def _create(run: Run, target: Target, client: AccountonClient, record: dict[str, Any]) -> Done:
    key = f"create:{record['import_id']}"
    claim = claim_send(
        run.store,
        account_key=target.account_key,
        action="create",
        target=identity(record),
        dossier=target.dossier,
        run_id=run.flow_run_id,
    )
    if claim.verdict is Verdict.DONE:
        customer = claim.result.get("customer_id")
        return Done(_ok(key, "déjà créé dans Accounton", customer_id=customer), customer)
    if claim.verdict is Verdict.HELD:
        return Done(_held(key))
    try:
        if claim.verdict is Verdict.UNSETTLED:
            found = _look_up(client, record)
            if found is not None:
                return _settled(run, target, claim.row_id, key, record, found, "reconciled")
            if not take_over(run.store, claim.row_id, run.flow_run_id):
                return Done(_held(key))
        return _send_create(run, target, client, claim.row_id, key, record)
    except ConnectorError as error:
        with run.store.begin() as session:
            settle(session, claim.row_id, "unknown", {"error": error.summary})
        return Done(_failed(key, type(error).__name__, str(error), import_id=record["import_id"]))


def _send_create(
    run: Run, target: Target, client: AccountonClient, row_id: int, key: str, record: dict
) -> Done:
    """The create, sent; after a cut, Accounton looked up, and the create sent once more only
    when it holds nothing."""
    for attempt in (1, 2):
        try:
            created = client.create_customer(record, target.questionnaire)
        except TransportError:
            found = _look_up(client, record)
            if found is not None:
                return _settled(run, target, row_id, key, record, found, "reconciled")
            if attempt == 2:
                raise
            continue
        return _settled(run, target, row_id, key, record, created, "created")
    raise AssertionError("unreachable")  # pragma: no cover


def _settled(
    run: Run, target: Target, row_id: int, key: str, record: dict, customer: dict, how: str
) -> Done:
    customer_id = customer["source_id"]
    with run.store.begin() as session:
        settle(session, row_id, "done", {"customer_id": customer_id})
        run.audit_in(
            session,
            f"clients.customer_{how}",
            dossier=target.dossier,
            subject=customer_id,
            outcome="ok",
            details={
                "import_id": record["import_id"],
                "customer_id": customer_id,
                "questionnaire": customer.get("questionnaire_id"),
                "questionnaire_status": customer.get("questionnaire_status"),
                "fields": sorted(k for k, v in record.items() if v and k != "import_id"),
            },
        )
    message = "créé dans Accounton" if how == "created" else "retrouvé dans Accounton"
    return Done(_ok(key, message, customer_id=customer_id), customer_id)


@task(name="update-customers", cache_policy=NO_CACHE)
def update_customers(
    run: Run,
    target: Target,
    changes: list[tuple[str, dict[str, str]]],
    current: dict[str, dict[str, Any]],
) -> list[OutcomeIn]:
    """Overwrite the chosen fields of one batch of duplicates, those that still differ."""
    outcomes = []
    with target.client() as client:
        for customer_id, fields in changes:
            outcomes.append(_update(run, target, client, customer_id, fields, current))
    return outcomes


def _update(
    run: Run,
    target: Target,
    client: AccountonClient,
    customer_id: str,
    fields: dict[str, str],
    current: dict[str, dict[str, Any]],
) -> OutcomeIn:
    key = f"update:{customer_id}"
    now = current.get(customer_id)
    if now is None:
        return _failed(key, "not_found", f"client {customer_id} absent d'Accounton : replanifiez")
    wanted = {f: v for f, v in fields.items() if not _same(f, now.get(f), v)}
    if not wanted:
        return _ok(key, "déjà à jour")
    try:
        client.update_customer(customer_id, wanted)
    except ConnectorError as error:
        return _failed(key, type(error).__name__, str(error))
    run.audit(
        "clients.customer_updated",
        dossier=target.dossier,
        subject=customer_id,
        outcome="ok",
        details={
            "customer_id": customer_id,
            "changes": {f: {"old": now.get(f), "new": v} for f, v in wanted.items()},
        },
    )
    return _ok(key, f"mis à jour : {', '.join(sorted(wanted))}")


def _same(field: str, old: object, new: object) -> bool:
    if field == "email":
        return str(old or "").casefold() == str(new or "").casefold()
    return (old or None) == (new or None)


@task(name="invite-customers", cache_policy=NO_CACHE)
def invite_customers(
    run: Run, target: Target, created: list[tuple[dict[str, Any], str]]
) -> list[OutcomeIn]:
    """Send the questionnaire's invitation to one batch of created clients, once each."""
    with target.client() as client:
        return [_invite(run, target, client, record, cid) for record, cid in created]


def _invite(
    run: Run, target: Target, client: AccountonClient, record: dict[str, Any], customer_id: str
) -> OutcomeIn:
    key = f"invite:{record['import_id']}"
    claim = claim_send(
        run.store,
        account_key=target.account_key,
        action="invite",
        target=customer_id,
        dossier=target.dossier,
        run_id=run.flow_run_id,
    )
    if claim.verdict is Verdict.DONE:
        return _ok(key, "invitation déjà envoyée")
    if claim.verdict is Verdict.HELD:
        return _held(key)
    try:
        if claim.verdict is Verdict.UNSETTLED:
            found = _look_up(client, record)
            if found is not None and found.get("questionnaire_status") == "sent":
                return _invited(run, target, claim.row_id, key, customer_id, "reconciled")
            if not take_over(run.store, claim.row_id, run.flow_run_id):
                return _held(key)
        client.invite(customer_id, target.questionnaire)
    except ConnectorError as error:
        with run.store.begin() as session:
            settle(session, claim.row_id, "unknown", {"error": error.summary})
        return _failed(key, type(error).__name__, str(error))
    return _invited(run, target, claim.row_id, key, customer_id, "sent")


def _invited(run: Run, target: Target, row_id: int, key: str, customer_id: str, how: str):
    with run.store.begin() as session:
        settle(session, row_id, "done", {"customer_id": customer_id})
        run.audit_in(
            session,
            f"clients.invitation_{how}",
            dossier=target.dossier,
            subject=customer_id,
            outcome="ok",
            details={"customer_id": customer_id, "questionnaire": target.questionnaire},
        )
    return _ok(key, "invitation envoyée", customer_id=customer_id)
