"""Cegid Loop: credentials (:mod:`.block`), errors (:mod:`.errors`), client (:mod:`.client`)."""

from coursier.connectors.cegid_loop.block import CEGID_LOOP, CegidLoopCredentials

__all__ = ["CEGID_LOOP", "CegidLoopCredentials"]
