"""A firm's clients as the sandbox seeds them: what its practice-management system (AdminPulse
or Admin IS | Consult) holds and what Accounton already holds, drawn together from one seed so
that every class of the client import occurs.

Records are neutral dicts (``id``, ``last_name``, ``first_name``, ``email``,
``national_number``, ``language``, ``partner_national_number``); each platform renders them
in its own shape. People are numbered: person ``i`` has a valid national register number
(every 20th a BIS number; birth years 1940–2019, so people born from 2000 occur), a name
unique with its birth date, and an e-mail. Of the ``common`` people in both systems a share
differs in one field; a share of the imported records is invalid. With ``tricky`` the
hand-made cases follow: a customer known by e-mail only (differing in case), a joint return
whose partner is listed too, the same client twice, an NN/BIS look-alike, one e-mail under two
numbers, a missing name.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field

from pydantic import BaseModel, Field


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words, ``_`` standing for a space inside one."""
    return tuple(word.replace("_", " ") for word in text.split())


LAST = _words(
    "Peeters Janssens Maes Jacobs Mertens Willems Claes Goossens Wouters Van_Damme Dubois "
    "Lambert Dupont Martin Simon Laurent Leclercq Lejeune Renard Hermans Vermeulen Michiels "
    "Desmet Lemaire François Wuyts Verstraeten Cools Hendrickx Müller"
)
FIRST = _words(
    "Jean Marie Luc Anne Pierre Sophie Marc Julie Thomas Laura Nicolas Emma Lucas Léa Hugo "
    "Chloé Louis Manon Noah Sarah Arthur Camille Jules Inès Victor Zoé Adam Alice Liam Elise "
    "Wout Femke Jens Lotte Bram Hélène Stijn Ine Dries Eva Koen"
)
LANGUAGES = ("fr", "nl", "nl", "fr", "en", "de")
TASKFLOWS = {"ipp-2026": "IPP 2026", "tva-2026": "TVA 2026"}


class Shape(BaseModel):
    """How many people each side holds (``POST /_sandbox/dataset`` takes this shape)."""

    imported: int = Field(40, ge=0, le=500_000)
    accounton: int = Field(36, ge=0, le=500_000)
    common: int = Field(24, ge=0)
    differing: float = Field(0.25, ge=0, le=1)
    invalid: float = Field(0.05, ge=0, le=1)
    tricky: bool = True


@dataclass
class FirmClients:
    imported: list[dict] = field(default_factory=list)
    accounton: list[dict] = field(default_factory=list)
    taskflows: dict[str, list[str]] = field(default_factory=dict)
    """Taskflow id → the ids of the imported records it holds."""


def national_number(year: int, month: int, day: int, counter: int) -> str:
    base = f"{year % 100:02d}{month:02d}{day:02d}{counter:03d}"
    prefix = "2" if year >= 2000 else ""
    return base + f"{97 - int(prefix + base) % 97:02d}"


def person_number(i: int, bis: bool = False) -> str:
    """Person ``i``'s national register number (a BIS number: month + 40, or + 20 when
    ``bis``)."""
    year, month, day = 1940 + i % 80, 1 + (i // 80) % 12, 1 + (i // 960) % 28
    counter = 1 + (i // 26_880) % 997
    if bis or i % 20 == 19:
        month += 20 if bis else 40
    return national_number(year, month, day, counter)


def person(i: int) -> dict:
    last, first = LAST[i % len(LAST)], FIRST[(i // len(LAST)) % len(FIRST)]
    return {
        "id": f"{i:06d}",
        "last_name": last,
        "first_name": first,
        "email": f"{_ascii(first)}.{_ascii(last)}.{i}@example.be",
        "national_number": person_number(i),
        "language": LANGUAGES[i % len(LANGUAGES)],
        "partner_national_number": None,
    }


def firm_clients(seed: int, shape: Shape) -> FirmClients:
    rng = random.Random(f"clients:{seed}")  # noqa: S311 - a reproducible data set
    common = min(shape.common, shape.imported, shape.accounton)
    first_accounton = shape.imported - common
    imported = [person(i) for i in range(shape.imported)]
    accounton = [
        dict(person(i), id=f"{i:06d}")
        for i in range(first_accounton, first_accounton + shape.accounton)
    ]
    for record in rng.sample(accounton[:common], round(common * shape.differing)):
        _differ(record, rng)
    for record in rng.sample(imported, round(shape.imported * shape.invalid)):
        _spoil(record, rng)
    firm = FirmClients(imported, accounton)
    if shape.tricky:
        _add_tricky(firm)
    ids = [record["id"] for record in firm.imported]
    firm.taskflows = {"ipp-2026": ids[::2], "tva-2026": ids[1::3]}
    return firm


def _differ(record: dict, rng: random.Random) -> None:
    """One field of an Accounton customer as it was typed there long ago."""
    which = rng.choice(("first_name", "language", "email"))
    if which == "first_name":
        record["first_name"] += "-Marie"
    elif which == "language":
        record["language"] = "en" if record["language"] != "en" else "fr"
    else:
        record["email"] = "old." + record["email"]


def _spoil(record: dict, rng: random.Random) -> None:
    """A record the import cannot take, as practice-management systems hold some."""
    which = rng.choice(("email", "national_number"))
    if which == "email":
        record["email"] = record["email"].replace("@", " at ")
    else:
        number = record["national_number"]
        record["national_number"] = number[:-2] + f"{(int(number[-2:]) + 1) % 100:02d}"


def _add_tricky(firm: FirmClients) -> None:
    base = 900_000
    by_mail = person(base + 1) | {"id": "T-mail", "national_number": None}
    firm.imported.append(by_mail | {"email": by_mail["email"].upper()})
    firm.accounton.append(by_mail | {"id": "A-mail"})
    main, partner = person(base + 2), person(base + 3)
    main |= {"id": "T-joint", "partner_national_number": partner["national_number"]}
    partner |= {"id": "T-partner", "email": main["email"]}
    partner["partner_national_number"] = main["national_number"]
    firm.imported += [main, partner]
    twice = person(base + 4)
    firm.imported += [twice | {"id": "T-twice-1"}, twice | {"id": "T-twice-2"}]
    look_alike = person(base + 5)
    firm.imported.append(look_alike | {"id": "T-nn"})
    bis = person_number(base + 5, bis=True)
    firm.accounton.append(
        look_alike | {"id": "A-bis", "national_number": bis, "email": "bis@example.be"}
    )
    two_numbers = person(base + 6)
    firm.imported.append(two_numbers | {"id": "T-two-numbers"})
    firm.accounton.append(person(base + 7) | {"id": "A-two-numbers", "email": two_numbers["email"]})
    firm.imported.append(person(base + 8) | {"id": "T-no-name", "last_name": None})


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "")
