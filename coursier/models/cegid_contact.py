"""The Cegid Flow user, the company head, qualified as a Loop contact (interlocuteur): checked
(last name, first name, an e-mail by email-validator, a French mobile, the role) and compared
with the contact Loop has, to create it, update it, or leave it as it is.

A French mobile is ``06``/``07`` then eight digits, written with spaces, dots or dashes, or
``+33``/``0033`` without the leading zero; it is kept as ``06 06 06 06 06``. The e-mail is
checked without DNS look-ups (a batch must not depend on them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from email_validator import EmailNotValidError, validate_email

HEAD_ROLE = "Chef d'entreprise"
_SEPARATORS = re.compile(r"[\s.\-]")
_MOBILE = re.compile(r"^0[67]\d{8}$")
COMPARED = ("nom", "prenom", "mobile", "email", "role")


class InvalidContact(ValueError):
    """The company head's record cannot make a valid contact: ``problems`` says what to fix."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def french_mobile(number: str) -> str | None:
    """``number`` as ``06 06 06 06 06`` when it is a French mobile, else None."""
    digits = _SEPARATORS.sub("", number or "")
    for prefix in ("+33", "0033"):
        if digits.startswith(prefix):
            digits = "0" + digits[len(prefix) :]
    if not _MOBILE.match(digits):
        return None
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def qualified(head: Mapping[str, Any], dossier: str) -> dict[str, Any]:
    """The contact to have in Loop for the dossier's company head; :class:`InvalidContact`
    listing every field to fix."""
    problems: list[str] = []
    last, first = str(head.get("nom") or "").strip(), str(head.get("prenom") or "").strip()
    if not last:
        problems.append("nom du dirigeant absent")
    if not first:
        problems.append("prénom du dirigeant absent")
    email = str(head.get("email") or "").strip()
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        problems.append(f"e-mail « {email} » invalide ({exc})")
    mobile = french_mobile(str(head.get("mobile") or ""))
    if mobile is None:
        problems.append(
            f"mobile « {head.get('mobile') or ''} » : un mobile français (06 ou 07) est demandé"
        )
    if problems:
        raise InvalidContact(problems)
    return {
        "nom": last,
        "prenom": first,
        "mobile": mobile,
        "email": email,
        "role": HEAD_ROLE,
        "dossiers": [dossier],
    }


@dataclass(frozen=True)
class ContactPlan:
    """What to do in Loop: create the contact, update it (``changed`` fields), or nothing."""

    action: Literal["create", "update", "unchanged"]
    contact: dict[str, Any]
    contact_id: str | None = None
    changed: tuple[str, ...] = ()


def plan_contact(wanted: dict[str, Any], existing: list[Mapping[str, Any]]) -> ContactPlan:
    """Compare the wanted contact with Loop's (matched by e-mail, else by name): the one to
    keep, with the dossiers it already has."""
    match = next(
        (c for c in existing if str(c.get("email", "")).lower() == wanted["email"].lower()),
        None,
    ) or next(
        (
            c
            for c in existing
            if (c.get("nom"), c.get("prenom")) == (wanted["nom"], wanted["prenom"])
        ),
        None,
    )
    if match is None:
        return ContactPlan("create", wanted)
    dossiers = sorted({*match.get("dossiers", ()), *wanted["dossiers"]})
    contact = {**wanted, "dossiers": dossiers}
    changed = tuple(f for f in COMPARED if match.get(f) != contact[f])
    if dossiers != sorted(match.get("dossiers", ())):
        changed += ("dossiers",)
    return ContactPlan("update" if changed else "unchanged", contact, str(match["id"]), changed)
