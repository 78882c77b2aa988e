"""The Loop account each dossier uses: its credentials resolved narrowest scope first
(:data:`~coursier.connectors.cegid_loop.CEGID_LOOP`), one client per block.

Resolving dossier by dossier would load up to four blocks each from Prefect's API; the names
saved are listed once instead, each dossier takes the narrowest that exists, and each block
chosen is loaded once: the 200 dossiers of a firm usually share its one application block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coursier.connectors.cegid_loop import CEGID_LOOP, CegidLoopCredentials
from coursier.connectors.cegid_loop.client import CegidLoopClient
from coursier.connectors.credentials import (
    Candidate,
    CredentialsNotFound,
    ScopeChain,
    check_scope,
    list_saved,
    load,
)
from coursier.store.portfolio import DossierView


@dataclass(frozen=True)
class LoopAccount:
    """A Loop API account: its identity (claims belong to it) and its client."""

    key: str
    block_name: str
    client: CegidLoopClient


class LoopAccounts:
    """The account of each dossier, or why it has none."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._by_name: dict[str, LoopAccount] = {}

    def resolve(self, dossiers: Iterable[DossierView]) -> dict[str, LoopAccount | str]:
        """Dossier code → its account, or the French sentence saying what to save."""
        saved = {name for name, *_ in list_saved(CegidLoopCredentials, CEGID_LOOP.platform)}
        found: dict[str, LoopAccount | str] = {}
        for view in dossiers:
            candidates = ScopeChain.of(view).named(CEGID_LOOP.platform)
            chosen = next((c for c in candidates if c.name in saved), None)
            if chosen is None:
                names = [c.name for c in candidates]
                found[view.code] = str(CredentialsNotFound(names, CEGID_LOOP.set_advice()))
                continue
            found[view.code] = self._account(chosen)
        return found

    def _account(self, chosen: Candidate) -> LoopAccount:
        name = chosen.name
        if name not in self._by_name:
            block = load(CegidLoopCredentials, name)
            if block is None:  # deleted between the listing and now
                raise CredentialsNotFound([name], CEGID_LOOP.set_advice())
            check_scope(block, name, chosen.scope, chosen.key)
            client = CegidLoopClient.from_block(block, timeout=self._timeout)
            self._by_name[name] = LoopAccount(block.account_key, name, client)
        return self._by_name[name]

    def close(self) -> None:
        for account in self._by_name.values():
            account.client.close()
