"""Cegid Flow on a PostgreSQL store: onboarding with a cut proposal reconciled once, a second
run sending nothing, then a watch replaying dropped changes and a second finding none."""

from __future__ import annotations

from datetime import date

import pytest
from prefect.states import StateType

from coursier.flows.cegid_flow_init import cegid_flow_init
from coursier.flows.cegid_flow_watch import cegid_flow_watch
from tests.flows import test_cegid_support as support
from tests.flows.test_cegid_support import outcomes

cegid_sandbox, loop, cegid_world = support.cegid_sandbox, support.loop, support.cegid_world
DOSSIERS = ["CF-PRET-01", "CF-PRET-02", "CF-SANS-JOURNAL"]


@pytest.fixture
def on_postgresql(monkeypatch, postgres_url_factory):
    monkeypatch.setenv("COURSIER_DATABASE_URL", postgres_url_factory())


@pytest.mark.usefixtures("on_postgresql")
def test_onboarding_then_watching_on_postgresql(cegid_world, loop):
    loop.cuts.add("service-proposal", "cut_after", target=None)
    first = cegid_flow_init(dossiers=DOSSIERS, return_state=True)
    assert first.type == StateType.COMPLETED, first.message
    found = outcomes(cegid_world, first)
    assert [found[c].status for c in DOSSIERS] == ["ok", "ok", "skipped"]
    sends = dict(loop.sends)
    assert cegid_flow_init(dossiers=DOSSIERS, return_state=True).type == StateType.COMPLETED
    assert dict(loop.sends) == sends
    assert len(loop.mailbox) == 2
    day = date(2026, 12, 2)
    loop.emit_changes("CF-PRET-01", day, 1000, drop_rate=0.01)
    watched = cegid_flow_watch(day=day, return_state=True)
    assert watched.type == StateType.COMPLETED, watched.message
    result = outcomes(cegid_world, watched)["CF-PRET-01"].details
    assert result["missing"] > 0
    assert result["still_missing"] == 0
    again = cegid_flow_watch(day=day, return_state=True)
    assert outcomes(cegid_world, again)["CF-PRET-01"].details["missing"] == 0
