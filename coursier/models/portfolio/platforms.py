"""A dossier's ``platforms``: one optional field per procedure its company's country may take
part in, each a choice among that procedure's platforms.

The classes are made from :data:`~coursier.models.portfolio.procedures.PROCEDURES`, so a new
procedure is one line there. Being fields, each entry is checked and located on its own
(``platforms.pas``), and a procedure the country does not take part in is an unknown field,
which the loader says as such ("réservée aux entreprises françaises").
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model

from coursier.models.portfolio.procedures import Country, procedures_of


def lowercase(value: Any) -> Any:
    """A text stripped and in lowercase (``IZILIO`` → ``izilio``); anything else as it is."""
    return value.strip().lower() if isinstance(value, str) else value


class Platforms(BaseModel):
    """Per procedure (the key, as written in files: ``hr-sync``), the platform chosen."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def chosen(self) -> dict[str, str]:
        """``{procedure: platform}`` for every procedure given a platform."""
        return {
            field.alias or name: value
            for name, field in type(self).model_fields.items()
            if (value := getattr(self, name)) is not None
        }


def _platforms_of(country: Country) -> type[Platforms]:
    fields: dict[str, Any] = {
        procedure.key.replace("-", "_"): (
            Annotated[Literal[procedure.platforms] | None, BeforeValidator(lowercase)],
            Field(default=None, alias=procedure.key),
        )
        for procedure in procedures_of(country)
    }
    return create_model(f"Platforms{country}", __base__=Platforms, **fields)


FrenchPlatforms = _platforms_of("FR")
BelgianPlatforms = _platforms_of("BE")
