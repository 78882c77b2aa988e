"""A client-import plan as a file the reviewer opens, edits and gives back to
``coursier clients apply``: an Excel workbook (openpyxl) with one sheet per class and one of
settings, or one CSV table whose ``feuille`` column says which sheet a line belongs to.

The reviewer edits three things: ``ajouter`` of a new client, ``écraser`` of a duplicate's
field (``oui`` / ``non``), and the settings (language, questionnaire, invitations). Everything
else is read back as written; a value that cannot be read is a :class:`PlanFileError` naming
the file, the sheet, the line and the column, and what to do.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook, load_workbook
from pydantic import ValidationError

from coursier.models.clients_plan import (
    DUPLICATE_COLUMNS,
    INVALID_COLUMNS,
    NEW_COLUMNS,
    ONLY_COLUMNS,
    POSSIBLE_COLUMNS,
    ClientPlan,
    PlanSettings,
)
from coursier.models.clients_plan_duplicates import SAME, from_wide, to_wide, wide_columns

LABELS = {
    "import_id": "id import",
    "accounton_id": "id Accounton",
    "last_name": "nom",
    "first_name": "prénom",
    "email": "e-mail",
    "national_number": "numéro national",
    "partner_national_number": "numéro du partenaire",
    "language": "langue",
    "add": "ajouter",
    "field": "champ",
    "old": "Accounton",
    "new": "import",
    "changed": "différent",
    "overwrite": "écraser",
    "reason": "raison",
    "other_id": "autre id",
    "other_side": "autre côté",
}
SHEETS = {
    "new": ("Nouveaux", NEW_COLUMNS),
    "duplicates": ("Doublons", DUPLICATE_COLUMNS),
    "only_in_accounton": ("Uniquement Accounton", ONLY_COLUMNS),
    "invalid": ("Invalides", INVALID_COLUMNS),
    "possible": ("Doublons possibles", POSSIBLE_COLUMNS),
}
DUPLICATES = SHEETS["duplicates"][0]
SETTINGS_SHEET = "Réglages"
SHEET_COLUMN = "feuille"
BOOLEANS = ("add", "changed", "overwrite")
_YES = {"oui", "o", "yes", "y", "true", "1", "x", "vrai", "ja"}
_NO = {"non", "n", "no", "false", "0", "", "faux", "nee"}


class PlanFileError(ValueError):
    """A plan file that cannot be read back, saying where and what to do."""


def write_plan(plan: ClientPlan, path: Path) -> Path:
    """Write ``plan`` to ``path`` (``.xlsx`` or ``.csv``, from its suffix)."""
    sheets = {title: _labelled(getattr(plan, name)) for name, (title, _) in SHEETS.items()}
    sheets[DUPLICATES] = to_wide(plan.duplicates, LABELS)
    settings = pd.DataFrame(
        [(key, _cell(value)) for key, value in plan.settings.model_dump().items()],
        columns=["clé", "valeur"],
    )
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        _write_workbook(path, {SETTINGS_SHEET: settings, **sheets})
    elif suffix == ".csv":
        rows = [settings.rename(columns={"clé": "champ", "valeur": "import"})]
        rows[0].insert(0, SHEET_COLUMN, SETTINGS_SHEET)
        for title, frame in sheets.items():
            rows.append(frame.assign(**{SHEET_COLUMN: title}))
        table = pd.concat(rows, ignore_index=True)
        columns = [
            SHEET_COLUMN,
            *dict.fromkeys(c for f in rows for c in f.columns if c != SHEET_COLUMN),
        ]
        table[columns].to_csv(path, index=False)
    else:
        raise PlanFileError(f"{path} : le plan s'écrit en .xlsx ou en .csv")
    return path


def _write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """openpyxl's write-only mode: rows streamed to the file, five times faster than a
    workbook built in memory (pandas' ``to_excel``) at 150,000 duplicates."""
    book = Workbook(write_only=True)
    for title, frame in sheets.items():
        sheet = book.create_sheet(title)
        sheet.append(list(frame.columns))
        cells = frame.astype(object).where(frame.notna(), None)
        for row in cells.itertuples(index=False, name=None):
            sheet.append(row)
    book.save(path)


def _read_workbook(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet as text (an empty cell is ""), read in openpyxl's read-only mode."""
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {}
        for sheet in book.worksheets:
            rows = sheet.iter_rows(values_only=True)
            header = [str(h) for h in next(rows, ()) if h is not None]
            found = pd.DataFrame([row[: len(header)] for row in rows], columns=header, dtype=object)
            sheets[sheet.title] = found.where(found.notna(), "").astype(str)
        return sheets
    finally:
        book.close()


def read_plan(path: Path) -> ClientPlan:
    """The plan written by :func:`write_plan`, with the reviewer's edits."""
    sheets = _read_sheets(path)
    settings_sheet = sheets.get(SETTINGS_SHEET)
    if settings_sheet is None:
        raise PlanFileError(
            f"{path} : feuille « {SETTINGS_SHEET} » absente : exportez le plan à nouveau"
        )
    settings = _settings(path, settings_sheet)
    frames = {}
    for name, (title, columns) in SHEETS.items():
        frame = sheets.get(title)
        if frame is None:
            raise PlanFileError(
                f"{path} : feuille « {title} » absente : exportez le plan à nouveau"
            )
        reader = _duplicates if title == DUPLICATES else _unlabelled
        frames[name] = reader(path, title, frame, columns)
    return ClientPlan(settings=settings, **frames)


def _labelled(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.copy()
    for column in BOOLEANS:
        if column in shown:
            shown[column] = shown[column].map({True: "oui", False: "non"})
    return shown.rename(columns=LABELS)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "oui" if value else "non"
    return "" if value is None else str(value)


def _read_sheets(path: Path) -> dict[str, pd.DataFrame]:
    if not path.is_file():
        raise PlanFileError(
            f"{path} : fichier introuvable : donnez le plan exporté par `coursier clients plan`"
        )
    suffix = path.suffix.lower()
    try:
        if suffix == ".xlsx":
            return _read_workbook(path)
        if suffix == ".csv":
            table = pd.read_csv(path, dtype=str, keep_default_na=False)
            if SHEET_COLUMN not in table:
                raise PlanFileError(
                    f"{path} : colonne « {SHEET_COLUMN} » absente : exportez le plan à nouveau"
                )
            return _split_csv(table)
    except PlanFileError:
        raise
    except Exception as exc:  # openpyxl and the csv parser raise many kinds on a broken file
        raise PlanFileError(
            f"{path} : fichier illisible ({type(exc).__name__}) : exportez le plan à nouveau"
        ) from None
    raise PlanFileError(f"{path} : un plan est un fichier .xlsx ou .csv")


def _split_csv(table: pd.DataFrame) -> dict[str, pd.DataFrame]:
    sheets = {}
    for title, rows in table.groupby(SHEET_COLUMN, sort=False):
        rows = rows.drop(columns=SHEET_COLUMN)
        rows.index = rows.index + 2  # the line in the file (header is line 1)
        sheets[str(title)] = rows
    if SETTINGS_SHEET in sheets:
        sheets[SETTINGS_SHEET] = sheets[SETTINGS_SHEET].rename(
            columns={"champ": "clé", "import": "valeur"}
        )
    for title, columns in SHEETS.values():
        labels = wide_columns(LABELS) if title == DUPLICATES else [LABELS[c] for c in columns]
        sheets.setdefault(title, pd.DataFrame(columns=labels))
    return sheets


def _settings(path: Path, sheet: pd.DataFrame) -> PlanSettings:
    values: dict[str, object] = {}
    for key, value in zip(sheet["clé"], sheet["valeur"], strict=True):
        values[str(key)] = value or None
    if "send_invitations" in values:
        values["send_invitations"] = _boolean(
            path, SETTINGS_SHEET, "send_invitations", values["send_invitations"] or "non", "réglage"
        )
    try:
        return PlanSettings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))} : {e['msg']}" for e in exc.errors())
        raise PlanFileError(
            f"{path}, feuille « {SETTINGS_SHEET} » : {problems} : corrigez la valeur"
        ) from None


