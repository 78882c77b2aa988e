"""coursier's settings: one model, read from ``COURSIER_*`` variables at the edge (the CLI,
a deployment) and passed down, so that tasks never read ``os.environ`` themselves.

Secrets do not live here: they are in Prefect Blocks. The one exception is a password inside
``database_url``, which is why that field stays out of the model's ``repr``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CoursierSettings(BaseSettings):
    """Where coursier keeps its local state and which database holds the store."""

    model_config = SettingsConfigDict(env_prefix="COURSIER_", extra="ignore", frozen=True)

    home: Path = Path("var")
    """Working folder for local state: the SQLite store, Prefect's home."""

    database_url: str | None = Field(default=None, repr=False)
    """Any SQLAlchemy URL (PostgreSQL for scale); None means a SQLite file under ``home``."""

    def effective_database_url(self) -> str:
        """The URL to open: ``database_url`` if set, else ``sqlite:///<home>/coursier.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'coursier.db').as_posix()}"

    @property
    def prefect_home(self) -> Path:
        """``PREFECT_HOME`` for our runs, inside ``home`` so they never touch the user's profile."""
        return self.home / "prefect"
