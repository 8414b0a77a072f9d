#!/usr/bin/env bash
# End-to-end lab artefacts, built from Debian packages (never committed): the sample lab-linux profile's kernel
# and initramfs and the switch VM's initramfs, cached under .cache/. Idempotent; the tests build them too if missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/lab.sh build
