"""The staff caller page in a real browser (Chromium) against the live reference server.

A doctor signs in, calls by the button and by one key, recalls, marks missed, starts, finishes
and transfers; every step is checked on the page and again through the station REST API.
Two stations calling at the same instant get two different patients.
"""

from __future__ import annotations

import re
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from kiosk.server import stations
from kiosk.server.db import connect
from kiosk.server.embedded import EmbeddedServer
from kiosk.server.seed import DEMO_STATION_PASSWORD, demo_station_id
from tests.helpers.queue import Station, add_waiting
from tests.helpers.server import DEMO_NOW
from tests.web.conftest import Browsers

DEPARTMENT = "dep-a"  # 内科 201诊室: the demo has patients waiting there, the fixture adds more
QUEUE = f"q-{DEPARTMENT}"
STATION = demo_station_id(QUEUE)
LAB = "q-lab"
WAIT_S = 20  # generous: the machine is shared; a pass takes well under a second


class StationApi(Station):
    """The REST API as a station sees it (its own bearer token): what the page did, checked."""

    def __init__(self, server: EmbeddedServer, station: str = STATION) -> None:
        super().__init__(server.url, station)

    def read(self, path: str) -> Any:
        answer = self.get(path)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def entry(self, entry_id: int, queue: str = QUEUE) -> dict[str, Any]:
        view = self.view(queue)
        for entry in view["current"] + view["waiting"] + view["finished"]:
            if entry["id"] == entry_id:
                found: dict[str, Any] = entry
                return found
        raise AssertionError(f"entry {entry_id} is not in {queue}")

    def drain(self, queue: str = QUEUE) -> None:
        """Call and finish everyone waiting, as a busy morning would."""
        while self.view(queue)["waiting"]:
            called = self.call_next(queue)
            assert called.status_code == 200, called.text
            done = self.act(called.json()["id"], "finish")
            assert done.status_code == 200, done.text


@pytest.fixture
def station_api(live_server: EmbeddedServer) -> Iterator[StationApi]:
    add_waiting(live_server.db_path, 5, DEMO_NOW, department_id=DEPARTMENT)
    api = StationApi(live_server)
    yield api
    api.close()


def wait_until(driver: webdriver.Chrome, condition: Callable[[], Any]) -> Any:
    return WebDriverWait(driver, WAIT_S).until(lambda _: condition())


def sign_in(
    driver: webdriver.Chrome,
    server: EmbeddedServer,
    station: str = STATION,
    password: str = DEMO_STATION_PASSWORD,
    language: str = "zh",
    via: str = "",
) -> None:
    driver.get(f"{via or server.url}/staff?lang={language}")
    driver.find_element(By.ID, "station").send_keys(station)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in-button").click()


def open_caller(driver: webdriver.Chrome, server: EmbeddedServer, **kwargs: str) -> None:
    """Signed in, with the queue shown and the call button ready."""
    sign_in(driver, server, **kwargs)
    wait_until(driver, lambda: driver.find_element(By.ID, "call-next").is_enabled())


def now_number(driver: webdriver.Chrome) -> str:
    """The number in the "now" panel ("" when nobody is there), read in one go."""
    script = "var n = document.querySelector('#now-entry .entry .number');"
    number: str = driver.execute_script(script + "return n ? n.textContent : '';")
    return number


def now_entry_id(driver: webdriver.Chrome) -> int:
    card = driver.find_element(By.CSS_SELECTOR, "#now-entry .entry")
    return int(card.get_attribute("data-entry-id") or 0)


def waiting_numbers(driver: webdriver.Chrome) -> list[str]:
    numbers: list[str] = driver.execute_script(
        "return Array.prototype.map.call("
        "document.querySelectorAll('#waiting-list td.number'), function (c) {"
        " return c.textContent; });"
    )
    return numbers


def called_events(api: StationApi) -> int:
    events = api.read(f"/queues/{QUEUE}/events")["events"]
    return sum(1 for event in events if event["kind"] == "called")


def banner(driver: webdriver.Chrome) -> WebElement:
    return driver.find_element(By.ID, "banner")


def press(driver: webdriver.Chrome, key: str) -> None:
    ActionChains(driver).send_keys(key).perform()


