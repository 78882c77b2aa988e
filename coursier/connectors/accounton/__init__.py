"""Accounton: credentials (:mod:`.block`), the exchange the client-import connectors share
(:mod:`.exchange`), client (:mod:`.client`)."""

from coursier.connectors.accounton.block import ACCOUNTON, AccountonCredentials

__all__ = ["ACCOUNTON", "AccountonCredentials"]
