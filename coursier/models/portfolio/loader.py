"""Reading a portfolio from the plain file a firm keeps: CSV (one row per dossier) or YAML
(nested). Every problem of the file is reported at once, each with the file, the CSV line or
the YAML path, the field and what to do.

CSV: UTF-8 (a BOM is tolerated), ``;`` or ``,`` between columns (whichever the header uses
more). A French portfolio's header is
``directory,directory_name,siren,company_name,dossier,dossier_name,sirets,platform``; the columns
``siren`` (or ``number``), ``directory``, ``directory_name``, ``company_name``, ``dossier`` and
``dossier_name`` are required, every other one optional. A directory or company spans as many
rows as it has dossiers. ``country`` is FR (empty) or BE; ``number`` is the company's number in
its country (a French one may give it under ``siren`` instead). ``sirets`` (French) and
``establishments`` (Belgian unit numbers) hold one or more numbers separated by ``;`` or ``,``
(quote the cell when it contains the column separator). ``platforms`` gives a platform per
procedure, ``dsn=net-entreprises;pas=net-entreprises``; ``platform`` is the DSN's, and a French
row with neither deposits on net-entreprises. Optional columns name the declarant a
concentrateur account acts for: ``company_declarant_siret,company_declarant_last_name,
company_declarant_first_name`` for the company (the same on each of its rows, like its name),
``declarant_siret,declarant_last_name,declarant_first_name`` for the dossier (overriding the
company's); all three or none.

YAML: ``directories: [{code, name, companies: [{country, siren | number, name, declarant,
dossiers: [{code, name, sirets | establishments: [...], platform, platforms: {procedure:
platform}, declarant}]}]}]``; ``country`` defaults to FR, ``declarant: {siret, last_name,
first_name}`` is optional (French companies only). Quote codes and numbers (``siren:
"732829320"``): YAML reads ``001`` as the number 1. A document nesting deeper than a portfolio
could, or swelling through its aliases, is refused before it is built (``yaml_shape``).
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

from coursier.models.portfolio.identifiers import compact_company_number
from coursier.models.portfolio.model import (
    COUNTRY_UNKNOWN,
    BelgianCompany,
    BelgianDossier,
    FrenchCompany,
    FrenchDossier,
    Location,
    Portfolio,
    consistency_problems,
)
from coursier.models.portfolio.procedures import (
    COUNTRIES,
    COUNTRY_LABELS,
    DSN,
    PROCEDURES,
    not_for_country,
    unknown_platform,
    unknown_procedure,
)
from coursier.models.portfolio.yaml_shape import shape_problem

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
"""The header of a French portfolio, as it always was."""
CSV_COUNTRY_COLUMNS = ("country", "number", "establishments", "platforms")
"""Optional: for Belgian companies and for platforms per procedure."""
_REQUIRED_CSV_COLUMNS = ("directory", "directory_name", "company_name", "dossier", "dossier_name")
_NUMBER_COLUMNS = ("number", "siren")
_DECLARANT_FIELDS = ("siret", "last_name", "first_name")
# Optional: a portfolio without concentrateur has none of them.
CSV_DECLARANT_COLUMNS = tuple(
    f"{owner}declarant_{name}" for owner in ("company_", "") for name in _DECLARANT_FIELDS
)
_ALL_CSV_COLUMNS = CSV_COLUMNS + CSV_COUNTRY_COLUMNS + CSV_DECLARANT_COLUMNS
# (collection, field) of the model → CSV column holding it.
_CSV_COLUMN_OF = {
    ("directories", "code"): "directory",
    ("directories", "name"): "directory_name",
    ("companies", "country"): "country",
    ("companies", "siren"): "siren",
    ("companies", "number"): "number",
    ("companies", "name"): "company_name",
    ("dossiers", "code"): "dossier",
    ("dossiers", "name"): "dossier_name",
    ("dossiers", "sirets"): "sirets",
    ("dossiers", "establishments"): "establishments",
    ("dossiers", "platform"): "platform",
    ("dossiers", "platforms"): "platforms",
    **{("companies", "declarant", f): f"company_declarant_{f}" for f in _DECLARANT_FIELDS},
    **{("dossiers", "declarant", f): f"declarant_{f}" for f in _DECLARANT_FIELDS},
}
_ENTRIES = ("directories", "companies", "dossiers")
_LIST_SEPARATORS = re.compile(r"[;,]")
_EMPTY_COLLECTION = {
    "directories": "aucun répertoire de données : décrivez au moins un dossier",
    "companies": "aucune entreprise : ajoutez-en au moins une",
    "dossiers": "aucun dossier : ajoutez-en au moins un",
    "sirets": "aucun SIRET : indiquez au moins un établissement du dossier",
}
# The fields each country's companies and dossiers take, to say which country a misplaced
# field belongs to: (collection, country) → field names, as files write them.
_FIELDS_OF = {
    ("companies", "FR"): {*FrenchCompany.model_fields, "siren"},
    ("companies", "BE"): set(BelgianCompany.model_fields),
    ("dossiers", "FR"): set(FrenchDossier.model_fields),
    ("dossiers", "BE"): set(BelgianDossier.model_fields),
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
        problems += [_problem(source, locate, loc, message) for loc, message in _causes(exc)]
        raise PortfolioError(_sorted(problems)) from None
    problems += [_problem(source, locate, loc, msg) for loc, msg in consistency_problems(portfolio)]
    if problems:
        raise PortfolioError(_sorted(problems))
    return portfolio


def _sorted(problems: list[PortfolioProblem]) -> list[PortfolioProblem]:
    """By line where lines are known (CSV), else in the order found (stable)."""
    return sorted(problems, key=lambda problem: problem.line or 0)


def _causes(exc: pydantic.ValidationError) -> list[tuple[Location, str]]:
    """(location, message in French) of each error, located as the file is written (without
    the country tag pydantic puts after a company). Without the "empty list" of a list whose
    every item was refused: the items' own errors say what to fix."""
    errors = exc.errors()
    inner = {e["loc"][:end] for e in errors for end in range(len(e["loc"]))}
    return [
        (_file_location(e), _french(e))
        for e in errors
        if not (e["type"] == "too_short" and e["loc"] in inner)
    ]


