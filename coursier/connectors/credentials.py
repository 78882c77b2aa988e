"""Credentials with a scope, saved as Prefect Blocks, resolved narrowest first.

The M2M seed lets a firm save identifiers for the whole application, a data directory, a
company or a single dossier; the narrowest one saved wins (a dossier's overrides the
application's until it is deleted). The scope is written in the block's name, so resolving is a
few look-ups by name::

    {prefix}--application
    {prefix}--directory--{key}     key: the directory's code
    {prefix}--company--{key}       key: the company's SIREN (France), BE + its number (Belgium)
    {prefix}--dossier--{key}       key: the dossier's code

Prefect allows only lowercase letters, digits and dashes in block names: keys are slugified
(``coursier.models.portfolio.slug``: ``CCH_001`` → ``cch-001``), which never yields ``--``, so a
name always splits back into prefix, scope and key. The portfolio refuses two codes with the same
slug, so two dossiers never share a name. A Belgian company's key is country-qualified
(``be0403170701``) however it is typed (``0403.170.701``), so the numbers of two countries never
meet; a French one is its SIREN, as it always was, so the blocks saved before still resolve.

Any platform's Block type subclasses :class:`ScopedCredentials` and is resolved by
:func:`resolve` along a :class:`ScopeChain` built from the portfolio (:meth:`ScopeChain.of`);
this module knows nothing else about them. A platform whose names need more than one prefix
(IZILIO's legacy names, ``net_entreprises.scopes``) passes its own candidates and what to do
with each block found.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count
from typing import Any, Generic, Literal, NamedTuple, Protocol, Self, TypeVar, get_args

import pydantic
from prefect.blocks.core import Block
from prefect.client.orchestration import get_client
from prefect.exceptions import ObjectNotFound, PrefectHTTPStatusError
from pydantic import ConfigDict, Field, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from coursier.connectors.errors import ConnectorError
from coursier.models.portfolio import company_scope_key, slug

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
_SCHEMAS: dict[tuple[object, ...], dict[str, Any]] = {}


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
        description="Code du répertoire, SIREN de la société (numéro d'entreprise pour une "
        "société belge) ou code du dossier (vide pour l'application).",
    )

    @classmethod
    def model_json_schema(
        cls,
        by_alias: bool = True,
        ref_template: str = "#/definitions/{model}",
        schema_generator: type[GenerateJsonSchema] = GenerateJsonSchema,
        mode: JsonSchemaMode = "validation",
    ) -> dict[str, Any]:
        """Prefect's schema of the block, built once per class and handed out as a copy.

        Prefect asks for it again for every field of every block it saves or loads (to know
        which fields hold secrets), about 4 ms each: saving one set of credentials cost half a
        second of CPU. Callers may change what they get, hence the copy.
        """
        key = (cls, by_alias, ref_template, schema_generator, mode)
        schema = _SCHEMAS.get(key)
        if schema is None:
            schema = _SCHEMAS[key] = super().model_json_schema(
                by_alias, ref_template, schema_generator, mode
            )
        return copy.deepcopy(schema)

    @model_validator(mode="after")
    def _key_matches_scope(self) -> Self:
        if self.scope == "application" and self.scope_key is not None:
            raise ValueError("l'étendue « application » ne prend pas de clé : retirez --key")
        if self.scope != "application":
            if not self.scope_key:
                raise ValueError(
                    f"l'étendue « {self.scope} » demande une clé (--key) : le code du "
                    "répertoire, le SIREN de la société (son numéro d'entreprise si elle est "
                    "belge) ou le code du dossier"
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
    return f"{prefix}--{scope}--{key_slug(scope, key)}"


def key_slug(scope: Scope, key: str) -> str:
    """The part of a block name that says ``key``: its slug, a company's in the form the
    portfolio gives it (``0403.170.701`` → ``be0403170701``)."""
    return slug(company_scope_key(key) if scope == "company" else key)


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


class PortfolioPlace(Protocol):
    """Where a dossier sits in the portfolio, as ``coursier.store.DossierView`` says it."""

    @property
    def code(self) -> str: ...

    @property
    def company_key(self) -> str: ...

    @property
    def directory_code(self) -> str: ...


@dataclass(frozen=True)
class ScopeChain:
    """Where a dossier sits in the portfolio: the keys of each scope that may hold its
    credentials (company: its key, the SIREN or ``BE`` + the Belgian number; directory: the
    directory's code)."""

    dossier: str
    company: str | None = None
    directory: str | None = None

    @classmethod
    def of(cls, place: PortfolioPlace) -> ScopeChain:
        """The chain of a dossier of the portfolio: dossier > company > directory."""
        return cls(place.code, place.company_key or None, place.directory_code)

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
        return [name for _scope, _key, name in self.named(prefix)]

    def named(self, prefix: str) -> list[Candidate]:
        """The scopes to try, narrowest first, each with its block name."""
        return [
            Candidate(scope, key, block_name(prefix, scope, key)) for scope, key in self.scopes()
        ]


class Candidate(NamedTuple):
    """A name that may hold a platform's credentials for one scope of a dossier."""

    scope: Scope
    key: str | None
    name: str


class Named(Protocol):
    """What :func:`resolve` reads of a candidate (a platform may carry more)."""

    @property
    def scope(self) -> Scope: ...

    @property
    def key(self) -> str | None: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Resolved(Generic[Credentials]):
    """The credentials a dossier uses, the name they were saved under and their scope."""

    block: Credentials
    name: str
    scope: Scope


ResolvedCredentials = Resolved  # the name it had first


Tried = TypeVar("Tried", bound=Named)


def resolve(
    block_cls: type[Credentials],
    chain: ScopeChain,
    prefix: str,
    *,
    tried: Sequence[Tried] | None = None,
    accept: Callable[[Tried, Credentials], bool] | None = None,
    advice: str = SET_ADVICE,
) -> Resolved[Credentials]:
    """The narrowest credentials saved for ``chain``; ``CredentialsNotFound`` if none is.

    ``tried``: the names to look at, narrowest first (by default ``chain.named(prefix)``).
    ``accept``: whether to use a block found (False: look further), for a platform whose
    names may hold another's credentials; it raises to refuse one outright. ``advice``: what
    to do when nothing is found.
    """
    candidates = tried if tried is not None else chain.named(prefix)
    for candidate in candidates:
        block = load(block_cls, candidate.name)
        if block is None:
            continue
        check_scope(block, candidate.name, candidate.scope, candidate.key)
        if accept is None or accept(candidate, block):
            return Resolved(block, candidate.name, candidate.scope)
    raise CredentialsNotFound([candidate.name for candidate in candidates], advice)


def check_scope(block: ScopedCredentials, name: str, scope: Scope, key: str | None) -> None:
    """``ConnectorError`` when the block saved as ``name`` declares another scope than its name
    says (edited by hand in Prefect's UI): using it would apply it where nobody meant to."""
    declared = key_slug(block.scope, block.scope_key) if block.scope_key else None
    if block.scope != scope or (key and declared != key_slug(scope, key)):
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
