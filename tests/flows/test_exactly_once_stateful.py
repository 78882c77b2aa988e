"""Nothing lost, nothing twice, as a property: two runs interleaved at every step of a deposit
(claim, POST, record, reconcile), with cuts, 5xx and 429 switched on and off and runs killed at
any point, against the sandbox over loopback.

Invariants at every step: the platform never holds one file twice (accepted), and the store never
has two unsettled deposits of one group. At the end, faults off and the runs dead, a fresh run
that only reconciles and sends brings every file to the platform exactly once.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from coursier.connectors.errors import ConnectorError
from coursier.connectors.http import RetryPolicy
from coursier.connectors.net_entreprises.client import NetEntreprisesClient
from coursier.deployments.sandbox_world import credentials_for, open_accounts
from coursier.models.accounts import AccountIdentity
from coursier.models.dsn import samples, writer
from coursier.runkit import Run
from coursier.sandbox.faults import Fault, FaultKind
from coursier.sandbox.server import SandboxServer
from coursier.settings import CoursierSettings
from coursier.store import Deposit, open_store
from coursier.store.claims import ClaimOutcome, drop_lease, finish_send, renew_lease
from coursier.store.portfolio import DossierView
from coursier.tasks.accounts import Account
from coursier.tasks.deposits import _post, claim_file
from coursier.tasks.dsn_reading import CheckedFile, read_and_check
from coursier.tasks.reconciling import Reconciler
from tests.flows.world import BAKERY, BUREAU, OCTOBER, QUICK

PLATFORM = "net-entreprises"
FAULTS = {
    "none": None,
    "cut-answer": Fault(route="deposer-dsn", kind=FaultKind.CUT_RESPONSE),
    "cut-request": Fault(route="deposer-dsn", kind=FaultKind.CUT_REQUEST),
    "deposit-503": Fault(route="deposer-dsn", kind=FaultKind.STATUS, status=503, retry_after=0),
    "deposit-429": Fault(route="deposer-dsn", kind=FaultKind.STATUS, status=429, retry_after=0),
    "all-503-half": Fault(route="*", kind=FaultKind.STATUS, status=503, rate=0.5, retry_after=0),
}
LEASE_SECONDS = 600.0  # runs die only when the machine kills them


def files(folder: Path) -> list[CheckedFile]:
    """Two monthly DSN of one group (same SIRET, nature, type) and one signal of another."""
    folder.mkdir(parents=True, exist_ok=True)
    records = [samples.monthly_dsn(BAKERY.employer, OCTOBER, 1, seed=n) for n in range(2)]
    records.append(samples.sick_leave_signal(BAKERY.employer, OCTOBER.replace(day=12), seed=7))
    checked = []
    for index, content in enumerate(records):
        path = folder / f"f{index}.dsn"
        path.write_bytes(writer.write_bytes(content))
        checked += read_and_check(path)
    return checked


@dataclass
class Actor:
    """One run of the deposit flow as the machine drives it, step by step."""

    name: str
    generation: int = 0
    claimed: dict[int, tuple[CheckedFile, int]] | None = None  # file index → (file, row)
    posted: dict[int, tuple[int, tuple]] | None = None  # file index → (row, what the POST gave)

    @property
    def run_id(self) -> str:
        return f"{self.name}-{self.generation}"

    def reset(self) -> None:
        self.claimed, self.posted = {}, {}


def run_of(actor: Actor, store, settings_: CoursierSettings) -> Run:
    return Run("dsn-deposit", settings_, store, actor.run_id, "gestionnaire", "gestionnaire")


class DepositMachine(RuleBasedStateMachine):
    def __init__(self, sandbox: SandboxServer) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.folder = Path(tempfile.mkdtemp(prefix="exactly-once-"))
        self.settings = CoursierSettings(
            home=self.folder, arrival_grace_seconds=0, claim_lease_seconds=LEASE_SECONDS
        )
        self.store = open_store(self.settings.effective_database_url())
        credentials = credentials_for(BUREAU, sandbox.url(PLATFORM), "application", None, PLATFORM)
        self.client = NetEntreprisesClient(
            credentials, retry=RetryPolicy(attempts=2, backoff=0), sleep=lambda _: None
        )
        identity = AccountIdentity(PLATFORM, "test", sandbox.url(PLATFORM), BUREAU.siret)
        self.account = Account(self.client, identity, "net-entreprises--application")
        self.dossier = DossierView(
            code=BAKERY.code,
            name=BAKERY.name,
            siren=BAKERY.employer.siren,
            company_name=BAKERY.name,
            directory_code="PAIE-IDF",
            sirets=(BAKERY.employer.siret,),
            platform=PLATFORM,
        )
        self.files = files(self.folder / "inbox")
        self.actors = [Actor("A"), Actor("B")]

    @initialize()
    def start(self) -> None:
        self.sandbox.reset()
        open_accounts(self.sandbox, [BAKERY], bureau=BUREAU)
        for actor in self.actors:
            self._start(actor)

    def _start(self, actor: Actor) -> None:
        actor.generation += 1
        actor.reset()
        with self.store.begin() as session:
            renew_lease(session, actor.run_id, "dsn-deposit", timedelta(seconds=LEASE_SECONDS))

    def _run(self, actor: Actor) -> Run:
        return run_of(actor, self.store, self.settings)

    @rule(fault=st.sampled_from(sorted(FAULTS)))
    def switch_fault(self, fault: str) -> None:
        board = self.sandbox.state(PLATFORM).faults
        board.clear()
        if FAULTS[fault] is not None:
            board.set(FAULTS[fault])

    @rule(who=st.integers(0, 1), which=st.integers(0, 2))
    def claim(self, who: int, which: int) -> None:
        actor = self.actors[who]
        if which in actor.claimed or which in actor.posted:
            return
        checked = self.files[which]
        claim = claim_file(self._run(actor), self.dossier, self.account, checked)
        if claim.outcome is ClaimOutcome.CLAIMED:
            actor.claimed[which] = (checked, claim.deposit_id)

    @rule(who=st.integers(0, 1), data=st.data())
    def post(self, who: int, data) -> None:
        actor = self.actors[who]
        if not actor.claimed:
            return
        which = data.draw(st.sampled_from(sorted(actor.claimed)))
        checked, deposit_id = actor.claimed.pop(which)
        actor.posted[which] = (deposit_id, _post(self.client, checked))

    @rule(who=st.integers(0, 1), data=st.data())
    def record(self, who: int, data) -> None:
        actor = self.actors[who]
        if not actor.posted:
            return
        which = data.draw(st.sampled_from(sorted(actor.posted)))
        deposit_id, posted = actor.posted.pop(which)
        with self.store.begin() as session:
            finish_send(session, deposit_id, actor.run_id, **posted.changes)

    @rule(who=st.integers(0, 1))
    def reconcile(self, who: int) -> None:
        with contextlib.suppress(ConnectorError):  # no answer: this look decided nothing
            Reconciler(self._run(self.actors[who]), self.account)()

    @rule(who=st.integers(0, 1))
    def kill(self, who: int) -> None:
        """kill -9: the lease is no longer renewed (it runs out), whatever was under way."""
        actor = self.actors[who]
        with self.store.begin() as session:
            drop_lease(session, actor.run_id)
        self._start(actor)

    @invariant()
    def never_twice_at_the_platform(self) -> None:
        counts = self._arrived()
        assert all(count <= 1 for count in counts.values()), counts

    @invariant()
    def never_two_unsettled_of_one_group(self) -> None:
        with self.store.begin() as session:
            slots = session.execute(
                select(Deposit.open_slot, func.count())
                .where(Deposit.open_slot.is_not(None))
                .group_by(Deposit.account_key, Deposit.open_slot)
            ).all()
        assert all(count == 1 for _, count in slots), slots

    def teardown(self) -> None:
        try:
            self._finish()
        finally:
            self.sandbox.state(PLATFORM).faults.clear()
            self.client.close()
            self.store.close()

    def _finish(self) -> None:
        """Faults off, both runs dead; one more run reconciles and sends what is left."""
        self.sandbox.state(PLATFORM).faults.clear()
        for actor in self.actors:
            with self.store.begin() as session:
                drop_lease(session, actor.run_id)
        last = Actor("C")
        self._start(last)
        for _ in range(6):
            Reconciler(self._run(last), self.account)()
            for which in range(len(self.files)):
                self._send_as(last, which)
        counts = self._arrived()
        assert sorted(counts) == sorted(f.sha256 for f in self.files), counts
        assert set(counts.values()) == {1}, counts
        with self.store.begin() as session:
            states = set(session.scalars(select(Deposit.state)))
        assert states == {"deposited"}, states

    def _send_as(self, actor: Actor, which: int) -> None:
        checked = self.files[which]
        claim = claim_file(self._run(actor), self.dossier, self.account, checked)
        if claim.outcome is ClaimOutcome.CLAIMED:
            posted = _post(self.client, checked)
            with self.store.begin() as session:
                finish_send(session, claim.deposit_id, actor.run_id, **posted.changes)

    def _arrived(self) -> Counter[str]:
        deposits = self.sandbox.state(PLATFORM).deposits()
        return Counter(d.sha256 for d in deposits if d.status == "OK")


@pytest.mark.long
def test_two_runs_cuts_5xx_429_and_kills_never_lose_or_duplicate_a_file(tmp_path):
    with SandboxServer(seed=11, return_delays=QUICK) as sandbox:
        machine_settings = settings(
            max_examples=60,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        run_state_machine_as_test(lambda: DepositMachine(sandbox), settings=machine_settings)


def test_the_files_of_the_machine_share_a_group_but_one(tmp_path):
    checked = files(tmp_path)
    groups = Counter((c.siret, c.nature, c.declaration_type) for c in checked)
    assert sorted(groups.values()) == [1, 2]
    assert len({hashlib.sha256(Path(c.path).read_bytes()).hexdigest() for c in checked}) == 3
