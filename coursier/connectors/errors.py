"""Errors shared by every connector: one root, a short tree, French messages saying what to do.

::

    ConnectorError
    ├── TransportError     the exchange did not complete: cut, timeout, 5xx, 429 — retryable
    │   └── RateLimited    429, with ``retry_after`` (seconds) when the platform said when
    ├── ResponseError      the platform answered no (4xx, or a 3xx we do not follow): ``status``
    │                      and a body ``excerpt`` with every secret masked
    └── PayloadError       a success whose body cannot be read (malformed or hostile XML, JSON):
                           the whole body arrived, so asking again gives the same: report it

Each system adds its domain leaves under these (``net_entreprises/errors.py``). Only idempotent
requests are retried, and only on :class:`TransportError`. ``str()`` of every error is a French
sentence for the user; none ever carries a password or a token.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ConnectorError(Exception):
    """Root of every connector error; ``advice`` is the default message of each leaf."""

    advice: ClassVar[str] = "échec de l'échange avec la plateforme : réessayez plus tard"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.advice)

    @property
    def summary(self) -> str:
        """What happened, without what to do: messages read "what happened : what to do"."""
        return str(self).split(" : ", 1)[0]

    def __reduce__(self) -> tuple[Any, ...]:
        # Prefect pickles errors raised in tasks: rebuild without calling __init__, whose
        # signature differs from leaf to leaf, and keep every attribute.
        return (_restore, (type(self), self.args, self.__dict__))


def _restore(cls: type[ConnectorError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class TransportError(ConnectorError):
    """The exchange did not complete; the same idempotent request may be sent again."""

    advice = "la plateforme ne répond pas correctement : réessayez plus tard"

    def __init__(self, message: str | None = None, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(TransportError):
    """429: too many requests, or a search window wider than the platform allows."""

    advice = "la plateforme limite les requêtes (429) : patientez puis réessayez"


class ResponseError(ConnectorError):
    """The platform refused the request; ``status`` is None when refused before sending."""

    def __init__(
        self, message: str | None = None, *, status: int | None = None, excerpt: str = ""
    ) -> None:
        text = message or self.advice
        if status is not None:
            text += f" [HTTP {status}" + (f" : {excerpt}" if excerpt else "") + "]"
        super().__init__(text)
        self.status = status
        self.excerpt = excerpt


class PayloadError(ConnectorError):
    """A successful answer whose body cannot be read.

    Deterministic: the body arrived whole (a cut is a :class:`TransportError`), so the same
    request would read the same way; the message says to report it, never to try again later.
    """

    report: ClassVar[str] = (
        "la même demande donnerait la même réponse : signalez-le au support de la plateforme "
        "(ou de coursier) avec l'heure de l'échange"
    )
    advice = f"réponse illisible de la plateforme : {report}"

    @classmethod
    def unreadable(cls, detail: str) -> PayloadError:
        """The error for a body that cannot be read, ``detail`` saying why (no secret in it)."""
        return cls(f"réponse illisible de la plateforme ({detail}) : {cls.report}")
