"""Onboarding one dossier onto Cegid Flow, the seed's three screens in order, checks first.

1. read the dossier in Loop: its bank accounts, chart of accounts and journals (the
   prerequisites checklist: missing ones skip the dossier with what to fix) and its company
   head (a contact that would not validate fails it before anything is sent);
2. Cegid Flow activated for the dossier (the firm's activation is the flow's, once per account);
3. the company head created or updated as a contact of the dossier;
4. the service proposed to that contact (Flow sends the invitation e-mail);
5. the initial load waited for: fiscal years N-1, N and N+1 when it exists, accounts, journals,
   entries and bank accounts equal on both sides, the invitation sent, within the time limit;
6. the bank accounts collected through DSP2 listed with the activation step still to do.

Sends go through :func:`coursier.tasks.cegid_sends.exactly_once`. A dossier fails on its own
(:class:`DossierResult`), the others carry on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from coursier.connectors.cegid_loop.client import FLOW_APPLICATION, FLOW_SERVICE
from coursier.connectors.errors import ConnectorError
from coursier.models.cegid_contact import InvalidContact, plan_contact, qualified
from coursier.models.cegid_prerequisites import check
from coursier.runkit import Run
from coursier.store import OutcomeIn
from coursier.tasks.cegid_accounts import LoopAccount
from coursier.tasks.cegid_sends import SendHeld, SendUnknown, exactly_once
from coursier.tasks.cegid_settings import CegidSettings

Status = Literal["ready", "prerequisites_missing", "failed"]
Protocol = Literal["CFONB", "DSP2"]
DSP2_STEP = (
    "activer la collecte DSP2 (fiche technique « Activation du protocole DSP2 ») pour ce compte"
)
COUNTED = (("comptes", "comptes"), ("journaux", "journaux"), ("ecritures", "écritures"))


@dataclass
class DossierResult:
    """What became of one dossier: its line of the table, and its outcome."""

    code: str
    status: Status
    message: str
    error_code: str | None = None
    to_fix: list[str] = field(default_factory=list)
    contact: str | None = None
    contact_id: str | None = None
    contact_action: str | None = None
    proposed: bool = False
    years: list[dict[str, Any]] = field(default_factory=list)
    bank_accounts: int = 0
    invitation: str | None = None
    dsp2: list[str] = field(default_factory=list)

    def outcome(self) -> OutcomeIn:
        status = {"ready": "ok", "prerequisites_missing": "skipped", "failed": "failed"}
        details = {
            "dossier": self.code,
            "status": self.status,
            "to_fix": self.to_fix,
            "dsp2": self.dsp2,
            "contact_id": self.contact_id,
        }
        return OutcomeIn(self.code, status[self.status], self.error_code, self.message, details)

    def onboarding_row(self, run: Run) -> dict[str, Any]:
        return {
            "dossier": self.code,
            "status": self.status,
            "message": self.message,
            "contact_id": self.contact_id,
            "flow_run_id": run.flow_run_id,
            "details": {"to_fix": self.to_fix, "dsp2": self.dsp2, "years": self.years},
        }


class Stop(Exception):
    """The dossier cannot go further: its result says why."""

    def __init__(self, result: DossierResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass(frozen=True)
class Onboarding:
    """What onboarding a dossier needs beyond the dossier: the run, the settings, the
    protocol chosen per bank account (IBAN → CFONB or DSP2), and how to wait."""

    run: Run
    settings: CegidSettings
    protocols: Mapping[str, Protocol] = field(default_factory=dict)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    today: Callable[[], date] = date.today

    def dossier(self, code: str, account: LoopAccount) -> DossierResult:
        """Onboard one dossier; never raises for a reason of its own."""
        try:
            return self._onboard(code, account)
        except Stop as stop:
            return stop.result
        except (SendHeld, SendUnknown, ConnectorError) as error:
            return DossierResult(code, "failed", str(error), type(error).__name__)

    def _onboard(self, code: str, account: LoopAccount) -> DossierResult:
        loop, run = account.client, self.run.for_dossier(code)
        banks = loop.resource(code, "comptes-bancaires")
        accounts, journals = loop.resource(code, "comptes"), loop.resource(code, "journaux")
        problems = check(banks, accounts, journals)
        if problems:
            raise Stop(
                DossierResult(
                    code,
                    "prerequisites_missing",
                    f"{len(problems)} prérequis à corriger avant Cegid Flow",
                    "prerequisites",
                    [p.message for p in problems],
                )
            )
        try:
            wanted = qualified(loop.dossier(code).get("dirigeant") or {}, code)
        except InvalidContact as invalid:
            raise Stop(
                DossierResult(
                    code,
                    "failed",
                    f"dirigeant du dossier invalide : {invalid}",
                    "invalid_contact",
                    invalid.problems,
                )
            ) from None
        result = DossierResult(code, "ready", "", contact=wanted["email"])
        exactly_once(
            run,
            account,
            "dossier-activation",
            code,
            dossier=code,
            read=lambda: _active(loop.dossier_applications(code)),
            send=lambda: loop.activate_for_dossier(code),
        )
        result.contact_id, result.contact_action = self._contact(run, account, code, wanted)
        contact_id = result.contact_id
        exactly_once(
            run,
            account,
            "service-proposal",
            f"{contact_id}/{code}",
            dossier=code,
            read=lambda: _proposed(loop.services(contact_id), code),
            send=lambda: loop.propose_service(contact_id, code),
        )
        result.proposed = True
        self._initial_load(account, code, banks, result)
        result.dsp2 = [
            f"{b.get('libelle')} ({b.get('iban')}) : {DSP2_STEP}"
            for b in banks
            if self.protocols.get(str(b.get("iban")), b.get("protocole")) == "DSP2"
        ]
        result.message = "prêt : Cegid Flow initialisé" + (
            f", {len(result.dsp2)} compte(s) à passer en DSP2" if result.dsp2 else ""
        )
        return result

    def _contact(
        self, run: Run, account: LoopAccount, code: str, wanted: dict[str, Any]
    ) -> tuple[str, str]:
        """The contact's id and what was done to it (created, updated, unchanged)."""
        loop = account.client
        existing = {c["id"]: c for c in loop.contacts(email=wanted["email"])}
        existing |= {c["id"]: c for c in loop.contacts(dossier=code)}
        plan = plan_contact(wanted, list(existing.values()))
        if plan.action == "create":
            sent = exactly_once(
                run,
                account,
                "contact-create",
                wanted["email"].lower(),
                dossier=code,
                read=lambda: next(iter(loop.contacts(email=wanted["email"])), None),
                send=lambda: loop.create_contact(plan.contact),
            )
            found = plan_contact(wanted, [sent.result])
            if found.action == "update":  # found by reading, made by another dossier's run
                loop.update_contact(str(found.contact_id), found.contact)
            return str(sent.result["id"]), "créé" if sent.sent_now else "retrouvé dans Loop"
        if plan.action == "update":
            loop.update_contact(str(plan.contact_id), plan.contact)
            run.audit(
                "cegid.contact-update",
                subject=str(plan.contact_id),
                outcome="ok",
                details={"changed": list(plan.changed)},
            )
            return str(plan.contact_id), "mis à jour (" + ", ".join(plan.changed) + ")"
        return str(plan.contact_id), "inchangé"

    def _initial_load(
        self, account: LoopAccount, code: str, banks: list[dict[str, Any]], result: DossierResult
    ) -> None:
        """Wait until Flow shows every fiscal year, bank account and the invitation."""
        loop = account.client
        years = years_sent(loop.resource(code, "exercices"), self.today())
        accounts, journals = loop.count(code, "comptes"), loop.count(code, "journaux")
        expected = [
            {
                "id": y["id"],
                "debut": y["debut"],
                "comptes": accounts,
                "journaux": journals,
                "ecritures": loop.count(code, "ecritures", exercice=y["id"]),
            }
            for y in years
        ]
        deadline = self.clock() + self.settings.load_timeout_seconds
        while True:
            shown = loop.initial_load(code)
            gaps = load_gaps(expected, len(banks), result.contact or "", shown)
            if not gaps:
                break
            if self.clock() >= deadline:
                raise Stop(
                    DossierResult(
                        code,
                        "failed",
                        f"chargement initial incomplet après "
                        f"{self.settings.load_timeout_seconds:g} s : " + "; ".join(gaps),
                        "initial_load_timeout",
                        gaps,
                        contact=result.contact,
                        contact_id=result.contact_id,
                        proposed=True,
                    )
                )
            self.sleep(self.settings.load_poll_seconds)
        result.years = [{**e, "flow": True} for e in expected]
        result.bank_accounts = len(banks)
        result.invitation = (shown.get("invitation") or {}).get("envoyeLe")


