"""The M2M deposit modules a switch governs, and which module a DSN nature belongs to.

The M2M seed lets each operator turn machine-to-machine deposit on or off separately for the
monthly DSN, the event signals (sick leave, return to work, …) and the end-of-contract FCTU.
"""

from __future__ import annotations

from typing import Literal, get_args

M2MModule = Literal["dsn", "signalement", "fctu"]
M2M_MODULES: tuple[M2MModule, ...] = get_args(M2MModule)

# S20.G00.05.001: 01 monthly, 09 substitution of a monthly DSN; 04/05/08/10 event signals
# (sick leave, return to work, end of contract without FCTU, DPAE); 07 FCTU.
_MODULE_OF_NATURE: dict[str, M2MModule] = {
    "01": "dsn",
    "09": "dsn",
    "04": "signalement",
    "05": "signalement",
    "08": "signalement",
    "10": "signalement",
    "07": "fctu",
}


def module_of_nature(nature: str) -> M2MModule:
    """The M2M module of a declaration nature (S20.G00.05.001); ValueError for an unknown one."""
    try:
        return _MODULE_OF_NATURE[nature]
    except KeyError:
        known = ", ".join(sorted(_MODULE_OF_NATURE))
        raise ValueError(
            f"nature de déclaration {nature!r} inconnue pour le dépôt M2M (natures connues : "
            f"{known})"
        ) from None
