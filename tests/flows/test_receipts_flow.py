"""Receipts printed again (票据补打) against the real reference server, a real journal and a
simulated ticket printer: the list, a copy printed with its COPY mark, the policy's refusal,
printer faults, and a copy counted but never printed that is not counted twice."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from kiosk.api.models import IDEMPOTENCY_HEADER, ReceiptList, ReceiptReprint
from kiosk.backend.client import KioskApiClient
from kiosk.backend.errors import BackendTimeoutError
from kiosk.devices.printing.drivers import PrinterStatus
from kiosk.flows.notices import NoticeKind
from kiosk.flows.receipts import ReceiptApi, ReceiptProblem, ReceiptsFlow, ReceiptStep
from kiosk.flows.visit import Step
from kiosk.journal import Journal
from kiosk.runner import Runner
from kiosk.server.seed import DEMO_IDENTITIES
from tests.helpers.executors import ImmediateExecutor
from tests.helpers.flows import Rig
from tests.helpers.server import ApiClient

CHARGED_CODE = "134567890123456789"


@dataclass
class ReceiptRig:
    rig: Rig
    flow: ReceiptsFlow
    journal: Journal

    def printed(self) -> list[str]:
        """Each slip's text, without the Chinese mode's FS & and FS . around Chinese runs."""
        return [
            p.read_bytes()
            .decode("gb18030", errors="ignore")
            .replace("\x1c&", "")
            .replace("\x1c.", "")
            for p in self.rig.printed_jobs()
        ]


def build(rig: Rig, tmp_path: Path, api: ReceiptApi, name: str = "journal") -> ReceiptRig:
    journal = Journal(tmp_path / f"{name}.sqlite3")
    flow = ReceiptsFlow(
        api,
        Runner(ImmediateExecutor(), parent=rig.printing),
        rig.flow,
        journal,
        rig.printing,
        hospital_name="示例市第一人民医院",
        parent=rig.printing,
    )
    rig.flow.offer("receipts", flow, needs_identification=True)
    return ReceiptRig(rig, flow, journal)


@pytest.fixture
def receipt_rig(rig: Rig, tmp_path: Path, qtbot: QtBot) -> Iterator[ReceiptRig]:
    built = build(rig, tmp_path, rig.client)
    yield built
    built.journal.close()


def paid_receipts(api: ApiClient, count: int = 1) -> list[str]:
    """The "unpaid_bills" patient pays ``count`` of the bills, one payment each; the numbers."""
    patient = api.identify("unpaid_bills")["id"]
    bills = [b["id"] for b in api.get(f"/patients/{patient}/bills").json()["bills"]]
    numbers = []
    for bill in bills[:count]:
        created = api.post(
            "/payments",
            json={"patient_id": patient, "bill_ids": [bill]},
            headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
        ).json()
        paid = api.post(
            f"/payments/{created['id']}/payment-code",
            json={"code": CHARGED_CODE},
            headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex},
        ).json()
        numbers.append(paid["receipt"]["receipt_number"])
    return numbers


def identify(receipt_rig: ReceiptRig, scenario: str = "unpaid_bills") -> None:
    identity = DEMO_IDENTITIES[scenario]
    receipt_rig.rig.flow.choose("receipts")
    receipt_rig.rig.flow.identifier_read(identity.kind, identity.value)
    assert receipt_rig.rig.flow.step == Step.service


def server_reprints(api: ApiClient, number: str) -> int:
    patient = api.identify("unpaid_bills")["id"]
    listed = ReceiptList.model_validate(api.get(f"/patients/{patient}/receipts").json())
    return next(r.reprints for r in listed.receipts if r.receipt.receipt_number == number)


def test_the_list_is_the_patients_receipts_newest_first(
    receipt_rig: ReceiptRig, api: ApiClient
) -> None:
    numbers = paid_receipts(api, 2)
    identify(receipt_rig)
    flow = receipt_rig.flow
    assert flow.step == ReceiptStep.receipts
    assert [r.receipt.receipt_number for r in flow.receipts] == sorted(numbers, reverse=True)
    assert flow.days == 30


def test_no_payments_is_an_empty_list(receipt_rig: ReceiptRig) -> None:
    identify(receipt_rig, "one_in_window")
    assert receipt_rig.flow.step == ReceiptStep.receipts
    assert receipt_rig.flow.receipts == []


def test_a_copy_is_printed_with_its_copy_mark_and_counted_once(
    receipt_rig: ReceiptRig, api: ApiClient, qtbot: QtBot
) -> None:
    (number,) = paid_receipts(api)
    identify(receipt_rig)
    flow = receipt_rig.flow
    flow.choose(number)
    assert flow.step == ReceiptStep.confirm
    flow.print_copy()
    qtbot.waitUntil(lambda: flow.step == ReceiptStep.printed, timeout=5000)
    (slip,) = receipt_rig.printed()
    assert number in slip
    assert "补打 COPY" in slip
    assert "补打时间" in slip
    assert flow.copy is not None
    assert (flow.copy.reprint_number, flow.copy.reprints_left) == (1, 1)
    qtbot.waitUntil(lambda: receipt_rig.journal.reprint_key(number, "fresh") == "fresh")
    assert server_reprints(api, number) == 1


def test_beyond_the_free_reprints_the_refusal_is_shown(
    receipt_rig: ReceiptRig, api: ApiClient, qtbot: QtBot
) -> None:
    (number,) = paid_receipts(api)
    for _ in range(2):  # both free reprints taken at another kiosk's visit
        response = api.post(
            f"/receipts/{number}/reprint", headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex}
        )
        assert response.status_code == 200
    identify(receipt_rig)
    flow = receipt_rig.flow
    flow.choose(number)
    flow.print_copy()  # the list said none is left: refused without a call
    assert (flow.step, flow.problem) == (ReceiptStep.confirm, ReceiptProblem.limit_reached)
    assert receipt_rig.printed() == []


def test_the_servers_refusal_when_the_list_was_out_of_date(
    receipt_rig: ReceiptRig, api: ApiClient, qtbot: QtBot
) -> None:
    (number,) = paid_receipts(api)
    identify(receipt_rig)
    flow = receipt_rig.flow
    flow.choose(number)
    for _ in range(2):  # meanwhile, another kiosk took both
        api.post(f"/receipts/{number}/reprint", headers={IDEMPOTENCY_HEADER: uuid.uuid4().hex})
    flow.print_copy()
    assert (flow.step, flow.problem) == (ReceiptStep.confirm, ReceiptProblem.limit_reached)
    assert flow.chosen is not None
    assert flow.chosen.reprints_left == 0
    assert receipt_rig.printed() == []
    assert server_reprints(api, number) == 2
    # Nothing was counted with the refused key: the journal holds it no longer.
    qtbot.waitUntil(lambda: receipt_rig.journal.reprint_key(number, "fresh") == "fresh")


def test_a_printer_fault_offers_a_retry_that_counts_nothing_more(
    receipt_rig: ReceiptRig, api: ApiClient, qtbot: QtBot
) -> None:
    (number,) = paid_receipts(api)
    identify(receipt_rig)
    flow = receipt_rig.flow
    flow.choose(number)
    receipt_rig.rig.printer.set_status(PrinterStatus.paper_out)
    flow.print_copy()
    qtbot.waitUntil(lambda: flow.problem is ReceiptProblem.printer_failed, timeout=5000)
    assert flow.step == ReceiptStep.confirm
    assert flow.printer_fault == "paper_out"
    assert receipt_rig.printed() == []
    assert server_reprints(api, number) == 1  # counted: the copy is owed to the patient
    receipt_rig.rig.printer.set_status(PrinterStatus.ok)
    flow.print_copy()
    qtbot.waitUntil(lambda: flow.step == ReceiptStep.printed, timeout=5000)
    (slip,) = receipt_rig.printed()
    assert "补打 COPY" in slip
    assert flow.copy is not None
    assert flow.copy.reprint_number == 1  # the same copy, replayed
    assert server_reprints(api, number) == 1


class LosesFirstAnswer:
    """The real client, except that the first reprint's answer never arrives."""

    def __init__(self, client: KioskApiClient) -> None:
        self._client = client
        self.sent: list[str] = []

    def receipts(self, patient_id: str) -> ReceiptList:
        return self._client.receipts(patient_id)

    def reprint_receipt(self, receipt_number: str, *, idempotency_key: str) -> ReceiptReprint:
        copy = self._client.reprint_receipt(receipt_number, idempotency_key=idempotency_key)
        self.sent.append(idempotency_key)
        if len(self.sent) == 1:
            raise BackendTimeoutError("POST /receipts/.../reprint: no answer in time")
        return copy


