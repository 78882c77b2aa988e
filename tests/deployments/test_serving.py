"""The deployments served by ``coursier serve``: names, schedule, forms for the UI."""

from __future__ import annotations

import json

from prefect.utilities.callables import parameter_schema

from coursier.deployments.serving import RETURNS_CONTROL_CRON, deployments
from coursier.flows.dsn_deposit import dsn_deposit


def test_both_flows_are_deployed_with_the_returns_control_scheduled():
    deposit, returns = deployments()
    assert (deposit.name, returns.name) == ("dsn-deposit", "dsn-returns-control")
    assert not deposit.schedules
    [schedule] = returns.schedules
    assert schedule.schedule.cron == RETURNS_CONTROL_CRON


def test_the_deposit_form_asks_for_ids_and_choices_never_secrets():
    form = parameter_schema(dsn_deposit)  # what the deployment gives the UI to render
    properties = form.properties
    assert {"dossier", "files", "inbox", "platform", "retry_failed_of", "operator"} <= set(
        properties
    )
    assert form.required == ["dossier"]
    assert "izilio" in json.dumps(properties["platform"])
    assert not any("password" in name or "token" in name for name in properties)
