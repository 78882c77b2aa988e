"""The month-end cycle's summary: each procedure's line from its runs' real final states, the
worst verdict winning, items counted with the flow's noun, what needs a human shown short and
never read as markup; a step that breaks is an error line and the others still run; every
procedure has its step, in the cycle's order."""

from __future__ import annotations

from prefect.states import Completed, Failed
from rich.console import Console

from coursier.deployments import month_end
from coursier.deployments.month_end import (
    SHOWN_CHARACTERS,
    SHOWN_FAILURES,
    StepResult,
    Verdict,
    print_summary,
    result_of_runs,
    run_cycle,
)
from coursier.deployments.registry import MonthEndStep, month_end_steps
from coursier.runkit.errors import RunFailed
from coursier.runkit.status import ItemReport, RunReport, final_state


def hr_report(ok: int, failed: int, skipped: int = 0) -> RunReport:
    items = [ItemReport(key=f"BE0202239951:{n:06d}", status="ok") for n in range(ok)]
    items += [
        ItemReport(key=f"BE0202239951:{900 + n}", status="failed", message=f"e-mail manquant {n}")
        for n in range(failed)
    ]
    items += [
        ItemReport(key=f"S{n}", status="skipped", message="déjà fait") for n in range(skipped)
    ]
    return RunReport(
        flow="hr-sync", flow_run_id="r", ok=ok, failed=failed, skipped=skipped, items=items
    )


def test_a_partial_and_a_completed_run_sum_up_as_partial_with_their_failures():
    partial = final_state(hr_report(10, 2), "nuit")
    done = final_state(hr_report(5, 0, skipped=1), "maintenant")
    result = result_of_runs("Synchronisation RH", [done, partial], ["voir coursier hr failures"])
    assert result.verdict is Verdict.PARTIAL
    assert result.counts == "18 employés : 15 réussi(s), 2 en échec, 1 ignoré(s)"
    assert result.to_do == (
        "BE0202239951:900 : e-mail manquant 0",
        "BE0202239951:901 : e-mail manquant 1",
        "voir coursier hr failures",
    )


def test_a_failed_run_is_an_error_saying_why_and_one_item_is_singular():
    failed = Failed(message="Identifiants Payflip refusés : renouvelez la clé")
    failed.data = RunFailed("Identifiants Payflip refusés : renouvelez la clé")
    alone = final_state(hr_report(1, 0), "ok")
    result = result_of_runs("Synchronisation RH", [alone, failed])
    assert result.verdict is Verdict.ERROR
    assert result.counts == "1 employé : 1 réussi(s)"
    assert result.to_do == ("Identifiants Payflip refusés : renouvelez la clé",)
    assert result_of_runs("x", [Completed(message="rien")]).counts == "—"


def test_many_failures_are_cut_to_a_few_short_lines():
    report = hr_report(1, SHOWN_FAILURES + 4)
    report.items[1].message = "x" * 500 + "\nsuite"
    result = result_of_runs("Synchronisation RH", [final_state(report, "nuit")])
    assert result.verdict is Verdict.PARTIAL
    assert len(result.to_do) == SHOWN_FAILURES + 1
    assert result.to_do[-1] == "… et 4 autre(s) (voir les artefacts)"
    assert len(result.to_do[0]) == SHOWN_CHARACTERS
    assert result.to_do[0].endswith("…")
    quiet = result_of_runs("Dépôt", [final_state(report, "nuit")], ["a"], failed_items=False)
    assert quiet.to_do == ("a",)


def test_the_summary_prints_hostile_text_as_it_is():
    console = Console(record=True, width=200)
    hostile = StepResult("Dépôt [/x]", Verdict.PARTIAL, "1 [bold]fichier", ("ESC [/red] …",))
    print_summary(console, [hostile, StepResult("RH", Verdict.DONE, "2 employés")], "http://ui")
    text = console.export_text()
    for shown in ("Dépôt [/x]", "1 [bold]fichier", "ESC [/red] …", "partiel", "terminé", "rien"):
        assert shown in text
    assert "http://ui" in text


def test_a_broken_step_is_an_error_line_and_the_next_steps_still_run(monkeypatch):
    ran = []

    def broken(cycle):
        ran.append("broken")
        raise ConnectionError("le bac à sable ne répond plus\ndétails")

    def fine(cycle):
        ran.append("fine")
        return [StepResult("RH", Verdict.DONE, "2 employés")]

    steps = {"tests:broken": broken, "tests:fine": fine}
    monkeypatch.setattr(month_end, "load", steps.__getitem__)
    monkeypatch.setattr(
        month_end,
        "month_end_steps",
        lambda: [MonthEndStep(1, "Cassée", "tests:broken"), MonthEndStep(2, "RH", "tests:fine")],
    )

    class Quiet:
        console = Console(record=True)

    results = run_cycle(Quiet())
    assert ran == ["broken", "fine"]
    assert results == [
        StepResult(
            "Cassée", Verdict.ERROR, "—", ("étape interrompue : le bac à sable ne répond plus",)
        ),
        StepResult("RH", Verdict.DONE, "2 employés"),
    ]


def test_every_procedure_has_its_step_in_the_month_end_order():
    steps = month_end_steps()
    assert [step.run.split(":")[0].rsplit(".", 1)[1] for step in steps] == [
        "dsn_month_end",
        "pas_month_end",
        "hr_month_end",
        "clients_month_end",
        "cegid_month_end",
    ]
    assert [step.rank for step in steps] == sorted(step.rank for step in steps)
