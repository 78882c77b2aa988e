"""The DSN self-check ("autocontrôle"): every anomaly a file has before it may be deposited.

Anomalies use the vocabulary of the official checker (DSN-Val) and of the ``gipmds:rapport``
returns: a severity, ``bloquant`` or ``non-bloquant``, and a control family in the code —
CST structure, CSL length and format, CCH consistency. Nothing may be deposited while a
blocking anomaly remains.
"""

from coursier.models.dsn.checks.anomalies import Anomaly, Severity
from coursier.models.dsn.checks.checker import CheckReport, check_lines, check_stream
from coursier.models.dsn.checks.lot import DeclarationCheck, LotReport, check_document

__all__ = [
    "Anomaly",
    "CheckReport",
    "DeclarationCheck",
    "LotReport",
    "Severity",
    "check_document",
    "check_lines",
    "check_stream",
]
