"""The commands around the runs: the control table, the audit trail, re-running the failures."""

from __future__ import annotations

import csv
import io
import json

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.models.dsn import samples
from tests.flows.test_dsn_deposit import deposit, without_contract_number
from tests.flows.world import BAKERY, BUREAU, GARAGE_OWN, OCTOBER, write

runner = CliRunner()


def month_with_a_blocked_file(tmp_path):
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 2, seed=4))
    bad = write(
        tmp_path,
        "bloque.dsn",
        without_contract_number(samples.monthly_dsn(BAKERY.employer, OCTOBER, 1)),
    )
    return good, bad, deposit(BAKERY.code, [good, bad])


def test_control_table_filters(world, tmp_path, sandbox):
    month_with_a_blocked_file(tmp_path)
    every = json.loads(runner.invoke(app, ["dsn", "control", "--json"]).stdout)
    assert sorted(row["file"] for row in every) == ["bloque.dsn", "dsn.dsn"]
    blocking = json.loads(
        runner.invoke(app, ["dsn", "control", "--json", "--only-blocking"]).stdout
    )
    assert [row["file"] for row in blocking] == ["bloque.dsn"]
    assert (
        json.loads(runner.invoke(app, ["dsn", "control", "--json", "--nature", "07"]).stdout) == []
    )
    later = runner.invoke(app, ["dsn", "control", "--json", "--from", "2026-11"])
    assert json.loads(later.stdout) == []
    wrong = runner.invoke(app, ["dsn", "control", "--from", "10/2026"])
    assert wrong.exit_code == 2
    assert "AAAA-MM" in wrong.output
    readable = runner.invoke(app, ["dsn", "control"], terminal_width=200)
    assert "DSN acceptée" in readable.output
    assert "Refusée / erreur bloquante" in readable.output


def test_audit_as_json_and_csv(world, tmp_path, sandbox):
    month_with_a_blocked_file(tmp_path)
    events = json.loads(runner.invoke(app, ["audit", "--dossier", BAKERY.code, "--json"]).stdout)
    assert [e["action"] for e in events].count("dsn.deposit") == 2
    assert all(e["dossier"] == BAKERY.code for e in events)
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, ["audit", "--csv"]).stdout)))
    assert {"at", "actor", "action", "subject", "outcome", "details"} <= set(rows[0])
    assert BUREAU.password.get_secret_value() not in runner.invoke(app, ["audit", "--csv"]).stdout


def test_rerun_command_redoes_the_failed_files(world, tmp_path, sandbox):
    _good, _bad, first = month_with_a_blocked_file(tmp_path)
    write(tmp_path, "bloque.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1, seed=8))
    result = runner.invoke(app, ["rerun", str(first.state_details.flow_run_id)])
    assert result.exit_code == 0, result.output
    assert "dsn-deposit : Completed" in result.output
    assert len(sandbox.state("net-entreprises").deposits(BUREAU.siret)) == 2
    unknown = runner.invoke(app, ["rerun", "00000000-0000-0000-0000-000000000000"])
    assert unknown.exit_code == 2
    assert "inconnue" in unknown.output


def test_control_artifact_has_the_table_and_no_secret(world, tmp_path, sandbox):
    month_with_a_blocked_file(tmp_path)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["dsn-control-boul-01"]))
        )
    assert artifacts
    table = (
        json.loads(artifacts[0].data) if isinstance(artifacts[0].data, str) else artifacts[0].data
    )
    assert {row["Etat"] for row in table} == {"DSN acceptée", "Refusée / erreur bloquante"}
    dumped = json.dumps([a.model_dump(mode="json") for a in artifacts])
    for secret in (BUREAU.password.get_secret_value(), GARAGE_OWN.password.get_secret_value()):
        assert secret not in dumped
