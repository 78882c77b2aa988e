"""A run of coursier that ends Failed, Crashed or Partial, posted to the installation's webhook.

The installation gives one webhook (a chat channel's, a ticketing tool's): it is saved as a
Prefect ``Webhook`` block (its URL is a secret: it often carries a token), and a Prefect
automation reacts to ``prefect.flow-run.Failed``, ``…Crashed`` and ``…Partial`` (the event
coursier's partial runs emit: a Completed state named Partial) of coursier's flows by calling
it with a JSON body: flow, run, state, its message (what went wrong, what to do) and the run's
address in the UI. A successful run posts nothing. Prefect's server does the calling: the
notification goes out even when the process that ran the flow is gone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit
from uuid import UUID

from prefect.automations import Automation
from prefect.blocks.webhook import Webhook
from prefect.client.orchestration import get_client
from prefect.events.actions import CallWebhook
from prefect.events.schemas.automations import EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from pydantic import SecretStr

from coursier.connectors.credentials import load
from coursier.deployments.automations import ensure_automation, remove_automation

BLOCK_NAME = "coursier-notifications"
AUTOMATION_NAME = "coursier — exécutions en échec ou partielles"
NOTIFIED_EVENTS = (
    "prefect.flow-run.Failed",
    "prefect.flow-run.Crashed",
    "prefect.flow-run.Partial",
)
# A Jinja template Prefect's server renders per event; the message goes through tojson, as it
# may hold quotes and line breaks.
PAYLOAD = (
    '{"source": "coursier", "flow": {{ flow.name|tojson }}, '
    '"flow_run": {{ flow_run.name|tojson }}, "flow_run_id": "{{ flow_run.id }}", '
    '"state": {{ flow_run.state.name|tojson }}, "message": {{ flow_run.state.message|tojson }}, '
    '"url": {{ (flow_run|ui_url)|tojson }}}'
)


@dataclass(frozen=True)
class NotificationSetup:
    """What ``coursier notifications status`` shows: where to, never the full URL."""

    destination: str
    automation_id: UUID


def notification_automation(flows: Iterable[str], webhook_id: UUID) -> Automation:
    """The automation calling the webhook block ``webhook_id`` for runs of ``flows``."""
    return Automation(
        name=AUTOMATION_NAME,
        description=(
            f"Prévient le webhook de l'installation quand une exécution de coursier "
            f"({', '.join(sorted(flows))}) finit en échec, plantée ou partielle. Créée par "
            "« coursier notifications set »."
        ),
        tags=["coursier"],
        trigger=EventTrigger(
            expect=set(NOTIFIED_EVENTS),
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "flow", "prefect.resource.name": sorted(flows)}
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Reactive,
            threshold=1,
            within=timedelta(0),
        ),
        actions=[CallWebhook(block_document_id=webhook_id, payload=PAYLOAD)],
    )


def set_webhook(
    url: str, flows: Iterable[str], *, allow_private: bool = False
) -> NotificationSetup:
    """Save ``url`` as the installation's webhook and ensure the automation calls it.
    ``allow_private``: a webhook on this machine or the local network (the sandbox's)."""
    webhook = Webhook(
        method="POST",
        url=SecretStr(url),
        headers={"Content-Type": "application/json"},
        allow_private_urls=allow_private,
    )
    webhook_id = webhook.save(BLOCK_NAME, overwrite=True)
    automation_id = ensure_automation(
        notification_automation(flows, webhook_id), "les échecs ne sont plus notifiés"
    )
    return NotificationSetup(destination(url), automation_id)


def ensure_notifications(flows: Iterable[str]) -> NotificationSetup | None:
    """At serving time: the automation brought up to date with ``flows`` (a procedure added
    since ``set``), when a webhook is saved; None when notifications are off."""
    webhook = load(Webhook, BLOCK_NAME)
    if webhook is None:
        return None
    webhook_id = webhook._block_document_id
    assert webhook_id is not None  # a loaded block has its document's id
    automation_id = ensure_automation(
        notification_automation(flows, webhook_id), "les échecs ne sont plus notifiés"
    )
    return NotificationSetup(destination(webhook.url.get_secret_value()), automation_id)


def turn_off() -> bool:
    """Delete the automation and the webhook; whether notifications were on."""
    removed = remove_automation(AUTOMATION_NAME)
    if load(Webhook, BLOCK_NAME) is not None:
        Webhook.delete(BLOCK_NAME)
        removed = True
    return removed


def status() -> NotificationSetup | None:
    webhook = load(Webhook, BLOCK_NAME)
    if webhook is None:
        return None
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(AUTOMATION_NAME)
    if not found:
        return None
    return NotificationSetup(destination(webhook.url.get_secret_value()), found[0].id)


def destination(url: str) -> str:
    """What may be shown of a webhook's URL: its scheme and host, never its path (the token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"
