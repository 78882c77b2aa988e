"""The pas-crm deployment: scheduled daily in the first half of the month (Paris), with a form
that needs nothing to run (every dossier, the previous month) and takes the associations as a
list of SIRET."""

from __future__ import annotations

from coursier.deployments import serving


def pas_deployment():
    [found] = [d for d in serving.deployments() if d.name == "pas-crm"]
    return found


def test_it_runs_every_morning_of_the_first_half_of_the_month_in_paris():
    [schedule] = pas_deployment().schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 7 1-16 * *", "Europe/Paris")


def test_a_scheduled_run_needs_no_parameter_and_the_form_offers_a_list_of_associations():
    form = pas_deployment()._parameter_openapi_schema
    assert form.required == []
    properties = form.properties
    assert [p["title"] for p in properties.values()] == [
        "Dossier",
        "Mois de dépôt DSN",
        "Associations",
        "Choisir les associations dans une liste",
        "Relancer les échecs de",
        "Gestionnaire",
    ]
    assert properties["choose_associations"]["default"] is False  # a schedule never pauses
    [listed, everyone] = properties["associations"]["anyOf"]
    assert (listed["type"], listed["items"]) == ("array", {"type": "string"})
    assert everyone["title"] == "Toutes"
    [month, previous] = properties["month"]["anyOf"]
    assert month["pattern"] == r"^\d{4}-(0[1-9]|1[0-2])$"
    assert previous["title"] == "Le mois précédent"
