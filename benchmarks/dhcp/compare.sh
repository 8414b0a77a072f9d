#!/usr/bin/env bash
# DHCP throughput: perfdhcp (Debian kea-admin) drives our server, kea-dhcp4 (memfile) and dnsmasq in turn, same
# pool, same namespace pair, at rising rates; prints 4-way exchanges/s, drops and where they happened.
#
#   benchmarks/dhcp/compare.sh [--rates "2000 6000 12000 16000"] [--duration 10] [--servers "pxe kea dnsmasq"]
#                              [--clients 60000] [--client-rcvbuf BYTES|0] [--exit-wait-ms 1000]
#                              [--perfdhcp-threads single|multi]                                     (as root)
#
# Topology: netns <id>-s (s0 10.77.0.1/16, the server) <-veth-> netns <id>-c (c0 10.77.0.2/16, perfdhcp with -B:
# broadcast flag set, so every server broadcasts its replies). Pool 10.77.1.0-10.77.255.254 (65,278 addresses),
# lease 3600 s, 60,000 simulated clients. Every rate gets a freshly started server with an empty lease store, so
# each run hands out new leases. Ours runs full mode with SQLite leases (WAL, synchronous=FULL: every ACK is
# durable before it is sent); Kea memfile (persist, no fsync; Kea 2.2 defaults: single-threaded); dnsmasq with
# --no-ping (with its default ping check it answers about one new client per 3 s). KEA_SOCKET=raw|udp (default
# udp), KEA_MT=true (multi-threading, KEA_THREADS=2) try Kea's other settings; server "kea-rcvbuf" is Kea with
# the 4 MiB receive buffer ours asks for on its own sockets (rcvbuf-preload.c; Kea itself leaves rmem_default).
#
# perfdhcp accounting, made the same for every server:
#  - perfdhcp's one UDP socket stands in for all clients and gets net.core.rmem_default (208 KiB); on a busy
#    2-core machine it overflows (UdpRcvbufErrors in the client namespace, column cli-rcvq) and perfdhcp counts
#    those replies as drops. rcvbuf-preload.c gives it --client-rcvbuf bytes (default 8 MiB; 0 = kernel default).
#  - without -W, perfdhcp stops listening the moment the test period ends, so exchanges still in flight count as
#    drops. --exit-wait-ms (perfdhcp -W, default 1000) lets them finish; no new exchange starts during the wait,
#    and perfdhcp's own "Rate" then divides by period + wait, so exch/s here is completed exchanges / period.
#    Anything slower than perfdhcp's drop time (-d 2 s) is still a drop.
#  - perfdhcp runs single-threaded (-g single). Its default on a multi-core host is a separate receive thread; on
#    this 2-core machine that thread competes with the server for the same two cores, and every server did
#    worse: ours 6,181 -> 9,999/s at 10k offered and 8,776 -> 11,862/s at 12k; Kea 666 -> 3,946/s at 10k.
#  - drops% = (DISCOVERs sent - ACKs received) / DISCOVERs sent: a lost OFFER and a lost ACK both count.
#  - srv-rcvq / cli-rcvq: UdpRcvbufErrors during the run in the server / client namespace; srv% / perf%: CPU of
#    the server process / perfdhcp over the run (100 = one core of the two).
# For ours the harness also prints its own counters after each rate (VERBOSE=1): received, replied, commit
# batches, GC. Everything is removed on exit. HARNESS=path overrides the harness build; REBUILD=1 rebuilds it;
# KEEP=1 keeps the per-run perfdhcp output. Run it under the shared lock: flock /tmp/pxe-bench.lock ...
set -euo pipefail

