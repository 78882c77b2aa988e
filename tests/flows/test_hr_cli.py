"""``coursier hr …`` over the sandbox: sync (exit 0/1/2, --json), history, failures of a run
(every failed employee with what to do), a bad VAT said in French, the credentials group
mounted, and no secret in any output."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from coursier.deployments.cli import app
from tests.flows.test_hr_sync import BAKERY, move_to_the_bakery, sandbox, world

__all__ = ["sandbox", "world"]  # the fixtures, used by name
runner = CliRunner()


def hr(*words: str):
    return runner.invoke(app, ["hr", *words], terminal_width=240)


def test_sync_then_history_then_failures(world, sandbox):
    first = hr("sync", "--company", "BE0403.170.701")
    assert first.exit_code == 0, first.output
    assert "Completed" in first.output
    move_to_the_bakery(sandbox)
    partial = hr("sync", "--company", BAKERY, "--json")
    assert partial.exit_code == 1
    body = json.loads(partial.output)
    assert body["state"] == "Partial"
    [line] = body["companies"]
    assert (line["status"], line["trigger"], line["failed"]) == ("partial", "manual", 1)
    [failed] = body["failures"]
    assert (failed["employee_number"], failed["code"]) == ("000026", "account_exists")

    shown = hr("history", "--company", "0403170701")
    assert shown.exit_code == 0
    assert "Partiel" in shown.output
    assert "Succès" in shown.output
    lines = json.loads(hr("history", "--json").output)
    assert [(h["status"], h["created"]) for h in lines] == [("partial", 0), ("success", 25)]

    listed = hr("failures", body["flow_run_id"])
    assert listed.exit_code == 0
    assert "000026" in listed.output
    assert "autre entité" in listed.output
    assert "support" in listed.output
    assert f"coursier rerun {body['flow_run_id']}" in listed.output
    last = json.loads(hr("failures", "last", "--json").output)
    assert [f["employee_number"] for f in last] == ["000026"]

    secret = sandbox.state("securex").client.client_secret
    for output in (first.output, partial.output, shown.output, listed.output):
        assert secret not in output


def test_an_activation_error_exits_2_with_the_seed_message(world):
    done = hr("sync", "--company", "BE12345", "--json")
    assert done.exit_code == 2
    body = json.loads(done.output)
    assert "Numéro de TVA invalide" in body["message"]
    [line] = body["companies"]
    assert line["status"] == "error"
    shown = hr("failures", body["flow_run_id"])
    assert shown.exit_code == 0
    assert "Numéro de TVA invalide" in shown.output
    assert "Aucun employé en échec" not in shown.output


def test_bad_input_is_said_in_french(world):
    bad = hr("history", "--company", "BE0403170702")
    assert bad.exit_code == 2
    assert "chiffres de contrôle" in bad.output
    unknown = hr("failures", "pas-une-execution")
    assert unknown.exit_code == 2
    assert "coursier hr history" in unknown.output


def test_the_credentials_group_knows_both_platforms_and_shows_no_secret(world, sandbox):
    listed = hr("credentials", "list", "--json")
    assert listed.exit_code == 0, listed.output
    platforms = {item["platform"] for item in json.loads(listed.output)}
    assert platforms == {"securex", "payflip"}
    assert sandbox.state("securex").client.client_secret not in listed.output
    assert sandbox.state("payflip").api_key not in listed.output


def test_credentials_set_for_a_company_then_tested_on_its_dossier(world, sandbox):
    known = sandbox.state("securex").client
    saved = runner.invoke(
        app,
        [
            "hr", "credentials", "set", "--platform", "securex", "--scope", "company",
            "--key", "BE0403.170.701", "--field", f"client_id={known.client_id}",
            "--field", f"base_url={sandbox.url('securex')}", "--secrets-stdin",
        ],
        input=f"{known.client_secret}\n{known.subscription_key}\n",
    )  # fmt: skip
    assert saved.exit_code == 0, saved.output
    assert known.client_secret not in saved.output
    tested = hr("credentials", "test", "PEE_RH", "--platform", "securex")
    assert tested.exit_code == 0, tested.output
    assert "securex--company--be0403170701" in tested.output
    assert "réussie" in tested.output
    assert known.client_secret not in tested.output
