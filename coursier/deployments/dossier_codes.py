"""Dossier codes typed on the command line: an unknown one is an error that names the known
codes it looks like, so a typo or the wrong case never reads as "nothing matches"."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import typer

#: How many look-alikes an error names.
SHOWN = 3


def look_alike(code: str, known: Iterable[str]) -> list[str]:
    """The known codes ``code`` may have meant: the same but for case first, then close ones."""
    known = sorted(known)
    same = [k for k in known if k.casefold() == code.casefold()]
    close = difflib.get_close_matches(code.upper(), known, n=SHOWN, cutoff=0.6)
    return list(dict.fromkeys([*same, *close]))[:SHOWN]


def unknown_message(code: str, known: Iterable[str]) -> str:
    """Why ``code`` is refused, in French, with what it may have meant."""
    alike = look_alike(code, known)
    if alike and alike[0].casefold() == code.casefold():
        hint = f"le code exact est {alike[0]!r} (majuscules et minuscules comptent)"
    elif alike:
        hint = "vouliez-vous dire " + " ou ".join(map(repr, alike)) + " ?"
    else:
        hint = "vérifiez son code (`coursier portfolio list`) ou importez le portefeuille"
    return f"dossier {code!r} inconnu : {hint}"


def check_dossiers(codes: Iterable[str], param_hint: str = "DOSSIER") -> None:
    """Each code names a dossier of the portfolio: said here, exit 2, rather than by a failed
    run or an empty table."""
    codes = list(codes)
    if not codes:
        return
    from coursier.settings import CoursierSettings
    from coursier.store import list_dossiers, open_store

    with open_store(CoursierSettings().effective_database_url()) as store, store.read() as s:
        known = [dossier.code for dossier in list_dossiers(s)]
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise typer.BadParameter(
            " ; ".join(unknown_message(code, known) for code in unknown), param_hint=param_hint
        )
