"""Securex's credentials for the generic credentials commands (``coursier hr credentials``)."""

from __future__ import annotations

from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.securex.block import NAME_PREFIX, SecurexCredentials
from coursier.connectors.securex.client import SecurexClient


def check(credentials: SecurexCredentials) -> str:
    """A token and one harmless call; ``ConnectorError`` saying what to do when refused."""
    with SecurexClient(credentials) as client:
        return client.test_connection()


SECUREX = CredentialKind(
    platform=NAME_PREFIX, label="Securex", block_cls=SecurexCredentials, check=check
)
