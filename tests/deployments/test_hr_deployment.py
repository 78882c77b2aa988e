"""The hr-sync deployments: nightly at 02:00 in Brussels, and "sync now" on demand, with a form
that needs nothing to run (every company, the trigger read from the run)."""

from __future__ import annotations

from coursier.deployments import serving


def deployment(name: str):
    [found] = [d for d in serving.deployments() if d.name == name]
    return found


def test_nightly_at_two_in_brussels_and_sync_now_on_demand():
    [schedule] = deployment("hr-sync").schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 2 * * *", "Europe/Brussels")
    assert deployment("hr-sync-now").schedules == []
    assert deployment("hr-sync-now").flow_name == deployment("hr-sync").flow_name == "hr-sync"


def test_the_form_needs_nothing_and_names_its_fields_in_french():
    form = deployment("hr-sync")._parameter_openapi_schema
    assert form.required == []
    assert [p["title"] for p in form.properties.values()] == [
        "Entreprise",
        "Déclencheur",
        "Relancer les échecs de",
        "Gestionnaire",
    ]
    [_forced, from_run] = form.properties["trigger"]["anyOf"]
    assert from_run["title"] == "D'après l'exécution"
