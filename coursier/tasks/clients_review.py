"""The plan of a client import shown for review: the seed's overview as artifacts (new,
only in Accounton, duplicates with their differences, invalid, and the possible duplicates),
a summary, the plan file; then, when asked, a form in the Prefect UI whose answer is the
reviewer's choices (language, questionnaire, the new clients to add, the duplicates' fields to
overwrite, invitations).

A table shows at most :data:`TABLE_ROWS` rows (the file holds them all). The form lists the
new clients and the differing fields one by one up to :data:`FORM_CHOICES`; beyond, it asks
for the ids to leave out / the ``id:field`` to overwrite as text.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from prefect.input import RunInput
from pydantic import Field, create_model

from coursier.models.clients_plan import ClientPlan, Language
from coursier.models.clients_plan_file import write_plan
from coursier.runkit import artifact_key, publish_summary, publish_table
from coursier.runkit.review import ask_in_ui
from coursier.settings import CoursierSettings

TABLE_ROWS = 1000
FORM_CHOICES = 500
NAME_COLUMNS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "email": "E-mail",
    "national_number": "Numéro national",
    "partner_national_number": "Partenaire (déclaration commune)",
    "language": "Langue",
}


def plan_path(settings: CoursierSettings, dossier: str, run_id: str) -> Path:
    folder = settings.home / "client-import" / dossier
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"plan-{run_id}.xlsx"


def publish_plan(plan: ClientPlan, path: Path) -> Path:
    """The plan's artifacts, and its file at ``path``."""
    code = plan.settings.dossier
    write_plan(plan, path)
    tables = {
        "nouveaux": ("Clients uniquement dans l'import : ajoutés", _people(plan.new, "import_id")),
        "uniquement-accounton": (
            "Clients uniquement dans Accounton : signalés, jamais supprimés",
            _people(plan.only_in_accounton, "accounton_id"),
        ),
        "doublons": ("Clients en double : Accounton → import", _differences(plan.duplicates)),
        "invalides": ("Clients invalides : non importés", _invalid(plan.invalid)),
        "doublons-possibles": ("Doublons possibles : à revoir, jamais fusionnés", _possible(plan)),
    }
    for suffix, (description, rows) in tables.items():
        publish_table(f"clients-{code}-{suffix}", rows[:TABLE_ROWS], description)
    counts = plan.counts()
    publish_summary(
        f"clients-{code}-resume",
        f"Import des clients ({plan.settings.source}) du dossier {code}",
        [
            f"{counts['new']} nouveau(x) client(s), {counts['to_add']} à ajouter",
            f"{counts['duplicates']} client(s) en double, dont {counts['duplicates_differing']} "
            f"avec des différences ({counts['fields_to_overwrite']} champ(s) à écraser)",
            f"{counts['only_in_accounton']} client(s) uniquement dans Accounton",
            f"{counts['invalid']} client(s) invalide(s)",
            f"{counts['possible']} doublon(s) possible(s)",
            f"Plan : {path}",
        ],
        Counter({"clients importés": counts["new"] + counts["duplicates"]}),
        todo=_todo(counts),
    )
    return path


def _todo(counts: dict[str, int]) -> list[str]:
    todo = []
    if counts["invalid"]:
        todo.append("corriger les clients invalides dans le logiciel de gestion, puis réimporter")
    if counts["possible"]:
        todo.append("revoir les doublons possibles : ils ne sont ni ajoutés ni fusionnés")
    return todo


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.head(TABLE_ROWS).astype(object).where(frame.head(TABLE_ROWS).notna(), "")


def _people(frame: pd.DataFrame, key: str) -> list[dict[str, Any]]:
    shown = _shown(frame)
    columns = {key: "Id", **NAME_COLUMNS}
    return shown[list(columns)].rename(columns=columns).to_dict("records")


