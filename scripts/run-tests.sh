#!/usr/bin/env bash
# `make test`'s test run: two pytest processes side by side, so the two cores both work.
#
# The reference server's tests (on SQLite and on PostgreSQL, and against the FHIR test
# server; mostly waiting on loopback HTTP and the database) run in one process, the kiosk's
# (Qt widgets, devices, flows; mostly CPU) in the other: each about 17 minutes on CI. Each keeps its own session fixtures (the server's PostgreSQL cluster, the
# browsers). The server group's output is shown after the kiosk group's, each whole.
# With arguments (`make test PYTEST_ARGS=tests/ui/test_home.py`) one pytest runs them as given.
set -uo pipefail
cd "$(dirname "$0")/.."
python=.venv/bin/python
export QT_QPA_PLATFORM=offscreen

if (($#)); then
  exec "$python" -m pytest "$@"
fi

server_tests=(tests/server tests/security tests/backend tests/web tests/fhir)
server_log=$(mktemp -t kiosk-server-tests.XXXXXX)
trap 'rm -f "$server_log"' EXIT

"$python" -m pytest -p no:cacheprovider "${server_tests[@]}" >"$server_log" 2>&1 &
server_pid=$!

ignored=()
for path in "${server_tests[@]}"; do ignored+=(--ignore "$path"); done
echo "== the kiosk's tests (the server's run alongside; their report follows)"
"$python" -m pytest "${ignored[@]}" tests
kiosk_status=$?

wait "$server_pid"
server_status=$?
echo
echo "== the server's tests: ${server_tests[*]}"
cat "$server_log"

if ((kiosk_status != 0 || server_status != 0)); then
  echo "make test: failed (kiosk's tests: exit $kiosk_status, server's tests: exit $server_status)" >&2
  exit 1
fi
