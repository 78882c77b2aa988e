"""Credentials with a scope, saved as Prefect Blocks, resolved narrowest first.

The M2M seed lets a firm save identifiers for the whole application, a data directory, a
company or a single dossier; the narrowest one saved wins (a dossier's overrides the
application's until it is deleted). The scope is written in the block's name, so resolving is a
few look-ups by name::

    {prefix}--application
    {prefix}--directory--{key}     key: the directory's code
    {prefix}--company--{key}       key: the company's SIREN
    {prefix}--dossier--{key}       key: the dossier's code

Prefect allows only lowercase letters, digits and dashes in block names: keys are slugified
(``coursier.models.portfolio.slug``: ``CCH_001`` → ``cch-001``), which never yields ``--``, so a
name always splits back into prefix, scope and key. The portfolio refuses two codes with the same
slug, so two dossiers never share a name. Each platform's Block type subclasses
:class:`ScopedCredentials`; this module knows nothing else about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count
from typing import Generic, Literal, Self, TypeVar, get_args

import pydantic
from prefect.blocks.core import Block
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from pydantic import ConfigDict, Field, model_validator

from coursier.connectors.errors import ConnectorError
from coursier.models.portfolio import slug

Scope = Literal["application", "directory", "company", "dossier"]
SCOPES: tuple[Scope, ...] = get_args(Scope)
SCOPE_LABELS: dict[Scope, str] = {
    "application": "toute l'application",
    "directory": "répertoire de données",
    "company": "société",
    "dossier": "dossier",
}
SET_ADVICE = "enregistrez-en avec `coursier credentials set --scope … [--key …]`"
_PAGE = 200


class ScopedCredentials(Block):
    """Fields every platform's credentials carry: where in the portfolio they apply.

    Validation errors never quote the input: it holds the password.
    """

    model_config = ConfigDict(hide_input_in_errors=True)

    scope: Scope = Field(
        default="application",
        description="Étendue : toute l'application, un répertoire, une société ou un dossier.",
    )
    scope_key: str | None = Field(
        default=None,
        description="Code du répertoire, SIREN de la société ou code du dossier (vide pour "
        "l'application).",
    )

    @model_validator(mode="after")
    def _key_matches_scope(self) -> Self:
        if self.scope == "application" and self.scope_key is not None:
            raise ValueError("l'étendue « application » ne prend pas de clé : retirez --key")
        if self.scope != "application":
            if not self.scope_key:
                raise ValueError(
                    f"l'étendue « {self.scope} » demande une clé (--key) : le code du "
                    "répertoire, le SIREN de la société ou le code du dossier"
                )
            slug(self.scope_key)
        return self


Credentials = TypeVar("Credentials", bound=ScopedCredentials)


class CredentialsNotFound(ConnectorError, LookupError):
    """No credentials saved under any of the names tried (``tried``, narrowest first)."""

    def __init__(self, tried: list[str], advice: str = SET_ADVICE) -> None:
        names = ", ".join(tried)
        order = " (essayés du plus précis au plus large)" if len(tried) > 1 else ""
        super().__init__(
            f"aucun identifiant de connexion enregistré sous {names}{order} : {advice}"
        )
        self.tried = tuple(tried)


def block_name(prefix: str, scope: Scope, key: str | None = None) -> str:
    """The block name of credentials of ``scope`` for ``key`` (None for the application)."""
    if scope not in SCOPES:
        raise ValueError(f"étendue {scope!r} inconnue : {', '.join(SCOPES)}")
    if scope == "application":
        return f"{prefix}--application"
    if not key:
        raise ValueError(f"l'étendue « {scope} » demande une clé")
    return f"{prefix}--{scope}--{slug(key)}"


def parse_block_name(prefix: str, name: str) -> tuple[Scope, str | None] | None:
    """(scope, slugified key) of a name made by :func:`block_name`, None for any other name."""
    rest = name.removeprefix(f"{prefix}--")
    if rest == name:
        return None
    if rest == "application":
        return "application", None
    scope, _, key = rest.partition("--")
    for known in SCOPES[1:]:
        if scope == known and key and slug(key) == key:
            return known, key
    return None


@dataclass(frozen=True)
class ScopeChain:
    """Where a dossier sits in the portfolio: the keys of each scope that may hold its
    credentials (company: the SIREN; directory: the directory's code)."""

    dossier: str
    company: str | None = None
    directory: str | None = None

    def scopes(self) -> list[tuple[Scope, str | None]]:
        """(scope, key), narrowest first, ending with the application."""
        chain: list[tuple[Scope, str | None]] = [("dossier", self.dossier)]
        if self.company:
            chain.append(("company", self.company))
        if self.directory:
            chain.append(("directory", self.directory))
        return [*chain, ("application", None)]

    def candidates(self, prefix: str) -> list[str]:
        """The block names to try, narrowest first."""
        return [block_name(prefix, scope, key) for scope, key in self.scopes()]


@dataclass(frozen=True)
class Resolved(Generic[Credentials]):
    """The credentials a dossier uses, the name they were saved under and their scope."""

    block: Credentials
    name: str
    scope: Scope


ResolvedCredentials = Resolved  # the name it had first


def resolve(block_cls: type[Credentials], chain: ScopeChain, prefix: str) -> Resolved[Credentials]:
    """The narrowest credentials saved for ``chain``; ``CredentialsNotFound`` if none is."""
    for scope, key in chain.scopes():
        name = block_name(prefix, scope, key)
        block = load(block_cls, name)
        if block is None:
            continue
        check_scope(block, name, scope, key)
        return Resolved(block, name, scope)
    raise CredentialsNotFound(chain.candidates(prefix))


def check_scope(block: ScopedCredentials, name: str, scope: Scope, key: str | None) -> None:
    """``ConnectorError`` when the block saved as ``name`` declares another scope than its name
    says (edited by hand in Prefect's UI): using it would apply it where nobody meant to."""
    if block.scope != scope or (key and slug(block.scope_key or "") != slug(key)):
        raise ConnectorError(
            f"le bloc {name} déclare l'étendue {block.scope} {block.scope_key or ''} : "
            "enregistrez-le de nouveau avec `coursier credentials set`"
        )


def load(block_cls: type[Credentials], name: str) -> Credentials | None:
    """The block saved as ``name``, or None when there is none (any other error is raised)."""
    try:
        return block_cls.load(name)
    except pydantic.ValidationError:
        raise
    except ValueError as exc:
        if isinstance(exc.__cause__, ObjectNotFound):
            return None
        raise


def save(block: ScopedCredentials, prefix: str, *, overwrite: bool = True) -> str:
    """Save ``block`` under the name of its scope; returns that name."""
    name = block_name(prefix, block.scope, block.scope_key)
    block.save(name, overwrite=overwrite)
    return name


def delete(block_cls: type[ScopedCredentials], prefix: str, scope: Scope, key: str | None) -> str:
    """Delete the credentials of ``scope``/``key``; returns the name deleted.
    ``CredentialsNotFound`` when nothing is saved there."""
    name = block_name(prefix, scope, key)
    try:
        block_cls.delete(name)
    except ValueError as exc:
        if isinstance(exc.__cause__, ObjectNotFound):
            advice = "voyez ceux qui le sont avec `coursier credentials list`"
            raise CredentialsNotFound([name], advice) from None
        raise
    return name


def list_saved(
    block_cls: type[Credentials], prefix: str
) -> list[tuple[str, Scope, str | None, Credentials]]:
    """(name, scope, key, block) of every credentials of this type saved under ``prefix``,
    by name. Secrets come back masked: the blocks are for display, not for logging in."""
    found = []
    with get_client(sync_client=True) as client:
        for offset in count(0, _PAGE):
            try:
                documents = client.read_block_documents_by_type(
                    block_cls.get_block_type_slug(),
                    offset=offset,
                    limit=_PAGE,
                    include_secrets=False,
                )
            except PrefectHTTPStatusError as exc:
                if exc.response.status_code == 404:  # the type itself: nothing saved yet
                    return []
                raise
            for document in documents:
                parsed = document.name and parse_block_name(prefix, document.name)
                if parsed:
                    block = block_cls.model_validate(document.data)
                    found.append((document.name, parsed[0], block.scope_key, block))
            if len(documents) < _PAGE:
                break
    return sorted(found, key=lambda item: item[0])