def _differences(diff: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per duplicate, a column per field: ``old → new`` where it would change
    (highlighted), the value where it stays (grey in the seed)."""
    if diff.empty:
        return []
    cells = diff.assign(
        cell=diff["old"]
        .fillna("")
        .astype(str)
        .where(
            ~diff["changed"], diff["old"].fillna("∅").astype(str) + " → " + diff["new"].astype(str)
        )
    )
    table = cells.pivot(index=["import_id", "accounton_id"], columns="field", values="cell")
    changed = diff.groupby(["import_id", "accounton_id"])["changed"].any()
    table = table.loc[changed.sort_values(ascending=False).index].head(TABLE_ROWS)
    table = table[[c for c in NAME_COLUMNS if c in table]].rename(columns=NAME_COLUMNS)
    table.insert(0, "À mettre à jour", changed.loc[table.index].map({True: "oui", False: "non"}))
    return (
        table.reset_index()
        .rename(columns={"import_id": "Id import", "accounton_id": "Id Accounton"})
        .to_dict("records")
    )


def _invalid(frame: pd.DataFrame) -> list[dict[str, Any]]:
    shown = _shown(frame)
    columns = {
        "import_id": "Id",
        "last_name": "Nom",
        "first_name": "Prénom",
        "email": "E-mail",
        "national_number": "Numéro national",
        "reason": "Raison",
    }
    return shown[list(columns)].rename(columns=columns).to_dict("records")


def _possible(plan: ClientPlan) -> list[dict[str, Any]]:
    shown = _shown(plan.possible)
    columns = {
        "import_id": "Id import",
        "other_id": "Ressemble à",
        "other_side": "Dans",
        "reason": "Pourquoi",
    }
    return shown[list(columns)].rename(columns=columns).to_dict("records")


def review_form(plan: ClientPlan, questionnaires: list[dict[str, Any]]) -> type[RunInput]:
    """The seed's choices before "Ajouter les clients sélectionnés à Accounton"."""
    ids = [q["id"] for q in questionnaires] or [""]
    default = next(
        (q["id"] for q in questionnaires if q.get("language") == plan.settings.language), ids[0]
    )
    new_ids = list(plan.new["import_id"])
    differing = plan.duplicates[plan.duplicates["changed"]]
    fields = list(differing["import_id"] + ":" + differing["field"])
    fields_text = "Champs des doublons à écraser, « id:champ » (aucun par défaut)."
    choices: dict[str, Any] = {
        "language": (Language, Field(plan.settings.language, title="Langue")),
        "questionnaire": (
            Literal[tuple(ids)],
            Field(default, title="Questionnaire", description="Lié aux clients ajoutés."),
        ),
        "send_invitations": (
            bool,
            Field(
                False,
                title="Envoyer l'invitation e-mail immédiatement après l'import",
                description="Déconseillé : les clients restent « Non envoyé » sinon.",
            ),
        ),
    }
    if len(new_ids) <= FORM_CHOICES:
        choices["add"] = (
            list[Literal[tuple(new_ids)]] if new_ids else list[str],
            Field(new_ids, title="Nouveaux clients à ajouter", description="Tous par défaut."),
        )
    else:
        choices["leave_out"] = (
            list[str],
            Field([], title="Nouveaux clients à laisser de côté (ids)"),
        )
    kind = list[Literal[tuple(fields)]] if fields and len(fields) <= FORM_CHOICES else list[str]
    choices["overwrite"] = (kind, Field([], title="Champs à écraser", description=fields_text))
    return create_model("RevueImportClients", __base__=RunInput, **choices)


def ask_review(
    plan: ClientPlan, questionnaires: list[dict[str, Any]], settings: CoursierSettings
) -> ClientPlan | None:
    """The plan with the choices made in the Prefect UI; None when nobody answered."""
    answer = ask_in_ui(
        review_form(plan, questionnaires),
        settings,
        key=artifact_key("clients", plan.settings.dossier),
    )
    return None if answer is None else answered(plan, answer.model_dump())


def answered(plan: ClientPlan, chosen: dict[str, Any]) -> ClientPlan:
    """The plan with the review form's answer (:func:`review_form`'s fields)."""
    if "add" in chosen:
        add = set(chosen["add"])
    else:
        add = set(plan.new["import_id"]) - set(chosen["leave_out"])
    overwrite: dict[str, set[str]] = {}
    for item in chosen["overwrite"]:
        import_id, _, field = str(item).rpartition(":")
        overwrite.setdefault(import_id, set()).add(field)
    return plan.choose(
        add=add,
        overwrite=overwrite,
        language=chosen["language"],
        questionnaire=chosen["questionnaire"],
        send_invitations=chosen["send_invitations"],
    )
