"""The PAS flow on PostgreSQL: every association integrated, again without a change, and the
association cut on every attempt failed alone (the SQLite runs are in ``test_pas_crm``)."""

from __future__ import annotations

import pytest

from tests.flows.test_pas_crm import (
    EMPLOYEES,
    A,
    B,
    associations,
    counts,
    cuts,
    deposit,
    integrate,
    outcomes,
)

__all__ = ["associations"]  # the fixture, used by name


@pytest.fixture
def database_url(postgres_url_factory) -> str:
    return postgres_url_factory()


def test_integrating_twice_on_postgresql_changes_nothing_and_a_cut_fails_alone(
    associations, tmp_path, sandbox
):
    deposit(tmp_path, sandbox)
    cuts(sandbox).cut(B)
    first = integrate()
    assert first.name == "Partial"
    assert {k: o.status for k, o in outcomes(associations, first).items()}[B] == "failed"
    written = counts(associations)
    assert written[0] == sum(n for siret, n in EMPLOYEES.items() if siret != B)
    cuts(sandbox).cut(B, 0)
    again = integrate()
    assert again.is_completed()
    assert again.name != "Partial"
    complete = counts(associations)
    assert complete[0] == sum(EMPLOYEES.values())
    assert {o.status for k, o in outcomes(associations, again).items() if k == A} == {"ok"}
    assert integrate().is_completed()
    assert counts(associations) == complete
