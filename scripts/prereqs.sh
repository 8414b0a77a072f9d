#!/usr/bin/env bash
# Installs what the tests need on a clean Debian machine: the Debian packages listed in
# .ci/packages-*.txt (one area each), NuGet packages (dotnet restore), then every .ci/prepare-*.sh
# (artefacts built from Debian packages, e.g. the sample boot profile; never committed).
# Idempotent and quick when everything is already there. Needs root for apt-get.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
step() { printf '=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

mapfile -t pkgs < <(cat .ci/packages-*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | sed '/^$/d' | sort -u)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prereqs: not root, cannot install: ${missing[*]} (tests that need them will skip, or fail under CI=true)" >&2
  else
    step "apt-get install ${missing[*]}"
    for attempt in 1 2 3; do
      apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" && break
      [ "$attempt" -eq 3 ] && { echo "prereqs: apt-get install failed 3 times" >&2; exit 1; }
      sleep $((attempt * 10))
    done
  fi
fi

step "dotnet restore"
# The registry is reached through a proxy that sometimes fails a lookup for a while. Every package the
# solution needs is pinned to a version the registry serves, so once restored it sits in the local
# package cache: fall back to that cache, and retry the registry a few times when the cache lacks something.
restored=0
for attempt in 1 2 3 4; do
  if dotnet restore PxeServer.sln -v q; then restored=1; break; fi
  echo "prereqs: restore from the registry failed (attempt $attempt); trying the local package cache" >&2
  if dotnet restore PxeServer.sln -v q --source "${NUGET_PACKAGES:-$HOME/.nuget/packages}" -p:TreatWarningsAsErrors=false; then restored=1; break; fi
  sleep $((attempt * 10))
done
[ "$restored" -eq 1 ] || { echo "prereqs: dotnet restore failed" >&2; exit 1; }

for s in .ci/prepare-*.sh; do
  [ -f "$s" ] || continue
  step "prepare: $s"
  # A failed preparation is reported but does not stop the run: the tests that need its artefacts fail
  # (under CI=true) with their own message, and every other test still runs.
  bash "$s" || echo "prereqs: WARNING: $s failed; the tests that need what it builds will fail or skip" >&2
done
