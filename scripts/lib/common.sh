# Shared helpers for the lab scripts (sourced, not executed).
# Everything built or downloaded lives under $LAB_CACHE (default <repo>/.cache), which is git-ignored.

REPO_ROOT="${REPO_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
LAB_CACHE="${LAB_CACHE:-$REPO_ROOT/.cache}"
# Downloaded .debs are inputs, not build outputs: keep them machine-wide when we can (root), so that a fresh
# clone (CI) does not depend on the Debian mirror being reachable at that moment.
if [ -z "${DEB_DIR:-}" ]; then
    if mkdir -p /var/cache/pxeserver/debs 2>/dev/null && [ -w /var/cache/pxeserver/debs ]; then
        DEB_DIR=/var/cache/pxeserver/debs
    else
        DEB_DIR="$LAB_CACHE/debs"
    fi
fi
KERNEL_META_PACKAGE="${KERNEL_META_PACKAGE:-linux-image-cloud-amd64}"

log() { printf '%s: %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Sets KERNEL_PKG to the versioned package the meta package depends on (linux-image-6.1.0-NN-cloud-amd64).
resolve_kernel_package() {
    KERNEL_PKG=$(apt-cache depends "$KERNEL_META_PACKAGE" 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
    [ -n "$KERNEL_PKG" ] || die "cannot resolve $KERNEL_META_PACKAGE (run apt-get update?)"
}

# fetch_deb PACKAGE -> prints the path of the cached .deb (downloads it once).
fetch_deb() {
    local pkg="$1" f
    mkdir -p "$DEB_DIR"
    f=$(ls "$DEB_DIR/${pkg}_"*.deb 2>/dev/null | head -n1)
    if [ -z "$f" ]; then
        # apt-get download writes into the current directory; _apt cannot write into root-owned dirs: harmless warning.
        (cd "$DEB_DIR" && apt-get download -q "$pkg" >&2 2>/dev/null) || (cd "$DEB_DIR" && apt-get download "$pkg" >&2) \
            || die "apt-get download $pkg failed"
        f=$(ls "$DEB_DIR/${pkg}_"*.deb 2>/dev/null | head -n1)
    fi
    [ -n "$f" ] || die "no .deb for $pkg"
    echo "$f"
}

# unpack_deb DEB DIR: dpkg-deb -x once (marker file makes it idempotent).
unpack_deb() {
    local deb="$1" dir="$2"
    if [ ! -f "$dir/.unpacked" ] || [ "$(cat "$dir/.unpacked")" != "$(basename "$deb")" ]; then
        rm -rf "$dir"; mkdir -p "$dir"
        dpkg-deb -x "$deb" "$dir"
        basename "$deb" > "$dir/.unpacked"
    fi
}

# Unpacks the cloud kernel and static busybox; sets KERNEL_DIR, KVER, VMLINUZ, MODDIR, BUSYBOX.
prepare_kernel_and_busybox() {
    local kdeb bdeb
    if [ -f "$LAB_CACHE/kernel/.unpacked" ] && [ -z "${LAB_REFRESH:-}" ]; then
        KERNEL_DIR="$LAB_CACHE/kernel"
    else
        resolve_kernel_package
        kdeb=$(fetch_deb "$KERNEL_PKG")
        KERNEL_DIR="$LAB_CACHE/kernel"
        unpack_deb "$kdeb" "$KERNEL_DIR"
    fi
    bdeb=$(fetch_deb busybox-static)
    unpack_deb "$bdeb" "$LAB_CACHE/busybox-static"
    KVER=$(ls "$KERNEL_DIR/lib/modules" | head -n1)
    VMLINUZ="$KERNEL_DIR/boot/vmlinuz-$KVER"
    MODDIR="$KERNEL_DIR/lib/modules/$KVER"
    BUSYBOX="$LAB_CACHE/busybox-static/bin/busybox"
    [ -f "$VMLINUZ" ] && [ -x "$BUSYBOX" ] || die "kernel or busybox missing after unpack"
}

# copy_module ROOT NAME...: copies kernel modules (uncompressed or .xz/.zst as shipped) into ROOT/lib/modules.
copy_modules() {
    local root="$1" m f; shift
    mkdir -p "$root/lib/modules"
    for m in "$@"; do
        f=$(find "$MODDIR/kernel" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" | head -n1)
        [ -n "$f" ] || die "module $m not found in $MODDIR"
        case "$f" in
            *.xz) xz -dc "$f" > "$root/lib/modules/$m.ko" ;;
            *.zst) zstd -qdc "$f" > "$root/lib/modules/$m.ko" ;;
            *) cp "$f" "$root/lib/modules/$m.ko" ;;
        esac
    done
}

# make_cpio ROOT OUT: newc cpio + gzip, reproducible enough (sorted names, root owner).
make_cpio() {
    local root="$1" out="$2"
    (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9n > "$out.tmp"
    mv "$out.tmp" "$out"
}

# has_command "PXE COMMAND LINE" NAME: does this pxe build have the subcommand NAME (listed by `pxe --help`)?
has_command() {
    # shellcheck disable=SC2086 # the pxe command line may be several words (dotnet exec pxe.dll)
    $1 --help 2>/dev/null | grep -qE "^[[:space:]]+$2([[:space:]]|\$)"
}
