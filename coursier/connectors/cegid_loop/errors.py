"""Errors of the Cegid Loop client, under the shared tree (:mod:`coursier.connectors.errors`)::

ConnectorError
├── TransportError          cut, timeout, 5xx, 429: an idempotent call is tried again;
│                           after a POST the outcome is unknown: read before re-sending
├── ResponseError           Loop said no (4xx): ``status`` and a body excerpt
│   ├── LoopAccessRefused   401: subscription key or API key refused
│   ├── LoopNotFound        404: a dossier, fiscal year or contact Loop does not know
│   ├── AlreadyDone         409: the application is already active (nothing to do)
│   └── LoopRejected        422: a precondition Loop checks (the firm's activation first…)
└── PayloadError            a 2xx whose JSON cannot be read
"""

from __future__ import annotations

from coursier.connectors.errors import ResponseError


class LoopAccessRefused(ResponseError):
    advice = (
        "Cegid Loop refuse la clé d'abonnement ou la clé d'API : vérifiez-les avec "
        "`coursier cegid credentials test`"
    )


class LoopNotFound(ResponseError):
    advice = "Cegid Loop ne connaît pas cet élément : vérifiez le code du dossier"


class AlreadyDone(ResponseError):
    advice = "déjà fait dans Cegid Loop"


class LoopRejected(ResponseError):
    advice = "Cegid Loop refuse la demande"


BY_STATUS: dict[int, type[ResponseError]] = {
    401: LoopAccessRefused,
    403: LoopAccessRefused,
    404: LoopNotFound,
    409: AlreadyDone,
    422: LoopRejected,
}