def _country(location: Location) -> str | None:
    """The country tag of the company a location is in, if it is in one."""
    return next((part for part in location if part in COUNTRIES), None)


def _file_location(error: Any) -> Location:
    location = tuple(part for part in error["loc"] if part not in COUNTRIES)
    if error["type"] == COUNTRY_UNKNOWN and isinstance(error["input"], dict):
        return (*location, "country")
    return location


def _problem(source: str, locate: Locator, location: Location, message: str) -> PortfolioProblem:
    where, field, line = locate(location)
    return PortfolioProblem(source, where, field, message, line)


def _read_yaml(text: str, source: str) -> tuple[Any, Locator, list[PortfolioProblem]]:
    try:
        too_big = shape_problem(text)
        raw = None if too_big else yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or "syntaxe invalide"
        message = f"YAML illisible ({reason}) : corrigez l'indentation ou la ponctuation"
        where = f"ligne {line}" if line else "document"
        raise PortfolioError([PortfolioProblem(source, where, "", message, line)]) from None
    if too_big:
        line, message = too_big
        raise PortfolioError([PortfolioProblem(source, f"ligne {line}", "", message, line)])
    return raw, _yaml_location, []


def _yaml_location(location: Location) -> tuple[str, str, None]:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path or "document", _field_name(location), None


def _field_name(location: Location) -> str:
    """The field a location names: its last name, ``platforms.pas`` for a procedure's, none
    for a whole entry (a dossier: ``dossiers[1]``)."""
    if len(location) >= 2 and location[-2] in _ENTRIES and isinstance(location[-1], int):
        return ""
    fields = [part for part in location if isinstance(part, str)]
    if len(fields) >= 2 and fields[-2] == "platforms":
        return f"platforms.{fields[-1]}"
    return fields[-1] if fields else ""


