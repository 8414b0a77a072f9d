#!/usr/bin/env bash
# The PXE lab: a VLAN access/trunk switch in network namespaces, real firmware in QEMU (TCG).
# One implementation, used by tests/PxeServer.EndToEndTests and by `pxe demo`. Needs root.
#
#   lab.sh build                        build the sample profile files and the switch VM initramfs (cached)
#   lab.sh up [--id ID]                 create a lab; prints KEY=VALUE lines (also in .lab/ID/env)
#   lab.sh down ID | --all              remove a lab (or every lab recorded under .lab/): VMs, dnsmasq, namespaces
#   lab.sh vm ID --firmware bios|uefi|ovmf-native [--mac MAC] [--serial FILE] [--timeout SEC]
#                                       boot a client VM on the access port (foreground; exits at power-off)
#   lab.sh dhcp ID                      plain dnsmasq (addresses only) on the VLAN, for ProxyDHCP cases
#   lab.sh reference ID full|proxy [--mac MAC] [--ns srv|wrong]
#                                       dnsmasq as the reference PXE server on the server port
#   lab.sh catalog DIR [--mac MAC]      a catalog with the sample profile, the loaders and MAC -> lab-linux
#   lab.sh serve ID full|proxy --catalog DIR [--ns srv|wrong] [ARGS...]
#                                       `pxe serve` (foreground) on the server port with a generated config;
#                                       the binary is $PXE (a command line), else `pxe` on PATH or the build output
#   lab.sh stop ID dhcp|reference       stop one of those dnsmasq instances
#   lab.sh capture ID FILE              tcpdump (foreground) of the client's wire into FILE (pcap)
#   lab.sh exec ID srv|dhcp|wrong|wire CMD...   run CMD in one of the lab's namespaces
#
# Topology (VLAN 10 = the PXE VLAN, VLAN 20 = the wrong one), mode "switch-vm" (host kernel without
# 802.1Q / bridge VLAN filtering, as on these machines):
#
#   client VM --tap tcli--[c0]--tap s0--+                              +--tap s1--[c1]--veth--> ns srv   lab0 10.10.0.1
#                                       |  switch VM: br1               |
#                                       |  vlan_filtering 1             +--tap s2--[c2]--veth--> ns dhcp  lab0 10.10.0.2
#                                       |  client/server/dhcp: PVID 10  +--tap s3--[c3]--veth--> ns wrong lab0 10.20.0.1
#                                       |  wrong: PVID 20; trunk: 10+20 +--tap s4--[c4]  (tagged trunk; capture point)
#   [cN] = plain bridges in ns wire used as cables.
# The server port is an access port of VLAN 10 (untagged), like a server pod on the same NAD; the host has no
# 802.1Q so it cannot terminate the tagged trunk. Mode "host-bridge" (kernel with VLAN filtering) builds br1 in
# ns wire directly with `bridge vlan`, and there the server sits on a tagged trunk port with lab0.10.
set -Eeuo pipefail  # -E: the ERR trap of `up` (remove a half-built lab) also fires inside helper functions
source "$(dirname "$0")/lib/common.sh"

LAB_ROOT="${LAB_ROOT:-$REPO_ROOT/.lab}"
VLAN="${LAB_VLAN:-10}"
WRONG_VLAN="${LAB_WRONG_VLAN:-20}"
SWITCH_DIR="$LAB_CACHE/switch"
SAMPLE_DIR="$LAB_CACHE/sample"
OVMF_CODE="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}"
OVMF_VARS="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}"
QEMU="${QEMU:-qemu-system-x86_64}"

