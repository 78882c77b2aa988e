"""The pinned stack must hold together: Prefect's server must import with the FastAPI it resolves
(3.8.8's broke on FastAPI >= 0.151 with ``Body() … 'min_items'``)."""

from __future__ import annotations


def test_prefect_server_imports():
    import prefect
    import prefect.server.api.server as server

    assert prefect.__version__ == "3.9.1"
    assert callable(server.create_app)
