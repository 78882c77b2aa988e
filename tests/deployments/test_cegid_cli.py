"""``coursier cegid …`` against the sandbox: init and watch runs with their exit codes, and the
bank statements Flow shows checked against the bank's CFONB 120 file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx
from typer.testing import CliRunner

from coursier.deployments.cegid_cli import app
from tests.flows import test_cegid_support as support
from tests.flows.test_cegid_support import SECRETS

cegid_sandbox, loop, cegid_world = support.cegid_sandbox, support.loop, support.cegid_world
WIDE = {"COLUMNS": "250"}


def invoke(*args):
    return CliRunner().invoke(app, list(args), env=WIDE)


def bank_file(cegid_sandbox, tmp_path, code="CF-PRET-01", day="2026-12-01"):
    text = httpx.get(f"{cegid_sandbox.url('cegid-loop')}/_sandbox/releves/{code}/{day}").content
    path = tmp_path / "releve.cfonb"
    path.write_bytes(text)
    return path


def test_init_then_watch_from_the_command_line(cegid_world, loop):
    init = invoke("init", "CF-PRET-01", "CF-IBAN")
    assert init.exit_code == 0, init.output
    assert "1 dossier(s) prêt(s), 1 aux prérequis manquants" in init.output
    failed = invoke("init", "CF-MAIL")
    assert failed.exit_code == 2
    loop.emit_changes("CF-PRET-01", date(2026, 12, 2), 200, 0.05)
    watched = invoke("watch", "CF-PRET-01", "--day", "2026-12-02")
    assert watched.exit_code == 0, watched.output
    assert "0 toujours manquant(s)" in watched.output
    for secret in SECRETS:
        assert secret not in init.output + failed.output + watched.output


def test_statements_matching_the_banks_file(cegid_world, cegid_sandbox, tmp_path):
    result = invoke("releves", "CF-PRET-01", str(bank_file(cegid_sandbox, tmp_path)))
    assert result.exit_code == 0, result.output
    assert "✓" in result.output


def test_statements_flow_shows_otherwise_are_named(cegid_world, cegid_sandbox, loop, tmp_path):
    loop.statement_faults["CF-PRET-01"] = (Decimal("10.00"), 0)
    result = invoke("releves", "CF-PRET-01", str(bank_file(cegid_sandbox, tmp_path)))
    assert result.exit_code == 1
    assert "nouveau solde" in result.output


def test_a_truncated_bank_file_names_its_line(cegid_world, cegid_sandbox, tmp_path):
    path = bank_file(cegid_sandbox, tmp_path)
    lines = path.read_bytes().split(b"\r\n")
    path.write_bytes(b"\r\n".join([*lines[:2], lines[2][:80]]))
    result = invoke("releves", "CF-PRET-01", str(path))
    assert result.exit_code == 2
    assert "ligne 3" in result.output
    assert "80 caractères" in result.output


def test_the_scoped_credentials_test_and_list_never_show_a_secret(cegid_world, loop):
    tested = invoke("credentials", "test", "CF-PRET-01")
    assert tested.exit_code == 0, tested.output
    assert "Connexion à Cegid Loop réussie" in tested.output
    listed = invoke("credentials", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert "cegid-loop--application" in listed.output
    for secret in SECRETS:
        assert secret not in tested.output + listed.output
