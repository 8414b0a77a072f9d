#!/usr/bin/env bash
# Runs one TFTP matrix against PxeServer, tftpd-hpa, atftpd and dnsmasq side by side and prints ratios.
#
#   sudo benchmarks/tftp/compare.sh            # whole matrix (~3-6 min on 2 cores)
#   REPS=1 SCENARIOS="lockstep storm" benchmarks/tftp/compare.sh
#
# Runs inside a fresh network namespace (loopback only; dnsmasq needs port 69 there). Peers come from
# Debian: tftpd-hpa and atftpd conflict as packages, so any that is not installed is unpacked with
# `apt-get download` + `dpkg-deb -x` into $PXE_BENCH_CACHE. A peer that cannot be had is reported as n/a.
# Ours is the load tool's `serve` harness, or `pxe serve` when PXE_DLL=path/to/pxe.dll is set.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${PXE_BENCH_CACHE:-$HOME/.cache/pxeserver-tftp-bench}"
REPS="${REPS:-3}"
SCENARIOS="${SCENARIOS:-lockstep window64 jumbo storm}"
STORM_CLIENTS="${STORM_CLIENTS:-200}"
RUN_TIMEOUT="${RUN_TIMEOUT:-240}"
PORT=6969

if [[ "${PXE_BENCH_IN_NETNS:-}" != 1 ]]; then
    [[ $(id -u) == 0 ]] || { echo "compare.sh: needs root (network namespace, port 69 for dnsmasq)" >&2; exit 2; }
    dotnet build -c Release "$REPO/benchmarks/tftp/PxeServer.TftpLoad" -v q -nologo >/dev/null
    mkdir -p "$CACHE"
    fetch() { # $1 package, $2 path of the wanted file inside it
        local dir="$CACHE/$1"
        if [[ ! -e "$dir$2" ]]; then
            (cd "$CACHE" && rm -f "$1"_*.deb && timeout 120 apt-get download "$1" >/dev/null 2>&1 && dpkg-deb -x "$1"_*.deb "$dir") || true
        fi
        [[ -e "$dir$2" ]] && echo "$dir$2" || true
    }
    export HPA_BIN="$(command -v in.tftpd || true)"; [[ -n "$HPA_BIN" ]] || HPA_BIN="$(fetch tftpd-hpa /usr/sbin/in.tftpd)"
    export ATFTPD_BIN="$(command -v atftpd || true)"; [[ -n "$ATFTPD_BIN" ]] || ATFTPD_BIN="$(fetch atftpd /usr/sbin/atftpd)"
    # Both peers link libwrap.so.0, which a machine without them installed lacks: unpack it next to them.
    PEER_LIBS=""
    for bin in "$HPA_BIN" "$ATFTPD_BIN"; do
        if [[ -n "$bin" ]] && ldd "$bin" 2>/dev/null | grep -q 'libwrap.so.0 => not found'; then
            PEER_LIBS="$(dirname "$(fetch libwrap0 /usr/lib/x86_64-linux-gnu/libwrap.so.0)")"
            [[ "$PEER_LIBS" != . ]] || { PEER_LIBS=""; echo "compare.sh: libwrap0 could not be fetched; tftpd-hpa and atftpd will not start" >&2; }
            break
        fi
    done
    export PEER_LIBS
    export DNSMASQ_BIN="$(command -v dnsmasq || true)"
    export PXE_BENCH_IN_NETNS=1
    exec unshare -n "$0" "$@"
fi

