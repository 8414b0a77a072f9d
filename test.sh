#!/usr/bin/env bash
# Runs every test of the solution (unit, loopback, network-namespace, QEMU end-to-end) and prints
# one summary line "N passed, N failed, N skipped". Extra arguments go to `dotnet test`
# (e.g. ./test.sh --filter "FullyQualifiedName~Tftp").
# Under CI=true a test whose prerequisite (a Debian tool, root) is missing FAILS; elsewhere it skips
# and says why. Run as root (sudo ./test.sh) so that it can install them (scripts/prereqs.sh).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
# Install prerequisites first (Debian packages, NuGet, sample boot files) unless told not to.
restore=()
if [ "${PXE_SKIP_PREREQS:-0}" != "1" ]; then
  bash scripts/prereqs.sh || { echo "test.sh: installing prerequisites failed"; echo "0 passed, 1 failed"; exit 1; }
  restore=(--no-restore)   # prereqs.sh restored, with its fallbacks
fi

results="$(mktemp -d -t pxe-test-XXXXXX)"
trap 'rm -rf "$results"' EXIT

# Test assemblies run one after another (MaxCpuCount=1): the network and QEMU tests are heavy on a
# 2-core machine and must not time each other out.
dotnet test PxeServer.sln -c Release --nologo "${restore[@]}" \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" \
  -- RunConfiguration.MaxCpuCount=1
rc=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed); e=$(get error); t=$(get timeout)
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0}))
  skipped=$((skipped + ${total:-0} - ${executed:-0}))
done

if [ "$files" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then
  echo "test.sh: no test ran (dotnet test exit code $rc)"
  [ "$rc" -eq 0 ] && rc=1
fi
[ "$failed" -gt 0 ] && [ "$rc" -eq 0 ] && rc=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $rc
