"""Creating a batch of employees in Payflip, exactly once: a cut whose read-back fails too
leaves the batch unknown (claimed, never re-sent blind); the next run reads Payflip first and
finds them; refusals drop their claims; updates send only the changed fields."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from coursier.connectors.http import RetryPolicy
from coursier.connectors.payflip.block import PayflipCredentials
from coursier.connectors.payflip.client import PayflipClient
from coursier.connectors.securex.block import SecurexCredentials
from coursier.connectors.securex.client import SecurexClient
from coursier.models.hr_diff import Update
from coursier.models.hr_employee import from_record
from coursier.runkit import start_run
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store.hr_sync import claim_creates
from coursier.store.hr_sync_tables import HrCreateClaim
from coursier.store.portfolio import DossierView
from coursier.tasks.hr_activation import Active
from coursier.tasks.hr_writing import write_creates, write_updates

VAT = "0403170701"
QUICK = RetryPolicy(attempts=2, backoff=0.01, max_wait=0.02)
DOSSIER = DossierView(
    "PEE_RH", "Peeters RH", None, "Boulangerie Peeters", "BXL", (), None,
    country="BE", company_number=VAT,
)  # fmt: skip


@pytest.fixture(scope="module")
def sandbox():
    with SandboxServer(seed=4) as server:
        yield server


@pytest.fixture
def active(sandbox):
    sandbox.reset()
    known = sandbox.state("securex").client
    securex = SecurexClient(
        SecurexCredentials(
            client_id=known.client_id,
            client_secret=known.client_secret,
            subscription_key=known.subscription_key,
            base_url=sandbox.url("securex"),
        )
    )
    payflip = PayflipClient(
        PayflipCredentials(
            api_key=sandbox.state("payflip").api_key, base_url=sandbox.url("payflip")
        ),
        retry=QUICK,
    )
    company = sandbox.state("payflip").company_by_vat(VAT).id
    yield Active(VAT, DOSSIER, company, securex, payflip)
    securex.close()
    payflip.close()


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSIER_HOME", str(tmp_path / "var"))
    return CoursierSettings()


def run_named(settings, run_id: str):
    return dataclasses.replace(start_run("hr-sync", settings), flow_run_id=run_id)


def employees(sandbox, count: int):
    return [from_record(r) for r in sandbox.state("securex").company(VAT).employees[:count]]


def test_a_cut_whose_read_back_fails_is_unknown_then_found_by_the_next_run(
    sandbox, active, settings
):
    payflip = sandbox.state("payflip")
    payflip.faults.set(Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE))
    payflip.faults.set(Fault(route="employees", kind=FaultKind.STATUS, status=503))
    first = run_named(settings, "run-1")
    written = write_creates.fn(first, active, employees(sandbox, 5))
    assert [f.code for f in written.failures] == ["unknown"] * 5
    assert written.done == []
    assert payflip.received()["creates"] == 5  # Payflip had them; sent once
    with first.store.read() as session:
        assert {c.state for c in session.scalars(select(HrCreateClaim))} == {"sending"}

    payflip.faults.clear()
    second = run_named(settings, "run-2")
    again = write_creates.fn(second, active, employees(sandbox, 5))
    assert [d.action for d in again.done] == ["reconciled"] * 5
    assert payflip.received()["creates"] == 5
    with second.store.read() as session:
        assert {c.state for c in session.scalars(select(HrCreateClaim))} == {"created"}


def test_refused_creates_fail_alone_and_can_be_sent_again(sandbox, active, settings):
    batch = employees(sandbox, 3)
    spoiled = dataclasses.replace(batch[1], gross_salary=-5.0)
    run = run_named(settings, "run-1")
    written = write_creates.fn(run, active, [batch[0], spoiled, batch[2]])
    assert sorted(d.number for d in written.done) == ["000001", "000003"]
    [refused] = written.failures
    assert (refused.employee_number, refused.code) == ("000002", "salary_invalid")
    assert "grossSalary" in refused.message  # Payflip's own words
    retried = write_creates.fn(run_named(settings, "run-2"), active, [batch[1]])
    assert [d.action for d in retried.done] == ["created"]


def test_an_update_sends_only_its_fields(sandbox, active, settings):
    run = run_named(settings, "run-1")
    [created] = write_creates.fn(run, active, employees(sandbox, 1)).done
    payflip = sandbox.state("payflip")
    record = payflip.employee(active.payflip_company, created.number)
    record["exitDate"] = "2027-01-31"
    language = record["language"]
    raised = dataclasses.replace(employees(sandbox, 1)[0], gross_salary=7777.0, language="de")
    written = write_updates.fn(run, active, [Update(raised, record["id"], ("gross_salary",))])
    assert [d.fields for d in written.done] == [("gross_salary",)]
    after = payflip.employee(active.payflip_company, created.number)
    assert after["grossSalary"] == 7777.0
    assert after["language"] == language
    assert after["exitDate"] == "2027-01-31"


def test_a_cut_create_is_found_by_its_email_when_payflip_rewrote_its_number(
    sandbox, active, settings
):
    payflip = sandbox.state("payflip")
    [employee] = employees(sandbox, 1)
    company = payflip.company(active.payflip_company)
    payflip.create(company, {**employee.wire(), "employeeNumber": "1"})  # "000001" as Payflip
    payflip.faults.set(Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE))
    with run_named(settings, "run-1").store.begin() as session:
        claim_creates(session, VAT, ["000001"], "dead-run", live=set())
    written = write_creates.fn(run_named(settings, "run-2"), active, [employee])
    assert [d.action for d in written.done] == ["reconciled"]
    assert payflip.received()["creates"] == 1


def test_an_address_held_by_another_employee_is_no_sign_of_a_create(sandbox, active, settings):
    payflip = sandbox.state("payflip")
    first, second = employees(sandbox, 2)
    company = payflip.company(active.payflip_company)
    payflip.create(company, {**second.wire(), "email": first.email})  # 000002 holds it
    payflip.faults.set(Fault(route="employee-imports", kind=FaultKind.CUT_RESPONSE))
    written = write_creates.fn(run_named(settings, "run-1"), active, [first])
    assert written.done == []
    assert [f.code for f in written.failures] == ["unknown"]
