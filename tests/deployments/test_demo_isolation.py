"""The demo lives in a world of its own: run beside a user's real state (credentials in
their Prefect home, a store, their variables pointing at both), it leaves every byte of it as
it was, deposits nothing with the user's credentials, runs the month-end cycle of every
procedure, shows it as a manager reads it (the control table, then one
summary line per procedure), and ends with commands that show its own results.

One run, over an earlier demo's leftovers (it empties its world first): the whole cycle takes
two minutes or more here, its own Prefect server and migrations included."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from coursier.deployments.demo import run_demo
from coursier.deployments.dsn_month_end import BAKERY, BUREAU, GARAGE, GARAGE_OWN
from coursier.deployments.encryption_key import VARIABLE, key_in_prefect_database, new_key
from coursier.deployments.local_prefect import local_prefect_server
from coursier.deployments.pas_month_end import OWN as ASSOCIATIONS
from coursier.deployments.sandbox_world import Declarant, install_bureau, open_accounts
from coursier.models.control import control_rows
from coursier.models.deposits import ControlState
from coursier.models.dsn.samples import Employer
from coursier.models.portfolio.procedures import DSN_PLATFORMS
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store import open_store
from coursier.store.ledger import control_rows as ledger_rows

USER_BUREAU = Declarant(Employer.from_seed(77012345).siret, "DUPONT", "Alice")
USER_OWN = Declarant(Employer.from_seed(77054321).siret, "DUPONT", "Bernard")
BIN = Path(sys.executable).parent
#: The month-end summary: each procedure's line and its verdict, as the sandbox's faults make it.
SUMMARY = {
    "Dépôt DSN": "partiel",  # the garage's file with blocking errors never leaves
    "Retours DSN": "terminé",
    "PAS CRM": "partiel",  # one association's transfers cut
    "PAS CRM — reprise des échecs": "terminé",
    "Synchronisation RH": "partiel",  # an employee without e-mail in Securex
    "Import des clients (plan)": "terminé",
    "Cegid Flow — initialisation": "partiel",  # dossiers missing a prerequisite
    "Cegid Flow — surveillance": "terminé",  # every dropped change replayed
}


def fingerprint(home: Path) -> dict[str, str]:
    """Every file of the user's world (the demo's own folder aside) and its sha256."""
    return {
        str(path.relative_to(home)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.rglob("*"))
        if path.is_file() and path.relative_to(home).parts[0] != "demo"
    }


@pytest.fixture
def user_platform():
    """The platform the user's own credentials point at: what arrives there was sent with them."""
    with SandboxServer(seed=9) as server:
        yield server


def install_user_world(home: Path, platform: SandboxServer, key: str, monkeypatch) -> None:
    """The user's credentials in their Prefect home (the application's, and BOUL-01's own, a
    dossier the demo has too), their store with that portfolio and M2M on."""
    monkeypatch.setenv(VARIABLE, key)  # the user's Prefect server runs with their key
    dossiers = [BAKERY, GARAGE]
    open_accounts(platform, dossiers, bureau=USER_BUREAU, dossier_declarants={"BOUL-01": USER_OWN})
    urls = {name: platform.url(name) for name in platform.states}
    with (
        local_prefect_server(home / "prefect"),
        open_store(f"sqlite:///{home / 'coursier.db'}") as store,
    ):
        install_bureau(
            store,
            urls,
            dossiers,
            bureau=USER_BUREAU,
            dossier_declarants={BAKERY.code: USER_OWN},
            operator="alice",
        )


