"""The server runner and the ``coursier sandbox`` command (a port it cannot take included)."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from rich.console import Console
from typer.testing import CliRunner

from coursier.deployments import sandbox_cli
from coursier.sandbox.server import PortUnavailable, SandboxServer
from tests.sandbox.helpers import PLATFORM, login


def _new_threads(before: set[threading.Thread]) -> set[threading.Thread]:
    """Threads started since ``before`` still alive after a grace second (workers wind down)."""
    deadline = time.monotonic() + 1
    while (new := set(threading.enumerate()) - before) and time.monotonic() < deadline:
        time.sleep(0.01)
    return new


def test_a_free_loopback_port_and_a_clean_stop():
    before = set(threading.enumerate())
    with SandboxServer() as sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:")
        assert sandbox.url("izilio") == f"{sandbox.base_url}/izilio"
        port = sandbox.port
        assert httpx.get(f"{sandbox.url(PLATFORM)}/_sandbox/faults").json() == []
    assert _new_threads(before) == set()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/net-entreprises/_sandbox/faults")
    with pytest.raises(RuntimeError, match="pas démarré"):
        _ = sandbox.base_url


def test_an_unknown_platform_is_named():
    with (
        SandboxServer() as sandbox,
        pytest.raises(KeyError, match=r"une de .*net-entreprises, izilio"),
    ):
        sandbox.url("nulle-part")


@pytest.fixture
def taken_port():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_a_taken_port_is_a_clear_error(taken_port):
    before = set(threading.enumerate())
    with pytest.raises(
        PortUnavailable, match=f"127.0.0.1:{taken_port} .port déjà pris.*autre port"
    ):
        SandboxServer(port=taken_port).start()
    assert _new_threads(before) == set()


@pytest.mark.parametrize("port", [70000, 65536, -1])
def test_a_port_out_of_range_is_a_clear_error(port):
    with pytest.raises(PortUnavailable, match=f"port {port} : un port va de 1 à 65535"):
        SandboxServer(port=port).start()


@pytest.mark.parametrize(
    ("port", "message"),
    [
        ("taken", "127.0.0.1:{port} (port déjà pris) : choisissez un autre port"),
        ("70000", "le port 70000 : un port va de 1 à 65535 (0 : un port libre)"),
    ],
)
def test_the_command_refuses_a_port_it_cannot_take_in_french(taken_port, port, message):
    port = str(taken_port) if port == "taken" else port
    result = CliRunner().invoke(sandbox_cli.app, ["--port", port])
    assert result.exit_code == 2
    assert result.stderr.startswith("--port : le bac à sable ne peut pas écouter sur ")
    assert message.format(port=port) in result.stderr
    assert "Traceback" not in result.output
    assert "Bac à sable coursier" not in result.stdout  # nothing claimed to be served


def test_the_same_seed_gives_the_same_accounts_but_never_the_same_flux_ids():
    first, second = SandboxServer(seed=7), SandboxServer(seed=7)
    names = [a.public() for a in first.state(PLATFORM).accounts()]
    assert names == [a.public() for a in second.state(PLATFORM).accounts()]
    # A restarted sandbox (same seed) must not issue an idflux a ledger already holds.
    issued = {first.state(PLATFORM).new_idflux() for _ in range(50)}
    again = {second.state(PLATFORM).new_idflux() for _ in range(50)}
    assert len(issued) == len(again) == 50
    assert issued.isdisjoint(again)
    first.reset()  # a reset is a restart too
    assert issued.isdisjoint({first.state(PLATFORM).new_idflux() for _ in range(50)})
    assert SandboxServer(seed=8).state(PLATFORM).new_idflux() not in issued


def test_the_command_serves_and_tells_who_can_log_in():
    console = Console(record=True, width=200)
    seen = {}

    def try_it(sandbox):
        with httpx.Client() as client:
            seen["status"] = login(client, sandbox.url(PLATFORM)).status_code

    sandbox_cli.run_sandbox(0, 3, console, try_it)
    output = console.export_text()
    assert seen["status"] == 200
    assert "http://127.0.0.1:" in output
    assert "net-entreprises" in output
    assert "izilio" in output
    assert "99900000300015" in output
    assert "arrêté" in output


def test_the_command_line_options():
    result = CliRunner().invoke(sandbox_cli.app, ["--help"])
    assert result.exit_code == 0
    assert "--port" in result.output
    assert "--seed" in result.output


def test_the_command_runs_until_interrupted(monkeypatch):
    interrupted = []
    monkeypatch.setattr(sandbox_cli, "wait_for_interrupt", lambda: interrupted.append(True))
    result = CliRunner().invoke(sandbox_cli.app, ["--port", "0", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert interrupted == [True]
    assert "graine 2" in result.output
    assert "arrêté" in result.output
