"""Deposits of DSN files and what their returns make of them: states, control rows, reconciling.

A deposit goes through the states of :class:`DepositState`; the control table shows the four
final ones of the M2M help page (:class:`ControlState`): accepted, anomalies to check, rejected
(blocking), not deposited M2M; and two that are not final: waiting for the returns (sent, or
maybe sent, with no bilan yet) and not deposited (never received, sent again). The state after
the deposit is read from the returns: the bilan (nature 11, BAN or CCO) decides, an AER
(nature 44) is noted for end-of-contract signals.

Reconciling answers "did this deposit arrive?" after a cut, a 5xx or a crash around the POST,
from the platform's listing and the bilans, before anything is sent again (nothing lost,
nothing twice): arrived as flux X, or not arrived and safe to send again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from coursier.models.accounts import DeclarationIdentity

AEE_NATURE = "10"  # the deposit's own answer, listed again among its returns
BILAN_NATURE = "11"
AER_NATURE = "44"
FCTU_NATURE = "07"


class DepositState(StrEnum):
    BLOCKED = "blocked"  # the self-check found blocking anomalies: not deposited
    REFUSED = "refused"  # refused before any network call (SIREN of another dossier, …)
    NOT_DEPOSITED_M2M = "not_deposited_m2m"  # M2M off for the operator and module
    SENDING = "sending"  # written before the POST: if it stays so, the POST's fate is unknown
    UNKNOWN = "unknown"  # the POST failed mid-way: reconcile through the listing first
    DEPOSITED = "deposited"  # AEE received, waiting for the bilan
    ACCEPTED = "accepted"
    ANOMALIES = "anomalies"  # accepted with non-blocking anomalies to check
    REJECTED = "rejected"  # ARE at deposit or BAN KO
    NOT_SENT = "not_sent"  # known not to have reached the platform: to be sent (again)

    @property
    def in_flight(self) -> bool:
        """Sent or being sent, and not yet known to be final."""
        return self in (DepositState.SENDING, DepositState.UNKNOWN, DepositState.DEPOSITED)

    @property
    def needs_reconciling(self) -> bool:
        return self in (DepositState.SENDING, DepositState.UNKNOWN)


class ControlState(StrEnum):
    """The icons of the deposit control table: the screen's four final ones, and two more."""

    ACCEPTED = "accepted"
    TO_CHECK = "to_check"
    REJECTED = "rejected"
    NOT_DEPOSITED_M2M = "not_deposited_m2m"
    NOT_DEPOSITED = "not_deposited"  # not (yet) received by the platform: sent again
    WAITING = "waiting"  # sent, or maybe sent: its bilan has not come yet

    @property
    def final(self) -> bool:
        """One of the screen's four: nothing more will come from the platform on its own."""
        return self not in (ControlState.NOT_DEPOSITED, ControlState.WAITING)


CONTROL_STATE_OF: dict[DepositState, ControlState] = {
    DepositState.ACCEPTED: ControlState.ACCEPTED,
    DepositState.ANOMALIES: ControlState.TO_CHECK,
    DepositState.DEPOSITED: ControlState.WAITING,
    DepositState.SENDING: ControlState.WAITING,
    DepositState.UNKNOWN: ControlState.WAITING,
    DepositState.BLOCKED: ControlState.REJECTED,
    DepositState.REFUSED: ControlState.REJECTED,
    DepositState.REJECTED: ControlState.REJECTED,
    DepositState.NOT_DEPOSITED_M2M: ControlState.NOT_DEPOSITED_M2M,
    DepositState.NOT_SENT: ControlState.NOT_DEPOSITED,
}

CONTROL_LABELS: dict[ControlState, str] = {
    ControlState.ACCEPTED: "DSN acceptée",
    ControlState.TO_CHECK: "À contrôler",
    ControlState.REJECTED: "Refusée / erreur bloquante",
    ControlState.NOT_DEPOSITED_M2M: "Non déposée en M2M",
    ControlState.NOT_DEPOSITED: "Non déposée",
    ControlState.WAITING: "En attente des comptes-rendus",
}

MESSAGE_ACCEPTED = "La DSN a été acceptée"
MESSAGE_ANOMALIES = "Des anomalies ont été détectées"
MESSAGE_BLOCKING = "Présence d'erreur(s) bloquante(s) !"
MESSAGE_WAITING = "En attente des comptes-rendus"
MESSAGE_AER = "Une AER est disponible"