def _read_csv(text: str, source: str) -> tuple[Any, Locator, list[PortfolioProblem]]:
    header = text.partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.DictReader(text.splitlines(keepends=True), delimiter=delimiter, restkey="")
    columns = [name.strip().lower() for name in reader.fieldnames or ()]
    missing = [name for name in _REQUIRED_CSV_COLUMNS if name not in columns]
    if not any(name in columns for name in _NUMBER_COLUMNS):
        missing.insert(2, "siren (ou number)")
    if missing:
        message = (
            f"colonne(s) manquante(s) : {', '.join(missing)} ; la première ligne doit être "
            f"l'en-tête {','.join(CSV_COLUMNS)} (colonnes facultatives : "
            f"{', '.join(CSV_COUNTRY_COLUMNS)} et celles du déclarant)"
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
        for line, column, message in _name_conflicts(rows) + _platforms_syntax(rows)
    ]
    number_column = "number" if "number" in columns else "siren"
    return raw, partial(_csv_location, lines, number_column), problems


_Row = tuple[int, dict[str, str]]


def _company_of(cells: dict[str, str]) -> tuple[str, str]:
    """(country, number) of a row's company, compact: the key its rows are gathered by."""
    country = cells["country"].upper() or "FR"
    return country, compact_company_number(country, _number_cell(cells))


def _number_cell(cells: dict[str, str]) -> str:
    return cells["number"] or cells["siren"]


def _nest(rows: list[_Row]) -> tuple[dict[str, Any], dict[Location, int]]:
    """Rows of dossiers gathered into directories and companies, in order of first appearance
    (a directory or company takes the names of its first row), and the line each one starts."""
    tree: dict[str, dict[tuple[str, str], list[_Row]]] = {}
    for line, cells in rows:
        companies = tree.setdefault(cells["directory"], {})
        companies.setdefault(_company_of(cells), []).append((line, cells))
    lines: dict[Location, int] = {}
    directories = []
    for d, companies in enumerate(tree.values()):
        first_line, first = min((group[0] for group in companies.values()), key=lambda r: r[0])
        lines["directories", d] = first_line
        directory = {"code": first["directory"], "name": first["directory_name"], "companies": []}
        for c, group in enumerate(companies.values()):
            lines["directories", d, "companies", c] = group[0][0]
            company = _company(group[0][1]) | {"dossiers": [_dossier(cells) for _, cells in group]}
            directory["companies"].append(company)
            for k, (line, _) in enumerate(group):
                lines["directories", d, "companies", c, "dossiers", k] = line
        directories.append(directory)
    return {"directories": directories}, lines


def _company(cells: dict[str, str]) -> dict[str, Any]:
    company: dict[str, Any] = {"country": cells["country"]} if cells["country"] else {}
    french = cells["country"].upper() in ("", "FR")
    number_key = "siren" if french and not cells["number"] else "number"
    company |= {number_key: _number_cell(cells), "name": cells["company_name"]}
    return company | _declarant(cells, "company_")


def _dossier(cells: dict[str, str]) -> dict[str, Any]:
    dossier: dict[str, Any] = {"code": cells["dossier"], "name": cells["dossier_name"]}
    french = cells["country"].upper() in ("", "FR")
    for column in ("sirets", "establishments"):
        if cells[column] or (column == "sirets" and french):
            dossier[column] = _list(cells[column])
    dossier |= {"platform": cells["platform"]} if cells["platform"] else {}
    if cells["platforms"]:
        dossier["platforms"] = dict(_pairs(cells["platforms"])[0])
    return dossier | _declarant(cells, "")


def _list(cell: str) -> list[str]:
    return [value.strip() for value in _LIST_SEPARATORS.split(cell) if value.strip()]


def _pairs(cell: str) -> tuple[list[tuple[str, str]], list[str]]:
    """The ``procedure=platform`` pairs of a ``platforms`` cell, and the items that are not."""
    pairs, bad = [], []
    for item in _list(cell):
        procedure, equals, platform = item.partition("=")
        if equals and procedure.strip() and platform.strip():
            pairs.append((procedure.strip().lower(), platform.strip()))
        else:
            bad.append(item)
    return pairs, bad


