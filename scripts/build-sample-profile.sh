#!/usr/bin/env bash
# Builds the sample `lab-linux` boot profile and puts it into a catalog.
#
#   scripts/build-sample-profile.sh [--catalog DIR] [--no-catalog] [--cmdline TEXT]
#
# 1. `apt-get download`s the Debian cloud kernel (linux-image-cloud-amd64 -> the versioned package) and
#    busybox-static, unpacks them with `dpkg-deb -x` under .cache/ (no install, no root needed for this part);
# 2. builds a tiny initramfs (cpio newc + gzip) whose /init loads the virtio-net modules, brings eth0 up and
#    prints one `PXE-LAB-MARKER mac=... cmdline=...` line plus `ip addr` on the serial console, then powers off;
# 3. adds both to the catalog as profile `lab-linux` with `pxe catalog add` (falls back to writing the
#    layout of docs/catalog.md directly when the `pxe` binary has no `catalog add` yet).
# Idempotent: downloads, unpacking and the initramfs are cached and rebuilt only when an input changes.
# Prints the paths of the kernel and initrd on stdout (KERNEL=..., INITRD=...).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

CATALOG="$REPO_ROOT/boot-images"
INSTALL=1
# ${profile} is rendered by the server (docs/catalog.md, "Command-line variables").
CMDLINE='console=ttyS0,115200 quiet panic=-1 lab.dhcp=1 lab.profile=${profile} hostname=${hostname}'
while [ $# -gt 0 ]; do
    case "$1" in
        --catalog) CATALOG="$2"; shift 2 ;;
        --no-catalog) INSTALL=0; shift ;;
        --cmdline) CMDLINE="$2"; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) die "unknown argument $1" ;;
    esac
done

prepare_kernel_and_busybox
OUT="$LAB_CACHE/sample"
mkdir -p "$OUT"
HERE="$REPO_ROOT/scripts/initramfs"
MODULES="virtio_pci_legacy_dev virtio_pci_modern_dev virtio_ring virtio virtio_pci failover net_failover virtio_net"

# Rebuild when the kernel, busybox or the init script changed (a stamp of their identities).
stamp="$(basename "$VMLINUZ") $(sha256sum "$BUSYBOX" "$HERE/lab-linux-init" "$HERE/udhcpc.script" | awk '{print $1}' | tr '\n' ' ')"
if [ ! -f "$OUT/initrd.img" ] || [ "$(cat "$OUT/.stamp" 2>/dev/null)" != "$stamp" ]; then
    log "building initramfs for kernel $KVER"
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root/bin" "$root/etc" "$root/dev"
    cp "$BUSYBOX" "$root/bin/busybox"
    install -m 0755 "$HERE/lab-linux-init" "$root/init"
    install -m 0755 "$HERE/udhcpc.script" "$root/etc/udhcpc.script"
    copy_modules "$root" $MODULES
    find "$root" -exec touch -h -d @0 {} +   # fixed mtimes: same inputs, same sha256
    make_cpio "$root" "$OUT/initrd.img"
    cp "$VMLINUZ" "$OUT/vmlinuz"
    echo "$stamp" > "$OUT/.stamp"
fi
echo "KERNEL=$OUT/vmlinuz"
echo "INITRD=$OUT/initrd.img"

[ "$INSTALL" = 1 ] || exit 0

# Find a `pxe` that knows `catalog add`: $PXE, then PATH, then the repo's build output.
find_pxe() {
    local c
    if [ -n "${PXE:-}" ]; then # an explicit choice is the only candidate
        has_command "$PXE" catalog && { echo "$PXE"; return 0; }
        return 1
    fi
    for c in "$(command -v pxe 2>/dev/null || true)" \
             "$REPO_ROOT"/src/PxeServer.Host/bin/Release/net10.0/pxe "$REPO_ROOT"/src/PxeServer.Host/bin/Debug/net10.0/pxe; do
        if [ -n "$c" ] && [ -x "${c%% *}" ] && has_command "$c" catalog; then echo "$c"; return 0; fi
    done
    return 1
}

if pxe_cmdline=$(find_pxe); then
    log "adding profile lab-linux to $CATALOG with $pxe_cmdline catalog add"
    # shellcheck disable=SC2086 # PXE may be a command line ("dotnet exec pxe.dll")
    force=(); [ -f "$CATALOG/profiles/lab-linux.yaml" ] && force=(--force)
    $pxe_cmdline catalog add lab-linux --catalog "$CATALOG" "${force[@]}" \
        --kernel "$OUT/vmlinuz" --initrd "$OUT/initrd.img" --cmdline "$CMDLINE" \
        --description "Debian cloud kernel $KVER + busybox initramfs that prints its MAC (PXE-LAB-MARKER)" >&2
else
    # Same layout as `pxe catalog add` (docs/catalog.md), written atomically.
    log "no 'pxe catalog add' available: writing $CATALOG/profiles/lab-linux.yaml directly"
    mkdir -p "$CATALOG/files/lab-linux" "$CATALOG/profiles"
    for f in vmlinuz initrd.img; do
        if ! cmp -s "$OUT/$f" "$CATALOG/files/lab-linux/$f"; then
            cp "$OUT/$f" "$CATALOG/files/lab-linux/.$f.tmp" && mv "$CATALOG/files/lab-linux/.$f.tmp" "$CATALOG/files/lab-linux/$f"
        fi
    done
    ksha=$(sha256sum "$CATALOG/files/lab-linux/vmlinuz" | awk '{print $1}')
    isha=$(sha256sum "$CATALOG/files/lab-linux/initrd.img" | awk '{print $1}')
    cat > "$CATALOG/profiles/.lab-linux.yaml.tmp" <<YAML
name: lab-linux
description: Debian cloud kernel $KVER + busybox initramfs that prints its MAC (PXE-LAB-MARKER)
kernel:
  path: files/lab-linux/vmlinuz
  sha256: $ksha
initrds:
  - path: files/lab-linux/initrd.img
    sha256: $isha
cmdline: '$CMDLINE'
bootif: true
chain: ipxe
YAML
    mv "$CATALOG/profiles/.lab-linux.yaml.tmp" "$CATALOG/profiles/lab-linux.yaml"
fi
