"""One temporary Prefect API for every test that saves Blocks, however many folders use it.

Each folder's conftest cannot share a fixture with another folder's, and a second
``prefect_test_harness`` would cost another ~10 s: :func:`shared_prefect_api` starts the harness
for its first user and stops it after its last.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from prefect.settings import PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
from prefect.testing.utilities import prefect_test_harness

_harness = ExitStack()
_users = 0


@contextmanager
def shared_prefect_api() -> Iterator[None]:
    global _users
    if _users == 0:
        _harness.enter_context(temporary_settings({PREFECT_SERVER_ANALYTICS_ENABLED: False}))
        _harness.enter_context(prefect_test_harness(server_startup_timeout=60))
    _users += 1
    try:
        yield
    finally:
        _users -= 1
        if _users == 0:
            _harness.close()


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """The shared API; import it into a test module and ``usefixtures("prefect_api")``."""
    with shared_prefect_api():
        yield
