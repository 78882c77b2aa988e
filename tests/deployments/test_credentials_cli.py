"""``coursier credentials set|list|resolve|delete|test``: scopes from the command line, a
password that is never echoed, printed, logged or audited, and a real test of connection."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from coursier.connectors.credentials import delete, list_saved
from coursier.connectors.net_entreprises.block import NAME_PREFIX, NetEntreprisesCredentials
from coursier.deployments.credentials_cli import app
from coursier.deployments.portfolio_cli import app as portfolio_app
from coursier.store import query_audit
from tests.connectors.prefect_api import prefect_api  # noqa: F401  (session fixture)
from tests.deployments.cli_env import OPERATOR, cli_store, point_at
from tests.models.portfolio.samples import CSV

pytestmark = pytest.mark.usefixtures("prefect_api")

runner = CliRunner()
PASSWORD = "Secret-Mdp-2026"
ACCOUNT = ["--siret", "99900000300015", "--last-name", "declarant", "--first-name", "declarant"]


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A store with the sample portfolio, and no saved credentials before or after."""
    point_at(tmp_path, monkeypatch)
    portfolio = tmp_path / "portefeuille.csv"
    portfolio.write_text(CSV, encoding="utf-8")
    assert runner.invoke(portfolio_app, ["import", str(portfolio)]).exit_code == 0
    _forget_all()
    yield
    _forget_all()


def _forget_all() -> None:
    for _, scope, key, _ in list_saved(NetEntreprisesCredentials, NAME_PREFIX):
        delete(NetEntreprisesCredentials, NAME_PREFIX, scope, key)


def set_credentials(*args: str, password: str = PASSWORD):
    return runner.invoke(app, ["set", *args, *ACCOUNT, "--password-stdin"], input=password + "\n")


def test_set_then_list_never_shows_the_password() -> None:
    result = set_credentials("--scope", "dossier", "--key", "CCH_001", "--environment", "test")
    assert result.exit_code == 0, result.output
    assert "net-entreprises--dossier--cch-001" in result.stdout
    table = runner.invoke(app, ["list"])
    listed = runner.invoke(app, ["list", "--json"])
    assert json.loads(listed.stdout) == [
        {
            "name": "net-entreprises--dossier--cch-001",
            "scope": "dossier",
            "key": "CCH_001",
            "siret": "99900000300015",
            "platform": "net-entreprises",
            "environment": "test",
        }
    ]
    assert "cch-001" in table.stdout
    for output in (result.output, table.output, listed.output):
        assert PASSWORD not in output