def _unlabelled(
    path: Path, title: str, frame: pd.DataFrame, columns: tuple[str, ...]
) -> pd.DataFrame:
    by_label = {LABELS.get(c, c): c for c in columns}
    missing = [label for label in by_label if label not in frame.columns]
    if missing:
        raise PlanFileError(
            f"{path}, feuille « {title} » : colonne(s) {', '.join(missing)} absente(s) : "
            "exportez le plan à nouveau"
        )
    frame = frame[list(by_label)].rename(columns=by_label)
    if path.suffix.lower() == ".xlsx":
        frame.index = frame.index + 2
    for column in BOOLEANS:
        if column in frame:
            frame[column] = _booleans(path, title, column, frame[column])
    text = [c for c in columns if c not in BOOLEANS]
    frame[text] = frame[text].astype(object).where(frame[text] != "", None)
    return frame.reset_index(drop=True)


def _duplicates(
    path: Path, title: str, frame: pd.DataFrame, columns: tuple[str, ...]
) -> pd.DataFrame:
    """The duplicates' sheet (:mod:`.clients_plan_duplicates`) back in the plan's long form."""
    missing = [label for label in wide_columns(LABELS) if label not in frame.columns]
    if missing:
        raise PlanFileError(
            f"{path}, feuille « {title} » : colonne(s) {', '.join(missing)} absente(s) : "
            "exportez le plan à nouveau"
        )
    if path.suffix.lower() == ".xlsx":
        frame = frame.set_axis(frame.index + 2)
    long = from_wide(frame, LABELS)
    choice = long["choice"].astype(str).str.strip()
    changed = choice != SAME
    overwrite = choice.str.casefold().map(_WORDS)
    bad = changed & overwrite.isna()
    if bad.any():
        where = bad.to_numpy().argmax()
        field, value = long["field"].iloc[where], long["choice"].iloc[where]
        _boolean(path, title, f"{LABELS[field]} (écraser)", value, long.index[where])
    long = long.assign(changed=changed, overwrite=changed & overwrite.fillna(False).astype(bool))
    text = ["import_id", "accounton_id", "old", "new"]
    long[text] = long[text].astype(object).where(long[text] != "", None)
    return long[list(columns)].reset_index(drop=True)


_WORDS = {**dict.fromkeys(_YES, True), **dict.fromkeys(_NO, False)}


def _booleans(path: Path, title: str, column: str, values: pd.Series) -> pd.Series:
    parsed = values.astype(str).str.strip().str.casefold().map(_WORDS)
    if parsed.isna().any():
        line = parsed.isna().idxmax()
        _boolean(path, title, LABELS[column], values[line], line)
    return parsed.astype(bool)


def _boolean(path: Path, title: str, column: str, value: object, line: object) -> bool:
    word = str(value).strip().casefold()
    if word in _WORDS:
        return _WORDS[word]
    raise PlanFileError(
        f"{path}, feuille « {title} », ligne {line}, colonne « {column} » : {value!r} n'est ni "
        "oui ni non : écrivez oui ou non"
    )
