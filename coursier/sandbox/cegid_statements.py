"""The bank statements of the sandbox's dossiers: the CFONB 120 file each bank sends for a
dossier's CFONB accounts, and what Cegid Flow shows of it (the same, unless a test shifts a
balance or drops a movement on Flow's side to see the check catch it)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from coursier.models import cfonb
from coursier.sandbox.cegid_loop_seed import LoopDossier


def bank_statements(dossier: LoopDossier, day: date) -> list[cfonb.Statement]:
    """One statement per CFONB account of the dossier for ``day``, drawn from its code."""
    rng = random.Random(f"releve:{dossier.code}:{day}")  # noqa: S311 - reproducible
    statements = []
    for bank in dossier.bank_accounts:
        if bank["protocole"] != "CFONB":
            continue
        iban = bank["iban"]
        opening = Decimal(rng.randint(-50_000, 500_000)).scaleb(-2)
        movements = [
            cfonb.Movement(
                line=0,
                operation_code="0501",
                booked_on=day,
                value_on=day + timedelta(days=1),
                label=rng.choice(("VIR CLIENT", "PRLV URSSAF", "CB FOURNISSEUR", "REMISE CHQ")),
                amount=Decimal(rng.randint(-200_000, 200_000)).scaleb(-2),
                reference=f"REF{n:05d}",
            )
            for n in range(rng.randint(1, 12))
        ]
        closing = opening + sum((m.amount for m in movements), Decimal(0))
        statements.append(
            cfonb.Statement(
                iban[4:9], iban[9:14], iban[14:25], "EUR", day, opening, day, closing, movements
            )
        )
    return statements


def shown_by_flow(
    statements: list[cfonb.Statement], shift: Decimal = Decimal(0), lose: int = 0
) -> list[dict[str, Any]]:
    """What Flow shows of them; ``shift`` on the new balances, ``lose`` movements missing."""
    shown = []
    for statement in statements:
        seen = replace(statement, movements=statement.movements[lose:])
        shown.append(
            {
                "compte": seen.account,
                "date": seen.opening_on.isoformat(),
                "ancienSolde": str(seen.opening_balance),
                "nouveauSolde": str((seen.closing_balance or Decimal(0)) + shift),
                "mouvements": len(seen.movements),
            }
        )
    return shown
