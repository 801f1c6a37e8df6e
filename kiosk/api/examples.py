"""Answers of the reference server's demo hospital, as the OpenAPI document's examples.

Real answers of one run (``docs/api.md`` walks through it), so an integrator sees what the
fields hold; ``tests/contract`` validates each against its model.
"""

from __future__ import annotations

from typing import Any

_DEPARTMENT: dict[str, Any] = {
    "id": "dep-a",
    "code": "A",
    "name": "内科",
    "name_en": "Internal Medicine",
    "hint": "发热、咳嗽、腹痛、高血压、糖尿病；普通门诊免费",
    "hint_en": "Fever, cough, stomach pain, blood pressure, diabetes; free general clinic",
}
_LOCATION: dict[str, Any] = {
    "building": "门诊楼",
    "building_en": "Outpatient Building",
    "floor": "2",
    "room": "201",
    "directions": "乘电梯到2楼，出电梯右转，第一个候诊区。",
    "directions_en": "Take the lift to floor 2, turn right; the first waiting area.",
}

IDENTIFY_RESULT: dict[str, Any] = {
    "id": "pat-0001",
    "display_name": "王*英",
    "masked_id_number": "1101**********002X",
    "gender": "female",
    "age": 76,
    "visit_token": "a0Wcw7TYJAJc1HmEcqT0hJHdkB6Ob8cW9r0KLD9kadM",
    "visit_expires_at": "2026-12-03T13:30:53.595376Z",
}

TICKET: dict[str, Any] = {
    "number": "A005",
    "service_date": "2026-12-03",
    "department": _DEPARTMENT,
    "location": _LOCATION,
    "people_ahead": 1,
    "estimated_wait_minutes": 6,
    "status": "waiting",
    "status_url": "http://127.0.0.1:8080/q/83lY9l6CAAHFEY1Ge06Fm6xj",
    "issued_at": "2026-12-03T13:15:58.377869Z",
    "patient_display_name": "王*英",
    "doctor": {
        "id": "doc-001",
        "name": "司马敏",
        "name_en": "Sima Min",
        "title": "主任医师",
        "title_en": "Chief Physician",
        "clinic_level": "specialist",
    },
    "appointment_at": "2026-12-03T13:34:00Z",
}

PAYMENT: dict[str, Any] = {
    "id": "pay-1f4de33b283d4474",
    "status": "paid",
    "patient_id": "pat-0001",
    "amount_cents": 1000,
    "bill_ids": ["bill-c2cb13d970ef4403"],
    "qr_payload": "http://127.0.0.1:8080/pay/zhBhrv2OY5nlih3IuMZVb1kntPgR7k-K",
    "pay_url": "http://127.0.0.1:8080/pay/zhBhrv2OY5nlih3IuMZVb1kntPgR7k-K",
    "created_at": "2026-12-03T13:16:06.342581Z",
    "expires_at": "2026-12-03T13:21:06.342581Z",
    "receipt": {
        "receipt_number": "R2026120300001",
        "paid_at": "2026-12-03T13:16:06.446884Z",
        "items": [
            {
                "name": "挂号费（住院医师）",
                "name_en": "Registration fee (Resident Physician)",
                "category": "registration",
                "quantity": 1,
                "unit": "次",
                "unit_en": "visit",
                "unit_price_cents": 1000,
                "amount_cents": 1000,
            }
        ],
        "total_cents": 1000,
        "insurance_cents": 0,
        "self_pay_cents": 1000,
        "wallet": "wechat",
    },
    "pharmacy_tickets": [],
    "registration_tickets": [
        {
            **TICKET,
            "number": "A006",
            "people_ahead": 4,
            "estimated_wait_minutes": 24,
            "status_url": "http://127.0.0.1:8080/q/7HUDzuFVTvHjwXR-9VwjmZYC",
            "issued_at": "2026-12-03T13:16:06.446884Z",
            "doctor": {
                "id": "doc-002",
                "name": "胡勇",
                "name_en": "Hu Yong",
                "title": "住院医师",
                "title_en": "Resident Physician",
                "clinic_level": "general",
            },
            "appointment_at": "2026-12-03T13:30:00Z",
        }
    ],
    "directions": [],
}

RECEIPT_RECORD: dict[str, Any] = {
    "payment_id": "pay-1f4de33b283d4474",
    "receipt": {**PAYMENT["receipt"], "receipt_url": PAYMENT["pay_url"] + "/receipt"},
    "reprints": 0,
    "reprints_left": 2,
}

RECEIPT_REPRINT: dict[str, Any] = {
    **RECEIPT_RECORD,
    "reprints": 1,
    "reprints_left": 1,
    "reprint_number": 1,
    "reprinted_at": "2026-12-04T09:02:11.120551Z",
}

QUEUE_ENTRY: dict[str, Any] = {
    "id": 2,
    "queue_id": "q-dep-a",
    "number": "A002",
    "service_date": "2026-12-03",
    "display_name": "王*华",
    "priority": "none",
    "state": "called",
    "recalls": 0,
    "misses": 0,
    "people_ahead": 0,
    "estimated_wait_minutes": 0,
    "issued_at": "2026-12-03T12:43:00Z",
    "entered_at": "2026-12-03T12:43:00Z",
    "called_at": "2026-12-03T13:16:16.153571Z",
    "station_id": "dep-a",
    "transferred_from": None,
}

STATION_SESSION: dict[str, Any] = {
    "token": "XHmob7m393cqIuC5F-aZRlzOuyqpmXQSKfTdD8eD8jM",
    "expires_at": "2026-12-04T01:16:12.414376Z",
    "station": {"id": "dep-a", "name": "内科 201诊室", "queues": ["q-dep-a"]},
}

REPORT: dict[str, Any] = {
    "id": "rep-0002",
    "kind": "lab",
    "status": "ready",
    "title": "血常规",
    "title_en": "Complete blood count",
    "department": _DEPARTMENT,
    "ordered_at": "2026-12-03T06:10:00Z",
    "ready_at": "2026-12-03T07:40:00Z",
    "expected_at": None,
    "prints": 0,
    "prints_left": 2,
}
