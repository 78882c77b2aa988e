"""What the Prefect UI shows of a deposit run: one line per anomaly beside the control table,
and a summary naming the files that need someone and what to do."""

from __future__ import annotations

import json
from datetime import date

from coursier.models.dsn import samples
from tests.flows.test_cli_runs import artifacts_of
from tests.flows.test_dsn_deposit import as_test_file, deposit, without_contract_number
from tests.flows.world import BAKERY, OCTOBER, write

SEPTEMBER = date(2026, 9, 1)
AUGUST = date(2026, 8, 1)


def table(state, key):
    [artifact] = artifacts_of(state, key)
    return json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data


def summary(state):
    [artifact] = artifacts_of(state, "dsn-deposit-boul-01")
    return artifact.data


def a_month(tmp_path):
    good = write(tmp_path, "dsn.dsn", samples.monthly_dsn(BAKERY.employer, SEPTEMBER, 2, seed=3))
    blocked = write(
        tmp_path,
        "bloque.dsn",
        without_contract_number(samples.monthly_dsn(BAKERY.employer, OCTOBER, 1)),
    )
    trial = write(
        tmp_path,
        "essai.dsn",
        as_test_file(samples.monthly_dsn(BAKERY.employer, AUGUST, 2, seed=2)),
    )
    return good, blocked, trial


def test_the_anomalies_artifact_and_the_summary_say_why_and_what_to_do(world, tmp_path, sandbox):
    good, blocked, _trial = a_month(tmp_path)
    state = deposit(BAKERY.code, [good, blocked])
    anomalies = table(state, "dsn-anomalies-boul-01")
    assert {line["Fichier"] for line in anomalies} == {"bloque.dsn"}
    [missing] = [line for line in anomalies if line["Code"] == "CCH-020"]
    assert (missing["Source"], missing["Gravité"], missing["Rubrique"]) == (
        "Autocontrôle",
        "Bloquante",
        "S21.G00.40.009",
    )
    control = table(state, "dsn-control-boul-01")
    assert {row["Fichier"]: row["Etat"] for row in control} == {
        "dsn.dsn": "DSN acceptée",
        "bloque.dsn": "Refusée / erreur bloquante",
    }
    markdown = summary(state)
    todo = markdown.split("## À faire")[1].split("\n\n")[1]
    [step, where] = todo.splitlines()
    assert step.startswith("- bloque.dsn (01 DSN mensuelle 10/2026, Refusée / erreur bloquante)")
    assert "corrigez 1 anomalie(s) bloquante(s) de l'autocontrôle (« CCH-020" in step
    assert "puis déposez le fichier corrigé" in step
    assert "dsn.dsn" not in todo
    assert "coursier dsn control --dossier BOUL-01 --detail" in where


def test_a_corrected_file_clears_the_anomalies_and_the_summary(world, tmp_path, sandbox):
    good, blocked, _trial = a_month(tmp_path)
    deposit(BAKERY.code, [good, blocked])
    write(tmp_path, "bloque.dsn", samples.monthly_dsn(BAKERY.employer, OCTOBER, 1, seed=8))
    state = deposit(BAKERY.code, [blocked])
    assert state.is_completed()
    assert state.name != "Partial"
    assert table(state, "dsn-anomalies-boul-01") == []
    control = table(state, "dsn-control-boul-01")
    assert [(row["Fichier"], row["Etat"]) for row in control] == [
        ("dsn.dsn", "DSN acceptée"),
        ("bloque.dsn", "DSN acceptée"),
    ]
    assert "À faire" not in summary(state)


def test_the_platforms_anomalies_reach_the_artifact_with_their_line(world, tmp_path, sandbox):
    *_, trial = a_month(tmp_path)
    state = deposit(BAKERY.code, [trial])
    lines = [line for line in table(state, "dsn-anomalies-boul-01") if line["Code"] == "CCH-040"]
    sources = {line["Source"] for line in lines}
    assert "Bilan d'anomalies (BAN/CCO)" in sources
    from_bilan = next(line for line in lines if line["Source"].startswith("Bilan"))
    assert from_bilan["Gravité"] == "Non bloquante"
    assert from_bilan["Ligne"]
    assert "contrôlez" in summary(state)
