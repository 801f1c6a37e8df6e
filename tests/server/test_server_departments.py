"""GET /api/v1/departments and /departments/{id}/schedule."""

from __future__ import annotations

import datetime as dt
import re

from kiosk.api.models import DepartmentList, Schedule
from kiosk.server.db import connect, write_transaction


def test_departments_have_locations_and_directions(api):
    response = api.get("/departments")
    assert response.status_code == 200
    departments = DepartmentList.model_validate(response.json()).departments
    assert len(departments) >= 10
    codes = [d.code for d in departments]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z]{1,2}", code) for code in codes)
    for department in departments:
        assert department.name
        assert department.name_en
        assert department.description
        assert department.location.building
        assert department.location.floor
        assert department.location.room
        assert department.location.directions
        assert department.location.directions_en


def test_schedule_today_and_later(api, demo_now):
    response = api.get("/departments/dep-a/schedule")
    assert response.status_code == 200
    schedule = Schedule.model_validate(response.json())
    assert schedule.date == demo_now.date()
    assert schedule.department.code == "A"
    assert schedule.doctors
    titles = {d.doctor.title for d in schedule.doctors}
    assert titles <= {"主任医师", "副主任医师", "主治医师", "住院医师"}
    for doctor in schedule.doctors:
        assert doctor.doctor.title_en
        for session in doctor.sessions:
            assert session.starts_at.date() == demo_now.date()
            assert 0 <= session.slots_left <= session.slots_total
            assert session.fee_cents >= 0
    fees = {s.fee_cents for d in schedule.doctors for s in d.sessions}
    assert 0 in fees  # the free general clinic
    assert len(fees) > 1

    later = (demo_now.date() + dt.timedelta(days=6)).isoformat()
    response = api.get("/departments/dep-er/schedule", params={"date": later})
    assert response.status_code == 200
    assert Schedule.model_validate(response.json()).doctors  # the ER never closes

    beyond = (demo_now.date() + dt.timedelta(days=7)).isoformat()
    response = api.get("/departments/dep-a/schedule", params={"date": beyond})
    assert response.json()["doctors"] == []


def test_schedule_bad_date_is_422(api):
    response = api.get("/departments/dep-a/schedule", params={"date": "2025-13-01"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_failed"


def test_doctors_say_their_clinic_level(api, demo_now):
    """号别: chief and associate chief physicians hold specialist clinics, the others general."""
    body = api.get("/departments/dep-a/schedule").json()
    levels = {d["doctor"]["title"]: d["doctor"]["clinic_level"] for d in body["doctors"]}
    assert levels
    specialist = {"主任医师", "副主任医师"}
    for title, level in levels.items():
        assert level == ("specialist" if title in specialist else "general"), title


def test_a_doctor_without_a_clinic_level_says_none(api, live_server):
    """A database from before 号别 was stored: the field is null, not a guess."""
    conn = connect(live_server.db_path)
    with write_transaction(conn):
        conn.execute("UPDATE doctors SET clinic_level = NULL WHERE department_id = 'dep-a'")
    conn.close()
    body = api.get("/departments/dep-a/schedule").json()
    assert body["doctors"]
    assert all(d["doctor"]["clinic_level"] is None for d in body["doctors"])
