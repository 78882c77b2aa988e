"""Deposits: the header and body rules, AEE and ARE answers, every deposit recorded once."""

from __future__ import annotations

import gzip
import hashlib
from datetime import timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from coursier.models.dsn.samples import Employer
from coursier.models.returns.rapport import parse_rapport
from coursier.sandbox.accounts import AccountState
from coursier.sandbox.server import SandboxServer
from tests.sandbox.helpers import (
    PLATFORM,
    account_login,
    deposit,
    monthly_file,
    token_headers,
)


@pytest.fixture
def auth(client, base):
    return token_headers(client, base)


def recorded(client, base):
    return client.get(f"{base}/_sandbox/deposits").json()


@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_a_valid_deposit_answers_an_aee_and_is_recorded_once(client, base, sandbox, auth, version):
    file = monthly_file()
    answer = deposit(client, base, auth, file, version=version)
    assert answer.status_code == 200
    assert answer.headers["Content-Encoding"] == "gzip"
    assert answer.headers["Content-Type"].startswith(
        "application/xml" if version == "1.0" else "application/json"  # 2.0: XML inside
    )
    expires = parsedate_to_datetime(answer.headers["Expires"])
    assert abs(expires - sandbox.clock.now()) <= timedelta(seconds=2)  # default back-off: 0
    aee = parse_rapport(answer.content)
    assert aee.type == "AEE"
    assert aee.state == "OK"
    assert len(aee.idflux) == 23
    [entry] = recorded(client, base)
    assert entry["idflux"] == aee.idflux
    assert entry["sha256"] == hashlib.sha256(file).hexdigest()
    assert entry["size"] == len(file)
    assert entry["account_siret"] == "99900000300015"
    assert entry["nature"] == "01"
    assert entry["status"] == "OK"
    assert entry["api_version"] == version


def test_refusals_are_plain_and_carry_no_expires(client, base, auth):
    # The official simulator compresses its rapports only (recordings 25, 29, 33).
    answer = client.post(
        f"{base}/deposer-dsn/1.0/", content=b"", headers={**auth, "Content-Type": "text/plain"}
    )
    assert answer.status_code == 415
    assert "Content-Encoding" not in answer.headers
    assert "Expires" not in answer.headers
    assert "Content-Encoding" in answer.text


def test_the_expires_back_off_is_configurable():
    with SandboxServer(answer_backoff_s=120) as sandbox, httpx.Client() as client:
        base = sandbox.url(PLATFORM)
        answer = deposit(client, base, token_headers(client, base), monthly_file())
        expires = parsedate_to_datetime(answer.headers["Expires"])
        date = parsedate_to_datetime(answer.headers["Date"])
        assert expires - date == timedelta(seconds=120)
        assert abs(date - sandbox.clock.now()) <= timedelta(seconds=1)  # the sandbox's clock


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "application/octet-stream"}, 415),
        ({"Content-Type": "multipart/form-data"}, 415),
        ({"Content-Encoding": "identity"}, 415),
        ({"Accept-Encoding": "identity"}, 406),
        ({"Accept-Encoding": "br, gzip;q=0"}, 406),
    ],
)
def test_header_rules(client, base, auth, headers, status):
    answer = deposit(client, base, auth, monthly_file(), headers=headers)
    assert answer.status_code == status
    assert recorded(client, base) == []


def test_no_accept_encoding_is_accepted(sandbox, auth):
    with httpx.Client() as bare:
        del bare.headers["Accept-Encoding"]
        answer = deposit(bare, sandbox.url(PLATFORM), auth, monthly_file())
    assert answer.status_code == 200
    assert parse_rapport(answer.content).type == "AEE"


def test_gzip_announced_on_a_plain_body_gives_400(client, base, auth):
    answer = deposit(client, base, auth, monthly_file(), compress=False)
    assert answer.status_code == 400
    assert recorded(client, base) == []


def test_an_incomplete_gzip_body_is_rejected_and_never_recorded(client, base, auth):
    compressed = gzip.compress(monthly_file())
    answer = client.post(
        f"{base}/deposer-dsn/1.0/",
        content=compressed[: len(compressed) // 2],
        headers={**auth, "Content-Type": "text/plain", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == 400
    assert "incomplet" in answer.text
    assert recorded(client, base) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"", 400), (gzip.compress(b"", mtime=0), 422)],  # recordings 28 and 24: no bytes is not gzip
    ids=["no-bytes", "gzip-of-nothing"],
)
def test_empty_bodies_are_refused(client, base, auth, body, status):
    answer = client.post(
        f"{base}/deposer-dsn/1.0/",
        content=body,
        headers={**auth, "Content-Type": "text/plain", "Content-Encoding": "gzip"},
    )
    assert answer.status_code == status
    assert recorded(client, base) == []


def test_a_file_not_starting_with_s10_gets_an_are(client, base, auth):
    answer = deposit(client, base, auth, b"S20.G00.05.001,'01'\nbonjour\n")
    assert answer.status_code == 422
    are = parse_rapport(answer.content)
    assert are.type == "ARE"
    assert are.state == "KO"
    assert [a.code for a in are.anomalies] == ["B1-105-15"]
    [entry] = recorded(client, base)
    assert entry["status"] == "KO"
    assert entry["idflux"] == are.idflux


def test_a_siret_the_account_may_not_declare_for_gets_an_are(client, base, sandbox):
    active = next(
        a
        for a in sandbox.state(PLATFORM).accounts()
        if a.state is AccountState.ACTIVE and a.nom != "declarant"
    )
    auth = token_headers(client, base, account_login(active))
    stranger = Employer.from_seed(424242)
    answer = deposit(client, base, auth, monthly_file(employer=stranger))
    assert answer.status_code == 422
    [anomaly] = parse_rapport(answer.content).anomalies
    assert anomaly.code == "B1-HAB-01"
    assert stranger.siret in anomaly.message
    assert deposit(client, base, auth, monthly_file()).status_code == 200
    assert [d["status"] for d in recorded(client, base)] == ["KO", "OK"]


def test_every_deposit_gets_its_own_flux(client, base, auth):
    ids = {
        parse_rapport(deposit(client, base, auth, monthly_file()).content).idflux for _ in range(5)
    }
    assert len(ids) == 5
    assert len(recorded(client, base)) == 5


def test_platforms_keep_separate_state(client, sandbox):
    base = sandbox.url(PLATFORM)
    deposit(client, base, token_headers(client, base), monthly_file())
    assert recorded(client, sandbox.url("izilio")) == []
    assert len(recorded(client, base)) == 1


def test_an_unknown_api_version_is_404(client, base, auth):
    assert deposit(client, base, auth, monthly_file(), version="3.0").status_code == 404