ip link set lo up
LOAD="$REPO/benchmarks/tftp/PxeServer.TftpLoad/bin/Release/net10.0/PxeServer.TftpLoad.dll"
WORK="$(mktemp -d /tmp/pxe-tftp-compare-XXXXXX)"
SERVER_PID=""
cleanup() { [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$WORK/root"
head -c $((200 * 1024 * 1024)) /dev/urandom > "$WORK/root/big.img"
head -c $((8 * 1024 * 1024)) /dev/urandom > "$WORK/root/small.img"
chmod -R a+rX "$WORK"

start_server() { # $1 name; sets SERVER_PID and PORT, or returns 1
    local name="$1"
    case "$name" in
        ours)
            PORT=6969
            if [[ -n "${PXE_DLL:-}" ]]; then
                # 200 storm clients share 127.0.0.1: lift the per-client cap (default 16) and the request-rate limit.
                PXE_TFTP__MAXSESSIONSPERCLIENT=100000 PXE_TFTP__REQUESTSPERSECOND=0 \
                dotnet "$PXE_DLL" serve --dhcp-mode off --tftp-root "$WORK/root" --tftp-port $PORT --address 127.0.0.1 >"$WORK/ours.log" 2>&1 &
            else
                dotnet "$LOAD" serve --root "$WORK/root" --port $PORT --address 127.0.0.1 >"$WORK/ours.log" 2>&1 &
            fi ;;
        tftpd-hpa)
            [[ -n "$HPA_BIN" ]] || return 1
            PORT=6970
            # -a :PORT, not 127.0.0.1:PORT: the latter exits silently inside a network namespace.
            LD_LIBRARY_PATH="$PEER_LIBS" "$HPA_BIN" -L -a ":$PORT" -u root -s "$WORK/root" >"$WORK/hpa.log" 2>&1 & ;;
        atftpd)
            [[ -n "$ATFTPD_BIN" ]] || return 1
            PORT=6971
            LD_LIBRARY_PATH="$PEER_LIBS" "$ATFTPD_BIN" --daemon --no-fork --port $PORT --bind-address 127.0.0.1 --user root.root --maxthread 1000 --logfile /dev/null "$WORK/root" >"$WORK/atftpd.log" 2>&1 & ;;
        dnsmasq)
            [[ -n "$DNSMASQ_BIN" ]] || return 1
            PORT=69
            "$DNSMASQ_BIN" -k --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$WORK/root" --listen-address=127.0.0.1 \
                --bind-interfaces --tftp-max=1000 --user=root --pid-file= --log-facility="$WORK/dnsmasq.log" >"$WORK/dnsmasq.out" 2>&1 & ;;
    esac
    SERVER_PID=$!
    for _ in $(seq 50); do
        if ss -uln 2>/dev/null | grep -q ":$PORT "; then sleep 0.2; return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

run_load() { # $1 scenario -> one JSON line
    local args
    case "$1" in
        lockstep) args=(--file big.img --expect "$WORK/root/big.img" --blksize 1468 --windowsize 1) ;;
        window64) args=(--file big.img --expect "$WORK/root/big.img" --blksize 1468 --windowsize 64 --repeat 2) ;;
        jumbo)    args=(--file big.img --expect "$WORK/root/big.img" --blksize 65464 --windowsize 16 --repeat 5) ;;
        storm)    args=(--file small.img --expect "$WORK/root/small.img" --blksize 1468 --windowsize 1 --clients "$STORM_CLIENTS") ;;
    esac
    # --warmup 1: one untimed transfer first, so the client's JIT is not timed (a jumbo transfer takes ~0.1 s).
    timeout "$RUN_TIMEOUT" dotnet "$LOAD" run --port "$PORT" --server-pid "$SERVER_PID" --label "$1" --warmup 1 "${args[@]}" \
        || echo '{"failures":-1,"mb_per_s":0,"median_s":0}'
}

declare -A RESULT
SERVERS=(ours tftpd-hpa atftpd dnsmasq)
for server in "${SERVERS[@]}"; do
    if ! start_server "$server"; then
        echo "== $server: not available" >&2
        SERVER_PID=""
        continue
    fi
    echo "== $server (pid $SERVER_PID, port $PORT)" >&2
    for scenario in $SCENARIOS; do
        reps=$REPS; [[ $scenario == storm ]] && reps=1
        lines=()
        for _ in $(seq "$reps"); do lines+=("$(run_load "$scenario" | tail -1)"); echo "   $scenario: ${lines[-1]}" >&2; done
        if [[ $scenario == storm ]]; then
            # Lock-out check: one new client right after the storm (dnsmasq was seen refusing them for minutes).
            after="$(timeout 60 dotnet "$LOAD" run --port "$PORT" --label after-storm --blksize 1468 --file small.img --expect "$WORK/root/small.img" | tail -1 || true)"
            echo "   after-storm: $after" >&2
            RESULT[$server,after]="$(printf '%s' "$after" | python3 -c 'import json,sys
try: r = json.load(sys.stdin); print(json.dumps(r["wall_s"] if r.get("failures") == 0 else -1))
except Exception: print(-1)')"
        fi
        # Median MB/s (or per-client median seconds for the storm) across repetitions, plus the run's other figures.
        RESULT[$server,$scenario]="$(printf '%s\n' "${lines[@]}" | python3 -c '
