"""The per-employee decision: create with the language, update only the fields that differ and
never the language, leave the rest; unsynced fields are never read; bad rows fail alone."""

from __future__ import annotations

import pytest

from coursier.models.hr_diff import plan_sync
from coursier.models.hr_employee import Employee, check, from_record

RECORD = {
    "employeeNumber": "000001",
    "lastName": "Peeters",
    "firstName": "Emma",
    "email": "emma.peeters@example.be",
    "language": "NL",
    "startDate": "2024-03-01",
    "grossSalary": 3250.004,
    "workRegime": 100,
    "employerSocialSecurityRate": "25.0",
    "nationalNumber": "85073003328",
    "exitDate": "2026-12-31",
}


def employee(**changes) -> Employee:
    return from_record(RECORD).with_changes(**changes)


def target(*employees: Employee) -> dict[str, tuple[str, Employee]]:
    return {e.number: (f"emp-{e.number}", e) for e in employees}


def test_reading_keeps_only_synced_fields_leniently():
    read = from_record(RECORD)
    assert read == Employee(
        "000001",
        "Peeters",
        "Emma",
        "emma.peeters@example.be",
        "nl",
        "2024-03-01",
        3250.0,
        100.0,
        25.0,
    )
    assert from_record(read.wire()) == read  # what is written reads back the same
    assert "exitDate" not in read.wire()
    assert "nationalNumber" not in read.wire()
    assert from_record({**RECORD, "grossSalary": "abc", "email": "  "}).gross_salary is None
    assert from_record({**RECORD, "email": "  "}).email is None


def test_a_new_employee_is_created_with_every_field_and_the_language():
    plan = plan_sync([employee()], {})
    assert plan.creates == [employee()]
    assert plan.creates[0].wire()["language"] == "nl"


def test_an_update_names_only_the_fields_that_differ():
    current = employee(gross_salary=3000.0, last_name="Peters")
    plan = plan_sync([employee()], target(current))
    assert [(u.payflip_id, u.fields) for u in plan.updates] == [
        ("emp-000001", ("last_name", "gross_salary"))
    ]
    assert plan.creates == plan.unchanged == []


def test_the_language_alone_is_no_change():
    plan = plan_sync([employee(language="fr")], target(employee()))
    assert plan.updates == []
    assert plan.unchanged == [employee(language="fr")]


def test_an_email_differing_only_in_case_is_no_change():
    plan = plan_sync([employee(email="Emma.Peeters@example.be")], target(employee()))
    assert plan.unchanged
    assert not plan.updates


def test_employees_only_payflip_has_are_left_alone():
    other = employee(number="000002")
    plan = plan_sync([employee()], target(employee(), other))
    assert plan.unchanged == [employee()]
    assert not (plan.creates)
    assert not (plan.updates)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"email": None}, "email_missing"),
        ({"email": "emma-at-example"}, "email_invalid"),
        ({"gross_salary": -1.0}, "salary_invalid"),
        ({"gross_salary": None}, "salary_invalid"),
        ({"work_regime": 0.0}, "salary_invalid"),
        ({"work_regime": 120.0}, "salary_invalid"),
        ({"employer_ss_rate": 101.0}, "salary_invalid"),
        ({"last_name": None}, "invalid_row"),
        ({"start_date": "01/03/2024"}, "invalid_row"),
        ({"language": "xx"}, "invalid_row"),
    ],
)
def test_a_bad_row_fails_alone_with_its_code_and_action(changes, code):
    good = employee(number="000002")
    plan = plan_sync([employee(**changes), good], {})
    assert plan.creates == [good]
    [failed] = plan.failures
    assert (failed.employee_number, failed.code) == ("000001", code)
    assert failed.action
    assert failed.message


def test_the_language_is_checked_only_on_creation():
    assert check(employee(language=None), creating=False) is None
    assert check(employee(language=None), creating=True).code == "invalid_row"


def test_a_bad_change_fails_and_writes_nothing():
    plan = plan_sync([employee(email=None)], target(employee()))
    assert not plan.updates
    assert [f.code for f in plan.failures] == ["email_missing"]


def test_duplicate_and_missing_numbers_fail():
    plan = plan_sync([employee(), employee(), employee(number="")], {})
    assert plan.creates == [employee()]
    assert [f.code for f in plan.failures] == ["invalid_row", "invalid_row"]
    assert "double" in plan.failures[0].message


def test_only_restricts_the_plan_to_the_employees_named():
    plan = plan_sync([employee(), employee(number="000002")], {}, only=frozenset({"000002"}))
    assert [e.number for e in plan.creates] == ["000002"]


def test_a_hundred_thousand_employees_in_one_pass():
    source = [employee(number=f"{i:06d}") for i in range(100_000)]
    current = target(*source[:-10])
    plan = plan_sync(source, current)
    assert (len(plan.unchanged), len(plan.creates)) == (99_990, 10)
