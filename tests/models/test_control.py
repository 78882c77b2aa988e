"""The control table per declaration: the latest file, its history, the fifth state."""

from __future__ import annotations

from datetime import date

from coursier.models.control import anomaly_table, control_rows, declarations
from coursier.models.deposits import CONTROL_LABELS, CONTROL_STATE_OF, ControlState, DepositState
from tests.models.test_deposits import FakeDeposit

BLOCKING = {
    "severity": "blocking",
    "code": "CCH-011",
    "field": "S21.G00.40.009",
    "line": 42,
    "message": "Le numéro du contrat est absent",
}


def test_a_corrected_file_replaces_the_blocked_row_which_stays_in_its_history():
    blocked = FakeDeposit(id=1, file_name="v1.dsn", state="blocked", anomalies=[BLOCKING])
    other = FakeDeposit(id=2, file_name="autre.dsn", nature="01", period_start=None)
    corrected = FakeDeposit(id=3, file_name="v2.dsn", state="accepted")
    [first, second] = control_rows([blocked, other, corrected])
    assert (first.number, first.file, second.number, second.file) == (1, "autre.dsn", 2, "v2.dsn")
    assert second.state is ControlState.ACCEPTED
    [earlier] = second.history
    assert (earlier.file, earlier.state, earlier.number) == ("v1.dsn", ControlState.REJECTED, 2)
    assert earlier.self_check[0].code == "CCH-011"
    assert [f.file for f in second.files] == ["v2.dsn", "v1.dsn"]
    assert second.as_table_row()["Fichier"] == "v2.dsn"


def test_a_declaration_is_its_siret_nature_type_month_and_for_a_signal_its_event():
    base = FakeDeposit(id=1)
    apart = [
        FakeDeposit(id=2, siret="73282932000082"),
        FakeDeposit(id=3, declaration_type="03"),
        FakeDeposit(id=4, month=date(2026, 11, 1)),
        FakeDeposit(id=5, period_start=date(2026, 10, 20)),  # another sick leave
        FakeDeposit(id=6, dossier="OTHER"),
    ]
    assert len(declarations([base, *apart])) == 6
    monthly = [FakeDeposit(id=i, nature="01", period_start=date(2026, 10, i)) for i in (7, 8)]
    assert [len(files) for files in declarations(monthly)] == [2]  # no event for a monthly DSN


def test_waiting_for_returns_is_a_state_of_its_own_not_a_final_one():
    for state in (DepositState.DEPOSITED, DepositState.SENDING, DepositState.UNKNOWN):
        assert CONTROL_STATE_OF[state] is ControlState.WAITING
    assert CONTROL_LABELS[ControlState.WAITING] == "En attente des comptes-rendus"
    assert [s for s in ControlState if s.final] == [
        ControlState.ACCEPTED,
        ControlState.TO_CHECK,
        ControlState.REJECTED,
        ControlState.NOT_DEPOSITED_M2M,
    ]
    [row] = control_rows([FakeDeposit(state="deposited", message="En attente des comptes-rendus")])
    assert row.state_label == "En attente des comptes-rendus"


def test_the_anomaly_table_has_one_line_per_anomaly_of_each_latest_file():
    old = FakeDeposit(id=1, file_name="v1.dsn", state="blocked", anomalies=[BLOCKING])
    again = FakeDeposit(id=2, file_name="v2.dsn", state="blocked", anomalies=[BLOCKING, BLOCKING])
    fine = FakeDeposit(id=3, nature="01", file_name="ok.dsn")
    lines = anomaly_table(control_rows([old, again, fine]))
    assert [(line["N°"], line["Fichier"]) for line in lines] == [(1, "v2.dsn"), (1, "v2.dsn")]
    assert lines[0]["Source"] == "Autocontrôle"
    assert lines[0]["Gravité"] == "Bloquante"
    assert (lines[0]["Rubrique"], lines[0]["Ligne"]) == ("S21.G00.40.009", 42)
