"""``coursier pas …`` after a PAS run: the work-list, marking an anomaly corrected (audited),
the rates export for the payroll software, and bad input said in French without a traceback."""

from __future__ import annotations

import csv
import io
import json

from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.store import open_store, query_audit
from tests.flows.test_pas_crm import DOSSIER, EMPLOYEES, associations, deposit, integrate

__all__ = ["associations"]  # the fixture, used by name
runner = CliRunner()


def pas(*words: str):
    return runner.invoke(app, ["pas", *words], terminal_width=240)


def test_the_work_list_the_correction_and_the_rates_export(associations, tmp_path, sandbox):
    deposit(tmp_path, sandbox)
    assert integrate().is_completed()

    listed = pas("anomalies", "--dossier", DOSSIER.code, "--month", "2026-10", "--json")
    assert listed.exit_code == 0, listed.output
    work = json.loads(listed.output)
    assert work
    assert {item["code"] for item in work} == {"ADR05"}
    assert all(item["employee"] and item["hint"] for item in work)
    first = work[0]["id"]
    done = pas("correct", str(first), "--by", "claire")
    assert done.exit_code == 0, done.output
    assert "corrigée" in done.output
    still = json.loads(pas("anomalies", "--dossier", DOSSIER.code, "--json").output)
    assert first not in {item["id"] for item in still}
    every = json.loads(pas("anomalies", "--dossier", DOSSIER.code, "--all", "--json").output)
    assert {item["id"] for item in every} == {item["id"] for item in work}
    with open_store(associations.effective_database_url()) as store, store.read() as session:
        [event] = [e for e in query_audit(session) if e.action == "pas.anomaly.corrected"]
    assert (event.actor, event.dossier) == ("claire", DOSSIER.code)
    table = pas("anomalies", "--dossier", DOSSIER.code, "--all")
    assert table.exit_code == 0
    assert "ADR05" in table.output
    assert "corrigée" in table.output

    exported = pas("rates", "--dossier", DOSSIER.code, "--month", "2026-10", "--csv")
    assert exported.exit_code == 0, exported.output
    lines = list(csv.DictReader(io.StringIO(exported.output)))
    assert len(lines) == sum(EMPLOYEES.values())
    for line in lines:
        assert bool(line["nir"]) != bool(line["ntt"])
        assert line["S21.G00.50.007"] == "01"  # received this month: usable next month
        assert len(line["S21.G00.50.008"]) == 18
        assert line["S21.G00.50.006"]


def test_bad_input_is_said_in_french_without_a_traceback(associations):
    unknown = pas("rates", "--dossier", "NOPE", "--month", "2026-10")
    assert unknown.exit_code == 2
    assert "inconnu" in unknown.output
    month = pas("rates", "--dossier", DOSSIER.code, "--month", "octobre")
    assert month.exit_code == 2
    assert "AAAA-MM" in month.output
    empty = pas("rates", "--dossier", DOSSIER.code, "--month", "2026-09")
    assert empty.exit_code == 2
    assert "aucun taux intégré" in empty.output
    missing = pas("correct", "999999")
    assert missing.exit_code == 2
    assert "aucune anomalie" in missing.output
    for result in (unknown, month, empty, missing):
        assert "Traceback" not in result.output
