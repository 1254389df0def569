//! @tool@: (to write: what it traces), as libbpf-tools' @tool@ does.

use std::io::Write;

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    args::positive,
    bpf::load::load,
    output::{Output, write_error},
};
use bpfbin_common::@tool@::Config;

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/@tool@"));

/// Trace what libbpf-tools' @tool@ traces.
#[derive(FromArgs)]
#[argh(example = "@tool@           # trace every process")]
#[argh(example = "@tool@ -p 1216   # only trace PID 1216")]
#[argh(example = "@tool@ --json    # one JSON object per line")]
struct Args {
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of columns
    #[argh(switch)]
    json: bool,
}

pub fn main() -> ! {
    bpfbin::main("@tool@", run)
}

fn run() -> Result<()> {
    // The short options that take a value: tests/tests/house.rs checks them against Args.
    let args: Args = bpfbin::args::parse("p")?;
    bpfbin::init_logging(args.verbose);

    let _ebpf = load(OBJECT, &Config { pid: args.pid.unwrap_or(0) }, None)?;
    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "{:<18} {:<16} PID", "TIME(s)", "COMM").map_err(write_error)?;
    }
    out.flush()?;
    // To write: attach the programs (bpfbin::bpf::load), run the event loop
    // (bpfbin::bpf::event_loop::Events) and print each event, as syncsnoop does.
    Err(Error::new("not written yet: tools/@tool@/src/lib.rs attaches nothing"))
}
