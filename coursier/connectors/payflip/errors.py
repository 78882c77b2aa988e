"""The Payflip client's errors, under the connectors' tree (``coursier.connectors.errors``)::

TransportError
└── WriteOutcomeUnknown   a create cut, timed out or answered 5xx: Payflip may have
                          created the employees; read them back before sending again
ResponseError
└── KeyRefused            401: the API key is wrong or revoked
"""

from __future__ import annotations

from coursier.connectors.errors import ResponseError, TransportError


class WriteOutcomeUnknown(TransportError):
    advice = (
        "Payflip n'a pas confirmé la création (connexion coupée ou erreur serveur) : les "
        "employés sont recherchés dans Payflip avant tout nouvel envoi"
    )


class KeyRefused(ResponseError):
    advice = (
        "Payflip refuse la clé d'API : vérifiez-la (coursier hr credentials set --platform payflip)"
    )
