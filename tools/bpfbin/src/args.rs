//! Command lines as libbpf-tools' argp accepts them, parsed by argh.
//!
//! argh wants every flag as its own word; people type `-Tx`, `-p181` and
//! `--pid=181`. Those forms are split before argh sees them.

use std::{
    ffi::OsString,
    os::unix::ffi::OsStrExt,
    str::FromStr,
    sync::atomic::{AtomicBool, Ordering},
};

use argh::{EarlyExit, FromArgs};

use crate::{
    error::{Error, Result},
    output::text::quoted,
};

/// Parses this process's arguments. `with_value` lists the short options that
/// take a value (e.g. "dnptu"); other letters in a cluster are switches.
/// `-h`/`-?`/`--help` print the help, `--usage` the usage line and
/// `-V`/`--version` the version, and exit 0; bad usage prints the error and
/// the usage line and exits 64, as argp does.
pub fn parse<T: FromArgs>(with_value: &str) -> Result<T> {
    let mut raw = tool_args();
    let program = raw.next().map(program_name).unwrap_or_default();
    let words = raw
        .map(|arg| {
            arg.into_string()
                .map_err(|arg| Error::usage(format!("argument is not valid UTF-8: {}", quoted(arg.as_bytes()))))
        })
        .collect::<Result<Vec<_>>>()?;
    parse_from(&program, &words, with_value)
}

/// `parse`, for given words; `program` is the tool's name.
pub fn parse_from<T: FromArgs>(program: &str, words: &[String], with_value: &str) -> Result<T> {
    let words = split_words(words, with_value);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let answer = match first_request(&words, with_value) {
        Some(Request::Help) => help::<T>(program),
        Some(Request::Usage) => format!("{}\n", usage_line::<T>(program)),
        Some(Request::Version) => format!("{}\n", version_line(program)),
        None => {
            return T::from_args(&[program], &words).map_err(|EarlyExit { output, status }| match status {
                // argh's own help word, `help`.
                Ok(()) => {
                    print!("{}", help::<T>(program));
                    Error::quiet()
                }
                Err(()) => Error::usage(format!("{}\n{}", output.trim_end(), usage_line::<T>(program))),
            });
        }
    };
    print!("{answer}");
    Err(Error::quiet())
}

/// What argp answers for every libbpf-tools tool besides its own flags.
/// argh knows only `--help`, so these are answered before argh sees them.
#[derive(Debug, PartialEq)]
enum Request {
    /// `-h` (each tool's hidden option upstream), `-?` and `--help`.
    Help,
    /// `--usage`.
    Usage,
    /// `-V` and `--version`.
    Version,
}

/// The first request in split `words` that is a flag, not the value of a
/// short option nor after `--`: argp answers the first.
fn first_request(words: &[&str], with_value: &str) -> Option<Request> {
    let flags = words.iter().take_while(|word| **word != "--");
    flags.enumerate().find_map(|(at, word)| {
        let request = match *word {
            "-h" | "-?" | "--help" => Request::Help,
            "--usage" => Request::Usage,
            "-V" | "--version" => Request::Version,
            _ => return None,
        };
        (!takes_value(at.checked_sub(1).map(|before| words[before]), with_value)).then_some(request)
    })
}

/// What `-V`/`--version` prints, as argp's `argp_program_version` ("opensnoop
/// 0.1"), naming the project the version belongs to.
pub fn version_line(program: &str) -> String {
    format!("{program} (bpfbin) {}", env!("CARGO_PKG_VERSION"))
}

/// A usage error found after parsing, such as flags that exclude each
/// other: exit status 64 and the usage line, as for the errors `parse` finds.
pub fn usage_error<T: FromArgs>(message: impl std::fmt::Display) -> Error {
    let program = tool_args().next().map(program_name).unwrap_or_default();
    Error::usage(format!("{message}\n{}", usage_line::<T>(&program)))
}

/// libbpf-tools' positional `[interval] [count]` of `T`'s command line, each
/// a number above 0 already: at most two.
pub fn interval_count<T: FromArgs>(words: &[u32]) -> Result<(Option<u32>, Option<u32>)> {
    match *words {
        [] => Ok((None, None)),
        [interval] => Ok((Some(interval), None)),
        [interval, count] => Ok((Some(interval), Some(count))),
        [_, _, extra, ..] => Err(usage_error::<T>(format!("unrecognized positional argument: {extra}"))),
    }
}

