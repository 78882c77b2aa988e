"""What a run leaves in the Prefect UI: tables with stable keys, a markdown summary, and a
progress artifact for runs that handle hundreds of items (DESIGN.md).

Below the progress threshold a run is over before anyone looks, and the updates would only cost
calls.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from prefect.artifacts import (
    create_markdown_artifact,
    create_progress_artifact,
    create_table_artifact,
    update_progress_artifact,
)

#: Runs with at least this many items get a progress artifact.
THRESHOLD = 200
#: Percentage points between two updates sent to the API.
STEP = 5.0


def artifact_key(*parts: str) -> str:
    """A Prefect artifact key: lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def publish_table(key: str, rows: Iterable[Mapping[str, Any]], description: str) -> None:
    """A table artifact, one dict a row, under a stable key (the screen users know)."""
    create_table_artifact(
        key=artifact_key(key), table=[dict(r) for r in rows], description=description
    )


def publish_summary(
    key: str, title: str, lines: Iterable[str], states: Counter[str], todo: Iterable[str] = ()
) -> None:
    """A short markdown summary of a run: counts by state, what people must do (``todo``, when
    anything), then one line per item."""
    counts = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    steps = "".join(f"- {line}\n" for line in todo)
    todo_section = f"## À faire\n\n{steps}\n" if steps else ""
    body = "\n".join(f"- {line}" for line in lines)
    create_markdown_artifact(
        key=artifact_key(key), markdown=f"# {title}\n\n{counts}\n\n{todo_section}{body}\n"
    )


class Progress:
    """Counts finished items; sends the percentage every ``STEP`` points.

    Call :meth:`tick` from a thread that runs in the flow's Prefect context.
    """

    def __init__(self, key: str, total: int, description: str) -> None:
        self.total = total
        self.done = 0
        self.sent = 0.0
        self.artifact_id = (
            create_progress_artifact(0.0, key=key, description=description)
            if total >= THRESHOLD
            else None
        )

    def tick(self) -> None:
        self.done += 1
        percent = 100.0 * self.done / self.total
        if self.artifact_id is None or (percent - self.sent < STEP and self.done < self.total):
            return
        self.sent = percent
        update_progress_artifact(self.artifact_id, percent)
