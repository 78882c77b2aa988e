"""What a person must do about a row of the control table, in French, or nothing.

Accepted files, files waiting for their returns and files the platform never received (sent
again on their own) need nobody; the others are named in the run's summary with the next step.
"""

from __future__ import annotations

from coursier.models.control import ControlRow
from coursier.models.control_detail import AnomalyDetail
from coursier.models.deposits import ControlState, DepositState


def next_step(row: ControlRow) -> str | None:
    """The next step for the declaration whose latest file is ``row``; None: nothing to do."""
    blocking = [a for a in row.anomalies if a.blocking]
    if row.state is ControlState.REJECTED:
        if row.ledger_state == DepositState.REFUSED:
            return row.message
        if row.ledger_state == DepositState.BLOCKED:
            return (
                f"corrigez {_count(blocking, 'bloquante')} de l'autocontrôle"
                f"{_first(blocking)} puis déposez le fichier corrigé"
            )
        return (
            f"refusée par la plateforme, {_count(blocking, 'bloquante')}{_first(blocking)} : "
            "corrigez le fichier dans la paie puis déposez-le à nouveau"
        )
    if row.state is ControlState.TO_CHECK:
        others = [a for a in row.anomalies if not a.blocking]
        if not others:
            return (
                f"contrôlez ses comptes-rendus : coursier dsn returns show {row.idflux or row.file}"
            )
        return (
            f"contrôlez {_count(others, 'non bloquante')}{_first(others)} et corrigez-les dans "
            "la paie ; un « annule et remplace » si l'organisme le demande"
        )
    if row.state is ControlState.NOT_DEPOSITED_M2M:
        return (
            "non déposée : déposez-la sur net-entreprises.fr, ou activez le dépôt M2M de son "
            "module (coursier m2m on) et relancez le dépôt"
        )
    return None


def _count(anomalies: list[AnomalyDetail], kind: str) -> str:
    return f"{len(anomalies)} anomalie(s) {kind}(s)"


def _first(anomalies: list[AnomalyDetail]) -> str:
    if not anomalies:
        return ""
    more = f", et {len(anomalies) - 1} autre(s)" if len(anomalies) > 1 else ""
    return f" (« {anomalies[0].describe()} »{more})"
