"""Where coursier keeps what under its home: one layout, read by the settings and by the console
script before anything heavy is imported (no pydantic here: ``coursier dsn check`` starts in a
fraction of a second)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs


def default_home() -> Path:
    """The user's data directory for coursier, the same from any current directory."""
    return Path(platformdirs.user_data_dir("coursier", appauthor=False))


class Layout:
    """The folders and files under ``self.home`` (given by the class that mixes it in)."""

    home: Path

    @property
    def aer_folder(self) -> Path:
        """Where the AER of end-of-contract signals are collected, by dossier and month."""
        return self.home / "aer"

    @property
    def sqlite_database(self) -> Path:
        """The store when no database URL is given."""
        return self.home / "coursier.db"

    @property
    def prefect_home(self) -> Path:
        """``PREFECT_HOME`` for our runs, inside ``home`` so they never touch the user's profile."""
        return self.home / "prefect"

    @property
    def encryption_key_file(self) -> Path:
        """Where Prefect's block encryption key is kept: beside Prefect's home, never inside
        it, so that a copy of Prefect's database alone decrypts nothing."""
        return self.home / "secrets" / "prefect-encryption.key"


@dataclass(frozen=True)
class HomeLayout(Layout):
    """The layout of one home, without reading any setting."""

    home: Path
