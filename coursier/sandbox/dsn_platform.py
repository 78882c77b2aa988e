"""One DSN platform (Net-Entreprises or IZILIO): authentication and deposit (PROTOCOLS.md §1).

Answers follow the official simulator's (recordings in ``tests/contract/recordings``):

- ``POST /authentifier/1.0`` (with or without the trailing slash) checks the content type
  (415), ``Accept-Encoding`` (406), the XML (400), the identifiers' limits (422), the account
  (401 realms, 403 locked); the token comes as ``application/octet-stream``, never compressed;
- ``POST /deposer-dsn/{1.0,2.0}`` checks ``Content-Type`` and ``Content-Encoding`` (415),
  ``Accept-Encoding`` (406), the body (400 not gzip — an empty body is not gzip either —,
  422 empty once decompressed), then who calls (401); it records the deposit and answers an AEE
  (200) or an ARE (422: not a DSN, or a SIRET the declarant may not declare for), always
  gzip-compressed, ``application/xml`` in 1.0 and — as the simulator does — the same XML under
  ``application/json`` in 2.0. A concentrateur's deposit is its declarant's.

Error answers are plain French text, and only a 200 carries ``Expires`` (:mod:`.headers`).
Listings and downloads are in :mod:`.dsn_listings`, its inspection routes in
:mod:`.dsn_inspection`. Both platforms register here (:mod:`.registry`), each with its state.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from coursier.models.dsn.blocks import group_blocks
from coursier.models.dsn.checks.checker import check_grouped
from coursier.models.dsn.lines import decoded_lines, tokenize
from coursier.models.returns import writer
from coursier.models.returns.rapport import BLOCKING, ReturnAnomaly
from coursier.models.returns.xml import ReturnParseError, local_name, safe_fromstring, text
from coursier.sandbox import dsn_inspection, dsn_listings
from coursier.sandbox.accounts import LoginRefused, check_login
from coursier.sandbox.documents import (
    NOT_AUTHORISED_CODE,
    NOT_DSN_CODE,
    XML,
    PlannedReturn,
    plan_returns,
    read_deposited,
    starts_with_s10,
)
from coursier.sandbox.headers import AnswerHeaders
from coursier.sandbox.http import (
    Caller,
    PlatformError,
    caller,
    check_accepts_gzip,
    check_version,
    platform,
    platform_error_response,
)
from coursier.sandbox.platform_app import platform_app
from coursier.sandbox.registry import SandboxPlatform, ServerSettings, register
from coursier.sandbox.state import Deposit, PlatformState

#: Field → maximum length of the authentication body (the SIRET is exactly 14 digits).
LIMITS = {"siret": 14, "nom": 64, "prenom": 39, "motdepasse": 30, "service": 2}
#: A deposited file larger than this once decompressed is refused (a gzip bomb guard).
MAX_FILE_SIZE = 512 * 1024 * 1024
#: The rapport's content type per API version: 2.0 announces JSON and sends the XML.
RAPPORT_MEDIA = {"1.0": XML, "2.0": "application/json"}

#: The DSN platforms served, by mount prefix (same protocol, separate state).
DSN_PLATFORMS = ("net-entreprises", "izilio")

router = APIRouter()


def new_state(platform: SandboxPlatform, settings: ServerSettings) -> PlatformState:
    return PlatformState(
        platform.prefix,
        settings.seed,
        settings.clock,
        settings.return_delays,
        settings.token_lifetime_s,
        settings.answer_backoff_s,
        fault_routes=platform.fault_routes,
    )


def create_platform_app(platform: SandboxPlatform, state: PlatformState) -> FastAPI:
    app = platform_app(platform, state)
    app.add_exception_handler(PlatformError, platform_error_response)
    app.add_middleware(AnswerHeaders, state=state)  # outermost: fault answers get a Date too
    return app


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


@router.post("/authentifier/1.0")
@router.post("/authentifier/1.0/")
async def authenticate(request: Request) -> Response:
    if _media_type(request) not in ("application/xml", "text/xml"):
        raise PlatformError(415, "Content-Type attendu : application/xml.")
    check_accepts_gzip(request)
    try:
        root = safe_fromstring(await request.body())
    except ReturnParseError as exc:
        raise PlatformError(400, f"Corps d'authentification illisible : {exc}") from None
    if local_name(root) != "identifiants":
        raise PlatformError(422, "Corps attendu : <identifiants>…</identifiants>.")
    values = {name: text(root, name) or "" for name in LIMITS}
    problems = []
    for name, limit in LIMITS.items():
        if not values[name]:
            problems.append(f"{name} vide")
        elif len(values[name]) > limit:
            problems.append(f"{name} trop long (au plus {limit} caractères)")
    if values["siret"] and not (len(values["siret"]) == 14 and values["siret"].isdigit()):
        problems.append("siret : exactement 14 chiffres")
    if problems:
        raise PlatformError(422, "Identifiants refusés : " + ", ".join(problems) + ".")
    state = platform(request)
    try:
        account = check_login(state.accounts(), **values)
    except LoginRefused as refused:
        headers = (
            {"WWW-Authenticate": refused.refusal.challenge} if refused.refusal.challenge else {}
        )
        raise PlatformError(refused.refusal.status, refused.refusal.message, headers) from None
    token, _ = state.issue_token(account)
    return Response(token, media_type="application/octet-stream")


@router.post("/deposer-dsn/{version}")
@router.post("/deposer-dsn/{version}/")
async def deposit(request: Request, version: str) -> Response:
    check_version(version)
    state = platform(request)
    try:
        data = await _deposited_file(request)
        who = caller(request)
    except ClientDisconnect:  # the body never arrived whole: nothing is recorded
        return Response(status_code=400)
    status, document = await run_in_threadpool(_register, state, who, data, version)
    return Response(
        gzip.compress(document),
        status_code=status,
        media_type=RAPPORT_MEDIA[version],
        headers={"Content-Encoding": "gzip"},
    )


async def _deposited_file(request: Request) -> bytes:
    """The decompressed DSN file of a deposit request, every header and body rule checked."""
    if _media_type(request) != "text/plain":
        raise PlatformError(415, "Content-Type attendu : text/plain (fichier DSN brut).")
    if request.headers.get("content-encoding", "").strip().lower() != "gzip":
        raise PlatformError(415, "Content-Encoding attendu : gzip (fichier compressé).")
    check_accepts_gzip(request)
    body = await request.body()
    if not body:  # the simulator's framework: an empty "gzip" body is not gzip (recording 28)
        raise PlatformError(400, "Corps vide annoncé gzip : aucun fichier DSN reçu.")
    data = _gunzip(body)
    if not data:
        raise PlatformError(422, "Fichier DSN vide une fois décompressé.")
    return data


def _gunzip(body: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    try:
        data = inflater.decompress(body, MAX_FILE_SIZE + 1)
    except zlib.error:
        raise PlatformError(
            400, "Corps annoncé gzip mais illisible : compressez le fichier en gzip."
        ) from None
    if len(data) > MAX_FILE_SIZE:
        raise PlatformError(413, "Fichier trop volumineux une fois décompressé.")
    if not inflater.eof:
        raise PlatformError(
            400, "Corps gzip incomplet : le transfert a été interrompu, rien n'est enregistré."
        )
    return data


def _register(state: PlatformState, who: Caller, data: bytes, version: str) -> tuple[int, bytes]:
    """Record the deposit (its declarant's) with its returns; the status and document to answer
    (AEE or ARE)."""
    account = who.declarant or who.account  # ``caller`` refused a deposit naming no declarant
    # Read as the self-check reads files: ISO-8859-1, LF or CRLF (not str.splitlines, which
    # would also split on \x85 and other characters Latin-1 text may hold).
    lines = [line.rstrip("\r\n") for line in decoded_lines(io.BytesIO(data))]
    # Tokenized and grouped once for both readings: what the returns quote, and the self-check
    # (a file opening with a byte order mark does not start with S10, so it is refused before).
    items = list(tokenize(lines))
    blocks = list(group_blocks(items))
    now = state.clock.now()
    idflux = state.new_idflux()
    file = read_deposited(blocks) if starts_with_s10(lines) else None
    envoi = writer.EnvoiIdentity(
        idflux=idflux,
        sender_siret=(file and file.sender_siret) or account.siret,
        declarant_siret=account.siret,
        declarant_name=account.nom,
        declarant_first_name=account.prenom,
        received_at=now,
        norm_version=file and file.norm,
        test_or_real=file.test_or_real if file else "",  # the simulator's ARE: <essai_reel/>
    )
    rejection = None
    if file is None:
        rejection = ReturnAnomaly(
            NOT_DSN_CODE,
            BLOCKING,
            "Le format du fichier depot_mtom n'est pas reconnu : un fichier DSN commence par "
            "la rubrique S10.G00.00.001.",
        )
    elif file.declared_siret is not None and not account.may_declare_for(file.declared_siret):
        # A file naming no establishment is registered, then refused by its bilan (BAN).
        rejection = ReturnAnomaly(
            NOT_AUTHORISED_CODE,
            BLOCKING,
            f"Le compte {account.siret} n'est pas habilité à déclarer pour le SIRET "
            f"{file.declared_siret} : demandez l'habilitation ou déposez avec le compte de cet "
            "établissement.",
            field="S21.G00.11.001",
            value=file.nic,
        )
    if rejection is not None:
        document = writer.write_are(envoi, [rejection])
        planned = [PlannedReturn("10", "ARE", "KO", state.delays.aee, document)]
    else:
        document = writer.write_aee(envoi)
        report = check_grouped(items, blocks)
        planned = [
            PlannedReturn("10", "AEE", "OK", state.delays.aee, document),
            *plan_returns(file, report, lines, envoi, state.delays, state.issued_rates),
        ]
    deposit = Deposit(
        idflux=idflux,
        received_at=now,
        account_siret=account.siret,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        declared_siret=file.declared_siret if file else None,
        nature=file.nature if file else None,
        status="KO" if rejection else "OK",
        api_version=version,
        concentrateur_siret=who.account.siret if who.is_concentrateur else None,
    )
    state.record_deposit(deposit, planned)
    return (422, document) if rejection else (200, document)


for _prefix in DSN_PLATFORMS:
    register(
        SandboxPlatform(
            prefix=_prefix,
            new_state=new_state,
            create_app=create_platform_app,
            routers=(router, dsn_listings.router),
            inspection=(dsn_inspection.router,),
        )
    )
