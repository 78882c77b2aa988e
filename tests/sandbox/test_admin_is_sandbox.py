"""The Admin IS | Consult sandbox: the firm's API key, clients by offset, taskflows."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin_is(sandbox):
    return sandbox.state("admin-is")


@pytest.fixture
def url(sandbox):
    return sandbox.url("admin-is")


def test_the_firms_key_is_required(client, url) -> None:
    assert client.get(f"{url}/clients").status_code == 401
    assert client.get(f"{url}/clients", headers={"X-Api-Key": "wrong"}).status_code == 401


def test_clients_by_offset_and_taskflow(client, url, admin_is) -> None:
    key = {"X-Api-Key": admin_is.api_key}
    first = client.get(f"{url}/clients", params={"limit": 10}, headers=key).json()
    assert first["total"] == len(admin_is.clients)
    rest = client.get(f"{url}/clients", params={"offset": 10, "limit": 500}, headers=key).json()
    codes = [c["code"] for c in first["clients"] + rest["clients"]]
    assert len(set(codes)) == first["total"]
    assert {c["taal"] for c in admin_is.clients} <= {"F", "N", "E", "D"}
    assert client.get(f"{url}/clients", params={"limit": 501}, headers=key).status_code == 400
    flows = client.get(f"{url}/taskflows", headers=key).json()["taskflows"]
    assert {f["code"] for f in flows} == {"ipp-2026", "tva-2026"}
    members = client.get(f"{url}/taskflows/ipp-2026/clients", headers=key).json()["codes"]
    assert set(members) < set(codes)
    assert client.get(f"{url}/taskflows/x/clients", headers=key).status_code == 404
