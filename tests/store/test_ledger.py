"""The deposit ledger and the stored returns."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from coursier.models.deposits import DepositState
from coursier.store import open_store
from coursier.store.ledger import (
    add_deposit,
    add_new_return,
    control_rows,
    control_table,
    deposits_named,
    find_deposit,
    known_idflux,
    listed_until,
    open_deposits,
    return_facts,
    returns_by_deposit,
    returns_of,
    set_listed_until,
    store_return,
)

T0 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
ACCOUNT = "net-entreprises|production|depot.dsnrg.net-entreprises.fr|99900000300015|declarant"


@pytest.fixture
def store(store_url):
    with open_store(store_url) as opened:
        yield opened


def deposit(session, sha="a" * 64, **changes):
    fields = dict(
        dossier="CCH001",
        platform="net-entreprises",
        module="dsn",
        file_name="dsn.txt",
        file_path="/inbox/dsn.txt",
        file_sha256=sha,
        file_size=120,
        nature="01",
        declaration_type="01",
        siret="73282932000074",
        month=date(2026, 10, 1),
        state=DepositState.SENDING.value,
        declarant_siret="99900000300015",
        account_key=ACCOUNT,
        sent_at=T0,
    )
    return add_deposit(session, **{**fields, **changes})


def test_a_file_is_recorded_once_per_dossier(store):
    with store.begin() as session:
        deposit(session)
    with pytest.raises(IntegrityError), store.begin() as session:
        deposit(session)
    with store.begin() as session:
        deposit(session, dossier="OTHER")
        assert find_deposit(session, "CCH001", "a" * 64).dossier == "CCH001"


def test_in_flight_views_and_known_flux_per_account(store):
    with store.begin() as session:
        sending = deposit(session, sha="1" * 64)
        done = deposit(session, sha="2" * 64, state="accepted", idflux="F2")
        waiting = deposit(session, sha="3" * 64, state="deposited", idflux="F3")
        deposit(session, sha="4" * 64, state="accepted", idflux="F4", account_key="other")
    with store.begin() as session:
        assert [d.id for d in open_deposits(session)] == [sending.id, waiting.id]
        assert known_idflux(session, ACCOUNT, ["F2", "F4", "F9"]) == {"F2"}
        assert done.idflux == "F2"


def test_the_same_idflux_may_belong_to_two_accounts_never_twice_to_one(store):
    with store.begin() as session:
        deposit(session, sha="1" * 64, state="accepted", idflux="F1")
        deposit(session, sha="2" * 64, state="accepted", idflux="F1", account_key="other")
    with pytest.raises(IntegrityError), store.begin() as session:
        deposit(session, sha="3" * 64, state="accepted", idflux="F1")


def test_state_must_be_known(store):
    with pytest.raises(IntegrityError), store.begin() as session:
        deposit(session, state="lost")


def test_overwritten_return_replaces_the_stored_one(store):
    with store.begin() as session:
        owner = deposit(session, state="deposited", idflux="F1")
        args = dict(platform="net-entreprises", idflux="F1", nature="11", return_id="R1")
        first = store_return(session, **args, status="KO", content=b"<ban/>", deposit_id=owner.id)
        same = store_return(session, **args, status="KO", content=b"<ban/>", deposit_id=owner.id)
        changed = store_return(session, **args, status="OK", content=b"<cco/>", deposit_id=owner.id)
    assert (first.kind, same.kind, changed.kind) == ("new", "unchanged", "overwritten")
    assert changed.previous_status == "KO"
    with store.begin() as session:
        [stored] = returns_of(session, owner.id)
        assert (stored.status, stored.content, stored.version) == ("OK", b"<cco/>", 2)


def test_a_new_return_is_stored_once_whoever_comes_second(store):
    """The one-statement insert gives way to a return of the same identity already stored
    (another run took it meanwhile); what it stored reads back as any other return."""
    with store.begin() as session:
        owner = deposit(session, state="deposited", idflux="F1")
        args = dict(platform="net-entreprises", idflux="F1", nature="11", return_id="R1")
        assert add_new_return(session, **args, status="OK", content=b"<cco/>", deposit_id=owner.id)
        again = dict(status="KO", content=b"<ban/>", deposit_id=owner.id)
        assert not add_new_return(session, **args, **again)
    with store.read() as session:
        [stored] = returns_of(session, owner.id)
        assert (stored.status, stored.content, stored.version) == ("OK", b"<cco/>", 1)
        assert stored.content_sha256 == hashlib.sha256(b"<cco/>").hexdigest()
        assert return_facts(session, owner.id) == [("11", "OK", None, None)]


def test_control_rows_filters(store):
    with store.begin() as session:
        deposit(session, sha="1" * 64, state="accepted", month=date(2026, 9, 1))
        deposit(session, sha="2" * 64, state="blocked", month=date(2026, 10, 1))
        deposit(session, sha="3" * 64, state="rejected", nature="07", month=date(2026, 10, 1))
    with store.begin() as session:
        assert len(control_rows(session)) == 3
        assert [d.state for d in control_rows(session, only_blocking=True)] == [
            "blocked",
            "rejected",
        ]
        assert [d.nature for d in control_rows(session, natures=["07"])] == ["07"]
        october = control_rows(session, start=date(2026, 10, 1), end=date(2026, 10, 31))
        assert {d.month for d in october} == {date(2026, 10, 1)}


def test_only_blocking_lists_what_is_still_to_fix(store):
    """A blocked file corrected since is fixed: its declaration leaves the blocking list."""
    with store.begin() as session:
        deposit(session, sha="1" * 64, file_name="v1.dsn", state="blocked")
        deposit(session, sha="2" * 64, file_name="v2.dsn", state="accepted")
        deposit(session, sha="3" * 64, file_name="fctu.dsn", state="rejected", nature="07")
        deposit(session, sha="4" * 64, file_name="fctu-2.dsn", state="blocked", nature="07")
    with store.read() as session:
        blocking = control_rows(session, only_blocking=True)
        assert [d.file_name for d in blocking] == ["fctu.dsn", "fctu-2.dsn"]
        [monthly, fctu] = control_table(session)
        assert (monthly.file, [f.file for f in monthly.history]) == ("v2.dsn", ["v1.dsn"])
        assert (fctu.file, fctu.state_label) == ("fctu-2.dsn", "Refusée / erreur bloquante")


def test_the_detail_reads_each_files_returns(store):
    with store.begin() as session:
        owner = deposit(session, state="anomalies", idflux="F1", file_path="/inbox/a/dsn.txt")
        other = deposit(session, sha="b" * 64, state="blocked", month=date(2026, 9, 1))
        args = dict(platform="net-entreprises", idflux="F1", deposit_id=owner.id, status="OK")
        add_new_return(session, **args, nature="10", return_id="R1", content=b"<aee/>")
        add_new_return(session, **args, nature="11", return_id="R2", content=b"<ban/>")
    with store.read() as session:
        found = returns_by_deposit(session, [owner.id, other.id])
        assert [r.nature for r in found[owner.id]] == ["10", "11"]
        assert found[other.id] == []
        [with_returns, blocked] = control_table(session, dossier="CCH001")
        assert [(r.nature, r.readable) for r in with_returns.returns] == [
            ("10", "non"),  # not a return: said unreadable, not raised
            ("11", "non"),
        ]
        assert (blocked.deposit_id, blocked.returns) == (other.id, [])
        for name in ("F1", "/inbox/a/dsn.txt", "A" * 64):
            assert [d.id for d in deposits_named(session, name)] == [owner.id]
        assert [d.id for d in deposits_named(session, "dsn.txt")] == [owner.id, other.id]
        assert deposits_named(session, "dsn.txt", dossier="OTHER") == []


def test_listing_cursor(store):
    with store.begin() as session:
        assert listed_until(session, ACCOUNT) is None
        set_listed_until(session, ACCOUNT, T0)
    with store.begin() as session:
        set_listed_until(session, ACCOUNT, T0.replace(hour=10))
    with store.begin() as session:
        assert listed_until(session, ACCOUNT) == T0.replace(hour=10)
        assert listed_until(session, "izilio|production|x|999|declarant") is None


def test_the_listing_cursor_never_goes_back_and_two_first_looks_both_pass(store):
    """Two returns controls of one account at once: the second first look meets the row the
    first one wrote (an upsert, not an insert that fails), and the later look is kept."""
    later, earlier = T0.replace(hour=11), T0.replace(hour=9)
    with store.begin() as first, store.begin() as second:
        set_listed_until(first, ACCOUNT, later)
        first.commit()
        set_listed_until(second, ACCOUNT, earlier)
    with store.read() as session:
        assert listed_until(session, ACCOUNT) == later
