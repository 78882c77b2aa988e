"""AdminPulse: credentials (:mod:`.block`), pacing (:mod:`.limiter`), client (:mod:`.client`)."""

from coursier.connectors.adminpulse.block import ADMINPULSE, AdminPulseCredentials

__all__ = ["ADMINPULSE", "AdminPulseCredentials"]
