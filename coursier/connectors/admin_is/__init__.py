"""Admin IS | Consult: credentials (:mod:`.block`), client (:mod:`.client`)."""

from coursier.connectors.admin_is.block import ADMIN_IS, AdminIsCredentials

__all__ = ["ADMIN_IS", "AdminIsCredentials"]
