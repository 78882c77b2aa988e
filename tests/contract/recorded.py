"""The exchanges recorded from the official GIP-MDS API DSN simulator (``recordings/``).

Each recording gives the request as sent — its body described in words, its tokens as
placeholders — and the answer. :func:`request_body` rebuilds the bytes the description names
(checked against the recorded length); :func:`shape` reduces a body to its element or key
paths, what the contract compares (ids, dates and texts may differ).
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from coursier.models.returns.xml import local_name, safe_fromstring

RECORDINGS = Path(__file__).parent / "recordings"
SAMPLE = (RECORDINGS / "sample.dsn").read_bytes()


@dataclass(frozen=True)
class Recording:
    name: str
    data: dict[str, Any]

    @property
    def number(self) -> int:
        return int(self.name[:2])

    @property
    def request(self) -> dict[str, Any]:
        return self.data["request"]

    @property
    def response(self) -> dict[str, Any]:
        return self.data["response"]

    @property
    def route(self) -> str:
        """The first segment of the path (``authentifier``, ``lister-depots`` …)."""
        return self.request["path"].strip("/").split("/")[0]

    @property
    def version(self) -> str:
        return self.request["path"].strip("/").split("/")[1]

    @property
    def status(self) -> int:
        return self.response["status"]

    @property
    def headers(self) -> dict[str, str]:
        return self.response["headers"]

    @property
    def authorization(self) -> str:
        return self.request["headers"].get("Authorization", "")

    @property
    def is_concentrateur(self) -> bool:
        return "concentrateur=" in self.authorization

    @property
    def body(self) -> bytes:
        """The answer's body, decoded (gunzipped) as recorded."""
        if "body_base64" in self.response:
            return base64.b64decode(self.response["body_base64"])
        return self.response.get("body", "").encode("utf-8")

    def __str__(self) -> str:
        return self.name


@cache
def recordings() -> tuple[Recording, ...]:
    return tuple(
        Recording(path.name, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted(RECORDINGS.glob("*.json"))
    )


def by_number(number: int) -> Recording:
    return next(r for r in recordings() if r.number == number)


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


#: Request body descriptions → the bytes they name (README: gzip level 9, mtime 0).
BODIES = {
    "gzip of sample.dsn": lambda: _gzip(SAMPLE),
    "gzip of 'HELLO not a DSN\\n'": lambda: _gzip(b"HELLO not a DSN\n"),
    "gzip of sample.dsn with 'COURSIER-FIXTURE' replaced by 'KABOOM'": lambda: _gzip(
        SAMPLE.replace(b"COURSIER-FIXTURE", b"KABOOM")
    ),
    "gzip of b'' (20 bytes)": lambda: _gzip(b""),
    "sample.dsn (not compressed)": lambda: SAMPLE,
    "sample.dsn (not compressed) with Content-Encoding: gzip": lambda: SAMPLE,
    "empty (0 bytes)": lambda: b"",
    "zlib/deflate of sample.dsn": lambda: zlib.compress(SAMPLE, 9),
}


def request_body(recording: Recording) -> bytes | None:
    """The request's body as sent: the literal XML of a login, or the bytes described."""
    described = recording.request.get("body")
    if described is None:
        return None
    if described.startswith("<"):
        return described.encode("utf-8")
    return BODIES[described]()


_BASE64_OF = re.compile(r'<base64 of "([^"]*)">')


def authorization(recording: Recording, tokens: dict[str, str]) -> str | None:
    """The recorded ``Authorization`` with its placeholders filled: ``tokens`` maps
    ``<token>``, ``<concentrateur token>`` and the forged ``<token of another siret…>``."""
    value = recording.request["headers"].get("Authorization")
    if value is None:
        return None
    for placeholder, token in tokens.items():
        value = value.replace(placeholder, token)
    return _BASE64_OF.sub(lambda m: base64.b64encode(m.group(1).encode()).decode(), value)


def forged_token(siret: str) -> str:
    """A token in the simulator's layout for ``siret`` (recordings 35, 73): one no platform
    issued."""
    xml = (
        "<xmlresult><status>0</status><error_msg>Succes</error_msg><format>3</format>"
        "<creation_time>22/06/2013 01:20:00(1)</creation_time>"
        f"<siret>{siret}</siret><ttl>7200</ttl><first_name>declarant</first_name>"
        "<last_name>declarant</last_name></xmlresult>"
    )
    return base64.b64encode(xml.encode()).decode()


# Shapes ---------------------------------------------------------------------------------------


def kind(body: bytes) -> str:
    """``xml``, ``json``, ``text`` or ``empty`` (by content, whatever the content type says:
    the 2.0 deposit answers XML under application/json)."""
    start = body.lstrip()[:1]
    if not start:
        return "empty"
    if start == b"<":
        return "xml"
    if start in (b"{", b"["):
        return "json"
    return "text"


def shape(body: bytes) -> frozenset[str]:
    """Every element (XML) or key (JSON, ``[]`` marking a list) path of the body."""
    found = kind(body)
    if found == "xml":
        return frozenset(_xml_paths(safe_fromstring(body), ""))
    if found == "json":
        return frozenset(_json_paths(json.loads(body), ""))
    return frozenset()


def token_shape(token: bytes) -> frozenset[str]:
    """The shape of the ``<xmlresult>`` inside a login token (base64)."""
    return shape(base64.b64decode(token.strip()))


def _xml_paths(element: etree._Element, prefix: str) -> Iterator[str]:
    path = f"{prefix}/{local_name(element)}" if prefix else local_name(element)
    yield path
    for child in element:
        if isinstance(child.tag, str):
            yield from _xml_paths(child, path)


def _json_paths(value: object, prefix: str) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}/{key}" if prefix else str(key)
            yield path
            yield from _json_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from _json_paths(item, f"{prefix}[]")
