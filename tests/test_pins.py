"""The pinned stack must hold together: Prefect 3.8.8's server breaks on FastAPI >= 0.151."""

from __future__ import annotations


def test_prefect_server_imports():
    import prefect
    import prefect.server.api.server as server

    assert prefect.__version__ == "3.8.8"
    assert callable(server.create_app)