@dataclass(frozen=True)
class ReturnFact:
    """What one stored return says, as far as the deposit's state goes."""

    nature: str
    status: str  # OK, KO, ANO
    published_at: datetime | None = None
    message: str | None = None  # the platform's own words (first anomaly), if any


@dataclass(frozen=True)
class Verdict:
    state: DepositState
    message: str
    aer_available: bool = False
    final: bool = False


def verdict_from_returns(declaration_nature: str, returns: Iterable[ReturnFact]) -> Verdict:
    """The state of a deposited file from its returns (the newest bilan decides)."""
    returns = list(returns)
    bilans = sorted(
        (r for r in returns if r.nature == BILAN_NATURE),
        key=lambda r: r.published_at or datetime.min,
    )
    aer = any(r.nature == AER_NATURE for r in returns)
    if not bilans:
        return Verdict(DepositState.DEPOSITED, MESSAGE_WAITING, aer_available=aer)
    bilan = bilans[-1]
    if bilan.status == "KO":
        state, message = DepositState.REJECTED, bilan.message or MESSAGE_BLOCKING
    elif bilan.status == "ANO" or any(r.status == "ANO" for r in returns):
        state, message = DepositState.ANOMALIES, MESSAGE_ANOMALIES
    else:
        state, message = DepositState.ACCEPTED, MESSAGE_ACCEPTED
    if aer:
        message = f"{message} — {MESSAGE_AER}"
    waits_for_aer = (
        declaration_nature == FCTU_NATURE and not aer and state is not DepositState.REJECTED
    )
    return Verdict(state, message, aer_available=aer, final=not waits_for_aer)


@dataclass(frozen=True)
class Unsettled:
    """A ledger row whose POST may or may not have reached the platform, no run sending it."""

    deposit_id: int
    sent_at: datetime
    group: str  # coursier.models.accounts.group_key of its SIRET, nature and type
    month: date | None = None
    business_id: str | None = None


@dataclass(frozen=True)
class ListedDeposit:
    """A deposit the platform lists and the ledger does not know, with what its bilan says.

    ``identity`` is None while no bilan is out. A deposit refused with no bilan
    (``rejected_unidentified``) never counts as the platform holding a file: sending it again
    is safe, whichever it was.
    """

    idflux: str
    deposited_at: datetime | None
    identity: DeclarationIdentity | None = None
    rejected_unidentified: bool = False


@dataclass
class Reconciliation:
    matched: dict[int, str] = field(default_factory=dict)  # deposit id → idflux
    not_arrived: list[int] = field(default_factory=list)
    undecided: list[int] = field(default_factory=list)
    #: Listed deposits of a group beyond the one matched: already there twice, or not ours.
    strays: list[str] = field(default_factory=list)


#: The platform stamps a deposit when it receives it: shortly after we wrote "sending".
CLOCK_SKEW = timedelta(seconds=30)
#: A POST ends (or times out, 30 s) within this much of its "sending" time, skew included.
POST_WINDOW = timedelta(seconds=90)
ARRIVAL_GRACE = timedelta(minutes=2)


def reconcile(
    unsettled: Sequence[Unsettled],
    listed: Sequence[ListedDeposit],
    now: datetime,
    grace: timedelta = ARRIVAL_GRACE,
) -> Reconciliation:
    """Decide, for each row of unknown fate, whether the platform holds it, and as which flux.

    The store keeps at most one unknown row per group (account, SIRET, nature, type), so a
    listed deposit whose bilan names the group, received after the row was sent, and whose
    month and identifiant métier (when the bilan has them) agree, is that row. A row with no
    such deposit never arrived once the grace has passed and no listed deposit that could be it
    still lacks its bilan. Otherwise it waits for the bilans: the decision is always exact.
    """
    result = Reconciliation()
    taken: dict[str, int] = {}
    for row in unsettled:
        exact = sorted(
            (d for d in listed if _is_of(d, row)),
            key=lambda d: d.deposited_at or datetime.max.replace(tzinfo=now.tzinfo),
        )
        if exact:
            if exact[0].idflux in taken:  # two rows of one group: only rows from before slots
                result.undecided += [row.deposit_id]
                continue
            taken[exact[0].idflux] = row.deposit_id
            result.matched[row.deposit_id] = exact[0].idflux
            result.strays += [d.idflux for d in exact[1:]]
        elif now >= row.sent_at + grace and not any(_may_be(d, row) for d in listed):
            result.not_arrived.append(row.deposit_id)
        else:
            result.undecided.append(row.deposit_id)
    return result


