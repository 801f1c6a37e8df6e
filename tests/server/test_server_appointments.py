"""GET /api/v1/patients/{id}/appointments."""

from __future__ import annotations

import datetime as dt

from kiosk.api.models import AppointmentList


def test_one_in_window_has_exactly_one_appointment_today_in_its_window(api, demo_now):
    appointments = api.appointments_today("one_in_window")
    assert len(appointments) == 1
    parsed = AppointmentList.model_validate({"appointments": appointments}).appointments[0]
    assert parsed.status == "booked"
    assert parsed.ticket is None
    assert parsed.check_in_opens_at <= demo_now <= parsed.check_in_closes_at
    assert parsed.department.code == "A"
    assert parsed.doctor.title
    assert parsed.location.building == "门诊楼"
    assert parsed.starts_at.date() == demo_now.date()


def test_two_today(api, demo_now):
    appointments = AppointmentList.model_validate(
        {"appointments": api.appointments_today("two_today")}
    ).appointments
    assert len(appointments) == 2
    assert appointments[0].department.id != appointments[1].department.id
    for appointment in appointments:
        assert appointment.check_in_opens_at <= demo_now <= appointment.check_in_closes_at


def test_already_checked_in_lists_its_ticket(api):
    (appointment,) = api.appointments_today("already_checked_in")
    assert appointment["status"] == "checked_in"
    assert appointment["ticket"]["number"].startswith("B")
    assert appointment["ticket"]["patient_display_name"] == "赵*"


def test_cancelled_is_listed_as_cancelled(api):
    (appointment,) = api.appointments_today("cancelled")
    assert appointment["status"] == "cancelled"


def test_no_appointment_today_but_tomorrow(api, demo_now):
    patient = api.identify("no_appointment_today")
    assert api.appointments_today("no_appointment_today") == []
    tomorrow = (demo_now.date() + dt.timedelta(days=1)).isoformat()
    response = api.get(f"/patients/{patient['id']}/appointments", params={"from": tomorrow})
    assert response.status_code == 200
    assert len(response.json()["appointments"]) == 1


def test_date_range(api, demo_now):
    patient = api.identify("one_in_window")
    params = {
        "from": demo_now.date().isoformat(),
        "to": (demo_now.date() + dt.timedelta(days=6)).isoformat(),
    }
    response = api.get(f"/patients/{patient['id']}/appointments", params=params)
    assert response.status_code == 200
    assert len(response.json()["appointments"]) == 2


def test_bad_ranges_and_dates_are_422(api):
    patient = api.identify("one_in_window")
    path = f"/patients/{patient['id']}/appointments"
    for params in (
        {"from": "2025-03-10", "to": "2025-03-01"},
        {"from": "2025-01-01", "to": "2025-12-31"},
        {"from": "yesterday"},
        {"to": "2025-02-30"},
    ):
        response = api.get(path, params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["code"] == "validation_failed"


def test_an_unknown_patient_has_no_visit(api):
    response = api.get("/patients/pat-9999/appointments")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "visit_token_required"
    api.identify("one_in_window")
    response = api.get("/patients/pat-9999/appointments")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "wrong_patient"