def call_by_button(driver: webdriver.Chrome) -> str:
    """Press 呼叫下一位 and wait for the called number to show; return it."""
    before = now_number(driver)
    first_waiting = waiting_numbers(driver)[0]
    driver.find_element(By.ID, "call-next").click()
    wait_until(driver, lambda: now_number(driver) not in ("", before))
    number = now_number(driver)
    assert number == first_waiting  # the page's waiting list is in call order
    return number


# --- signing in -----------------------------------------------------------------------------


def test_a_wrong_password_shows_an_error_and_nothing_else(
    browser: webdriver.Chrome, live_server: EmbeddedServer
) -> None:
    sign_in(browser, live_server, password="wrong-password")
    error = wait_until(browser, lambda: browser.find_elements(By.ID, "sign-in-error"))
    assert error[0].text == "工作站编号或密码不正确。"
    assert browser.find_elements(By.ID, "staff") == []
    assert browser.get_cookies() == []
    assert browser.find_element(By.ID, "password").get_attribute("value") == ""


def test_signing_in_shows_the_stations_queue_and_signing_out_ends_it(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    open_caller(browser, live_server)
    view = station_api.view()
    assert browser.find_element(By.ID, "station-name").text == view["queue"]["name"]
    expected = [entry["number"] for entry in view["waiting"]]
    wait_until(browser, lambda: waiting_numbers(browser) == expected)
    assert browser.find_element(By.ID, "waiting-count").text == str(len(expected))
    browser.find_element(By.ID, "sign-out").click()
    wait_until(browser, lambda: browser.find_elements(By.ID, "sign-in"))
    assert browser.get_cookies() == []


# --- calling --------------------------------------------------------------------------------


def test_call_next_by_the_button(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    open_caller(browser, live_server)
    number = call_by_button(browser)
    wait_until(browser, lambda: number not in waiting_numbers(browser))
    assert "已呼叫" in browser.find_element(By.ID, "now-entry").text
    entry = station_api.entry(now_entry_id(browser))
    assert (entry["number"], entry["state"], entry["station_id"]) == (number, "called", STATION)
    assert banner(browser).is_displayed() is False


@pytest.mark.parametrize("key", [Keys.SPACE, Keys.F1])
def test_one_key_calls_one_patient(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi, key: str
) -> None:
    open_caller(browser, live_server)
    first, second = waiting_numbers(browser)[:2]
    press(browser, key)
    wait_until(browser, lambda: now_number(browser) == first)
    wait_until(browser, lambda: first not in waiting_numbers(browser))
    # With the focus on another button, the key still calls (and does not press that button).
    recall = browser.find_element(By.ID, "recall")
    recall.click()
    wait_until(browser, lambda: "已重呼 1 次" in browser.find_element(By.ID, "now-entry").text)
    wait_until(browser, recall.is_enabled)
    browser.execute_script("arguments[0].focus()", recall)
    assert browser.switch_to.active_element == recall
    press(browser, key)
    wait_until(browser, lambda: now_number(browser) == second)
    called = [e for e in station_api.view()["current"] if e["number"] in (first, second)]
    assert sorted(e["number"] for e in called) == [first, second]
    assert [e["recalls"] for e in called if e["number"] == first] == [1]


def test_no_shortcut_fires_while_typing(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    open_caller(browser, live_server)
    calls_before = called_events(station_api)
    menu = browser.find_element(By.CSS_SELECTOR, "#waiting-list select")
    browser.execute_script("arguments[0].focus()", menu)
    for key in (Keys.SPACE, Keys.ESCAPE, "r", "m", "s", Keys.F1):
        press(browser, key)
    browser.execute_script("arguments[0].blur()", menu)
    # The keys went to the menu; the button, pressed after them, calls exactly one patient.
    call_by_button(browser)
    assert called_events(station_api) == calls_before + 1


def test_recall_missed_start_and_done_do_what_they_say(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    open_caller(browser, live_server)
    number = call_by_button(browser)
    entry_id = now_entry_id(browser)

    press(browser, "r")
    wait_until(browser, lambda: "已重呼 1 次" in browser.find_element(By.ID, "now-entry").text)
    assert station_api.entry(entry_id)["recalls"] == 1

    browser.find_element(By.ID, "miss").click()
    wait_until(browser, lambda: number in waiting_numbers(browser))  # put back a few places
    assert now_number(browser) == ""
    missed = station_api.entry(entry_id)
    assert (missed["state"], missed["misses"]) == ("waiting", 1)

    number = call_by_button(browser)
    entry_id = now_entry_id(browser)
    press(browser, "s")
    wait_until(browser, lambda: "就诊中" in browser.find_element(By.ID, "now-entry").text)
    assert station_api.entry(entry_id)["state"] == "serving"
    assert not browser.find_element(By.ID, "recall").is_enabled()

    browser.find_element(By.ID, "finish").click()
    wait_until(browser, lambda: now_number(browser) == "")
    assert station_api.entry(entry_id)["state"] == "done"
    assert number not in waiting_numbers(browser)


def recalled_or_refused(driver: webdriver.Chrome, recalls: int) -> bool:
    panel = driver.find_element(By.ID, "now-entry").text
    return banner(driver).is_displayed() or f"已重呼 {recalls} 次" in panel


def test_recalling_too_often_says_so(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    open_caller(browser, live_server)
    call_by_button(browser)
    entry_id = now_entry_id(browser)
    recalls = 0
    while not banner(browser).is_displayed():
        press(browser, "r")
        recalls += 1
        assert recalls < 10
        wait_until(browser, partial(recalled_or_refused, browser, recalls))
    assert banner(browser).text == "已达到重呼次数上限，请选择过号或开始就诊。"
    assert station_api.entry(entry_id)["recalls"] == recalls - 1


def first_target(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.CSS_SELECTOR, ".target").get_attribute("data-queue") or ""


def test_transfer_to_the_lab_and_back_keeps_the_number(
    browsers: Browsers, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    doctor, lab = browsers(2)
    open_caller(doctor, live_server)
    number = call_by_button(doctor)
    entry_id = now_entry_id(doctor)
    doctor.find_element(By.ID, "transfer").click()
    target = wait_until(
        doctor, lambda: doctor.find_elements(By.CSS_SELECTOR, f'.target[data-queue="{LAB}"]')
    )
    assert "采血处" in target[0].text
    assert first_target(doctor) == LAB  # where a doctor sends people most
    target[0].click()
    wait_until(doctor, lambda: now_number(doctor) == "")
    assert station_api.entry(entry_id)["state"] == "transferred"
    lab_api = StationApi(live_server, demo_station_id(LAB))
    moved = [e for e in lab_api.view(LAB)["waiting"] if e["number"] == number]
    assert len(moved) == 1

    # The lab calls, takes the blood and sends the patient back (回诊).
    open_caller(lab, live_server, station=demo_station_id(LAB))
    wait_until(lab, lambda: number in waiting_numbers(lab))
    for _ in range(len(lab_api.view(LAB)["waiting"])):
        if call_by_button(lab) == number:
            break
    lab.find_element(By.ID, "transfer").click()
    wait_until(lab, lambda: lab.find_elements(By.CSS_SELECTOR, f'.target[data-queue="{QUEUE}"]'))
    assert first_target(lab) == QUEUE  # back where the patient came from (回诊)
    lab.find_element(By.CSS_SELECTOR, f'.target[data-queue="{QUEUE}"]').click()
    wait_until(doctor, lambda: number in waiting_numbers(doctor))
    row = doctor.find_element(By.XPATH, f'//tr[td[@class="number" and text()="{number}"]]')
    assert "回诊" in row.text
    back = [e for e in station_api.view()["waiting"] if e["number"] == number]
    assert [e["transferred_from"] for e in back] == [LAB]


def test_staff_set_a_priority(
    browser: webdriver.Chrome, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    open_caller(browser, live_server)
    last = browser.find_elements(By.CSS_SELECTOR, "#waiting-list tr")[-1]
    entry_id = int(last.get_attribute("data-entry-id") or 0)
    Select(last.find_element(By.TAG_NAME, "select")).select_by_value("military")
    press(browser, Keys.TAB)
    wait_until(browser, lambda: station_api.entry(entry_id)["priority"] == "military")
    row = f'#waiting-list tr[data-entry-id="{entry_id}"] .mark'
    wait_until(browser, lambda: [m.text for m in browser.find_elements(By.CSS_SELECTOR, row)])
    assert browser.find_element(By.CSS_SELECTOR, row).text == "军"


# --- what goes wrong ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "message"), [("zh", "没有候诊患者"), ("en", "Nobody is waiting")]
)
def test_an_empty_queue_says_nobody_is_waiting(
    browser: webdriver.Chrome,
    live_server: EmbeddedServer,
    station_api: StationApi,
    language: str,
    message: str,
) -> None:
    station_api.drain()
    open_caller(browser, live_server, language=language)
    wait_until(browser, lambda: browser.find_element(By.ID, "nobody-waiting").is_displayed())
    assert browser.find_element(By.ID, "nobody-waiting").text == message
    assert not browser.find_element(By.ID, "waiting-table").is_displayed()
    events_before = station_api.read(f"/queues/{QUEUE}/events")["events"]
    browser.find_element(By.ID, "call-next").click()
    wait_until(browser, lambda: banner(browser).is_displayed())
    assert banner(browser).text == message
    assert browser.find_element(By.ID, "call-next").is_enabled()  # ready to try again
    assert station_api.read(f"/queues/{QUEUE}/events")["events"] == events_before


def test_a_lost_connection_is_shown(browser: webdriver.Chrome, live_server: EmbeddedServer) -> None:
    open_caller(browser, live_server)
    assert not browser.find_element(By.ID, "connection").is_displayed()
    live_server.stop()
    wait_until(browser, lambda: browser.find_element(By.ID, "connection").is_displayed())
    assert browser.find_element(By.ID, "connection").text == "连接中断，正在重试"
    browser.find_element(By.ID, "call-next").click()
    wait_until(browser, lambda: banner(browser).is_displayed())
    assert "操作未确认" in banner(browser).text


def _shut(*ends: socket.socket) -> None:
    for end in ends:  # shut down, not just close: the other thread may be in recv()
        try:
            end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        end.close()


def test_a_session_that_ended_says_to_sign_in_again(
    browser: webdriver.Chrome, live_server: EmbeddedServer
) -> None:
    open_caller(browser, live_server)
    browser.delete_all_cookies()  # as a sign-out elsewhere or the end of the day would
    wait_until(browser, lambda: banner(browser).is_displayed())
    assert banner(browser).text.split() == ["登录已失效，请重新登录。", "重新登录"]
    browser.find_element(By.CSS_SELECTOR, "#banner a").click()
    wait_until(browser, lambda: browser.find_elements(By.ID, "sign-in"))


class LoopbackProxy:
    """A TCP proxy on loopback between the browser and the server, to be the network between
    them: ``cut`` drops every connection (the network is down) until it is set back; with
    ``lose_answers(path, count)`` the next ``count`` posts to ``path`` reach the server but
    their answers are lost (Wi-Fi gone for a moment, a proxy timing out). ``keys`` holds the
    Idempotency-Key of each post to that path."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.cut = False
        self.keys: list[str] = []
        self._path = b"\0"
        self._losses = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def lose_answers(self, path: str, count: int) -> None:
        with self._lock:
            self._path, self._losses = path.encode(), count

    def close(self) -> None:
        self.listener.close()
        with self._lock:
            _shut(*self._open)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                if self.cut:
                    raise ConnectionRefusedError
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            except OSError:
                _shut(client)
                continue
            with self._lock:
                self._open |= {client, upstream}
            lose = threading.Event()
            threading.Thread(target=self._up, args=(client, upstream, lose), daemon=True).start()
            threading.Thread(target=self._down, args=(client, upstream, lose), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket, lose: threading.Event) -> None:
        try:
            while (data := client.recv(65536)) and not self.cut:
                first_line = data.split(b"\r\n", 1)[0]
                with self._lock:
                    if first_line.startswith(b"POST ") and self._path in first_line:
                        key = re.search(rb"(?im)^idempotency-key: *(\S+)", data)
                        self.keys.append(key.group(1).decode() if key else "")
                        if self._losses > 0:
                            self._losses -= 1
                            lose.set()
                upstream.sendall(data)
        except OSError:
            pass
        if self.cut:
            _shut(client, upstream)

    def _down(self, client: socket.socket, upstream: socket.socket, lose: threading.Event) -> None:
        """Passes answers on; one to lose is cut one byte short, so the browser has started to
        read it (and will not send the request again by itself) when the connection drops."""
        answer = b""
        try:
            while data := upstream.recv(65536):
                if not lose.is_set():
                    client.sendall(data)
                    continue
                answer += data
                head, ended, body = answer.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length: *(\d+)", head)
                if ended and length and len(body) >= int(length.group(1)):
                    client.sendall(answer[: len(head) + len(ended) + int(length.group(1)) - 1])
                    break
        except OSError:
            pass
        _shut(client, upstream)


@pytest.fixture
def proxy(live_server: EmbeddedServer) -> Iterator[LoopbackProxy]:
    network = LoopbackProxy(live_server.port)
    yield network
    network.close()


def test_the_page_says_when_the_connection_is_lost_and_when_it_is_back(
    browser: webdriver.Chrome, live_server: EmbeddedServer, proxy: LoopbackProxy
) -> None:
    open_caller(browser, live_server, via=proxy.url)
    connection = browser.find_element(By.ID, "connection")
    assert not connection.is_displayed()
    proxy.cut = True
    wait_until(browser, connection.is_displayed)
    assert connection.text == "连接中断，正在重试"
    proxy.cut = False
    wait_until(browser, lambda: not connection.is_displayed())
    call_by_button(browser)


def test_an_answer_lost_on_the_way_is_asked_again_without_calling_twice(
    browser: webdriver.Chrome,
    live_server: EmbeddedServer,
    station_api: StationApi,
    proxy: LoopbackProxy,
) -> None:
    """The call reached the server but its answer was lost: the page asks again with the same
    Idempotency-Key and shows the patient the server called, once."""
    open_caller(browser, live_server, via=proxy.url)
    first = waiting_numbers(browser)[0]
    calls_before = called_events(station_api)
    proxy.lose_answers(f"/queues/{QUEUE}/call-next", 2)
    browser.find_element(By.ID, "call-next").click()
    wait_until(browser, lambda: now_number(browser) == first)
    assert len(proxy.keys) >= 3  # two answers lost, then the one the page got
    assert len(set(proxy.keys)) == 1
    assert called_events(station_api) == calls_before + 1
    assert first not in [e["number"] for e in station_api.view()["waiting"]]
    wait_until(browser, lambda: not browser.find_element(By.ID, "connection").is_displayed())
    assert not banner(browser).is_displayed()


# --- two stations at once -------------------------------------------------------------------


def shows_a_new_call(page: webdriver.Chrome, before: str) -> bool:
    return now_number(page) not in ("", before)


def press_call(page: webdriver.Chrome, start: threading.Barrier) -> None:
    start.wait()
    page.find_element(By.ID, "call-next").click()


def test_two_stations_calling_at_once_get_different_patients(
    browsers: Browsers, live_server: EmbeddedServer, station_api: StationApi
) -> None:
    second = "dep-a-2"
    conn = connect(live_server.db_path)
    try:
        stations.add_station(
            conn, second, "second-password", [QUEUE], name="内科 202诊室", now=DEMO_NOW
        )
    finally:
        conn.close()
    pages = browsers(2)
    open_caller(pages[0], live_server)
    open_caller(pages[1], live_server, station=second, password="second-password")
    rounds = min(3, len(station_api.view()["waiting"]) // 2)
    assert rounds >= 1
    shown: list[str] = []
    for _ in range(rounds):
        before = [now_number(page) for page in pages]
        start = threading.Barrier(len(pages))

        threads = [threading.Thread(target=press_call, args=(page, start)) for page in pages]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for page, old in zip(pages, before, strict=True):
            wait_until(page, partial(shows_a_new_call, page, old))
        numbers = [now_number(page) for page in pages]
        assert numbers[0] != numbers[1]
        shown += numbers
    events = station_api.read(f"/queues/{QUEUE}/events")["events"]
    calls = Counter(e["number"] for e in events if e["kind"] == "called")
    assert all(count == 1 for count in calls.values()), calls
    assert set(shown) <= set(calls)
    assert len(set(shown)) == len(shown)