def test_a_lost_answer_asked_again_gives_the_same_copy(
    rig: Rig, tmp_path: Path, api: ApiClient, qtbot: QtBot
) -> None:
    (number,) = paid_receipts(api)
    losing = LosesFirstAnswer(rig.client)
    receipt_rig = build(rig, tmp_path, losing)
    try:
        identify(receipt_rig)
        flow = receipt_rig.flow
        flow.choose(number)
        flow.print_copy()
        assert flow.step == ReceiptStep.error
        assert flow.notice is not None
        assert flow.notice.kind is NoticeKind.backend_slow
        assert server_reprints(api, number) == 1
        rig.flow.go_home()  # the patient starts again
        identify(receipt_rig)
        flow.choose(number)
        flow.print_copy()
        qtbot.waitUntil(lambda: flow.step == ReceiptStep.printed, timeout=5000)
        assert losing.sent[0] == losing.sent[1]  # the journalled key, sent again
        assert flow.copy is not None
        assert flow.copy.reprint_number == 1
        assert server_reprints(api, number) == 1
    finally:
        receipt_rig.journal.close()


class StopsBeforePrinting:
    """The kiosk stops after the server counted the copy, before the printer got it: the job
    is taken and never answered (the process ended)."""

    def __init__(self) -> None:
        self.taken: list[str] = []

    def print_receipt_copy(
        self,
        copy: ReceiptReprint,
        patient_name: str,
        hospital_name: str,
        on_done: Callable[[str], None],
    ) -> None:
        self.taken.append(copy.receipt.receipt_number)


