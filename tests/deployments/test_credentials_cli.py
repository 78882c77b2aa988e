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

from coursier.connectors.credentials import load
from coursier.connectors.net_entreprises.block import NetEntreprisesCredentials
from coursier.connectors.net_entreprises.scopes import list_account_credentials
from coursier.deployments.credentials_cli import app
from coursier.deployments.portfolio_cli import app as portfolio_app
from coursier.store import query_audit
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
    for saved in list_account_credentials():
        NetEntreprisesCredentials.delete(saved.name)


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
            "service": "97",
            "used_for": "net-entreprises",
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
    assert events[2].details == {
        "scope": "company",
        "key": "552081317",
        "platform": "net-entreprises",
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
    assert list_account_credentials() == []


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
    assert (
        "enregistré sous net-entreprises--company--552081317 ni izilio--company--552081317 : "
        "voyez ceux qui le sont avec `coursier credentials list`"
    ) in missing.stderr
    unresolved = runner.invoke(app, ["test", "CCH_001"])
    assert unresolved.exit_code == 1
    assert "net-entreprises--dossier--cch-001" in unresolved.stderr


# Both platforms at one scope ----------------------------------------------------------------

IZILIO_URLS = [
    arg
    for kind in ("auth", "deposit", "consultation", "download")
    for arg in (f"--{kind}-url", "https://izilio.example")
]


def _json_names() -> list[str]:
    return [row["name"] for row in json.loads(runner.invoke(app, ["list", "--json"]).stdout)]


def test_both_platforms_at_one_scope_and_each_dossier_uses_its_platform_s() -> None:
    assert set_credentials("--scope", "application").exit_code == 0
    izilio = set_credentials("--scope", "application", "--platform", "izilio", *IZILIO_URLS)
    assert izilio.exit_code == 0, izilio.output
    assert "identifiants izilio enregistrés sous izilio--application" in izilio.stdout
    assert _json_names() == ["izilio--application", "net-entreprises--application"]

    on_net_entreprises = runner.invoke(app, ["resolve", "CCH_001"])
    assert on_net_entreprises.exit_code == 0, on_net_entreprises.output
    lines = on_net_entreprises.stdout.splitlines()
    assert "sur net-entreprises" in lines[0]
    assert "net-entreprises--application" in lines[4]
    assert "→ utilisé" in lines[4]
    on_izilio = runner.invoke(app, ["resolve", "CCH_002"])  # CCH_002 deposits on IZILIO
    assert on_izilio.exit_code == 0, on_izilio.output
    lines = on_izilio.stdout.splitlines()
    assert "sur izilio" in lines[0]
    assert [line.split()[-1] for line in lines[1:]] == ["absent"] * 3 + ["utilisé"]
    assert "izilio--application" in lines[4]
    forced = runner.invoke(app, ["resolve", "CCH_002", "--platform", "net-entreprises"])
    assert "net-entreprises--application" in forced.stdout.splitlines()[4]

    for command in (["delete"], ["test"]):
        ambiguous = runner.invoke(app, [*command, "--scope", "application"])
        assert ambiguous.exit_code == 2
        assert "plusieurs identifiants à cette étendue (net-entreprises--application, " in (
            ambiguous.stderr
        )
        assert "--platform net-entreprises ou --platform izilio" in ambiguous.stderr
    deleted = runner.invoke(app, ["delete", "--scope", "application", "--platform", "izilio"])
    assert deleted.exit_code == 0, deleted.output
    assert "izilio--application supprimé" in deleted.stdout
    assert _json_names() == ["net-entreprises--application"]
    gone = runner.invoke(app, ["resolve", "CCH_002"])
    assert gone.exit_code == 1
    assert "coursier credentials set --platform izilio" in gone.stderr
    for result in (izilio, on_izilio, deleted, gone):
        assert PASSWORD not in result.output


def _legacy_izilio_block(scope: str = "dossier", key: str | None = "CCH_002"):
    return NetEntreprisesCredentials(
        scope=scope,
        scope_key=key,
        siret="55208131700026",
        last_name="ancien",
        first_name="bloc",
        password="Ancien-Mdp-Izilio",
        platform="izilio",
        auth_url="https://izilio.example",
        deposit_url="https://izilio.example",
        consultation_url="https://izilio.example",
        download_url="https://izilio.example",
    )


def test_a_legacy_name_holding_izilio_credentials_is_used_and_kept() -> None:
    # Saved as coursier did before the prefix followed the platform.
    _legacy_izilio_block().save("net-entreprises--dossier--cch-002")
    resolved = runner.invoke(app, ["resolve", "CCH_002"])
    assert resolved.exit_code == 0, resolved.output
    assert "net-entreprises--dossier--cch-002" in resolved.stdout
    assert "→ utilisé" in resolved.stdout
    assert "ancien nom, utilisé pour izilio" in runner.invoke(app, ["list"]).stdout
    # Never for Net-Entreprises: CCH_001 has nothing, and a Net-Entreprises dossier at the same
    # scope would fall back to wider scopes.
    assert (
        runner.invoke(app, ["resolve", "CCH_002", "--platform", "net-entreprises"]).exit_code == 1
    )

    # Saving Net-Entreprises credentials there moves IZILIO's to their own name first.
    moved = set_credentials("--scope", "dossier", "--key", "CCH_002")
    assert moved.exit_code == 0, moved.output
    assert "ils sont désormais sous izilio--dossier--cch-002" in moved.stdout
    izilio = load(NetEntreprisesCredentials, "izilio--dossier--cch-002")
    assert izilio is not None
    assert (izilio.platform, izilio.siret) == ("izilio", "55208131700026")
    assert izilio.password.get_secret_value() == "Ancien-Mdp-Izilio"
    net_entreprises = load(NetEntreprisesCredentials, "net-entreprises--dossier--cch-002")
    assert net_entreprises is not None
    assert net_entreprises.platform == "net-entreprises"
    assert "izilio--dossier--cch-002" in runner.invoke(app, ["resolve", "CCH_002"]).stdout
    with cli_store() as store, store.begin() as session:
        renamed = [e for e in query_audit(session) if e.action == "credentials.renamed"]
    assert [(e.subject, e.details["moved_from"]) for e in renamed] == [
        ("izilio--dossier--cch-002", "net-entreprises--dossier--cch-002")
    ]
    assert "Ancien-Mdp-Izilio" not in moved.output + json.dumps(renamed[0].details)


def test_delete_with_platform_removes_the_legacy_block_too() -> None:
    _legacy_izilio_block().save("net-entreprises--dossier--cch-002")
    set_credentials("--scope", "dossier", "--key", "CCH_002", "--platform", "izilio", *IZILIO_URLS)
    result = runner.invoke(
        app, ["delete", "--scope", "dossier", "--key", "CCH_002", "--platform", "izilio"]
    )
    assert result.exit_code == 0, result.output
    assert "izilio--dossier--cch-002 supprimé" in result.stdout
    assert "net-entreprises--dossier--cch-002 supprimé" in result.stdout
    assert _json_names() == []


def test_a_block_contradicting_its_name_is_flagged_and_never_used() -> None:
    NetEntreprisesCredentials(
        scope="dossier",
        scope_key="CCH_002",
        siret="99900000300015",
        last_name="declarant",
        first_name="declarant",
        password=PASSWORD,
    ).save("izilio--dossier--cch-002")  # Net-Entreprises credentials under IZILIO's name
    table = runner.invoke(app, ["list"])
    assert "jamais utilisé" in table.stdout
    assert json.loads(runner.invoke(app, ["list", "--json"]).stdout)[0]["used_for"] is None
    for command in (["resolve", "CCH_002"], ["test", "CCH_002"]):
        refused = runner.invoke(app, command)
        assert refused.exit_code == 1
        assert "izilio--dossier--cch-002 contient des identifiants net-entreprises" in (
            refused.stderr
        )
        assert PASSWORD not in refused.output


def test_connection_test_of_a_dossier_uses_its_platform_s_credentials(platform: str) -> None:
    urls = [f"--{kind}-url" for kind in ("auth", "deposit", "consultation", "download")]
    at_platform = [arg for url in urls for arg in (url, platform)]
    set_credentials("--scope", "application", *at_platform, password="Mauvais-Mdp")
    set_credentials("--scope", "application", "--platform", "izilio", *at_platform)
    izilio = runner.invoke(app, ["test", "CCH_002"])
    assert izilio.exit_code == 0, izilio.output
    assert "connexion réussie avec izilio--application (izilio, production, service 25)" in (
        izilio.stdout
    )
    net_entreprises = runner.invoke(app, ["test", "CCH_001"])
    assert net_entreprises.exit_code == 1
    assert "échec de la connexion avec net-entreprises--application" in net_entreprises.stderr
    by_scope = runner.invoke(app, ["test", "--scope", "application", "--platform", "izilio"])
    assert by_scope.exit_code == 0, by_scope.output
    for result in (izilio, net_entreprises, by_scope):
        assert PASSWORD not in result.output
        assert "Mauvais-Mdp" not in result.output


# A concentrateur, against the sandbox --------------------------------------------------------

CONCENTRATEUR_PASSWORD = "Conc-Mdp-2026"
ACTED_FOR = ("55208131700018", "DUPONT", "Zoé")  # a declarant the concentrateur acts for
NOT_ACTED_FOR = ("99900000300015", "declarant", "declarant")  # exists, but not its client
CONCENTRATEUR_PORTFOLIO = """directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform,declarant_siret,declarant_last_name,declarant_first_name
CAB-SUD,Cabinet Sud,402483663,Beta,CONC_01,Beta pour Dupont,40248366300017,,{acted}
CAB-SUD,Cabinet Sud,402483663,Beta,CONC_02,Beta sans déclarant,40248366300017,,,,
CAB-SUD,Cabinet Sud,402483663,Beta,CONC_03,Beta pour un inconnu,40248366300017,,{not_acted}
""".format(acted=",".join(ACTED_FOR), not_acted=",".join(NOT_ACTED_FOR))  # noqa: E501


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    """The sandbox's Net-Entreprises, with a declarant account and a concentrateur (service
    98) acting for it."""
    from pydantic import SecretStr

    from coursier.sandbox.accounts import Account
    from coursier.sandbox.server import SandboxServer

    with SandboxServer(seed=11) as server:
        state = server.state("net-entreprises")
        siret, nom, prenom = ACTED_FOR
        state.add_account(
            Account(
                siret=siret,
                nom=nom,
                prenom=prenom,
                motdepasse=SecretStr("Declarant-Mdp"),
                sirets=frozenset({"40248366300017"}),
            )
        )
        state.add_account(
            Account(
                siret="73282932000074",
                nom="CONCENTRATEUR",
                prenom="Paie",
                motdepasse=SecretStr(CONCENTRATEUR_PASSWORD),
                services=frozenset({"98"}),
                declarants=frozenset({siret}),
            )
        )
        yield server.url("net-entreprises")


@pytest.fixture
def concentrateur(tmp_path: Path, sandbox: str) -> None:
    portfolio = tmp_path / "concentrateur.csv"
    portfolio.write_text(CONCENTRATEUR_PORTFOLIO, encoding="utf-8")
    imported = runner.invoke(portfolio_app, ["import", str(portfolio)])
    assert imported.exit_code == 0, imported.output
    urls = [f"--{kind}-url" for kind in ("auth", "deposit", "consultation", "download")]
    result = runner.invoke(
        app,
        ["set", "--scope", "company", "--key", "402483663", "--siret", "73282932000074",
         "--last-name", "CONCENTRATEUR", "--first-name", "Paie", "--service", "98",
         "--environment", "test", *[arg for url in urls for arg in (url, sandbox)],
         "--password-stdin"],
        input=CONCENTRATEUR_PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("concentrateur")
def test_a_concentrateur_is_tested_on_behalf_of_the_dossier_s_declarant(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    ok = runner.invoke(app, ["test", "CONC_01"])
    assert ok.exit_code == 0, ok.output
    assert (
        "connexion réussie avec net-entreprises--company--402483663 (net-entreprises, test, "
        "service 98, pour le déclarant 55208131700018)"
    ) in ok.stdout

    refused = runner.invoke(app, ["test", "CONC_03"])
    assert refused.exit_code == 1
    assert (
        "échec de la connexion avec net-entreprises--company--402483663, pour le déclarant "
        "99900000300015"
    ) in refused.stderr

    without = runner.invoke(app, ["test", "CONC_02"])
    assert without.exit_code == 1
    assert "compte concentrateur (service 98)" in without.stderr
    assert "que le portefeuille ne donne pas pour le dossier CONC_02" in without.stderr
    assert "declarant_siret" in without.stderr

    by_scope = runner.invoke(app, ["test", "--scope", "company", "--key", "402483663"])
    assert by_scope.exit_code == 0, by_scope.output
    assert "seule l'authentification est testée" in by_scope.stdout
    for result in (ok, refused, without, by_scope):
        assert CONCENTRATEUR_PASSWORD not in result.output
        assert "Traceback" not in result.output
    assert CONCENTRATEUR_PASSWORD not in caplog.text


def test_a_store_that_cannot_be_opened_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(
        "COURSIER_DATABASE_URL", f"postgresql://paie:Mdp-Base-2026@127.0.0.1:{port}/coursier"
    )
    for command in (["resolve", "CCH_001"], ["test", "CCH_001"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 1
        assert f"base de données paie@127.0.0.1:{port}/coursier inutilisable" in result.stderr
        assert "Mdp-Base-2026" not in result.output
        assert "Traceback" not in result.output


def test_the_demo_world_saves_each_platform_s_credentials_under_its_own_names() -> None:
    """What the demo and the flow tests install: the bureau at application scope on each
    platform in use, side by side, and a dossier's own credentials under its platform's name."""
    from coursier.deployments.dsn_month_end import BAKERY, BUREAU, GARAGE, GARAGE_OWN
    from coursier.deployments.sandbox_world import WorldDossier, install_bureau
    from coursier.models.dsn.samples import Employer

    theatre = WorldDossier(
        "SPECT-04", "Théâtre", Employer.from_seed(91827364, "THÉÂTRE"), platform="izilio"
    )
    urls = {"net-entreprises": "http://127.0.0.1:9/ne", "izilio": "http://127.0.0.1:9/iz"}
    with cli_store() as store:
        install_bureau(
            store,
            urls,
            [BAKERY, GARAGE, theatre],
            bureau=BUREAU,
            dossier_declarants={GARAGE.code: GARAGE_OWN},
            operator=OPERATOR,
        )
    assert _json_names() == [
        "izilio--application",
        "net-entreprises--application",
        "net-entreprises--dossier--gar-02",
    ]
    for dossier, name in (
        (BAKERY.code, "net-entreprises--application"),
        (GARAGE.code, "net-entreprises--dossier--gar-02"),
        (theatre.code, "izilio--application"),
    ):
        lines = runner.invoke(app, ["resolve", dossier]).stdout.splitlines()
        assert next(line for line in lines if "→ utilisé" in line).split()[-3] == name


def test_the_api_version_is_saved_when_given() -> None:
    assert set_credentials("--scope", "application").exit_code == 0
    saved = load(NetEntreprisesCredentials, "net-entreprises--application")
    assert saved is not None
    assert saved.api_version == "1.0"
    assert set_credentials("--scope", "application", "--api-version", "2.0").exit_code == 0
    saved = load(NetEntreprisesCredentials, "net-entreprises--application")
    assert saved is not None
    assert saved.api_version == "2.0"
    refused = set_credentials("--scope", "application", "--api-version", "3.0")
    assert refused.exit_code == 2


def test_a_belgian_company_key_is_known_however_it_is_written(tmp_path: Path) -> None:
    """Its number as the portfolio stores it, with the BE prefix and dots, or without."""
    from tests.models.portfolio.samples import SOLVAY, YAML_BELGIUM

    belgium = tmp_path / "belgique.yaml"
    belgium.write_text(YAML_BELGIUM, encoding="utf-8")
    assert runner.invoke(portfolio_app, ["import", str(belgium)]).exit_code == 0
    for written in (f"BE{SOLVAY[:4]}.{SOLVAY[4:7]}.{SOLVAY[7:]}", SOLVAY):
        result = set_credentials("--scope", "company", "--key", written)
        assert result.exit_code == 0, result.stderr
        assert "n'est pas dans le portefeuille" not in result.stderr
    other = set_credentials("--scope", "company", "--key", "BE0417497106")
    assert "n'est pas dans le portefeuille" in other.stderr


def test_prefect_starting_too_late_is_said_in_french(monkeypatch: pytest.MonkeyPatch) -> None:
    def late(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Timed out while attempting to connect to ephemeral Prefect API server.")

    assert set_credentials("--scope", "dossier", "--key", "CCH_001").exit_code == 0
    with monkeypatch.context() as patched:  # the fixture deletes the block for real afterwards
        patched.setattr(NetEntreprisesCredentials, "delete", late)
        result = runner.invoke(app, ["delete", "--scope", "dossier", "--key", "CCH_001"])
    assert result.exit_code != 0
    assert "le serveur Prefect local n'a pas démarré à temps" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
