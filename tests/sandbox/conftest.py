"""One sandbox server per test module, reset before each test (its clock only moves forward)."""

from __future__ import annotations

import httpx
import pytest

from coursier.sandbox.server import SandboxServer
from tests.sandbox.helpers import PLATFORM


@pytest.fixture(scope="module")
def server():
    with SandboxServer(seed=0) as running:
        yield running


@pytest.fixture
def sandbox(server):
    server.reset()
    return server


@pytest.fixture
def base(sandbox):
    return sandbox.url(PLATFORM)


@pytest.fixture(scope="module")
def client():
    with httpx.Client(timeout=10) as http:
        yield http
