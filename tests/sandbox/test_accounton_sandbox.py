"""The Accounton sandbox: client id and secret, scopes, customers read / created / updated,
questionnaires, invitations, cuts of a create's answer; its seeded firm holds all five classes
of the client import."""

from __future__ import annotations

import httpx
import pandas as pd
import pytest

from coursier.models.clients_classify import classify
from coursier.models.clients_normalise import RAW_COLUMNS, normalise
from coursier.sandbox.accounton_dataset import Shape, firm_clients


@pytest.fixture
def accounton(sandbox):
    return sandbox.state("accounton")


@pytest.fixture
def url(sandbox):
    return sandbox.url("accounton")


@pytest.fixture
def auth(accounton):
    return {"X-CLIENT-ID": accounton.client_id, "X-CLIENT-SECRET": accounton.client_secret}


NEW = {
    "firstName": "Zoé",
    "lastName": "Nieuw",
    "email": "zoe.nieuw@example.be",
    "nationalNumber": "05031501281",
    "language": "NL",
    "questionnaireId": "ipp-nl",
}


def test_an_unknown_client_or_a_missing_scope_is_refused(client, url, auth) -> None:
    assert client.get(f"{url}/customers").status_code == 401
    bad = {**auth, "X-CLIENT-SECRET": "nope"}
    assert client.get(f"{url}/customers", headers=bad).status_code == 401
    client.post(f"{url}/_sandbox/scopes", json={"scopes": ["customers.read"]})
    assert client.post(f"{url}/customers", json=NEW, headers=auth).status_code == 403
    assert client.get(f"{url}/customers", headers=auth).status_code == 200


def test_a_created_customer_is_linked_not_sent_and_found_again(client, url, auth) -> None:
    created = client.post(f"{url}/customers", json=NEW, headers=auth)
    assert created.status_code == 201
    customer = created.json()
    assert customer["questionnaire"] == {"id": "ipp-nl", "status": "not_sent"}
    by_number = client.get(
        f"{url}/customers", params={"nationalNumber": "05031501281"}, headers=auth
    ).json()
    assert [c["id"] for c in by_number["items"]] == [customer["id"]]
    by_mail = client.get(
        f"{url}/customers", params={"email": "ZOE.nieuw@example.BE"}, headers=auth
    ).json()
    assert [c["id"] for c in by_mail["items"]] == [customer["id"]]
    patched = client.patch(
        f"{url}/customers/{customer['id']}", json={"firstName": "Zoë"}, headers=auth
    )
    assert patched.json()["firstName"] == "Zoë"
    assert client.get(f"{url}/_sandbox/invitations").json() == []
    invited = client.post(
        f"{url}/invitations",
        json={"customerId": customer["id"], "questionnaireId": "ipp-nl"},
        headers=auth,
    )
    assert invited.status_code == 201
    assert len(client.get(f"{url}/_sandbox/invitations").json()) == 1


def test_a_cut_create_is_made_all_the_same(client, url, auth) -> None:
    before = len(client.get(f"{url}/_sandbox/customers").json())
    client.post(f"{url}/_sandbox/create-cuts", json={"times": 1})
    with pytest.raises(httpx.HTTPError):
        client.post(f"{url}/customers", json=NEW, headers=auth)
    assert len(client.get(f"{url}/_sandbox/customers").json()) == before + 1
    assert client.post(f"{url}/customers", json=NEW, headers=auth).status_code == 201


def test_pages_and_questionnaires(client, url, auth, accounton) -> None:
    answer = client.get(f"{url}/customers", params={"pageSize": 10}, headers=auth).json()
    assert answer["total"] == len(accounton.customers)
    assert answer["pageCount"] == -(-answer["total"] // 10)
    assert client.get(f"{url}/customers", params={"pageSize": 501}, headers=auth).status_code == 400
    languages = {
        q["language"] for q in client.get(f"{url}/questionnaires", headers=auth).json()["items"]
    }
    assert languages == {"FR", "NL", "EN", "DE"}


def _frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"source_id": r["id"], **{c: r[c] for c in RAW_COLUMNS[1:]}} for r in records],
        columns=RAW_COLUMNS,
    )


def test_the_seeded_firm_holds_every_class() -> None:
    firm = firm_clients(0, Shape())
    result = classify(normalise(_frame(firm.imported)), normalise(_frame(firm.accounton)))
    assert not result.new.empty
    assert not result.only_in_accounton.empty
    assert result.duplicates["changed"].ne("").any()
    assert result.duplicates["changed"].eq("").any()
    assert set(result.duplicates["matched_on"]) >= {"numéro national", "e-mail"}
    assert {"T-twice-1", "T-twice-2", "T-no-name"} <= set(result.invalid["source_id"])
    assert set(result.possible["import_id"]) == {"T-nn", "T-two-numbers"}
    assert list(result.joint["import_id"]) == ["T-partner"]
