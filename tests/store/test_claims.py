"""Claims in the store: one run sends a file, at most one look-alike is unsettled per account,
on SQLite and on PostgreSQL, across processes."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest

from coursier.models.deposits import DepositState
from coursier.store import Deposit, open_store
from coursier.store.claims import (
    ClaimOutcome,
    claim_deposit,
    drop_lease,
    finish_send,
    renew_lease,
    settle_unknown,
    unsettled_rows,
)

ACCOUNT = "net-entreprises|test|depot|99900000300015|declarant"
LEASE = timedelta(minutes=5)


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def new_row(sha: str, siret: str = "73282932000074"):
    def columns():
        return dict(
            dossier="CCH001",
            platform="net-entreprises",
            module="dsn",
            file_name=f"{sha[:4]}.dsn",
            file_path=f"/inbox/{sha[:4]}.dsn",
            file_sha256=sha,
            file_size=100,
            nature="01",
            declaration_type="01",
            siret=siret,
            month=date(2026, 10, 1),
        )

    return columns


def claim(store, run: str, sha: str = "a" * 64, group: str = "G1", account: str = ACCOUNT):
    with store.begin() as session:
        renew_lease(session, run, "dsn-deposit", LEASE)
    return claim_deposit(
        store,
        dossier="CCH001",
        file_sha256=sha,
        account_key=account,
        group=group,
        run_id=run,
        new_row=new_row(sha),
        account_fields={"declarant_siret": "99900000300015"},
    )


def state_of(store, deposit_id: int) -> Deposit:
    with store.begin() as session:
        return session.get_one(Deposit, deposit_id)


def test_a_claimed_file_is_held_while_its_run_lives_then_left_to_reconciling(store):
    first = claim(store, "run-1")
    assert first.outcome is ClaimOutcome.CLAIMED
    second = claim(store, "run-2")
    assert (second.outcome, second.holder) == (ClaimOutcome.HELD, "run-1")
    with store.begin() as session:
        drop_lease(session, "run-1")  # run-1 is gone (killed: its lease ran out)
    assert claim(store, "run-2").outcome is ClaimOutcome.UNSETTLED
    with store.begin() as session:
        rows = unsettled_rows(session, ACCOUNT, datetime.now(UTC))
    assert [r.id for r in rows] == [first.deposit_id]


def test_one_unsettled_deposit_per_group_and_account(store):
    assert claim(store, "run-1", "a" * 64).outcome is ClaimOutcome.CLAIMED
    assert claim(store, "run-1", "b" * 64).outcome is ClaimOutcome.GROUP_BUSY
    assert claim(store, "run-1", "c" * 64, group="G2").outcome is ClaimOutcome.CLAIMED
    other_account = ACCOUNT.replace("test", "production")
    assert claim(store, "run-1", "d" * 64, account=other_account).outcome is ClaimOutcome.CLAIMED


def test_a_known_fate_frees_the_group_an_unknown_one_holds_it_until_reconciled(store):
    first = claim(store, "run-1", "a" * 64)
    with store.begin() as session:
        assert finish_send(session, first.deposit_id, "run-1", state="unknown", message="coupé")
    assert claim(store, "run-1", "b" * 64).outcome is ClaimOutcome.GROUP_BUSY
    with store.begin() as session:
        assert settle_unknown(
            session, first.deposit_id, datetime.now(UTC), state="deposited", idflux="F1"
        )
    second = claim(store, "run-1", "b" * 64)
    assert second.outcome is ClaimOutcome.CLAIMED
    with store.begin() as session:
        assert finish_send(session, second.deposit_id, "run-1", state="deposited", idflux="F2")
    assert claim(store, "run-2", "b" * 64).outcome is ClaimOutcome.SETTLED
    assert state_of(store, second.deposit_id).open_slot is None


def test_a_run_that_lost_its_claim_records_nothing(store):
    first = claim(store, "run-1")
    with store.begin() as session:
        drop_lease(session, "run-1")
        assert settle_unknown(session, first.deposit_id, datetime.now(UTC), state="not_sent")
    with store.begin() as session:
        assert not finish_send(session, first.deposit_id, "run-1", state="deposited", idflux="X")
    assert state_of(store, first.deposit_id).state == "not_sent"


def test_reconciling_never_takes_a_row_a_live_run_is_sending(store):
    first = claim(store, "run-1")
    with store.begin() as session:
        assert not settle_unknown(session, first.deposit_id, datetime.now(UTC), state="not_sent")
    assert state_of(store, first.deposit_id).state == DepositState.SENDING.value


def test_a_file_never_received_is_claimed_again_and_counts_its_attempts(store):
    first = claim(store, "run-1")
    with store.begin() as session:
        finish_send(session, first.deposit_id, "run-1", state="not_sent", message="429")
    again = claim(store, "run-2")
    assert (again.outcome, again.deposit_id) == (ClaimOutcome.CLAIMED, first.deposit_id)
    row = state_of(store, first.deposit_id)
    assert (row.attempts, row.claim_run, row.state) == (2, "run-2", "sending")


def _race(url: str, run: str, barrier) -> str:
    with open_store(url) as store:
        barrier.wait()
        return claim(store, run).outcome.value


def test_of_many_processes_racing_for_one_file_exactly_one_claims_it(store, store_url):
    context = multiprocessing.get_context("spawn")
    runs = [f"run-{n}" for n in range(4)]
    with context.Manager() as manager:
        barrier = manager.Barrier(len(runs))
        with ProcessPoolExecutor(len(runs), mp_context=context) as pool:
            outcomes = list(pool.map(_race, [store_url] * len(runs), runs, [barrier] * len(runs)))
    assert sorted(outcomes) == ["claimed"] + ["held"] * 3
