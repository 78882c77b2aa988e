"""Returns appear over the sandbox clock, in the official shapes, and can be overwritten."""

from __future__ import annotations

import httpx
import pytest

from coursier.models.returns.listings import parse_returns
from coursier.models.returns.rapport import (
    CrmFinancier,
    CrmNominatif,
    Rapport,
    parse_rapport,
    parse_return_document,
)
from coursier.sandbox.documents import ReturnDelays
from coursier.sandbox.server import SandboxServer
from tests.sandbox.helpers import (
    PLATFORM,
    account_login,
    deposit,
    fctu_file,
    monthly_file,
    sick_leave_file,
    token_headers,
    with_value,
)


@pytest.fixture
def auth(client, base):
    return token_headers(client, base)


def deposited(client, base, auth, file):
    answer = deposit(client, base, auth, file)
    assert answer.status_code == 200, answer.text
    return parse_rapport(answer.content).idflux


def listed(client, base, auth, idflux):
    answer = client.get(f"{base}/lister-retours-flux/1.0/{idflux}", headers=auth)
    assert answer.status_code == 200
    assert "Accept-Ranges" not in answer.headers  # not a window listing (recording 55)
    return parse_returns(answer.content, answer.headers["Content-Type"]).entries


def download(client, auth, entry):
    answer = client.get(entry.url, headers=auth)
    assert answer.status_code == 200
    return answer


def test_a_monthly_dsn_gets_aee_then_cco_then_both_crm(client, base, sandbox, auth):
    file = monthly_file(employees=3)
    idflux = deposited(client, base, auth, file)
    assert [(e.nature, e.status) for e in listed(client, base, auth, idflux)] == [("10", "OK")]
    sandbox.clock.advance(3)
    assert [e.nature for e in listed(client, base, auth, idflux)] == ["10", "11"]
    sandbox.clock.advance(3)
    assert [e.nature for e in listed(client, base, auth, idflux)] == ["10", "11", "94"]
    sandbox.clock.advance(3)
    entries = listed(client, base, auth, idflux)
    assert [(e.nature, e.status) for e in entries] == [
        ("10", "OK"),
        ("11", "OK"),
        ("94", "OK"),
        ("93", "OK"),
    ]
    aee, cco, nominatif, financier = (
        parse_return_document(download(client, auth, e).content) for e in entries
    )
    assert isinstance(aee, Rapport)
    assert aee.type == "AEE"
    assert isinstance(cco, Rapport)
    assert cco.type == "CCO"
    assert cco.is_ok
    assert cco.idflux == idflux
    assert isinstance(nominatif, CrmNominatif)
    assert len(nominatif.rate_id) == 18
    assert nominatif.rate_id.isdigit()
    nirs = [
        line.split(",")[1].strip("'")
        for line in file.decode("iso-8859-1").splitlines()
        if line.startswith("S21.G00.30.001,")
    ]
    assert [r.nir for r in nominatif.rates] == nirs
    assert [r.payroll_number for r in nominatif.rates] == ["M000000", "M000001", "M000002"]
    assert all(r.rate is not None and 0 <= r.rate <= 25 for r in nominatif.rates)
    assert isinstance(financier, CrmFinancier)
    assert financier.is_ok


def test_a_blocking_anomaly_gives_a_ban_ko_listing_its_code(client, base, sandbox, auth):
    idflux = deposited(client, base, auth, with_value(monthly_file(), "S21.G00.40.007", "99"))
    sandbox.clock.advance(60)
    entries = listed(client, base, auth, idflux)
    assert [(e.nature, e.status) for e in entries] == [("10", "OK"), ("11", "KO")]
    ban = parse_rapport(download(client, auth, entries[1]).content)
    assert ban.type == "BAN"
    assert not ban.is_ok
    blocking = [a for a in ban.all_anomalies if a.is_blocking]
    assert blocking
    assert any(a.field == "S21.G00.40.007" and a.value == "99" for a in blocking)
    assert all(a.code for a in blocking)


def test_non_blocking_anomalies_only_give_a_cco_ano(client, base, sandbox, auth):
    idflux = deposited(client, base, auth, with_value(sick_leave_file(), "S10.G00.00.005", "01"))
    sandbox.clock.advance(60)
    entries = listed(client, base, auth, idflux)
    assert [(e.nature, e.status) for e in entries] == [("10", "OK"), ("11", "ANO")]
    cco = parse_rapport(download(client, auth, entries[1]).content)
    assert cco.type == "CCO"
    assert cco.is_ok
    assert cco.overall_state == "ANO"


def test_an_fctu_gets_an_aer_pdf(client, base, sandbox, auth):
    idflux = deposited(client, base, auth, fctu_file())
    sandbox.clock.advance(60)
    entries = listed(client, base, auth, idflux)
    assert [e.nature for e in entries] == ["10", "11", "44"]
    pdf = download(client, auth, entries[2])
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.content.rstrip().endswith(b"%%EOF")


