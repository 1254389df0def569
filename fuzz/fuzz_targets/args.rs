//! Arbitrary command lines through `args::parse_from` (getopt-style word
//! splitting, then argh): always `Ok` or a usage error, never a panic.
//!
//! Input: the first byte picks which letters take a value; the rest is the
//! words, separated by NUL bytes as in /proc/PID/cmdline. A word that is not
//! UTF-8 is dropped, as `args::parse` refuses those before parse_from.

#![no_main]

use argh::FromArgs;
use bpfbin::{
    args::{parse_from, positive, uid},
    error::EXIT_USAGE,
};
use libfuzzer_sys::fuzz_target;

/// Trace open() syscalls (opensnoop's options).
#[derive(FromArgs, Debug)]
#[allow(dead_code)]
struct Args {
    /// duration to trace, in seconds
    #[argh(option, short = 'd', from_str_fn(positive))]
    duration: Option<u64>,
    /// print extended fields
    #[argh(switch, short = 'e')]
    extended_fields: bool,
    /// trace process names containing this
    #[argh(option, short = 'n')]
    name: Option<String>,
    /// process ID to trace
    #[argh(option, short = 'p', from_str_fn(positive))]
    pid: Option<u32>,
    /// thread ID to trace
    #[argh(option, short = 't', from_str_fn(positive))]
    tid: Option<u32>,
    /// print timestamp
    #[argh(switch, short = 'T')]
    timestamp: bool,
    /// user ID to trace
    #[argh(option, short = 'u', from_str_fn(uid))]
    uid: Option<u32>,
    /// failed opens only
    #[argh(switch, short = 'x')]
    failed: bool,
    /// print one JSON object per event
    #[argh(switch)]
    json: bool,
    /// a repeatable option
    #[argh(option, short = 'l')]
    line: Vec<String>,
    /// kernel BTF file
    #[argh(option)]
    btf: Option<std::path::PathBuf>,
    /// an optional positional argument
    #[argh(positional)]
    interval: Option<u32>,
}

/// `with_value` sets: right, none, too few, and letters that are switches.
const WITH_VALUE: [&str; 4] = ["dnptul", "", "p", "dnptulTxe"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let with_value = WITH_VALUE[usize::from(pick) % WITH_VALUE.len()];
    let words: Vec<String> = (!rest.is_empty())
        .then(|| rest.split(|&b| b == 0))
        .into_iter()
        .flatten()
        .filter_map(|word| std::str::from_utf8(word).ok())
        .map(str::to_owned)
        .collect();
    match parse_from::<Args>("opensnoop", &words, with_value) {
        Ok(_) => {}
        // -h, --help, --usage, -V: printed, and a quiet exit 0.
        Err(err) if err.code() == 0 => assert!(err.message().is_none()),
        Err(err) => {
            assert_eq!(err.code(), EXIT_USAGE, "not a usage error: {:?}", err.message());
            assert!(err.message().is_some_and(|m| m.contains("Usage: opensnoop")), "{:?}", err.message());
        }
    }
});