RATES="2000 6000 12000 16000"
DURATION=10
SERVERS="pxe kea dnsmasq"
CLIENTS=60000
CLIENT_RCVBUF=$((8 << 20))
EXIT_WAIT_MS=1000
PERFDHCP_THREADS=single
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rates) RATES="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --clients) CLIENTS="$2"; shift 2 ;;
    --client-rcvbuf) CLIENT_RCVBUF="$2"; shift 2 ;;
    --exit-wait-ms) EXIT_WAIT_MS="$2"; shift 2 ;;
    --perfdhcp-threads) PERFDHCP_THREADS="$2"; shift 2 ;;
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

# perfdhcp's own socket gets net.core.rmem_default unless we give it more (see rcvbuf-preload.c); 0 = kernel default.
PRELOAD=()
if [[ $CLIENT_RCVBUF -gt 0 ]]; then
  command -v gcc >/dev/null || { echo "compare.sh: gcc not found (needed for rcvbuf-preload.c; or pass --client-rcvbuf 0)" >&2; exit 2; }
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
if [[ $CLIENT_RCVBUF -gt 0 ]]; then
  gcc -shared -fPIC -O2 -o "$TMP/rcvbuf-preload.so" "$ROOT/benchmarks/dhcp/rcvbuf-preload.c" -ldl
  PRELOAD=(env LD_PRELOAD="$TMP/rcvbuf-preload.so" RCVBUF_BYTES="$CLIENT_RCVBUF")
