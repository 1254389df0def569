//! bashreadline: print the lines people enter in bash, as libbpf-tools'
//! bashreadline does, from a uretprobe on bash's readline.

use std::{
    io::{self, Write},
    path::{Path, PathBuf},
    process::Command,
};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_uprobe, load_unconfigured},
    },
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
    symbols::uprobe::Elf,
};
use bpfbin_common::bashreadline::Event;

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/bashreadline"));

/// Where libbpf-tools looks for bash.
const BASH: &str = "/bin/bash";

/// The functions to probe, in order of preference. bash calls
/// `readline_internal_teardown` when Enter is pressed, so a shell already
/// waiting in `readline` when the tool starts has its next line seen too (a
/// uretprobe on `readline` would miss that one). Both return the line.
const FUNCTIONS: [&str; 2] = ["readline_internal_teardown", "readline"];

/// Print entered bash commands from all running shells.
#[derive(FromArgs)]
#[argh(example = "bashreadline                                  # bash at /bin/bash")]
#[argh(example = "bashreadline -s /usr/lib/libreadline.so.8     # bash linked to this libreadline")]
#[argh(example = "bashreadline --json                           # one JSON object per line")]
struct Args {
    /// the location of libreadline.so library
    #[argh(option, short = 's')]
    shared: Option<String>,
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per line instead of columns
    #[argh(switch)]
    json: bool,
}

/// Where the uretprobe goes.
struct Probe {
    path: PathBuf,
    function: &'static str,
    /// File offset of the function, as uprobes want it.
    offset: u64,
}

pub fn main() -> ! {
    bpfbin::main("bashreadline", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("s")?;
    bpfbin::init_logging(args.verbose);

    let probe = match &args.shared {
        Some(path) => {
            find_in(Path::new(path))?.ok_or_else(|| Error::new(format!("could not find readline in {path}")))?
        }
        None => find_bash_readline()?,
    };
    log::debug!("probing {} in {} at offset {:#x}", probe.function, probe.path.display(), probe.offset);

    let mut ebpf = load_unconfigured(OBJECT)?;
    attach_uprobe(&mut ebpf, "bashreadline", &probe.path, probe.offset, None)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "{:<9} {:<7} COMMAND", "TIME", "PID").map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        if args.json { print_json(out, &event) } else { print_columns(out, &event) }
    })
}

/// readline in /bin/bash, or in the libreadline it links (found with ldd, as
/// libbpf-tools does: the loader knows its search path best).
fn find_bash_readline() -> Result<Probe> {
    let bash = Path::new(BASH);
    if !bash.exists() {
        return Err(Error::new(format!("no bash at {BASH} (busybox-only system?); give the readline library with -s")));
    }
    if let Some(probe) = find_in(bash)? {
        return Ok(probe);
    }
    let library = linked_readline(bash).ok_or_else(|| {
        Error::new(format!("no readline in {BASH} nor a libreadline it links (ldd); give the readline library with -s"))
    })?;
    find_in(&library)?.ok_or_else(|| Error::new(format!("could not find readline in {}", library.display())))
}

/// The first of `FUNCTIONS` that the ELF file at `path` defines, if any.
fn find_in(path: &Path) -> Result<Option<Probe>> {
    let elf = Elf::open(path)?;
    for function in FUNCTIONS {
        if let Some(offset) = elf.function_offset(function)? {
            return Ok(Some(Probe { path: path.to_owned(), function, offset }));
        }
    }
    Ok(None)
}

/// The libreadline that `ldd` says `bash` loads, from a line like
/// `libreadline.so.8 => /usr/lib/libreadline.so.8 (0x7f...)`.
fn linked_readline(bash: &Path) -> Option<PathBuf> {
    let output = Command::new("ldd").arg(bash).output();
    let output = match output {
        Ok(output) => output,
        Err(err) => {
            log::debug!("running ldd {}: {err}", bash.display());
            return None;
        }
    };
    readline_in_ldd_output(&String::from_utf8_lossy(&output.stdout))
}

fn readline_in_ldd_output(ldd: &str) -> Option<PathBuf> {
    ldd.lines().find_map(|line| {
        let (name, rest) = line.trim().split_once(" => ")?;
        let path = rest.split_whitespace().next()?;
        (name.starts_with("libreadline.so") && path.starts_with('/')).then(|| PathBuf::from(path))
    })
}

fn print_columns(out: &mut Output, e: &Event) -> io::Result<()> {
    // "%-9s %-7d %s": HH:MM:SS is 8 wide, so two spaces follow it.
    out.write_all(&local_hms())?;
    write!(out, "  {:<7} ", e.pid)?;
    write_text(out, c_str(&e.line))?;
    writeln!(out)
}

fn print_json(out: &mut Output, e: &Event) -> io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"pid\":{},\"command\":", unix_micros(), e.pid)?;
    write_json_str(out, c_str(&e.line))?;
    writeln!(out, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_gives_the_libreadline_path() {
        let ldd = "\tlinux-vdso.so.1 (0x00007ffd)\n\
                   \tlibreadline.so.8 => /usr/lib/libreadline.so.8 (0x00007f12)\n\
                   \tlibc.so.6 => /lib/libc.so.6 (0x00007f10)\n";
        assert_eq!(readline_in_ldd_output(ldd), Some(PathBuf::from("/usr/lib/libreadline.so.8")));
        // musl's ldd prints the same shape; a missing library has no path.
        assert_eq!(readline_in_ldd_output("\tlibreadline.so.8 => not found\n"), None);
        assert_eq!(readline_in_ldd_output("\tlibtinfo.so.6 => /lib/libtinfo.so.6 (0x1)\n"), None);
    }
}