need_root() { [ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, taps)"; }
ns() { echo "pxe-$1-$2"; }
state() { echo "$LAB_ROOT/$1"; }
load_env() {
    [ -f "$(state "$1")/env" ] || die "no lab $1 (missing $(state "$1")/env)"
    set -a; source "$(state "$1")/env"; set +a
}

cmd_build() {
    "$REPO_ROOT/scripts/build-sample-profile.sh" --no-catalog >/dev/null
    prepare_kernel_and_busybox
    local stamp ipbin brbin
    ipbin=$(command -v ip || true); brbin=$(command -v bridge || true)
    [ -n "$ipbin" ] && [ -n "$brbin" ] || die "iproute2 (ip, bridge) is needed to build the switch VM"
    stamp="$(basename "$VMLINUZ") $(sha256sum "$BUSYBOX" "$REPO_ROOT/scripts/initramfs/switch-init" "$ipbin" "$brbin" | awk '{print $1}' | tr '\n' ' ')"
    mkdir -p "$SWITCH_DIR"
    if [ ! -f "$SWITCH_DIR/initrd.img" ] || [ "$(cat "$SWITCH_DIR/.stamp" 2>/dev/null)" != "$stamp" ]; then
        log "building switch VM initramfs"
        local root lib
        root=$(mktemp -d)
        mkdir -p "$root/bin" "$root/opt/iproute2" "$root/dev" "$root/etc"
        cp "$BUSYBOX" "$root/bin/busybox"
        install -m 0755 "$REPO_ROOT/scripts/initramfs/switch-init" "$root/init"
        cp "$ipbin" "$root/opt/iproute2/ip"; cp "$brbin" "$root/opt/iproute2/bridge"
        # iproute2 is dynamically linked: take its libraries (and the loader) from the host.
        for lib in $(ldd "$ipbin" "$brbin" | awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u); do
            [ -f "$lib" ] || continue
            mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"
        done
        copy_modules "$root" virtio_pci_legacy_dev virtio_pci_modern_dev virtio_ring virtio virtio_pci failover net_failover virtio_net llc stp bridge
        make_cpio "$root" "$SWITCH_DIR/initrd.img"
        rm -rf "$root"
        cp "$VMLINUZ" "$SWITCH_DIR/vmlinuz"
        echo "$stamp" > "$SWITCH_DIR/.stamp"
    fi
}

# auto: switch-vm unless the host kernel can do bridge VLAN filtering and 802.1Q sub-interfaces.
detect_mode() {
    local want="${LAB_SWITCH:-auto}" probe="pxe-probe-$$" ok=0
    if [ "$want" != auto ]; then echo "$want"; return; fi
    ip netns add "$probe"
    if ip -n "$probe" link add br type bridge vlan_filtering 1 2>/dev/null &&
       ip -n "$probe" link add d0 type dummy 2>/dev/null &&
       ip -n "$probe" link add link d0 name d0.10 type vlan id 10 2>/dev/null; then ok=1; fi
    ip netns del "$probe"
    [ $ok = 1 ] && echo host-bridge || echo switch-vm
}

quiet_ns() { # no IPv6 noise from our side of the wire
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    ip -n "$1" link set lo up
}

cmd_up() {
    need_root
    local id=""
    while [ $# -gt 0 ]; do case "$1" in --id) id="$2"; shift 2 ;; *) die "up: unknown argument $1" ;; esac; done
    [ -n "$id" ] || id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
    [[ "$id" =~ ^[a-z0-9]{1,8}$ ]] || die "lab id must be 1-8 of [a-z0-9]"
    local st; st=$(state "$id")
    [ ! -e "$st" ] || die "lab $id exists ($st); lab.sh down $id"
    mkdir -p "$st"
    local mode; mode=$(detect_mode)
    local wire srv dhcp wrong
    wire=$(ns "$id" wire); srv=$(ns "$id" srv); dhcp=$(ns "$id" dhcp); wrong=$(ns "$id" wrong)
    # From here on, any failure tears down what exists.
    trap 'log "lab up failed; removing lab $id"; cmd_down "$id" >/dev/null 2>&1 || true' ERR
    echo "$mode" > "$st/mode"
    for n in "$wire" "$srv" "$dhcp" "$wrong"; do ip netns add "$n"; quiet_ns "$n"; done
    ip -n "$wire" tuntap add dev tcli mode tap
    local srv_if=lab0
    if [ "$mode" = switch-vm ]; then
        cmd_build
        local i
        for i in 0 1 2 3 4; do
            ip -n "$wire" link add "c$i" type bridge stp_state 0 forward_delay 0
            ip -n "$wire" tuntap add dev "s$i" mode tap
            ip -n "$wire" link set "s$i" master "c$i"
            ip -n "$wire" link set "s$i" up
            ip -n "$wire" link set "c$i" up
        done
        ip -n "$wire" link set tcli master c0
        ip -n "$wire" link set tcli up
        # veth cables from c1/c2/c3 to the server, dhcp and wrong-VLAN namespaces.
        ip -n "$wire" link add v1 type veth peer name lab0 netns "$srv"
        ip -n "$wire" link add v2 type veth peer name lab0 netns "$dhcp"
        ip -n "$wire" link add v3 type veth peer name lab0 netns "$wrong"
        for i in 1 2 3; do ip -n "$wire" link set "v$i" master "c$i"; ip -n "$wire" link set "v$i" up; done
        local netargs=""
        for i in 0 1 2 3 4; do
            netargs="$netargs -netdev tap,id=p$i,ifname=s$i,script=no,downscript=no -device virtio-net-pci,netdev=p$i,mac=02:5e:00:00:00:0$i"
        done
        : > "$st/switch.log"
        # shellcheck disable=SC2086
        ip netns exec "$wire" "$QEMU" -machine q35 -accel tcg -m 192 -smp 1 -nodefaults -display none \
            -serial "file:$st/switch.log" -no-reboot -kernel "$SWITCH_DIR/vmlinuz" -initrd "$SWITCH_DIR/initrd.img" \
            -append "console=ttyS0,115200 quiet panic=-1 lab.vlan=$VLAN lab.wrongvlan=$WRONG_VLAN" \
            $netargs -daemonize -pidfile "$st/switch.pid"
        local t=0
        until grep -q '^SWITCH-READY' "$st/switch.log" 2>/dev/null; do
            if grep -q '^SWITCH-FAILED' "$st/switch.log" 2>/dev/null || [ $t -ge 900 ]; then
                cat "$st/switch.log" >&2; false
            fi
            sleep 0.1; t=$((t+1))
        done
    else
        ip -n "$wire" link add br1 type bridge vlan_filtering 1 vlan_default_pvid 0 stp_state 0 forward_delay 0
        ip -n "$wire" link add v1 type veth peer name lab0 netns "$srv"
        ip -n "$wire" link add v2 type veth peer name lab0 netns "$dhcp"
        ip -n "$wire" link add v3 type veth peer name lab0 netns "$wrong"
        for p in tcli v1 v2 v3; do ip -n "$wire" link set "$p" master br1; ip -n "$wire" link set "$p" up; done
        bridge -n "$wire" vlan add dev tcli vid "$VLAN" pvid untagged
        bridge -n "$wire" vlan add dev v1 vid "$VLAN"            # trunk to the server: tagged
        bridge -n "$wire" vlan add dev v1 vid "$WRONG_VLAN"
        bridge -n "$wire" vlan add dev v2 vid "$VLAN" pvid untagged
        bridge -n "$wire" vlan add dev v3 vid "$WRONG_VLAN" pvid untagged
        ip -n "$wire" link set br1 up
        ip -n "$srv" link set lab0 up
        ip -n "$srv" link add link lab0 name "lab0.$VLAN" type vlan id "$VLAN"
        srv_if="lab0.$VLAN"
    fi
    ip -n "$srv" link set lab0 up; ip -n "$srv" link set "$srv_if" up
    ip -n "$srv" addr add 10.$VLAN.0.1/24 dev "$srv_if"
    ip -n "$dhcp" link set lab0 up; ip -n "$dhcp" addr add 10.$VLAN.0.2/24 dev lab0
    ip -n "$wrong" link set lab0 up; ip -n "$wrong" addr add 10.$WRONG_VLAN.0.1/24 dev lab0
    trap - ERR
    cat > "$st/env" <<ENV
LAB_ID=$id
LAB_MODE=$mode
LAB_STATE=$st
LAB_VLAN=$VLAN
LAB_WRONG_VLAN=$WRONG_VLAN
NS_WIRE=$wire
NS_SRV=$srv
NS_DHCP=$dhcp
NS_WRONG=$wrong
SRV_IF=$srv_if
SRV_ADDR=10.$VLAN.0.1
SRV_NET=10.$VLAN.0.0/24
DHCP_ADDR=10.$VLAN.0.2
WRONG_IF=lab0
WRONG_ADDR=10.$WRONG_VLAN.0.1
CLIENT_TAP=tcli
CAPTURE_NS=$wire
CAPTURE_IF=tcli
ENV
    cat "$st/env"
}

kill_pidfile() {
    local f="$1" pid
    [ -f "$f" ] || return 0
    pid=$(cat "$f" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
}

cmd_down() {
    need_root
    if [ "${1:-}" = --all ]; then
        local d
        for d in "$LAB_ROOT"/*/; do [ -d "$d" ] && cmd_down "$(basename "$d")"; done
        return 0
    fi
    local id="${1:?lab id}" st n pid
    st=$(state "$id")
    for f in "$st"/*.pid; do [ -e "$f" ] && kill_pidfile "$f"; done
    # Whatever still runs inside the lab's namespaces (VMs, servers, captures started by callers) goes too.
    for n in wire srv dhcp wrong; do
        if ip netns list | grep -qw "$(ns "$id" "$n")"; then
            for pid in $(ip netns pids "$(ns "$id" "$n")" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
        fi
    done
    sleep 0.2
    for n in wire srv dhcp wrong; do
        if ip netns list | grep -qw "$(ns "$id" "$n")"; then
            for pid in $(ip netns pids "$(ns "$id" "$n")" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
            ip netns del "$(ns "$id" "$n")" 2>/dev/null || true
        fi
    done
    rm -rf "$st"
    log "lab $id removed"
}

cmd_vm() {
    need_root
    local id="${1:?lab id}"; shift
    local fw=bios mac=de:00:00:00:00:de serial="" timeout=150
    while [ $# -gt 0 ]; do
        case "$1" in
            --firmware) fw="$2"; shift 2 ;;
            --mac) mac="$2"; shift 2 ;;
            --serial) serial="$2"; shift 2 ;;
            --timeout) timeout="$2"; shift 2 ;;
            *) die "vm: unknown argument $1" ;;
        esac
    done
    load_env "$id"
    [ -n "$serial" ] || serial="$LAB_STATE/client-$fw.log"
    local nic="virtio-net-pci,netdev=n0,mac=$mac,bootindex=1" fwargs=()
    case "$fw" in
        bios) ;;                                   # SeaBIOS + QEMU's iPXE ROM (efi-virtio.rom from ipxe-qemu)
        uefi|ovmf-native)
            local vars="$LAB_STATE/vars-$$.fd"
            cp "$OVMF_VARS" "$vars"
            fwargs=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$OVMF_CODE" -drive "if=pflash,format=raw,unit=1,file=$vars")
            [ "$fw" = ovmf-native ] && nic="$nic,romfile="   # no iPXE ROM: OVMF's own PXE client
            ;;
        *) die "vm: --firmware bios|uefi|ovmf-native" ;;
    esac
    : > "$serial"
    echo "VM-START $(date +%s.%N) firmware=$fw mac=$mac serial=$serial"
    exec ip netns exec "$NS_WIRE" timeout --foreground -k 5 "$timeout" "$QEMU" -machine q35 -accel tcg -m 512 -smp 1 \
        -nodefaults -display none -serial "file:$serial" -no-reboot "${fwargs[@]}" \
        -netdev tap,id=n0,ifname="$CLIENT_TAP",script=no,downscript=no -device "$nic"
}

cmd_dhcp() {
    need_root
    local id="${1:?lab id}"; load_env "$id"
    kill_pidfile "$LAB_STATE/dhcp.pid"
    # Addresses only (no PXE options): the "other" DHCP server of the ProxyDHCP cases.
    ip netns exec "$NS_DHCP" dnsmasq --conf-file=/dev/null --port=0 --interface=lab0 --bind-interfaces \
        --dhcp-range="10.$LAB_VLAN.0.100,10.$LAB_VLAN.0.199,255.255.255.0,1h" --dhcp-leasefile="$LAB_STATE/dhcp.leases" \
        --dhcp-authoritative --no-ping --log-dhcp --log-facility="$LAB_STATE/dhcp.log" --pid-file="$LAB_STATE/dhcp.pid"
    echo "DHCP_PID=$(cat "$LAB_STATE/dhcp.pid")"
}

cmd_reference() {
    need_root
    local id="${1:?lab id}" mode="${2:?full|proxy}"; shift 2
    local mac=de:00:00:00:00:de where=srv
    while [ $# -gt 0 ]; do
        case "$1" in --mac) mac="$2"; shift 2 ;; --ns) where="$2"; shift 2 ;; *) die "reference: unknown argument $1" ;; esac
    done
    load_env "$id"
    local ifname=$SRV_IF addr=$SRV_ADDR net="10.$LAB_VLAN.0"
    if [ "$where" = wrong ]; then ifname=$WRONG_IF; addr=$WRONG_ADDR; net="10.$LAB_WRONG_VLAN.0"; fi
    "$REPO_ROOT/scripts/build-sample-profile.sh" --no-catalog >/dev/null
    local root="$LAB_STATE/ref-tftp" bootif
    mkdir -p "$root"
    cp -f /usr/lib/ipxe/undionly.kpxe /usr/lib/ipxe/ipxe.efi "$SAMPLE_DIR/vmlinuz" "$SAMPLE_DIR/initrd.img" "$root/"
    bootif="01-$(echo "$mac" | tr ':' '-')"
    # The same kernel command line our server renders for lab-linux (docs/catalog.md).
    cat > "$root/lab.ipxe" <<IPXE
#!ipxe
kernel tftp://$addr/vmlinuz initrd=initrd.img console=ttyS0,115200 quiet panic=-1 lab.dhcp=1 lab.profile=lab-linux hostname=vmi-pxe-boot BOOTIF=$bootif
initrd tftp://$addr/initrd.img
boot
IPXE
    local args=(--conf-file=/dev/null --port=0 --interface="$ifname" --bind-interfaces --log-dhcp
        --log-facility="$LAB_STATE/reference.log" --pid-file="$LAB_STATE/reference.pid"
        --enable-tftp --tftp-root="$root" --dhcp-leasefile="$LAB_STATE/reference.leases"
        --dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe,iPXE
        --dhcp-match=set:efi64,option:client-arch,7 --dhcp-match=set:efi64,option:client-arch,9
        "--dhcp-host=$mac,set:known")
    if [ "$mode" = full ]; then
        args+=(--dhcp-range="$net.100,$net.199,255.255.255.0,1h"
            --dhcp-boot=tag:known,tag:ipxe,lab.ipxe
            --dhcp-boot=tag:known,tag:!ipxe,tag:efi64,ipxe.efi
            --dhcp-boot=tag:known,tag:!ipxe,tag:!efi64,undionly.kpxe)
    else
        args+=(--dhcp-range="$net.0,proxy"
            "--pxe-service=tag:known,tag:ipxe,x86PC,lab,lab.ipxe"
            "--pxe-service=tag:known,tag:!ipxe,x86PC,lab,undionly.kpxe"
            "--pxe-service=tag:known,tag:ipxe,BC_EFI,lab,lab.ipxe"
            "--pxe-service=tag:known,tag:!ipxe,BC_EFI,lab,ipxe.efi"
            "--pxe-service=tag:known,tag:ipxe,x86-64_EFI,lab,lab.ipxe"
            "--pxe-service=tag:known,tag:!ipxe,x86-64_EFI,lab,ipxe.efi")
    fi
    kill_pidfile "$LAB_STATE/reference.pid"
    ip netns exec "$(ns "$id" "$where")" dnsmasq "${args[@]}"
    echo "REFERENCE_PID=$(cat "$LAB_STATE/reference.pid")"
}

# The `pxe` command line: $PXE, else `pxe` on PATH, else the repo's build output (apphost or dll).
pxe_cmd() {
    if [ -n "${PXE:-}" ]; then echo "$PXE"; return; fi
    if command -v pxe >/dev/null 2>&1; then command -v pxe; return; fi
    local c
    for c in "$REPO_ROOT"/src/PxeServer.Host/bin/Release/net10.0/pxe "$REPO_ROOT"/src/PxeServer.Host/bin/Debug/net10.0/pxe; do
        [ -x "$c" ] && { echo "$c"; return; }
    done
    die "no pxe binary: set PXE or build src/PxeServer.Host"
}

cmd_catalog() {
    local dir="${1:?catalog dir}" mac=de:00:00:00:00:de; shift
    while [ $# -gt 0 ]; do case "$1" in --mac) mac="$2"; shift 2 ;; *) die "catalog: unknown argument $1" ;; esac; done
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    PXE="${PXE:-$(pxe_cmd 2>/dev/null || true)}" "$REPO_ROOT/scripts/build-sample-profile.sh" --catalog "$dir" >/dev/null
    if [ -x "$REPO_ROOT/scripts/install-loaders.sh" ]; then
        "$REPO_ROOT/scripts/install-loaders.sh" "$dir" >&2
    else
        # Until the catalog's installer exists: the iPXE loaders from Debian's `ipxe`, laid out as docs/catalog.md says.
        mkdir -p "$dir/loaders"
        cp -f /usr/lib/ipxe/undionly.kpxe /usr/lib/ipxe/ipxe.efi /usr/lib/ipxe/snponly.efi "$dir/loaders/"
        (cd "$dir/loaders" && sha256sum undionly.kpxe ipxe.efi snponly.efi > SHA256SUMS)
    fi
    local pxe; pxe=$(pxe_cmd 2>/dev/null || true)
    # shellcheck disable=SC2086
    if [ -n "$pxe" ] && has_command "$pxe" hosts; then
        $pxe hosts remove "$mac" --catalog "$dir" >/dev/null 2>&1 || true
        $pxe hosts add "$mac" lab-linux --name vmi-pxe-boot --catalog "$dir" >&2
    else
        printf 'hosts:\n  - mac: %s\n    profile: lab-linux\n    name: vmi-pxe-boot\n' "$mac" > "$dir/.hosts.yaml.tmp"
        mv "$dir/.hosts.yaml.tmp" "$dir/hosts.yaml"
    fi
    echo "CATALOG=$dir"
}

cmd_serve() {
    need_root
    local id="${1:?lab id}" mode="${2:?full|proxy}"; shift 2
    local catalog="" where=srv extra=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --catalog) catalog="$2"; shift 2 ;;
            --ns) where="$2"; shift 2 ;;
            *) extra+=("$1"); shift ;;
        esac
    done
    [ -n "$catalog" ] || die "serve: --catalog DIR"
    load_env "$id"
    local ifname addr net cfg
    if [ "$where" = wrong ]; then ifname=$WRONG_IF; addr=$WRONG_ADDR; net="10.$LAB_WRONG_VLAN.0"
    else ifname=$SRV_IF; addr=$SRV_ADDR; net="10.$LAB_VLAN.0"; fi
    cfg="$LAB_STATE/pxeserver-$where-$mode.yaml"
    cat > "$cfg" <<YAML
# Generated by scripts/lab.sh for lab $id ($LAB_MODE): the server's port of the lab switch.
server:
  interface: $ifname
  address: $addr
dhcp:
  mode: $mode
  unknownClients: ignore
  leaseStore: $LAB_STATE/leases-$where.db
  pool:
    start: $net.100
    end: $net.199
    subnetMask: 255.255.255.0
    leaseTime: 3600
tftp:
  root: $catalog
catalog:
  path: $catalog
  watch: false
kubevirt:
  bridge: br1
  vlan: $LAB_VLAN
  nadName: pxe-net-conf
YAML
    echo "CONFIG=$cfg" >&2
    local pxe v; pxe=$(pxe_cmd)
    # The daemon reads every PXE_* variable as configuration and rejects unknown ones (PXE_SKIP_PREREQS of test.sh,
    # say): pass on only PXE_<SECTION>__<KEY> overrides of real sections.
    for v in $(compgen -e | grep '^PXE_' || true); do
        case "${v#PXE_}" in SERVER__*|DHCP__*|TFTP__*|CATALOG__*|KUBEVIRT__*) ;; *) unset "$v" ;; esac
    done
    # shellcheck disable=SC2086
    exec ip netns exec "$(ns "$id" "$where")" $pxe serve --config "$cfg" "${extra[@]}"
}

cmd_stop() { # stop a daemon the lab started (dhcp, reference)
    local id="${1:?lab id}" what="${2:?dhcp|reference}"
    kill_pidfile "$(state "$id")/$what.pid"
}

cmd_capture() {
    need_root
    local id="${1:?lab id}" file="${2:?pcap file}"; load_env "$id"
    # snaplen 1024: whole DHCP messages, TFTP DATA headers only (keeps a 15 MB boot at ~10 MB of pcap)
    exec ip netns exec "$CAPTURE_NS" tcpdump -i "$CAPTURE_IF" -n -U -s 1024 -w "$file" udp
}

cmd_exec() {
    need_root
    local id="${1:?lab id}" which="${2:?srv|dhcp|wrong|wire}"; shift 2
    exec ip netns exec "$(ns "$id" "$which")" "$@"
}

case "${1:-}" in
    build) shift; cmd_build "$@" ;;
    up) shift; cmd_up "$@" ;;
    down) shift; cmd_down "$@" ;;
    vm) shift; cmd_vm "$@" ;;
    dhcp) shift; cmd_dhcp "$@" ;;
    reference) shift; cmd_reference "$@" ;;
    catalog) shift; cmd_catalog "$@" ;;
    serve) shift; cmd_serve "$@" ;;
    stop) shift; cmd_stop "$@" ;;
    capture) shift; cmd_capture "$@" ;;
    exec) shift; cmd_exec "$@" ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
esac
