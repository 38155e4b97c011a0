#!/usr/bin/env bash
# `make demo`: the whole pipeline on loopback. Starts graphsim (a simulated Microsoft 365 tenant),
# webexsim (Webex Meetings API), a few roomsim devices (Cisco RoomOS) and calconnd with
# config/demo.yaml and a throw-away test CA; shows mailboxes syncing, join targets found, keyword
# meetings completed, bookings pushed per room and presence; then keeps changing the tenant every
# few seconds so the pipeline can be watched reacting, until Ctrl-C stops everything cleanly.
#
#   DEMO_CHANGES=N   stop by itself after N changes (default: run until Ctrl-C); then the exit
#                    status says whether every change reached its destination (a ctest runs it)
#   DEMO_PAUSE=S     seconds between changes (default 5)
#   DEMO_KEEP=1      keep the scratch directory (configuration, logs, store) afterwards
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${1:-build}
changes_left=${DEMO_CHANGES:--1}
pause=${DEMO_PAUSE:-5}
bin() { echo "$build_dir/$1"; }
calconnd=$(bin daemon/calconnd)
calconnctl=$(bin daemon/calconnctl)
graphsim=$(bin tests/sim/graphsim/graphsim)
webexsim=$(bin tests/sim/webexsim/webexsim)
roomsim=$(bin tests/sim/roomsim/roomsim)
for binary in "$calconnd" "$calconnctl" "$graphsim" "$webexsim" "$roomsim"; do
    [[ -x "$binary" ]] || { echo "demo: $binary not built (run: make build)" >&2; exit 1; }
done
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "demo: $tool missing (run: make deps)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/calconn-demo-XXXXXX)
chmod 700 "$work"
daemon_pid=""
stop_sent=""
sim_pids=()

say() { printf '%s\n' "$*"; }
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
indent() { sed 's/^/    /'; }

