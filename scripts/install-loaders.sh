#!/usr/bin/env bash
# Installs the PXE boot loaders from Debian's packages into a PxeServer catalog and records their sha256
# in <catalog>/loaders/SHA256SUMS (checked by `pxe catalog verify`). Idempotent; every copy is atomic.
#
#   sudo apt-get install ipxe pxelinux syslinux-common syslinux-efi
#   scripts/install-loaders.sh [CATALOG_DIR]      # default: $PXE_CATALOG or ./boot-images
#
# Exit 0 when every loader is installed; 1 when a package is missing (the message names it).
set -euo pipefail

catalog="${1:-${PXE_CATALOG:-boot-images}}"
dest="$catalog/loaders"

# name | Debian package | candidate source paths (first existing wins)
loaders=(
  "undionly.kpxe|ipxe|/usr/lib/ipxe/undionly.kpxe"
  "ipxe.efi|ipxe|/usr/lib/ipxe/ipxe.efi /boot/ipxe.efi"
  "snponly.efi|ipxe|/usr/lib/ipxe/snponly.efi"
  "pxelinux.0|pxelinux|/usr/lib/PXELINUX/pxelinux.0"
  "ldlinux.c32|syslinux-common|/usr/lib/syslinux/modules/bios/ldlinux.c32"
  "syslinux.efi|syslinux-efi|/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi"
  "ldlinux.e64|syslinux-efi|/usr/lib/syslinux/modules/efi64/ldlinux.e64"
)

mkdir -p "$dest"
missing=()
for entry in "${loaders[@]}"; do
  IFS='|' read -r name package sources <<<"$entry"
  src=""
  for candidate in $sources; do
    if [[ -f "$candidate" ]]; then src="$candidate"; break; fi
  done
  if [[ -z "$src" ]]; then
    missing+=("$name (Debian package $package)")
    continue
  fi
  tmp="$dest/.$name.tmp-$$"
  cp -L "$src" "$tmp"
  sync "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$dest/$name"
  echo "installed $dest/$name  <- $src"
done

# Record checksums of whatever is installed (sha256sum format, names relative to loaders/).
tmp="$dest/.SHA256SUMS.tmp-$$"
(
  cd "$dest"
  for entry in "${loaders[@]}"; do
    name="${entry%%|*}"
    if [[ -f "$name" ]]; then sha256sum "$name"; fi
  done
) >"$tmp"
mv -f "$tmp" "$dest/SHA256SUMS"
echo "wrote $dest/SHA256SUMS"

if ((${#missing[@]} > 0)); then
  printf 'missing: %s\n' "${missing[@]}" >&2
  echo "install them with: sudo apt-get install ipxe pxelinux syslinux-common syslinux-efi" >&2
  exit 1
fi
