#!/usr/bin/env bash
# DHCP throughput: perfdhcp (Debian kea-admin) drives our server, kea-dhcp4 (memfile) and dnsmasq in turn, same
# pool, same namespace pair, at rising rates; prints 4-way exchanges/s and drop rate per server and rate.
#
#   sudo benchmarks/dhcp/compare.sh [--rates "2000 6000 12000 16000"] [--duration 10] [--servers "pxe kea dnsmasq"]
#
# Topology: netns <id>-s (s0 10.77.0.1/16, the server) <-veth-> netns <id>-c (c0 10.77.0.2/16, perfdhcp with -B:
# broadcast flag set, so every server broadcasts its replies). Pool 10.77.1.0-10.77.255.254 (65,278 addresses),
# lease 3600 s, 60,000 simulated clients. Ours runs full mode with SQLite leases (WAL, synchronous=FULL: every ACK
# is durable before it is sent); Kea memfile (persist, no fsync); dnsmasq with --no-ping (with its default ping
# check it answers about one new client per 3 s). Everything is removed on exit. HARNESS=path overrides the
# harness build; KEEP=1 keeps the per-run perfdhcp output.
set -euo pipefail

RATES="2000 6000 12000 16000"
DURATION=10
SERVERS="pxe kea dnsmasq"
CLIENTS=60000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) RATES="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

[[ $(id -u) -eq 0 ]] || { echo "compare.sh: needs root (network namespaces)" >&2; exit 2; }
for tool in perfdhcp kea-dhcp4 dnsmasq ip dotnet; do
  command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || { echo "compare.sh: $tool not found" >&2; exit 2; }
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HARNESS_PROJECT=$ROOT/tests/PxeServer.Dhcp.Tests/Harness/PxeServer.Dhcp.TestHarness.csproj
HARNESS=${HARNESS:-$ROOT/tests/PxeServer.Dhcp.Tests/Harness/bin/Release/net10.0/PxeServer.Dhcp.TestHarness.dll}
if [[ ! -f $HARNESS || -n "${REBUILD:-}" ]]; then
  dotnet build -c Release "$HARNESS_PROJECT" >/dev/null
fi

ID=pxb$(printf '%04x' $((RANDOM)))
NS_S=$ID-s
NS_C=$ID-c
TMP=$(mktemp -d /tmp/pxe-dhcp-bench.XXXXXX)
SERVER_PID=""

stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
cleanup() {
  stop_server
  ip netns del "$NS_S" 2>/dev/null || true
  ip netns del "$NS_C" 2>/dev/null || true
  if [[ -n "${KEEP:-}" ]]; then echo "kept $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

ip netns add "$NS_S"
ip netns add "$NS_C"
ip link add "${ID}a" type veth peer name "${ID}b"
ip link set "${ID}a" netns "$NS_S" name s0
ip link set "${ID}b" netns "$NS_C" name c0
ip -n "$NS_S" addr add 10.77.0.1/16 dev s0
ip -n "$NS_C" addr add 10.77.0.2/16 dev c0
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
ip -n "$NS_S" link set s0 up
ip -n "$NS_C" link set c0 up

wait_port67() {
  for _ in $(seq 100); do
    if ip netns exec "$NS_S" ss -Hlun 'sport = :67' | grep -q .; then return 0; fi
    sleep 0.1
  done
  echo "server did not open port 67; log:" >&2; cat "$TMP/server.log" >&2; return 1
}

start_server() {
  rm -rf "$TMP/state"; mkdir -p "$TMP/state"
  case "$1" in
    pxe)
      ip netns exec "$NS_S" dotnet "$HARNESS" --interface s0 --mode full --pool 10.77.1.0 10.77.255.254 255.255.0.0 \
        --lease-store "$TMP/state/leases.db" --log warning >"$TMP/server.log" 2>&1 &
      ;;
    kea)
      cat >"$TMP/kea.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "s0" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$TMP/state/kea-leases.csv", "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "10.77.0.0/16", "pools": [ { "pool": "10.77.1.0 - 10.77.255.254" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ]
} }
JSON
      KEA_LOCKFILE_DIR=$TMP/state KEA_PIDFILE_DIR=$TMP/state ip netns exec "$NS_S" kea-dhcp4 -c "$TMP/kea.json" >"$TMP/server.log" 2>&1 &
      ;;
    dnsmasq)
      ip netns exec "$NS_S" dnsmasq --no-daemon -C /dev/null --port=0 --interface=s0 --bind-interfaces \
        --dhcp-range=10.77.1.0,10.77.255.254,255.255.0.0,1h --dhcp-lease-max=100000 --no-ping \
        --dhcp-leasefile="$TMP/state/dnsmasq.leases" --pid-file="$TMP/state/dnsmasq.pid" ${DNSMASQ_EXTRA:-} >"$TMP/server.log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  wait_port67
  sleep 1
}

printf '%-8s %8s %14s %14s %8s %10s\n' server rate "exchanges/s" "acks" "drops%" "lease-rows"
for server in $SERVERS; do
  start_server "$server"
  for rate in $RATES; do
    out=$(ip netns exec "$NS_C" perfdhcp -4 -B -l c0 -r "$rate" -p "$DURATION" -R "$CLIENTS" -d 2 10.77.0.1 2>&1 || true)
    echo "$out" >"$TMP/perfdhcp-$server-$rate.txt"
    # perfdhcp prints one block per exchange (DISCOVER-OFFER, then REQUEST-ACK).
    achieved=$(echo "$out" | awk '/^Rate:/ {print $2; exit}')
    sent_discover=$(echo "$out" | awk '/sent packets:/ {print $3; exit}')
    acks=$(echo "$out" | awk '/received packets:/ {n++; if (n==2) {print $3; exit}}')
    sent_discover=${sent_discover:-0}; acks=${acks:-0}; achieved=${achieved:-0}
    drops=$(awk -v s="$sent_discover" -v a="$acks" 'BEGIN { if (s>0) printf "%.2f", 100*(s-a)/s; else print "n/a" }')
    rows="-"
    case "$server" in
      pxe) rows=$(sqlite3 "$TMP/state/leases.db" 'select count(*) from leases' 2>/dev/null || echo "?") ;;
      kea) rows=$(grep -c '^10\.' "$TMP/state/kea-leases.csv" 2>/dev/null || echo 0) ;;
      dnsmasq) rows=$(wc -l <"$TMP/state/dnsmasq.leases" 2>/dev/null || echo 0) ;;
    esac
    printf '%-8s %8s %14s %14s %8s %10s\n' "$server" "$rate" "$achieved" "$acks" "$drops" "$rows"
  done
  stop_server
done
