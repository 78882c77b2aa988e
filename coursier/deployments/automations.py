"""The Prefect automation that marks coursier's killed runs Crashed instead of leaving them Running.

Prefect's "detect zombie flows" automation (docs/v3/advanced/detect-zombie-flows.mdx): a
proactive trigger that, after a run's ``prefect.flow-run.heartbeat``, expects any event of that
run (``prefect.flow-run.*``: its next heartbeat or a state, "Partial" included) within three
heartbeats; when none comes, "change flow run state" to CRASHED. It is limited to coursier's
flows, so another team's flows on the same server, beating at Prefect's default 180 s, are not
crashed by our 90 s window. The change is not forced: Prefect refuses to crash a run that
already ended, so a heartbeat arriving just after the end does no harm.

:func:`ensure_zombie_automation` creates it once and brings it back to this definition when it
drifted; it leaves an automation someone disabled in the UI disabled, with a warning.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from uuid import UUID

from prefect.automations import Automation
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.events.actions import ChangeFlowRunState
from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture
from prefect.events.schemas.events import ResourceSpecification
from prefect.logging import get_logger

from coursier.tasks.prefect_guards import HEARTBEAT_EVENT, HEARTBEAT_SECONDS

AUTOMATION_NAME = "coursier — exécutions mortes"
MISSED_HEARTBEATS = 3
"""Heartbeats missed in a row before a run is declared dead (Prefect's documented rule)."""

_COMPARED = (
    "description",
    "tags",
    "trigger",
    "actions",
    "actions_on_trigger",
    "actions_on_resolve",
)

logger = get_logger("coursier")


def zombie_automation(
    flows: Iterable[str], *, heartbeat_seconds: int = HEARTBEAT_SECONDS
) -> Automation:
    """The automation for runs of ``flows`` (flow names) beating every ``heartbeat_seconds``."""
    window = heartbeat_seconds * MISSED_HEARTBEATS
    return Automation(
        name=AUTOMATION_NAME,
        description=(
            f"Passe en Crashed une exécution de coursier ({', '.join(sorted(flows))}) qui "
            f"n'envoie plus de battement de cœur depuis {window} s (processus tué, machine "
            "arrêtée) au lieu de la laisser Running. Créée par « coursier serve »."
        ),
        tags=["coursier"],
        trigger=EventTrigger(
            after={HEARTBEAT_EVENT},
            expect={"prefect.flow-run.*"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            match_related=ResourceSpecification(
                {"prefect.resource.role": "flow", "prefect.resource.name": sorted(flows)}
            ),
            for_each={"prefect.resource.id"},
            posture=Posture.Proactive,
            threshold=1,
            within=timedelta(seconds=window),
        ),
        actions=[
            ChangeFlowRunState(
                state=StateType.CRASHED,
                message=(
                    f"Exécution arrêtée sans prévenir : aucun battement de cœur depuis {window} s "
                    "(processus tué ou machine arrêtée). Relancez-la : ce que la plateforme a "
                    "déjà reçu n'est pas renvoyé."
                ),
            )
        ],
    )


def ensure_zombie_automation(
    flows: Iterable[str], *, heartbeat_seconds: int = HEARTBEAT_SECONDS
) -> UUID:
    """Create the zombie automation, or update it to :func:`zombie_automation`; its id."""
    return ensure_automation(
        zombie_automation(flows, heartbeat_seconds=heartbeat_seconds),
        "une exécution tuée restera Running",
    )


def ensure_automation(wanted: Automation, when_disabled: str) -> UUID:
    """Create ``wanted``, or bring the automation of its name back to it; its id.

    Idempotent; a second copy (two servers started at once) is deleted. One disabled in the UI
    stays disabled, with a warning saying ``when_disabled`` (what is lost). The Prefect API's
    errors (``httpx.HTTPError``) propagate: the caller says what to do."""
    with get_client(sync_client=True) as client:
        found = sorted(client.read_automations_by_name(wanted.name), key=lambda a: str(a.id))
        if not found:
            return client.create_automation(AutomationCore(**wanted.model_dump(exclude={"id"})))
        kept, *copies = found
        for copy in copies:
            client.delete_automation(copy.id)
        if _compared(kept) != _compared(wanted):
            update = wanted.model_dump(exclude={"id", "owner_resource"}) | {"enabled": kept.enabled}
            client.update_automation(kept.id, AutomationCore(**update))
        if not kept.enabled:
            logger.warning(
                "L'automatisation Prefect « %s » est désactivée : %s. Réactivez-la dans "
                "l'interface Prefect (Automations).",
                wanted.name,
                when_disabled,
            )
        return kept.id


def remove_automation(name: str) -> bool:
    """Delete every automation named ``name``; whether there was one."""
    with get_client(sync_client=True) as client:
        found = client.read_automations_by_name(name)
        for automation in found:
            client.delete_automation(automation.id)
    return bool(found)


def _compared(automation: AutomationCore) -> dict[str, Any]:
    return automation.model_dump(include=set(_COMPARED))
