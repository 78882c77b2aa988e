"""A lot file (norme de lot V01R02) deposited: each declaration a flux of its own, its bytes
exactly those of the lot, a row of its own in the ledger and the control table, an outcome of
its own in the run; a blocked declaration stops alone, a broken envelope stops them all."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

from coursier.models.deposits import ControlState
from coursier.models.dsn import samples, writer
from coursier.models.dsn.lots import split_lot
from coursier.models.dsn.writer import LotGroup
from coursier.store import open_store
from coursier.store.tables import ItemOutcome
from tests.flows.test_dsn_deposit import deposit, states, without_contract_number
from tests.flows.world import BAKERY, BUREAU, OCTOBER

CREATED = datetime(2026, 11, 5, 8, 30)
SEPTEMBER, AUGUST = date(2026, 9, 1), date(2026, 8, 1)


def write_lot(folder, name, groups, newline="\r\n"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(writer.write_lot_bytes(groups, "000042", CREATED, newline))
    return path


def three_months(blocked_august=False):
    employer = BAKERY.employer
    august = samples.monthly_dsn(employer, AUGUST, 1, seed=3)
    return [
        LotGroup(
            "PAIE-01",
            [
                samples.monthly_dsn(employer, OCTOBER, 2, seed=1),
                samples.monthly_dsn(employer, SEPTEMBER, 2, seed=2),
            ],
        ),
        LotGroup("PAIE-02", [list(without_contract_number(august)) if blocked_august else august]),
    ]


def outcome_rows(world, state):
    run_id = str(state.state_details.flow_run_id)
    with open_store(world.effective_database_url()) as store, store.read() as session:
        return session.query(ItemOutcome).filter(ItemOutcome.flow_run_id == run_id).all()


def outcomes_of(world, state):
    return {row.item_key: row.status for row in outcome_rows(world, state)}


def test_each_declaration_of_a_lot_is_a_flux_of_its_own(world, tmp_path, sandbox):
    lot = write_lot(tmp_path / "inbox", "lot.dsn", three_months(blocked_august=True))
    declarations = split_lot(lot.read_bytes())
    assert len(declarations) == 3

    state = deposit(BAKERY.code, [lot])
    assert state.name == "Partial"  # the August DSN is blocked, the two others leave
    received = sandbox.state("net-entreprises").deposits(BUREAU.siret)
    sent = {hashlib.sha256(d.data).hexdigest() for d in declarations[:2]}
    assert {deposit.sha256 for deposit in received} == sent  # the lot's bytes, exactly
    assert sum(d.size for d in received) == sum(len(d.data) for d in declarations[:2])

    rows = states(world, BAKERY.code)
    names = [f"lot.dsn · DSN {n}/3" for n in (1, 2, 3)]
    assert sorted(rows) == names
    assert rows[names[0]].state is ControlState.ACCEPTED
    assert rows[names[1]].state is ControlState.ACCEPTED
    assert rows[names[2]].state is ControlState.REJECTED
    assert outcomes_of(world, state) == {
        f"{lot}#1": "ok",
        f"{lot}#2": "ok",
        f"{lot}#3": "failed",
    }

    # The lot fixed and given again: only its corrected declaration leaves.
    fixed = write_lot(tmp_path / "fixed", "lot.dsn", three_months())
    assert deposit(BAKERY.code, [fixed]).is_completed()
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 3


def test_a_broken_envelope_stops_every_declaration_of_the_lot(world, tmp_path, sandbox):
    lot = write_lot(tmp_path, "lot.dsn", three_months())
    lines = lot.read_bytes().split(b"\r\n")
    cut = [line for line in lines if not line.startswith(b"S95.G51.00.")]  # no end of lot
    lot.write_bytes(b"\r\n".join(cut))
    state = deposit(BAKERY.code, [lot])
    assert state.is_failed()
    assert sandbox.state("net-entreprises").deposits(BUREAU.siret) == []
    rows = states(world, BAKERY.code)
    assert len(rows) == 3
    assert {row.state for row in rows.values()} == {ControlState.REJECTED}


def test_a_file_that_is_no_dsn_text_is_unreadable_not_deposited(world, tmp_path, sandbox):
    """CR-only line endings: the platform does not take them, the self-check says so."""
    good = write_lot(tmp_path, "a.dsn", three_months())
    cr_only = tmp_path / "cr.dsn"
    cr_only.write_bytes(good.read_bytes().replace(b"\r\n", b"\r"))
    state = deposit(BAKERY.code, [cr_only])
    assert state.is_failed()
    assert sandbox.state("net-entreprises").deposits() == []
    [outcome] = outcome_rows(world, state)
    assert (outcome.item_key, outcome.status) == (str(cr_only), "failed")
    assert "illisible" in outcome.message
    assert "CR" in outcome.message or "retour chariot" in outcome.message, outcome.message
