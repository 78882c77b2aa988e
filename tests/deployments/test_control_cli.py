"""``coursier dsn control`` and ``coursier dsn returns show`` over a real store: one row per
declaration, the detail of its returns and anomalies, unknown dossiers and natures refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from coursier.deployments.cli import app
from coursier.deployments.dossier_codes import look_alike, unknown_message
from coursier.store.ledger import add_deposit, add_new_return
from tests.deployments.cli_env import cli_store, point_at
from tests.models.portfolio.samples import ACME_PARIS, CSV
from tests.models.returns.files import example

runner = CliRunner()
SENT = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
BLOCKING = {
    "severity": "blocking",
    "code": "CCH-011",
    "field": "S21.G00.40.009",
    "line": 42,
    "message": "Le numéro du contrat est absent",
}


@pytest.fixture(autouse=True)
def env(tmp_path, monkeypatch):
    point_at(tmp_path, monkeypatch)
    (tmp_path / "p.csv").write_text(CSV, encoding="utf-8")
    assert runner.invoke(app, ["portfolio", "import", str(tmp_path / "p.csv")]).exit_code == 0


def file(session, name, sha, **changes):
    fields = dict(
        dossier="CCH_001",
        platform="net-entreprises",
        file_name=name,
        file_path=f"/inbox/{name}",
        file_sha256=sha * 64,
        file_size=100,
        nature="01",
        declaration_type="01",
        siret=ACME_PARIS,
        month=date(2026, 10, 1),
        state="accepted",
    )
    return add_deposit(session, **{**fields, **changes})


@pytest.fixture
def month():
    """October: a blocked file, then its correction the bilan flags; a signal waiting."""
    with cli_store() as store, store.begin() as session:
        file(session, "v1.dsn", "1", state="blocked", anomalies=[BLOCKING])
        corrected = file(session, "v2.dsn", "2", state="anomalies", idflux="F2", sent_at=SENT)
        file(session, "arret.dsn", "3", nature="04", state="deposited", idflux="F3")
        for nature, name, status in (
            ("10", "exemple_retour_10_AEE.xml", "OK"),
            ("94", "Exemple-94-DGFIP-crm-nominatif.xml", "OK"),
        ):
            add_new_return(
                session,
                platform="net-entreprises",
                idflux="F2",
                nature=nature,
                return_id=f"R{nature}",
                status=status,
                content=example(name),
                deposit_id=corrected.id,
                published_at=SENT,
            )


def control(*words):
    return runner.invoke(app, ["dsn", "control", *words], terminal_width=200)


def test_one_row_per_declaration_with_its_file_history_and_detail(month):
    rows = json.loads(control("--json").stdout)
    assert [(r["file"], r["state"]) for r in rows] == [
        ("v2.dsn", "to_check"),
        ("arret.dsn", "waiting"),
    ]
    monthly = rows[0]
    assert [(h["file"], h["state"]) for h in monthly["history"]] == [("v1.dsn", "rejected")]
    assert monthly["history"][0]["self_check"][0]["code"] == "CCH-011"
    assert [r["nature"] for r in monthly["returns"]] == ["10", "94"]
    [adr05] = monthly["returns"][1]["anomalies"]
    assert (adr05["code"], adr05["blocking"], adr05["nir"]) == ("ADR05", False, "9999999999999")
    assert (adr05["field"], adr05["value"], adr05["payroll_number"]) == (
        "S21.G00.30.010",
        "Bordeau",
        "MAT00029643",
    )
    assert rows[1]["state_label"] == "En attente des comptes-rendus"


def test_only_blocking_leaves_out_what_was_fixed(month):
    assert json.loads(control("--json", "--only-blocking").stdout) == []
    with cli_store() as store, store.begin() as session:
        file(session, "v3.dsn", "4", state="blocked", anomalies=[BLOCKING])
    [still] = json.loads(control("--json", "--only-blocking").stdout)
    assert (still["file"], [h["file"] for h in still["history"]]) == (
        "v3.dsn",
        ["v2.dsn", "v1.dsn"],
    )


def test_the_detail_in_the_terminal(month):
    shown = control("--detail")
    assert shown.exit_code == 0, shown.output
    assert "Fichier" in shown.output
    assert "En attente des comptes-rendus" in shown.output
    assert "ADR05" in shown.output
    assert "MAT00029643" in shown.output
    assert "Fichier précédent : v1.dsn — Refusée / erreur bloquante" in shown.output
    assert "À faire : contrôlez 1 anomalie(s) non bloquante(s)" in shown.output
    assert "ADR05" not in control().output  # the table alone without --detail


@pytest.mark.parametrize("name", ["F2", "v2.dsn", "/inbox/v2.dsn", "2" * 64])
def test_returns_show_names_a_deposit_by_flux_file_path_or_sha(month, name):
    shown = runner.invoke(app, ["dsn", "returns", "show", name, "--json"])
    assert shown.exit_code == 0, shown.output
    [deposit] = json.loads(shown.stdout)
    assert (deposit["file"], deposit["idflux"]) == ("v2.dsn", "F2")
    assert [r["label"] for r in deposit["returns"]] == [
        "Accusé de réception (AEE/ARE)",
        "CRM nominatif DGFiP",
    ]


def test_returns_show_in_the_terminal_and_unknown_names(month):
    shown = runner.invoke(app, ["dsn", "returns", "show", "v1.dsn"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "CCH-011" in shown.output
    assert "Aucun compte-rendu reçu." in shown.output
    missing = runner.invoke(app, ["dsn", "returns", "show", "NOPE"])
    assert missing.exit_code == 2
    assert "aucun dépôt" in missing.stderr


def test_natures_are_read_with_or_without_their_zero(month):
    assert [r["file"] for r in json.loads(control("--json", "--nature", "4").stdout)] == [
        "arret.dsn"
    ]
    assert [r["file"] for r in json.loads(control("--json", "--nature", "01").stdout)] == ["v2.dsn"]
    wrong = control("--nature", "99")
    assert wrong.exit_code == 2
    assert "nature '99' inconnue" in wrong.stderr


@pytest.mark.parametrize(
    "words",
    [
        ["dsn", "control", "--dossier", "cch_001"],
        ["dsn", "returns", "--dossier", "cch_001"],
        ["dsn", "returns", "show", "F2", "--dossier", "cch_001"],
        ["dsn", "deposit", "cch_001"],
    ],
)
def test_an_unknown_dossier_is_an_error_naming_the_exact_code(words):
    refused = runner.invoke(app, words)
    assert refused.exit_code == 2
    assert "dossier 'cch_001' inconnu : le code exact est 'CCH_001'" in refused.stderr


def test_an_unknown_dossier_names_its_look_alikes():
    refused = runner.invoke(app, ["dsn", "control", "--dossier", "CCH_01"])
    assert refused.exit_code == 2
    assert "vouliez-vous dire 'CCH_001' ou 'CCH_002' ?" in refused.stderr
    assert "portfolio list" in runner.invoke(app, ["dsn", "control", "--dossier", "NOPE"]).stderr


def test_look_alikes_put_the_same_code_in_another_case_first():
    assert look_alike("boul-01", ["BOUL-02", "BOUL-01", "GAR-02"]) == ["BOUL-01", "BOUL-02"]
    assert look_alike("XYZ", ["BOUL-01"]) == []
    assert "vérifiez son code" in unknown_message("XYZ", ["BOUL-01"])


def test_control_characters_from_the_ledger_never_reach_the_terminal(month):
    """A file name and a stored self-check message holding an ESC sequence (``ESC[2J`` clears
    the screen) are shown escaped in the table, the detail and ``returns show``."""
    line = "Ligne illisible « S21.G00.40.007,'\x1b[2J »"
    with cli_store() as store, store.begin() as session:
        file(
            session,
            "fin\x1b[2J.dsn",
            "5",
            nature="07",
            state="blocked",
            anomalies=[{**BLOCKING, "message": line}],
        )
    for shown in (
        control(),
        control("--detail"),
        runner.invoke(app, ["dsn", "returns", "show", "fin\x1b[2J.dsn"], terminal_width=200),
    ):
        assert shown.exit_code == 0, shown.output
        assert "\x1b" not in shown.output
        assert "fin\\x1b[2J.dsn" in shown.output
    assert "S21.G00.40.007,'\\x1b[2J" in control("--detail").output
