"""The classification of an import against the customers already in Accounton, vectorised
with pandas (joins and masks; no Python loop over rows).

Both sides are frames normalised by :mod:`coursier.models.clients_normalise`; ``source_id``
is the relation's id in the import and the customer's id in Accounton. Each imported record
lands in exactly one class, each Accounton customer in at most one:

- **invalid**: a problem found by normalisation, or the same person twice in the import (the
  same national number, or the same e-mail without a number);
- **duplicates**: in both, matched on the national number (either partner of a joint return),
  then on the e-mail, unless the two sides carry two different numbers; with the field diff;
- **possible duplicates**: no key match, but the same name and birth date (read from the
  numbers), or the same e-mail under two numbers; kept for review, never merged;
- **new**: only in the import; **only in Accounton**: reported, never deleted.

A joint return is one client: a record whose number is the partner number of another record
is folded into it (``joint``), not imported on its own; when both name each other the record
with the smaller number carries the return. A missing national number never matches another
missing one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DIFF_FIELDS = (
    "last_name",
    "first_name",
    "email",
    "national_number",
    "partner_national_number",
    "language",
)
"""The fields a duplicate's diff compares, in the order the review shows them."""

_KEYS = {
    "source_id": "source_id",
    "nn_key": "national_number",
    "partner_key": "partner_national_number",
    "email_key": "email_key",
    "name_key": "name_key",
    "birth_date": "birth_date",
}
"""The columns the classification works on (the numbers as numbers), under their names."""
_COMPARE_AS = {"last_name": "name", "first_name": "name"}


@dataclass(frozen=True)
class Classification:
    """The five classes (and the folded joint partners) of one import."""

    new: pd.DataFrame
    only_in_accounton: pd.DataFrame
    duplicates: pd.DataFrame
    """One row per pair: ``import_id``, ``accounton_id``, ``matched_on``, ``changed`` (the
    fields that would change, comma separated)."""
    diff: pd.DataFrame
    """One row per pair and field: ``import_id``, ``accounton_id``, ``field``, ``old``,
    ``new``, ``changed``."""
    invalid: pd.DataFrame
    """The imported records that cannot be imported, with ``reason``."""
    possible: pd.DataFrame
    """``import_id``, ``other_id``, ``other_side`` (accounton / import), ``reason``."""
    joint: pd.DataFrame
    """``import_id`` of a partner folded into ``joint_of``'s joint return."""


def classify(imported: pd.DataFrame, accounton: pd.DataFrame) -> Classification:
    imported = imported.reset_index(drop=True)
    accounton = accounton.reset_index(drop=True)
    # The work is done on the keys alone; the classes take their rows at the end.
    mine, theirs = (side[list(_KEYS)].rename(columns=_KEYS) for side in (imported, accounton))
    problem = imported["problem"]
    valid = problem.isna().to_numpy()
    joint = _joint_partners(mine[valid])
    candidate = valid & ~mine["source_id"].isin(joint["import_id"]).to_numpy()
    problem = problem.mask(candidate, _twice(mine[candidate]))
    candidate &= problem.isna().to_numpy()

    pairs = _match(mine[candidate], theirs)
    alone = candidate.copy()
    alone[pairs["import_row"].to_numpy()] = False
    unmatched = np.ones(len(accounton), dtype=bool)
    unmatched[pairs["accounton_row"].to_numpy()] = False
    possible = _possible(mine[alone], theirs[unmatched])
    new = alone & ~mine["source_id"].isin(possible["import_id"]).to_numpy()
    looked_like = possible.loc[possible["other_side"] == "accounton", "other_id"]
    only = unmatched & ~theirs["source_id"].isin(looked_like).to_numpy()
    diff, changed = _diff(imported, accounton, pairs)
    duplicates = pairs.drop(columns=["import_row", "accounton_row"]).assign(changed=changed)
    invalid = problem.notna().to_numpy()
    return Classification(
        new=imported[new],
        only_in_accounton=accounton[only],
        duplicates=duplicates,
        diff=diff,
        invalid=imported[invalid].assign(reason=problem[invalid]),
        possible=possible,
        joint=joint,
    )


