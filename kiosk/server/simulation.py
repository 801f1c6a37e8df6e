"""The demo's simulated clinic: doctors and nurses who call, serve and finish patients.

``kiosk --demo`` has no staff at the calling stations, so without this the waiting-room display
and the phone pages would stand still. A daemon thread works every queue as station
``simulation`` would: it calls the next patient, sometimes calls again (重呼) because nobody
came, rarely marks a miss (过号), starts the visit and finishes it after a random service time.
It writes through the same queue functions as the REST API, each change in its own write
transaction, and tells the queue bus after the commit so the pages update at once.

Times are a real clinic's (minutes), squeezed by :attr:`ClinicPace.speedup` into wall time so
that a demo moves: at the default pace each queue calls about once every 20–60 s.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable, Set
from dataclasses import dataclass

from kiosk.api.models import EntryState, QueueEntry, QueueView
from kiosk.server import queue
from kiosk.server.db import Connection, Target, connect, write_transaction
from kiosk.server.errors import ApiError
from kiosk.server.queue import Action
from kiosk.server.seed_data import FIXED_PATIENTS

log = logging.getLogger(__name__)

SIMULATION_STATION = "simulation"


@dataclass(frozen=True)
class ClinicPace:
    """How the simulated clinic works: a real clinic's minutes and chances, and how much
    faster than real time they run.

    At the defaults a visit (the walk to the room and 2.5–7 min with the doctor) takes
    21–60 s of wall time, so each queue calls about two patients a minute at most.
    """

    speedup: float = 8.0
    walk_minutes: tuple[float, float] = (0.3, 1.0)  # from the call to 开始就诊
    service_minutes: tuple[float, float] = (2.5, 7.0)  # 开始就诊 to 完成
    recall_chance: float = 0.2  # the called patient does not come at once: 重呼
    miss_chance: float = 0.04  # nobody comes: 过号
    patients_per_queue: int = 3  # put into each room's queue at start: no empty display

    def wall_s(self, span: tuple[float, float], rng: random.Random) -> float:
        """A random duration from ``span`` (minutes), in wall-time seconds."""
        return rng.uniform(*span) * 60.0 / self.speedup

    @property
    def tick_s(self) -> float:
        """How often the clinic looks at its queues: often enough for the shortest step, and
        at most 20 times a second (each look reads every queue)."""
        return max(0.05, min(1.0, self.walk_minutes[0] * 60.0 / self.speedup / 2))


class SimulatedClinic:
    """A daemon thread working the queues of one database; :meth:`start` once, :meth:`stop`.

    ``publish`` gets the ids of the queues a round changed, after the commit (the queue
    bus's ``publish_threadsafe``).
    """

    def __init__(
        self,
        db_path: Target,
        clock: Callable[[], dt.datetime],
        publish: Callable[[Set[str]], None],
        *,
        pace: ClinicPace | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._db_path = db_path
        self._clock = clock
        self._publish = publish
        self.pace = pace or ClinicPace()
        self._rng = rng or random.Random()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._max_recalls = 0  # the hospital's rule, read every round
        self._due: dict[int, float] = {}  # entry id -> when its called/serving step ends
        self._next_call: dict[str, float] = {}  # queue id -> when it may call again

    def start(self) -> None:
        """Put the first patients into the rooms' queues, then work them in the background."""
        if self._thread is not None:
            raise RuntimeError("the simulated clinic runs once")
        conn = connect(self._db_path)
        try:
            admitted = self.admit_patients(conn, self._clock())
        finally:
            conn.close()
        if admitted:
            self._publish(admitted)
        self._thread = threading.Thread(target=self._run, name="simulated-clinic", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Finish the current round and end the thread (idempotent)."""
        self._stopping.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join(timeout_s)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        conn = connect(self._db_path)
        try:
            while not self._stopping.is_set():
                try:
                    changed = self.work(conn, time.monotonic())
                except Exception:  # the demo goes on; the next round starts afresh
                    log.exception("the simulated clinic's round failed")
                    changed = set()
                if changed:
                    self._publish(changed)
                self._stopping.wait(self.pace.tick_s)
        finally:
            conn.close()

    def admit_patients(self, conn: Connection, now: dt.datetime) -> set[str]:
        """Check in today's booked appointments of random demo patients until each room's
        queue has :attr:`ClinicPace.patients_per_queue` waiting; the ids of the queues
        filled. The demo's fixed patients keep their appointments as their scenarios need."""
        fixed = [patient.patient_id for patient in FIXED_PATIENTS]
        filled: set[str] = set()
        day = now.date()
        for summary in queue.list_queues(conn, day).queues:
            department = summary.department
            missing = self.pace.patients_per_queue - summary.waiting
            if department is None or missing <= 0:
                continue
            booked = conn.execute(
                "SELECT id FROM appointments WHERE department_id = ? AND service_date = ? "
                "AND status = 'booked' AND patient_id NOT IN "
                f"({', '.join('?' * len(fixed))}) ORDER BY starts_at, id LIMIT ?",
                (department.id, day.isoformat(), *fixed, missing),
            ).fetchall()
            for appointment in booked:
                with write_transaction(conn):
                    queue.issue_ticket(conn, appointment["id"], now, SIMULATION_STATION)
                filled.add(summary.id)
        return filled

    def work(self, conn: Connection, wall: float) -> set[str]:
        """One round over every queue at wall time ``wall``; the ids of the queues changed."""
        now = self._clock()
        self._max_recalls = queue.load_rules(conn).max_recalls
        changed: set[str] = set()
        current: set[int] = set()
        for summary in queue.list_queues(conn, now.date()).queues:
            if self._stopping.is_set():
                break
            view = queue.queue_view(queue.snapshot(conn, summary.id, now.date()), now)
            current.update(entry.id for entry in view.current)
            if self._work_on(conn, view, wall, now):
                changed.add(summary.id)
        for gone in self._due.keys() - current:  # finished or moved by a station meanwhile
            del self._due[gone]
        return changed

    def _work_on(self, conn: Connection, view: QueueView, wall: float, now: dt.datetime) -> bool:
        queue_id = view.queue.id
        changed = False
        for entry in view.current:
            due = self._due.get(entry.id)
            if due is None:
                span = (
                    self.pace.walk_minutes
                    if entry.state == EntryState.called
                    else self.pace.service_minutes
                )
                self._due[entry.id] = wall + self.pace.wall_s(span, self._rng)
            elif wall >= due:
                del self._due[entry.id]
                changed = self._advance(conn, entry, now) or changed
                self._next_call[queue_id] = wall
        if view.current or not view.waiting:
            return changed
        # The first call of each queue comes at a random moment: the rooms do not call together.
        first = wall + self.pace.wall_s((0.0, self.pace.walk_minutes[1]), self._rng)
        if wall >= self._next_call.setdefault(queue_id, first):
            called = self._write(
                conn, lambda: queue.call_next(conn, queue_id, SIMULATION_STATION, now)
            )
            changed = changed or called is not None
        return changed

    def _advance(self, conn: Connection, entry: QueueEntry, now: dt.datetime) -> bool:
        """The next step of an entry whose wait is over: serve, recall or miss; or finish."""
        if entry.state == EntryState.serving:
            action = Action.finish
        else:
            roll = self._rng.random()
            if roll < self.pace.miss_chance:
                action = Action.miss
            elif (
                roll < self.pace.miss_chance + self.pace.recall_chance
                and entry.recalls < self._max_recalls
            ):
                action = Action.recall
            else:
                action = Action.serve
        done = self._write(conn, lambda: queue.act(conn, entry.id, action, SIMULATION_STATION, now))
        return done is not None

    def _write(self, conn: Connection, change: Callable[[], int]) -> int | None:
        """One change in its own transaction; None when a station got there first."""
        try:
            with write_transaction(conn):
                return change()
        except ApiError as error:
            log.debug("the simulated clinic's step was refused: %s", error)
            return None
