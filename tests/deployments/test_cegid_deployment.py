"""The cegid-flow procedure: its two deployments (the watch daily in Paris, the init on
demand), forms that need nothing to run, and its command group with its credentials."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from coursier.deployments import serving
from coursier.deployments.cegid_cli import app, parse_protocols
from coursier.deployments.registry import registered


def deployment(name):
    [found] = [d for d in serving.deployments() if d.name == name]
    return found


def test_the_watch_runs_every_morning_in_paris_and_the_init_on_demand():
    [schedule] = deployment("cegid-flow-watch").schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 6 * * *", "Europe/Paris")
    assert not deployment("cegid-flow-init").schedules


def test_the_forms_need_nothing_to_run():
    init = deployment("cegid-flow-init")._parameter_openapi_schema
    assert init.required == []
    assert [p["title"] for p in init.properties.values()] == [
        "Dossiers",
        "Protocole de collecte",
        "Relancer les échecs de",
        "Gestionnaire",
    ]
    watch = deployment("cegid-flow-watch")._parameter_openapi_schema
    assert watch.required == []
    assert watch.properties["days"]["maximum"] == 20


def test_the_procedure_is_registered_with_its_command_group():
    [procedure] = [p for p in registered() if p.name == "cegid-flow"]
    assert [f.name for f in procedure.flows] == ["cegid-flow-init", "cegid-flow-watch"]
    assert procedure.cli.name == "cegid"


def test_the_group_has_init_watch_and_the_scoped_credentials():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("init", "watch", "credentials"):
        assert command in result.output
    listed = CliRunner().invoke(app, ["credentials", "--help"])
    assert "Cegid Loop" in listed.output


@pytest.mark.parametrize("value", ["FR76=SEPA", "=DSP2", "FR76"])
def test_a_protocol_option_that_does_not_parse_says_how_to_write_it(value):
    result = CliRunner().invoke(app, ["init", "--protocol", value], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "IBAN=CFONB ou IBAN=DSP2" in result.output


def test_protocols_are_read_per_iban():
    assert parse_protocols(["fr76 3000 4000=dsp2", "FR7612=CFONB"]) == {
        "FR7630004000": "DSP2",
        "FR7612": "CFONB",
    }


def test_a_day_that_is_no_date_is_refused():
    result = CliRunner().invoke(app, ["watch", "--day", "02/12/2026"], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert "AAAA-MM-JJ" in result.output