def test_no_return_yet_is_an_empty_retours():
    with SandboxServer(return_delays=ReturnDelays(aee=5)) as sandbox, httpx.Client() as client:
        base = sandbox.url(PLATFORM)
        auth = token_headers(client, base)
        idflux = deposited(client, base, auth, monthly_file())
        answer = client.get(f"{base}/lister-retours-flux/1.0/{idflux}", headers=auth)
        assert answer.status_code == 200
        assert answer.content.endswith(b"<retours/>")
        sandbox.clock.advance(5)
        assert listed(client, base, auth, idflux)[0].nature == "10"


def test_flux_listing_errors(client, base, sandbox, auth):
    assert client.get(f"{base}/lister-retours-flux/1.0/inconnu", headers=auth).status_code == 404
    assert client.get(f"{base}/lister-retours-flux/1.0/{'x' * 51}", headers=auth).status_code == 422
    idflux = deposited(client, base, auth, monthly_file())
    active = next(a for a in sandbox.state(PLATFORM).accounts() if a.nom == "GESTIONNAIRE1")
    other = token_headers(client, base, account_login(active))
    answer = client.get(f"{base}/lister-retours-flux/1.0/{idflux}", headers=other)
    assert answer.status_code == 403
    [aee] = listed(client, base, auth, idflux)
    assert client.get(aee.url, headers=other).status_code == 403
    assert client.get(aee.url).status_code == 401


def test_an_overwritten_return_has_a_new_url_and_the_old_one_is_gone(client, base, sandbox, auth):
    idflux = deposited(client, base, auth, monthly_file())
    sandbox.clock.advance(60)
    cco = listed(client, base, auth, idflux)[1]
    answer = client.post(
        f"{base}/_sandbox/returns/{idflux}/{cco.return_id}",
        json={"status": "KO", "content": "<x/>"},
    )
    assert answer.status_code == 200
    assert answer.json()["version"] == 2
    replaced = listed(client, base, auth, idflux)[1]
    assert (replaced.return_id, replaced.status) == (cco.return_id, "KO")
    assert replaced.url != cco.url
    assert client.get(cco.url, headers=auth).status_code == 404
    assert download(client, auth, replaced).content == b"<x/>"
    missing = client.post(f"{base}/_sandbox/returns/{idflux}/999", json={"status": "OK"})
    assert missing.status_code == 404


def test_overwriting_in_process(client, base, sandbox, auth):
    idflux = deposited(client, base, auth, monthly_file())
    [aee] = listed(client, base, auth, idflux)
    stored = sandbox.state(PLATFORM).overwrite_return(idflux, aee.return_id, status="ANO")
    assert stored.version == 2
    assert listed(client, base, auth, idflux)[0].status == "ANO"


def test_the_2_0_listing_is_the_simulators_json_that_parses(client, base, sandbox, auth):
    idflux = deposited(client, base, auth, monthly_file())
    answer = client.get(f"{base}/lister-retours-flux/2.0/{idflux}", headers=auth)
    assert answer.headers["Content-Type"] == "application/json"
    [flux] = answer.json()["flux"]  # recording 62: "Retour", a list even of one
    assert (flux["id"], len(flux["Retour"]), flux["Retour"][0]["delegataire"]) == (idflux, 1, None)
    [entry] = parse_returns(answer.content, answer.headers["Content-Type"]).entries
    assert entry.idflux == idflux
    assert entry.nature == "10"


def test_each_platform_serves_its_own_downloads(client, sandbox):
    izilio = sandbox.url("izilio")
    headers = token_headers(client, izilio)
    idflux = deposited(client, izilio, headers, monthly_file(employees=1))
    [aee] = listed(client, izilio, headers, idflux)
    assert aee.url.startswith(f"{izilio}/telecharger/")
    assert download(client, headers, aee).content


def test_bilans_name_the_declarations_rank_and_business_id(client, base, sandbox, auth):
    # What the reconciliation matches a bilan on: S20.G00.05.004 and S20.G00.05.009.
    file = with_value(monthly_file(), "S20.G00.05.004", "2")
    lines = file.decode("iso-8859-1").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("S20.G00.05.005,"))
    lines.insert(at + 1, "S20.G00.05.009,'DSN-METIER-42'")
    idflux = deposited(client, base, auth, ("\n".join(lines) + "\n").encode("iso-8859-1"))
    sandbox.clock.advance(60)
    bilan = next(e for e in listed(client, base, auth, idflux) if e.nature == "11")
    [declaration] = parse_rapport(download(client, auth, bilan).content).declarations
    assert (declaration.rank, declaration.business_id) == ("2", "DSN-METIER-42")
    without = deposited(client, base, auth, monthly_file())
    sandbox.clock.advance(60)
    bilan = next(e for e in listed(client, base, auth, without) if e.nature == "11")
    [declaration] = parse_rapport(download(client, auth, bilan).content).declarations
    assert (declaration.rank, declaration.business_id) == ("1", None)
