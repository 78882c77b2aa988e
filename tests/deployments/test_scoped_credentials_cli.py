"""``credentials_app``: the credentials commands every platform but the DSN's mounts — secrets
never from an option nor shown, the narrowest scope used by ``test``, every change audited
without its secrets, and bad input refused with the option it came from."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field, SecretStr
from typer.testing import CliRunner

from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.credentials import ScopedCredentials, list_saved, load
from coursier.connectors.errors import ConnectorError
from coursier.deployments.portfolio_cli import app as portfolio_app
from coursier.deployments.scoped_credentials_cli import credentials_app
from coursier.store import query_audit
from tests.deployments.cli_env import OPERATOR, cli_store, point_at
from tests.models.portfolio.samples import CSV

pytestmark = pytest.mark.usefixtures("prefect_api")

runner = CliRunner()
SECRET = "Cl13nt-S3cret-qui-ne-doit-pas-fuir"
OTHER_SECRET = "Aut7e-S3cret-du-dossier"
API_KEY = "k3y-qui-ne-doit-pas-fuir-non-plus"
PLATFORM = "exemple"


class ExampleCredentials(ScopedCredentials):
    """A platform as the next procedures declare theirs: plain fields and secrets."""

    _block_type_name = "Coursier Example Platform"
    _block_type_slug = "coursier-example-platform"

    client_id: str = Field(min_length=1)
    base_url: str = "https://api.exemple.test"
    client_secret: SecretStr
    api_key: SecretStr | None = None


def check(block: ExampleCredentials) -> str:
    """Stands for the platform's authenticated call: it accepts one client's secret only."""
    if block.client_secret.get_secret_value() not in (SECRET, OTHER_SECRET):
        raise ConnectorError("authentification refusée : vérifiez le secret client")
    return f"connexion réussie (client {block.client_id})"


KIND = CredentialKind(PLATFORM, "Exemple", ExampleCredentials, check)
app = credentials_app((KIND,))


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
    for name, *_ in list_saved(ExampleCredentials, PLATFORM):
        ExampleCredentials.delete(name)


def set_credentials(*args: str, secrets: str = f"{SECRET}\n{API_KEY}\n"):
    return runner.invoke(
        app,
        ["set", "--platform", PLATFORM, *args, "--secrets-stdin"],
        input=secrets,
    )


def _audit_text() -> str:
    with cli_store() as store, store.begin() as session:
        events = query_audit(session)
    return json.dumps([(e.action, e.subject, e.actor, e.details) for e in events])


def test_set_saves_the_secrets_from_stdin_and_list_never_shows_them() -> None:
    result = set_credentials(
        "--scope", "dossier", "--key", "CCH_001", "--field", "client_id=cabinet-42"
    )
    assert result.exit_code == 0, result.output
    assert "exemple--dossier--cch-001" in result.stdout
    block = load(ExampleCredentials, "exemple--dossier--cch-001")
    assert block is not None
    assert block.client_secret.get_secret_value() == SECRET
    assert block.api_key is not None
    assert block.api_key.get_secret_value() == API_KEY
    listed = runner.invoke(app, ["list", "--json"])
    assert json.loads(listed.stdout) == [
        {
            "name": "exemple--dossier--cch-001",
            "scope": "dossier",
            "key": "CCH_001",
            "platform": PLATFORM,
            "client_id": "cabinet-42",
            "base_url": "https://api.exemple.test",
        }
    ]
    table = runner.invoke(app, ["list"])
    assert "cabinet-42" in table.stdout
    audit = _audit_text()
    assert "credentials.set" in audit
    assert OPERATOR in audit
    assert "cabinet-42" in audit
    for text in (result.output, listed.output, table.output, audit):
        assert SECRET not in text
        assert API_KEY not in text


def test_prompted_secrets_are_hidden_confirmed_and_an_optional_one_may_stay_empty() -> None:
    result = runner.invoke(
        app,
        ["set", "--platform", PLATFORM, "--scope", "application", "--field", "client_id=c"],
        input=f"{SECRET}\n{SECRET}\n\n\n",
    )
    assert result.exit_code == 0, result.output
    assert SECRET not in result.output
    block = load(ExampleCredentials, "exemple--application")
    assert block is not None
    assert block.api_key is None


def test_a_secret_given_as_a_field_is_refused_without_being_echoed() -> None:
    result = set_credentials(
        "--scope", "application", "--field", "client_id=c", "--field", f"client_secret={SECRET}"
    )
    assert result.exit_code == 2
    assert "--field client_secret : c'est un secret" in result.output
    assert SECRET not in result.output
    assert list_saved(ExampleCredentials, PLATFORM) == []


@pytest.mark.parametrize(
    ("field", "said"),
    [
        ("clientid=c", "--field clientid : champ inconnu pour Exemple ; champs : client_id"),
        ("client_id", "--field 'client_id' : écrivez nom=valeur"),
    ],
)
def test_a_bad_field_option_names_itself_and_what_is_known(field: str, said: str) -> None:
    result = set_credentials("--scope", "application", "--field", field)
    assert result.exit_code == 2
    assert said in " ".join(result.output.split())
    assert list_saved(ExampleCredentials, PLATFORM) == []


def test_a_missing_or_empty_plain_field_names_its_option() -> None:
    missing = set_credentials("--scope", "application")
    empty = set_credentials("--scope", "application", "--field", "client_id=")
    assert missing.exit_code == empty.exit_code == 2
    assert "--field client_id : manquant" in missing.output
    assert "--field client_id : vide" in empty.output
    assert SECRET not in missing.output + empty.output


def test_closed_stdin_says_which_secret_it_lacked() -> None:
    result = set_credentials("--scope", "application", "--field", "client_id=c", secrets="")
    assert result.exit_code == 2
    assert "entrée standard fermée avant le secret client_secret" in result.output
    assert list_saved(ExampleCredentials, PLATFORM) == []


def test_an_unknown_platform_lists_the_known_ones() -> None:
    result = runner.invoke(app, ["list", "--platform", "securex"])
    assert result.exit_code == 2
    assert "'securex' is not one of 'exemple'" in result.output  # French through the main CLI


def test_test_uses_the_narrowest_scope_then_the_wider_one_once_it_is_deleted() -> None:
    assert set_credentials("--scope", "application", "--field", "client_id=app").exit_code == 0
    assert (
        set_credentials(
            "--scope",
            "dossier",
            "--key",
            "CCH_001",
            "--field",
            "client_id=dossier",
            secrets=f"{OTHER_SECRET}\n\n",
        ).exit_code
        == 0
    )
    narrow = runner.invoke(app, ["test", "CCH_001"])
    assert narrow.exit_code == 0, narrow.output
    assert "client dossier" in narrow.stdout
    assert "exemple--dossier--cch-001" in narrow.stdout
    deleted = runner.invoke(
        app, ["delete", "--platform", PLATFORM, "--scope", "dossier", "--key", "CCH_001"]
    )
    assert deleted.exit_code == 0, deleted.output
    wide = runner.invoke(app, ["test", "CCH_001", "--platform", PLATFORM])
    assert wide.exit_code == 0, wide.output
    assert "client app" in wide.stdout
    assert "exemple--application" in wide.stdout
    assert "credentials.delete" in _audit_text()
    for text in (narrow.output, wide.output, _audit_text()):
        assert SECRET not in text
        assert OTHER_SECRET not in text


def test_a_refused_check_and_missing_credentials_fail_saying_what_to_do() -> None:
    nothing = runner.invoke(app, ["test", "CCH_001"])
    assert nothing.exit_code == 1
    assert "exemple--dossier--cch-001" in nothing.output
    assert "credentials set --platform exemple" in nothing.output
    refused_secret = "pas-le-bon-secret"
    set_credentials(
        "--scope", "application", "--field", "client_id=c", secrets=f"{refused_secret}\n\n"
    )
    refused = runner.invoke(app, ["test", "CCH_001"])
    assert refused.exit_code == 1
    assert "authentification refusée : vérifiez le secret client" in refused.output
    assert refused_secret not in refused.output


def test_deleting_what_is_not_saved_and_an_unknown_dossier_are_bad_input() -> None:
    gone = runner.invoke(app, ["delete", "--platform", PLATFORM, "--scope", "application"])
    assert gone.exit_code == 2
    assert "exemple--application" in gone.output
    unknown = runner.invoke(app, ["test", "NOPE_999"])
    assert unknown.exit_code == 2
    assert "dossier NOPE_999 inconnu" in unknown.output


def test_one_kind_per_platform() -> None:
    with pytest.raises(ValueError, match="one CredentialKind per platform"):
        credentials_app((KIND, KIND))
