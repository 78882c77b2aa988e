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

_COMPARE_AS = {"last_name": "name", "first_name": "name", "email": "email"}


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
    problem = imported["problem"].copy()
    valid = problem.isna()
    joint = _joint_partners(imported[valid])
    candidate = valid & ~imported["source_id"].isin(joint["import_id"])
    problem = problem.mask(candidate, _twice(imported[candidate]))
    candidate &= problem.isna()

    pairs = _match(imported[candidate], accounton)
    unmatched_import = imported[candidate & ~imported["source_id"].isin(pairs["import_id"])]
    unmatched_accounton = accounton[~accounton["source_id"].isin(pairs["accounton_id"])]
    possible = _possible(unmatched_import, unmatched_accounton)
    diff = _diff(imported, accounton, pairs)
    changed = diff[diff["changed"]].groupby(["import_id"], sort=False)["field"].agg(", ".join)
    duplicates = pairs.assign(changed=pairs["import_id"].map(changed).astype(object).fillna(""))
    return Classification(
        new=unmatched_import[~unmatched_import["source_id"].isin(possible["import_id"])],
        only_in_accounton=unmatched_accounton[
            ~unmatched_accounton["source_id"].isin(
                possible.loc[possible["other_side"] == "accounton", "other_id"]
            )
        ],
        duplicates=duplicates.reset_index(drop=True),
        diff=diff,
        invalid=imported[problem.notna()].assign(reason=problem[problem.notna()]),
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
        {"import_id": folded["source_id"].to_numpy(), "joint_of": folded["source_id_main"]}
    ).reset_index(drop=True)


def _twice(frame: pd.DataFrame) -> pd.Series:
    """The ``TWICE`` reason for every record sharing its person with another one."""
    identity = frame["national_number"].fillna("@" + frame["email_key"].fillna(""))
    repeated = identity.duplicated(keep=False)
    ids = frame["source_id"].astype(str).groupby(identity).transform(", ".join)
    reason = "même client deux fois dans l'import (" + ids + ") : gardez-en un seul dans la source"
    return reason.where(repeated)


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
        left = left[~left["source_id"].isin(pairs["import_id"])]
        right = right[~right["source_id"].isin(pairs["accounton_id"])]
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
    joined = lkeys[columns].merge(
        rkeys[rcolumns], left_on=left_key, right_on=right_key, suffixes=("", "_acc")
    )
    if conflict:
        mine, theirs = joined[conflict], joined[f"{conflict}_acc"]
        joined = joined[~(mine.notna() & theirs.notna() & (mine != theirs))]
    return pd.DataFrame(
        {"import_id": joined["source_id"], "accounton_id": joined["source_id_acc"]}
    ).reset_index(drop=True)


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


def _diff(imported: pd.DataFrame, accounton: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Per pair and field: the Accounton value (old), the imported one (new), whether it would
    change. A value missing in the import changes nothing (it never blanks Accounton's);
    names compare without case, e-mails through their case-folded form."""
    fields = [*list(DIFF_FIELDS), "email_key"]
    new = imported.set_index("source_id").loc[pairs["import_id"], fields].reset_index(drop=True)
    old = accounton.set_index("source_id").loc[pairs["accounton_id"], fields].reset_index(drop=True)
    parts = []
    for field in DIFF_FIELDS:
        kind = _COMPARE_AS.get(field)
        if kind == "name":
            same = new[field].str.casefold() == old[field].fillna("").str.casefold()
        elif kind == "email":
            same = new["email_key"] == old["email_key"]
        else:
            same = new[field] == old[field]
        changed = new[field].notna() & ~same.fillna(False).astype(bool)
        parts.append(
            pd.DataFrame(
                {
                    "import_id": pairs["import_id"].to_numpy(),
                    "accounton_id": pairs["accounton_id"].to_numpy(),
                    "field": field,
                    "old": old[field].to_numpy(),
                    "new": new[field].to_numpy(),
                    "changed": changed.to_numpy(),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