@pytest.mark.long
def test_two_demos_leave_the_users_world_untouched(tmp_path, monkeypatch, user_platform):
    home = tmp_path / "alice"
    user_key = new_key()
    install_user_world(home, user_platform, user_key, monkeypatch)
    before = fingerprint(home)
    assert "prefect/prefect.db" in before
    # Every variable that could lead the demo to the user's state points there.
    hostile = {
        "COURSIER_HOME": str(home),
        "COURSIER_DATABASE_URL": f"sqlite:///{home / 'coursier.db'}",
        "PREFECT_HOME": str(home / "prefect"),
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home / 'prefect/prefect.db'}",
        "PREFECT_API_URL": "http://127.0.0.1:9/api",
        VARIABLE: user_key,
    }
    for name, value in hostile.items():
        monkeypatch.setenv(name, value)
    environment = dict(os.environ)

    # A demo left over from before: the run empties its world first.
    (home / "demo" / "prefect").mkdir(parents=True)
    (home / "demo" / "coursier.db").write_bytes(b"an earlier demo's store")
    console = Console(record=True, width=200)
    assert run_demo(home, console) == 0
    outputs = [console.export_text()]

    assert fingerprint(home) == before
    assert dict(os.environ) == environment
    for platform in DSN_PLATFORMS:
        assert user_platform.state(platform).deposits() == []
    world = home / "demo"
    with sqlite3.connect(world / "coursier.db") as db:
        sent = db.execute(
            "SELECT dossier, declarant_siret, credential_name FROM deposits"
            " WHERE idflux IS NOT NULL"
        ).fetchall()
    assert {dossier for dossier, _, _ in sent} == {"BOUL-01", "GAR-02", "ARCH-03", "ASSO-04"}
    assert {siret for _, siret, _ in sent} == {BUREAU.siret, GARAGE_OWN.siret, ASSOCIATIONS.siret}
    assert ("BOUL-01", BUREAU.siret, "net-entreprises--application") in sent
    assert_the_month_is_shown(world, outputs)
    demo_key = (world / "secrets/prefect-encryption.key").read_text().strip()
    assert demo_key != user_key
    assert key_in_prefect_database(world / "prefect/prefect.db") is None

    shown = shown_commands(outputs[-1])
    assert [command.split(" # ")[0].split()[-1] for command in shown] == [
        "control",
        "audit",
        f"COURSIER_HOME={home}",
    ]
    control, audit = (run_shown(command) for command in shown[:2])
    assert "BOUL-01" in control
    assert "DSN acceptée" in control
    assert "dsn-deposit" in audit


def assert_the_month_is_shown(world: Path, outputs: list[str]) -> None:
    """The seed's four states in the control table, the garage's AER filed, no traceback and
    no password in what the demo printed."""
    # This test's environment points COURSIER_DATABASE_URL at the user's store: say the demo's.
    settings = CoursierSettings(home=world, database_url=f"sqlite:///{world / 'coursier.db'}")
    with open_store(settings.effective_database_url()) as store, store.read() as session:
        rows = control_rows(ledger_rows(session))
    # "non déposée" (the platform never received it) needs a fault; nothing left waiting.
    assert {row.state for row in rows} == {state for state in ControlState if state.final}
    assert [row.pdf for row in rows].count(True) == 1
    assert list((settings.aer_folder / "GAR-02" / "2026-10").glob("*.pdf"))
    for text in outputs:
        assert "Contrôle des DSN" in text
        summary = text.split("Fin de mois — synthèse")[1].split("Tout le détail")[0]
        lines = [line.split("│")[1:3] for line in summary.splitlines() if line.startswith("│ ")]
        shown = {p.strip(): v.strip() for p, v in lines if p.strip()}
        assert shown == SUMMARY
        assert re.search(r"Surveillance du flux : Completed — .* 0 toujours manquant\(s\)", text)
        assert "Traceback" not in text
        assert not re.search(r"\w+(Error|Exception): ", text)  # no exception printed as such
        for secret in (BUREAU.password.get_secret_value(), GARAGE_OWN.password.get_secret_value()):
            assert secret not in text


def shown_commands(text: str) -> list[str]:
    """The commands after "Pour revoir la démo :"."""
    tail = text.split("Pour revoir la démo :")[1]
    return [line.strip() for line in tail.splitlines() if line.strip()]


def run_shown(command: str) -> str:
    """A command run as printed, from the folder the demo ran in, in the user's environment."""
    environment = {**os.environ, "PATH": f"{BIN}:/usr/bin:/bin", "COLUMNS": "200"}
    done = subprocess.run(
        ["/bin/sh", "-c", command],
        env=environment,
        cwd=Path.cwd(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
