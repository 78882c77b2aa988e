"""Prefect's side of "nothing lost, nothing twice": a second run of a dossier queues behind the
first, and a run tells Prefect it is alive so that a killed one ends Crashed, not Running.

Neither guarantees anything: the store's claim is what makes a deposit happen once. Both only
make Prefect's picture true, so they give way when the Prefect API does not answer.

- :func:`dossier_slot` occupies the one slot of a global concurrency limit named after the flow
  and the dossier (``coursier--dsn-deposit--cch-001``), created when missing. A second run of the
  same dossier waits for it; runs of other dossiers do not. The slot is leased: a killed run's
  slot comes back when its lease expires (:data:`SLOT_LEASE_SECONDS`, plus the server's
  repossessor pass, 15 s by default).
- :func:`emit_flow_run_heartbeat` sends the ``prefect.flow-run.heartbeat`` event exactly as
  Prefect's flow engine does (``prefect/flow_engine.py``, ``_emit_flow_run_heartbeat``): the
  zombie automation (``coursier.deployments.automations``) crashes a run whose heartbeats stop.
  Prefect's engine already beats every ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` seconds in every
  run, direct calls included; :func:`flow_heartbeats` sets that frequency where a run starts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from uuid import UUID

import httpx
from prefect import __version__ as prefect_version
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import (
    GlobalConcurrencyLimitCreate,
    GlobalConcurrencyLimitUpdate,
)
from prefect.client.schemas.objects import ConcurrencyLeaseHolder
from prefect.client.schemas.responses import GlobalConcurrencyLimitResponse
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.concurrency.sync import concurrency
from prefect.events import Event, RelatedResource, emit_event
from prefect.events.related import tags_as_related_resources
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound, PrefectException
from prefect.logging import get_logger, get_run_logger
from prefect.runtime import flow_run
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from coursier.models.portfolio import slug

HEARTBEAT_SECONDS = 30
"""How often a run beats: Prefect's minimum (``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` >= 30)."""

HEARTBEAT_EVENT = "prefect.flow-run.heartbeat"

SLOT_LEASE_SECONDS = 60.0
"""A held slot is renewed every 45 s; a killed run's slot is free again after about a minute."""

# What an unreachable or failing API raises: a transport or status error from the client, or,
# from the slot acquisition, ConcurrencySlotAcquisitionError wrapping one (or a limit deleted
# between creation and acquisition).
_API_ERRORS = (httpx.HTTPError, PrefectException, ConcurrencySlotAcquisitionError, OSError)


class DossierBusy(Exception):
    """Another run held the dossier for longer than the run agreed to wait."""


def slot_name(flow: str, dossier: str) -> str:
    """The limit's name: ``coursier--<flow>--<dossier>`` in slugs (a limit name may not hold
    ``/ % & < >``). The portfolio refuses two dossier codes with the same slug."""
    return f"coursier--{slug(flow)}--{slug(dossier)}"


@contextmanager
def dossier_slot(
    flow: str, dossier: str, *, timeout_seconds: float | None = None
) -> Iterator[bool]:
    """Hold ``dossier``'s slot for ``flow`` while the block runs; wait for it if another run
    holds it. Yields True when held, False when the Prefect API did not answer (a warning says
    so and the block runs anyway: the store's claim still keeps deposits exactly-once).

    Raises :class:`DossierBusy` when the slot stays taken longer than ``timeout_seconds``
    (None: wait as long as it takes, as a queue does)."""
    with ExitStack() as held:
        yield _occupy(held, flow, dossier, timeout_seconds)


