"""The Cegid Flow procedure's settings (``COURSIER_CEGID_*``), read once at the flow's edge."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CegidSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COURSIER_CEGID_", extra="ignore", frozen=True)

    concurrency: int = Field(default=16, ge=1, le=64)
    """How many dossiers are onboarded, or watched, at once."""

    load_timeout_seconds: float = Field(default=900.0, ge=0)
    """How long Flow's initial load of a dossier may take before the dossier is failed."""

    load_poll_seconds: float = Field(default=10.0, gt=0)
    """How long to wait between two looks at a dossier's initial load."""

    flag_after: int = Field(default=3, ge=1)
    """A dossier missing changes on this many watched days in a row (today's included) is
    flagged: replays do not bring them back, someone must look."""

    timeout_seconds: float = Field(default=30.0, gt=0)
    """HTTP timeout of one call to Loop."""
