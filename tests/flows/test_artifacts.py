"""Artifact keys and the progress artifact of large runs."""

from __future__ import annotations

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterId

from coursier.runkit.artifacts import THRESHOLD, Progress, artifact_key


@flow
def ticking(total: int):
    progress = Progress("essai-progression", total, "essai")
    for _ in range(total):
        progress.tick()
    return progress.artifact_id


def test_artifact_keys_are_what_prefect_accepts():
    assert artifact_key("dsn-control", "CCH_001 Été") == "dsn-control-cch-001-t"


def test_a_large_run_shows_its_progress_up_to_100(prefect_api):
    artifact_id = ticking(THRESHOLD + 50)
    with get_client(sync_client=True) as client:
        [artifact] = client.read_artifacts(
            artifact_filter=ArtifactFilter(id=ArtifactFilterId(any_=[artifact_id]))
        )
    assert artifact.type == "progress"
    assert artifact.data == 100.0


def test_a_small_run_has_no_progress_artifact(prefect_api):
    assert ticking(THRESHOLD - 1) is None
