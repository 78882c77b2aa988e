"""The platforms' published call budgets, held by every worker of the firm together through
Prefect global concurrency limits used as rate limits.

A budget is the firm's (one account, one token), not a process's: AdminPulse's 480 calls a
minute (PROTOCOLS.md §4) is shared by every worker pulling for the firm. ``coursier init``
creates one limit per budget on the Prefect server (:func:`ensure_rate_limits`, idempotent);
inside a flow run against a Prefect server, each HTTP call of the platform's connector first
takes a slot of it (:func:`take_slot`: ``prefect.concurrency.sync.rate_limit(name,
strict=True)``, one request to the server per call): a missing limit fails the call saying to
run ``coursier init`` rather than letting a worker spend the budget alone. Outside any flow run
(``coursier clients credentials test``) or in Prefect's ephemeral mode (one process, no server
to share) the connector's own pacer is the only limit.

Prefect's rate limit is a token bucket (``prefect/server/models/concurrency_limits_v2.py``):
``limit`` slots, each freed at ``slot_decay_per_second`` (floored at each update, which only
slows it). In any W seconds it grants at most ``limit + W × decay`` slots, and the platform
counts a sliding window: both are chosen so that this stays under the budget with a margin for
the clocks and for the moments between a slot's grant and the call's arrival.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from coursier.connectors.errors import ConnectorError, TransportError

#: What we allow ourselves of a budget: 2 % under it (clocks, grant-to-arrival delays).
SHARE = 0.98
#: Longest wait for a slot before the call is given up as a transport error (retried).
SLOT_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class CallBudget:
    """``calls`` per ``seconds`` for every call to ``platform``, whoever makes it."""

    platform: str
    calls: int
    seconds: float = 60.0

    @property
    def name(self) -> str:
        """The Prefect global concurrency limit that holds it."""
        return f"coursier-{self.platform}-calls"

    @property
    def burst(self) -> int:
        """Slots taken at once: one second's worth of the budget."""
        return max(1, math.floor(self.calls / self.seconds))

    @property
    def decay(self) -> float:
        """Slots freed per second, so that ``burst + seconds × decay`` is our share."""
        return (math.floor(self.calls * SHARE) - self.burst) / self.seconds


#: Every platform with a published call budget (PROTOCOLS.md): the others publish none.
BUDGETS: dict[str, CallBudget] = {
    budget.platform: budget for budget in (CallBudget("adminpulse", calls=480, seconds=60),)
}


class RateLimitMissing(ConnectorError):
    """The Prefect server has no limit for a platform's budget: ``coursier init`` creates it."""


def ensure_rate_limits(budgets: tuple[CallBudget, ...] = tuple(BUDGETS.values())) -> list[str]:
    """Create or correct (active, size, decay) each budget's limit on the Prefect API; the
    names of those created or changed. Safe when two machines run it at once."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import (
        GlobalConcurrencyLimitCreate,
        GlobalConcurrencyLimitUpdate,
    )
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    changed = []
    with get_client(sync_client=True) as client:
        for budget in budgets:
            wanted = {"limit": budget.burst, "slot_decay_per_second": budget.decay, "active": True}
            try:
                found = client.read_global_concurrency_limit_by_name(budget.name)
            except ObjectNotFound:
                try:
                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(name=budget.name, **wanted)
                    )
                    changed.append(budget.name)
                    continue
                except ObjectAlreadyExists:  # another machine created it first
                    found = client.read_global_concurrency_limit_by_name(budget.name)
            if any(getattr(found, key) != value for key, value in wanted.items()):
                client.update_global_concurrency_limit(
                    budget.name, GlobalConcurrencyLimitUpdate(**wanted)
                )
                changed.append(budget.name)
    return changed


def shared_run() -> bool:
    """Whether this code runs in a flow or task run against a Prefect server (not ephemeral)."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.settings import get_current_settings

    in_run = FlowRunContext.get() is not None or TaskRunContext.get() is not None
    return in_run and bool(get_current_settings().api.url)


def take_slot(budget: CallBudget) -> None:
    """Wait for a slot of ``budget`` on the Prefect server when in a shared run, else nothing."""
    if not shared_run():
        return
    from prefect.concurrency.asyncio import (
        AcquireConcurrencySlotTimeoutError,
        ConcurrencySlotAcquisitionError,
    )
    from prefect.concurrency.sync import rate_limit

    try:
        rate_limit(budget.name, timeout_seconds=SLOT_TIMEOUT_SECONDS, strict=True)
    except AcquireConcurrencySlotTimeoutError:
        raise TransportError(
            f"pas de créneau d'appel {budget.platform} en {SLOT_TIMEOUT_SECONDS:.0f} s (limite "
            f"{budget.name} du serveur Prefect) : d'autres exécutions l'épuisent, réessayez"
        ) from None
    except ConcurrencySlotAcquisitionError as error:
        raise _slot_refused(budget, error.__cause__) from None


def _slot_refused(budget: CallBudget, cause: BaseException | None) -> ConnectorError:
    """Our error for a slot not given: no limit (strict), a limit refused, or no server."""
    import httpx

    if cause is None or isinstance(cause, httpx.HTTPStatusError):
        refused = "n'existe pas" if cause is None else f"est refusée ({cause.response.status_code})"
        return RateLimitMissing(
            f"la limite de débit {budget.name} {refused} sur le serveur Prefect : lancez "
            "`coursier init` (avec PREFECT_API_URL de ce serveur), puis relancez"
        )
    return TransportError(
        f"le serveur Prefect ne donne pas de créneau d'appel {budget.platform} "
        f"({type(cause).__name__}) : vérifiez PREFECT_API_URL, puis réessayez"
    )
