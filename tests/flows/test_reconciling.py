"""Nothing lost, nothing twice: a cut during a deposit and a crash after the POST."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.deployments.sandbox_world import credentials_for
from coursier.flows.dsn_deposit import dsn_deposit
from coursier.models.deposits import ControlState, DepositState
from coursier.models.dsn import samples
from coursier.sandbox.faults import Fault, FaultKind
from coursier.store import open_store, outcomes_of, query_audit
from coursier.store.ledger import add_deposit, find_deposit
from coursier.tasks.reporting import dossier_control_rows
from tests.flows.world import BAKERY, BUREAU, OCTOBER, OPERATOR, write


def run(paths=None, **options):
    return dsn_deposit(
        dossier=BAKERY.code,
        files=[str(p) for p in paths or []],
        operator=OPERATOR,
        follow_returns_minutes=0.2,
        return_state=True,
        **options,
    )


def outcomes(world, state):
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        return outcomes_of(session, str(state.state_details.flow_run_id))


def deposits(sandbox):
    return sandbox.state("net-entreprises").deposits(BUREAU.siret)


def test_cut_in_the_answer_is_reconciled_in_the_run_and_never_sent_twice(world, tmp_path, sandbox):
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    platform = sandbox.state("net-entreprises")
    platform.faults.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, count=1))
    first = run([path])
    assert first.is_completed(), first.message  # the run found its deposit in the listing
    assert [o.status for o in outcomes(world, first)] == ["ok"]
    assert len(deposits(sandbox)) == 1  # it did arrive: only the answer was cut
    again = run([path])
    assert again.is_completed()
    assert len(deposits(sandbox)) == 1
    with open_store(world.effective_database_url()) as store:
        [row] = dossier_control_rows(store, BAKERY.code)
    assert row.state is ControlState.ACCEPTED
    assert row.idflux == deposits(sandbox)[0].idflux


def test_a_cut_answer_to_the_last_allowed_send_is_still_reconciled_in_the_run(
    world, tmp_path, sandbox, monkeypatch
):
    """The bench under faults once ended with a file received but left "unknown": its third
    send, the last one a run allows, had its answer cut. Found in the listing, it is followed."""
    import coursier.tasks.sending

    monkeypatch.setattr(coursier.tasks.sending, "MAX_SENDS", 1)  # the first send is the last
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    platform = sandbox.state("net-entreprises")
    platform.faults.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE, count=1))
    first = run([path])
    assert first.is_completed(), first.message
    assert [o.status for o in outcomes(world, first)] == ["ok"]
    [received] = deposits(sandbox)
    with open_store(world.effective_database_url()) as store:
        [row] = dossier_control_rows(store, BAKERY.code)
    assert (row.state, row.idflux) == (ControlState.ACCEPTED, received.idflux)


def test_cut_in_the_request_is_sent_again_once_in_the_same_run(world, tmp_path, sandbox):
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    platform = sandbox.state("net-entreprises")
    platform.faults.set(Fault(route="deposer-dsn", kind=FaultKind.CUT_REQUEST, count=1))
    first = run([path])
    assert first.is_completed(), first.message  # not arrived: sent again, automatically
    assert len(deposits(sandbox)) == 1
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        row = find_deposit(session, BAKERY.code, hashlib.sha256(path.read_bytes()).hexdigest())
        assert (row.attempts, row.state) == (2, DepositState.ACCEPTED.value)
        actions = [e.action for e in query_audit(session, dossier=BAKERY.code)]
    assert "dsn.deposit.reconcile" in actions  # the decision "not arrived" is in the trail


def test_an_unreachable_platform_leaves_the_file_not_deposited_for_the_rerun(
    world, tmp_path, sandbox, monkeypatch
):
    from coursier.connectors.credentials import save
    from coursier.deployments.sandbox_world import credentials_for

    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2))
    dead = credentials_for(BUREAU, "http://127.0.0.1:9", "application", None, "net-entreprises")
    save(dead, "net-entreprises")
    first = run([path])
    assert first.is_failed()
    [outcome] = outcomes(world, first)
    assert outcome.error_code == "platform-unreachable"
    with open_store(world.effective_database_url()) as store:
        [row] = dossier_control_rows(store, BAKERY.code)
    assert row.state is ControlState.NOT_DEPOSITED
    assert "injoignable" in row.message
    save(
        credentials_for(
            BUREAU, sandbox.url("net-entreprises"), "application", None, "net-entreprises"
        ),
        "net-entreprises",
    )
    assert run(retry_failed_of=str(first.state_details.flow_run_id)).is_completed()
    assert len(deposits(sandbox)) == 1


def test_crash_after_the_post_leaves_one_deposit(world, tmp_path, sandbox):
    """The process died between the POST and recording its answer: the ledger says "sending"."""
    path = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1))
    content = path.read_bytes()
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        add_deposit(
            session,
            dossier=BAKERY.code,
            platform="net-entreprises",
            file_name=path.name,
            file_path=str(path),
            file_sha256=hashlib.sha256(content).hexdigest(),
            file_size=len(content),
            siret=BAKERY.employer.siret,
            month=OCTOBER,
            nature="01",
            declaration_type="01",
            state=DepositState.SENDING.value,
            declarant_siret=BUREAU.siret,
            sent_at=datetime.now(UTC),
        )
    with NetEntreprisesClient(
        credentials_for(
            BUREAU, sandbox.url("net-entreprises"), "application", None, "net-entreprises"
        )
    ) as client:
        client.deposit(content)  # the POST that went through before the crash
    assert run([path]).is_completed()
    assert len(deposits(sandbox)) == 1
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        row = find_deposit(session, BAKERY.code, hashlib.sha256(content).hexdigest())
        assert row.state == DepositState.ACCEPTED.value
        assert row.idflux == deposits(sandbox)[0].idflux


def test_an_idflux_the_platform_gives_twice_is_said_and_loses_nothing(
    world, tmp_path, sandbox, monkeypatch
):
    platform = sandbox.state("net-entreprises")
    first = write(tmp_path, "a.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1, seed=1))
    assert run([first]).is_completed()
    [known] = deposits(sandbox)
    monkeypatch.setattr(platform, "new_idflux", lambda: known.idflux)  # a platform gone wrong
    second = write(tmp_path, "b.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1, seed=2))
    state = run([second])
    assert not state.is_failed(), state.message
    assert len(deposits(sandbox)) == 2
    with open_store(world.effective_database_url()) as store, store.begin() as session:
        row = find_deposit(session, BAKERY.code, hashlib.sha256(second.read_bytes()).hexdigest())
    assert row.state == DepositState.DEPOSITED.value
    assert known.idflux in row.message
    assert "déjà attribué" in row.message
