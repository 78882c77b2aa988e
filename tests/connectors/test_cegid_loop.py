"""The Cegid Loop client against the sandbox on loopback: both keys on every call, paged
resources, errors mapped once, reads retried, a POST never re-sent blindly, no secret shown."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from pydantic import ValidationError

from coursier.connectors.cegid_loop import CegidLoopCredentials
from coursier.connectors.cegid_loop.client import CegidLoopClient, Paging
from coursier.connectors.cegid_loop.errors import AlreadyDone, LoopAccessRefused, LoopNotFound
from coursier.connectors.cegid_loop.feed import lines_of, messages_of
from coursier.connectors.errors import PayloadError, TransportError
from coursier.connectors.http import RetryPolicy
from coursier.sandbox.cegid_loop_seed import (
    FIRM_API_KEY,
    FIRM_API_SECRET,
    FIRM_SUBSCRIPTION_KEY,
    DossierSpec,
)
from coursier.sandbox.faults import Fault
from coursier.sandbox.server import SandboxServer

QUICK = RetryPolicy(attempts=3, backoff=0.0)


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed=2) as running:
        yield running


@pytest.fixture
def loop(server):
    server.reset()
    return server.state("cegid-loop")


def client_of(server, **changes) -> CegidLoopClient:
    keys = {
        "subscription_key": FIRM_SUBSCRIPTION_KEY,
        "api_key": FIRM_API_KEY,
        "api_secret": FIRM_API_SECRET,
    } | changes
    return CegidLoopClient(server.url("cegid-loop"), retry=QUICK, **keys)


def test_resources_are_read_page_by_page(server, loop):
    loop.add_dossier(DossierSpec("CF-GROS", "Gros dossier", entries=1234))
    with client_of(server) as client:
        years = client.resource("CF-GROS", "exercices")
        entries = list(client.entries("CF-GROS", years[0]["id"]))
        assert len(entries) == 1234
        assert len({e["id"] for e in entries}) == 1234
        assert client.count("CF-GROS", "ecritures", exercice=years[1]["id"]) == 1234
        assert [a["numero"] for a in client.resource("CF-GROS", "comptes")][:2] == [
            "401000",
            "411000",
        ]


def test_a_page_without_items_or_total_is_a_payload_error():
    with pytest.raises(PayloadError):
        Paging().advance({"value": []})


STAMP = "2026-12-02T08:00:00+00:00"


def test_the_feed_is_read_into_tuples_an_absent_update_flag_false():
    line = {"entity": "Compte", "id": "a1", "timestamp": STAMP, "operation": "Updated"}
    assert lines_of([line]) == [("Compte", "a1", STAMP, "Updated")]
    plain = {"entity": "Compte", "id": "a1", "timestamp": STAMP, "event": "CompteUpdated"}
    edit = plain | {"event": "EcritureComptableDeleted", "update": True}
    assert messages_of([plain, edit]) == [
        ("Compte", "a1", STAMP, "CompteUpdated", False),
        ("Compte", "a1", STAMP, "EcritureComptableDeleted", True),
    ]


@pytest.mark.parametrize(
    ("read", "item", "said"),
    [
        (lines_of, {"entity": "Compte", "id": "a1", "timestamp": STAMP}, "'operation'"),
        (messages_of, {"entity": "Compte", "id": "a1", "event": "CompteUpdated"}, "'timestamp'"),
        (lines_of, ["Compte", "a1"], "pas un objet"),
        (messages_of, "Compte", "pas un objet"),
    ],
)
def test_a_feed_item_lacking_a_field_is_a_payload_error_naming_it(read, item, said):
    with pytest.raises(PayloadError, match=said):
        read([item])


def test_a_body_that_is_not_json_is_a_payload_error():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"{items: ["))
    client = CegidLoopClient(
        "http://loop.test", subscription_key="a", api_key="b", api_secret="c", transport=transport
    )
    with client, pytest.raises(PayloadError, match="JSON illisible"):
        client.daily_report("X", date(2026, 12, 2))


@pytest.mark.parametrize(
    "changes",
    [{"api_secret": "faux-secret-123"}, {"subscription_key": "fausse-cle-456"}],
)
def test_refused_keys_say_what_to_do_without_the_secret(server, loop, changes):
    with client_of(server, **changes) as client, pytest.raises(LoopAccessRefused) as error:
        client.dossier("CF-PRET-01")
    assert error.value.status == 401
    assert "credentials test" in str(error.value)
    for secret in (*changes.values(), FIRM_API_SECRET, FIRM_SUBSCRIPTION_KEY):
        assert secret not in str(error.value)


def test_an_unknown_dossier_is_not_found(server, loop):
    with client_of(server) as client, pytest.raises(LoopNotFound, match="CF-INCONNU"):
        client.dossier("CF-INCONNU")


def test_activating_twice_is_already_done(server, loop):
    with client_of(server) as client:
        client.activate_for_firm()
        with pytest.raises(AlreadyDone):
            client.activate_for_firm()
        assert client.firm_applications() == {"Cegid Flow"}


def test_reads_are_retried_on_5xx(server, loop):
    loop.faults.set(Fault(route="dossiers", kind="status", status=503, count=2, retry_after=0))
    with client_of(server) as client:
        assert client.dossier("CF-PRET-01")["codeDossier"] == "CF-PRET-01"


def test_a_cut_post_is_not_sent_again(server, loop):
    loop.cuts.add("firm-activation", "cut_after")
    with client_of(server) as client, pytest.raises(TransportError):
        client.activate_for_firm()
    assert loop.sends[("firm-activation", "")] == 1
    assert loop.firm_applications == {"Cegid Flow"}  # it was processed: reading tells


def test_a_failed_post_before_processing_leaves_nothing(server, loop):
    loop.cuts.add("firm-activation", "fail_before")
    with client_of(server) as client, pytest.raises(TransportError):
        client.activate_for_firm()
    assert loop.firm_applications == set()


def test_the_change_feed_and_what_flow_received(server, loop):
    day = date(2026, 12, 2)
    dropped = loop.emit_changes("CF-PRET-01", day, 3000, drop_rate=0.01)
    with client_of(server) as client:
        report = client.daily_report("CF-PRET-01", day)
        received = client.flow_messages("CF-PRET-01", day)
    assert len(report) == 3000
    edits = sum(entity == "EcritureComptable" and op == "Updated" for entity, _, _, op in report)
    assert len(received) == 3000 + edits - dropped
    assert dropped > 0


def test_partial_init_refuses_more_than_twenty_days(server, loop):
    from datetime import UTC, datetime

    with client_of(server) as client, pytest.raises(Exception, match="20 jours"):
        client.partial_init(
            "CF-PRET-01",
            "Compte",
            datetime(2026, 1, 1, tzinfo=UTC),
            datetime(2026, 1, 22, tzinfo=UTC),
        )


def test_the_block_keeps_its_secrets_and_names_its_account():
    block = CegidLoopCredentials(
        api_key="cab",
        subscription_key="s3cr3t-sub",
        api_secret="s3cr3t-api",
        base_url="http://127.0.0.1:1/x/",
    )
    assert block.account_key == "cegid-loop|http://127.0.0.1:1/x|cab"
    assert "s3cr3t" not in repr(block)
    with pytest.raises(ValidationError):
        CegidLoopCredentials(api_key="cab:s3cr3t", subscription_key="a", api_secret="b")


def test_a_connection_refused_is_a_transport_error():
    client = CegidLoopClient(
        "http://127.0.0.1:9",
        subscription_key="a",
        api_key="b",
        api_secret="c",
        retry=RetryPolicy(attempts=1),
        transport=httpx.HTTPTransport(retries=0),
    )
    with client, pytest.raises(TransportError, match="connexion impossible"):
        client.dossier("X")
