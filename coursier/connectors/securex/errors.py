"""The Securex client's errors, under the connectors' tree (``coursier.connectors.errors``)::

ResponseError
├── AuthenticationRefused   the token endpoint refused the client (401/400)
├── SubscriptionRefused     API Management refused the subscription key (401)
└── CompanyNotFound         no company with that VAT number for the integration (404)
"""

from __future__ import annotations

from coursier.connectors.errors import ResponseError

SET_AGAIN = "coursier hr credentials set --platform securex"


class AuthenticationRefused(ResponseError):
    advice = (
        f"Securex refuse le client OAuth2 : vérifiez son identifiant et son secret ({SET_AGAIN})"
    )


class SubscriptionRefused(ResponseError):
    advice = f"Securex refuse la clé d'abonnement : vérifiez-la ({SET_AGAIN})"


class CompanyNotFound(ResponseError):
    advice = "Securex ne connaît pas cette entreprise pour l'intégration"