def _is_of(listed: ListedDeposit, row: Unsettled) -> bool:
    identity = listed.identity
    return (
        identity is not None
        and identity.group == row.group
        and identity.confirms(row.month, row.business_id)
        and (listed.deposited_at is None or listed.deposited_at >= row.sent_at - CLOCK_SKEW)
    )


def _may_be(listed: ListedDeposit, row: Unsettled) -> bool:
    """A listed deposit still without its bilan, received while the row was being sent."""
    if listed.identity is not None or listed.rejected_unidentified:
        return False
    at = listed.deposited_at
    return at is None or row.sent_at - CLOCK_SKEW <= at <= row.sent_at + POST_WINDOW


class Action(StrEnum):
    """What to do with a checked file."""

    BLOCK = "block"  # blocking anomalies: record them, send nothing
    REFUSE = "refuse"  # not this dossier's company: send nothing
    SKIP_M2M = "skip_m2m"  # M2M off for the operator and module
    KEEP = "keep"  # the ledger already has this very file, final: it is never sent again
    FOLLOW = "follow"  # already deposited, not final: only its returns are looked at
    RECONCILE = "reconcile"  # a previous POST of this file has an unknown fate
    DEPOSIT = "deposit"


@dataclass(frozen=True)
class Plan:
    action: Action
    message: str


def plan_deposit(
    *,
    blocking: int,
    siret: str | None,
    dossier_siren: str,
    dossier_sirets: Sequence[str],
    m2m_on: bool,
    ledger_state: DepositState | None,
) -> Plan:
    """Decide, before any network call, what happens to one checked file of a dossier."""
    if ledger_state is not None:
        if ledger_state.needs_reconciling:
            return Plan(Action.RECONCILE, "Dépôt précédent au sort inconnu : rapprochement d'abord")
        if ledger_state is DepositState.DEPOSITED:
            return Plan(Action.FOLLOW, "Fichier déjà déposé : suivi de ses retours")
        if ledger_state in (DepositState.ACCEPTED, DepositState.ANOMALIES):
            return Plan(Action.KEEP, "Fichier déjà déposé : il ne sera jamais renvoyé")
        if ledger_state is DepositState.REJECTED:
            return Plan(
                Action.KEEP,
                "Fichier déjà rejeté par la plateforme : corrigez-le avant de le redéposer",
            )
    if blocking:
        return Plan(Action.BLOCK, MESSAGE_BLOCKING)
    if not siret or siret[:9] != dossier_siren:
        return Plan(
            Action.REFUSE,
            f"Le SIRET déclaré {siret or '(absent)'} n'appartient pas à l'entreprise du dossier "
            f"(SIREN {dossier_siren}) : vérifiez le dossier choisi ou le fichier",
        )
    if dossier_sirets and siret not in dossier_sirets:
        return Plan(
            Action.REFUSE,
            f"L'établissement {siret} n'est pas rattaché au dossier : ajoutez-le au portefeuille "
            "(coursier portfolio import) ou vérifiez le fichier",
        )
    if not m2m_on:
        return Plan(Action.SKIP_M2M, "DSN non déposée en M2M (dépôt M2M désactivé pour ce module)")
    return Plan(Action.DEPOSIT, "")


OUTCOME_OF_STATE: dict[DepositState, str] = {
    DepositState.ACCEPTED: "ok",
    DepositState.ANOMALIES: "ok",
    DepositState.DEPOSITED: "ok",  # sent; its returns are left to the returns control
    DepositState.NOT_DEPOSITED_M2M: "skipped",
    DepositState.BLOCKED: "failed",
    DepositState.REFUSED: "failed",
    DepositState.REJECTED: "failed",
    DepositState.SENDING: "failed",
    DepositState.UNKNOWN: "failed",
    DepositState.NOT_SENT: "failed",
}


def run_outcome(state: DepositState, kept: bool) -> str:
    """A file's outcome in a run from its state at the end: ok, failed (to redo) or skipped.

    A file kept as it was (accepted in an earlier run) is skipped: this run did nothing to it.
    """
    outcome = OUTCOME_OF_STATE[state]
    return "skipped" if kept and outcome == "ok" else outcome
