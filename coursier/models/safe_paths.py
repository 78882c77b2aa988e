"""User data that ends up in file paths and names: codes that are safe to use there, and paths
that stay inside their folder.

A dossier's code names its AER folder (``var/aer/<dossier>/…``) and its credentials; a code such
as ``../../../x`` once wrote outside ``var/aer``. Two guards, one at each end:

- :func:`safe_name` refuses, when the portfolio is read, what could leave a folder or fool a
  terminal: path separators, ``..``, control characters, markup brackets, overlong codes;
- :func:`inside` builds a path from user data and refuses, when it is written, any result
  outside the folder, after resolving ``..`` and symbolic links (a code stored before the first
  guard existed, a hostile name from a platform).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

MAX_NAME_LENGTH = 64
# "/" and "\" separate folders (the latter on Windows, and in a path a user copies from it);
# [ ] are rich's markup. Unicode's "C" categories (controls, formats such as the bidirectional
# overrides, unassigned) move the cursor or hide and reorder text in a terminal.
_UNSAFE_CHARACTERS = frozenset("/\\[]")


class UnsafePath(ValueError):
    """A path built from user data would leave its folder."""


def safe_name(value: str) -> str:
    """``value`` if it can name a file, a folder and a Prefect block; ``ValueError`` saying why
    and what to do otherwise."""
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(
            f"{len(value)} caractères, {MAX_NAME_LENGTH} au plus : raccourcissez le code"
        )
    found = next((c for c in value if c in _UNSAFE_CHARACTERS or _is_control(c)), None)
    if found is not None or ".." in value:
        shown = repr(found) if found is not None else "'..'"
        raise ValueError(
            f"le code {value!r} contient {shown} : un code nomme des dossiers et des "
            "identifiants, il ne doit contenir ni « / », ni « \\ », ni « .. », ni crochet "
            "[ ], ni caractère de contrôle ; gardez lettres, chiffres, tirets, points et espaces"
        )
    return value


def _is_control(character: str) -> bool:
    return unicodedata.category(character).startswith("C")


def inside(folder: Path, *parts: str) -> Path:
    """``folder`` joined with ``parts``, resolved (``..`` and symbolic links followed);
    :class:`UnsafePath` when the result is not inside ``folder`` (the folder itself included:
    a path from user data always names something in it)."""
    try:
        base = Path(folder).resolve()
        target = base.joinpath(*parts).resolve()
    except (ValueError, OSError, RuntimeError):  # a NUL byte; a symlink loop (3.11)
        why = "chemin illisible : caractère nul ou liens symboliques en boucle"
        raise UnsafePath(_escape_message(folder, parts, why)) from None
    if target == base or not target.is_relative_to(base):
        raise UnsafePath(_escape_message(folder, parts, f"il mène à {target}"))
    return target


def _escape_message(folder: Path, parts: tuple[str, ...], why: str) -> str:
    return (
        f"le chemin {'/'.join(parts)!r} sortirait du dossier {folder} ({why}) : rien n'est "
        "écrit ; corrigez le code du dossier dans le portefeuille (lettres, chiffres, tirets)"
    )
