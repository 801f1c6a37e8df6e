/* The waiting-room display: the board pushed by server-sent events, polled when they fail,
 * "connection lost" when the server does not answer, and every new call announced in turn.
 * Plain ES5: a lobby TV's browser may be old. */
(function () {
  "use strict";

  var POLL_MS = 3000; // polling while the event stream is down
  var SILENCE_MS = 20000; // no board pushed for this long: ask the server whether it is there
  var REQUEST_TIMEOUT_MS = 2500;
  var STALE_CALL_MS = 120000; // a call still waiting to be spoken this long after it is dropped

  var body = document.body;
  var boardUrl = body.getAttribute("data-board-url");
  var eventsUrl = body.getAttribute("data-events-url");

  var source = null;
  var lastPushAt = Date.now();
  var pollTimer = null;
  var shownVersion = -1;
  var seenCalls = null; // call ids already on screen; null until the first board
  var serverSkewMs = 0;
  var serverOffsetMin = null;

  function byId(id) {
    return document.getElementById(id);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.appendChild(document.createTextNode(text));
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // --- the clock, in the server's time zone ------------------------------------------------

  var WEEKDAYS_ZH = ["日", "一", "二", "三", "四", "五", "六"];
  var WEEKDAYS_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS_EN = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
    "Dec"];

  function two(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function learnServerTime(iso) {
    var zone = /([+-])(\d\d):(\d\d)$/.exec(iso);
    serverOffsetMin = zone ? (zone[1] === "-" ? -1 : 1) * (+zone[2] * 60 + +zone[3]) : 0;
    var at = Date.parse(iso);
    if (!isNaN(at)) serverSkewMs = at - Date.now();
  }

  // A Date whose UTC fields read as the server's wall clock.
  function serverWallClock(ms) {
    var offset = serverOffsetMin === null ? -new Date(ms).getTimezoneOffset() : serverOffsetMin;
    return new Date(ms + offset * 60000);
  }

  function tickClock() {
    var now = serverWallClock(Date.now() + serverSkewMs);
    var clock = byId("clock");
    clear(clock);
    clock.appendChild(document.createTextNode(two(now.getUTCHours()) + ":" +
      two(now.getUTCMinutes())));
    clock.appendChild(element("span", "en",
      (now.getUTCMonth() + 1) + "月" + now.getUTCDate() + "日 星期" + WEEKDAYS_ZH[now.getUTCDay()] +
      " · " + WEEKDAYS_EN[now.getUTCDay()] + " " + now.getUTCDate() + " " +
      MONTHS_EN[now.getUTCMonth()]));
  }

  function timeOf(iso) {
    var at = serverWallClock(Date.parse(iso));
    return two(at.getUTCHours()) + ":" + two(at.getUTCMinutes());
  }

  // --- drawing the board --------------------------------------------------------------------

  function drawNow(board, fresh) {
    var main = byId("now-main");
    var calls = board.now_calling.length ? board.now_calling : board.recent_calls.slice(0, 1);
    clear(main);
    if (!calls.length) {
      main.appendChild(element("div", "idle", "请留意叫号"));
      main.appendChild(element("div", "idle en", "Please wait for your number to be called"));
    } else {
      var call = calls[0];
      main.setAttribute("data-call", call.call_id);
      var number = element("div", "num", call.number);
      if (call.recall) number.appendChild(element("span", "recall", "重呼 Again"));
      main.appendChild(number);
      var line = element("div", "room");
      if (call.display_name) line.appendChild(element("span", "name", call.display_name));
      line.appendChild(document.createTextNode("请到 "));
      line.appendChild(element("b", null, call.room));
      main.appendChild(line);
      main.appendChild(element("div", "room en", "Number " + call.number + ", please go to " +
        (call.room_en || call.room)));
      if (fresh[call.call_id]) flash(main);
    }
    var more = byId("now-more");
    clear(more);
    for (var i = 1; i < board.now_calling.length; i++) {
      var other = board.now_calling[i];
      var item = element("li");
      item.appendChild(element("span", "num", other.number));
      var where = element("span", "where");
      where.appendChild(element("span", "room", other.room));
      if (other.room_en) where.appendChild(element("span", "en", other.room_en));
      item.appendChild(where);
      more.appendChild(item);
      if (fresh[other.call_id]) flash(item);
    }
  }

  function drawRecent(board, fresh) {
    var table = byId("recent-calls");
    clear(table);
    if (!board.recent_calls.length) {
      var none = element("tr");
      none.appendChild(element("td", "en", "暂无叫号 · No calls yet"));
      table.appendChild(none);
    }
    for (var i = 0; i < board.recent_calls.length; i++) {
      var call = board.recent_calls[i];
      var row = element("tr");
      row.appendChild(element("td", "num", call.number));
      row.appendChild(element("td", "name", call.display_name));
      var room = element("td", "room", call.room);
      if (call.room_en) room.appendChild(element("span", "en", call.room_en));
      row.appendChild(room);
      row.appendChild(element("td", "time", timeOf(call.called_at)));
      table.appendChild(row);
      if (fresh[call.call_id]) flash(row);
    }
    fitRecent();
  }

  // Only whole rows: those that would be cut at the bottom of the panel are hidden.
  function fitRecent() {
    var panel = byId("recent-calls").parentNode;
    var bottom = panel.getBoundingClientRect().bottom;
    var rows = byId("recent-calls").rows;
    for (var i = 0; i < rows.length; i++) rows[i].style.display = "";
    for (i = rows.length - 1; i >= 0 && rows[i].getBoundingClientRect().bottom > bottom; i--) {
      rows[i].style.display = "none";
    }
  }

  function drawQueues(board) {
    var box = byId("queues");
    clear(box);
    for (var i = 0; i < board.queues.length; i++) {
      var queue = board.queues[i];
      var card = element("div", "queue");
      card.setAttribute("data-queue", queue.queue_id);
      var top = element("div", "top");
      top.appendChild(element("span", "qname", queue.name));
      top.appendChild(element("span", "num", queue.serving || "—"));
      card.appendChild(top);
      var second = element("div", "second");
      second.appendChild(element("span", "qname en", queue.name_en || queue.room_en));
      second.appendChild(element("span", "count", queue.waiting + " 人候诊 · waiting"));
      card.appendChild(second);
      var next = element("div", "next");
      next.appendChild(element("span", "label", "下一位 Next"));
      if (!queue.next_numbers.length) next.appendChild(element("span", "en", "—"));
      for (var j = 0; j < queue.next_numbers.length; j++) {
        next.appendChild(element("span", "num", queue.next_numbers[j]));
      }
      card.appendChild(next);
      box.appendChild(card);
    }
  }

  function flash(node) {
    node.className = node.className.replace(/\s*\bflash\b/g, "");
    void node.offsetWidth; // restart the animation
    node.className += " flash";
  }

  function show(board) {
    if (board.version < shownVersion) return; // an older answer overtaken by a newer one
    shownVersion = board.version;
    learnServerTime(board.server_time);
    setOnline(true);
    var fresh = {};
    var i;
    if (seenCalls === null) {
      seenCalls = {};
    } else {
      for (i = board.now_calling.length - 1; i >= 0; i--) { // oldest first
        var call = board.now_calling[i];
        if (!seenCalls[call.call_id]) {
          fresh[call.call_id] = true;
          announce(call);
        }
      }
    }
    for (i = 0; i < board.recent_calls.length; i++) seenCalls[board.recent_calls[i].call_id] = true;
    for (i = 0; i < board.now_calling.length; i++) seenCalls[board.now_calling[i].call_id] = true;
    drawNow(board, fresh);
    drawRecent(board, fresh);
    drawQueues(board);
    tickClock();
  }

  function setOnline(online) {
    byId("offline").hidden = online;
    var classes = body.className.replace(/\s*\boffline\b/g, "");
    body.className = online ? classes : classes + " offline";
    fitRecent();
  }

  // --- getting the board: pushed, else polled -----------------------------------------------

  function connect() {
    if (!window.EventSource) {
      startPolling();
      return;
    }
    source = new EventSource(eventsUrl);
    source.addEventListener("board", function (event) {
      lastPushAt = Date.now();
      stopPolling();
      show(JSON.parse(event.data));
    });
    // It reconnects by itself (the server says "retry: 2000"); meanwhile, poll.
    source.onerror = startPolling;
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", boardUrl);
    request.timeout = REQUEST_TIMEOUT_MS;
    request.onload = function () {
      if (request.status === 200) {
        lastPushAt = Date.now();
        show(JSON.parse(request.responseText));
      } else {
        setOnline(false);
      }
    };
    request.onerror = request.ontimeout = function () {
      setOnline(false);
    };
    request.send();
  }

  function startPolling() {
    if (pollTimer !== null) return;
    poll();
    pollTimer = setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    if (pollTimer === null) return;
    clearInterval(pollTimer);
    pollTimer = null;
  }

  // Keepalive comments do not reach the page, so a stream quiet for SILENCE_MS may be dead
  // (a half-open connection never errors): open it again (the server answers with the board
  // at once) and poll until it does.
  function watchSilence() {
    if (Date.now() - lastPushAt <= SILENCE_MS) return;
    lastPushAt = Date.now();
    if (source) {
      source.close();
      connect();
    }
    startPolling();
  }

  // --- announcements: one after the other ---------------------------------------------------

  var waiting = [];
  var playing = false;

  function announce(call) {
    waiting.push(call);
    playNext();
  }

  function setVoiceOff(off) {
    byId("voice-off").hidden = !off;
  }

  function setSpeaking(call) {
    var speaking = byId("speaking");
    speaking.hidden = !call;
    speaking.textContent = call ? "\uD83D\uDD0A " + call.number : "";
  }

  function finish(audio) {
    audio.parentNode.removeChild(audio);
    playing = false;
    setSpeaking(null);
    playNext();
  }

  // A sound that failed may be a server without a voice (503): ask it, and say so on screen.
  function checkVoice(url) {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.onload = function () {
      setVoiceOff(request.status === 503);
    };
    request.send();
  }

  function playNext() {
    if (playing || !waiting.length) return;
    var call = waiting.shift();
    if (Date.now() + serverSkewMs - Date.parse(call.called_at) > STALE_CALL_MS) {
      playNext();
      return;
    }
    playing = true;
    var audio = document.createElement("audio");
    audio.onplaying = function () {
      setVoiceOff(false);
      setSpeaking(call);
    };
    audio.onended = function () {
      finish(audio);
    };
    audio.onerror = function () {
      finish(audio);
      checkVoice(call.announcement_url);
    };
    audio.src = call.announcement_url;
    byId("sound").appendChild(audio);
    start(audio);
  }

  function start(audio) {
    var started = audio.play();
    if (started && started["catch"]) {
      started["catch"](function (error) {
        if (error.name !== "NotAllowedError") return; // a failed sound: onerror deals with it
        // Autoplay refused until someone touches the screen once.
        var button = byId("enable-sound");
        button.hidden = false;
        button.onclick = function () {
          button.hidden = true;
          start(audio);
        };
      });
    }
  }

  // Laid out for 1920x1080; any other screen (a 1366x768 TV) shows the same, scaled.
  function fitScreen() {
    var scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080);
    document.documentElement.style.zoom = Math.abs(scale - 1) < 0.01 ? "" : String(scale);
    fitRecent();
  }

  window.onresize = fitScreen;
  fitScreen();
  setInterval(tickClock, 1000);
  setInterval(watchSilence, 1000);
  tickClock();
  connect();
  if (!source) return;
  poll(); // the first board at once, even before the stream's first event
})();
