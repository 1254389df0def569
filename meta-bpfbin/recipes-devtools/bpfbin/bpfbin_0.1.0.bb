SUMMARY = "eBPF observability tools from libbpf-tools, as small Rust binaries"
DESCRIPTION = "opensnoop, execsnoop and the other libbpf-tools tools rebuilt \
in Rust with aya: each tool one binary with its eBPF program embedded."
SECTION = "devel"
LICENSE = "MIT | Apache-2.0"
# The repository's licence statement is Cargo.toml's `license` line.
LIC_FILES_CHKSUM = "file://Cargo.toml;beginline=10;endline=10;md5=86b31c7756a1a7962f28b62856ed4f05"

# bpfbin-<version>-src.tar.gz from scripts/dist.sh: the source plus the
# prebuilt eBPF objects (prebuilt/ebpf/<target>/), which Yocto's Rust cannot
# build (no bpf-linker). Set BPFBIN_RELEASE_URI to where you publish releases
# (then add SRC_URI[sha256sum] from SHA256SUMS); by default, the dist/release/
# of the checkout this layer is in.
BPFBIN_RELEASE_URI ??= "file://${BPFBIN_LAYERDIR}/../dist/release"
SRC_URI = "${BPFBIN_RELEASE_URI}/bpfbin-${PV}-src.tar.gz"
# S is the default ${BP} (bpfbin-${PV}), the tarball's top directory.

# cargo_common.bbclass turns these crate:// URIs into a vendor directory;
# cargo.bbclass builds with --frozen, so nothing is fetched at build time.
require bpfbin-crates.inc
inherit cargo cargo-update-recipe-crates

# Each tool embeds the eBPF object of the target's architecture (32-bit arm
# has 4-byte pointers and syscall slots); the object depends on the
# architecture only, not on the libc or the rest of the target triple. eBPF
# here is little-endian: no big-endian targets.
COMPATIBLE_HOST = "(x86_64|aarch64|arm)-.*-linux.*"
BPFBIN_EBPF_TARGET = ""
BPFBIN_EBPF_TARGET:x86-64 = "x86_64-unknown-linux-musl"
BPFBIN_EBPF_TARGET:aarch64 = "aarch64-unknown-linux-musl"
BPFBIN_EBPF_TARGET:arm = "armv7-unknown-linux-musleabihf"
# tools/bpfbin-build copies OBJECT_DIR/<tool> instead of running aya-build.
export BPFBIN_EBPF_DIR = "${S}/prebuilt/ebpf/${BPFBIN_EBPF_TARGET}"

# The workspace's release profile strips; leave that to do_package, which
# keeps the debug symbols in ${PN}-dbg (and QA refuses stripped binaries).
export CARGO_PROFILE_RELEASE_STRIP = "false"

# No -p: cargo builds the workspace's default members, i.e. every tool
# (tools/*) but not the eBPF crates, which only build for bpfel.
do_install() {
    install -d ${D}${sbindir}
    # Every tools/<tool>/src/main.rs is a tool, as in scripts/build.sh;
    # tools/bpfbin is the shared library.
    for m in ${S}/tools/*/src/main.rs; do
        t=${m#${S}/tools/}
        t=${t%%/*}
        case $t in bpfbin) continue ;; esac
        install -m 0755 ${B}/target/${CARGO_TARGET_SUBDIR}/$t ${D}${sbindir}/$t
    done
    install -m 0755 ${S}/scripts/check-btf.sh ${D}${sbindir}/check-btf.sh
}

# check-btf.sh: /bin/sh, grep, zcat (busybox by default)
RDEPENDS:${PN} += "${VIRTUAL-RUNTIME_base-utils}"