/// argh's help, with the requests argp answers: `[-h]` on the usage line
/// as libbpf-tools' usage texts have it, and in the options list what
/// argh's `--help` line leaves out.
fn help<T: FromArgs>(program: &str) -> String {
    let help = T::from_args(&[program], &["--help"]).err().map(|help| help.output).unwrap_or_default();
    let mut lines = help.lines();
    let mut out = lines.next().map(|usage| with_help_flag(usage, program)).unwrap_or_default();
    out.push('\n');
    for line in lines {
        if line.starts_with("  --help") {
            for (flags, what) in [
                ("-h, -?, --help", "display this help"),
                ("--usage", "display the usage line"),
                ("-V, --version", "display the version"),
            ] {
                out += &format!("  {flags:<18}{what}\n");
            }
        } else {
            out += line;
            out.push('\n');
        }
    }
    out
}

/// The first line of `help`: `Usage: tool [-h] ...`.
fn usage_line<T: FromArgs>(program: &str) -> String {
    help::<T>(program).lines().next().unwrap_or_default().to_owned()
}

/// argh's usage line `Usage: tool ...` with `[-h]` after the tool's name.
fn with_help_flag(usage: &str, program: &str) -> String {
    let head = format!("Usage: {program}");
    match usage.strip_prefix(&head) {
        Some(rest) => format!("{head} [-h]{rest}"),
        None => usage.to_owned(),
    }
}

/// Set when a multi-call binary runs a tool as `bpfbox TOOL ARGS...`: the
/// tool's command line then starts at TOOL.
static SHIFTED: AtomicBool = AtomicBool::new(false);

/// Makes the tool see the command line from the second word on.
pub fn shift() {
    SHIFTED.store(true, Ordering::Relaxed);
}

/// The tool's command line, its name first.
fn tool_args() -> impl Iterator<Item = OsString> {
    std::env::args_os().skip(SHIFTED.load(Ordering::Relaxed).into())
}

/// The last part of a path: the name a program was run under.
pub fn program_name(arg0: OsString) -> String {
    let arg0 = arg0.to_string_lossy();
    arg0.rsplit('/').next().unwrap_or(&arg0).to_owned()
}

/// Splits `--long=value`, `-p181` and `-Tx` into separate words, as getopt does.
fn split_words(words: &[String], with_value: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len());
    let mut iter = words.iter();
    while let Some(word) = iter.next() {
        // The value of `-n` in `-n -Tx` is "-Tx", whatever it looks like.
        if takes_value(out.last().map(String::as_str), with_value) {
            out.push(word.clone());
            continue;
        }
        if word == "--" {
            out.push(word.clone());
            out.extend(iter.by_ref().cloned());
            break;
        }
        if let Some(long) = word.strip_prefix("--") {
            match long.split_once('=') {
                Some((name, value)) => {
                    out.push(format!("--{name}"));
                    out.push(value.to_owned());
                }
                None => out.push(word.clone()),
            }
            continue;
        }
        let cluster = match word.strip_prefix('-') {
            Some(rest) if rest.len() > 1 && !crate::output::decimal::is_float(rest) => rest,
            _ => {
                out.push(word.clone());
                continue;
            }
        };
        for (at, letter) in cluster.char_indices() {
            out.push(format!("-{letter}"));
            if with_value.contains(letter) {
                let value = &cluster[at + letter.len_utf8()..];
                if !value.is_empty() {
                    out.push(value.to_owned());
                }
                break;
            }
        }
    }
    out
}

/// Whether `last`, an already split word, is a short option still waiting for its value.
fn takes_value(last: Option<&str>, with_value: &str) -> bool {
    last.and_then(|w| w.strip_prefix('-'))
        .and_then(|letter| letter.chars().next().filter(|_| letter.chars().count() == 1))
        .is_some_and(|letter| with_value.contains(letter))
}

/// A value that must be a whole number above zero (PIDs, TIDs, durations).
pub fn positive<T: FromStr + PartialOrd + Default>(value: &str) -> std::result::Result<T, String> {
    match value.parse::<T>() {
        Ok(n) if n > T::default() => Ok(n),
        _ => Err("expected a whole number greater than 0".into()),
    }
}

