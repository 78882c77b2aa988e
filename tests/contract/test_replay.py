"""Contract: each request recorded from the official simulator, replayed against the sandbox.

The sandbox is served on loopback (``SandboxServer``, port 0) and each of the 99 recorded
requests is sent again through ``http.client`` with exactly the recorded headers. Compared, for
each: the status; the ``Content-Type`` media type (when the simulator's answer has a body — an
empty one has no type, where the sandbox explains its refusal in a French sentence the client
never reads); ``Content-Encoding``; the presence of ``Expires``; ``Accept-Ranges`` and
``WWW-Authenticate`` (their values: the client acts on them); and the body's shape, every
element or key path (ids, dates and texts may differ).

Adapted before sending, without being a difference:

- tokens: obtained by logging in to the sandbox with the recorded bodies (01 for the test
  declarant, 13 for the concentrateur); ``<base64 of "…">`` is computed;
- dates in listing paths: shifted from the recording's "now" (2026-12-01 18:21:42, the
  simulator's UTC) to the sandbox's, so that "10 minutes ago" stays 10 minutes ago; month 13
  (recording 86) stays written in the lenient form;
- ``OWN_FLUX``: where the simulator answers from canned flux ``abcdefghij`` (returns 65432,
  12345), the sandbox is asked about a flux really deposited to it (``sample.dsn``, by the
  test declarant or by the concentrateur for 98765432109876), since it serves nothing else.

Where the sandbox rightly answers otherwise, ``EXPECTED`` says how and why, case by case.
"""

from __future__ import annotations

import gzip
import http.client
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from coursier.models.returns.listings import format_window_time
from coursier.sandbox.dsn_listings import lenient_window_time
from coursier.sandbox.server import SandboxServer
from tests.contract.recorded import (
    Recording,
    authorization,
    by_number,
    forged_token,
    kind,
    recordings,
    request_body,
    shape,
    token_shape,
)

PLATFORM = "net-entreprises"
#: The recordings' "now": the end of their windows (simulator in UTC).
RECORDED_NOW = datetime(2026, 12, 1, 18, 21, 42, tzinfo=UTC)
DATE = re.compile(r"(?<=/)\d{14}(?=/|$)")
CANNED_FLUX = "abcdefghij"
FORGED_PLACEHOLDER = (
    "<token of another siret: the simulator's xmlresult layout with <siret>99900000300015"
    "</siret> (the SIRET that logged in)>"
)
CANNED_RETURNS = ("65432", "12345")

#: Recordings asked about a flux the sandbox holds instead of the canned ``abcdefghij``: whose.
OWN_FLUX = {
    55: "declarant",
    61: "concentrateur",
    62: "declarant",
    68: "concentrateur",
    70: "declarant",
    91: "declarant",
    92: "declarant",
    98: "concentrateur",
}


@dataclass(frozen=True)
class Differs:
    """How the sandbox rightly answers otherwise than the simulator, and why."""

    reason: str
    status: int | None = None  # the sandbox's status instead: a different answer, only it compared
    status_only: bool = False  # the simulator's framework answered: only the status compared
    realm: str | None = None  # the sandbox's WWW-Authenticate instead
    content_type: str | None = None  # the sandbox's media type instead
    body: bool = True  # False: the body's shape is not compared
    extra: frozenset[str] = field(default_factory=frozenset)  # paths only the sandbox writes
    missing: frozenset[str] = field(default_factory=frozenset)  # paths only the simulator writes


KABOOM = (
    "'kaboom' is the simulator's magic word for a 500; the sandbox treats it as data and "
    "injects its 5xx through the fault board instead (tests/sandbox/test_faults.py)"
)
MSA = (
    "authentifier/2.0 is the MSA's login (régime agricole, identifiant + mot de passe), a "
    "platform the sandbox does not imitate (PROTOCOLS.md §1: MSA is dsnra): no such route"
)
CANNED_EMPTY = (
    "'pasderetours' is a canned flux of the simulator; the sandbox knows only the flux "
    "deposited to it, and publishes each one's AEE at once: an unknown flux is 404"
)
FORGED = (
    "the token is forged in the simulator's layout for 99900000300015: the simulator decodes "
    "it and refuses its SIRET (not registered), the sandbox knows only the tokens it issued "
    "and refuses an unknown one as invalid — a 401 either way, which the client does not renew"
)
FRAMEWORK = (
    "the simulator's framework (RESTEasy on Jetty) answers a body that is not gzip with its own "
    "gzip-compressed HTML page naming the Java exception; the sandbox answers a French sentence"
)
NORM = frozenset({"rapport/envoi/envoi_identification/version_norme"})
NORM_REASON = (
    "the sandbox's AEE names the norm version of the file (S10.G00.00.006), an optional "
    "element of dsn_bilans_v02r03.xsd that the simulator's canned AEE lacks"
)
CATEGORY_REASON = (
    "the sandbox's ARE gives the anomaly's category (categorie, in dsn_bilans_v02r03.xsd) "
    "beside its code and message"
)
RETURN = "retours/flux/retour"
LISTED = Differs(
    "the sandbox's returns carry the url they are downloaded from (PROTOCOLS.md §1; the "
    "simulator's canned ones have none), and neither ops nor delegataire: only the canned "
    "flux klmnopqrs of another organisation has them",
    extra=frozenset({f"{RETURN}/url"}),
    missing=frozenset({f"{RETURN}/ops", f"{RETURN}/delegataire"}),
)
AEE = Differs(NORM_REASON, extra=NORM)
ARE = Differs(
    CATEGORY_REASON, extra=frozenset({"rapport/envoi/envoi_anomalie/description/categorie"})
)