def years_sent(years: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The fiscal years Flow receives: the current one (N), the previous and the next if it
    exists (the seed's "l'exercice en cours, le précédent et éventuellement le suivant")."""
    ordered = sorted(years, key=lambda y: y["debut"])
    current = next(
        (i for i, y in enumerate(ordered) if y["debut"] <= today.isoformat() <= y["fin"]),
        len(ordered) - 1,
    )
    return ordered[max(current - 1, 0) : current + 2]


def load_gaps(
    expected: list[dict[str, Any]], banks: int, email: str, shown: Mapping[str, Any]
) -> list[str]:
    """What Flow does not show yet of the initial load, in French (empty: complete)."""
    gaps = []
    flow_years = {y.get("id"): y for y in shown.get("exercices") or []}
    for year in expected:
        got = flow_years.get(year["id"], {})
        for key, label in COUNTED:
            if got.get(key) != year[key]:
                gaps.append(f"exercice {year['debut'][:4]} : {label} {got.get(key, 0)}/{year[key]}")
    flow_banks = len(shown.get("comptesBancaires") or [])
    if flow_banks != banks:
        gaps.append(f"comptes bancaires {flow_banks}/{banks}")
    invitation = shown.get("invitation") or {}
    if str(invitation.get("email", "")).lower() != email.lower():
        gaps.append("e-mail d'invitation pas encore envoyé")
    return gaps


def _active(applications: set[str]) -> dict[str, Any] | None:
    return {"application": FLOW_APPLICATION} if FLOW_APPLICATION in applications else None


def _proposed(services: list[dict[str, Any]], code: str) -> dict[str, Any] | None:
    return next(
        (s for s in services if s.get("dossier") == code and s.get("service") == FLOW_SERVICE),
        None,
    )


def activate_firm(run: Run, account: LoopAccount) -> None:
    """Cegid Flow for the firm, once per account: read first, claimed, never sent twice."""
    loop = account.client
    exactly_once(
        run,
        account,
        "firm-activation",
        "",
        dossier=None,
        read=lambda: _active(loop.firm_applications()),
        send=loop.activate_for_firm,
    )
