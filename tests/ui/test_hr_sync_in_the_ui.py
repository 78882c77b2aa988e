"""A payroll manager in the Prefect UI: from the deployments page, "sync now" (hr-sync-now)
for one company from its form; the run ends Partial (Payflip refuses two employees whose
address is an account of another entity) and its page shows the failed employees' table;
the source fixed, a custom run of the same deployment with "Relancer les échecs de" set to the
first run's id retries those two employees and nobody else."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect
from prefect.client.orchestration import get_client

from coursier.store import open_store, outcomes_of
from tests.flows.test_hr_sync import BAKERY, GARAGE, payflip_company
from tests.ui.browser import Steps
from tests.ui.world import HrWorld

COMPANY_AS_TYPED = "BE0403.170.701"
REFUSED = ("000004", "000011")
#: From the click on Submit to the run's end: its process starts, then 25 employees.
RUN_TIMEOUT_MS = 120_000


def refuse_at_payflip(world: HrWorld) -> dict[str, str]:
    """Each employee of ``REFUSED`` gets, under another number, a Payflip account in the
    garage with his address: creating him in the bakery is refused (account exists). Their
    addresses, by number."""
    payflip, securex = world.sandbox.state("payflip"), world.sandbox.state("securex")
    garage = payflip.company(payflip_company(world.sandbox, GARAGE))
    emails = {}
    for number in REFUSED:
        employee = securex.employee(BAKERY, number)
        payflip.create(garage, {**employee, "employeeNumber": f"9{number[1:]}"})
        emails[number] = str(employee["email"])
    return emails


def custom_run(page: Page, name: str, fields: dict[tuple[str, str], str]) -> str:
    """From the deployments page, a custom run of hr-sync-now named ``name``, each field (its
    title, the branch picked in its picker) typed in; then the run's page, from the toast
    that says it was created. The run's id."""
    page.get_by_role("link", name="hr-sync-now", exact=True).click()
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Custom run", exact=True).click()
    run_name = form_field(page, "Run Name").get_by_role("textbox")
    expect(run_name).not_to_have_value("")  # the form's own, which would replace ours
    run_name.fill(name)
    for (title, branch), value in fields.items():
        field = form_field(page, f"{title} (Optional)")
        field.get_by_role("button", name=branch, exact=True).click()
        field.get_by_role("textbox").fill(value)
    page.get_by_role("button", name="Submit", exact=True).click()
    # The UI mounts its toasts twice, one over the other: the last is on top.
    toast = page.locator(".toast-flow-run-create").filter(has_text=name)
    toast.get_by_role("button", name="View run", exact=True).last.click()
    run_page = re.compile(r"/runs/flow-run/[0-9a-f-]{36}$")
    try:
        expect(page).to_have_url(run_page, timeout=30_000)
    except AssertionError:
        # On a loaded machine the UI's own move to the deployment's Runs tab, after Submit,
        # can land after the toast's click: the run is then opened from that list, by name.
        page.get_by_role("link", name=name, exact=True).first.click()
        expect(page).to_have_url(run_page)
    return page.url.rsplit("/", 1)[-1]


def form_field(page: Page, title: str) -> Locator:
    """A field of a Prefect form: its label, help, picker and input (the label's ``for``
    names no input, so ``get_by_label`` finds none)."""
    return page.locator(".p-label").filter(has=page.get_by_text(title, exact=True))


@pytest.mark.long  # two servers to start, two runs to wait for
def test_sync_now_then_rerun_the_failed_from_the_ui(hr_world: HrWorld, page: Page, steps: Steps):
    emails = refuse_at_payflip(hr_world)
    payflip = hr_world.sandbox.state("payflip")
    state_badge = page.locator(".state-badge").first

    with steps("sync now from the deployment's form"):
        page.goto(f"{hr_world.prefect.ui}/deployments")
        first = custom_run(
            page,
            "synchro-peeters",
            {("Entreprise", "Une entreprise (numéro de TVA)"): COMPANY_AS_TYPED},
        )
    with steps("the run ends Partial"):
        expect(state_badge).to_have_text("Partial", timeout=RUN_TIMEOUT_MS)
    with steps("the failed employees' table"):
        page.get_by_role("tablist").get_by_text("Artifacts", exact=True).click()
        page.get_by_text(f"hr-sync-be{BAKERY}-echecs", exact=True).click()
        table = page.get_by_role("table")
        expect(table.get_by_role("columnheader")).to_contain_text(["Matricule", "E-mail"])
        for number in REFUSED:
            row = table.get_by_role("row").filter(has_text=number)
            expect(row).to_contain_text(emails[number])
            expect(row).to_contain_text("account_exists")
        expect(table.get_by_role("row")).to_have_count(1 + len(REFUSED))

    # The source fixed: each gets an address of his own entity.
    securex = hr_world.sandbox.state("securex")
    for number in REFUSED:
        securex.employee(BAKERY, number)["email"] = f"nouveau.{number}@peeters.example.be"
    before = payflip.creates.copy()

    with steps("re-run the failed employees of the first run from the form"):
        page.get_by_role("button", name="Deployments", exact=True).click()  # the side menu
        rerun = custom_run(
            page,
            "relance-echecs-peeters",
            {("Relancer les échecs de", "Une exécution (son identifiant)"): first},
        )
    with steps("the re-run ends Completed"):
        expect(state_badge).to_have_text("Completed", timeout=RUN_TIMEOUT_MS)

    with get_client(sync_client=True) as client:
        assert str(client.read_flow_run(rerun).parameters["retry_failed_of"]) == first
    with open_store(hr_world.settings.effective_database_url()) as store, store.read() as s:
        retried = [(o.item_key, o.status) for o in outcomes_of(s, rerun)]
        failed_first = [o.item_key for o in outcomes_of(s, first, statuses=["failed"])]
    keys = [f"BE{BAKERY}:{number}" for number in REFUSED]
    assert failed_first == keys
    assert sorted(retried) == [(key, "ok") for key in keys]
    bakery = payflip_company(hr_world.sandbox)
    assert payflip.creates - before == {(bakery, number): 1 for number in REFUSED}
