"""Sends to Loop made exactly once: read, claim, send, reconcile (DESIGN "Nothing lost, nothing
twice").

Before any send Loop is read (the activation, the contact, the service may have been done by
hand in Loop's screens, or by a run cut off): found, it is recorded done and nothing is sent.
Otherwise the send is claimed in the store (:func:`coursier.store.cegid.claim_send`): a send
held by another live run is not made. A 409 means done. After a cut, a timeout or a 5xx the
outcome is unknown: Loop is read again, and only what it does not show is sent once more; a
second unknown stays ``unknown`` in the store, and the next run reconciles it the same way.
Each send is audited with what came back, never a secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from coursier.connectors.cegid_loop.errors import AlreadyDone
from coursier.connectors.errors import TransportError
from coursier.runkit import Run
from coursier.store.cegid import claim_send, settle_send
from coursier.tasks.cegid_accounts import LoopAccount

Read = Callable[[], dict[str, Any] | None]
Send = Callable[[], dict[str, Any]]


class SendHeld(Exception):
    """Another run is making this send right now."""


class SendUnknown(Exception):
    """Sent, cut twice, and Loop does not show it: the next run reconciles it."""


@dataclass(frozen=True)
class Sent:
    """What a send gave: Loop's answer (or what reading it found), and whether it was sent
    by this call (False: found done)."""

    result: dict[str, Any]
    sent_now: bool


def exactly_once(
    run: Run,
    account: LoopAccount,
    action: str,
    target: str,
    *,
    dossier: str | None,
    read: Read,
    send: Send,
) -> Sent:
    """Make ``send`` once for (account, action, target), unless ``read`` finds it done."""
    claim = claim_send(
        run.store,
        account_key=account.key,
        action=action,
        target=target,
        dossier=dossier,
        run_id=run.flow_run_id,
        lease=timedelta(seconds=run.settings.claim_lease_seconds),
    )
    if claim.outcome == "done":
        return Sent(claim.result, False)
    if claim.outcome == "held":
        raise SendHeld(
            f"{action} de {target or 'cabinet'} en cours dans l'exécution {claim.holder}"
        )
    found = read()
    if found is not None:
        _settle(run, claim.send_id, action, target, dossier, "done", found, "found")
        return Sent(found, False)
    for attempt in (1, 2):
        try:
            answer = send()
        except AlreadyDone:
            answer = read() or {}
        except TransportError as error:
            found = read()
            if found is not None:
                _settle(run, claim.send_id, action, target, dossier, "done", found, "found")
                return Sent(found, True)
            if attempt == 2:
                _settle(run, claim.send_id, action, target, dossier, "unknown", {}, str(error))
                raise SendUnknown(
                    f"{action} : issue inconnue après deux coupures ({error.summary}) ; la "
                    "prochaine exécution lira Loop avant tout nouvel envoi"
                ) from error
            continue
        _settle(run, claim.send_id, action, target, dossier, "done", answer, "sent")
        return Sent(answer, True)
    raise AssertionError("unreachable")  # pragma: no cover


def _settle(
    run: Run,
    send_id: int,
    action: str,
    target: str,
    dossier: str | None,
    state: str,
    result: dict[str, Any],
    how: str,
) -> None:
    with run.store.begin() as session:
        settle_send(session, send_id, run.flow_run_id, state, result)
        run.audit_in(
            session,
            f"cegid.{action}",
            dossier=dossier,
            subject=target or "cabinet",
            outcome="ok" if state == "done" else "unknown",
            details={"how": how, "result_id": result.get("id")},
        )