EXPECTED: dict[int, Differs] = {
    15: Differs(KABOOM + ": an unknown identity is a bad login", status=401),
    16: Differs(MSA, status=404),
    17: Differs(MSA, status=404),
    18: Differs(MSA, status=404),
    19: Differs(MSA, status=404),
    20: Differs(MSA, status=404),
    21: AEE,
    22: ARE,
    23: Differs(KABOOM + ": the file is registered (AEE)", status=200),
    27: AEE,
    28: Differs(FRAMEWORK + " (java.io.EOFException)", status_only=True),
    31: AEE,
    32: Differs(FRAMEWORK + " (ZipException)", status_only=True),
    35: Differs(FORGED, realm='DSNLogin realm="Jeton manquant ou invalide"'),
    39: AEE,
    40: ARE,
    41: Differs(KABOOM + ": the file is registered (AEE)", status=200),
    45: AEE,
    55: LISTED,
    56: Differs(CANNED_EMPTY, status=404),
    60: Differs(KABOOM + ": an unknown flux", status=404),
    61: LISTED,
    63: Differs(CANNED_EMPTY, status=404),
    67: Differs(KABOOM + ": an unknown flux", status=404),
    70: LISTED,
    73: Differs(FORGED, realm='DSNLogin realm="Jeton manquant ou invalide"'),
    74: LISTED,
    75: LISTED,
    77: LISTED,
    86: Differs(
        "the window starts a month ahead: the sandbox lists what was published in it, "
        "nothing yet (<retours/>), where the simulator's listing is canned",
        body=False,
    ),
    88: LISTED,
    89: LISTED,
    91: AEE,
    92: Differs(
        "the simulator's canned return 12345 is plain text; the sandbox publishes XML and PDF "
        "returns only, so the AEE it serves instead is application/xml",
        content_type="application/xml",
        body=False,
    ),
    96: Differs(KABOOM + ": an unknown flux", status=404),
    98: AEE,
}


# Sending --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes  # decoded

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def send(
    sandbox: SandboxServer,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
) -> Answer:
    """One request with exactly ``headers`` (plus ``Host`` and ``Content-Length``)."""
    connection = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=10)
    try:
        connection.putrequest(method, f"/{PLATFORM}{path}", skip_accept_encoding=True)
        for name, value in headers.items():
            if name.lower() not in ("host", "content-length"):
                connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        raw = response.read()
        received = {name.lower(): value for name, value in response.getheaders()}
    finally:
        connection.close()
    if received.get("content-encoding") == "gzip" and raw:
        raw = gzip.decompress(raw)
    return Answer(response.status, received, raw)


def replay(sandbox: SandboxServer, recording: Recording, world: World) -> Answer:
    headers = dict(recording.request["headers"])
    filled = authorization(recording, world.tokens)
    if filled is not None:
        assert "<" not in filled, filled  # every placeholder filled
        headers["Authorization"] = filled
    return send(
        sandbox,
        recording.request["method"],
        adapted_path(recording, world, sandbox.clock.now()),
        headers,
        request_body(recording),
    )


def adapted_path(recording: Recording, world: World, now: datetime) -> str:
    path = recording.request["path"]
    whose = OWN_FLUX.get(recording.number)
    if whose is not None:
        path = path.replace(CANNED_FLUX, world.fluxes[whose])
        for canned in CANNED_RETURNS:
            path = path.replace(f"/{canned}", f"/{world.returns[whose]}")
    return DATE.sub(lambda found: _shifted(found.group(0), now), path)


def _shifted(value: str, now: datetime) -> str:
    """The recorded date moved to the sandbox's clock, in the form it was written."""
    recorded = lenient_window_time(value).replace(tzinfo=UTC)  # the simulator's UTC
    moment = now + (recorded - RECORDED_NOW)
    written = format_window_time(moment)
    if value[4:6] > "12":  # month 13: keep the lenient form (recording 86)
        paris = lenient_window_time(written)
        return f"{paris.year - 1}{paris.month + 12:02d}{written[6:]}"
    return written


