"""The Cegid Flow init flow over the seeded portfolio: every prerequisite failure skipped with
what to fix, invalid company heads and a load that never completes failed, the others ready
with their contact, service, initial load and invitation; nothing sent twice, through cuts,
5xx, re-runs and retry_failed_of; no secret anywhere."""

from __future__ import annotations

import logging

import pytest
from prefect.states import StateType
from sqlalchemy import select

from coursier.flows.cegid_flow_init import cegid_flow_init
from coursier.sandbox.cegid_loop_seed import SEEDED
from coursier.store import open_store
from tests.flows import test_cegid_support as support
from tests.flows.test_cegid_support import READY, SECRETS, artifacts_of, outcomes, table_of

cegid_sandbox, loop, cegid_world = support.cegid_sandbox, support.loop, support.cegid_world

PREREQUISITES = {
    "CF-SANS-BANQUE": "aucun compte bancaire paramétré",
    "CF-IBAN": "IBAN invalide",
    "CF-BIC": "BIC « BNPA1RPP » invalide",
    "CF-COMPTE-ABSENT": "compte général de banque 512000 est absent du plan de comptes",
    "CF-COMPTE-NON-LIE": "aucun compte général de banque lié",
    "CF-SANS-JOURNAL": "aucun journal de banque n'utilise le compte 512000",
}


def run(**parameters):
    return cegid_flow_init(operator="gestionnaire", return_state=True, **parameters)


def mails_to(loop, code):
    return [m for m in loop.mailbox if m.dossier == code]


def test_the_whole_portfolio_once(cegid_world, loop, caplog):
    caplog.set_level(logging.DEBUG)
    state = run()
    assert state.name == "Partial"
    found = outcomes(cegid_world, state)
    assert set(found) == {s.code for s in SEEDED}
    for code in READY:
        assert found[code].status == "ok", found[code].message
        assert len(mails_to(loop, code)) == 1
    for code, fix in PREREQUISITES.items():
        assert found[code].status == "skipped"
        assert found[code].error_code == "prerequisites"
        [problem] = found[code].details["to_fix"]
        assert fix in problem
        assert loop.sends[("dossier-activation", code)] == 0  # nothing sent for it
    assert found["CF-MAIL"].status == "failed"
    assert "e-mail « @.com » invalide" in found["CF-MAIL"].message
    assert found["CF-MOBILE"].error_code == "invalid_contact"
    assert mails_to(loop, "CF-MAIL") == []
    assert found["CF-BLOQUE"].error_code == "initial_load_timeout"
    assert "écritures" in found["CF-BLOQUE"].message
    assert found["CF-DSP2"].details["dsp2"][0].endswith("pour ce compte")
    assert loop.sends[("firm-activation", "")] == 1
    [table] = artifacts_of(state, "cegid-flow-init")
    rows = {row["Dossier"]: row for row in table_of(table)}
    assert rows["CF-PRET-01"]["Résultat"] == "prêt"
    assert rows["CF-PRET-01"]["Exercices chargés"].count("écritures") == 3  # N-1, N, N+1
    assert rows["CF-PRET-02"]["Exercices chargés"].count("écritures") == 2
    assert rows["CF-IBAN"]["Résultat"] == "prérequis manquants"
    assert rows["CF-BLOQUE"]["Résultat"] == "échec"
    assert "DSP2" in rows["CF-DSP2"]["DSP2 à activer"]
    shown = caplog.text + str(table_of(table)) + str([o.details for o in found.values()])
    with open_store(cegid_world.effective_database_url()) as store, store.begin() as session:
        from coursier.store.tables import AuditEvent as Audit

        shown += str([(a.details, a.subject) for a in session.scalars(select(Audit))])
    for secret in SECRETS:
        assert secret not in shown


def test_a_second_run_sends_nothing_again(cegid_world, loop):
    first = run(dossiers=list(READY))
    assert first.type == StateType.COMPLETED
    sends = dict(loop.sends)
    second = run(dossiers=list(READY))
    assert second.type == StateType.COMPLETED
    assert dict(loop.sends) == sends
    assert len(loop.mailbox) == len(READY)
    assert len(loop.contacts) == len(READY)
    assert all(o.status == "ok" for o in outcomes(cegid_world, second).values())


def test_an_activation_done_by_hand_in_loop_is_not_sent_again(cegid_world, loop):
    loop.firm_applications.add("Cegid Flow")
    loop.dossiers["CF-PRET-02"].applications.add("Cegid Flow")
    assert run(dossiers=["CF-PRET-02"]).type == StateType.COMPLETED
    assert loop.sends[("firm-activation", "")] == 0
    assert loop.sends[("dossier-activation", "CF-PRET-02")] == 0


@pytest.mark.parametrize("mode", ["cut_after", "fail_after", "fail_before"])
@pytest.mark.parametrize(
    "action", ["service-proposal", "dossier-activation", "contact-create", "firm-activation"]
)
def test_a_send_cut_or_failing_is_reconciled_and_made_once(cegid_world, loop, action, mode):
    loop.cuts.add(action, mode)
    state = run(dossiers=["CF-PRET-01"])
    assert state.type == StateType.COMPLETED, state.message
    assert len(mails_to(loop, "CF-PRET-01")) == 1
    assert len(loop.contacts) == 1
    assert loop.firm_applications == {"Cegid Flow"}
    processed = sum(n for (a, _t), n in loop.sends.items() if a == action)
    assert processed == 1


