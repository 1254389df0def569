//! oomkill: trace OOM kills, as libbpf-tools' oomkill does.

use std::{io::Write, path::PathBuf};

use argh::FromArgs;
use bpfbin::{
    Error, Result,
    bpf::{
        event_loop::{Events, read_event},
        load::{attach_kprobe, load},
    },
    kernel::{
        btf::Btf,
        layout::{offsets, open_btf},
    },
    output::{
        Output,
        text::{c_str, write_json_str, write_text},
        time::{local_hms, unix_micros},
    },
};
use bpfbin_common::oomkill::{Config, Event, MEMBERS};

static OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/oomkill"));

/// Trace OOM kills.
#[derive(FromArgs)]
#[argh(example = "oomkill               # trace OOM kills")]
#[argh(example = "oomkill --json        # one JSON object per line")]
struct Args {
    /// verbose debug output
    #[argh(switch, short = 'v')]
    verbose: bool,
    /// print one JSON object per event instead of lines
    #[argh(switch)]
    json: bool,
    /// kernel BTF file, when the kernel has none of its own
    #[argh(option)]
    btf: Option<PathBuf>,
}

const FUNCTION: &str = "oom_kill_process";

pub fn main() -> ! {
    bpfbin::main("oomkill", run)
}

fn run() -> Result<()> {
    let args: Args = bpfbin::args::parse("")?;
    bpfbin::init_logging(args.verbose);

    let config = layout(&mut open_btf(args.btf.as_deref())?)?;
    let mut ebpf = load(OBJECT, &config, None)?;
    attach_kprobe(&mut ebpf, FUNCTION, FUNCTION)?;
    let mut events = Events::new(&mut ebpf)?;

    let mut out = Output::stdout();
    if !args.json {
        writeln!(out, "Tracing OOM kills... Ctrl-C to stop.").map_err(bpfbin::output::write_error)?;
    }
    out.flush()?;
    events.run(None, &mut out, |out, record| {
        let Some(event) = read_event::<Event>(record) else { return Ok(()) };
        // Read at each kill, as libbpf-tools does: the load when it happened.
        let loadavg = std::fs::read("/proc/loadavg").ok();
        let loadavg = loadavg.as_deref().map(|l| l.trim_ascii_end()).filter(|l| !l.is_empty());
        if args.json { print_json(out, &event, loadavg) } else { print_line(out, &event, loadavg) }
    })
}

/// The offsets the program reads at, and the width of `totalpages`.
fn layout(btf: &mut Btf) -> Result<Config> {
    let [chosen, totalpages, tgid, comm] = offsets(btf, &MEMBERS)?;
    // The eBPF object reads pointers at its architecture's width: a 32-bit
    // build on a 64-bit kernel would read half of each.
    let pointer = btf.require("oom_control", "chosen")?.size;
    if pointer as usize != size_of::<usize>() {
        return Err(Error::new(format!(
            "this kernel's pointers are {pointer} bytes, this build's {}: use the build for the kernel's architecture",
            size_of::<usize>()
        )));
    }
    let totalpages_size = btf.require("oom_control", "totalpages")?.size;
    if !matches!(totalpages_size, 4 | 8) {
        return Err(Error::new(format!("oom_control.totalpages is {totalpages_size} bytes, not a long")));
    }
    Ok(Config { chosen, totalpages, tgid, comm, totalpages_size: totalpages_size as u16 })
}

/// `12:00:01 Triggered by PID 3297 ("ntpd"), OOM kill of PID 22516 ("perl"),
/// 3850642 pages, loadavg: 0.99 0.39 0.30 3/282 22724`
fn print_line(out: &mut impl Write, e: &Event, loadavg: Option<&[u8]>) -> std::io::Result<()> {
    out.write_all(&local_hms())?;
    write!(out, " Triggered by PID {} (\"", e.fpid)?;
    write_text(out, c_str(&e.fcomm))?;
    write!(out, "\"), OOM kill of PID {} (\"", e.tpid)?;
    write_text(out, c_str(&e.tcomm))?;
    write!(out, "\"), {} pages", e.pages)?;
    if let Some(loadavg) = loadavg {
        out.write_all(b", loadavg: ")?;
        write_text(out, loadavg)?;
    }
    out.write_all(b"\n")
}

fn print_json(out: &mut impl Write, e: &Event, loadavg: Option<&[u8]>) -> std::io::Result<()> {
    write!(out, "{{\"ts_us\":{},\"trigger_pid\":{},\"trigger_comm\":", unix_micros(), e.fpid)?;
    write_json_str(out, c_str(&e.fcomm))?;
    write!(out, ",\"victim_pid\":{},\"victim_comm\":", e.tpid)?;
    write_json_str(out, c_str(&e.tcomm))?;
    write!(out, ",\"pages\":{},\"loadavg\":", e.pages)?;
    match loadavg {
        Some(loadavg) => write_json_str(out, loadavg)?,
        None => out.write_all(b"null")?,
    }
    out.write_all(b"}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comm(name: &[u8]) -> [u8; 16] {
        let mut comm = [0; 16];
        comm[..name.len()].copy_from_slice(name);
        comm
    }

    const LOADAVG: &[u8] = b"0.99 0.39 0.30 3/282 22724";

    fn event() -> Event {
        Event { fpid: 3297, tpid: 22516, pages: 3850642, fcomm: comm(b"ntpd"), tcomm: comm(b"ev\nil\x1b[31m") }
    }

    fn text(e: &Event, loadavg: Option<&[u8]>) -> String {
        let mut out = Vec::new();
        print_line(&mut out, e, loadavg).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_line_is_bccs_with_the_time_first_and_comms_escaped() {
        let line = text(&event(), Some(LOADAVG));
        assert_eq!(
            &line[8..],
            " Triggered by PID 3297 (\"ntpd\"), OOM kill of PID 22516 (\"ev\\nil\\x1b[31m\"), 3850642 pages, loadavg: 0.99 0.39 0.30 3/282 22724\n"
        );
        assert_eq!(line.as_bytes()[2], b':');
        assert_eq!(
            &text(&event(), None)[8..],
            " Triggered by PID 3297 (\"ntpd\"), OOM kill of PID 22516 (\"ev\\nil\\x1b[31m\"), 3850642 pages\n"
        );
    }

    #[test]
    fn json_has_every_field() {
        let mut out = Vec::new();
        print_json(&mut out, &event(), Some(LOADAVG)).unwrap();
        let json = String::from_utf8(out).unwrap();
        let rest = json.split_once(",\"trigger_pid\"").unwrap().1;
        assert_eq!(
            rest,
            ":3297,\"trigger_comm\":\"ntpd\",\"victim_pid\":22516,\"victim_comm\":\"ev\\nil\\u001b[31m\",\"pages\":3850642,\"loadavg\":\"0.99 0.39 0.30 3/282 22724\"}\n"
        );
        let mut out = Vec::new();
        print_json(&mut out, &event(), None).unwrap();
        assert!(out.ends_with(b",\"pages\":3850642,\"loadavg\":null}\n"));
    }
}
