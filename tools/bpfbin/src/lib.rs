//! The part every bpfbin tool shares. A tool reads like its libbpf-tools
//! original, and the rooms here follow it: parse arguments (`args`), learn
//! the kernel (`kernel`), load, attach and loop (`bpf`), print (`output`);
//! `symbols` and `subsystems` serve the tools that name addresses or trace
//! sockets, disks, soft interrupts and paths. Everything a tool would
//! otherwise repeat lives here, kept small because every byte of it ends up
//! in every tool.

pub mod args;
pub mod bpf;
pub mod error;
pub mod kernel;
pub mod output;
pub mod subsystems;
pub mod symbols;

pub use error::{Error, Result};

/// Runs a tool's body and exits with its status: 0 on success, 1 on a runtime
/// failure, 2 on bad usage. Errors are one line on stderr, prefixed by the tool.
pub fn main(tool: &str, body: impl FnOnce() -> Result<()>) -> ! {
    let code = match body() {
        Ok(()) => 0,
        Err(err) => err.report(tool),
    };
    std::process::exit(code)
}

/// Sends `log` records to stderr; `-v` shows the debug ones.
pub fn init_logging(verbose: bool) {
    let level = if verbose { log::LevelFilter::Debug } else { log::LevelFilter::Warn };
    // aya probes kernel features first and warns of each failure; without
    // privileges they all fail, before the one-line error that says why.
    let features = if verbose { log::LevelFilter::Debug } else { log::LevelFilter::Error };
    // Fails only when a logger is already set, which leaves logging working.
    let _ =
        simple_logger::SimpleLogger::new().with_level(level).with_module_level("aya::kernel_features", features).init();
}