import json, sys, statistics
runs = [json.loads(l) for l in sys.stdin if l.strip()]
storm = "'"$scenario"'" == "storm"
key = "median_s" if storm else "mb_per_s"
values = sorted(r.get(key, 0) for r in runs)
print(json.dumps({"value": statistics.median(values), "failures": sum(max(r.get("failures", 0), 0) for r in runs),
  "broken": any(r.get("failures", 0) < 0 for r in runs), "retries": sum(r.get("client_retries", 0) for r in runs),
  "rss": max(r.get("server_peak_rss_mb", 0) for r in runs), "p95": max(r.get("p95_s", 0) for r in runs),
  "cpu": statistics.median([r["server_cpu_us_per_block"] for r in runs if r.get("server_cpu_us_per_block")] or [0])}))')"
    done
    kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    sleep 0.5
done

# The table: medians; ratio = ours / best peer (for the storm: best peer median / ours, so > 1 is better for us).
STORM_CLIENTS="$STORM_CLIENTS" python3 - "$SCENARIOS" "${SERVERS[@]}" <<'PY' "$(for k in "${!RESULT[@]}"; do echo "$k=${RESULT[$k]}"; done)"
import json, os, sys
scenarios = sys.argv[1].split()
servers = sys.argv[2:-1]
results = {}
for line in sys.argv[-1].splitlines():
    k, v = line.split("=", 1)
    results[tuple(k.split(","))] = json.loads(v)
# ratio = ours / best peer (MB/s), or best peer / ours for the storm's median seconds: > 1 is better for us.
titles = {"lockstep": "200 MiB, blksize 1468, lockstep (MB/s)", "window64": "200 MiB, blksize 1468, windowsize 64 (MB/s)",
          "jumbo": "200 MiB, blksize 65464, windowsize 16 (MB/s)", "storm": f"storm {os.environ.get('STORM_CLIENTS', '200')} x 8 MiB, 1468 lockstep (median s per client)"}
print("| scenario | " + " | ".join(servers) + " | ours vs best peer |")
print("|---|" + "---|" * (len(servers) + 1))
for s in scenarios:
    cells, peers = [], []
    for srv in servers:
        r = results.get((srv, s))
        if r is None:
            cells.append("n/a"); continue
        v = r["value"]
        extra = []
        if r["failures"]: extra.append(f'{r["failures"]} failed')
        if r["broken"]: extra.append("timed out")
        if s == "storm":
            after = results.get((srv, "after"), -1)
            extra.append(f'p95 {r["p95"]:.2f} s, {r["retries"]} client retries, RSS {r["rss"]:.0f} MB, '
                         + (f'next client served in {after:.2f} s' if after >= 0 else 'next client FAILED'))
        cells.append((f"{v:.2f}" if s == "storm" else f"{v:.0f}") + (f" ({'; '.join(extra)})" if extra else ""))
        if srv != "ours" and not r["broken"] and v > 0 and (s != "storm" or r["failures"] == 0):
            peers.append(v)
    ours = results.get(("ours", s))
    if ours and peers and ours["value"] > 0:
        best = min(peers) if s == "storm" else max(peers)
        ratio = best / ours["value"] if s == "storm" else ours["value"] / best
        cells.append(f"{ratio:.2f}x")
    else:
        cells.append("n/a")
    print(f"| {titles[s]} | " + " | ".join(cells) + " |")
# The server's own cost, whatever the client manages: CPU (user + system, the whole process tree) per DATA block.
print()
print("| server CPU per DATA block (µs) | " + " | ".join(servers) + " | best peer / ours |")
print("|---|" + "---|" * (len(servers) + 1))
for s in scenarios:
    cells, peers = [], []
    for srv in servers:
        r = results.get((srv, s))
        if r is None or not r.get("cpu"):
            cells.append("n/a"); continue
        cells.append(f'{r["cpu"]:.2f}')
        if srv != "ours" and not r["broken"]:
            peers.append(r["cpu"])
    ours = results.get(("ours", s))
    cells.append(f'{min(peers) / ours["cpu"]:.2f}x' if ours and ours.get("cpu") and peers else "n/a")
    print(f"| {titles[s].split(' (')[0]} | " + " | ".join(cells) + " |")
PY
