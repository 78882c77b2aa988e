"""The procedure registry: serving, ``coursier rerun`` and the command line see every registered
procedure, a fake one included, without any shared module naming it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Annotated

import pytest
import typer
from prefect import flow
from typer.testing import CliRunner

from coursier.deployments import registry, serving
from coursier.deployments.registry import (
    BRUSSELS,
    CliGroup,
    DeploymentSpec,
    Noun,
    Procedure,
    ProcedureFlow,
    RegistrationError,
    Schedule,
)
from coursier.runkit import ask

FAKE = "fake-sync"


@flow(name=FAKE)
def fake_sync(client: Annotated[str, ask("Client", "Le client à synchroniser, pour ce test.")]):
    return client


fake_app = typer.Typer()


@fake_app.command()
def hello() -> None:
    typer.echo("bonjour")


def fake_procedure(**changes) -> Procedure:
    fields = {
        "name": "fake",
        "flows": (
            ProcedureFlow(
                FAKE,
                f"{__name__}:fake_sync",
                Noun("salarié", "salariés"),
                (
                    DeploymentSpec(
                        "fake-sync-nightly",
                        "Synchronisation de test, chaque nuit à Bruxelles.",
                        schedules=(Schedule("0 2 * * *", BRUSSELS),),
                    ),
                ),
            ),
        ),
        "cli": CliGroup("fake", f"{__name__}:fake_app"),
    }
    return Procedure(**{**fields, **changes})


@pytest.fixture
def fake() -> Iterator[Procedure]:
    """The fake procedure, registered for one test and taken off after it."""
    procedure = registry.register(fake_procedure())
    yield procedure
    registry.unregister(procedure.name)


def test_a_registered_procedure_is_served_with_its_schedule_in_its_time_zone(fake):
    served = {d.name: d for d in serving.deployments()}
    assert set(served) == {
        "dsn-deposit",
        "dsn-returns-control",
        "pas-crm",
        "cegid-flow-init",
        "cegid-flow-watch",
        "client-import",
        "client-import-apply",
        "hr-sync",
        "hr-sync-now",
        "fake-sync-nightly",
    }
    [schedule] = served["fake-sync-nightly"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/Brussels")
    assert served["fake-sync-nightly"].flow_name == FAKE
    assert served["fake-sync-nightly"]._parameter_openapi_schema.properties["client"]["title"] == (
        "Client"
    )


def test_rerun_finds_a_registered_flow_by_its_prefect_name(fake):
    found = registry.flow_named(FAKE)
    assert found is not None
    assert found.load() is fake_sync
    assert found.items.singular == "salarié"
    assert registry.flow_named("dsn-deposit").items == Noun("fichier", "fichiers")
    assert registry.flow_named("nobody") is None


def test_the_command_line_gets_a_registered_group(fake):
    groups = dict(registry.cli_groups())
    assert set(groups) == {"dsn", "fake", "pas", "cegid", "clients", "hr"}
    app = typer.Typer()
    for name, group in groups.items():
        app.add_typer(group, name=name)
    assert CliRunner().invoke(app, ["fake", "hello"]).stdout == "bonjour\n"


def test_a_taken_off_procedure_is_served_no_more(fake):
    registry.unregister(fake.name)
    assert "fake-sync-nightly" not in {d.name for d in serving.deployments()}
    assert registry.flow_named(FAKE) is None


@pytest.mark.parametrize(
    ("changes", "what"),
    [
        ({}, "procédure 'fake'"),
        ({"name": "other"}, "flow 'fake-sync'"),
        (
            {
                "name": "other",
                "flows": (
                    ProcedureFlow("dsn-deposit", f"{__name__}:fake_sync", Noun("a", "b"), ()),
                ),
            },
            "flow 'dsn-deposit'",
        ),
        (
            {
                "name": "other",
                "flows": (
                    ProcedureFlow(
                        "other-flow",
                        f"{__name__}:fake_sync",
                        Noun("a", "b"),
                        (DeploymentSpec("dsn-returns-control", "Un homonyme."),),
                    ),
                ),
                "cli": None,
            },
            "déploiement 'dsn-returns-control'",
        ),
        ({"name": "other", "flows": (), "cli": CliGroup("dsn", "x:y")}, "commandes 'dsn'"),
    ],
)
def test_every_name_is_registered_once(fake, changes, what):
    with pytest.raises(RegistrationError, match=what):
        registry.register(fake_procedure(**changes))
    *procedures, last = [p.name for p in registry.registered()]
    # In the order registered: the package's modules, by name, unless a test imported one first.
    assert sorted(procedures) == ["cegid-flow", "client-import", "dsn", "hr", "pas"]
    assert last == "fake"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Schedule("*/15 7-20 * * 1-6", "Europe/Pariss"), "fuseau horaire"),
        (lambda: Schedule("*/15 7-20 * * 1-6", "../../etc/passwd"), "fuseau horaire"),
        (lambda: Schedule("*/15 7-20 * *", "Europe/Paris"), "cinq champs"),
        (lambda: CliGroup("x", "coursier.deployments.dsn_cli"), "module:attribut"),
        (lambda: ProcedureFlow("x", "a:b:c", Noun("a", "b")), "module:attribut"),
    ],
)
def test_an_ill_declared_procedure_is_refused_saying_what_to_write(make, message):
    with pytest.raises(RegistrationError, match=message):
        make()


def test_every_registered_flow_bears_the_name_it_is_registered_under():
    for procedure in registry.registered():
        for entry in procedure.flows:
            assert entry.load().name == entry.name


def test_reading_the_registry_imports_no_flow_and_no_prefect():
    probe = (
        "import sys\n"
        "from coursier.deployments import registry\n"
        "names = ['cegid-flow', 'client-import', 'dsn', 'hr', 'pas']\n"
        "assert [p.name for p in registry.registered()] == names\n"
        "loaded = [m for m in sys.modules if m.startswith(('prefect', 'coursier.flows'))]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
