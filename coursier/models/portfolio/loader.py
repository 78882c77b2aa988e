"""Reading a portfolio from the plain file a firm keeps: CSV (one row per dossier) or YAML
(nested). Every problem of the file is reported at once, each with the file, the CSV line or
the YAML path, the field and what to do.

CSV: UTF-8 (a BOM is tolerated), ``;`` or ``,`` between columns (whichever the header uses
more), header ``directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform``.
A directory or company spans as many rows as it has dossiers; ``sirets`` holds one or more SIRET
separated by ``;`` or ``,`` (quote the cell when it contains the column separator); an empty
``platform`` means net-entreprises. Optional columns name the declarant a concentrateur account
acts for: ``company_declarant_siret,company_declarant_last_name,company_declarant_first_name``
for the company (the same on each of its rows, like its name), ``declarant_siret,
declarant_last_name,declarant_first_name`` for the dossier (overriding the company's); all
three or none.

YAML: ``directories: [{code, name, companies: [{siren, name, declarant, dossiers: [{code,
name, sirets: [...], platform, declarant}]}]}]``, ``declarant: {siret, last_name,
first_name}`` optional. Quote codes and numbers (``siren: "732829320"``): YAML reads ``001`` as
the number 1.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

import pydantic
import yaml
from stdnum.fr import siren as stdnum_siren

from coursier.models.portfolio.model import Location, Portfolio, consistency_problems

PortfolioFormat = Literal["csv", "yaml"]

CSV_COLUMNS = (
    "directory",
    "directory_name",
    "siren",
    "company_name",
    "dossier",
    "dossier_name",
    "sirets",
    "platform",
)
_DECLARANT_FIELDS = ("siret", "last_name", "first_name")
# Optional: a portfolio without concentrateur has none of them.
CSV_DECLARANT_COLUMNS = tuple(
    f"{owner}declarant_{name}" for owner in ("company_", "") for name in _DECLARANT_FIELDS
)
_ALL_CSV_COLUMNS = CSV_COLUMNS + CSV_DECLARANT_COLUMNS
# (collection, field) of the model → CSV column holding it.
_CSV_COLUMN_OF = {
    ("directories", "code"): "directory",
    ("directories", "name"): "directory_name",
    ("companies", "siren"): "siren",
    ("companies", "name"): "company_name",
    ("dossiers", "code"): "dossier",
    ("dossiers", "name"): "dossier_name",
    ("dossiers", "sirets"): "sirets",
    ("dossiers", "platform"): "platform",
    **{("companies", "declarant", f): f"company_declarant_{f}" for f in _DECLARANT_FIELDS},
    **{("dossiers", "declarant", f): f"declarant_{f}" for f in _DECLARANT_FIELDS},
}
_SIRET_SEPARATORS = re.compile(r"[;,]")
_EMPTY_COLLECTION = {
    "directories": "aucun répertoire de données : décrivez au moins un dossier",
    "companies": "aucune entreprise : ajoutez-en au moins une",
    "dossiers": "aucun dossier : ajoutez-en au moins un",
    "sirets": "aucun SIRET : indiquez au moins un établissement du dossier",
}


@dataclass(frozen=True)
class PortfolioProblem:
    """One problem of a portfolio file, where it is and what to do about it."""

    source: str
    where: str
    field: str
    message: str
    line: int | None = None
    """The CSV line (or YAML line of a syntax error); problems of a CSV are in line order."""

    def __str__(self) -> str:
        field = f", champ {self.field}" if self.field else ""
        return f"{self.source}, {self.where}{field} : {self.message}"


class PortfolioError(ValueError):
    """A portfolio file with problems; ``problems`` lists all of them, in file order."""

    def __init__(self, problems: list[PortfolioProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(map(str, self.problems)))


Locator = Callable[[Location], tuple[str, str, int | None]]
"""Turns a location in the portfolio into (where in the file, field name, line if known)."""


def load_portfolio(text: str, source: str, fmt: PortfolioFormat) -> Portfolio:
    """Parse and validate a portfolio; ``source`` names the file in messages.

    Raises ``PortfolioError`` listing every problem. Fields are checked first; the checks
    across levels (SIRET of the company, unique codes) run once every field is valid.
    """
    text = text.removeprefix("\ufeff")
    if fmt == "csv":
        raw, locate, problems = _read_csv(text, source)
    elif fmt == "yaml":
        raw, locate, problems = _read_yaml(text, source)
    else:
        raise ValueError(f"format {fmt!r} inconnu : csv ou yaml")
    try:
        portfolio = Portfolio.model_validate(raw)
    except pydantic.ValidationError as exc:
        problems += [_problem(source, locate, e["loc"], _french(e)) for e in _causes(exc)]
        raise PortfolioError(_sorted(problems)) from None
    problems += [_problem(source, locate, loc, msg) for loc, msg in consistency_problems(portfolio)]
    if problems:
        raise PortfolioError(_sorted(problems))
    return portfolio


def _sorted(problems: list[PortfolioProblem]) -> list[PortfolioProblem]:
    """By line where lines are known (CSV), else in the order found (stable)."""
    return sorted(problems, key=lambda problem: problem.line or 0)


def _causes(exc: pydantic.ValidationError) -> list[Any]:
    """The errors, without the "empty list" of a list whose every item was refused: the items'
    own errors say what to fix."""
    errors = exc.errors()
    inner = {e["loc"][:end] for e in errors for end in range(len(e["loc"]))}
    return [e for e in errors if not (e["type"] == "too_short" and e["loc"] in inner)]


def _problem(source: str, locate: Locator, location: Location, message: str) -> PortfolioProblem:
    where, field, line = locate(location)
    return PortfolioProblem(source, where, field, message, line)


def _read_yaml(text: str, source: str) -> tuple[Any, Locator, list[PortfolioProblem]]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "syntaxe invalide"
        message = f"YAML illisible ({reason}) : corrigez l'indentation ou la ponctuation"
        where = f"ligne {line}" if line else "document"
        raise PortfolioError([PortfolioProblem(source, where, "", message, line)]) from None
    return raw, _yaml_location, []


def _yaml_location(location: Location) -> tuple[str, str, None]:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    fields = [part for part in location if isinstance(part, str)]
    return path or "document", fields[-1] if fields else "", None


def _read_csv(text: str, source: str) -> tuple[Any, Locator, list[PortfolioProblem]]:
    header = text.partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(text.splitlines(keepends=True), delimiter=delimiter, restkey="")
    columns = [name.strip().lower() for name in reader.fieldnames or ()]
    missing = [name for name in CSV_COLUMNS if name not in columns]
    if missing:
        message = (
            f"colonne(s) manquante(s) : {', '.join(missing)} ; la première ligne doit être "
            f"l'en-tête {','.join(CSV_COLUMNS)}"
        )
        raise PortfolioError([PortfolioProblem(source, "ligne 1", "", message, 1)])
    reader.fieldnames = columns
    rows: list[_Row] = []
    problems: list[PortfolioProblem] = []
    for row in reader:
        if row.get(""):
            message = (
                "plus de colonnes que l'en-tête : mettez la cellule sirets entre guillemets, "
                "ou séparez les SIRET par des virgules"
            )
            line = reader.line_num
            problems.append(PortfolioProblem(source, f"ligne {line}", "", message, line))
            continue
        cells = {name: (row.get(name) or "").strip() for name in _ALL_CSV_COLUMNS}
        if any(cells.values()):
            rows.append((reader.line_num, cells))
    raw, lines = _nest(rows)
    problems += [
        PortfolioProblem(source, f"ligne {line}", column, message, line)
        for line, column, message in _name_conflicts(rows)
    ]
    return raw, partial(_csv_location, lines), problems


_Row = tuple[int, dict[str, str]]


def _nest(rows: list[_Row]) -> tuple[dict[str, Any], dict[Location, int]]:
    """Rows of dossiers gathered into directories and companies, in order of first appearance
    (a directory or company takes the names of its first row), and the line each one starts."""
    tree: dict[str, dict[str, list[_Row]]] = {}
    for line, cells in rows:
        companies = tree.setdefault(cells["directory"], {})
        companies.setdefault(stdnum_siren.compact(cells["siren"]), []).append((line, cells))
    lines: dict[Location, int] = {}
    directories = []
    for d, companies in enumerate(tree.values()):
        first_line, first = min((group[0] for group in companies.values()), key=lambda r: r[0])
        lines["directories", d] = first_line
        directory = {"code": first["directory"], "name": first["directory_name"], "companies": []}
        for c, group in enumerate(companies.values()):
            lines["directories", d, "companies", c] = group[0][0]
            company = {
                "siren": group[0][1]["siren"],
                "name": group[0][1]["company_name"],
                "dossiers": [_dossier(cells) for _, cells in group],
            }
            directory["companies"].append(company | _declarant(group[0][1], "company_"))
            for k, (line, _) in enumerate(group):
                lines["directories", d, "companies", c, "dossiers", k] = line
        directories.append(directory)
    return {"directories": directories}, lines


def _dossier(cells: dict[str, str]) -> dict[str, Any]:
    sirets = [s.strip() for s in _SIRET_SEPARATORS.split(cells["sirets"]) if s.strip()]
    dossier = {"code": cells["dossier"], "name": cells["dossier_name"], "sirets": sirets}
    dossier |= {"platform": cells["platform"]} if cells["platform"] else {}
    return dossier | _declarant(cells, "")


def _declarant(cells: dict[str, str], owner: str) -> dict[str, Any]:
    """``{"declarant": {...}}`` when any of the owner's declarant cells is filled (an empty one
    among them is then reported as empty), else nothing."""
    values = {name: cells[f"{owner}declarant_{name}"] for name in _DECLARANT_FIELDS}
    return {"declarant": values} if any(values.values()) else {}


def _name_conflicts(rows: list[_Row]) -> list[tuple[int, str, str]]:
    """(line, column, message) for each row naming its directory or company differently from
    the first row of that directory or company."""
    conflicts = []
    company_columns = ("company_name", *CSV_DECLARANT_COLUMNS[:3])
    pairs = [("directory", "directory_name")] + [("siren", c) for c in company_columns]
    for column, name_column in pairs:
        first: dict[str, _Row] = {}
        same = "le même nom" if name_column.endswith("name") else "la même valeur"
        for line, cells in rows:
            key = stdnum_siren.compact(cells[column]) if column == "siren" else cells[column]
            first_line, first_cells = first.setdefault(key, (line, cells))
            if first_cells[name_column] != cells[name_column]:
                message = (
                    f"{cells[name_column]!r} ici, {first_cells[name_column]!r} à la ligne "
                    f"{first_line} : donnez {same} sur chaque ligne"
                )
                conflicts.append((line, name_column, message))
    return conflicts


def _csv_location(lines: dict[Location, int], location: Location) -> tuple[str, str, int]:
    """The line of the nearest enclosing dossier, company or directory (the first data line
    for the file as a whole); the column's name."""
    ends = range(len(location), 0, -1)
    line = next((lines[location[:end]] for end in ends if location[:end] in lines), 2)
    fields = [part for part in location if isinstance(part, str)]
    column = _CSV_COLUMN_OF.get(tuple(fields[-3:])) or _CSV_COLUMN_OF.get(tuple(fields[-2:]))
    return f"ligne {line}", column or "", line


def _french(error: Any) -> str:
    """A pydantic error said in French, with what to do."""
    kind, location = error["type"], error["loc"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "too_short" and location and location[-1] in _EMPTY_COLLECTION:
        return _EMPTY_COLLECTION[str(location[-1])]
    if kind == "literal_error":
        return f"plateforme {error['input']!r} inconnue : net-entreprises ou izilio"
    if kind == "string_too_long":
        return f"trop long : {error['ctx']['max_length']} caractères au plus"
    return _MESSAGES.get(kind, f"valeur refusée ({error['msg']}) : corrigez-la")


_MESSAGES = {
    "missing": "champ manquant : ajoutez-le",
    "string_type": "doit être du texte : mettez la valeur entre guillemets",
    "string_too_short": "vide : renseignez-le",
    "extra_forbidden": "champ inconnu : retirez-le ou corrigez son nom",
    "tuple_type": "doit être une liste (- valeur, une par ligne)",
    "model_type": "doit être une suite de champs (nom: valeur)",
    "model_attributes_type": "doit être une suite de champs (nom: valeur)",
}
