/* The staff caller page (/staff): keeps the queue current and sends the station's actions.
 *
 * The server renders the page and hands this script its settings and words in the
 * data-config attribute of #staff. The queue is asked for every poll_ms and at once after each
 * action (see kiosk/server/staffpage.py for why polling). Every action carries a fresh
 * Idempotency-Key; a request the network swallowed is sent again with the same key, so a
 * retried call can never call a second patient. No framework, nothing from elsewhere.
 */
"use strict";
(function () {
  var root = document.getElementById("staff");
  if (!root) { return; }
  var config = JSON.parse(root.getAttribute("data-config"));
  var text = config.text;
  var REQUEST_TIMEOUT_MS = 8000;
  var RETRIES = 3;              // an action lost on the network is sent again this often
  var RETRY_DELAY_MS = 1500;
  var ERROR_SHOWN_MS = 15000;   // an error banner goes after this, or at the next success
  var ACTIVE_STATES = ["called", "serving"];

  var banner = document.getElementById("banner");
  var connection = document.getElementById("connection");
  var nowEntry = document.getElementById("now-entry");
  var others = document.getElementById("others");
  var othersList = document.getElementById("others-list");
  var waitingList = document.getElementById("waiting-list");
  var nobodyWaiting = document.getElementById("nobody-waiting");
  var waitingTable = document.getElementById("waiting-table");
  var waitingCount = document.getElementById("waiting-count");
  var dialog = document.getElementById("transfer-dialog");
  var targets = document.getElementById("transfer-targets");
  var buttons = {};
  Array.prototype.forEach.call(document.querySelectorAll("button[data-action]"), function (b) {
    buttons[b.getAttribute("data-action")] = b;
  });

  var view = null;            // the last QueueView
  var selectedId = null;      // the entry in the "now" panel: the one this page called or picked
  var adopted = false;        // after a reload, the station's latest call is picked once
  var busy = {};              // action name -> true while its request is out
  var polling = false;
  var pollAgain = false;
  var pollTimer = null;
  var errorTimer = null;
  var listPending = false;    // a list render waits while a priority menu has the focus
  var queues = null;          // GET /queues, for the transfer targets

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return name in values ? String(values[name]) : match;
    });
  }

  function newKey() {
    var cryptoApi = window.crypto;
    if (cryptoApi && typeof cryptoApi.randomUUID === "function") { return cryptoApi.randomUUID(); }
    if (cryptoApi && typeof cryptoApi.getRandomValues === "function") {
      // crypto.randomUUID needs a secure context; a hospital LAN page may be plain http.
      var bytes = new Uint8Array(16);
      cryptoApi.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) {
        return (b + 256).toString(16).slice(1);
      }).join("");
    }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2) +
      Math.random().toString(36).slice(2);
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined) { node.textContent = content; }
    return node;
  }

  // --- talking to the server ---------------------------------------------------------------

  function request(method, path, body, key) {
    var headers = {Accept: "application/json"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    if (key) { headers["Idempotency-Key"] = key; }
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); },
                                               REQUEST_TIMEOUT_MS) : null;
    return fetch(config.api + path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (answer) {
      return answer.text().then(function (raw) { return {answer: answer, raw: raw}; });
    }).then(function (got) {
      window.clearTimeout(timer);
      var data = null;
      try { data = got.raw ? JSON.parse(got.raw) : null; } catch (ignored) { data = null; }
      if (got.answer.ok && data !== null) { return data; }
      if (got.answer.ok) { throw lost(); }   // a garbled answer: as good as none
      var detail = data && data.error ? data.error : {};
      var error = new Error(detail.message || ("HTTP " + got.answer.status));
      error.status = got.answer.status;
      error.code = detail.code || "";
      throw error;
    }, function () {
      // No answer, or one cut short (the body may be lost after the server did the work).
      window.clearTimeout(timer);
      throw lost();
    });
  }

  function lost() {
    var error = new Error("network");
    error.network = true;
    return error;
  }

  function later(ms) {
    return new Promise(function (resolve) { window.setTimeout(resolve, ms); });
  }

  // --- banners -----------------------------------------------------------------------------

  function showConnectionLost(lost) {
    connection.hidden = !lost;
  }

  function hideError() {
    banner.hidden = true;
    banner.textContent = "";
  }

  function showError(error) {
    hideError();
    window.clearTimeout(errorTimer);
    if (error.network) {
      banner.textContent = text.not_confirmed;
    } else if (error.status === 401) {
      banner.textContent = text.unauthorized + " ";
      var link = element("a", "", text.sign_in_again);
      link.href = config.home;
      banner.appendChild(link);
    } else if (error.code && text[error.code]) {
      banner.textContent = text[error.code];
    } else {
      banner.textContent = text.failed + error.message;
    }
    banner.setAttribute("data-code", error.network ? "network" : (error.code || ""));
    banner.hidden = false;
    errorTimer = window.setTimeout(hideError, ERROR_SHOWN_MS);
  }

  // --- what the page shows -----------------------------------------------------------------

  function markOf(entry) {
    return config.marks[entry.priority] || "";
  }

  function activeEntries() {
    return view ? view.current.filter(function (e) {
      return ACTIVE_STATES.indexOf(e.state) >= 0;
    }) : [];
  }

  function selectedEntry() {
    var active = activeEntries();
    if (!adopted && view) {
      adopted = true;
      if (selectedId === null) {
        var own = active.filter(function (e) { return e.station_id === config.station; })[0];
        selectedId = own ? own.id : null;
      }
    }
    // Kept while not shown: a poll answered before this page's own call may still arrive.
    return active.filter(function (e) { return e.id === selectedId; })[0] || null;
  }

  function renderNow() {
    var entry = selectedEntry();
    nowEntry.textContent = "";
    if (!entry) {
      nowEntry.appendChild(element("p", "idle", text.nobody_called));
    } else {
      var card = element("div", "entry state-" + entry.state);
      card.setAttribute("data-entry-id", String(entry.id));
      card.appendChild(element("p", "number", entry.number));
      var who = element("p", "name", entry.display_name);
      if (markOf(entry)) { who.appendChild(element("span", "mark", markOf(entry))); }
      if (entry.transferred_from) { who.appendChild(element("span", "tag", text.returned)); }
      card.appendChild(who);
      var facts = [text["state_" + entry.state] || entry.state];
      if (entry.recalls) { facts.push(format(text.recalls, {n: entry.recalls})); }
      if (entry.misses) { facts.push(format(text.misses, {n: entry.misses})); }
      card.appendChild(element("p", "state", facts.join(" · ")));
      nowEntry.appendChild(card);
    }
    var rest = activeEntries().filter(function (e) { return !entry || e.id !== entry.id; });
    othersList.textContent = "";
    rest.forEach(function (e) {
      var pick = element("button", "other", e.number + " " + e.display_name + " · " +
                         (text["state_" + e.state] || e.state));
      pick.type = "button";
      pick.addEventListener("click", function () {
        selectedId = e.id;
        render();
      });
      othersList.appendChild(pick);
    });
    others.hidden = rest.length === 0;
  }

  function minutesWaited(entry) {
    var since = Date.parse(view.server_time) - Date.parse(entry.entered_at);
    return Math.max(0, Math.floor(since / 60000));
  }

  function prioritySelect(entry) {
    var select = element("select", "priority-select");
    select.setAttribute("aria-label", format(text.set_priority, {number: entry.number}));
    ["none", "elderly", "disabled", "military"].forEach(function (priority) {
      var option = element("option", "", text["priority_" + priority]);
      option.value = priority;
      option.selected = priority === entry.priority;
      select.appendChild(option);
    });
    select.addEventListener("change", function () {
      select.blur();              // let the list show the answer
      run("priority:" + entry.id, "/queue-entries/" + entry.id + "/priority",
          {priority: select.value});
    });
    return select;
  }

  function renderWaiting() {
    if (waitingList.contains(document.activeElement)) {
      listPending = true;         // don't pull a menu from under the hand that opened it
      return;
    }
    listPending = false;
    waitingList.textContent = "";
    view.waiting.forEach(function (entry) {
      var row = element("tr");
      row.setAttribute("data-entry-id", String(entry.id));
      row.appendChild(element("td", "number", entry.number));
      var name = element("td", "name", entry.display_name);
      if (entry.transferred_from) { name.appendChild(element("span", "tag", text.returned)); }
      row.appendChild(name);
      var mark = element("td", "marks");
      if (markOf(entry)) {
        var badge = element("span", "mark", markOf(entry));
        badge.title = text["priority_" + entry.priority];
        mark.appendChild(badge);
      }
      mark.appendChild(prioritySelect(entry));
      row.appendChild(mark);
      row.appendChild(element("td", "waited", format(text.minutes, {n: minutesWaited(entry)})));
      waitingList.appendChild(row);
    });
    nobodyWaiting.hidden = view.waiting.length > 0;
    waitingTable.hidden = view.waiting.length === 0;
    waitingCount.textContent = String(view.waiting.length);
  }

  function updateButtons() {
    var entry = view ? selectedEntry() : null;
    var state = entry ? entry.state : "";
    var allowed = {
      call_next: true,
      recall: state === "called",
      miss: state === "called",
      serve: state === "called",
      finish: state === "called" || state === "serving",
      transfer: state === "called" || state === "serving"
    };
    // While one of them waits for its answer the patient in the panel may be changing: the
    // buttons wait with it.
    var waiting = Object.keys(buttons).some(function (name) { return busy[name]; });
    Object.keys(buttons).forEach(function (name) {
      buttons[name].disabled = !view || !allowed[name] || waiting;
      buttons[name].setAttribute("aria-busy", busy[name] ? "true" : "false");
    });
  }

  // The page is drawn again only when something it shows changed: the queue, the chosen
  // patient, or the minute the waits are counted to.
  var drawn = "";
  function render() {
    if (!view) { return; }
    var minute = Math.floor(Date.parse(view.server_time) / 60000);
    var shown = [view.version, minute, selectedId].join("/");
    if (shown !== drawn || listPending) {
      drawn = shown;
      renderNow();
      renderWaiting();
    }
    updateButtons();
  }

  // --- keeping current ---------------------------------------------------------------------

  function poll() {
    window.clearTimeout(pollTimer);
    if (polling) { pollAgain = true; return; }
    polling = true;
    request("GET", "/queues/" + encodeURIComponent(config.queue)).then(function (answer) {
      showConnectionLost(false);
      if (!view || answer.version >= view.version) { view = answer; }
      render();
    }, function (error) {
      if (error.network || error.status >= 500) {
        showConnectionLost(true);
      } else {
        showError(error);
      }
    }).then(function () {
      polling = false;
      if (pollAgain) {
        pollAgain = false;
        poll();
      } else {
        pollTimer = window.setTimeout(poll, config.poll_ms);
      }
    });
  }

  // One action: its button waits for the answer; the answer or the error shows; then a poll.
  function run(name, path, body, onSuccess) {
    if (busy[name]) { return; }
    busy[name] = true;
    updateButtons();
    var key = newKey();
    var attempt = 0;
    function send() {
      return request("POST", path, body, key).catch(function (error) {
        if (!error.network || attempt >= RETRIES) { throw error; }
        attempt += 1;
        showConnectionLost(true);
        return later(RETRY_DELAY_MS * attempt).then(send);
      });
    }
    send().then(function (entry) {
      showConnectionLost(false);
      hideError();
      if (onSuccess) { onSuccess(entry); }
    }, showError).then(function () {
      busy[name] = false;
      updateButtons();
      poll();
    });
  }

  function entryPath(action) {
    return "/queue-entries/" + selectedId + "/" + action;
  }

  var actions = {
    call_next: function () {
      run("call_next", "/queues/" + encodeURIComponent(config.queue) + "/call-next", undefined,
          function (entry) { selectedId = entry.id; });
    },
    recall: function () { run("recall", entryPath("recall")); },
    miss: function () { run("miss", entryPath("miss")); },
    serve: function () { run("serve", entryPath("serve")); },
    finish: function () { run("finish", entryPath("finish")); },
    transfer: function () { openTransfer(); }
  };

  Object.keys(buttons).forEach(function (name) {
    buttons[name].addEventListener("click", function () {
      if (!buttons[name].disabled) { actions[name](); }
    });
  });

  // --- transfer ----------------------------------------------------------------------------

  function closeTransfer() {
    if (typeof dialog.close === "function") { dialog.close(); } else { dialog.removeAttribute("open"); }
  }

  // First where the patient came from (回诊), then the services a doctor sends people to,
  // then the other rooms, each in the server's order.
  var TARGET_ORDER = ["lab", "cashier", "pharmacy", "room"];

  function showTargets() {
    var entry = selectedEntry();
    var from = entry ? entry.transferred_from : null;
    function rank(q) {
      return q.id === from ? -1 : TARGET_ORDER.indexOf(q.kind);
    }
    targets.textContent = "";
    queues.filter(function (q) { return q.id !== config.queue; }).map(function (q, index) {
      return {queue: q, index: index};
    }).sort(function (a, b) {
      return rank(a.queue) - rank(b.queue) || a.index - b.index;
    }).forEach(function (item) {
      var q = item.queue;
      var english = document.documentElement.lang === "en";
      var target = element("button", "target");
      target.type = "button";
      target.setAttribute("data-queue", q.id);
      target.appendChild(element("span", "label", (english && q.name_en) || q.name));
      var room = (english && q.room_en) || q.room;
      if (target.textContent.indexOf(room) < 0) { target.appendChild(element("span", "room", room)); }
      target.addEventListener("click", function () {
        var entryId = selectedId;
        closeTransfer();
        run("transfer", "/queue-entries/" + entryId + "/transfer", {to_queue: q.id});
      });
      targets.appendChild(target);
    });
  }

  function openTransfer() {
    if (selectedId === null) { return; }
    var shown = queues ? Promise.resolve() : request("GET", "/queues").then(function (list) {
      queues = list.queues;
    });
    shown.then(function () {
      showTargets();
      if (typeof dialog.showModal === "function") { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    }, showError);
  }

  document.getElementById("transfer-cancel").addEventListener("click", closeTransfer);
  banner.addEventListener("click", function (event) {
    if (event.target === banner) { hideError(); }
  });

  // --- keyboard ----------------------------------------------------------------------------

  var keyActions = {};
  Object.keys(config.shortcuts).forEach(function (name) {
    config.shortcuts[name].forEach(function (key) { keyActions[key] = name; });
  });

  function keyName(event) {
    if (event.key === " " || event.key === "Spacebar") { return "Space"; }
    return event.key && event.key.length === 1 ? event.key.toUpperCase() : event.key;
  }

  function typing(target) {
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "input" || tag === "select" || tag === "textarea" ||
      Boolean(target && target.isContentEditable);
  }

  function shortcutFor(event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return null; }
    if (typing(event.target) || dialog.hasAttribute("open")) { return null; }
    return keyActions[keyName(event)] || null;
  }

  document.addEventListener("keydown", function (event) {
    var name = shortcutFor(event);
    if (!name) { return; }
    // Space on a focused button would also press that button; F1 would open the help.
    event.preventDefault();
    if (event.repeat) { return; }   // one press, one call: a held key does not call on
    if (!buttons[name].disabled) { actions[name](); }
  });
  document.addEventListener("keyup", function (event) {
    if (shortcutFor(event)) { event.preventDefault(); }
  });

  waitingList.addEventListener("focusout", function () {
    window.setTimeout(function () { if (listPending && view) { renderWaiting(); } }, 0);
  });

  poll();
})();