fi

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
    kea | kea-rcvbuf)
      cat >"$TMP/kea.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "s0" ], "dhcp-socket-type": "${KEA_SOCKET:-udp}" },
    "multi-threading": { "enable-multi-threading": ${KEA_MT:-false}, "thread-pool-size": ${KEA_THREADS:-2}, "packet-queue-size": 64 },
    "lease-database": { "type": "memfile", "persist": true, "name": "$TMP/state/kea-leases.csv", "lfc-interval": 0 },
    "valid-lifetime": 3600,
    "subnet4": [ { "id": 1, "subnet": "10.77.0.0/16", "pools": [ { "pool": "10.77.1.0 - 10.77.255.254" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN", "output_options": [ { "output": "stdout" } ] } ]
} }
JSON
      local kea_env=()
      if [[ $1 == kea-rcvbuf ]]; then
        [[ -f $TMP/rcvbuf-preload.so ]] || gcc -shared -fPIC -O2 -o "$TMP/rcvbuf-preload.so" "$ROOT/benchmarks/dhcp/rcvbuf-preload.c" -ldl
        kea_env=(LD_PRELOAD="$TMP/rcvbuf-preload.so" RCVBUF_BYTES=$((4 << 20)))
      fi
      ip netns exec "$NS_S" env KEA_LOCKFILE_DIR="$TMP/state" KEA_PIDFILE_DIR="$TMP/state" "${kea_env[@]}" kea-dhcp4 -c "$TMP/kea.json" >"$TMP/server.log" 2>&1 &
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

udp_counters() { # netns -> "InDatagrams RcvbufErrors" (absolute, this namespace only)
  ip netns exec "$1" nstat -az 2>/dev/null | awk '$1=="UdpInDatagrams"{i=$2} $1=="UdpRcvbufErrors"{r=$2} END{printf "%d %d", i, r}'
}
proc_ticks() { # pid -> utime+stime in clock ticks
  awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
HZ=$(getconf CLK_TCK)

printf '%-8s %6s %8s %7s %7s %7s %7s %7s %8s %8s %5s %5s %7s\n' server rate "exch/s" "acks" "drops%" "DO-drop" "RA-drop" "rows" "srv-rcvq" "cli-rcvq" "srv%" "perf%" "maxRAms"
for server in $SERVERS; do
  for rate in $RATES; do
    start_server "$server"
    read -r _ srv_err0 <<<"$(udp_counters "$NS_S")"
    read -r _ cli_err0 <<<"$(udp_counters "$NS_C")"
    wait_arg=""
    if [[ $EXIT_WAIT_MS -gt 0 ]]; then wait_arg="-W $((EXIT_WAIT_MS * 1000))"; fi
    t0=$(proc_ticks "$SERVER_PID")
    out=$(ip netns exec "$NS_C" /usr/bin/time -f 'PERFCPU %U %S %e' "${PRELOAD[@]}" perfdhcp -4 -B -l c0 -r "$rate" -p "$DURATION" -R "$CLIENTS" -d 2 -g "$PERFDHCP_THREADS" $wait_arg ${PERFDHCP_EXTRA:-} 10.77.0.1 2>&1 || true)
    t1=$(proc_ticks "$SERVER_PID")
    read -r _ srv_err1 <<<"$(udp_counters "$NS_S")"
    read -r _ cli_err1 <<<"$(udp_counters "$NS_C")"
    echo "$out" >"$TMP/perfdhcp-$server-$rate.txt"
    # perfdhcp prints one block per exchange (DISCOVER-OFFER, then REQUEST-ACK). Drops are counted the same way for
    # every server: DISCOVERs sent minus ACKs received, so a lost OFFER and a lost ACK both count.
    achieved=$(echo "$out" | awk '/^Rate:/ {print $2; exit}')
    sent_discover=$(echo "$out" | awk '/sent packets:/ {print $3; exit}')
    acks=$(echo "$out" | awk '/received packets:/ {n++; if (n==2) {print $3; exit}}')
    do_drops=$(echo "$out" | awk '/^drops:/ {n++; if (n==1) {print $2; exit}}')
    ra_drops=$(echo "$out" | awk '/^drops:/ {n++; if (n==2) {print $2; exit}}')
    max_ra=$(echo "$out" | awk '/^max delay:/ {n++; if (n==2) {printf "%.0f", $3; exit}}')
    read -r pu ps pe < <(echo "$out" | awk '/^PERFCPU/ {print $2, $3, $4}')
    sent_discover=${sent_discover:-0}; acks=${acks:-0}; achieved=${achieved:-0}
    if [[ $EXIT_WAIT_MS -gt 0 ]]; then achieved=$(awk -v a="$acks" -v d="$DURATION" 'BEGIN { printf "%.0f", a/d }'); fi
    drops=$(awk -v s="$sent_discover" -v a="$acks" 'BEGIN { if (s>0) printf "%.2f", 100*(s-a)/s; else print "n/a" }')
    srv_cpu=$(awk -v t="$((t1 - t0))" -v hz="$HZ" -v e="${pe:-1}" 'BEGIN { printf "%.0f", 100*t/hz/e }')
    perf_cpu=$(awk -v u="${pu:-0}" -v s="${ps:-0}" -v e="${pe:-1}" 'BEGIN { printf "%.0f", 100*(u+s)/e }')
    rows="-"
    case "$server" in
      pxe)
        rows=$(sqlite3 "$TMP/state/leases.db" 'select count(*) from leases' 2>/dev/null || echo "?")
        kill -USR1 "$SERVER_PID" 2>/dev/null || true; sleep 0.3
        grep '^STATS' "$TMP/server.log" | tail -1 >"$TMP/stats-$server-$rate.txt" || true
        if [[ -n "${VERBOSE:-}" ]]; then cat "$TMP/stats-$server-$rate.txt" >&2; fi
        ;;
      kea | kea-rcvbuf) rows=$(awk -F, '/^10\./ {print $1}' "$TMP/state/kea-leases.csv" 2>/dev/null | sort -u | wc -l) ;;
      dnsmasq) rows=$(wc -l <"$TMP/state/dnsmasq.leases" 2>/dev/null || echo 0) ;;
    esac
    printf '%-8s %6s %8s %7s %7s %7s %7s %7s %8s %8s %5s %5s %7s\n' "$server" "$rate" "$achieved" "$acks" "$drops" "${do_drops:-?}" "${ra_drops:-?}" \
      "$rows" "$((srv_err1 - srv_err0))" "$((cli_err1 - cli_err0))" "$srv_cpu" "$perf_cpu" "${max_ra:-?}"
    stop_server
  done
done
