"""The review form of a client-import plan: the seed's defaults (every valid new client, no
field overwritten, no invitation), the choices it offers and only those, and big plans
(beyond the choices a form can list) asked for as text."""

from __future__ import annotations

import pydantic
import pytest

from coursier.models.clients_classify import classify
from coursier.models.clients_normalise import normalise
from coursier.models.clients_plan import ClientPlan, PlanSettings
from coursier.tasks import clients_review
from coursier.tasks.clients_review import answered, review_form
from tests.models.test_clients_classify import DUPONT, nn, person, raw

QUESTIONNAIRES = [
    {"id": "ipp-fr", "name": "IPP", "language": "FR"},
    {"id": "ipp-nl", "name": "PB", "language": "NL"},
]


def plan_of(new: int) -> ClientPlan:
    imported = [
        person(f"n{k}", national_number=nn("900101", k), last_name=f"N{k}")
        for k in range(1, new + 1)
    ]
    imported.append(person("dup", national_number=DUPONT, first_name="Jean-Marie"))
    accounton = [person("A1", national_number=DUPONT, email="dup@example.be")]
    settings = PlanSettings(dossier="CAB", source="adminpulse", language="NL")
    return ClientPlan.of(settings, classify(normalise(raw(*imported)), normalise(raw(*accounton))))


def test_defaults_are_the_seeds() -> None:
    plan = plan_of(3)
    form = review_form(plan, QUESTIONNAIRES)()
    assert form.add == ["n1", "n2", "n3"]
    assert form.overwrite == []
    assert form.send_invitations is False
    assert form.questionnaire == "ipp-nl"  # the plan's language
    assert answered(plan, form.model_dump()).counts() == plan.counts()


def test_only_what_was_offered_can_be_chosen() -> None:
    form = review_form(plan_of(2), QUESTIONNAIRES)
    with pytest.raises(pydantic.ValidationError):
        form(add=["someone-else"])
    with pytest.raises(pydantic.ValidationError):
        form(overwrite=["dup:last_name"])  # the same in both: nothing to overwrite
    with pytest.raises(pydantic.ValidationError):
        form(questionnaire="ipp-xx")
    chosen = answered(plan_of(2), form(add=["n2"], overwrite=["dup:first_name"]).model_dump())
    assert [c["import_id"] for c in chosen.creates()] == ["n2"]
    assert chosen.updates() == {"A1": {"first_name": "Jean-Marie"}}


def test_a_big_plan_asks_what_to_leave_out(monkeypatch) -> None:
    monkeypatch.setattr(clients_review, "FORM_CHOICES", 3)
    plan = plan_of(5)
    form = review_form(plan, QUESTIONNAIRES)
    assert "add" not in form.model_fields
    answer = form(leave_out=["n1", "n4"]).model_dump()
    assert [c["import_id"] for c in answered(plan, answer).creates()] == ["n2", "n3", "n5"]
