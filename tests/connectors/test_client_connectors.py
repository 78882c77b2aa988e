"""The client-import connectors against the sandbox: AdminPulse (paced, pages ≤ 400, 429
waited out), Admin IS | Consult (the firm's URL and port), Accounton (customers read, looked
up, created, updated; invitations), errors translated without a secret."""

from __future__ import annotations

import httpx
import pytest

from coursier.connectors.accounton.client import AccountonClient
from coursier.connectors.accounton.exchange import AccessRefused
from coursier.connectors.admin_is.block import AdminIsCredentials
from coursier.connectors.admin_is.client import AdminIsClient
from coursier.connectors.adminpulse.client import AdminPulseClient
from coursier.connectors.adminpulse.limiter import Pacer
from coursier.connectors.errors import PayloadError, TransportError
from coursier.connectors.http import RetryPolicy
from coursier.models.clients_normalise import RAW_COLUMNS
from coursier.sandbox.server import SandboxServer

FAST = Pacer(per_minute=60_000)


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed=0) as running:
        yield running


@pytest.fixture
def sandbox(server):
    server.reset()
    return server


def adminpulse(sandbox, **options) -> AdminPulseClient:
    token = sandbox.state("adminpulse").token
    return AdminPulseClient(sandbox.url("adminpulse"), token=token, **{"pacer": FAST, **options})


def accounton(sandbox, **options) -> AccountonClient:
    state = sandbox.state("accounton")
    return AccountonClient(
        sandbox.url("accounton"),
        client_id=state.client_id,
        client_secret=state.client_secret,
        **options,
    )


def test_pacer_spaces_calls_evenly() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(per_minute=480, clock=lambda: now[0], sleep=sleep)
    for _ in range(481):
        pacer.wait()
    assert now[0] == pytest.approx(60.0)  # 481 calls: the 481st a minute after the first
    assert max(slept) == pytest.approx(0.125)
    assert Pacer().interval > 60 / 480  # under the limit


def test_adminpulse_relations_all_pages_as_records(sandbox) -> None:
    httpx.post(
        sandbox.url("adminpulse") + "/_sandbox/dataset",
        json={"imported": 1000, "accounton": 0, "common": 0, "tricky": False},
    )
    with adminpulse(sandbox) as client:
        records = list(client.relations())
    assert len(records) == 1000
    assert len({r["source_id"] for r in records}) == 1000
    assert set(records[0]) == set(RAW_COLUMNS)
    stats = httpx.get(sandbox.url("adminpulse") + "/_sandbox/stats").json()
    assert stats["calls"] == 3  # pages of 400
    assert stats["largest_page_size"] == 400


def test_adminpulse_waits_out_a_429_and_reads_everything(sandbox) -> None:
    url = sandbox.url("adminpulse")
    httpx.post(f"{url}/_sandbox/dataset", json={"imported": 2000, "accounton": 0, "common": 0})
    httpx.post(f"{url}/_sandbox/rate-limit", json={"limit": 3, "window_s": 1})
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        sandbox.clock.advance(seconds)  # the sandbox's window moves without waiting

    with adminpulse(sandbox, sleep=sleep) as client:
        records = list(client.relations())
    assert len(records) == 2008
    assert httpx.get(f"{url}/_sandbox/stats").json()["rejected_429"] >= 1
    assert slept
    assert all(s >= 1 for s in slept)  # Retry-After honoured


def test_adminpulse_taskflow_and_vat_lookup(sandbox) -> None:
    with adminpulse(sandbox) as client:
        flows = client.taskflows()
        ids = client.taskflow_relation_ids("ipp-2026")
        every = {r["source_id"] for r in client.relations()}
        assert client.relation_by_vat("BE0403170701") == []
    assert {f["id"] for f in flows} == {"ipp-2026", "tva-2026"}
    assert ids
    assert ids < every


def test_adminpulse_refusal_says_what_to_do_without_the_token(sandbox) -> None:
    client = AdminPulseClient(sandbox.url("adminpulse"), token="s3cret-token", pacer=FAST)
    with client, pytest.raises(AccessRefused) as caught:
        client.taskflows()
    assert "credentials test" in str(caught.value)
    assert "s3cret-token" not in str(caught.value)


def test_admin_is_clients_and_port() -> None:
    block = AdminIsCredentials(base_url="https://admin-is.cabinet.be/api", port=8443, api_key="k")
    assert block.url() == "https://admin-is.cabinet.be:8443/api"
    assert AdminIsCredentials(base_url="http://h", api_key="k").url() == "http://h"