def test_a_kiosk_stopped_after_the_count_before_printing_does_not_count_twice(
    rig: Rig, tmp_path: Path, api: ApiClient, qtbot: QtBot
) -> None:
    """The first run counts the copy and stops before printing; the next run (a new flow on
    the same journal file) reprints that receipt with the same key: the same copy."""
    (number,) = paid_receipts(api)
    journal = Journal(tmp_path / "journal.sqlite3")
    stopping = StopsBeforePrinting()
    first = ReceiptsFlow(
        rig.client,
        Runner(ImmediateExecutor(), parent=rig.printing),
        rig.flow,
        journal,
        stopping,
        hospital_name="示例市第一人民医院",
        parent=rig.printing,
    )
    rig.flow.offer("receipts", first, needs_identification=True)
    identify(ReceiptRig(rig, first, journal))
    first.choose(number)
    first.print_copy()
    assert stopping.taken == [number]
    assert first.step == ReceiptStep.printing
    assert server_reprints(api, number) == 1
    journal.close()  # the kiosk stopped here
    second = build(rig, tmp_path, rig.client)  # the next run, on the journal file left
    try:
        identify(second)
        second.flow.choose(number)
        second.flow.print_copy()
        qtbot.waitUntil(lambda: second.flow.step == ReceiptStep.printed, timeout=5000)
        assert second.flow.copy is not None
        assert second.flow.copy.reprint_number == 1
        assert server_reprints(api, number) == 1
        (slip,) = second.printed()
        assert "补打 COPY" in slip
        assert number in slip
    finally:
        second.journal.close()
