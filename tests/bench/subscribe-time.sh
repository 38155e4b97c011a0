#!/usr/bin/env bash
# How long calconnd takes to subscribe every mailbox to Graph change notifications at start:
# graphsim with N mailboxes and L ms of service time per Graph call (each creation also passes
# graphsim's validation handshake against calconnd's API over HTTPS), calconnd with
# sync.notifications, and the time from READY until graphsim has answered N subscription
# creations.
#
#   tests/bench/subscribe-time.sh [BUILD_DIR] [MAILBOXES] [LATENCY_MS]   (defaults: build 200 200)
#
# Prints one line: mailboxes, latency, seconds. Everything runs on 127.0.0.1 and is removed after.
set -euo pipefail

build_dir=${1:-build}
mailboxes=${2:-200}
latency_ms=${3:-200}
graphsim="$build_dir/tests/sim/graphsim/graphsim"
calconnd="$build_dir/daemon/calconnd"
for binary in "$graphsim" "$calconnd"; do
    [[ -x "$binary" ]] || { echo "subscribe-time: $binary not built" >&2; exit 1; }
done

work=$(mktemp -d /tmp/calconn-subscribe-XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Polls `file` for `text` until `seconds` pass; fails with the file's tail.
wait_for() {
    local file=$1 text=$2 seconds=$3
    local deadline=$((SECONDS + seconds))
    until grep -q "$text" "$file" 2>/dev/null; do
        (( SECONDS < deadline )) || { tail -20 "$file" >&2; echo "subscribe-time: no '$text'" >&2; exit 1; }
        sleep 0.05
    done
}

tenant=72f988bf-86f1-41af-91ab-2d7cd011db47
client=6731de76-14a6-49ae-97bc-6eba6914391e
secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
"$graphsim" --port 0 --tenant-id "$tenant" --client-id "$client" --client-secret "$secret" \
    --tenant-seed 7 --users "$mailboxes" --rooms 0 --events-per-mailbox 1 \
    --latency-ms "$latency_ms" --gen-ca "$work/ca" --trust-ca "$work/ca/ca.pem" \
    > "$work/graphsim.out" 2> "$work/graphsim.log" &
pids+=($!)
wait_for "$work/graphsim.out" "listening on" 30
graph_url=$(grep -o 'https://127.0.0.1:[0-9]*' "$work/graphsim.out" | head -1)

api_port=$((20000 + RANDOM % 20000))
while ss -Htln "sport = :$api_port" | grep -q .; do api_port=$((20000 + RANDOM % 20000)); done
umask 077
printf '%s\n' "$secret" > "$work/client-secret"
{
    cat <<EOF
daemon:
  state_directory: $work/state
  control_socket: $work/control.sock
microsoft365:
  tenants:
    - name: bench
      tenant_id: $tenant
      client_id: $client
      client_secret_file: $work/client-secret
      login_endpoint: $graph_url
      graph_endpoint: $graph_url
sync:
  poll_interval: 1h
  notifications:
    public_url: https://127.0.0.1:$api_port/graph/notifications
api:
  listen: 127.0.0.1:$api_port
  tls:
    certificate_file: $work/ca/server.pem
    private_key_file: $work/ca/server.key
  tokens_file: $work/api-tokens.yaml
tls:
  ca_file: $work/ca/ca.pem
logging:
  level: info
mailboxes:
  users:
EOF
    curl -sS --cacert "$work/ca/ca.pem" "$graph_url/_sim/mailboxes" |
        grep -o '"upn":"[^"]*"' | cut -d'"' -f4 | sed 's/^/    - /'
} > "$work/calconnd.yaml"

"$calconnd" --config "$work/calconnd.yaml" > "$work/calconnd.log" 2>&1 &
pids+=($!)
wait_for "$work/calconnd.log" "calconn.app: ready" 60
start=$(date +%s.%N)
# graphsim counts the subscription requests it answered; no faults here, so each one made a
# subscription.
deadline=$((SECONDS + 3600))
until [[ $(curl -sS --cacert "$work/ca/ca.pem" "$graph_url/_sim/counters" |
           grep -o '"subscriptions":[0-9]*' | head -1 | cut -d: -f2) -ge $mailboxes ]] 2>/dev/null; do
    (( SECONDS < deadline )) || { echo "subscribe-time: not subscribed within an hour" >&2; exit 1; }
    sleep 0.1
done
end=$(date +%s.%N)
awk -v m="$mailboxes" -v l="$latency_ms" -v s="$start" -v e="$end" \
    'BEGIN { printf "mailboxes=%s latency_ms=%s subscribed_in_s=%.1f\n", m, l, e - s }'
