"""Payflip's credentials for the generic credentials commands (``coursier hr credentials``)."""

from __future__ import annotations

from coursier.connectors.credential_kinds import CredentialKind
from coursier.connectors.payflip.block import NAME_PREFIX, PayflipCredentials
from coursier.connectors.payflip.client import PayflipClient


def check(credentials: PayflipCredentials) -> str:
    """One harmless read; ``ConnectorError`` saying what to do when refused."""
    with PayflipClient(credentials) as client:
        return client.test_connection()


PAYFLIP = CredentialKind(
    platform=NAME_PREFIX, label="Payflip", block_cls=PayflipCredentials, check=check
)
