"""The delivery worker: sender threads per target (claim a leased batch, send, settle), the platform's
case numbers (a thread asking the allocating target, sync/case_numbers.py) and a nightly reconciliation.
Runs inside `yimen server` by default or as its own process (`yimen sync`); in any number
of processes, one worker at a time owns each target (a lease renewed with every claim, see sync/service)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from time import monotonic

from hall_server.core import locks
from hall_server.core.context import Ctx, UnitOfWork
from hall_server.sync import case_numbers, service
from hall_server.sync.backoff import full_jitter
from hall_server.sync.reconcile import reconcile
from hall_server.sync.targets import (
    CaseNumberRefused,
    Outcome,
    Target,
    TransientFailure,
    Verdict,
    build_target,
)
from hall_server.sync.targets.rest import RestTarget

log = logging.getLogger("yimen.sync")


class Signal:
    """Wakes idle sender threads when new events are committed, without missing a wake between checks."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._generation = 0

    def notify(self) -> None:
        with self._condition:
            self._generation += 1
            self._condition.notify_all()

    def generation(self) -> int:
        with self._condition:
            return self._generation

    def wait(self, seen: int, timeout: float) -> None:
        with self._condition:
            self._condition.wait_for(lambda: self._generation != seen, timeout)


@dataclass
class DeliveryWorker:
    uow: UnitOfWork
    owner: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}")
    signal: Signal = field(default_factory=Signal)
    stopping: threading.Event = field(default_factory=threading.Event)
    targets: list[Target] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    # Targets whose last round got no usable answer. Every target starts here, so that a worker started
    # after an outage probes at once instead of waiting out the backoffs it finds in the table.
    failing: set[str] = field(default_factory=set)
    attempted: int = 0  # events this worker has sent (a standby process's stays 0)
    _counting: threading.Lock = field(default_factory=threading.Lock)
    # Case numbers: when the allocator may ask again after the platform failed (monotonic), how often in a
    # row it failed, and per case refused by the platform (refusals, when to ask again)
    numbering_due: float = 0.0
    numbering_failures: int = 0
    refused: dict[int, tuple[int, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A target takes the events of every hall, each with its own hall as source.
        self.hall_uow = replace(self.uow, every_hall=False)  # a case number is stored in the case's hall
        self.uow = self.uow.across_halls()

    def start(self) -> None:
        settings = self.uow.settings
        self.targets = [build_target(config) for config in self.uow.targets]
        self.failing = {target.config.name for target in self.targets}
        for target in self.targets:
            for n in range(settings.sync_concurrency):
                self._spawn(f"sync-{target.config.name}-{n}", self._send_loop, target)
        if self.targets:
            self._spawn("sync-reconcile", self._reconcile_loop)
        allocating = next((t for t in self.targets if t.config.allocates_case_numbers), None)
        if isinstance(allocating, RestTarget):
            self._spawn("sync-case-numbers", self._number_loop, allocating)
        log.info(
            "delivery worker started",
            extra={"owner": self.owner, "targets": [t.config.name for t in self.targets]},
        )

    def _spawn(self, name: str, loop: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=loop, args=args, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def wake(self) -> None:
        self.signal.notify()

    def stop(self) -> None:
        self.stopping.set()
        self.signal.notify()
        for thread in self.threads:
            thread.join(timeout=15)
        for target in self.targets:
            target.close()
        try:  # a standby process takes the streams over at once instead of after their lease
            self.uow.run(self._release_streams)
        except Exception:
            log.warning("could not give the streams back; they pass on when their lease expires")

    def _owns(self, name: str) -> bool:
        """Take or renew the lease on a target's stream: whether this worker owns it now."""
        lease, seconds = service.stream_lease(name), self.uow.settings.sync_lease_seconds
        return self.uow.run(lambda ctx: locks.take_lease(ctx, lease, self.owner, seconds))

    def _release_streams(self, ctx: Ctx) -> None:
        for target in self.targets:
            locks.release_lease(ctx, service.stream_lease(target.config.name), self.owner)

    def _send_loop(self, target: Target) -> None:
        settings = self.uow.settings
        probed_at = 0.0
        while not self.stopping.is_set():
            seen = self.signal.generation()
            try:
                sent = self.run_once(target)
                failing = target.config.name in self.failing
                if not sent and failing and monotonic() - probed_at >= settings.sync_probe_seconds:
                    probed_at = monotonic()
                    self.run_once(target, probe=True)
            except Exception:
                log.exception("delivery round failed; retrying", extra={"target": target.config.name})
                sent = 0
            if not sent:
                self.signal.wait(seen, min(settings.sync_idle_seconds, settings.sync_probe_seconds))

    def run_once(self, target: Target, *, probe: bool = False) -> int:
        """One round: claim, send, settle. Returns how many events were attempted. A probe sends the
        oldest waiting event before its backoff is over, to learn whether a failing target is back."""
        config, settings = target.config, self.uow.settings
        envelopes = self.uow.run(
            lambda ctx: service.claim(
                ctx,
                config.name,
                self.owner,
                1 if probe else config.batch_size,
                settings.sync_lease_seconds,
                probe=probe,
            )
        )
        if envelopes is None:  # another process delivers this target: stand by
            return 0
        if not envelopes:
            if probe:
                self.failing.discard(config.name)  # nothing waits: nothing to learn
            return 0
        with self._counting:
            self.attempted += len(envelopes)
        try:
            outcomes = target.send(envelopes)
            reached = True
        except TransientFailure as exc:
            log.warning(
                "delivery failed; will retry",
                extra={"target": config.name, "events": len(envelopes), "reason": str(exc)[:200]},
            )
            outcomes = [Outcome(e["event_id"], Verdict.RETRY, str(exc)[:500]) for e in envelopes]
            reached = False
        self.uow.run(lambda ctx: service.settle(ctx, config.name, self.owner, outcomes))
        self._note_health(config.name, outcomes, reached)
        dead = [o for o in outcomes if o.verdict is Verdict.DEAD]
        if dead:
            log.error(
                "events refused by the target (dead letters)",
                extra={"target": config.name, "events": [o.event_id for o in dead][:20]},
            )
        return len(envelopes)

    def _note_health(self, name: str, outcomes: list[Outcome], reached: bool) -> None:
        """A target that gives no answer, or only 5xx without a Retry-After, is down: it is probed until it
        answers. Back up and settling events again, what waits out its backoff is made due now. (A 401, a
        429 or an unreadable answer is an answer: those wait out their backoff or Retry-After.)"""
        down = not reached or all(
            o.verdict is Verdict.RETRY and o.reason.startswith("HTTP 5") and o.retry_after is None
            for o in outcomes
        )
        if down:
            self.failing.add(name)
            return
        was_failing = name in self.failing
        self.failing.discard(name)
        self.numbering_due = 0.0  # the platform answers: a waiting case number is asked for at once
        settled = any(o.verdict in (Verdict.DONE, Verdict.DUPLICATE, Verdict.DEAD) for o in outcomes)
        if was_failing and settled:
            hastened = self.uow.run(lambda ctx: service.hasten(ctx, name))
            if hastened:
                log.info("target answers again; backlog due now", extra={"target": name, "events": hastened})
                self.wake()

    def _number_loop(self, target: RestTarget) -> None:
        while not self.stopping.is_set():
            seen = self.signal.generation()
            try:
                numbered = self.number_cases(target)
            except Exception:
                log.exception("case numbering round failed; retrying", extra={"target": target.config.name})
                numbered = 0
            if not numbered:
                self.signal.wait(seen, self.uow.settings.sync_idle_seconds)

    def _backoff(self, attempts: int) -> float:
        """The delivery backoff, capped at the probe interval: a platform back is asked again soon."""
        settings = self.uow.settings
        cap = min(settings.sync_backoff_cap_seconds, settings.sync_probe_seconds)
        return full_jitter(attempts, settings.sync_backoff_base_seconds, cap)

    def number_cases(self, target: RestTarget) -> int:
        """One round: ask the platform for the PROJID of accepted cases without one, store each with its
        event. Only the owner of the target's stream asks (one process); returns how many were stored."""
        config = target.config
        if monotonic() < self.numbering_due:
            return 0
        now = monotonic()
        skip = frozenset(case_id for case_id, (_, due) in self.refused.items() if due > now)
        cases = self.uow.read(lambda ctx: case_numbers.unnumbered(ctx, config.batch_size, skip))
        if not cases or not self._owns(config.name):
            return 0
        numbered = 0
        for item in cases:
            if self.stopping.is_set():
                break
            try:
                case_no = target.allocate_case_no(item.request)
            except TransientFailure as exc:
                self.numbering_failures += 1
                self.numbering_due = monotonic() + self._backoff(self.numbering_failures)
                log.warning(
                    "case number not had; will ask again",
                    extra={"target": config.name, "reason": str(exc)[:200]},
                )
                break
            except CaseNumberRefused as exc:
                count = self.refused.get(item.case_id, (0, 0.0))[0] + 1
                self.refused[item.case_id] = (count, monotonic() + self._backoff(count))
                log.error(
                    "the platform refuses a case number",
                    extra={"target": config.name, "case_id": item.case_id, "reason": str(exc)[:300]},
                )
                continue
            self.numbering_failures = 0
            self.refused.pop(item.case_id, None)
            if self.hall_uow.run(
                partial(case_numbers.store, case_id=item.case_id, case_no=case_no), hall_id=item.hall_id
            ):
                numbered += 1
        if numbered:
            self.wake()  # the cases' held events may leave now
        return numbered

    def _reconcile_loop(self) -> None:
        settings, clock = self.uow.settings, self.uow.clock
        at = time.fromisoformat(settings.sync_reconcile_at)
        look_every = settings.sync_idle_seconds * 10  # short naps: the clock may be changed under us
        now = clock.local()
        run_at = datetime.combine(now.date(), at, now.tzinfo)
        if run_at <= now:
            run_at += timedelta(days=1)
        while not self.stopping.wait(min(max((run_at - clock.local()).total_seconds(), 0), look_every)):
            if clock.local() >= run_at:
                self.reconcile_day(run_at.date() - timedelta(days=1))
                run_at += timedelta(days=1)

    def reconcile_day(self, day: date) -> None:
        """Reconcile each target whose stream this worker owns (the owner does it, once across processes)."""
        for target in self.targets:
            try:
                if not self._owns(target.config.name):
                    continue
                report = self.uow.run(partial(reconcile, target=target, day=day))
            except TransientFailure as exc:
                log.warning(
                    "reconciliation postponed", extra={"target": target.config.name, "reason": str(exc)}
                )
                continue
            log.info(
                "reconciled", extra=report.model_dump(mode="json", exclude={"requeued", "unknown_remote"})
            )
            if report.requeued:
                self.wake()
