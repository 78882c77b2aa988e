"""Which files a deposit run takes: those named, an inbox's, or the failed ones of a run."""

from __future__ import annotations

import pytest

from coursier.runkit import Run, RunFailed
from coursier.settings import CoursierSettings
from coursier.store import OutcomeIn, open_store, record_outcomes
from coursier.tasks.dsn_files import collect_files, files_to_deposit


@pytest.fixture
def run(tmp_path):
    settings = CoursierSettings(home=tmp_path / "var")
    with open_store(settings.effective_database_url()) as store:
        yield Run("dsn-deposit", settings, store, "this-run", "claire", "claire", "BOUL-01")


def test_an_inbox_gives_its_dsn_files_sorted_and_once(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("b.dsn", "a.TXT", "c.edi", "notes.pdf", "d.dsn.bak"):
        (inbox / name).write_bytes(b"")
    named = inbox / "b.dsn"
    assert collect_files([str(named)], str(inbox)) == [
        named,
        inbox / "a.TXT",
        inbox / "c.edi",
    ]


@pytest.mark.parametrize("make", [lambda p: None, lambda p: p.write_text("un fichier")])
def test_an_inbox_that_is_not_a_folder_is_a_clear_error(tmp_path, make):
    inbox = tmp_path / "boîte"
    make(inbox)
    with pytest.raises(RunFailed, match=f"Répertoire de dépôt {inbox} introuvable"):
        collect_files(None, str(inbox))


def test_nothing_to_deposit_says_what_to_give(run):
    with pytest.raises(RunFailed, match="Aucun fichier à traiter"):
        files_to_deposit(run, [], None, None)


def test_a_retry_takes_the_failed_files_of_that_run_only(run, tmp_path):
    with run.store.begin() as session:
        record_outcomes(
            session,
            "earlier",
            "dsn-deposit",
            [
                OutcomeIn("a", "ok", details={"path": "/in/a.dsn"}),
                OutcomeIn("b", "failed", "rejected", details={"path": "/in/b.dsn"}),
            ],
        )
    given = tmp_path / "given.dsn"
    paths = files_to_deposit(run, [str(given)], None, "earlier")
    assert [str(p) for p in paths] == ["/in/b.dsn"]  # the files given are not added to a retry
