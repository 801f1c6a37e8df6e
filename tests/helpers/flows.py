"""A visit flow wired to the real client, a reference server and a simulated printer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject

from kiosk.backend.client import KioskApiClient
from kiosk.devices.printing.drivers import SimulatedConnection
from kiosk.devices.printing.escpos_render import RenderOptions
from kiosk.devices.printing.layout import paper_for
from kiosk.devices.printing.service import PrinterService
from kiosk.devices.printing.tickets import TicketPrinting
from kiosk.flows.visit import POSITION_REFRESH_S, VisitFlow
from kiosk.runner import Runner
from kiosk.server.seed import DEMO_KIOSK_ID, DEMO_TOKEN


@dataclass
class Rig:
    flow: VisitFlow
    client: KioskApiClient
    printer: SimulatedConnection
    printing: TicketPrinting
    executor: Executor

    def printed_jobs(self) -> list[Path]:
        return sorted(self.printer.spool_dir.glob("*.bin"))


def build_rig(
    server_url: str,
    spool: Path,
    executor: Executor,
    today: Callable[[], dt.date],
    *,
    read_timeout_s: float = 5.0,
    clock: Callable[[], dt.datetime] | None = None,
    position_refresh_s: float = POSITION_REFRESH_S,
) -> Iterator[Rig]:
    client = KioskApiClient(
        server_url, DEMO_TOKEN, DEMO_KIOSK_ID, read_timeout_s=read_timeout_s, retries=0
    )
    spool.mkdir()
    owner = QObject()  # everything Qt hangs off one object deleted on the GUI thread
    connection = SimulatedConnection(spool)
    service = PrinterService(
        connection, RenderOptions(paper=paper_for(80)), poll_interval_s=600, parent=owner
    )
    printing = TicketPrinting(service, lambda: "zh_CN", parent=owner)
    runner = Runner(executor, parent=owner)
    flow = VisitFlow(
        client,
        runner,
        printing,
        hospital_name="示例市第一人民医院",
        today=today,
        clock=clock,
        position_refresh_s=position_refresh_s,
        parent=owner,
    )
    printing.print_failed.connect(flow.printer_failed)
    yield Rig(flow, client, connection, printing, executor)
    service.shutdown()
    client.close()
    shiboken6.delete(owner)


RigFactory = Callable[..., Iterator[Rig]]
