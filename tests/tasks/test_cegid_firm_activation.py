"""The firm's Cegid Flow activation while another run makes it: waited for, not a failure of
every dossier of the firm (two inits at once failed all four dossiers of the second one)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from coursier.connectors.errors import TransportError
from coursier.tasks import cegid_init
from coursier.tasks.cegid_sends import SendHeld

FIRM = SimpleNamespace(key="loop:cabinet")


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now


def activations(monkeypatch: pytest.MonkeyPatch, *outcomes: Exception | None) -> list[str]:
    """``activate_firm`` raising each of ``outcomes`` in turn (None: done), then done."""
    calls: list[str] = []
    pending = list(outcomes)

    def activate_firm(run: object, account: SimpleNamespace) -> None:
        calls.append(account.key)
        outcome = pending.pop(0) if pending else None
        if outcome is not None:
            raise outcome

    monkeypatch.setattr(cegid_init, "activate_firm", activate_firm)
    return calls


def test_an_activation_held_by_another_run_is_waited_for(monkeypatch) -> None:
    held = SendHeld("activate_firm de cabinet en cours dans l'exécution A")
    calls = activations(monkeypatch, held, held, None)
    time = FakeTime()
    assert cegid_init.activate_firms(None, [FIRM, FIRM], sleep=time.sleep, clock=time.clock) == {}
    assert calls == [FIRM.key] * 3  # the firm once, looked at until the other run is done
    assert time.now == 2 * cegid_init.FIRM_POLL_SECONDS


def test_an_activation_held_for_too_long_fails_the_firm_saying_why(monkeypatch) -> None:
    held = SendHeld("activate_firm de cabinet en cours dans l'exécution A")
    activations(monkeypatch, *[held] * 1000)
    time = FakeTime()
    failed = cegid_init.activate_firms(None, [FIRM], sleep=time.sleep, clock=time.clock)
    assert failed == {FIRM.key: f"activation de Cegid Flow pour le cabinet impossible : {held}"}
    assert cegid_init.FIRM_WAIT_SECONDS <= time.now < cegid_init.FIRM_WAIT_SECONDS + 1


def test_a_platform_error_fails_the_firm_at_once(monkeypatch) -> None:
    calls = activations(monkeypatch, TransportError("Cegid Loop a répondu 503"))
    time = FakeTime()
    failed = cegid_init.activate_firms(None, [FIRM], sleep=time.sleep, clock=time.clock)
    assert "503" in failed[FIRM.key]
    assert calls == [FIRM.key]
    assert time.now == 0