def test_a_proposal_cut_every_time_stays_unknown_then_the_rerun_reconciles(cegid_world, loop):
    loop.cuts.add("service-proposal", "fail_before", times=2)
    first = run(dossiers=["CF-PRET-01"])
    assert first.type == StateType.FAILED
    found = outcomes(cegid_world, first)
    assert found["CF-PRET-01"].status == "failed"
    assert "issue inconnue" in found["CF-PRET-01"].message
    assert mails_to(loop, "CF-PRET-01") == []
    retry = run(dossiers=["CF-PRET-01", "CF-PRET-02"], retry_failed_of="last")
    assert retry.type == StateType.COMPLETED
    assert set(outcomes(cegid_world, retry)) == {"CF-PRET-01"}
    assert len(mails_to(loop, "CF-PRET-01")) == 1
    assert mails_to(loop, "CF-PRET-02") == []  # not asked for again: not failed before


def test_retry_failed_of_redoes_only_the_failed_once_fixed(cegid_world, loop):
    first = run()
    loop.dossiers["CF-BLOQUE"].breakage = None
    loop.dossiers["CF-MAIL"].head["email"] = "dirigeant@plomberie-roux.example.fr"
    retry = run(retry_failed_of=str(first.state_details.flow_run_id))
    found = outcomes(cegid_world, retry)
    assert set(found) == {"CF-BLOQUE", "CF-MAIL", "CF-MOBILE"}
    assert found["CF-BLOQUE"].status == "ok"
    assert found["CF-MAIL"].status == "ok"
    assert found["CF-MOBILE"].status == "failed"
    assert len(mails_to(loop, "CF-BLOQUE")) == 1  # proposed in the first run, not again
    nothing = run(retry_failed_of=str(retry.state_details.flow_run_id))
    assert set(outcomes(cegid_world, nothing)) == {"CF-MOBILE"}


def test_a_contact_already_in_loop_is_updated_not_created(cegid_world, loop):
    head = loop.dossiers["CF-PRET-02"].head
    loop.contacts["c-1"] = {
        "id": "c-1",
        "revision": 3,
        "nom": "Dupont",
        "prenom": "Mathieu",
        "mobile": "07 11 11 11 11",
        "email": head["email"],
        "role": "Comptable",
        "dossiers": ["AUTRE"],
    }
    assert run(dossiers=["CF-PRET-02"]).type == StateType.COMPLETED
    assert list(loop.contacts) == ["c-1"]
    contact = loop.contacts["c-1"]
    assert contact["mobile"] == "06 06 06 06 06"
    assert contact["role"] == "Chef d'entreprise"
    assert sorted(contact["dossiers"]) == ["AUTRE", "CF-PRET-02"]
    assert loop.proposals[0]["interlocuteur"] == "c-1"


def test_the_protocol_chosen_per_account_lists_dsp2_to_do(cegid_world, loop):
    iban = loop.dossiers["CF-PRET-02"].bank_accounts[0]["iban"]
    state = run(dossiers=["CF-PRET-02"], protocols={iban: "DSP2"})
    [dsp2] = outcomes(cegid_world, state)["CF-PRET-02"].details["dsp2"]
    assert iban in dsp2


def test_a_dossier_not_in_the_procedure_or_unknown(cegid_world, loop):
    unknown = run(dossiers=["CF-NULLE-PART"])
    assert unknown.type == StateType.FAILED
    assert "CF-NULLE-PART" in unknown.message


def test_two_runs_at_once_send_each_activation_contact_and_proposal_once(cegid_world, loop):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from prefect.settings import PREFECT_API_URL

    command = [str(Path(sys.executable).parent / "coursier"), "cegid", "init", *READY]
    environment = {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "COLUMNS": "200",
    }
    runs = [
        subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for _ in "ab"
    ]
    outputs = [run.communicate(timeout=240)[0] for run in runs]
    assert {run.returncode for run in runs} <= {0, 1}, outputs
    assert "Traceback" not in "".join(outputs)
    for code in READY:
        assert len(mails_to(loop, code)) == 1
        assert loop.sends[("dossier-activation", code)] == 1
    assert len(loop.contacts) == len(READY)
    assert loop.sends[("firm-activation", "")] == 1


def test_without_credentials_every_dossier_fails_saying_what_to_save(cegid_world, loop):
    from coursier.connectors.cegid_loop import CegidLoopCredentials

    CegidLoopCredentials.delete("cegid-loop--application")
    state = run(dossiers=["CF-PRET-01", "CF-PRET-02"])
    assert state.type == StateType.FAILED
    found = outcomes(cegid_world, state)
    assert found["CF-PRET-01"].error_code == "no_credentials"
    assert "cegid-loop--dossier--cf-pret-01" in found["CF-PRET-01"].message
    assert "credentials set --platform cegid-loop" in found["CF-PRET-01"].message
    assert loop.sends == {}


def test_a_firm_activation_that_cannot_be_made_fails_its_dossiers_and_sends_nothing(
    cegid_world, loop
):
    loop.cuts.add("firm-activation", "fail_before", times=2)
    state = run(dossiers=["CF-PRET-01", "CF-IBAN"])
    assert state.type == StateType.FAILED
    found = outcomes(cegid_world, state)
    assert {o.error_code for o in found.values()} == {"firm_activation"}
    assert "pour le cabinet" in found["CF-PRET-01"].message
    assert loop.mailbox == []
    assert run(dossiers=["CF-PRET-01"]).type == StateType.COMPLETED  # the next run reconciles
    assert loop.sends[("firm-activation", "")] == 1
