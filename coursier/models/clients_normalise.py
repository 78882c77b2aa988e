"""Client records normalised before they are compared (the import from AdminPulse / Admin IS
and the customers already in Accounton).

A frame of raw records has the columns of :data:`RAW_COLUMNS` (strings or missing values).
:func:`normalise` returns the same rows with, beside what is kept for display:

- ``last_name`` / ``first_name``: spaces collapsed, accents and case kept for display;
  ``name_key`` (case folded, accents stripped) is what possible duplicates are matched on;
- ``email``: normalised by email-validator (domain lower-cased, no DNS look-up);
  ``email_key`` is it case folded: an e-mail differing only in case is the same e-mail;
- ``national_number``: the 11 digits of a national register number or a BIS number
  (``stdnum.be.ssn``, people born from 2000 included), ``nn_type`` ``nn``/``bis``,
  ``birth_date`` read from it; the same for ``partner_national_number`` (a joint return is
  one client: the partner's number rides along);
- ``nn_key`` / ``partner_key``: the valid numbers as numbers, for the joins;
- ``language``: FR / NL / EN / DE, missing when the source gives none;
- ``problem``: why the record cannot be imported (French), missing when it can.

The library checks run once per distinct value (``Series.map`` over the unique values), the
rest is column arithmetic.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from email_validator import EmailNotValidError, validate_email
from stdnum.be import ssn
from stdnum.exceptions import ValidationError

RAW_COLUMNS = (
    "source_id",
    "last_name",
    "first_name",
    "email",
    "national_number",
    "language",
    "partner_national_number",
)
LANGUAGES = ("FR", "NL", "EN", "DE")
_LANGUAGE_ALIASES = {
    **{code.lower(): code for code in LANGUAGES},
    "f": "FR",
    "fra": "FR",
    "fre": "FR",
    "french": "FR",
    "français": "FR",
    "francais": "FR",
    "fr-be": "FR",
    "n": "NL",
    "nld": "NL",
    "dut": "NL",
    "dutch": "NL",
    "nederlands": "NL",
    "néerlandais": "NL",
    "nl-be": "NL",
    "vl": "NL",
    "e": "EN",
    "eng": "EN",
    "english": "EN",
    "anglais": "EN",
    "d": "DE",
    "deu": "DE",
    "ger": "DE",
    "german": "DE",
    "deutsch": "DE",
    "allemand": "DE",
}
_INVALID = "!"  # marks a value present but invalid in the per-value lookups


def normalise(raw: pd.DataFrame) -> pd.DataFrame:
    """The records of ``raw`` normalised (see the module); one row per input row, same index."""
    frame = pd.DataFrame(index=raw.index)
    frame["source_id"] = _text(raw["source_id"])
    frame["last_name"] = _text(raw["last_name"])
    frame["first_name"] = _text(raw["first_name"])
    frame["name_key"] = _name_key(frame["last_name"]) + "|" + _name_key(frame["first_name"])
    email = _text(raw["email"])
    frame["email"] = _lookup(email, _email)
    frame["email_key"] = frame["email"].where(frame["email"] != _INVALID).str.casefold()
    number = _text(raw["national_number"])
    frame["national_number"] = _lookup(number, _national_number)
    valid_number = frame["national_number"].where(frame["national_number"] != _INVALID)
    frame["nn_type"] = _lookup(valid_number, ssn.guess_type)
    frame["birth_date"] = _lookup(valid_number, _birth_date)
    partner = _lookup(_text(raw["partner_national_number"]), _national_number)
    frame["partner_national_number"] = partner
    language = _text(raw["language"])
    frame["language"] = (
        language.str.casefold()
        .map(_LANGUAGE_ALIASES)
        .fillna(language.where(language.isna(), _INVALID))
    )
    frame["problem"] = _problems(frame, email, number)
    # The numbers as numbers too (11 digits are exact in a float): joins on them are ~5 times
    # faster than on strings.
    frame["nn_key"] = pd.to_numeric(valid_number)
    frame["partner_key"] = pd.to_numeric(partner.where(partner != _INVALID))
    for column in ("email", "national_number", "partner_national_number", "language"):
        frame[column] = frame[column].where(frame[column] != _INVALID)
    frame["national_number_given"] = number
    frame["email_given"] = email
    return frame


def normalise_sides(imported: pd.DataFrame, accounton: pd.DataFrame) -> tuple[pd.DataFrame, ...]:
    """Both sides normalised in one pass: a value found on both (most e-mails and numbers of
    the clients in common) is checked once."""
    both = normalise(pd.concat([imported, accounton], keys=[0, 1]))
    return both.xs(0), both.xs(1)


def _text(column: pd.Series) -> pd.Series:
    """Strings with spaces collapsed; empty strings become missing."""
    text = column.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    return text.where(text != "").astype(object).where(lambda s: s.notna(), None)


def _name_key(column: pd.Series) -> pd.Series:
    folded = (
        column.fillna("").str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    )
    return folded.str.casefold().str.replace(r"[^a-z0-9]+", " ", regex=True).str.strip()


def _lookup(column: pd.Series, check) -> pd.Series:
    """``check`` applied once per distinct present value; missing stays missing."""
    distinct = column.dropna().unique()
    mapping = {value: check(value) for value in distinct}
    return column.map(mapping).astype(object).where(column.notna(), None)


def _email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        return _INVALID


def _national_number(value: str) -> str:
    try:
        return ssn.validate(value)
    except ValidationError:
        return _INVALID


def _birth_date(number: str) -> date | None:
    try:
        return ssn.get_birth_date(number)
    except ValidationError:  # a number of unknown birth day (see stdnum.be.nn)
        return None


def _problems(frame: pd.DataFrame, email: pd.Series, number: pd.Series) -> pd.Series:
    """The first reason a record cannot be imported, in French; missing when none."""
    reasons = [
        (frame["last_name"].isna(), "nom manquant : renseignez le nom du client"),
        (email.isna(), "e-mail manquant : renseignez l'e-mail du client"),
        (frame["email"] == _INVALID, "e-mail invalide : corrigez l'adresse"),
        (
            frame["national_number"] == _INVALID,
            "numéro de registre national invalide (ni NN ni BIS) : vérifiez chaque chiffre",
        ),
        (
            frame["partner_national_number"] == _INVALID,
            "numéro de registre national du partenaire invalide : vérifiez chaque chiffre",
        ),
        (
            frame["language"] == _INVALID,
            f"langue inconnue : {', '.join(LANGUAGES)}",
        ),
    ]
    problem = pd.Series(None, index=frame.index, dtype=object)
    for mask, reason in reversed(reasons):
        problem = problem.mask(mask.fillna(False).astype(bool), reason)
    return problem
