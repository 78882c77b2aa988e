"""The sandbox's PAS returns: a rate per employee (NTT ones by NTT), future rates, ADR05 on an
address, a 95 only for the pay that applies another rate than the one transmitted, and cuts of
one association's CRM downloads on demand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
import pytest

from coursier.models.dsn import writer
from coursier.models.returns.crm import parse_crm_nominatif, parse_crm_taux_sur_taux
from coursier.sandbox.crm_files import ntt_of, pas_month, rates_applied, with_rate
from tests.sandbox.helpers import EMPLOYER, OCTOBER, token_headers
from tests.sandbox.test_returns import deposited, listed

NOVEMBER, DECEMBER = date(2026, 11, 1), date(2026, 12, 1)


@pytest.fixture
def auth(client, base):
    return token_headers(client, base)


def nominatif(client, auth, entries):
    return parse_crm_nominatif(client.get(entries["94"].url, headers=auth).content)


def month_file(month=OCTOBER, employer=EMPLOYER, applying=None) -> bytes:
    return writer.write_bytes(
        pas_month(employer, month, 24, seed=3, ntt_every=6, applying=applying)
    )


def returns_of(client, base, auth, sandbox, file):
    idflux = deposited(client, base, auth, file)
    sandbox.clock.advance(60)
    return {e.nature: e for e in listed(client, base, auth, idflux)}


def test_rates_by_nir_and_ntt_with_future_rates_and_address_anomalies(client, base, auth, sandbox):
    entries = returns_of(client, base, auth, sandbox, month_file())
    assert {"93", "94"} <= set(entries)
    assert "95" not in entries  # nothing was applied under a transmitted identifier
    crm = nominatif(client, auth, entries)
    assert len(crm.rates) == 24
    by_ntt = [r for r in crm.rates if r.ntt]
    assert [r.ntt for r in by_ntt] == [ntt_of(i) for i in (5, 11, 17, 23)]
    assert all(r.nir is None for r in by_ntt)
    future = [r for r in crm.rates if r.future_effective]
    assert future
    assert {r.future_effective for r in future} == {date(2026, 12, 1)}
    addresses = [a for a in crm.anomalies if a.code == "ADR05"]
    assert addresses
    assert all(a.field == "S21.G00.30.008" and a.value for a in addresses)
    assert all(a.payroll_number and (a.nir or a.ntt) for a in addresses)


def test_the_next_month_applying_another_rate_is_flagged_by_a_taux_sur_taux(
    client, base, auth, sandbox
):
    october = returns_of(client, base, auth, sandbox, month_file())
    applied = rates_applied(nominatif(client, auth, october))
    wrong = with_rate(applied, "M000002", Decimal("99.00"))
    november = returns_of(client, base, auth, sandbox, month_file(NOVEMBER, applying=wrong))
    tst = parse_crm_taux_sur_taux(client.get(november["95"].url, headers=auth).content)
    [flagged] = tst.discrepancies
    assert (flagged.payroll_number, flagged.applied_rate) == ("M000002", Decimal("99.00"))
    honest = rates_applied(nominatif(client, auth, november))  # the latest CRM's rates
    december = returns_of(client, base, auth, sandbox, month_file(DECEMBER, applying=honest))
    assert "95" not in december


def test_one_associations_crm_downloads_are_cut_the_others_are_not(client, base, auth, sandbox):
    mine = returns_of(client, base, auth, sandbox, month_file())
    sandbox.state("net-entreprises").crm_cuts.cut(EMPLOYER.siret, times=2)
    for _ in range(2):
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(mine["94"].url, headers=auth)
    assert client.get(mine["94"].url, headers=auth).status_code == 200
    sandbox.state("net-entreprises").crm_cuts.cut(EMPLOYER.siret)  # every attempt
    assert client.get(mine["10"].url, headers=auth).status_code == 200  # the AEE is no PAS return
    for _ in range(3):
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(mine["93"].url, headers=auth)


def test_cuts_are_set_through_the_inspection_api(client, base, auth, sandbox):
    mine = returns_of(client, base, auth, sandbox, month_file())
    answer = client.post(f"{base}/_sandbox/crm-cuts", json={"siret": EMPLOYER.siret, "times": 1})
    assert answer.status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(mine["94"].url, headers=auth)
    assert client.get(mine["94"].url, headers=auth).status_code == 200
    refused = client.post(f"{base}/_sandbox/crm-cuts", json={"siret": "123"})
    assert refused.status_code == 422