/// A user ID: 0 to 4294967294 (4294967295 is "no user").
pub fn uid(value: &str) -> std::result::Result<u32, String> {
    match value.parse::<u32>() {
        Ok(n) if n != u32::MAX => Ok(n),
        _ => Err("expected a user ID from 0 to 4294967294".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_USAGE;

    fn split(words: &[&str]) -> Vec<String> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        split_words(&words, "dpn")
    }

    #[test]
    fn clusters_of_switches_are_split() {
        assert_eq!(split(&["-Tx"]), ["-T", "-x"]);
    }

    #[test]
    fn attached_values_are_split() {
        assert_eq!(split(&["-p181"]), ["-p", "181"]);
        assert_eq!(split(&["-Tp181"]), ["-T", "-p", "181"]);
        assert_eq!(split(&["-nfoo-bar"]), ["-n", "foo-bar"]);
        assert_eq!(split(&["--pid=181"]), ["--pid", "181"]);
    }

    #[test]
    fn an_option_value_is_never_split() {
        assert_eq!(split(&["-n", "-Tx"]), ["-n", "-Tx"]);
        assert_eq!(split(&["-Tn", "-rf", "-x"]), ["-T", "-n", "-rf", "-x"]);
        assert_eq!(split(&["-p181", "-Tx"]), ["-p", "181", "-T", "-x"]);
    }

    #[test]
    fn plain_words_and_negative_numbers_are_kept() {
        assert_eq!(split(&["-p", "181", "--json", "-1", "5"]), ["-p", "181", "--json", "-1", "5"]);
        assert_eq!(split(&["--", "-Tx"]), ["--", "-Tx"]);
    }

    #[test]
    fn positive_rejects_zero_negative_and_garbage() {
        assert_eq!(positive::<u32>("181"), Ok(181));
        assert!(positive::<u32>("0").is_err());
        assert!(positive::<i64>("-3").is_err());
        assert!(positive::<u32>("abc").is_err());
        assert!(positive::<u32>("99999999999").is_err());
    }

    #[test]
    fn uid_accepts_root_and_rejects_the_invalid_uid() {
        assert_eq!(uid("0"), Ok(0));
        assert!(uid("4294967295").is_err());
        assert!(uid("-1").is_err());
    }

    /// Trace something.
    #[derive(FromArgs, Debug)]
    struct Demo {
        /// a pid
        #[argh(option, short = 'p', from_str_fn(positive))]
        pid: Option<u32>,
        /// timestamps
        #[argh(switch, short = 'T')]
        timestamp: bool,
    }

    #[test]
    fn argh_sees_split_words() {
        let demo: Demo = parse_from("demo", &["-Tp7".into()], "p").unwrap();
        assert_eq!(demo.pid, Some(7));
        assert!(demo.timestamp);
    }

    #[test]
    fn requests_are_flags_not_values() {
        let asks = |words: &[&str]| first_request(&split(words).iter().map(String::as_str).collect::<Vec<_>>(), "dpn");
        assert_eq!(asks(&["--version"]), Some(Request::Version));
        assert_eq!(asks(&["-V"]), Some(Request::Version));
        assert_eq!(asks(&["-xV"]), Some(Request::Version));
        assert_eq!(asks(&["-p", "181", "--version"]), Some(Request::Version));
        assert_eq!(asks(&["-Th"]), Some(Request::Help));
        assert_eq!(asks(&["-?"]), Some(Request::Help));
        assert_eq!(asks(&["--help", "-V"]), Some(Request::Help));
        assert_eq!(asks(&["--usage"]), Some(Request::Usage));
        assert_eq!(asks(&["-n", "-V"]), None);
        assert_eq!(asks(&["-n", "-h"]), None);
        assert_eq!(asks(&["-n", "--version"]), None);
        assert_eq!(asks(&["--", "--version"]), None);
        assert_eq!(asks(&["--bogus"]), None);
    }

    #[test]
    fn help_advertises_h_and_lists_the_requests() {
        let help = help::<Demo>("demo");
        assert!(help.starts_with("Usage: demo [-h] [-p <pid>] [-T]\n"), "{help}");
        assert!(help.contains("\n  -h, -?, --help    display this help\n"), "{help}");
        assert!(help.contains("\n  --usage           display the usage line\n"), "{help}");
        assert!(help.contains("\n  -V, --version     display the version\n"), "{help}");
        assert!(!help.contains("display usage information"), "{help}");
        assert_eq!(usage_line::<Demo>("demo"), "Usage: demo [-h] [-p <pid>] [-T]");
    }

    #[test]
    fn help_usage_and_version_exit_zero_quietly() {
        for word in ["-h", "-?", "--help", "--usage", "-V", "--version"] {
            let err = parse_from::<Demo>("demo", &["-T".into(), word.into()], "p").unwrap_err();
            assert_eq!((err.code(), err.message()), (0, None), "{word}");
        }
    }

    #[test]
    fn version_line_names_the_project() {
        assert_eq!(version_line("demo"), format!("demo (bpfbin) {}", env!("CARGO_PKG_VERSION")));
    }

    #[test]
    fn bad_usage_is_ex_usage_with_the_usage_line() {
        let err = parse_from::<Demo>("demo", &["--bogus".into()], "p").unwrap_err();
        assert_eq!(err.code(), EXIT_USAGE);
        let message = err.message().unwrap();
        assert!(message.contains("--bogus"), "{message}");
        assert!(message.ends_with("\nUsage: demo [-h] [-p <pid>] [-T]"), "{message}");
        let err = parse_from::<Demo>("demo", &["-p".into(), "abc".into()], "p").unwrap_err();
        assert!(err.message().unwrap().contains("greater than 0"));
    }
}
