"""The Securex and Payflip clients against the sandbox: tokens fetched once and renewed when
they die mid-export, every page read once, 429 and cuts retried on reads, a cut create never
re-sent but reported unknown (and found by reading back), no secret in any message."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from coursier.connectors.errors import ConnectorError, TransportError
from coursier.connectors.http import RetryPolicy
from coursier.connectors.payflip.block import PayflipCredentials
from coursier.connectors.payflip.client import PayflipClient
from coursier.connectors.payflip.errors import KeyRefused, WriteOutcomeUnknown
from coursier.connectors.securex.block import SecurexCredentials
from coursier.connectors.securex.client import SecurexClient
from coursier.connectors.securex.errors import AuthenticationRefused, CompanyNotFound
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.payflip_state import SYNCED
from coursier.sandbox.server import SandboxServer

VAT = "0403170701"
QUICK = RetryPolicy(attempts=4, backoff=0.01, max_wait=0.05)


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed=2) as running:
        yield running


@pytest.fixture
def sandbox(server):
    server.reset()
    return server


def securex(sandbox, **changes) -> SecurexClient:
    known = sandbox.state("securex").client
    credentials = SecurexCredentials(
        client_id=known.client_id,
        client_secret=changes.pop("client_secret", known.client_secret),
        subscription_key=known.subscription_key,
        base_url=sandbox.url("securex"),
    )
    return SecurexClient(credentials, retry=QUICK, **changes)


def payflip(sandbox, key: str | None = None) -> PayflipClient:
    credentials = PayflipCredentials(
        api_key=key or sandbox.state("payflip").api_key, base_url=sandbox.url("payflip")
    )
    return PayflipClient(credentials, retry=QUICK)


def test_every_page_with_one_token(sandbox):
    with securex(sandbox, page_size=4) as client:
        numbers = [e["employeeNumber"] for page in client.employees(VAT) for e in page]
        assert client.company(VAT)["name"] == "Boulangerie Peeters"
    assert numbers == [f"{i:06d}" for i in range(1, 26)]
    assert client.token_requests == 1


def test_a_token_dying_mid_export_is_renewed(sandbox):
    sandbox.state("securex").token_uses = 3
    with securex(sandbox, page_size=2) as client:
        numbers = [e["employeeNumber"] for page in client.employees(VAT) for e in page]
    assert len(numbers) == 25
    assert client.token_requests == 5  # 13 pages, 3 calls a token


def test_reads_ride_out_429_and_cuts(sandbox):
    faults = sandbox.state("securex").faults
    faults.set(Fault(route="v1", kind=FaultKind.STATUS, status=429, retry_after=0, count=2))
    with securex(sandbox, page_size=10) as client:
        assert sum(len(page) for page in client.employees(VAT)) == 25
    faults.set(Fault(route="v1", kind=FaultKind.CUT_RESPONSE, count=1))
    with securex(sandbox, page_size=10) as client:
        assert sum(len(page) for page in client.employees(VAT)) == 25


def test_refusals_say_what_to_do_without_the_secret(sandbox):
    with (
        securex(sandbox, client_secret="le-mauvais-secret") as client,
        pytest.raises(AuthenticationRefused) as refused,
    ):
        client.company(VAT)
    assert "le-mauvais-secret" not in str(refused.value)
    assert "coursier hr credentials set" in str(refused.value)
    with securex(sandbox) as client, pytest.raises(CompanyNotFound):
        client.company("0202239952")
    with payflip(sandbox, key="pf-mauvaise-cle") as client, pytest.raises(KeyRefused) as bad:
        client.company_by_vat("BE0403170701")
    assert "pf-mauvaise-cle" not in str(bad.value)


def rows(sandbox, count: int) -> list[dict[str, object]]:
    employees = sandbox.state("securex").company(VAT).employees[:count]
    return [{k: e.get(k) for k in SYNCED} for e in employees]


def test_a_cut_create_is_unknown_never_resent_and_found_by_reading_back(sandbox):
    state = sandbox.state("payflip")
    state.faults.set(Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE, count=1))
    with payflip(sandbox) as client:
        company = client.company_by_vat("BE 0403.170.701")["id"]
        with pytest.raises(WriteOutcomeUnknown):
            client.create(company, rows(sandbox, 3))
        assert state.received()["creates"] == 3  # sent once, never again
        found = client.find(company, ["000001", "000002", "000003", "000004"])
    assert sorted(e["employeeNumber"] for e in found) == ["000001", "000002", "000003"]


def test_a_429_create_was_not_received_and_is_sent_again(sandbox):
    state = sandbox.state("payflip")
    state.faults.set(
        Fault(route="employee-imports", kind=FaultKind.STATUS, status=429, retry_after=0, count=1)
    )
    with payflip(sandbox) as client:
        company = client.company_by_vat("BE0403170701")["id"]
        results = client.create(company, rows(sandbox, 2))
    assert [r["status"] for r in results] == ["created", "created"]
    assert state.received()["created_twice"] == []


def test_a_503_create_is_unknown_and_an_update_is_retried(sandbox):
    state = sandbox.state("payflip")
    with payflip(sandbox) as client:
        company = client.company_by_vat("BE0403170701")["id"]
        state.faults.set(Fault(route="employee-imports", kind=FaultKind.STATUS, status=503))
        with pytest.raises(WriteOutcomeUnknown):
            client.create(company, rows(sandbox, 1))
        state.faults.clear()
        [created] = client.create(company, rows(sandbox, 1))
        state.faults.set(Fault(route="employee-updates", kind=FaultKind.CUT_RESPONSE, count=1))
        update = {"id": created["id"], "fields": {"grossSalary": 4000.0}}
        assert client.update(company, [update]) == [{"id": created["id"], "status": "updated"}]
    assert state.employee(company, "000001")["grossSalary"] == 4000.0


def test_transport_errors_are_connector_errors():
    assert issubclass(WriteOutcomeUnknown, TransportError)
    assert issubclass(CompanyNotFound, ConnectorError)


def test_the_environment_picks_the_host_unless_one_is_given():
    common = {"client_id": "c", "client_secret": "s", "subscription_key": "k"}
    acceptance = SecurexCredentials(**common)
    production = SecurexCredentials(**common, environment="production")
    assert acceptance.effective_url() != production.effective_url()
    assert "acc" in acceptance.effective_url()
    given = SecurexCredentials(**common, base_url="http://127.0.0.1:9/securex/")
    assert given.effective_url() == "http://127.0.0.1:9/securex"
    with pytest.raises(ValueError, match="https://"):
        SecurexCredentials(**common, base_url="ftp://x")
    assert PayflipCredentials(api_key="k").effective_url().startswith("https://")


def test_the_credential_kinds_check_with_one_harmless_call(sandbox):
    from coursier.connectors.payflip.kind import PAYFLIP
    from coursier.connectors.securex.kind import SECUREX

    known = sandbox.state("securex").client
    block = SecurexCredentials(
        client_id=known.client_id,
        client_secret=known.client_secret,
        subscription_key=known.subscription_key,
        base_url=sandbox.url("securex"),
    )
    assert "réussie" in SECUREX.check(block)
    assert SECUREX.secret_fields() == ("client_secret", "subscription_key")
    wrong = block.model_copy(update={"client_secret": SecretStr("pas-le-bon")})
    with pytest.raises(ConnectorError) as refused:
        SECUREX.check(wrong)
    assert "pas-le-bon" not in str(refused.value)
    payflip = PayflipCredentials(
        api_key=sandbox.state("payflip").api_key, base_url=sandbox.url("payflip")
    )
    assert "réussie" in PAYFLIP.check(payflip)
    assert PAYFLIP.secret_fields() == ("api_key",)
