"""The PAS tables on SQLite and PostgreSQL: the official examples integrated once, whatever how
many times they are integrated; an overwritten CRM updates its rates; the work-list closes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from coursier.models.pas import Association, integrate
from coursier.models.returns.crm import (
    parse_crm_financier,
    parse_crm_nominatif,
    parse_crm_taux_sur_taux,
)
from coursier.store import open_store
from coursier.store.pas import Written, anomalies_of, integrate_in, mark_corrected, rates_of
from coursier.store.pas_tables import PasAnomalyRow, PasRateRow
from tests.models.returns.files import example

OCTOBER = date(2026, 10, 1)
SHOP = Association("BOUL-01", "45678912354321", OCTOBER)


def official_integration(
    name: str = "Exemple-94-DGFIP-crm-nominatif.xml", received=date(2026, 11, 12)
):
    return integrate(
        parse_crm_nominatif(example(name)),
        received,
        parse_crm_financier(example("Exemple-93-DGFIP-crm-financier.xml")),
        parse_crm_taux_sur_taux(example("exemple_retour_95_CRM_DGFIP_TAUX_SUR_TAUX_OK.xml")),
    )


def write(store, integration, association=SHOP) -> Written:
    with store.begin() as session:
        return integrate_in(
            session, association, integration, idflux="F1", deposited_here=True, flow_run_id="r1"
        )


def counts(store) -> tuple[int, int]:
    with store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(PasRateRow)),
            session.scalar(select(func.count()).select_from(PasAnomalyRow)),
        )


def test_integrating_the_official_examples_twice_writes_them_once(store_url):
    with open_store(store_url) as store:
        first = write(store, official_integration())
        assert (first.new_rates, first.changed_rates, first.new_anomalies) == (1, 0, 4)
        assert counts(store) == (1, 4)
        with store.read() as session:
            before = session.scalars(select(PasRateRow.integrated_at)).one()
        again = write(store, official_integration())
        assert again.nothing
        assert counts(store) == (1, 4)
        with store.read() as session:
            assert session.scalars(select(PasRateRow.integrated_at)).one() == before
            [stored] = rates_of(session, SHOP.dossier, OCTOBER)
        assert stored.siret == SHOP.siret
        assert (stored.rate.rate, stored.rate.rate_id) == (Decimal("14.00"), "123456789123456789")


def test_the_ntt_variant_is_another_employee_and_another_association_keeps_its_own(store_url):
    with open_store(store_url) as store:
        write(store, official_integration())
        write(store, official_integration("Exemple-94-DGFIP-crm-nominatif-ntt.xml"))
        other = Association(SHOP.dossier, "45678912300019", OCTOBER)
        write(store, official_integration(), other)
        with store.read() as session:
            employees = {
                (r.siret, r.rate.employee) for r in rates_of(session, SHOP.dossier, OCTOBER)
            }
        assert employees == {
            (SHOP.siret, "NIR:9999999999999"),
            (SHOP.siret, "NTT:9999999999999"),
            (other.siret, "NIR:9999999999999"),
        }


def test_an_overwritten_crm_updates_the_rate_and_keeps_a_corrected_anomaly_corrected(store_url):
    with open_store(store_url) as store:
        write(store, official_integration())
        with store.begin() as session:
            [address] = [
                a for a in anomalies_of(session, dossier=SHOP.dossier) if a.code == "ADR05"
            ]
            assert address.employee == "NIR:9999999999999"
            assert mark_corrected(session, address.id, "claire").status == "corrected"
            assert mark_corrected(session, 10**6, "claire") is None
        later = write(store, official_integration(received=date(2026, 11, 20)))
        assert (later.new_rates, later.changed_rates, later.new_anomalies) == (0, 1, 0)
        with store.read() as session:
            [stored] = rates_of(session, SHOP.dossier, OCTOBER)
            assert stored.rate.usable_until == date(2027, 1, 20)
            still_open = {a.code for a in anomalies_of(session, dossier=SHOP.dossier)}
            every = {a.code for a in anomalies_of(session, dossier=SHOP.dossier, status=None)}
        assert "ADR05" not in still_open
        assert every == still_open | {"ADR05"}
