"""Usage errors said in French: click's messages translated, shown without rich markup.

typer (its bundled click) words usage errors in English (« No such option », « Missing
argument », « Invalid value for … », « … does not exist »); :func:`french` rewrites the common
ones through :data:`TRANSLATIONS`, and :func:`show` prints an error as coursier does: the usage
line, « Erreur : … » and where to find help, on standard error. What the user typed is printed as
plain text, never read as markup.
"""

from __future__ import annotations

import re
import sys

from typer import _click

#: (click's wording, ours), applied in this order to the whole message.
TRANSLATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), french)
    for pattern, french in (
        (r"^No such option: (.+?)(?= \(Possible|$)", r"option inconnue : \1"),
        (r"\(Possible options: (.+)\)$", r"(options possibles : \1)"),
        (r"^No such command '(.+)'\.", r"commande inconnue : « \1 »."),
        (r" ?Did you mean (.+)\?$", r" Vouliez-vous dire \1 ?"),
        (r"^Missing command\.", "commande manquante : voyez --help."),
        (r"^Missing argument '(.+)'\.", r"argument manquant : \1."),
        (r"^Missing option '(.+)'\.", r"option manquante : \1."),
        (r"^Missing parameter: (.+)", r"paramètre manquant : \1"),
        (r"^Option '(.+)' requires an argument\.", r"l'option \1 attend une valeur."),
        (r"^Option '(.+)' requires (\d+) arguments\.", r"l'option \1 attend \2 valeurs."),
        (r"^Option '(.+)' does not take a value\.", r"l'option \1 ne prend pas de valeur."),
        (r"^Got unexpected extra arguments? \((.+)\)", r"argument(s) en trop : \1"),
        (r"^Invalid value for (.+?): ", r"valeur invalide pour \1 : "),
        (r"^Invalid value: ", "valeur invalide : "),
        (
            r"(?i:\b(?:File|Path)) '(.+)' does not exist\.",
            r"« \1 » introuvable : vérifiez le chemin.",
        ),
        (r"(?i:\bDirectory) '(.+)' does not exist\.", r"dossier « \1 » introuvable."),
        (
            r"(?i:\b(?:File|Path)) '(.+)' is a directory\.",
            r"« \1 » est un dossier, pas un fichier.",
        ),
        (r"(?i:\bDirectory) '(.+)' is a file\.", r"« \1 » est un fichier, pas un dossier."),
        (r"(?i:\b(?:File|Directory|Path)) '(.+)' is not readable\.", r"« \1 » : lecture refusée."),
        (r"(?i:\b(?:File|Directory|Path)) '(.+)' is not writable\.", r"« \1 » : écriture refusée."),
        (r"(.+) is not one of (.+)\.$", r"\1 n'est pas parmi \2."),
        # typer checks values with pydantic, which says so in its own words:
        (r"\bValue error, ", ""),
        (r"\bInput should be a valid integer\b.*", "un nombre entier est attendu."),
        (r"\bInput should be a valid number\b.*", "un nombre est attendu."),
        (r"\bInput should be greater than or equal to (\S+)", r"hors des bornes : \1 au moins"),
        (r"\bInput should be less than or equal to (\S+)", r"hors des bornes : \1 au plus"),
        (r"\bInput should be a valid (?:datetime|date)\b.*", "date attendue : AAAA-MM-JJ[THH:MM]."),
        (r"^'(.*)' is not a valid (integer|float|int)\.?", r"« \1 » n'est pas un nombre."),
        (r"(.+) is not in the range (.+)\.$", r"\1 hors des bornes \2."),
    )
)


def french(message: str) -> str:
    """click's wording of a usage error, in French where :data:`TRANSLATIONS` knows it."""
    for pattern, replacement in TRANSLATIONS:
        message = pattern.sub(replacement, message)
    return message


def show(error: _click.ClickException) -> None:
    """Print a usage (or click) error on standard error, in French, as plain text."""
    context = getattr(error, "ctx", None)
    lines = []
    if context is not None:
        lines.append(context.get_usage().replace("Usage:", "Usage :", 1))
    lines.append(f"Erreur : {french(error.format_message())}")
    if context is not None and context.command.get_help_option(context) is not None:
        lines.append(f"Aide : {context.command_path} {context.help_option_names[0]}")
    print("\n".join(lines), file=sys.stderr)