def _joint_partners(valid: pd.DataFrame) -> pd.DataFrame:
    """The records folded into another's joint return: ``import_id``, ``joint_of``."""
    numbered = valid[valid["national_number"].notna()]
    pairs = numbered[["source_id", "national_number"]].merge(
        numbered.loc[
            numbered["partner_national_number"].notna(),
            ["source_id", "national_number", "partner_national_number"],
        ],
        left_on="national_number",
        right_on="partner_national_number",
        suffixes=("", "_main"),
    )
    pairs = pairs[pairs["source_id"] != pairs["source_id_main"]]
    mutual = (
        pairs.merge(
            pairs[["source_id", "source_id_main"]],
            left_on=["source_id", "source_id_main"],
            right_on=["source_id_main", "source_id"],
            suffixes=("", "_back"),
            how="left",
        )["source_id_back"]
        .notna()
        .to_numpy()
    )
    folded = pairs[~mutual | (pairs["national_number_main"] < pairs["national_number"])]
    folded = folded.drop_duplicates("source_id")
    return pd.DataFrame(
        {
            "import_id": folded["source_id"].to_numpy(),
            "joint_of": folded["source_id_main"].to_numpy(),
        }
    )


def _twice(frame: pd.DataFrame) -> pd.Series:
    """The reason of every record sharing its person with another one (named by their ids):
    the same national number, or the same e-mail without a number."""
    number, email = frame["national_number"], frame["email_key"]
    repeated = (number.notna() & number.duplicated(keep=False)) | (
        number.isna() & email.where(number.isna()).duplicated(keep=False) & email.notna()
    )
    identity = number[repeated].astype(object).where(number[repeated].notna(), email[repeated])
    ids = frame.loc[repeated, "source_id"].astype(str).groupby(identity).agg(", ".join)
    reason = "même client deux fois dans l'import (" + identity.map(ids).astype(str)
    return (reason + ") : gardez-en un seul dans la source").reindex(frame.index)


def _match(imported: pd.DataFrame, accounton: pd.DataFrame) -> pd.DataFrame:
    """One-to-one pairs ``import_id``, ``accounton_id``, ``matched_on``, by stage: the
    national number, the number across a joint return, the e-mail (not across two numbers).
    A key that two records share on one side matches nothing: it is left to review."""
    stages = (
        ("numéro national", "national_number", "national_number", None),
        ("numéro du partenaire", "national_number", "partner_national_number", None),
        ("numéro du partenaire", "partner_national_number", "national_number", None),
        ("e-mail", "email_key", "email_key", "national_number"),
    )
    found: list[pd.DataFrame] = []
    left = imported
    right = accounton
    for label, left_key, right_key, conflict in stages:
        pairs = _stage(left, right, left_key, right_key, conflict)
        found.append(pairs.assign(matched_on=label))
        left = left.drop(index=pairs["import_row"])
        right = right.drop(index=pairs["accounton_row"])
    return pd.concat(found, ignore_index=True)


def _stage(
    left: pd.DataFrame, right: pd.DataFrame, left_key: str, right_key: str, conflict: str | None
) -> pd.DataFrame:
    lkeys = left[left[left_key].notna()]
    rkeys = right[right[right_key].notna()]
    lkeys = lkeys[~lkeys[left_key].duplicated(keep=False)]
    rkeys = rkeys[~rkeys[right_key].duplicated(keep=False)]
    columns = ["source_id", left_key] + ([conflict] if conflict else [])
    rcolumns = ["source_id", right_key] + ([conflict] if conflict and conflict != right_key else [])
    joined = (
        lkeys[columns]
        .assign(import_row=lkeys.index)
        .merge(
            rkeys[rcolumns].assign(accounton_row=rkeys.index),
            left_on=left_key,
            right_on=right_key,
            suffixes=("", "_acc"),
        )
    )
    if conflict:
        mine, theirs = joined[conflict], joined[f"{conflict}_acc"]
        joined = joined[~(mine.notna() & theirs.notna() & (mine != theirs))]
    return pd.DataFrame(
        {
            "import_id": joined["source_id"].to_numpy(),
            "accounton_id": joined["source_id_acc"].to_numpy(),
            "import_row": joined["import_row"].to_numpy(),
            "accounton_row": joined["accounton_row"].to_numpy(),
        }
    )