def _occupy(held: ExitStack, flow: str, dossier: str, timeout_seconds: float | None) -> bool:
    """Enter the slot into ``held``: True once occupied, False if the API did not answer."""
    name = slot_name(flow, dossier)
    logger = _logger()
    try:
        limit = _ensure_limit(name)
        if limit.active_slots >= limit.limit:
            logger.info(
                "Dossier %s : une autre exécution de %s le traite déjà ; celle-ci attend son "
                "tour (limite Prefect %s).",
                dossier,
                flow,
                name,
            )
        held.enter_context(
            concurrency(
                name,
                timeout_seconds=timeout_seconds,
                lease_duration=SLOT_LEASE_SECONDS,
                strict=True,
                holder=_holder(),
                raise_on_lease_renewal_failure=False,
            )
        )
    except TimeoutError:
        raise DossierBusy(
            f"Dossier {dossier} : une autre exécution de {flow} le traite depuis plus de "
            f"{timeout_seconds:g} s ; relancez quand elle sera terminée."
        ) from None
    except _API_ERRORS as error:
        logger.warning(
            "Dossier %s : l'API Prefect ne répond pas (%s) ; l'exécution continue sans file "
            "d'attente, la réservation du store empêche toujours un double dépôt.",
            dossier,
            type(error).__name__,
        )
        return False
    return True


def emit_flow_run_heartbeat(flow_run_id: UUID | str) -> Event | None:
    """Tell Prefect the run is alive: the engine's heartbeat event for ``flow_run_id``. Returns
    the event, or None when the API could not describe the run (a warning, no traceback)."""
    try:
        resource, related = _heartbeat_template(str(flow_run_id))
    except _API_ERRORS as error:
        _logger().warning(
            "Battement de cœur de l'exécution %s non envoyé : l'API Prefect ne répond pas (%s).",
            flow_run_id,
            type(error).__name__,
        )
        return None
    return emit_event(event=HEARTBEAT_EVENT, resource=dict(resource), related=list(related))


@contextmanager
def flow_heartbeats(seconds: int = HEARTBEAT_SECONDS) -> Iterator[None]:
    """Flow runs started inside beat every ``seconds`` (the zombie automation's rhythm): for
    direct calls; ``coursier serve`` gives the same frequency to the runs it starts."""
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: seconds}):
        yield


def _ensure_limit(name: str) -> GlobalConcurrencyLimitResponse:
    with get_client(sync_client=True) as client:
        try:
            limit = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it first
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
            return client.read_global_concurrency_limit_by_name(name)
        if limit.limit != 1 or not limit.active:
            client.update_global_concurrency_limit(
                name, GlobalConcurrencyLimitUpdate(limit=1, active=True)
            )
            limit = client.read_global_concurrency_limit_by_name(name)
        return limit


@functools.lru_cache(maxsize=64)
def _heartbeat_template(
    flow_run_id: str,
) -> tuple[tuple[tuple[str, str], ...], tuple[RelatedResource, ...]]:
    """What ``BaseFlowRunEngine._build_heartbeat_event_template`` builds, read once per run."""
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(UUID(flow_run_id))
        flow = client.read_flow(run.flow_id)
    resource = {
        "prefect.resource.id": f"prefect.flow-run.{run.id}",
        "prefect.resource.name": run.name or "",
        "prefect.version": prefect_version,
    }
    related = [
        RelatedResource.model_validate(
            {
                "prefect.resource.id": f"prefect.flow.{run.flow_id}",
                "prefect.resource.role": "flow",
                "prefect.resource.name": flow.name,
            }
        )
    ]
    if run.deployment_id:
        related.append(
            RelatedResource.model_validate(
                {
                    "prefect.resource.id": f"prefect.deployment.{run.deployment_id}",
                    "prefect.resource.role": "deployment",
                }
            )
        )
    related += tags_as_related_resources(set(run.tags or []))
    return tuple(resource.items()), tuple(related)


def _holder() -> ConcurrencyLeaseHolder | None:
    """The current flow run, shown by Prefect as the slot's holder."""
    run_id = flow_run.get_id()
    return ConcurrencyLeaseHolder(type="flow_run", id=UUID(run_id)) if run_id else None


def _logger() -> logging.Logger | logging.LoggerAdapter:
    try:
        return get_run_logger()
    except Exception:  # outside a run: no run logger
        return get_logger("coursier")
