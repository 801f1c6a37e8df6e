/* The phone page, live: the status pushed by server-sent events (polled every 5 s when they
 * fail); when it changes, the page's main part is fetched again, already in its language.
 * ES5 only, for old phone browsers. */
(function () {
  "use strict";

  var POLL_MS = 5000;
  var body = document.body;
  var statusUrl = body.getAttribute("data-status-url");
  var eventsUrl = body.getAttribute("data-events-url");
  var partUrl = body.getAttribute("data-part-url");
  var main = document.getElementsByTagName("main")[0];
  var pollTimer = null;
  var announced = -1; // the newest version the server has told of

  function shown() {
    var state = document.getElementById("state");
    return {
      state: state ? state.getAttribute("data-state") : "",
      version: state ? +state.getAttribute("data-version") : -1
    };
  }

  function setOnline(online) {
    document.getElementById("offline").hidden = online;
    body.className = online ? "" : "offline";
  }

  function get(url, done) {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.timeout = 4000;
    request.onload = function () {
      if (request.status === 200) {
        setOnline(true);
        done(request.responseText);
      } else {
        setOnline(false);
      }
    };
    request.onerror = request.ontimeout = function () {
      setOnline(false);
    };
    request.send();
  }

  function refresh() {
    var before = shown().state;
    get(partUrl, function (part) {
      // Two changes in quick succession fetch twice, and the answers may come back in
      // either order: an older part never replaces a newer one, and a part older than the
      // newest change told of is fetched again.
      var holder = document.createElement("div");
      holder.innerHTML = part;
      var state = holder.querySelector("#state");
      var version = state ? +state.getAttribute("data-version") : -1;
      if (version < shown().version) return;
      main.innerHTML = part;
      if (shown().state === "called" && before !== "called") {
        if (navigator.vibrate) navigator.vibrate([400, 200, 400, 200, 400]);
        document.title = "\u2757 " + document.title.replace(/^\u2757 /, "");
      }
      if (version < announced) refresh();
    });
  }

  function onStatus(text) {
    var status = JSON.parse(text);
    if (status.version > announced) announced = status.version;
    if (status.version !== shown().version) refresh();
  }

  function poll() {
    get(statusUrl, onStatus);
  }

  function startPolling() {
    if (pollTimer !== null) return;
    poll();
    pollTimer = setInterval(poll, POLL_MS);
  }

  if (window.EventSource) {
    var source = new EventSource(eventsUrl);
    source.addEventListener("status", function (event) {
      if (pollTimer !== null) {
        clearInterval(pollTimer);
        pollTimer = null;
      }
      setOnline(true);
      onStatus(event.data);
    });
    source.onerror = startPolling; // it reconnects by itself; meanwhile, poll
  } else {
    startPolling();
  }
})();