def test_prompted_password_is_hidden_and_confirmed() -> None:
    result = runner.invoke(
        app, ["set", "--scope", "application", *ACCOUNT], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    assert "Mot de passe" in result.output
    assert PASSWORD not in result.output


def test_set_and_delete_are_audited_without_the_password() -> None:
    set_credentials("--scope", "company", "--key", "552081317")
    runner.invoke(app, ["delete", "--scope", "company", "--key", "552081317"])
    with cli_store() as store, store.begin() as session:
        events = query_audit(session)
    assert [(e.actor, e.action, e.subject) for e in events[1:]] == [
        (OPERATOR, "credentials.set", "net-entreprises--company--552081317"),
        (OPERATOR, "credentials.delete", "net-entreprises--company--552081317"),
    ]
    assert events[1].details == {
        "scope": "company",
        "key": "552081317",
        "siret": "99900000300015",
        "platform": "net-entreprises",
        "environment": "production",
    }
    assert all(PASSWORD not in json.dumps(e.details) for e in events)


def test_resolve_explains_the_choice_and_falls_back_after_delete() -> None:
    set_credentials("--scope", "application")
    set_credentials("--scope", "dossier", "--key", "CCH_001")
    result = runner.invoke(app, ["resolve", "CCH_001"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "net-entreprises--dossier--cch-001" in lines[1]
    assert "→ utilisé" in lines[1]
    assert "absent" in lines[2]  # company
    assert "absent" in lines[3]  # directory
    assert "présent" in lines[4]  # application, overridden
    assert runner.invoke(app, ["delete", "--scope", "dossier", "--key", "CCH_001"]).exit_code == 0
    after = runner.invoke(app, ["resolve", "CCH_001"]).stdout.splitlines()
    assert "net-entreprises--application" in after[4]
    assert "→ utilisé" in after[4]


def test_resolve_without_credentials_or_of_an_unknown_dossier() -> None:
    none = runner.invoke(app, ["resolve", "CCH_001"])
    assert none.exit_code == 1
    assert "coursier credentials set" in none.stderr
    unknown = runner.invoke(app, ["resolve", "NOPE"])
    assert unknown.exit_code == 2
    assert "dossier NOPE inconnu" in unknown.stderr


def test_invalid_values_are_refused_in_french_without_the_password() -> None:
    result = runner.invoke(
        app,
        ["set", "--scope", "dossier", "--siret", "123", "--last-name", "x" * 65,
         "--first-name", "y", "--password-stdin"],
        input=PASSWORD * 3 + "\n",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--siret : le SIRET du compte doit compter 14 chiffres exactement" in result.stderr
    assert "--last-name : trop long : 64 caractères au plus" in result.stderr
    assert "mot de passe : trop long : 30 caractères au plus" in result.stderr
    assert PASSWORD not in result.output
    without_key = set_credentials("--scope", "dossier")
    assert without_key.exit_code == 2
    assert "l'étendue « dossier » demande une clé (--key)" in without_key.stderr
    assert list_saved(NetEntreprisesCredentials, NAME_PREFIX) == []


def test_key_unknown_to_the_portfolio_is_warned_about() -> None:
    result = set_credentials("--scope", "directory", "--key", "CAB-OUEST")
    assert result.exit_code == 0
    assert "CAB-OUEST n'est pas dans le portefeuille" in result.stderr
    known = set_credentials("--scope", "directory", "--key", "cab_nord")
    assert "n'est pas dans le portefeuille" not in known.stderr


def test_deleting_nothing_says_so() -> None:
    result = runner.invoke(app, ["delete", "--scope", "dossier", "--key", "CCH_001"])
    assert result.exit_code == 2
    assert "net-entreprises--dossier--cch-001" in result.stderr


class _Platform(BaseHTTPRequestHandler):
    """``POST /authentifier/1.0/``: a token for the right password, 401 otherwise."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/authentifier/1.0/" and f"<motdepasse>{PASSWORD}<".encode() in body:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"jeton-de-test")
            return
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="net-entreprises.fr"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def platform() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Platform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_connection_test_succeeds_or_says_why(
    platform: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    urls = [f"--{kind}-url" for kind in ("auth", "deposit", "consultation", "download")]
    at_platform = [arg for url in urls for arg in (url, platform)]
    set_credentials("--scope", "dossier", "--key", "CCH_001", *at_platform)
    set_credentials("--scope", "application", *at_platform, password="Mauvais-Mdp")

    ok = runner.invoke(app, ["test", "CCH_001"])
    assert ok.exit_code == 0, ok.output
    assert "connexion réussie avec net-entreprises--dossier--cch-001" in ok.stdout

    refused = runner.invoke(app, ["test", "--scope", "application"])
    assert refused.exit_code == 1
    assert "échec de la connexion avec net-entreprises--application" in refused.stderr
    assert "identifiants refusés" in refused.stderr
    for output in (ok.output, refused.output, caplog.text):
        assert PASSWORD not in output
        assert "Mauvais-Mdp" not in output


def test_connection_test_needs_a_target_and_saved_credentials() -> None:
    assert runner.invoke(app, ["test"]).exit_code == 2
    missing = runner.invoke(app, ["test", "--scope", "company", "--key", "552081317"])
    assert missing.exit_code == 1
    assert "enregistré sous net-entreprises--company--552081317 : enregistrez-en" in (
        missing.stderr
    )
    unresolved = runner.invoke(app, ["test", "CCH_001"])
    assert unresolved.exit_code == 1
    assert "net-entreprises--dossier--cch-001" in unresolved.stderr
