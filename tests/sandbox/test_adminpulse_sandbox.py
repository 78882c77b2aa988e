"""The AdminPulse sandbox: Bearer token, relations paged (pageSize ≤ 400, results + pageCount),
tasks of a taskflow, the 480-calls-a-minute limit answered 429, faults on demand."""

from __future__ import annotations

import pytest


@pytest.fixture
def adminpulse(sandbox):
    return sandbox.state("adminpulse")


@pytest.fixture
def url(sandbox):
    return sandbox.url("adminpulse")


@pytest.fixture
def auth(adminpulse):
    return {"Authorization": f"Bearer {adminpulse.token}"}


def test_without_the_token_nothing_is_read(client, url) -> None:
    assert client.get(f"{url}/relations").status_code == 401
    wrong = client.get(f"{url}/relations", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_relations_come_in_pages_of_at_most_400(client, url, auth, adminpulse) -> None:
    client.post(f"{url}/_sandbox/dataset", json={"imported": 900, "accounton": 0, "common": 0})
    seen = []
    first = client.get(f"{url}/relations", params={"pageSize": 400}, headers=auth).json()
    assert first["pageCount"] == 3
    assert first["totalCount"] == 900 + 8  # the tricky records follow
    for page in range(1, first["pageCount"] + 1):
        answer = client.get(
            f"{url}/relations", params={"page": page, "pageSize": 400}, headers=auth
        )
        seen += answer.json()["results"]
    assert len({r["id"] for r in seen}) == 908
    assert client.get(f"{url}/relations", params={"pageSize": 401}, headers=auth).status_code == 400
    person = seen[0]
    assert set(person) >= {"id", "firstName", "lastName", "email", "nationalNumber", "language"}


def test_lookup_by_vat_number(client, url, auth) -> None:
    answer = client.get(f"{url}/relations", params={"vatNumber": "BE0403170701"}, headers=auth)
    assert answer.json()["results"] == []


def test_tasks_of_a_taskflow_name_their_relations(client, url, auth, adminpulse) -> None:
    flows = client.get(f"{url}/taskflows", headers=auth).json()["results"]
    assert {"id": "ipp-2026", "name": "IPP 2026"} in flows
    tasks = client.get(f"{url}/taskflows/ipp-2026/tasks", headers=auth).json()
    relation_ids = {r["id"] for r in adminpulse.relations}
    assert tasks["results"]
    assert {t["relationId"] for t in tasks["results"]} <= relation_ids
    assert client.get(f"{url}/taskflows/nope/tasks", headers=auth).status_code == 404


def test_beyond_the_rate_limit_calls_are_429_until_the_window_moves(
    client, url, auth, sandbox
) -> None:
    client.post(f"{url}/_sandbox/rate-limit", json={"limit": 5, "window_s": 60})
    answers = [client.get(f"{url}/taskflows", headers=auth) for _ in range(7)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert client.get(f"{url}/_sandbox/stats").json()["rejected_429"] == 2
    sandbox.clock.advance(61)
    assert client.get(f"{url}/taskflows", headers=auth).status_code == 200


def test_5xx_and_cuts_on_demand(client, url, auth) -> None:
    client.post(
        f"{url}/_sandbox/faults",
        json={"route": "relations", "kind": "status", "status": 503, "count": 1},
    )
    assert client.get(f"{url}/relations", headers=auth).status_code == 503
    assert client.get(f"{url}/relations", headers=auth).status_code == 200
