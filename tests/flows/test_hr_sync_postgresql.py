"""The HR sync on a PostgreSQL store: the first run creates everyone, an entity change fails
that employee alone, the rerun after the fix ends success, a last run writes nothing."""

from __future__ import annotations

import pytest

from coursier.flows.hr_sync import hr_sync
from tests.flows.test_hr_sync import BAKERY, install_world, move_to_the_bakery, run_id, sandbox

__all__ = ["sandbox"]


@pytest.fixture
def world(tmp_path, monkeypatch, sandbox, prefect_api, postgres_url_factory):
    monkeypatch.setenv("COURSIER_DATABASE_URL", postgres_url_factory())
    return install_world(tmp_path, monkeypatch, sandbox)


def test_a_night_an_entity_change_its_fix_and_a_quiet_night(world, sandbox):
    assert hr_sync(company=BAKERY, return_state=True).name == "Completed"
    move_to_the_bakery(sandbox)
    partial = hr_sync(company=BAKERY, return_state=True)
    assert partial.name == "Partial"
    sandbox.state("securex").employee(BAKERY, "000026")["email"] = "neuf@peeters.example.be"
    rerun = hr_sync(company=BAKERY, retry_failed_of=run_id(partial), return_state=True)
    assert rerun.name == "Completed"
    before = sandbox.state("payflip").received()
    assert hr_sync(company=BAKERY, return_state=True).name == "Completed"
    assert sandbox.state("payflip").received() == before
