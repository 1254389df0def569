//! What every tool's `build.rs` does: build `ebpf/<tool>` for the target's
//! architecture, so `include_bytes_aligned!` can embed it.
//!
//! All tools of one architecture share one eBPF target directory,
//! `target/ebpf/<arch>`, so `core`, aya-ebpf and the shared crates are
//! compiled once (each build script waits for cargo's lock on it).
//! Packagers whose Rust cannot build eBPF set `BPFBIN_EBPF_DIR` to prebuilt
//! objects, as `scripts/build.sh` leaves them in `dist/<target>/ebpf/`.

mod line_info;

use std::{
    env, fs,
    path::{Path, PathBuf},
    process::{self, Command, Stdio},
};

/// The toolchain that builds the eBPF side; rust-toolchain.toml pins the same.
const TOOLCHAIN: &str = "1.98";

/// Builds (or copies) the eBPF object of `tool` into `OUT_DIR/<tool>`; on
/// failure, says why and fails the build.
pub fn embed_ebpf(tool: &str) {
    if let Err(e) = try_embed(tool) {
        eprintln!("bpfbin-build: {tool}: {e}");
        process::exit(1);
    }
}

fn try_embed(tool: &str) -> Result<(), String> {
    let out = PathBuf::from(var("OUT_DIR")?).join(tool);
    println!("cargo::rerun-if-env-changed=BPFBIN_EBPF_DIR");
    if let Some(dir) = env::var_os("BPFBIN_EBPF_DIR") {
        let object = PathBuf::from(dir).join(tool);
        // A new object under the same path must be embedded again.
        println!("cargo::rerun-if-changed={}", object.display());
        return copy(&object, &out);
    }

    let workspace = PathBuf::from(var("CARGO_MANIFEST_DIR")?).join("../..");
    // Directories are scanned whole: any change to the kernel side, the
    // shared crates or the locked versions builds the object again.
    for input in [&format!("ebpf/{tool}"), "ebpf/common", "ebpf/kernel", "Cargo.lock", "rust-toolchain.toml"] {
        println!("cargo::rerun-if-changed={}", workspace.join(input).display());
    }
    let arch = var("CARGO_CFG_TARGET_ARCH")?;
    if var("CARGO_CFG_TARGET_ENDIAN")? != "little" {
        return Err(format!("{arch}: only little-endian targets are supported"));
    }
    println!("cargo::rerun-if-env-changed=CARGO_TARGET_DIR");
    // A relative one is taken from the workspace, where the eBPF build runs,
    // not from this script's directory.
    let target_dir =
        workspace.join(env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into())).join("ebpf").join(&arch);

    let mut cargo = Command::new("rustup");
    cargo
        .args(["run", TOOLCHAIN, "cargo", "build", "--release", "--bins"])
        .args(["--package", &format!("{tool}-ebpf")])
        .args(["--target", "bpfel-unknown-none", "-Z", "build-std=core"])
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(&workspace)
        // build-std needs it; the pinned toolchain is a stable one.
        .env("RUSTC_BOOTSTRAP", "1")
        // aya needs the object's BTF, so keep debug info; the verifier wants
        // optimised code whatever the profile of the user-space build.
        .env(
            "CARGO_ENCODED_RUSTFLAGS",
            format!("--cfg=bpf_target_arch=\"{arch}\"\x1f-Cdebuginfo=2\x1f-Clink-arg=--btf"),
        )
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "3")
        .env("CARGO_PROFILE_RELEASE_STRIP", "false")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "2")
        // Set by the outer cargo for the user-space target; not for this one.
        .env_remove("RUSTC")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("RUSTFLAGS")
        // cargo's own output goes where a build script's stderr goes: shown
        // when the build fails.
        .stdout(Stdio::from(std::io::stderr()));
    let status = cargo
        .status()
        .map_err(|e| format!("rustup: {e} (building eBPF needs rustup, or set BPFBIN_EBPF_DIR to prebuilt objects)"))?;
    if !status.success() {
        return Err(format!("the eBPF build failed ({status})"));
    }
    strip_debug(&target_dir.join("bpfel-unknown-none/release").join(tool), &out)
}

/// Copies the object without its DWARF, most of it: bpf-linker needs
/// DWARF to write BTF, but once written aya loads only the programs, maps and
/// BTF (`.BTF`, `.BTF.ext`), which `--strip-debug` keeps. The BTF loses its
/// line info too (`line_info`), and both their relocations, which only a
/// linker reads (llvm-objcopy would also break `.rel.BTF` when `.BTF` is
/// replaced).
fn strip_debug(from: &Path, to: &Path) -> Result<(), String> {
    let object = fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
    let (btf, ext) = line_info::strip_object(&object).map_err(|e| format!("{}: {e}", from.display()))?;
    let (btf_file, ext_file) = (to.with_extension("BTF"), to.with_extension("BTF.ext"));
    fs::write(&btf_file, btf).map_err(|e| format!("{}: {e}", btf_file.display()))?;
    fs::write(&ext_file, ext).map_err(|e| format!("{}: {e}", ext_file.display()))?;
    // rustc ships rust-objcopy (LLVM's objcopy) in its sysroot for `-C strip`.
    let sysroot = Command::new("rustup")
        .args(["run", TOOLCHAIN, "rustc", "--print", "sysroot"])
        .output()
        .map_err(|e| format!("rustup: {e}"))?;
    let sysroot = String::from_utf8(sysroot.stdout).map_err(|_| "rustc's sysroot is not UTF-8".to_owned())?;
    let objcopy = Path::new(sysroot.trim()).join("lib/rustlib").join(var("HOST")?).join("bin/rust-objcopy");
    let status = Command::new(&objcopy)
        .args(["--strip-debug", "--remove-section=.rel.BTF", "--remove-section=.rel.BTF.ext"])
        .arg(format!("--update-section=.BTF={}", btf_file.display()))
        .arg(format!("--update-section=.BTF.ext={}", ext_file.display()))
        .args([from, to])
        .status()
        .map_err(|e| format!("{}: {e}", objcopy.display()))?;
    if !status.success() {
        return Err(format!("{} --strip-debug {} failed ({status})", objcopy.display(), from.display()));
    }
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    fs::copy(from, to).map(drop).map_err(|e| format!("{}: {e}", from.display()))
}

fn var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|_| format!("cargo did not set {name}"))
}
