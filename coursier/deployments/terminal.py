"""The console every command prints to: the terminal's width, or a wide page when piped.

Without a terminal (make's output, a file, a test), rich would lay tables out on 80 columns and
fold every message; the control table reads better on a wide page.
"""

from __future__ import annotations

import sys

from rich.console import Console

WIDE = 160


def console() -> Console:
    return Console(width=None if sys.stdout.isatty() else WIDE)