def _possible(imported: pd.DataFrame, accounton: pd.DataFrame) -> pd.DataFrame:
    """Unmatched imported records that look like an unmatched customer or like one another."""
    born = ["source_id", "name_key", "birth_date"]
    same_person = imported.loc[imported["birth_date"].notna(), born].merge(
        accounton.loc[accounton["birth_date"].notna(), born],
        on=["name_key", "birth_date"],
        suffixes=("", "_other"),
    )
    mailed = ["source_id", "email_key", "national_number"]
    same_mail = imported.loc[imported["national_number"].notna(), mailed].merge(
        accounton.loc[accounton["national_number"].notna(), mailed],
        on="email_key",
        suffixes=("", "_other"),
    )
    same_mail = same_mail[same_mail["national_number"] != same_mail["national_number_other"]]
    among = imported.loc[imported["national_number"].notna(), mailed]
    among = among[among["email_key"].duplicated(keep=False)].merge(
        among, on="email_key", suffixes=("", "_other")
    )
    among = among[among["source_id"] != among["source_id_other"]]
    parts = [
        _possible_rows(same_person, "accounton", "même nom et même date de naissance"),
        _possible_rows(same_mail, "accounton", "même e-mail sous deux numéros nationaux"),
        _possible_rows(among, "import", "même e-mail sous deux numéros nationaux"),
    ]
    return (
        pd.concat(parts, ignore_index=True)
        .drop_duplicates(["import_id", "other_id", "other_side"])
        .reset_index(drop=True)
    )


def _possible_rows(joined: pd.DataFrame, side: str, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "import_id": joined["source_id"].to_numpy(),
            "other_id": joined["source_id_other"].to_numpy(),
            "other_side": side,
            "reason": reason,
        }
    )


def _diff(
    imported: pd.DataFrame, accounton: pd.DataFrame, pairs: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """Per pair and field: the Accounton value (old), the imported one (new), whether it would
    change; and per pair the fields that would change, comma separated. A value missing in the
    import changes nothing (it never blanks Accounton's); names compare without case, e-mails
    through their case-folded form."""
    fields = [*DIFF_FIELDS, "email_key"]
    new = imported[fields].take(pairs["import_row"]).reset_index(drop=True)
    old = accounton[fields].take(pairs["accounton_row"]).reset_index(drop=True)
    changed = {field: _changed(field, new, old) for field in DIFF_FIELDS}
    rows = np.flatnonzero(np.logical_or.reduce(list(changed.values()))) if changed else []
    listed = np.full(len(rows), "", dtype=object)
    for field, mask in changed.items():
        listed = listed + np.where(mask[rows], field + ", ", "")
    names = np.full(len(pairs), "", dtype=object)
    names[rows] = pd.Series(listed, dtype=object).str.removesuffix(", ").to_numpy()
    count = len(DIFF_FIELDS)
    diff = pd.DataFrame(
        {
            "import_id": np.tile(pairs["import_id"].to_numpy(), count),
            "accounton_id": np.tile(pairs["accounton_id"].to_numpy(), count),
            "field": np.repeat(np.array(DIFF_FIELDS, dtype=object), len(pairs)),
            "old": np.concatenate([old[f].to_numpy(dtype=object) for f in DIFF_FIELDS]),
            "new": np.concatenate([new[f].to_numpy(dtype=object) for f in DIFF_FIELDS]),
            "changed": np.concatenate(list(changed.values())),
        }
    )
    return diff, names


def _changed(field: str, new: pd.DataFrame, old: pd.DataFrame) -> np.ndarray:
    """Whether the imported value of ``field`` would change Accounton's, pair by pair."""
    if field == "email":
        same = (new["email_key"] == old["email_key"]).to_numpy(dtype=bool, copy=True)
    else:
        same = (new[field] == old[field]).to_numpy(dtype=bool, copy=True)
        if _COMPARE_AS.get(field) == "name":  # case folded only where the text differs
            differ = ~same & new[field].notna().to_numpy()
            same[differ] = (
                new[field][differ].str.casefold() == old[field][differ].fillna("").str.casefold()
            ).to_numpy()
    return new[field].notna().to_numpy() & ~same
