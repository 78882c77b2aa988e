"""The M2M switch: off by default, per operator and module, every change audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from coursier.store import (
    M2MStatus,
    Store,
    m2m_enabled,
    m2m_status,
    open_store,
    query_audit,
    set_m2m,
)


@pytest.fixture
def store(tmp_path: Path):
    with open_store(f"sqlite:///{tmp_path / 'store.db'}") as store:
        yield store


def test_off_until_switched_on(store: Store) -> None:
    with store.begin() as session:
        assert not m2m_enabled(session, "alice", "dsn")
        assert [(s.module, s.enabled) for s in m2m_status(session, "alice")] == [
            ("dsn", False),
            ("signalement", False),
            ("fctu", False),
        ]


def test_switch_is_per_operator_and_module(store: Store) -> None:
    with store.begin() as session:
        assert set_m2m(session, "alice", "signalement", True, by="alice")
    with store.begin() as session:
        assert m2m_enabled(session, "alice", "signalement")
        assert not m2m_enabled(session, "alice", "dsn")
        assert not m2m_enabled(session, "bob", "signalement")
        statuses = m2m_status(session, "alice")
    assert [(s.module, s.enabled) for s in statuses] == [
        ("dsn", False),
        ("signalement", True),
        ("fctu", False),
    ]
    assert statuses[1].updated_by == "alice"
    assert statuses[1].updated_at is not None
    assert statuses[1].updated_at.tzinfo is not None


def test_switching_off_again_and_every_change_is_audited(store: Store) -> None:
    with store.begin() as session:
        set_m2m(session, "alice", "dsn", True, by="admin")
        assert not set_m2m(session, "alice", "dsn", True, by="admin")
        assert set_m2m(session, "alice", "dsn", False, by="alice")
    with store.begin() as session:
        assert not m2m_enabled(session, "alice", "dsn")
        events = query_audit(session)
    assert [(e.actor, e.action, e.subject, e.outcome) for e in events] == [
        ("admin", "m2m.on", "alice/dsn", "changed"),
        ("admin", "m2m.on", "alice/dsn", "unchanged"),
        ("alice", "m2m.off", "alice/dsn", "changed"),
    ]
    assert events[0].details == {"operator": "alice", "module": "dsn", "enabled": True}


def test_status_of_everyone_lists_switches_set(store: Store) -> None:
    with store.begin() as session:
        set_m2m(session, "bob", "fctu", True, by="bob")
        set_m2m(session, "alice", "dsn", False, by="alice")
        statuses = m2m_status(session)
    assert [(s.operator, s.module, s.enabled) for s in statuses] == [
        ("alice", "dsn", False),
        ("bob", "fctu", True),
    ]
    assert all(isinstance(s, M2MStatus) for s in statuses)


def test_unknown_module_is_refused(store: Store) -> None:
    with store.begin() as session, pytest.raises(ValueError, match="module 'dpae' inconnu"):
        set_m2m(session, "alice", "dpae", True, by="alice")  # type: ignore[arg-type]
