"""The ``coursier`` console script: settles Prefect's environment before Prefect is imported.

Prefect reads ``PREFECT_HOME`` when it is first imported: set here (unless the user set it), it
keeps every run of ours inside the project's ``var/`` and away from the user's own profile.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from coursier.settings import CoursierSettings

    os.environ.setdefault("PREFECT_HOME", str(CoursierSettings().prefect_home.resolve()))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if sys.argv[1:2] == ["demo"]:
        # The demo speaks to a payroll manager: Prefect's INFO lines stay in the UI's logs.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    from coursier.deployments.cli import app
    from coursier.store.database import StoreUnavailable

    try:
        app()
    except StoreUnavailable as unavailable:  # already says which store and what to do
        print(f"Erreur : {unavailable}", file=sys.stderr)
        raise SystemExit(1) from None
