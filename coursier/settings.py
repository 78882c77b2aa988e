"""coursier's settings: one model, read from ``COURSIER_*`` variables at the edge (the CLI,
a flow run started by a deployment) and passed down, so that tasks never read ``os.environ``.

A leaf module at the package's top, below flows and tasks: a flow run by a deployment is an
edge too, and must be able to read the settings without importing the deployments.

``home`` is one folder per user whatever the current directory: the platform's user data
directory by default (``~/.local/share/coursier`` on Linux). The console script resolves it to an
absolute path once, before anything else runs (``deployments/entry.py``).

Secrets do not live here: they are in Prefect Blocks. The one exception is a password inside
``database_url``, which is why that field stays out of the model's ``repr``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from coursier.layout import Layout, default_home


class CoursierSettings(Layout, BaseSettings):
    """Where coursier keeps its local state and which database holds the store."""

    model_config = SettingsConfigDict(env_prefix="COURSIER_", extra="ignore", frozen=True)

    home: Path = Field(default_factory=default_home)
    """Folder of local state: the SQLite store, Prefect's home, the AER, the key file."""

    database_url: str | None = Field(default=None, repr=False)
    """Any SQLAlchemy URL (PostgreSQL for scale); None means a SQLite file under ``home``."""

    deposit_concurrency: int = Field(default=16, ge=1, le=64)
    """How many files are deposited, and how many flux followed, at once."""

    follow_poll_seconds: float = Field(default=2.0, gt=0)
    """How long to wait between two looks at the returns of the files just deposited."""

    arrival_grace_seconds: float = Field(default=120.0, ge=0)
    """After a cut during a deposit, how long the platform's listing may take to show it:
    past this, a deposit it does not list never arrived and may be sent again."""

    claim_lease_seconds: float = Field(default=90.0, gt=0)
    """How long a run's claim on the files it sends outlives its last sign of life: a run
    killed or cut off leaves its files to reconciliation once this has passed. A POST is only
    started with at least half of it left."""

    reconcile_wait_seconds: float = Field(default=180.0, ge=0)
    """How long a deposit run keeps waiting, with nothing else to do, for deposits of unknown
    fate to be reconciled (found at the platform, or known never to have arrived) before it
    leaves the files that wait on them to the next run."""

    queue_per_dossier: bool = True
    """A second deposit run of a dossier waits for the first (a Prefect concurrency limit per
    dossier), as the UI queues it. Off, both run at once: the store's claims still send each
    file once (the tests prove it that way)."""

    pas_concurrency: int = Field(default=16, ge=1, le=64)
    """How many associations' PAS returns are fetched and integrated at once."""

    pas_retry_pause_seconds: float = Field(default=30.0, ge=0)
    """After a first pass over the associations, how long to wait before trying once more
    those whose transfers were still cut (the seed's micro-coupure passes in seconds)."""

    review_timeout_seconds: int = Field(default=3600, ge=1)
    """How long a run paused for a choice in the Prefect UI (the associations to integrate,
    a plan to apply) waits for someone to answer before it fails, saying so."""

    review_poll_seconds: int = Field(default=10, ge=1)
    """How often a paused run looks whether it was resumed."""

    def effective_database_url(self) -> str:
        """The URL to open: ``database_url`` if set, else ``sqlite:///<home>/coursier.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_database.as_posix()}"