def _platforms_syntax(rows: list[_Row]) -> list[tuple[int, str, str]]:
    """(line, column, message) for each ``platforms`` item that is not ``procedure=platform``."""
    return [
        (
            line,
            "platforms",
            f"{item!r} : écrivez procédure=plateforme, séparés par « ; » "
            f"(dsn=net-entreprises;pas=net-entreprises), procédures : {', '.join(PROCEDURES)}",
        )
        for line, cells in rows
        for item in _pairs(cells["platforms"])[1]
    ]


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
    pairs = [("directory", "directory_name")] + [("company", c) for c in company_columns]
    for column, name_column in pairs:
        first: dict[object, _Row] = {}
        same = "le même nom" if name_column.endswith("name") else "la même valeur"
        for line, cells in rows:
            key = _company_of(cells) if column == "company" else cells[column]
            first_line, first_cells = first.setdefault(key, (line, cells))
            if first_cells[name_column] != cells[name_column]:
                message = (
                    f"{cells[name_column]!r} ici, {first_cells[name_column]!r} à la ligne "
                    f"{first_line} : donnez {same} sur chaque ligne"
                )
                conflicts.append((line, name_column, message))
    return conflicts


def _csv_location(
    lines: dict[Location, int], number_column: str, location: Location
) -> tuple[str, str, int]:
    """The line of the nearest enclosing dossier, company or directory (the first data line
    for the file as a whole); the column's name."""
    ends = range(len(location), 0, -1)
    line = next((lines[location[:end]] for end in ends if location[:end] in lines), 2)
    fields = [part for part in location if isinstance(part, str)]
    if len(fields) >= 2 and fields[-2] == "platforms":
        fields.pop()  # one procedure's platform: the platforms cell
    column = _CSV_COLUMN_OF.get(tuple(fields[-3:])) or _CSV_COLUMN_OF.get(tuple(fields[-2:]))
    if column in _NUMBER_COLUMNS:
        column = number_column
    return f"ligne {line}", column or "", line


def _french(error: Any) -> str:
    """A pydantic error said in French, with what to do."""
    kind, location = error["type"], error["loc"]
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == COUNTRY_UNKNOWN:
        if not isinstance(error["input"], dict):
            return _MESSAGES["model_type"]
        return f"pays {error['input'].get('country')!r} inconnu : FR (France) ou BE (Belgique)"
    if kind == "too_short" and location and location[-1] in _EMPTY_COLLECTION:
        return _EMPTY_COLLECTION[str(location[-1])]
    if kind == "literal_error" and location[-1] == "platform":
        return unknown_platform(PROCEDURES[DSN], error["input"])
    if kind == "literal_error" and len(location) >= 2 and location[-2] == "platforms":
        return unknown_platform(PROCEDURES[str(location[-1])], error["input"])
    if kind == "extra_forbidden":
        return _misplaced(location)
    if kind == "string_too_long":
        return f"trop long : {error['ctx']['max_length']} caractères au plus"
    return _MESSAGES.get(kind, f"valeur refusée ({error['msg']}) : corrigez-la")


def _misplaced(location: Location) -> str:
    """Why a field is refused where it is: a procedure the country does not take part in, a
    field of the other country's companies, or a field nobody has."""
    country, field = _country(location), location[-1]
    if len(location) >= 2 and location[-2] == "platforms":
        procedure = PROCEDURES.get(str(field))
        if procedure is None or country is None:
            return unknown_procedure(field)
        return not_for_country(procedure, country)
    collection = next((p for p in reversed(location) if p in _ENTRIES[1:]), None)
    if country is not None and collection is not None:
        if collection == "companies" and country == "FR" and field == "number":
            return "siren et number donnent tous deux le SIREN : gardez l'un des deux"
        for other in COUNTRIES:
            if other != country and field in _FIELDS_OF[collection, other]:
                return (
                    f"champ des entreprises {COUNTRY_LABELS[other]}, pas des "
                    f"{COUNTRY_LABELS[country]} (country: {country}) : retirez-le, ou corrigez "
                    "le pays de l'entreprise"
                )
    return _MESSAGES["extra_forbidden"]


_MESSAGES = {
    "missing": "champ manquant : ajoutez-le",
    "string_type": "doit être du texte : mettez la valeur entre guillemets",
    "string_too_short": "vide : renseignez-le",
    "extra_forbidden": "champ inconnu : retirez-le ou corrigez son nom",
    "tuple_type": "doit être une liste (- valeur, une par ligne)",
    "model_type": "doit être une suite de champs (nom: valeur)",
    "model_attributes_type": "doit être une suite de champs (nom: valeur)",
}
