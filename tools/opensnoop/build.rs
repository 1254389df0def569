//! Builds the kernel side for this target's architecture; the object is
//! embedded in the binary. Packagers with prebuilt objects (built by
//! scripts/build.sh) set BPFBIN_EBPF_DIR to their folder instead.

use std::{env, fs, path::PathBuf};

fn main() -> aya_build::Result<()> {
    println!("cargo::rerun-if-env-changed=BPFBIN_EBPF_DIR");
    if let Some(dir) = env::var_os("BPFBIN_EBPF_DIR") {
        let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        fs::copy(PathBuf::from(dir).join("opensnoop"), out.join("opensnoop"))?;
        return Ok(());
    }
    let package = aya_build::Package {
        name: "opensnoop-ebpf",
        root_dir: concat!(env!("CARGO_MANIFEST_DIR"), "/../../ebpf/opensnoop"),
        ..Default::default()
    };
    aya_build::build_ebpf([package], aya_build::Toolchain::Custom("1.98"))
}
