"""What the generic credentials commands need to know of one platform's credentials.

Net-Entreprises and IZILIO have commands of their own (``coursier credentials …``: legacy
names, concentrateurs). Every other platform (Securex, Payflip, AdminPulse, Accounton, Cegid
Loop, …) declares a :class:`CredentialKind` beside its Block, and its procedure's command group
mounts ``coursier.deployments.scoped_credentials_cli.credentials_app`` over its kinds: set, list,
delete and test then work the same for all of them.

A Block's secrets are its ``SecretStr`` fields (read from a hidden prompt or standard input,
never from an option); its other fields, but the scope, are given as ``--field name=value``.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import SecretStr

from coursier.connectors.credentials import Resolved, ScopeChain, ScopedCredentials, resolve

C = TypeVar("C", bound=ScopedCredentials)
SCOPE_FIELDS = frozenset(ScopedCredentials.model_fields)


@dataclass(frozen=True)
class CredentialKind(Generic[C]):
    """One platform's credentials: ``platform`` is both the block names' prefix and the value
    of ``--platform``; ``check`` makes one harmless authenticated call and returns what to say
    of it (French), raising ``ConnectorError`` saying what to do when it fails."""

    platform: str
    label: str
    block_cls: type[C]
    check: Callable[[C], str] | None = None

    def resolve(self, chain: ScopeChain) -> Resolved[C]:
        """The narrowest credentials saved for ``chain``; ``CredentialsNotFound`` if none is."""
        return resolve(self.block_cls, chain, self.platform, advice=self.set_advice())

    def set_advice(self) -> str:
        return (
            f"enregistrez-en avec `coursier … credentials set --platform {self.platform} "
            "--scope … [--key …]`"
        )

    def secret_fields(self) -> tuple[str, ...]:
        """The Block's secrets, in declaration order: prompted for, never shown."""
        return tuple(
            name
            for name, field in self.block_cls.model_fields.items()
            if name not in SCOPE_FIELDS and _is_secret(field.annotation)
        )

    def plain_fields(self) -> tuple[str, ...]:
        """The Block's other fields, but the scope: given as ``--field name=value``."""
        secrets = set(self.secret_fields())
        return tuple(
            name
            for name in self.block_cls.model_fields
            if name not in SCOPE_FIELDS and name not in secrets
        )


def _is_secret(annotation: object) -> bool:
    """``SecretStr``, alone or in an optional (``SecretStr | None``)."""
    if annotation is SecretStr:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return any(_is_secret(arg) for arg in typing.get_args(annotation))
    return False
