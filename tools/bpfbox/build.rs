//! bpfbox's table of tools, from its dependencies: every path dependency of
//! its Cargo.toml is a tool's library with a `main`, so adding a tool to
//! bpfbox is one line there.

use std::{env, fs, path::PathBuf};

fn main() {
    println!("cargo::rerun-if-changed=Cargo.toml");
    let manifest = fs::read_to_string("Cargo.toml").expect("bpfbox's Cargo.toml");
    let mut tools: Vec<&str> =
        manifest.lines().filter_map(|line| line.split_once(" = { path = \"../")).map(|(name, _)| name).collect();
    tools.sort_unstable();
    let entries: String =
        tools.iter().map(|tool| format!("    (\"{tool}\", {}::main),\n", tool.replace('-', "_"))).collect();
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("tools.rs");
    fs::write(out, format!("&[\n{entries}]\n")).expect("writing bpfbox's table of tools");
}
