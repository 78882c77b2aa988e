"""The plan of a client import: what the classification found, and what the reviewer chose to
apply (the seed's review screen: select the new clients to add, choose which duplicates' fields
Accounton's data are overwritten with, the language and the questionnaire, invitations or not).

Defaults follow the seed: every valid new client is added, no field of a duplicate is
overwritten, no invitation is sent. Only-in-Accounton customers, invalid records and possible
duplicates are reported, never acted on (a possible duplicate is never merged).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field

from coursier.models.clients_classify import DIFF_FIELDS, Classification

Source = Literal["adminpulse", "admin-is"]
Language = Literal["FR", "NL", "EN", "DE"]

NEW_COLUMNS = ("import_id", *DIFF_FIELDS, "add")
DUPLICATE_COLUMNS = ("import_id", "accounton_id", "field", "old", "new", "changed", "overwrite")
ONLY_COLUMNS = ("accounton_id", *DIFF_FIELDS)
INVALID_COLUMNS = ("import_id", "last_name", "first_name", "email", "national_number", "reason")
POSSIBLE_COLUMNS = ("import_id", "other_id", "other_side", "reason")


class PlanSettings(BaseModel):
    """Where the plan comes from and the choices that apply to all of it."""

    dossier: str = Field(min_length=1)
    source: Source
    taskflow: str | None = None
    language: Language = "FR"
    questionnaire: str | None = None
    send_invitations: bool = False


@dataclass(frozen=True)
class ClientPlan:
    settings: PlanSettings
    new: pd.DataFrame
    duplicates: pd.DataFrame
    only_in_accounton: pd.DataFrame
    invalid: pd.DataFrame
    possible: pd.DataFrame

    @classmethod
    def of(cls, settings: PlanSettings, found: Classification) -> ClientPlan:
        new = found.new.rename(columns={"source_id": "import_id"}).assign(add=True)
        duplicates = found.diff.assign(overwrite=False)
        only = found.only_in_accounton.rename(columns={"source_id": "accounton_id"})
        invalid = found.invalid.rename(columns={"source_id": "import_id"})
        invalid = invalid.assign(
            email=invalid["email"].fillna(invalid["email_given"]),
            national_number=invalid["national_number"].fillna(invalid["national_number_given"]),
        )
        return cls(
            settings,
            _columns(new, NEW_COLUMNS),
            _columns(duplicates, DUPLICATE_COLUMNS),
            _columns(only, ONLY_COLUMNS),
            _columns(invalid, INVALID_COLUMNS),
            _columns(found.possible, POSSIBLE_COLUMNS),
        )

    def counts(self) -> dict[str, int]:
        """How many records each class holds, and how many changes are chosen."""
        pairs = self.duplicates.drop_duplicates("accounton_id")
        return {
            "new": len(self.new),
            "only_in_accounton": len(self.only_in_accounton),
            "duplicates": len(pairs),
            "duplicates_differing": int(
                self.duplicates.loc[self.duplicates["changed"], "accounton_id"].nunique()
            ),
            "invalid": len(self.invalid),
            "possible": int(self.possible["import_id"].nunique()),
            "to_add": int(self.new["add"].sum()),
            "fields_to_overwrite": int(self.duplicates["overwrite"].sum()),
        }

    def choose(
        self,
        *,
        add: set[str] | None = None,
        overwrite: dict[str, set[str]] | None = None,
        **settings: object,
    ) -> ClientPlan:
        """The plan with the reviewer's choices: ``add`` the import ids of the new clients to
        add (None: unchanged), ``overwrite`` import id → fields of that duplicate to overwrite
        (only fields that differ can be), the other settings by name."""
        new, duplicates = self.new, self.duplicates
        if add is not None:
            new = new.assign(add=new["import_id"].isin(add))
        if overwrite is not None:
            wanted = pd.Series(
                [(i, f) for i, fields in overwrite.items() for f in fields], dtype=object
            )
            keys = pd.Series(list(zip(duplicates["import_id"], duplicates["field"], strict=True)))
            chosen = keys.isin(set(wanted)).to_numpy() & duplicates["changed"].to_numpy()
            duplicates = duplicates.assign(overwrite=chosen)
        chosen_settings = PlanSettings.model_validate({**self.settings.model_dump(), **settings})
        return replace(self, settings=chosen_settings, new=new, duplicates=duplicates)

    def creates(self) -> list[dict]:
        """The new clients chosen, as records (the plan's language where they have none)."""
        chosen = self.new[self.new["add"]]
        records = chosen.drop(columns="add").astype(object).where(chosen.notna(), None)
        records["language"] = records["language"].fillna(self.settings.language)
        return records.to_dict("records")

    def updates(self) -> dict[str, dict[str, str]]:
        """Accounton id → the fields chosen to overwrite and their new values."""
        chosen = self.duplicates[self.duplicates["overwrite"] & self.duplicates["changed"]]
        found: dict[str, dict[str, str]] = {}
        for customer, field, value in chosen[["accounton_id", "field", "new"]].itertuples(
            index=False
        ):
            found.setdefault(customer, {})[field] = value
        return found


def _columns(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    return frame.reindex(columns=list(columns)).reset_index(drop=True)
