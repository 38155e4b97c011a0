#!/usr/bin/env bash
# `make demo`: start calconnd on a throw-away configuration, show `calconnctl status`, reload it,
# and stop it cleanly (also on Ctrl-C). Only the daemon skeleton exists so far; this script says
# so instead of pretending to sync calendars.
set -euo pipefail

build_dir=${1:-build}
calconnd="$build_dir/daemon/calconnd"
calconnctl="$build_dir/daemon/calconnctl"
for binary in "$calconnd" "$calconnctl"; do
    [[ -x "$binary" ]] || { echo "demo: $binary not built (run: make build)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/calconn-demo-XXXXXX)
daemon_pid=""
stop_sent=""

# Sends exactly one SIGTERM (a second would make calconnd exit at once), then waits; safe to
# call again from the EXIT trap when a Ctrl-C interrupted the first wait.
stop_daemon() {
    [[ -n "$daemon_pid" ]] || return 0
    if [[ -z "$stop_sent" ]]; then
        stop_sent=1
        kill -TERM "$daemon_pid" 2>/dev/null || true
        echo "==> stopping calconnd (SIGTERM)"
    fi
    local rc=0
    wait "$daemon_pid" || rc=$?
    echo "    calconnd exited with status $rc"
    daemon_pid=""
}
cleanup() {
    set +e  # a failing echo (closed output) must not skip stopping the daemon
    stop_daemon
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM HUP
# Output closed (e.g. piped into head): stop the daemon anyway, without dying on each echo.
trap 'trap "" PIPE; exit 141' PIPE

# A demo configuration: state and control socket in the temp dir, a placeholder tenant.
printf 'demo-secret-not-used\n' > "$work/client-secret"
chmod 600 "$work/client-secret"
cat > "$work/calconnd.yaml" <<YAML
daemon:
  state_directory: $work/state
  control_socket: $work/control.sock
microsoft365:
  tenants:
    - name: demo
      tenant_id: 00000000-0000-4000-8000-000000000001
      client_id: 00000000-0000-4000-8000-000000000002
      client_secret_file: $work/client-secret
logging:
  level: info
  target: stderr
YAML

echo "==> calconnd --check-config"
"$calconnd" --check-config --config "$work/calconnd.yaml" && echo "    configuration valid"

echo "==> starting calconnd (log: $work/calconnd.log)"
# Own session: a Ctrl-C in this terminal reaches only the script, which then stops the daemon
# with one SIGTERM (a second stop signal would make calconnd exit at once).
setsid "$calconnd" --config "$work/calconnd.yaml" 2> "$work/calconnd.log" &
daemon_pid=$!

deadline=$((SECONDS + 10))
until "$calconnctl" --config "$work/calconnd.yaml" status >/dev/null 2>&1; do
    if ! kill -0 "$daemon_pid" 2>/dev/null; then
        echo "demo: calconnd exited during start-up:" >&2
        cat "$work/calconnd.log" >&2
        exit 1
    fi
    if (( SECONDS >= deadline )); then
        echo "demo: calconnd did not answer on its control socket within 10 s" >&2
        exit 1
    fi
    sleep 0.1
done

echo "==> calconnctl status"
"$calconnctl" --config "$work/calconnd.yaml" status | sed 's/^/    /'

echo "==> reload (SIGHUP)"
kill -HUP "$daemon_pid"
deadline=$((SECONDS + 10))
until grep -q "configuration reloaded" "$work/calconnd.log"; do
    (( SECONDS < deadline )) || { echo "demo: no reload seen" >&2; exit 1; }
    sleep 0.1
done
echo "    configuration reloaded"

cat <<'TEXT'
==> what is not there yet
    This build has the daemon skeleton only: configuration, signals, systemd readiness, the
    control socket and `calconnctl status`. Calendar sync with Microsoft Graph, join-target
    detection, meeting lists, presence and room-device pushes are not built yet (later issues),
    so nothing is synchronised and no simulator is started.
TEXT

stop_daemon
echo "==> calconnd log"
sed 's/^/    /' "$work/calconnd.log"
