"""Writing to Payflip in batches: one Prefect task per batch of creates or updates, never one
per employee.

Creates are exactly-once (DESIGN "Nothing lost, nothing twice"): a batch is claimed in the store
before it is sent (:mod:`coursier.store.hr_sync`). Creates another live run holds are skipped;
those a run that is gone left unsettled are looked up in Payflip by employee number first, and
only those Payflip lacks are sent. A cut, a timeout or a 5xx leaves the batch's fate unknown:
it is read back at once, and what Payflip lacks is sent once more; still unknown, it stays
claimed, and the next run reconciles it before sending anything. A 429 or a refusal means
nothing arrived: the claims are dropped. Updates set fields to values, so the client retries
them. Each batch is audited: what was sent, which run, what came back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import task
from prefect.cache_policies import NO_CACHE

from coursier.connectors.errors import ConnectorError
from coursier.connectors.payflip.errors import WriteOutcomeUnknown
from coursier.models.hr_diff import Update
from coursier.models.hr_employee import WIRE, Employee
from coursier.models.hr_failures import Failure, failure, from_payflip
from coursier.runkit import Run
from coursier.store.claims import live_runs
from coursier.store.hr_sync import claim_creates, release_creates, settle_creates, take_over
from coursier.store.tables import utcnow
from coursier.tasks.hr_activation import Active

#: Employees per create or update request (Payflip takes at most 500).
BATCH = 250


@dataclass(frozen=True)
class Done:
    """An employee synced: ``created``, ``updated`` (``fields``), ``unchanged``, or
    ``reconciled`` (a create of an earlier, cut attempt that Payflip had received)."""

    number: str
    action: str
    fields: tuple[str, ...] = ()


@dataclass
class Written:
    done: list[Done] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    """Creates another live run holds: it writes them, nobody has to act (``in_progress``)."""

    def add(self, other: Written) -> None:
        self.done += other.done
        self.failures += other.failures
        self.skipped += other.skipped


def batches(items: list, size: int = BATCH) -> list[list]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _failed(employee: Employee, code: str, detail: str = "") -> Failure:
    return failure(employee.number, employee.name, employee.email, code, detail)


@task(name="create-employees", cache_policy=NO_CACHE)
def write_creates(run: Run, active: Active, employees: list[Employee]) -> Written:
    """Create one batch of employees in Payflip, exactly once each."""
    by_number = {e.number: e for e in employees}
    with run.store.begin() as session:
        claims = claim_creates(
            session, active.vat, list(by_number), run.flow_run_id, live_runs(session, utcnow())
        )
    written = Written(skipped=[_failed(by_number[n], "in_progress") for n in claims.held])
    send = list(claims.claimed)
    if claims.unsettled:
        found = _reconcile(run, active, [by_number[n] for n in claims.unsettled], written)
        if found is None:  # Payflip cannot be read: they wait for the next run
            unsure = [_failed(by_number[n], "unknown") for n in claims.unsettled]
            written.failures += unsure
        else:
            with run.store.begin() as session:
                lacking = [n for n in claims.unsettled if n not in found]
                send += take_over(session, active.vat, lacking, run.flow_run_id)
    if send:
        _send(run, active, [by_number[n] for n in send], written, again=True)
    return written


def _reconcile(
    run: Run, active: Active, employees: list[Employee], written: Written
) -> set[str] | None:
    """Look ``employees`` up in Payflip by employee number, else by e-mail: those found are
    settled as created; their numbers (None when Payflip could not be read: nothing is known
    of them)."""
    emails = {e.email.lower(): e.number for e in employees if e.email}
    try:
        records = active.payflip.find(
            active.payflip_company, [e.number for e in employees], list(emails)
        )
    except ConnectorError:
        return None
    numbers = {e.number for e in employees}
    found: dict[str, str] = {}
    for record in records:
        number = str(record.get("employeeNumber"))
        if number not in numbers:  # Payflip wrote the number its own way ("123" for "000123")
            ours = emails.get(str(record.get("email") or "").lower(), "")
            number = ours if ours.lstrip("0") == number.lstrip("0") else ""
        if number:  # an address held by someone else is no sign of our create
            found[number] = str(record["id"])
    if found:
        with run.store.begin() as session:
            settle_creates(session, active.vat, found)
            run.audit_in(
                session,
                "payflip.employees.reconciled",
                dossier=active.dossier.code,
                subject=active.key,
                outcome="ok",
                details={"found": sorted(found)},
            )
        written.done += [Done(n, "reconciled") for n in found]
    return set(found)


def _send(
    run: Run, active: Active, employees: list[Employee], written: Written, *, again: bool
) -> None:
    numbers = [e.number for e in employees]
    try:
        results = active.payflip.create(active.payflip_company, [e.wire() for e in employees])
    except WriteOutcomeUnknown as unknown:
        found = _reconcile(run, active, employees, written)
        lacking = [e for e in employees if found is None or e.number not in found]
        if lacking and again and found is not None:
            _send(run, active, lacking, written, again=False)
        else:
            written.failures += [_failed(e, "unknown", unknown.summary) for e in lacking]
        return
    except ConnectorError as error:  # 429 after retries, a refusal: nothing was received
        with run.store.begin() as session:
            release_creates(session, active.vat, numbers, run.flow_run_id)
        written.failures += [_failed(e, "unreachable", error.summary) for e in employees]
        return
    _record_creates(run, active, employees, results, written)


def _record_creates(
    run: Run, active: Active, employees: list[Employee], results: list[dict], written: Written
) -> None:
    created: dict[str, str | None] = {}
    refused: dict[str, dict] = {}
    for employee, result in zip(employees, results, strict=True):
        if result.get("status") == "created":
            created[employee.number] = result.get("id")
        else:
            refused[employee.number] = result
    with run.store.begin() as session:
        settle_creates(session, active.vat, created)
        release_creates(session, active.vat, refused, run.flow_run_id)
        run.audit_in(
            session,
            "payflip.employees.created",
            dossier=active.dossier.code,
            subject=active.key,
            outcome="ok" if not refused else "partial",
            details={
                "created": sorted(created),
                "refused": {n: r.get("code") for n, r in refused.items()},
            },
        )
    by_number = {e.number: e for e in employees}
    written.done += [Done(n, "created") for n in created]
    written.failures += [
        _failed(by_number[n], from_payflip(r.get("code")), str(r.get("message") or ""))
        for n, r in refused.items()
    ]


@task(name="update-employees", cache_policy=NO_CACHE)
def write_updates(run: Run, active: Active, updates: list[Update]) -> Written:
    """Set the changed fields of one batch of employees in Payflip."""
    rows = [
        {"id": u.payflip_id, "fields": {WIRE[f]: getattr(u.employee, f) for f in u.fields}}
        for u in updates
    ]
    written = Written()
    try:
        results = active.payflip.update(active.payflip_company, rows)
    except ConnectorError as error:
        written.failures += [_failed(u.employee, "unreachable", error.summary) for u in updates]
        return written
    refused = {}
    for change, result in zip(updates, results, strict=True):
        if result.get("status") == "updated":
            written.done.append(Done(change.employee.number, "updated", change.fields))
        else:
            refused[change.employee.number] = result.get("code")
            detail = str(result.get("message") or "")
            code = from_payflip(result.get("code"))
            written.failures.append(_failed(change.employee, code, detail))
    run.audit(
        "payflip.employees.updated",
        dossier=active.dossier.code,
        subject=active.key,
        outcome="ok" if not refused else "partial",
        details={
            "updated": {d.number: list(d.fields) for d in written.done},
            "refused": refused,
        },
    )
    return written