# The sandbox's world ------------------------------------------------------------------------


@dataclass(frozen=True)
class World:
    tokens: dict[str, str]
    fluxes: dict[str, str]  # whose → idflux deposited to the sandbox
    returns: dict[str, str]  # whose → the id of that flux's AEE


def _login(sandbox: SandboxServer, number: int) -> str:
    recording = by_number(number)
    headers = {"Content-Type": "application/xml"}
    answer = send(sandbox, "POST", "/authentifier/1.0", headers, request_body(recording))
    assert answer.status == 200, answer.body
    return answer.body.decode()


def _deposit(sandbox: SandboxServer, number: int, tokens: dict[str, str]) -> str:
    recording = by_number(number)
    headers = {**recording.request["headers"], "Authorization": authorization(recording, tokens)}
    answer = send(sandbox, "POST", "/deposer-dsn/1.0", headers, request_body(recording))
    assert answer.status == 200, answer.body
    return re.search(rb"<idflux>([^<]+)</idflux>", answer.body).group(1).decode()


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed=11) as sandbox:
        yield sandbox


@pytest.fixture
def world(server: SandboxServer) -> World:
    """A fresh sandbox where the test declarant and the concentrateur (for 98765432109876)
    have each deposited ``sample.dsn`` ten seconds ago, its AEE and BAN published."""
    server.reset()
    tokens = {
        "<token>": _login(server, 1),
        "<concentrateur token>": _login(server, 13),
        FORGED_PLACEHOLDER: forged_token("99900000300015"),
    }
    fluxes = {
        "declarant": _deposit(server, 21, tokens),
        "concentrateur": _deposit(server, 27, tokens),
    }
    server.clock.advance(10)
    state = server.state(PLATFORM)
    returns = {whose: state.returns(idflux)[0].return_id for whose, idflux in fluxes.items()}
    assert [r.nature for r in state.returns(fluxes["declarant"])] == ["10", "11"]
    return World(tokens, fluxes, returns)


# The contract ---------------------------------------------------------------------------------


def _media(value: str | None) -> str | None:
    return value.split(";")[0].strip().lower() if value else None


@pytest.mark.parametrize("recording", recordings(), ids=str)
def test_the_sandbox_answers_like_the_simulator(
    server: SandboxServer, world: World, recording: Recording
) -> None:
    answer = replay(server, recording, world)
    expected = EXPECTED.get(recording.number, Differs(""))
    if expected.status is not None:
        assert (recording.status, answer.status) == (recording.status, expected.status)
        return
    assert answer.status == recording.status, answer.body[:300]
    if expected.status_only:
        return
    recorded = recording.headers
    if recording.body:
        assert _media(answer.header("Content-Type")) == (
            expected.content_type or _media(recorded.get("Content-Type"))
        )
    assert answer.header("Content-Encoding") == recorded.get("Content-Encoding")
    assert (answer.header("Expires") is not None) == ("Expires" in recorded)
    assert answer.header("Accept-Ranges") == recorded.get("Accept-Ranges")
    assert answer.header("WWW-Authenticate") == (expected.realm or recorded.get("WWW-Authenticate"))
    if not (recording.body and expected.body):
        return
    if "body_base64_decoded" in recording.response:  # a login: the token's inside
        assert token_shape(answer.body) == shape(recording.response["body_base64_decoded"].encode())
        return
    assert kind(answer.body) == kind(recording.body)
    want = (shape(recording.body) - expected.missing) | expected.extra
    assert shape(answer.body) == want


def test_every_difference_names_a_recording_and_a_reason() -> None:
    numbers = {r.number for r in recordings()}
    assert len(numbers) == 99
    assert set(EXPECTED) <= numbers
    assert set(OWN_FLUX) <= numbers
    assert all(d.reason.strip() for d in EXPECTED.values())
    # The differences stay the exception: most answers match the simulator's in full.
    assert len(EXPECTED) < len(numbers) / 2


@pytest.mark.parametrize("recording", [r for r in recordings() if "body" in r.request], ids=str)
def test_request_bodies_are_rebuilt_byte_for_byte(recording: Recording) -> None:
    assert len(request_body(recording)) == recording.request["body_length"]


def test_dates_are_shifted_to_the_sandbox_clock() -> None:
    now = datetime(2027, 3, 5, 8, 0, 30, tzinfo=UTC)
    world = World({}, {}, {})
    window = adapted_path(by_number(75), world, now)  # exactly 60 minutes
    assert window == "/lister-retours-declarant/1.0/20270305080030/20270305090030"
    lenient = adapted_path(by_number(86), world, now).rsplit("/", 1)[1]
    assert lenient[4:6] > "12"
    assert lenient_window_time(lenient) > now
