"""Deposit states from returns, the plan before any network call, and reconciling."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from coursier.models.accounts import DeclarationIdentity
from coursier.models.control import control_rows
from coursier.models.deposits import (
    ARRIVAL_GRACE,
    Action,
    ControlState,
    DepositState,
    ListedDeposit,
    ReturnFact,
    Unsettled,
    plan_deposit,
    reconcile,
    verdict_from_returns,
)

T0 = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("returns", "state", "final"),
    [
        ([ReturnFact("10", "OK")], DepositState.DEPOSITED, False),
        ([ReturnFact("10", "OK"), ReturnFact("11", "OK")], DepositState.ACCEPTED, True),
        ([ReturnFact("11", "ANO")], DepositState.ANOMALIES, True),
        ([ReturnFact("11", "KO", message="B1-105-15 absent")], DepositState.REJECTED, True),
    ],
)
def test_the_bilan_decides(returns, state, final):
    verdict = verdict_from_returns("01", returns)
    assert (verdict.state, verdict.final) == (state, final)


def test_the_newest_bilan_wins_when_overwritten():
    returns = [
        ReturnFact("11", "KO", published_at=T0, message="ancien"),
        ReturnFact("11", "OK", published_at=T0 + timedelta(days=1)),
    ]
    assert verdict_from_returns("01", returns).state is DepositState.ACCEPTED


def test_rejection_message_is_the_platforms():
    verdict = verdict_from_returns("01", [ReturnFact("11", "KO", message="CCH-11 : SIRET")])
    assert verdict.message == "CCH-11 : SIRET"


def test_fctu_is_final_only_with_its_aer():
    waiting = verdict_from_returns("07", [ReturnFact("11", "OK")])
    assert waiting.state is DepositState.ACCEPTED
    assert not waiting.final
    done = verdict_from_returns("07", [ReturnFact("11", "OK"), ReturnFact("44", "ANO")])
    assert done.final
    assert done.aer_available
    assert done.state is DepositState.ANOMALIES
    assert "Une AER est disponible" in done.message


PLAN = dict(blocking=0, siret="73282932000074", dossier_siren="732829320", dossier_sirets=())


@pytest.mark.parametrize(
    ("changes", "action"),
    [
        ({}, Action.DEPOSIT),
        ({"blocking": 2}, Action.BLOCK),
        ({"siret": "40483304800022"}, Action.REFUSE),
        ({"siret": None}, Action.REFUSE),
        ({"dossier_sirets": ("73282932000082",)}, Action.REFUSE),
        ({"dossier_sirets": ("73282932000074",)}, Action.DEPOSIT),
        ({"m2m_on": False}, Action.SKIP_M2M),
        ({"ledger_state": DepositState.ACCEPTED}, Action.KEEP),
        ({"ledger_state": DepositState.DEPOSITED}, Action.FOLLOW),
        ({"ledger_state": DepositState.REJECTED}, Action.KEEP),
        ({"ledger_state": DepositState.UNKNOWN}, Action.RECONCILE),
        ({"ledger_state": DepositState.SENDING}, Action.RECONCILE),
        ({"ledger_state": DepositState.NOT_DEPOSITED_M2M}, Action.DEPOSIT),
        ({"ledger_state": DepositState.BLOCKED, "blocking": 1}, Action.BLOCK),
    ],
)
def test_plan_before_any_network_call(changes, action):
    arguments = {**PLAN, "m2m_on": True, "ledger_state": None, **changes}
    plan = plan_deposit(**arguments)
    assert plan.action is action
    if action is Action.REFUSE:
        assert "SIRE" in plan.message or "établissement" in plan.message


def row(deposit_id, at, group="A|01|01", month=None, business_id=None):
    return Unsettled(deposit_id, at, group, month, business_id)


def bilan(siret="A", nature="01", declaration_type="01", month=None, business_id=None):
    return DeclarationIdentity(siret, nature, declaration_type, month, business_id)


def test_a_listed_deposit_whose_bilan_names_the_group_is_the_row():
    listed = [ListedDeposit("F1", T0 + timedelta(seconds=3), bilan())]
    assert reconcile([row(1, T0)], listed, T0).matched == {1: "F1"}


def test_nothing_listed_after_the_grace_means_never_arrived():
    assert reconcile([row(1, T0)], [], T0 + ARRIVAL_GRACE + timedelta(seconds=1)).not_arrived == [1]
    assert reconcile([row(1, T0)], [], T0 + timedelta(seconds=10)).undecided == [1]


def test_a_listed_deposit_without_its_bilan_keeps_the_row_waiting_past_the_grace():
    later = T0 + ARRIVAL_GRACE * 2
    anonymous = [ListedDeposit("F1", T0 + timedelta(seconds=2))]
    assert reconcile([row(1, T0)], anonymous, later).undecided == [1]
    other_group = [ListedDeposit("F1", T0 + timedelta(seconds=2), bilan(siret="B"))]
    assert reconcile([row(1, T0)], other_group, later).not_arrived == [1]


def test_a_refusal_without_bilan_never_holds_a_file_back():
    refused = [ListedDeposit("F1", T0 + timedelta(seconds=2), rejected_unidentified=True)]
    assert reconcile([row(1, T0)], refused, T0 + ARRIVAL_GRACE * 2).not_arrived == [1]


def test_a_deposit_long_before_is_not_a_candidate():
    listed = [ListedDeposit("OLD", T0 - timedelta(hours=1), bilan())]
    later = T0 + ARRIVAL_GRACE * 2
    assert reconcile([row(1, T0)], listed, later).not_arrived == [1]


def test_rows_of_two_groups_are_told_apart_by_their_bilans_only():
    rows = [row(1, T0, group="A|01|01"), row(2, T0, group="B|04|01")]
    anonymous = [ListedDeposit("F1", T0), ListedDeposit("F2", T0)]
    assert sorted(reconcile(rows, anonymous, T0).undecided) == [1, 2]
    named = [
        ListedDeposit("F1", T0, bilan(siret="B", nature="04")),
        ListedDeposit("F2", T0, bilan(siret="A", nature="01")),
    ]
    assert reconcile(rows, named, T0).matched == {1: "F2", 2: "F1"}


def test_month_and_business_id_confirm_or_refute_a_match():
    october, november = date(2026, 10, 1), date(2026, 11, 1)
    unsettled = [row(1, T0, month=october, business_id="PAIE-42")]
    later = T0 + ARRIVAL_GRACE * 2
    wrong_month = [ListedDeposit("F1", T0, bilan(month=november))]
    assert reconcile(unsettled, wrong_month, later).not_arrived == [1]
    wrong_id = [ListedDeposit("F1", T0, bilan(business_id="PAIE-43"))]
    assert reconcile(unsettled, wrong_id, later).not_arrived == [1]
    silent = [ListedDeposit("F1", T0, bilan())]  # the bilan says neither: no contradiction
    assert reconcile(unsettled, silent, later).matched == {1: "F1"}


def test_a_group_listed_twice_matches_the_first_and_reports_the_other():
    listed = [
        ListedDeposit("LATE", T0 + timedelta(seconds=9), bilan()),
        ListedDeposit("FIRST", T0 + timedelta(seconds=1), bilan()),
    ]
    result = reconcile([row(1, T0)], listed, T0)
    assert (result.matched, result.strays) == ({1: "FIRST"}, ["LATE"])


class FakeDeposit:
    def __init__(self, **values):
        defaults = dict(
            id=1,
            dossier="CCH001",
            file_name="dsn.txt",
            siret="73282932000074",
            nature="04",
            declaration_type="01",
            month=date(2026, 10, 1),
            period_start=date(2026, 10, 10),
            period_end=date(2026, 10, 24),
            sent_at=datetime(2026, 10, 14, 23, 30, tzinfo=UTC),
            deposited_at=None,
            state="accepted",
            aer_available=False,
            message="La DSN a été acceptée",
            idflux="F1",
            anomalies=[],
        )
        self.__dict__.update({**defaults, **values})


def test_control_rows_read_like_the_screen():
    [first, second] = control_rows(
        [FakeDeposit(), FakeDeposit(state="not_deposited_m2m", nature="07")]
    )
    table = first.as_table_row()
    assert table["N°"] == 1
    assert table["Nature"] == "04 Signalement arrêt de travail"
    assert table["Type"] == "01 Normale"
    assert (table["Période déclarée"], table["Du"], table["Au"]) == (
        "10/2026",
        "10/10/2026",
        "24/10/2026",
    )
    assert table["Date dépôt"] == "15/10/2026"  # 23:30 UTC is the next day in Paris
    assert first.state is ControlState.ACCEPTED
    assert second.state is ControlState.NOT_DEPOSITED_M2M
    assert second.state_label == "Non déposée en M2M"
