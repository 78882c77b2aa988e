"""The Payflip sandbox: companies by VAT number, employees read, created and updated in bulk,
the entity change refused as "account exists", invalid rows, 429 and cuts from the fault board."""

from __future__ import annotations

import httpx
import pytest

from coursier.sandbox.payflip_state import SYNCED
from coursier.sandbox.securex_people import people


@pytest.fixture
def payflip(sandbox):
    return sandbox.state("payflip")


@pytest.fixture
def url(sandbox):
    return sandbox.url("payflip")


@pytest.fixture
def auth(payflip):
    return {"Authorization": f"Bearer {payflip.api_key}"}


def rows(vat: str, count: int, seed: int = 0) -> list[dict[str, object]]:
    return [{k: e.get(k) for k in SYNCED} for e in people(seed, vat, count)]


def company_id(client, url, auth, vat: str) -> str:
    return client.get(f"{url}/companies", params={"vat": vat}, headers=auth).json()["items"][0][
        "id"
    ]


@pytest.mark.parametrize("typed", ["BE0403170701", "0403.170.701", "BE 0403 170 701", "403170701"])
def test_a_company_by_its_vat_however_typed(client, url, auth, typed):
    assert company_id(client, url, auth, typed) == "co-1"


def test_no_company_and_no_key(client, url, auth):
    none = client.get(f"{url}/companies", params={"vat": "BE0999999999"}, headers=auth)
    assert none.json() == {"items": []}
    assert client.get(f"{url}/companies", params={"vat": "BE0403170701"}).status_code == 401


def test_create_then_read_then_update_only_the_fields_given(client, url, auth, payflip):
    cid = company_id(client, url, auth, "BE0403170701")
    created = client.post(
        f"{url}/employee-imports",
        json={"company": cid, "employees": rows("0403170701", 3)},
        headers=auth,
    ).json()["results"]
    assert [r["status"] for r in created] == ["created"] * 3
    record = payflip.employee(cid, "000002")
    record["exitDate"] = "2026-12-31"
    record["salaryComponents"] = [{"kind": "car"}]
    changed = client.post(
        f"{url}/employee-updates",
        json={"company": cid, "updates": [{"id": record["id"], "fields": {"grossSalary": 4100.0}}]},
        headers=auth,
    ).json()["results"]
    assert changed == [{"id": record["id"], "status": "updated"}]
    read = client.get(
        f"{url}/employees", params={"company": cid, "employeeNumber": "000002"}, headers=auth
    ).json()["items"]
    assert read[0]["grossSalary"] == 4100.0
    assert read[0]["exitDate"] == "2026-12-31"
    assert read[0]["salaryComponents"] == [{"kind": "car"}]
    refused = client.post(
        f"{url}/employee-updates",
        json={"company": cid, "updates": [{"id": record["id"], "fields": {"exitDate": None}}]},
        headers=auth,
    ).json()["results"][0]
    assert refused["code"] == "invalid_field"
    assert payflip.received()["updates"] == 2


def test_the_same_email_in_another_entity_is_account_exists(client, url, auth):
    mover = rows("0403170701", 1)[0]
    first = company_id(client, url, auth, "BE0403170701")
    other = company_id(client, url, auth, "BE0202239951")
    client.post(
        f"{url}/employee-imports", json={"company": first, "employees": [mover]}, headers=auth
    )
    moved = {**mover, "employeeNumber": "900001"}
    result = client.post(
        f"{url}/employee-imports", json={"company": other, "employees": [moved]}, headers=auth
    ).json()["results"][0]
    assert result["status"] == "error"
    assert result["code"] == "account_exists"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"email": None}, "invalid_email"),
        ({"email": "not an address"}, "invalid_email"),
        ({"grossSalary": -5}, "invalid_salary"),
        ({"workRegime": 0}, "invalid_salary"),
        ({"lastName": ""}, "invalid_row"),
        ({"language": "xx"}, "invalid_row"),
    ],
)
def test_invalid_rows_fail_alone(client, url, auth, change, code):
    cid = company_id(client, url, auth, "BE0403170701")
    good, bad = rows("0403170701", 2)
    results = client.post(
        f"{url}/employee-imports",
        json={"company": cid, "employees": [good, {**bad, **change}]},
        headers=auth,
    ).json()["results"]
    assert results[0]["status"] == "created"
    assert (results[1]["status"], results[1]["code"]) == ("error", code)


def test_a_cut_import_was_processed_and_a_429_was_not(client, url, auth, payflip):
    cid = company_id(client, url, auth, "BE0403170701")
    body = {"company": cid, "employees": rows("0403170701", 2)}
    client.post(
        f"{url}/_sandbox/faults",
        json={"route": "employee-imports", "kind": "status", "status": 429, "count": 1},
    )
    assert client.post(f"{url}/employee-imports", json=body, headers=auth).status_code == 429
    assert payflip.received()["creates"] == 0
    client.post(
        f"{url}/_sandbox/faults",
        json={"route": "employee-imports", "kind": "cut_response", "count": 1},
    )
    with pytest.raises(httpx.HTTPError):
        client.post(f"{url}/employee-imports", json=body, headers=auth)
    assert payflip.employee(cid, "000001") is not None
    assert payflip.received()["creates"] == 2


def test_pages_of_a_company_holding_a_hundred_thousand(client, url, auth):
    added = client.post(
        f"{url}/_sandbox/companies",
        json={"vat": "BE0000000097", "name": "Big", "synced": 100_000},
        timeout=120,  # drawing 100,000 people took over 10 s with the whole suite beside it
    ).json()
    page = client.get(
        f"{url}/employees",
        params={"company": added["id"], "page": 100, "pageSize": 1000},
        headers=auth,
    ).json()
    assert page["totalItems"] == 100_000
    assert page["items"][-1]["employeeNumber"] == "100000"
    assert (
        client.get(
            f"{url}/employees", params={"company": added["id"], "pageSize": 1001}, headers=auth
        ).status_code
        == 400
    )
