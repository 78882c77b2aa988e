"""Flow parameters as the Prefect UI shows them: a French title and description, the choices.

Declare a parameter as ``Annotated[type, ask("Titre", "Description", ge=0)]``. Prefect 3.9
builds the deployment's form from each parameter with ``title=<its name>`` and the docstring's
description, which override those of the ``Annotated`` field; only ``json_schema_extra`` is
merged into what it builds, so :func:`ask` puts the title and the description there too.
Constraints (``ge``, ``min_length``) stay in the field: Prefect validates them on every run.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field
from pydantic.fields import FieldInfo


def ask(title: str, description: str, **constraints: Any) -> Any:
    """The field of one flow parameter: its label, its help text, its constraints."""
    field: FieldInfo = Field(
        title=title,
        description=description,
        json_schema_extra={"title": title, "description": description},
        **constraints,
    )
    return field


def optional(kind: Any, given: str, empty: str) -> Any:
    """``kind | None`` whose two branches the form's picker names ``given`` and ``empty``."""
    return Annotated[kind, Field(title=given)] | Annotated[None, Field(title=empty)]


RetryFailedOf = Annotated[
    Annotated[
        Literal["last"], Field(title="La dernière exécution", json_schema_extra={"enum": ["last"]})
    ]
    | Annotated[UUID, Field(title="Une exécution (son identifiant)")]
    | Annotated[None, Field(title="Aucune : un passage normal")],
    ask(
        "Relancer les échecs de",
        "Ne reprendre que les éléments en échec d'une exécution précédente de ce flow : "
        "« last » pour la dernière, ou l'identifiant d'une exécution. Vide : un passage normal.",
    ),
]
"""``retry_failed_of``, the same on every flow (DESIGN.md)."""

Operator = Annotated[
    optional(str, "Un gestionnaire", "L'utilisateur du système"),
    ask(
        "Gestionnaire",
        "Pour qui l'exécution agit : ses interrupteurs M2M, son nom dans la piste d'audit. "
        "Vide : l'utilisateur du système qui l'exécute.",
    ),
]
"""``operator``, the same on every flow."""
