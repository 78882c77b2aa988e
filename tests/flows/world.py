"""The bureau of the flow tests (the demo's dossiers and declarants) and its files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from coursier.deployments.dsn_month_end import BAKERY, BUREAU, GARAGE, GARAGE_OWN
from coursier.models.dsn import writer
from coursier.models.dsn.records import Record
from coursier.sandbox.documents import ReturnDelays

OPERATOR = "gestionnaire"
OCTOBER = date(2026, 10, 1)
__all__ = [
    "BAKERY",
    "BUREAU",
    "EVERY_RETURN_OUT_S",
    "GARAGE",
    "GARAGE_OWN",
    "OCTOBER",
    "OPERATOR",
    "QUICK",
    "write",
]

QUICK = ReturnDelays(aee=0, bilan=0, crm_nominatif=0.2, crm_financier=0.3, aer=0.2)
#: Past every delay of ``QUICK`` and any listing's Expires: a test moves the sandbox's clock so far.
EVERY_RETURN_OUT_S = 60


def write(folder: Path, name: str, records: list[Record] | object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(writer.write_bytes(records, newline="\r\n"))
    return path
