"""``coursier audit report``: for one dossier and quarter, exactly what the store holds — each
file sent in the quarter with the returns stored for it, the dossier's other events of the
quarter — as a table, CSV and a printable page that escapes what files are named; a broken
trail said on the report and in the exit code; bad periods refused by name."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update
from typer.testing import CliRunner

from coursier.deployments.audit_cli import app
from coursier.store import append_audit
from coursier.store.ledger_tables import Deposit, StoredReturn
from coursier.store.tables import AuditEvent
from tests.deployments.cli_env import cli_store, point_at

runner = CliRunner()
HOSTILE = "<script>alert(1)</script>.dsn"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def deposit(session, dossier: str, name: str, sent: datetime, idflux: str, **fields) -> Deposit:
    row = Deposit(
        dossier=dossier,
        platform="net-entreprises",
        module="dsn",
        file_name=name,
        file_path=f"/inbox/{name}",
        file_sha256=(name.encode().hex() * 8)[:64],
        file_size=1000,
        nature="01",
        state="accepted",
        idflux=idflux,
        account_key=f"net-entreprises/production/{dossier}",
        environment="production",
        declarant_siret="99900000300015",
        credential_name="net-entreprises--application",
        operator="alice",
        flow_run_id=f"run-{idflux}",
        month=date(2026, 1, 1),
        sent_at=sent,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def came_back(session, row: Deposit, nature: str, status: str, published: datetime) -> None:
    session.add(
        StoredReturn(
            deposit_id=row.id,
            platform=row.platform,
            idflux=row.idflux,
            nature=nature,
            return_id=f"{row.idflux}-{nature}",
            status=status,
            published_at=published,
            fetched_at=published,
        )
    )


@pytest.fixture
def history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CCH_001 with two files in Q1 (one with two returns) and one in April; CCH_002 with one
    in Q1; audit events of both, in and out of the quarter."""
    point_at(tmp_path, monkeypatch)
    with cli_store() as store, store.begin() as session:
        january = deposit(session, "CCH_001", "janvier.dsn", at("2026-02-05"), "F1")
        came_back(session, january, "10", "OK", at("2026-02-05", 11))
        came_back(session, january, "11", "ANO", at("2026-02-06"))
        deposit(session, "CCH_001", HOSTILE, at("2026-03-31", 23), "F2")
        deposit(session, "CCH_001", "avril.dsn", at("2026-04-01", 0), "F3")
        deposit(session, "CCH_002", "autre.dsn", at("2026-02-05"), "F4")
        for dossier, day, action in (
            ("CCH_001", "2025-12-31", "dsn.deposit"),
            ("CCH_001", "2026-02-05", "dsn.deposit"),
            ("CCH_001", "2026-03-10", "pas.crm.integrated"),
            ("CCH_002", "2026-03-11", "dsn.deposit"),
            ("CCH_001", "2026-04-02", "dsn.deposit"),
        ):
            append_audit(
                session,
                actor="alice",
                action=action,
                dossier=dossier,
                subject="sujet",
                outcome="ok",
                at=at(day),
                details={"note": "<b>gras</b>"},
            )


def lines_of(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


@pytest.mark.usefixtures("history")
def test_a_quarter_of_one_dossier_is_exactly_what_the_store_holds() -> None:
    result = runner.invoke(app, ["report", "--dossier", "CCH_001", "--quarter", "2026-T1", "--csv"])
    assert result.exit_code == 0, result.output
    rows = lines_of(result.stdout)
    assert [(r["kind"], r["what"].split(" (sha256")[0], r["status"]) for r in rows] == [
        ("envoi", "janvier.dsn", "accepted, flux F1"),
        ("retour", "Accusé de réception (AEE/ARE)", "OK"),
        ("retour", "Bilan d'anomalies (BAN/CCO)", "ANO"),
        ("envoi", HOSTILE, "accepted, flux F2"),
        ("événement", "dsn.deposit sujet", "ok"),
        ("événement", "pas.crm.integrated sujet", "ok"),
    ]
    sent = rows[0]
    assert sent["at"] == "2026-02-05 10:00:00"
    assert sent["by"] == "alice"
    assert sent["flow_run_id"] == "run-F1"
    assert "déclarant 99900000300015" in sent["where"]
    assert "identifiants net-entreprises--application" in sent["where"]


@pytest.mark.usefixtures("history")
def test_the_printable_page_escapes_what_a_file_is_named(tmp_path: Path) -> None:
    page = tmp_path / "rapport.html"
    result = runner.invoke(
        app,
        [
            "report",
            "--dossier",
            "CCH_001",
            "--from",
            "2026-01-01",
            "--to",
            "2026-03-31",
            "--html",
            str(page),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 fichier(s) envoyé(s), 2 événement(s)" in result.stdout
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.dsn" in text
    assert "<b>gras</b>" not in text
    assert "Piste d&#x27;audit intacte" in text


@pytest.mark.usefixtures("history")
def test_a_month_and_the_terminal_table() -> None:
    result = runner.invoke(app, ["report", "--dossier", "CCH_001", "--month", "2026-04"])
    assert result.exit_code == 0, result.output
    assert "avril.dsn" in result.stdout
    assert "janvier.dsn" not in result.stdout
    assert "1 fichier(s) envoyé(s), 1 événement(s)" in result.stdout


@pytest.mark.usefixtures("history")
def test_a_broken_trail_is_said_on_the_report_and_in_the_exit_code() -> None:
    with cli_store() as store, store.begin() as session:
        session.execute(text("DROP TRIGGER audit_events_no_update"))  # as someone with the file
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.action == "pas.crm.integrated")
            .values(actor="mallory")
        )
    result = runner.invoke(app, ["report", "--dossier", "CCH_001", "--quarter", "2026-Q1"])
    assert result.exit_code == 1
    assert "Piste d'audit ROMPUE" in " ".join(result.stdout.split())


@pytest.mark.usefixtures("history")
def test_a_dossier_gone_from_the_portfolio_still_has_its_history() -> None:
    result = runner.invoke(app, ["report", "--dossier", "CCH_002", "--quarter", "2026-T1", "--csv"])
    assert result.exit_code == 0
    assert "n'est pas (ou plus) dans le portefeuille" in result.stderr
    assert [r["what"].split(" (sha256")[0] for r in lines_of(result.stdout)] == [
        "autre.dsn",
        "dsn.deposit sujet",
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ([], "donnez une période, une seule"),
        (["--quarter", "2026-T1", "--month", "2026-01"], "donnez une période, une seule"),
        (["--quarter", "2026-T5"], "--quarter '2026-T5' : écrivez AAAA-T1"),
        (["--month", "2026-13"], "--month '2026-13' : écrivez AAAA-MM"),
        (["--from", "2026-01-01"], "--from et --to vont ensemble"),
        (["--from", "2026-03-01", "--to", "2026-01-01"], "période vide"),
    ],
)
def test_a_bad_period_is_refused_by_name(tmp_path, monkeypatch, args, said) -> None:
    point_at(tmp_path, monkeypatch)
    result = runner.invoke(app, ["report", "--dossier", "CCH_001", *args])
    assert result.exit_code == 2
    assert said in result.stderr
