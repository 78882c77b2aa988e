"""The Securex sandbox: OAuth2 client credentials with expiring tokens, the subscription key on
every call, the paged export of a company's employees, up to 100,000 of them."""

from __future__ import annotations

import httpx
import pytest

from coursier.sandbox.securex_people import people

VAT = "0403170701"


@pytest.fixture
def securex(sandbox):
    return sandbox.state("securex")


@pytest.fixture
def url(sandbox):
    return sandbox.url("securex")


def token(client, url, securex, **form) -> httpx.Response:
    data = {
        "grant_type": "client_credentials",
        "client_id": securex.client.client_id,
        "client_secret": securex.client.client_secret,
        **form,
    }
    return client.post(f"{url}/oauth2/token", data=data)


def headers(client, url, securex) -> dict[str, str]:
    value = token(client, url, securex).json()["access_token"]
    return {
        "Authorization": f"Bearer {value}",
        "Ocp-Apim-Subscription-Key": securex.client.subscription_key,
    }


def test_a_token_for_the_registered_client_only(client, url, securex):
    answer = token(client, url, securex)
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "Bearer"
    assert answer.json()["expires_in"] == 3600
    assert token(client, url, securex, client_secret="wrong").json() == {"error": "invalid_client"}
    assert token(client, url, securex, grant_type="password").status_code == 400


def test_every_call_needs_the_subscription_key_and_a_live_token(client, url, securex, sandbox):
    auth = headers(client, url, securex)
    assert client.get(f"{url}/v1/companies/{VAT}", headers=auth).status_code == 200
    no_key = {"Authorization": auth["Authorization"]}
    refused = client.get(f"{url}/v1/companies/{VAT}", headers=no_key)
    assert refused.status_code == 401
    assert "subscription key" in refused.json()["message"]
    sandbox.clock.advance(3601)
    expired = client.get(f"{url}/v1/companies/{VAT}", headers=auth)
    assert expired.status_code == 401
    assert 'error="invalid_token"' in expired.headers["www-authenticate"]


def test_a_token_policy_counts_uses(client, url, securex):
    client.post(f"{url}/_sandbox/token-policy", json={"lifetime_s": 60, "uses": 2})
    auth = headers(client, url, securex)
    answers = [client.get(f"{url}/v1/companies/{VAT}", headers=auth).status_code for _ in range(3)]
    assert answers == [200, 200, 401]


def test_an_unknown_company_is_404(client, url, securex):
    auth = headers(client, url, securex)
    answer = client.get(f"{url}/v1/companies/0202239952/employees", headers=auth)
    assert answer.status_code == 404
    assert answer.json()["code"] == "COMPANY_NOT_FOUND"


def test_pages_cover_every_employee_once(client, url, securex):
    auth = headers(client, url, securex)
    seen, page, pages = [], 1, None
    while pages is None or page <= pages:
        body = client.get(
            f"{url}/v1/companies/{VAT}/employees",
            params={"page": page, "pageSize": 7},
            headers=auth,
        ).json()
        pages = body["totalPages"]
        seen += [e["employeeNumber"] for e in body["items"]]
        page += 1
    assert pages == 4
    assert seen == [e["employeeNumber"] for e in securex.company(VAT).employees]
    assert len(set(seen)) == 25
    too_big = client.get(
        f"{url}/v1/companies/{VAT}/employees", params={"pageSize": 1001}, headers=auth
    )
    assert too_big.status_code == 400


def test_seeded_people_are_reproducible_and_spoilable():
    assert people(3, VAT, 5) == people(3, VAT, 5)
    assert people(3, VAT, 5) != people(4, VAT, 5)
    spoiled = people(3, VAT, 9, invalid_every=3)
    assert spoiled[2]["email"] is None
    assert "@" not in spoiled[5]["email"]
    assert spoiled[8]["grossSalary"] < 0
    raised = people(3, VAT, 4, changed_every=2)
    assert raised[1]["grossSalary"] == round(people(3, VAT, 4)[1]["grossSalary"] + 100, 2)
    assert raised[2] == people(3, VAT, 4)[2]


def test_it_holds_a_hundred_thousand_employees(client, url, securex):
    big = "0000000097"
    client.post(f"{url}/_sandbox/companies", json={"vat": big, "name": "Big", "count": 100_000})
    auth = headers(client, url, securex)
    last = client.get(
        f"{url}/v1/companies/{big}/employees", params={"page": 100, "pageSize": 1000}, headers=auth
    ).json()
    assert last["totalItems"] == 100_000
    assert last["items"][-1]["employeeNumber"] == "100000"