# Exactly one SIGTERM (a second one makes calconnd exit at once), then wait; safe to call again
# from the EXIT trap when a Ctrl-C interrupted the first wait.
stop_daemon() {
    [[ -n "$daemon_pid" ]] || return 0
    if [[ -z "$stop_sent" ]]; then
        stop_sent=1
        kill -TERM "$daemon_pid" 2>/dev/null || true
        say "==> stopping calconnd (SIGTERM)"
    fi
    local rc=0
    wait "$daemon_pid" || rc=$?
    say "    calconnd exited with status $rc"
    daemon_pid=""
}
cleanup() {
    set +e  # a failing echo (closed output) must not skip stopping anything
    stop_daemon
    for pid in "${sim_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${sim_pids[@]}"; do wait "$pid" 2>/dev/null; done
    [[ ${#sim_pids[@]} -eq 0 ]] || say "==> simulators stopped"
    if [[ -n "${DEMO_KEEP:-}" ]]; then say "==> kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'echo; say "demo: Ctrl-C, stopping"; exit 0' INT
trap 'exit 143' TERM HUP
# Output closed (e.g. piped into head): stop everything anyway, without dying on each echo.
trap 'trap "" PIPE; exit 141' PIPE

# Starts a simulator in its own session (a Ctrl-C reaches only this script) and waits for its
# "... listening on https://127.0.0.1:PORT" line; sets sim_url. (Not called in $(...): the pid
# must reach sim_pids in this shell, or cleanup could not stop the simulator.)
start_sim() {
    local name=$1; shift
    setsid "$@" > "$work/$name.out" 2> "$work/$name.log" &
    local pid=$!
    sim_pids+=("$pid")
    local deadline=$((SECONDS + 30))
    until grep -q "listening on" "$work/$name.out"; do
        kill -0 "$pid" 2>/dev/null || { cat "$work/$name.log" >&2; echo "demo: $name failed" >&2; exit 1; }
        (( SECONDS < deadline )) || { echo "demo: $name did not start" >&2; exit 1; }
        sleep 0.1
    done
    sim_url=$(grep -o 'https://127.0.0.1:[0-9]*' "$work/$name.out" | head -1)
}

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 20000))
        ss -Htln "sport = :$port" | grep -q . || { echo "$port"; return; }
    done
}

tenant=72f988bf-86f1-41af-91ab-2d7cd011db47
client=6731de76-14a6-49ae-97bc-6eba6914391e
secret=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
webex_token=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
device_password=$(head -c 12 /dev/urandom | base64 | tr -d '/+=')

step "starting the simulators (throw-away test CA in $work/ca)"
start_sim graphsim "$graphsim" --port 0 --tenant-id "$tenant" --client-id "$client" \
    --client-secret "$secret" --tenant-seed 2026 --users 24 --rooms 6 --events-per-mailbox 20 \
    --gen-ca "$work/ca" --trust-ca "$work/ca/ca.pem"
graph_url=$sim_url
say "    graphsim   $graph_url   24 users, 6 rooms, realistic invitations (Teams, Zoom, Webex, Meet, ...)"
start_sim webexsim "$webexsim" --port 0 --tls-cert "$work/ca/server.pem" \
    --tls-key "$work/ca/server.key" --token "$webex_token" --site demo
webex_url=$sim_url
say "    webexsim   $webex_url   Webex Meetings API, site demo.webex.com"
sim() { curl -sS --fail-with-body --cacert "$work/ca/ca.pem" "$@"; }
mailboxes=$(sim "$graph_url/_sim/mailboxes")
mapfile -t users < <(jq -r '.[] | select(.kind == "user") | .upn' <<< "$mailboxes")
mapfile -t rooms < <(jq -r '.[] | select(.kind == "room") | .upn' <<< "$mailboxes")
device_rooms=("${rooms[@]:0:4}")
declare -A room_url
for i in "${!device_rooms[@]}"; do
    room=${device_rooms[$i]}
    start_sim "roomsim$i" "$roomsim" --port 0 --tls-cert "$work/ca/server.pem" \
        --tls-key "$work/ca/server.key" --user "calconn:$device_password:Admin"
    room_url[$room]=$sim_url
    say "    roomsim    ${room_url[$room]}   RoomOS device in $room"
done

step "writing the configuration (config/demo.yaml + conf.d/10-mailboxes.yaml)"
umask 077
printf '%s\n' "$secret" > "$work/client-secret"
printf '%s\n' "$webex_token" > "$work/webex.token"
printf '%s\n' "$device_password" > "$work/device.pw"
api_port=$(free_port)
api_url="https://127.0.0.1:$api_port"
sed -e "s|@WORK@|$work|g" -e "s|@TENANT_ID@|$tenant|g" -e "s|@CLIENT_ID@|$client|g" \
    -e "s|@GRAPH_URL@|$graph_url|g" -e "s|@WEBEX_URL@|$webex_url|g" \
    -e "s|@API_URL@|$api_url|g" -e "s|@API_PORT@|$api_port|g" \
    "$repo/config/demo.yaml" > "$work/calconnd.yaml"
mkdir -p "$work/conf.d"
{
    say "mailboxes:"
    say "  users:"
    for upn in "${users[@]}"; do say "    - $upn"; done
    say "  rooms:"
    for room in "${rooms[@]}"; do
        say "    - mailbox: $room"
        if [[ -n "${room_url[$room]:-}" ]]; then
            say "      devices:"
            say "        - type: roomos"
            say "          url: ${room_url[$room]}"
            say "          username: calconn"
            say "          password_file: $work/device.pw"
            say "          ca_file: $work/ca/ca.pem"
        fi
    done
} > "$work/conf.d/10-mailboxes.yaml"
umask 022
ctl() { "$calconnctl" --config "$work/calconnd.yaml" "$@"; }
token=$(ctl token create demo-admin --scope admin --tokens-file "$work/api-tokens.yaml" | tail -1)
user_token=$(ctl token create demo-user --scope "user:${users[0]}" --tokens-file "$work/api-tokens.yaml" | tail -1)
"$calconnd" --check-config --config "$work/calconnd.yaml"
say "    configuration valid: ${#users[@]} users, ${#rooms[@]} rooms, ${#device_rooms[@]} with a RoomOS device"
say "    API tokens: admin and user:${users[0]} (only their SHA-256 hashes are in api-tokens.yaml)"

step "starting calconnd (log: $work/calconnd.log)"
setsid "$calconnd" --config "$work/calconnd.yaml" 2> "$work/calconnd.log" &
daemon_pid=$!
deadline=$((SECONDS + 20))
until ctl status >/dev/null 2>&1; do
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/calconnd.log" >&2; echo "demo: calconnd exited" >&2; exit 1; }
    (( SECONDS < deadline )) || { echo "demo: calconnd did not answer within 20 s" >&2; exit 1; }
    sleep 0.1
done

api() { curl -sS --cacert "$work/ca/ca.pem" -H "Authorization: Bearer $token" "$api_url$1"; }
total=$(( ${#users[@]} + ${#rooms[@]} ))
step "syncing $total mailboxes (calendarView delta into the encrypted store)"
deadline=$((SECONDS + 120))
while :; do
    active=$(ctl status --json | jq '[.mailboxes[] | select(.state == "active")] | length')
    bar=$(printf '%*s' $(( active * 40 / total )) '' | tr ' ' '#')
    printf '\r    [%-40s] %d/%d active' "$bar" "$active" "$total"
    (( active >= total )) && break
    (( SECONDS < deadline )) || { echo; say "demo: not all mailboxes synced within 120 s"; break; }
    sleep 0.2
done
echo
events=$(ctl status --json | jq '[.mailboxes[].events] | add')
say "    $events meetings cached, subjects, bodies and addresses encrypted (AES-256-GCM)"

step "join targets found (what apps and devices join), over all users' meetings"
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
until_=$(date -u -d '+30 days' +%Y-%m-%dT%H:%M:%SZ)
for upn in "${users[@]}"; do
    api "/api/v1/users/$upn/meetings?from=$now&to=$until_"
done | jq -rs '[.[].meetings[] | (.join.service // "none")] | group_by(.) |
    map("\(length) \(.[0])") | join(", ")' | indent

room_summary() {
    local room=$1
    sim "${room_url[$room]}/_sim/bookings" | jq -r --arg room "$room" '
        .bookings | "\($room): \(length) bookings on the device" +
        (if length > 0 then " (" + (group_by(.MeetingPlatform) |
            map("\(length) \(.[0].MeetingPlatform)") | join(", ")) + ")" else "" end)'
}
step "bookings pushed to the room devices (xCommand Bookings Put, next 72 h)"
deadline=$((SECONDS + 30))
for room in "${device_rooms[@]}"; do
    until [[ "$(sim "${room_url[$room]}/_sim/bookings" | jq '.generation')" != 0 ]]; do
        (( SECONDS < deadline )) || break
        sleep 0.2
    done
    room_summary "$room" | indent
done

step "how to look"
cat <<TEXT | indent
$calconnctl --config $work/calconnd.yaml status
$calconnctl --config $work/calconnd.yaml devices
curl --cacert $work/ca/ca.pem -H 'Authorization: Bearer $token' \\
     $api_url/api/v1/rooms/${device_rooms[0]}/bookings
curl --cacert $work/ca/ca.pem -H 'Authorization: Bearer $user_token' \\
     $api_url/api/v1/users/${users[0]}/meetings      # a user's token: only their meetings
curl -N --cacert $work/ca/ca.pem -H 'Authorization: Bearer $user_token' \\
     $api_url/api/v1/users/${users[0]}/notifications # server-sent events
curl --cacert $work/ca/ca.pem -H 'Authorization: Bearer $token' $api_url/metrics
TEXT

# --- the tenant keeps changing -------------------------------------------------------------
iso_in() { date -u -d "$1" +%Y-%m-%dT%H:%M:00; }
event_json() {  # subject, location, start offset, body html, [organizer, room]
    local extra='{}'
    if [[ -n "${6:-}" ]]; then
        extra=$(jq -n --arg o "$5" --arg r "$6" '{organizer:{emailAddress:{address:$o}},
            attendees:[{type:"resource",emailAddress:{address:$r},status:{response:"accepted"}}]}')
    fi
    jq -n --arg s "$1" --arg l "$2" --arg st "$(iso_in "$3")" --arg en "$(iso_in "$3 30 minutes")" \
        --arg b "$4" --argjson extra "$extra" \
        '{subject:$s, location:{displayName:$l}, start:{dateTime:$st,timeZone:"UTC"},
          end:{dateTime:$en,timeZone:"UTC"}, body:{contentType:"html",content:$b}} + $extra'
}
wait_for() {  # seconds, command...: polls until the command succeeds
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@"; do (( SECONDS < deadline )) || return 1; sleep 0.2; done
}
room_has() { sim "${room_url[$1]}/_sim/bookings" | jq -e --arg t "$2" '[.bookings[] | select(.Title == $t)] | length > 0' >/dev/null; }
room_lacks() { ! room_has "$@"; }
block_written() {
    sim "$graph_url/_sim/mailboxes/$1/events/$2" | jq -e '.body.content | test("demo.webex.com")' >/dev/null
}
presence_is() { [[ "$(api "/api/v1/users/$1/presence" | jq -r '.state')" == "$2" ]]; }

declare -a created_rooms=() created_ids=()
change=0
missed=0
miss() { say "    $*"; missed=$((missed + 1)); }
step "changing the tenant every ${pause}s through graphsim's control API (Ctrl-C to stop)"
while (( changes_left != 0 )); do
    sleep "$pause"
    change=$((change + 1))
    user=${users[$(( change % ${#users[@]} ))]}
    room=${device_rooms[$(( change % ${#device_rooms[@]} ))]}
    t0=$(date +%s%N)
    elapsed() { echo "$(( ($(date +%s%N) - t0) / 1000000 )) ms"; }
    case $(( change % 4 )) in
        1)
            subject="Design review #$change"
            say "[$change] $user books $room for a Teams meeting in 2 hours"
            body='<p>Join: <a href="https://teams.microsoft.com/l/meetup-join/19%3ameeting_demo'"$change"'%40thread.v2/0">Join the meeting now</a></p>'
            # The room's copy, as Exchange puts it into the room's calendar when the room accepts.
            id=$(sim -X POST -H 'Content-Type: application/json' "$graph_url/_sim/mailboxes/$room/events" \
                -d "$(event_json "$subject" "Microsoft Teams Meeting" "+2 hours" "$body" "$user" "$room")" | jq -r '.id')
            created_rooms+=("$room"); created_ids+=("$user $id $subject")
            if wait_for 30 room_has "$room" "$subject"; then
                say "    $room shows it with a Join button after $(elapsed)"
            else
                miss "not on the device yet (see $work/calconnd.log)"
            fi
            ;;
        2)
            subject="Customer call #$change"
            say "[$change] $user writes @webex into the location of a new meeting"
            id=$(sim -X POST -H 'Content-Type: application/json' "$graph_url/_sim/mailboxes/$user/events" \
                -d "$(event_json "$subject" "@webex" "+1 day" "<p>Agenda: renewal</p>")" | jq -r '.id')
            if wait_for 30 block_written "$user" "$id"; then
                say "    join details (personal room on demo.webex.com) written into the invitation after $(elapsed)"
            else
                miss "no join details yet (see $work/calconnd.log)"
            fi
            ;;
        3)
            if (( ${#created_ids[@]} > 0 )); then
                read -r owner id subject <<< "${created_ids[0]}"
                croom=${created_rooms[0]}
                created_ids=("${created_ids[@]:1}"); created_rooms=("${created_rooms[@]:1}")
                say "[$change] $owner cancels \"$subject\""
                sim -X POST "$graph_url/_sim/mailboxes/$croom/events/$id/cancel" > /dev/null
                if wait_for 30 room_lacks "$croom" "$subject"; then
                    say "    gone from $croom after $(elapsed)"
                else
                    miss "still on $croom (see $work/calconnd.log)"
                fi
            fi
            ;;
        0)
            if presence_is "$user" out_of_office; then
                say "[$change] $user turns automatic replies off"
                sim -X PATCH -H 'Content-Type: application/json' "$graph_url/_sim/mailboxes/$user/settings" \
                    -d '{"automaticRepliesSetting":{"status":"disabled"}}' > /dev/null
                if wait_for 30 presence_is "$user" available; then
                    say "    presence: available after $(elapsed)"
                else
                    miss "presence not updated yet (see $work/calconnd.log)"
                fi
            else
                say "[$change] $user turns automatic replies on"
                sim -X PATCH -H 'Content-Type: application/json' "$graph_url/_sim/mailboxes/$user/settings" \
                    -d '{"automaticRepliesSetting":{"status":"alwaysEnabled"}}' > /dev/null
                if wait_for 30 presence_is "$user" out_of_office; then
                    say "    presence: out of office after $(elapsed)"
                else
                    miss "presence not updated yet (see $work/calconnd.log)"
                fi
            fi
            ;;
    esac
    (( changes_left > 0 )) && changes_left=$((changes_left - 1))
done
stop_daemon
(( missed == 0 )) || { say "demo: $missed change(s) did not arrive in time"; exit 1; }
