"""The duplicates' sheet of a plan file: one line per client in both systems, as the seed's
review screen shows it, with three columns per field: Accounton's value, the import's, and
« écraser » — ``oui`` / ``non`` where the values differ (the reviewer's choice), ``=`` where
they do not (nothing to overwrite).

One line per client rather than one per field keeps the sheet six times shorter (150,000
duplicates fit in Excel's 1,048,576 rows) and is what a reviewer reads; the plan itself keeps
the long form (:data:`coursier.models.clients_plan.DUPLICATE_COLUMNS`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coursier.models.clients_classify import DIFF_FIELDS

SAME = "="
PARTS = {"old": "Accounton", "new": "import", "choice": "écraser"}


def wide_columns(labels: dict[str, str]) -> list[str]:
    """The sheet's columns, the two ids first, then three per field."""
    return [
        labels["import_id"],
        labels["accounton_id"],
        *(f"{labels[field]} ({part})" for field in DIFF_FIELDS for part in PARTS.values()),
    ]


def to_wide(duplicates: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    choice = np.where(duplicates["changed"], np.where(duplicates["overwrite"], "oui", "non"), SAME)
    cells = duplicates.assign(choice=choice)
    wide = cells.pivot(
        index=["import_id", "accounton_id"], columns="field", values=list(PARTS)
    ).reset_index()
    wide.columns = [
        labels[value] if not field else f"{labels[field]} ({PARTS[value]})"
        for value, field in wide.columns
    ]
    return wide.reindex(columns=wide_columns(labels))


def from_wide(sheet: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The long form, one row per duplicate and field; ``choice`` still as written (the
    caller reads ``oui`` / ``non`` and says where a cell is neither)."""
    ids = sheet[[labels["import_id"], labels["accounton_id"]]].to_numpy()
    parts = []
    for field in DIFF_FIELDS:
        columns = [f"{labels[field]} ({part})" for part in PARTS.values()]
        block = pd.DataFrame(sheet[columns].to_numpy(), columns=list(PARTS), index=sheet.index)
        block.insert(0, "field", field)
        block.insert(0, "accounton_id", ids[:, 1])
        block.insert(0, "import_id", ids[:, 0])
        parts.append(block)
    return pd.concat(parts)
