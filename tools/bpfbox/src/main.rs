//! bpfbox: every bpfbin tool in one binary, for boards short of flash. Run
//! as `bpfbox TOOL [ARGS...]`, or through a link named after the tool
//! (`ln -s bpfbox opensnoop`), as busybox does. The tools share aya, std and
//! the bpfbin crate once instead of once each.

use std::io::Write;

use bpfbin::{
    args::{program_name, shift, version_line},
    error::EXIT_USAGE,
};

/// Each tool's name and its `main`, one for each tool bpfbox depends on.
const TOOLS: &[(&str, fn() -> !)] = include!(concat!(env!("OUT_DIR"), "/tools.rs"));

const USAGE: &str =
    "Usage: bpfbox TOOL [ARGS...] | bpfbox --list | bpfbox --version | TOOL [ARGS...] through a link named TOOL";

fn tool(name: &str) -> Option<fn() -> !> {
    TOOLS.iter().find(|(tool, _)| *tool == name).map(|&(_, main)| main)
}

fn main() {
    let mut args = std::env::args_os();
    let called = args.next().map(program_name).unwrap_or_default();
    if let Some(main) = tool(&called) {
        main()
    }
    let first = args.next().map(|arg| arg.to_string_lossy().into_owned());
    match first.as_deref() {
        Some("--list") => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`bpfbox --list | head -1`) ends the list quietly.
            let _ = TOOLS.iter().try_for_each(|(name, _)| writeln!(out, "{name}"));
        }
        Some("--help" | "-h") => println!("{USAGE}\nTools: {}", names()),
        Some("--version" | "-V") => println!("{}", version_line("bpfbox")),
        Some(name) => match tool(name) {
            Some(main) => {
                shift();
                main()
            }
            None => usage_error(&format!("no tool named {name}")),
        },
        None => usage_error("no tool given"),
    }
}

fn names() -> String {
    TOOLS.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(" ")
}

fn usage_error(message: &str) -> ! {
    eprintln!("bpfbox: {message}; tools: {}\n{USAGE}", names());
    std::process::exit(EXIT_USAGE)
}