def test_admin_is_reads_every_client_and_taskflow(sandbox) -> None:
    key = sandbox.state("admin-is").api_key
    with AdminIsClient(sandbox.url("admin-is"), api_key=key) as client:
        records = list(client.clients(limit=7))
        codes = client.taskflow_client_codes("tva-2026")
    assert len(records) == len(sandbox.state("admin-is").clients)
    assert codes < {r["source_id"] for r in records}
    assert {r["language"] for r in records} <= {"F", "N", "E", "D"}


def test_accounton_customers_lookup_create_update_invite(sandbox) -> None:
    with accounton(sandbox) as client:
        customers = list(client.customers())
        known = customers[0]
        assert client.find_customers(national_number=known["national_number"])[0] == known
        by_mail = client.find_customers(email=known["email"].upper())
        assert [c["source_id"] for c in by_mail] == [known["source_id"]]
        record = {
            "last_name": "Nieuw",
            "first_name": "Zoé",
            "email": "zoe@example.be",
            "national_number": "05031501281",
            "language": "NL",
            "partner_national_number": None,
        }
        created = client.create_customer(record, "ipp-nl")
        assert created["questionnaire_status"] == "not_sent"
        updated = client.update_customer(created["source_id"], {"first_name": "Zoë"})
        assert updated["first_name"] == "Zoë"
        client.invite(created["source_id"], "ipp-nl")
        again = client.find_customers(national_number="05031501281")
    assert again[0]["questionnaire_status"] == "sent"
    assert len(customers) == len(sandbox.state("accounton").customers) - 1


def test_accounton_create_cut_is_unknown_and_not_resent(sandbox) -> None:
    url = sandbox.url("accounton")
    httpx.post(f"{url}/_sandbox/create-cuts", json={"times": 1})
    record = {"last_name": "Cut", "email": "cut@example.be"}
    with accounton(sandbox) as client, pytest.raises(TransportError):
        client.create_customer(record, "ipp-fr")
    assert httpx.get(f"{url}/_sandbox/stats").json()["creates"] == 1


def test_accounton_5xx_on_reads_is_retried(sandbox) -> None:
    url = sandbox.url("accounton")
    httpx.post(
        f"{url}/_sandbox/faults",
        json={"route": "questionnaires", "kind": "status", "status": 502, "count": 2},
    )
    with accounton(sandbox, retry=RetryPolicy(backoff=0.01)) as client:
        assert len(client.questionnaires()) == 4


def test_accounton_malformed_page_is_a_payload_error(sandbox) -> None:
    url = sandbox.url("accounton")
    httpx.post(f"{url}/_sandbox/faults", json={"route": "customers", "kind": "malformed"})
    with accounton(sandbox) as client, pytest.raises(PayloadError):
        list(client.customers())


def test_accounton_wrong_secret_never_shows_it(sandbox) -> None:
    with (
        AccountonClient(
            sandbox.url("accounton"), client_id="x", client_secret="hush-hush"
        ) as client,
        pytest.raises(AccessRefused) as caught,
    ):
        client.questionnaires()
    assert "hush-hush" not in str(caught.value)
    assert caught.value.status == 401


def test_adminpulse_page_cut_mid_body_is_read_again(sandbox) -> None:
    url = sandbox.url("adminpulse")
    httpx.post(
        f"{url}/_sandbox/faults",
        json={"route": "relations", "kind": "cut_response", "cut_after": 100, "count": 2},
    )
    with adminpulse(sandbox, retry=RetryPolicy(backoff=0.01)) as client:
        records = list(client.relations())
    assert len(records) == len(sandbox.state("adminpulse").relations)


def test_adminpulse_malformed_page_is_a_payload_error(sandbox) -> None:
    url = sandbox.url("adminpulse")
    httpx.post(f"{url}/_sandbox/faults", json={"route": "relations", "kind": "malformed"})
    with adminpulse(sandbox) as client, pytest.raises(PayloadError):
        list(client.relations())


def test_admin_is_5xx_is_retried(sandbox) -> None:
    url = sandbox.url("admin-is")
    httpx.post(
        f"{url}/_sandbox/faults",
        json={"route": "clients", "kind": "status", "status": 500, "count": 2},
    )
    key = sandbox.state("admin-is").api_key
    client = AdminIsClient(url, api_key=key, retry=RetryPolicy(backoff=0.01))
    with client:
        assert len(list(client.clients())) == len(sandbox.state("admin-is").clients)
