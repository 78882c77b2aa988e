"""``coursier clients plan|apply|credentials`` and the procedure's registration."""

from __future__ import annotations

import httpx
from typer.testing import CliRunner

from coursier.deployments import registry
from coursier.deployments.cli import app
from coursier.models.clients_plan_file import read_plan
from tests.flows.test_client_import import DOSSIER, accounton_stats, customers, sandbox, world

__all__ = ["sandbox", "world"]  # the flow tests' fixtures


def run(*args: str):
    return CliRunner().invoke(app, ["clients", *args])


def test_the_procedure_is_registered_in_brussels_time() -> None:
    [procedure] = [p for p in registry.registered() if p.name == "client-import"]
    flows = {f.name: f for f in procedure.flows}
    assert set(flows) == {"client-import", "client-import-apply"}
    [deployment] = flows["client-import"].deployments
    [schedule] = deployment.schedules
    assert schedule.timezone == "Europe/Brussels"
    assert procedure.cli.name == "clients"
    assert "clients" in dict(registry.cli_groups())


def test_plan_then_apply_from_the_command_line(world, sandbox, tmp_path) -> None:
    out = tmp_path / "revue.csv"
    planned = run("plan", "--source", "adminpulse", "--out", str(out))
    assert planned.exit_code == 0, planned.output
    assert str(out) in planned.output
    new = read_plan(out).counts()["new"]
    applied = run("apply", str(out))
    assert applied.exit_code == 0, applied.output
    assert "aucune invitation" in applied.output
    assert accounton_stats(sandbox) == {"creates": new, "updates": 0, "invitations": 0}
    invited = run("apply", str(out), "--send-invitations")
    assert invited.exit_code == 0, invited.output
    assert accounton_stats(sandbox)["invitations"] == new
    assert accounton_stats(sandbox)["creates"] == new
    assert sum("new" in c["id"] for c in customers(sandbox)) == new


def test_plan_from_admin_is(world, sandbox, tmp_path) -> None:
    out = tmp_path / "plan.xlsx"
    planned = run("plan", "--source", "admin-is", "--out", str(out), "--taskflow", "ipp-2026")
    assert planned.exit_code == 0, planned.output
    plan = read_plan(out)
    assert plan.settings.source == "admin-is"
    assert plan.settings.taskflow == "ipp-2026"
    assert set(plan.new["import_id"]) <= set(sandbox.state("admin-is").taskflows["ipp-2026"])


def test_bad_input_is_said_in_french_without_a_traceback(world, tmp_path) -> None:
    wrong = run("plan", "--source", "sage")
    assert wrong.exit_code == 2
    missing = run("apply", str(tmp_path / "absent.xlsx"))
    assert missing.exit_code == 2
    assert "Traceback" not in missing.output
    bad_out = run("plan", "--source", "adminpulse", "--out", str(tmp_path / "plan.txt"))
    assert bad_out.exit_code == 2
    assert ".xlsx" in bad_out.output


def test_unreachable_accounton_fails_saying_what_to_do(world, sandbox, tmp_path) -> None:
    httpx.post(sandbox.url("accounton") + "/_sandbox/scopes", json={"scopes": ["customers.write"]})
    planned = run("plan", "--source", "adminpulse", "--out", str(tmp_path / "p.xlsx"))
    assert planned.exit_code == 2
    assert "credentials test" in planned.output
    assert sandbox.state("accounton").client_secret not in planned.output


def test_credentials_of_the_three_platforms(world) -> None:
    listed = run("credentials", "list", "--json")
    assert listed.exit_code == 0, listed.output
    for platform in ("adminpulse", "admin-is", "accounton"):
        assert platform in listed.output
    tested = run("credentials", "test", DOSSIER)
    assert tested.exit_code == 0, tested.output
    for label in ("AdminPulse", "Admin IS | Consult", "Accounton"):
        assert f"Connexion à {label} réussie" in tested.output
