//! What every tool's `build.rs` does: build `ebpf/<tool>` for the target's
//! architecture with aya-build, so `include_bytes_aligned!` can embed it.
//!
//! Packagers whose Rust cannot build eBPF (Yocto, Buildroot, cross-rs) set
//! `BPFBIN_EBPF_DIR` to a folder of prebuilt objects, one file per tool, as
//! `scripts/build.sh` leaves them in `dist/<target>/ebpf/`.

use std::{env, fs, path::PathBuf};

/// The toolchain that builds the eBPF side; rust-toolchain.toml pins the same.
const TOOLCHAIN: &str = "1.98";

/// Builds (or copies) the eBPF object of `tool` into `OUT_DIR/<tool>`.
pub fn embed_ebpf(tool: &str) -> aya_build::Result<()> {
    println!("cargo::rerun-if-env-changed=BPFBIN_EBPF_DIR");
    if let Some(dir) = env::var_os("BPFBIN_EBPF_DIR") {
        let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        let object = PathBuf::from(dir).join(tool);
        // A new object under the same path must be embedded again.
        println!("cargo::rerun-if-changed={}", object.display());
        fs::copy(&object, out.join(tool))?;
        return Ok(());
    }
    // The release profile is tuned for small user-space binaries; the eBPF
    // object wants the verifier's taste instead (optimised loops, no
    // stripping: aya needs its BTF). The nested cargo reads these.
    // SAFETY: build scripts are single-threaded here.
    unsafe {
        env::set_var("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3");
        env::set_var("CARGO_PROFILE_RELEASE_STRIP", "false");
        env::set_var("CARGO_PROFILE_RELEASE_DEBUG", "2");
    }
    let name = format!("{tool}-ebpf");
    let root_dir = format!("{}/../../ebpf/{tool}", env::var("CARGO_MANIFEST_DIR")?);
    let package = aya_build::Package { name: &name, root_dir: &root_dir, ..Default::default() };
    aya_build::build_ebpf([package], aya_build::Toolchain::Custom(TOOLCHAIN))
}
