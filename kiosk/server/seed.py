"""A deterministic demo hospital: departments, doctors, a week of sessions, 200 patients.

Everything is drawn from ``random.Random(SEED)`` over the tables of :mod:`kiosk.server.seed_data`,
so the same ``now`` gives the same database. Appointment times are relative to ``now`` so the
demo works at any hour; a few fixed patients (``DEMO_IDENTITIES``) exercise each check-in
outcome. Near midnight the "today" clamping can make a scenario drift (e.g. ``too_late`` is not
late yet in the first half hour of the day).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from dataclasses import dataclass

from kiosk.api.models import IdentifierKind, ReportKind
from kiosk.identity import is_valid_resident_id
from kiosk.server import insurance_platform
from kiosk.server.db import (
    DEFAULT_MINUTES_PER_PATIENT,
    Connection,
    add_kiosk,
    insert_appointment,
    to_db_time,
    write_transaction,
)
from kiosk.server.insight.history import seed_history
from kiosk.server.payments import PHARMACY_WINDOWS
from kiosk.server.queue import (
    LAB_QUEUE_ID,
    Action,
    act,
    area_id,
    issue_ticket,
    pharmacy_queue_id,
)
from kiosk.server.reports import add_report
from kiosk.server.schema import INSURANCE_VERSION, REPORTS_VERSION, schema_version
from kiosk.server.seed_data import (
    DEPARTMENTS,
    DOCTOR_TITLES,
    FACILITIES,
    FEMALE_GIVEN_NAMES,
    FIXED_INSURANCE,
    FIXED_PATIENTS,
    GENERAL_CLINIC,
    GENERAL_CLINIC_DOCTORS,
    GENERAL_CLINIC_HOURS,
    INSURANCE_SHARE_PERCENT,
    MALE_GIVEN_NAMES,
    PHONE_PREFIXES,
    PRICES,
    REGIONS,
    SCENARIO_BILLS,
    SCENARIO_REPORTS,
    SESSION_HOURS,
    SPECIAL_NAMES,
    SURNAMES,
    VOUCHER_SCENARIOS,
    complete_resident_id,
    random_insurance,
)
from kiosk.server.stations import hash_password

# The demo's e-voucher codes stay valid for years: the demo cards show them.
VOUCHER_DEMO_LIFETIME = dt.timedelta(days=3650)
EXPIRED_VOUCHER_SALT = "expired"  # demo_voucher(patient, salt=...) of the expired code

SEED = 20240607
DEMO_KIOSK_ID = "demo-kiosk"
DEMO_TOKEN = "demo-token"
DEMO_STATION_PASSWORD = "demo"  # every demo station's; a hospital sets its own (add-station)
# A seeded ticket that is already called was called this long after it was issued, and a done
# one took this long with the doctor.
SEED_CALL_AFTER = dt.timedelta(minutes=5)
SEED_SERVICE_TIME = dt.timedelta(minutes=8)
PATIENT_COUNT = 200

# Random patients are pat-0010 … pat-0200; a fixed patient with an id in that range (the
# later scenarios) replaces the random one, whose draws are still made so that adding a
# scenario leaves every other random patient and appointment as it was.
_FIRST_RANDOM = 10

_PRICE_BY_CODE = {price.code: price for price in PRICES}


@dataclass(frozen=True)
class DemoIdentity:
    """How to identify one fixed demo patient, and what their visit looks like."""

    scenario: str
    kind: IdentifierKind
    value: str
    description_en: str


DEMO_IDENTITIES: dict[str, DemoIdentity] = {
    p.scenario: DemoIdentity(p.scenario, p.kind, p.value, p.description_en) for p in FIXED_PATIENTS
}


def demo_station_id(queue_id: str) -> str:
    """The demo station of a queue: ``dep-int`` calls ``q-dep-int``."""
    return queue_id.removeprefix("q-")


def _department_id(code: str) -> str:
    return f"dep-{code.lower()}"


class _Builder:
    def __init__(self, conn: Connection, now: dt.datetime) -> None:
        self.conn = conn
        self.now = now
        self.today = now.date()
        self.rng = random.Random(SEED)
        # The seeded tickets' phone-page tokens: deterministic like the rest of the demo (its
        # own generator, so the other draws stay as they were).
        self.token_rng = random.Random(SEED + 3)
        self.doctors_by_dep: dict[str, list[str]] = {}
        self.doctor_rows: list[tuple[str, str, str, str, str, str, str]] = []
        self.sessions: list[tuple[str, str, dt.datetime, dt.datetime]] = []  # id, doc, start, end
        self.used: dict[str, set[str]] = {
            "id": set(),
            "phone": set(),
            "si": set(),
            "hc": set(),
            "qr": set(),
        }
        self.next_appointment = 1
        self.to_check_in: list[tuple[dt.datetime, str, str]] = []  # issued_at, appt id, status
        self.next_bill = 1

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.now.tzinfo)

    def today_at_offset(self, minutes: int) -> dt.datetime:
        """now + minutes, kept inside today."""
        start = dt.datetime.combine(self.today, dt.time(0, 0), tzinfo=self.now.tzinfo)
        latest = start + dt.timedelta(hours=23, minutes=59)
        value = self.now + dt.timedelta(minutes=minutes)
        return min(max(value, start), latest).replace(second=0, microsecond=0)

    # --- hospital ---------------------------------------------------------------------------

    def departments(self) -> None:
        rows = []
        for sort, d in enumerate(DEPARTMENTS):
            rows.append(
                (_department_id(d.code), d.code, d.name, d.name_en, d.description,
                 d.description_en, d.hint, d.hint_en, d.building, d.building_en, d.floor, d.room,
                 d.directions, d.directions_en,
                 d.minutes_per_patient or DEFAULT_MINUTES_PER_PATIENT, sort)
            )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO departments (id, code, name, name_en, description, description_en, "
            "hint, hint_en, building, building_en, floor, room, directions, directions_en, "
            "minutes_per_patient, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def person_name(self, gender: str, rng: random.Random | None = None) -> tuple[str, str]:
        rng = rng or self.rng
        surname, surname_en = rng.choice(SURNAMES)
        given, given_en = rng.choice(MALE_GIVEN_NAMES if gender == "male" else FEMALE_GIVEN_NAMES)
        return surname + given, f"{surname_en} {given_en}"

    def doctors(self) -> None:
        rows = []
        number = 1
        for d in DEPARTMENTS:
            dep_id = _department_id(d.code)
            for index in range(d.doctors):
                gender = self.rng.choice(("male", "female"))
                name, name_en = self.person_name(gender)
                title, title_en, _, level = (
                    DOCTOR_TITLES[0] if index == 0 else self.rng.choice(DOCTOR_TITLES[1:])
                )
                doctor_id = f"doc-{number:03d}"
                number += 1
                rows.append((doctor_id, dep_id, name, name_en, title, title_en, level.value))
                self.doctors_by_dep.setdefault(dep_id, []).append(doctor_id)
        self.conn.executemany(
            "INSERT INTO doctors (id, department_id, name, name_en, title, title_en, "
            "clinic_level) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.doctor_rows = rows

    def sessions_for_week(self) -> None:
        fees = {doctor.title: doctor.fee_cents for doctor in DOCTOR_TITLES}
        rows = []
        for offset in range(7):
            day = self.today + dt.timedelta(days=offset)
            for doctor_id, dep_id, _, _, title, _, _ in self.doctor_rows:
                for period, h1, m1, h2, m2 in SESSION_HOURS:
                    if dep_id != _department_id("ER") and self.rng.random() < 0.3:
                        continue
                    start, end = self.at(day, h1, m1), self.at(day, h2, m2)
                    total = self.rng.choice((20, 24, 30, 40))
                    left = self.rng.randint(0, total)
                    session_id = f"ses-{day:%Y%m%d}-{doctor_id}-{period[0]}"
                    rows.append(
                        (session_id, doctor_id, dep_id, day.isoformat(), period,
                         to_db_time(start), to_db_time(end), total, left, fees[title])
                    )  # fmt: skip
                    self.sessions.append((session_id, doctor_id, start, end))
        self.conn.executemany(
            "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
            "starts_at, ends_at, slots_total, slots_left, fee_cents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    # --- patients ---------------------------------------------------------------------------

    def unique(self, kind: str, make: str) -> bool:
        if make in self.used[kind]:
            return False
        self.used[kind].add(make)
        return True

    def resident_id(self, gender: str) -> tuple[str, dt.date]:
        while True:
            birth = dt.date(1935, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 365 * 88))
            birth = min(birth, self.today - dt.timedelta(days=200))
            seq = self.rng.randrange(0, 500) * 2 + (1 if gender == "male" else 0)
            first17 = f"{self.rng.choice(REGIONS)}{birth:%Y%m%d}{seq:03d}"
            value = complete_resident_id(first17)
            if is_valid_resident_id(value) and self.unique("id", value):
                return value, birth

    def random_digits(self, count: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(count))

    def patients(self) -> None:
        rows = []
        for p in FIXED_PATIENTS:
            for kind, value in (
                ("id", p.id_number),
                ("phone", p.phone),
                ("si", p.insurance_card),
                ("hc", p.patient_card),
                ("qr", p.health_qr),
            ):
                assert self.unique(kind, value), value
            birth = dt.date(
                int(p.id_number[6:10]), int(p.id_number[10:12]), int(p.id_number[12:14])
            )
            rows.append(
                (p.patient_id, p.name, p.gender, birth.isoformat(), p.id_number, p.phone,
                 p.insurance_card, p.patient_card, p.health_qr)
            )  # fmt: skip
        specials = list(SPECIAL_NAMES)
        fixed_ids = {p.patient_id for p in FIXED_PATIENTS}
        for number in range(_FIRST_RANDOM, PATIENT_COUNT + 1):
            if specials and number % 20 == 0:
                name, gender = specials.pop()
            else:
                gender = self.rng.choice(("male", "female"))
                name = self.person_name(gender)[0]
            id_number, birth = self.resident_id(gender)
            phone = ""
            while not phone or not self.unique("phone", phone):
                phone = self.rng.choice(PHONE_PREFIXES) + self.random_digits(8)
            si = ""
            while not si or not self.unique("si", si):
                si = "SI" + id_number[:6] + self.random_digits(8)
            hc = ""
            while not hc or not self.unique("hc", hc):
                hc = "HC" + str(self.rng.randint(2, 9)) + self.random_digits(7)
            qr = ""
            while not qr or not self.unique("qr", qr):
                qr = f"EHC:{self.rng.getrandbits(96):024x}"
            if f"pat-{number:04d}" in fixed_ids:
                continue  # drawn, but replaced by the fixed patient
            rows.append(
                (f"pat-{number:04d}", name, gender, birth.isoformat(), id_number, phone,
                 si, hc, qr)
            )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO patients (id, name, gender, birth_date, id_number, phone, "
            "insurance_card, patient_card, health_qr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    # --- appointments -----------------------------------------------------------------------

    def appointment(
        self,
        patient_id: str,
        doctor_id: str,
        starts_at: dt.datetime,
        *,
        status: str = "booked",
        session_id: str | None = None,
    ) -> str:
        appointment_id = f"apt-{self.next_appointment:05d}"
        self.next_appointment += 1
        insert_appointment(
            self.conn,
            appointment_id=appointment_id,
            patient_id=patient_id,
            doctor_id=doctor_id,
            starts_at=starts_at,
            status=status,
            session_id=session_id,
        )
        return appointment_id

    def checked_in(
        self, patient_id: str, doctor_id: str, starts_at: dt.datetime, ticket_status: str
    ) -> None:
        appointment_id = self.appointment(patient_id, doctor_id, starts_at)
        issued_at = min(starts_at - dt.timedelta(minutes=self.rng.randint(5, 40)), self.now)
        self.to_check_in.append((issued_at, appointment_id, ticket_status))

    def doctor(self, code: str, index: int = 0) -> str:
        return self.doctors_by_dep[_department_id(code)][index]

    def scenario_appointments(self) -> None:
        fixed = {p.scenario: p.patient_id for p in FIXED_PATIENTS}
        tomorrow = self.today + dt.timedelta(days=1)
        in_three_days = self.today + dt.timedelta(days=3)
        # People already waiting in Internal Medicine so the demo ticket has some ahead of it.
        fillers = iter(f"pat-{n:04d}" for n in range(180, 200))
        self.checked_in(next(fillers), self.doctor("A", 1), self.today_at_offset(-20), "called")
        for minutes in (-10, 0, 10):
            self.checked_in(
                next(fillers), self.doctor("A"), self.today_at_offset(minutes), "waiting"
            )
        for minutes in (-5, 5):
            self.checked_in(
                next(fillers), self.doctor("B"), self.today_at_offset(minutes), "waiting"
            )

        self.appointment(fixed["one_in_window"], self.doctor("A"), self.today_at_offset(20))
        self.appointment(fixed["one_in_window"], self.doctor("M"), self.at(in_three_days, 9))
        self.appointment(fixed["two_today"], self.doctor("J"), self.today_at_offset(15))
        self.appointment(fixed["two_today"], self.doctor("E"), self.today_at_offset(40))
        self.appointment(fixed["too_early"], self.doctor("K"), self.today_at_offset(180))
        self.appointment(fixed["too_late"], self.doctor("H"), self.today_at_offset(-120))
        self.appointment(
            fixed["cancelled"], self.doctor("D"), self.today_at_offset(10), status="cancelled"
        )
        self.checked_in(
            fixed["already_checked_in"], self.doctor("B", 1), self.today_at_offset(10), "waiting"
        )
        self.appointment(fixed["rare_name"], self.doctor("F"), self.today_at_offset(25))
        self.appointment(fixed["middle_dot"], self.doctor("G"), self.today_at_offset(30))
        self.appointment(fixed["no_appointment_today"], self.doctor("L"), self.at(tomorrow, 9))
        # My appointments shows every state: after the two open today, one whose check-in
        # opens another day and one the hospital cancelled (added last: earlier ids stay).
        self.appointment(fixed["two_today"], self.doctor("K"), self.at(in_three_days, 10))
        self.appointment(
            fixed["two_today"], self.doctor("H"), self.at(tomorrow, 14), status="cancelled"
        )

    def random_appointments(self) -> None:
        patients = [f"pat-{n:04d}" for n in range(_FIRST_RANDOM, 180)]
        for patient_id in patients:
            roll = self.rng.random()
            if roll < 0.25:
                # Today, relative to now: some in the window, some early, some late.
                dep = self.rng.choice([d.code for d in DEPARTMENTS if d.code != "ER"])
                doctor_id = self.rng.choice(self.doctors_by_dep[_department_id(dep)])
                starts = self.today_at_offset(self.rng.randrange(-180, 300, 5))
                status = "cancelled" if self.rng.random() < 0.08 else "booked"
                self.appointment(patient_id, doctor_id, starts, status=status)
                if self.rng.random() < 0.15:  # a second one the same day
                    other = self.rng.choice(self.doctor_rows)[0]
                    self.appointment(patient_id, other, self.today_at_offset(60))
            elif roll < 0.85:
                session_id, doctor_id, start, end = self.rng.choice(self.sessions)
                slot = self.rng.randrange(0, int((end - start).total_seconds() // 900))
                starts = start + dt.timedelta(minutes=15 * slot)
                self.appointment(patient_id, doctor_id, starts, session_id=session_id)
            # else: no appointment this week

    # --- services beyond check-in -----------------------------------------------------------

    def general_clinic(self) -> None:
        """The free general clinic (fee 0): two doctors, three sessions a day. The first
        session of today that has not ended (else today's last) of its first doctor is full,
        so a registration there is refused with suggestions of later sessions."""
        rng = random.Random(SEED + 1)
        dep_id = _department_id(GENERAL_CLINIC)
        doctors = []
        for index in range(GENERAL_CLINIC_DOCTORS):
            name, name_en = self.person_name(rng.choice(("male", "female")), rng)
            title, title_en, _, level = DOCTOR_TITLES[2 + index % 2]
            doctor_id = f"doc-{len(self.doctor_rows) + index + 1:03d}"
            doctors.append((doctor_id, dep_id, name, name_en, title, title_en, level.value))
        self.conn.executemany(
            "INSERT INTO doctors (id, department_id, name, name_en, title, title_en, "
            "clinic_level) VALUES (?, ?, ?, ?, ?, ?, ?)",
            doctors,
        )
        self.doctors_by_dep[dep_id] += [d[0] for d in doctors]
        rows: list[list[object]] = []
        for offset in range(7):
            day = self.today + dt.timedelta(days=offset)
            for doctor_id, *_ in doctors:
                for period, h1, m1, h2, m2 in GENERAL_CLINIC_HOURS:
                    start, end = self.at(day, h1, m1), self.at(day, h2, m2)
                    total = 30
                    rows.append(
                        [f"ses-{day:%Y%m%d}-{doctor_id}-{period[0]}", doctor_id, dep_id,
                         day.isoformat(), period, to_db_time(start), to_db_time(end), total,
                         rng.randint(6, total), 0]
                    )  # fmt: skip
        first_doctor_today = [
            row for row in rows if row[1] == doctors[0][0] and row[3] == self.today.isoformat()
        ]
        unfinished = [row for row in first_doctor_today if self.now < _parse(str(row[6]))]
        (unfinished or first_doctor_today[-1:])[0][8] = 0
        self.conn.executemany(
            "INSERT INTO sessions (id, doctor_id, department_id, service_date, period, "
            "starts_at, ends_at, slots_total, slots_left, fee_cents) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )

    def prices_and_places(self) -> None:
        prices = [
            (p.code, p.name, p.name_en, p.category, p.unit, p.unit_en, p.price_cents,
             p.insurance_covered, sort, p.pinyin)
            for sort, p in enumerate(PRICES)
        ]  # fmt: skip
        self.conn.executemany(
            "INSERT INTO prices (code, name, name_en, category, unit, unit_en, price_cents, "
            "insurance_covered, sort, pinyin) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            prices,
        )
        self.conn.executemany(
            "INSERT INTO facilities (id, name, name_en, building, building_en, floor, room, "
            "sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*row, sort) for sort, row in enumerate(FACILITIES)],
        )

    def bill(
        self,
        patient_id: str,
        code: str,
        title: str,
        title_en: str,
        created_at: dt.datetime,
        items: tuple[tuple[str, int], ...],
    ) -> None:
        bill_id = f"bill-{self.next_bill:04d}"
        self.next_bill += 1
        insurance = 0
        rows = []
        for seq, (item_code, quantity) in enumerate(items, start=1):
            price = _PRICE_BY_CODE[item_code]
            amount = price.price_cents * quantity
            if price.insurance_covered:
                insurance += amount * INSURANCE_SHARE_PERCENT // 100
            rows.append(
                (bill_id, seq, item_code, price.name, price.name_en, price.category, quantity,
                 price.unit, price.unit_en, price.price_cents, amount)
            )  # fmt: skip
        self.conn.execute(
            "INSERT INTO bills (id, patient_id, department_id, title, title_en, status, "
            "insurance_cents, created_at) VALUES (?, ?, ?, ?, ?, 'unpaid', ?, ?)",
            (bill_id, patient_id, _department_id(code), title, title_en, insurance,
             to_db_time(created_at)),
        )  # fmt: skip
        self.conn.executemany(
            "INSERT INTO bill_items (bill_id, seq, code, name, name_en, category, quantity, "
            "unit, unit_en, unit_price_cents, amount_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "?, ?)",
            rows,
        )

    def bills(self) -> None:
        """Unpaid bills: the "unpaid_bills" scenario's two, and one or two for a dozen others."""
        rng = random.Random(SEED + 2)
        fixed = {p.scenario: p.patient_id for p in FIXED_PATIENTS}
        for code, title, title_en, minutes_ago, items in SCENARIO_BILLS:
            created = self.now - dt.timedelta(minutes=minutes_ago)
            self.bill(fixed["unpaid_bills"], code, title, title_en, created, items)
        names = {d.code: (d.name, d.name_en) for d in DEPARTMENTS}
        by_category: dict[str, list[str]] = {}
        for price in PRICES:
            by_category.setdefault(price.category, []).append(price.code)
        patients = [f"pat-{n:04d}" for n in range(_FIRST_RANDOM, 180)]
        for patient_id in rng.sample(patients, 12):
            for _ in range(rng.randint(1, 2)):
                code = rng.choice([d.code for d in DEPARTMENTS if d.code != "ER"])
                category = rng.choice(("drug", "lab", "imaging", "treatment"))
                chosen = rng.sample(by_category[category], rng.randint(1, 3))
                items = (("CON-01", 1), *((c, rng.randint(1, 2)) for c in chosen))
                name, name_en = names[code]
                created = self.now - dt.timedelta(minutes=rng.randint(10, 600))
                self.bill(
                    patient_id,
                    code,
                    f"{name} 门诊费用",
                    f"Outpatient charges, {name_en}",
                    created,
                    items,
                )
        # Early for check-in, the "too_early" patient can pay this X-ray meanwhile (added last:
        # every other bill keeps its id).
        self.bill(
            fixed["too_early"],
            "K",
            "骨科 检查费",
            "Examination, Orthopedics",
            self.now - dt.timedelta(days=2),
            (("IMG-DR", 1),),
        )

    def insurance(self) -> None:
        """Every patient's insurance and account (``FIXED_INSURANCE``, ``random_insurance``),
        and the e-voucher codes of ``VOUCHER_SCENARIOS`` (valid for years: the demo's cards
        show them) plus an expired one of the "unpaid_bills" patient (``EXPIRED_VOUCHER``)."""
        fixed = {p.patient_id: p for p in FIXED_PATIENTS}
        rows = []
        for (patient_id,) in self.conn.execute("SELECT id FROM patients ORDER BY id").fetchall():
            if patient_id in fixed:
                kind, balance = FIXED_INSURANCE[fixed[patient_id].scenario]
            else:
                kind, balance = random_insurance(int(str(patient_id).split("-")[1]))
            rows.append((patient_id, kind, balance))
        self.conn.executemany(
            "INSERT INTO insurance_accounts (patient_id, insurance_type, balance_cents) "
            "VALUES (?, ?, ?)",
            rows,
        )
        by_scenario = {p.scenario: p for p in FIXED_PATIENTS}
        for scenario in VOUCHER_SCENARIOS:
            patient = by_scenario[scenario]
            insurance_platform.add_voucher(
                self.conn,
                insurance_platform.demo_voucher(patient.patient_id),
                patient.id_number,
                self.now + VOUCHER_DEMO_LIFETIME,
            )
        patient = by_scenario["unpaid_bills"]
        insurance_platform.add_voucher(
            self.conn,
            insurance_platform.demo_voucher(patient.patient_id, salt=EXPIRED_VOUCHER_SALT),
            patient.id_number,
            self.now - dt.timedelta(minutes=5),
        )

    def reports(self) -> None:
        """The scenario patients' reports, ready and pending (``SCENARIO_REPORTS``)."""
        fixed = {p.scenario: p.patient_id for p in FIXED_PATIENTS}
        for number, spec in enumerate(SCENARIO_REPORTS, start=1):
            add_report(
                self.conn,
                report_id=f"rep-{number:04d}",
                patient_id=fixed[spec.scenario],
                department_id=_department_id(spec.department_code),
                kind=ReportKind(spec.kind),
                title=(spec.title, spec.title_en),
                ordered_at=self.now + dt.timedelta(minutes=spec.ordered_minutes),
                ready_at=self.now + dt.timedelta(minutes=spec.ready_minutes),
                content=spec.content,
            )

    def queues_and_stations(self) -> None:
        """A queue per consulting room, the blood draw, each pharmacy window and the cashier,
        in a waiting area per building floor; a demo station (password ``demo``) for each."""
        facilities = {f.id: f for f in FACILITIES}
        rows: list[tuple[object, ...]] = []
        for sort, d in enumerate(DEPARTMENTS):
            room, room_en = f"{d.room}诊室", f"Room {d.room}"
            rows.append(
                (f"q-{_department_id(d.code)}", "room", d.building, d.building_en, d.floor,
                 _department_id(d.code), f"{d.name} {room}", f"{d.name_en}, {room_en}", room,
                 room_en, d.directions, d.directions_en,
                 d.minutes_per_patient or DEFAULT_MINUTES_PER_PATIENT, sort)
            )  # fmt: skip
        lab, pharmacy, cashier = (
            facilities[key] for key in ("fac-lab", "fac-pharmacy", "fac-cashier")
        )
        rows.append(
            (LAB_QUEUE_ID, "lab", lab.building, lab.building_en, lab.floor, None, "采血处",
             "Blood draw", f"{lab.room}采血窗口", f"Blood draw, room {lab.room}", "", "", 3, 100)
        )  # fmt: skip
        for window in range(1, PHARMACY_WINDOWS + 1):
            rows.append(
                (pharmacy_queue_id(window), "pharmacy", pharmacy.building, pharmacy.building_en,
                 pharmacy.floor, None, f"西药房 {window}号窗口", f"Pharmacy window {window}",
                 f"{window}号窗口", f"Window {window}", "", "", 2, 110 + window)
            )  # fmt: skip
        rows.append(
            ("q-cashier", "cashier", cashier.building, cashier.building_en, cashier.floor, None,
             "收费处", "Cashier", f"{cashier.room}收费窗口", f"Cashier, room {cashier.room}",
             "", "", 3, 120)
        )  # fmt: skip
        areas: dict[str, tuple[str, str]] = {}
        for row in rows:
            building, building_en, floor = str(row[2]), str(row[3]), str(row[4])
            areas.setdefault(
                area_id(building_en, floor),
                (f"{building}{floor}楼候诊区", f"{building_en}, floor {floor} waiting area"),
            )
        self.conn.executemany(
            "INSERT INTO waiting_areas (id, name, name_en, sort) VALUES (?, ?, ?, ?)",
            [(key, *names, sort) for sort, (key, names) in enumerate(sorted(areas.items()))],
        )
        self.conn.executemany(
            "INSERT INTO queues (id, kind, area_id, department_id, name, name_en, room, "
            "room_en, building, building_en, floor, directions, directions_en, "
            "minutes_per_patient, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r[0], r[1], area_id(str(r[3]), str(r[4])), r[5], r[6], r[7], r[8], r[9], r[2],
                 r[3], r[4], r[10], r[11], r[12], r[13])
                for r in rows
            ],
        )  # fmt: skip
        # One hash for all (scrypt is slow on purpose), with a drawn salt: deterministic.
        password_hash = hash_password(DEMO_STATION_PASSWORD, salt=self.token_rng.randbytes(16))
        self.conn.executemany(
            "INSERT INTO stations (id, name, password_hash, queues_json, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (demo_station_id(str(r[0])), str(r[6]), password_hash, json.dumps([r[0]]),
                 to_db_time(self.now))
                for r in rows
            ],
        )  # fmt: skip

    def issue_seed_tickets(self) -> None:
        for issued_at, appointment_id, status in sorted(self.to_check_in):
            token = base64.urlsafe_b64encode(self.token_rng.randbytes(18)).decode("ascii")
            ticket_id = issue_ticket(self.conn, appointment_id, issued_at, track_token=token)
            if status == "waiting":
                continue
            entry_id = self.conn.execute(
                "SELECT id FROM queue_entries WHERE ticket_id = ?", (ticket_id,)
            ).fetchone()["id"]
            station = demo_station_id(
                self.conn.execute(
                    "SELECT queue_id FROM queue_entries WHERE id = ?", (entry_id,)
                ).fetchone()["queue_id"]
            )
            act(self.conn, entry_id, Action.call, station, issued_at + SEED_CALL_AFTER)
            if status == "done":
                done_at = issued_at + SEED_CALL_AFTER + SEED_SERVICE_TIME
                act(self.conn, entry_id, Action.finish, station, done_at)


def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def seed_demo(conn: Connection, now: dt.datetime, *, history_days: int = 0) -> None:
    """Fill an empty database with the demo hospital (deterministic for a given ``now``), with
    ``history_days`` days of past queues, ratings and kiosk use for the insight pages.

    Also registers the demo kiosk ``demo-kiosk`` with the token ``demo-token``.
    """
    if now.tzinfo is None:
        now = now.astimezone()
    builder = _Builder(conn, now)
    with write_transaction(conn):
        builder.departments()
        builder.queues_and_stations()
        builder.doctors()
        builder.sessions_for_week()
        builder.patients()
        builder.scenario_appointments()
        builder.random_appointments()
        builder.issue_seed_tickets()
        builder.general_clinic()
        builder.prices_and_places()
        builder.bills()
        if (schema_version(conn) or 0) >= INSURANCE_VERSION:
            builder.insurance()
        if (schema_version(conn) or 0) >= REPORTS_VERSION:  # not a migration test's old schema
            builder.reports()
        if history_days:
            seed_history(conn, now, days=history_days)
    add_kiosk(conn, DEMO_KIOSK_ID, DEMO_TOKEN, now=now, location="门诊楼 1楼 大厅东侧")
