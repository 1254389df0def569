//! Every built tool's options against libbpf-tools' argp_option table of
//! the same tool (tests/libbpf-tools-options.txt), so that a flag upstream
//! has is not missed: each upstream option must be there with its letter,
//! its long name and whether it takes a value, and a letter of ours that
//! upstream lacks must be meant. The deliberate differences are listed once,
//! below; a listed one that is gone fails too, so the list stays true.

use std::collections::BTreeSet;

use bpfbin_tests::{built_tools, run};

/// libbpf-tools' options, one a line: tool, long name, letter, value.
const TABLE: &str = include_str!("../libbpf-tools-options.txt");

/// What differs on purpose, in the words `differences` reports it.
const DELIBERATE: &[&str] = &[
    // Its long name went to -D: argp binds --disk to the first of the two options so named.
    "biolatency -d: --disk-name here, --disk upstream",
    // argh takes lowercase long names only, and --cpu is -s.
    "hardirqs -C: --per-cpu here, --CPU upstream",
    // Callers need blazesym, which upstream builds only optionally.
    "opensnoop -c: missing",
    // A filter of bpfbin's: the syncs of one process.
    "syncsnoop -p: not upstream",
    // From BCC's syscount: count one syscall.
    "syscount -s: not upstream",
];

/// Tools without a libbpf-tools counterpart of their own.
const NOT_UPSTREAM: &[&str] = &[
    "bpfbin-offsets", // bpfbin's own
    "bpfbox",         // bpfbin's own
    "tcpretrans",     // BCC's; libbpf-tools has none
];

/// libbpf-tools' names for a tool's options, when its table is another's.
fn upstream_name(tool: &str) -> &str {
    match tool {
        "killsnoop" => "sigsnoop",
        _ => tool,
    }
}

/// One option: its letter, its long name, whether it takes a value.
#[derive(Debug, Clone, PartialEq)]
struct Opt {
    short: Option<char>,
    long: Option<String>,
    value: bool,
}

impl Opt {
    fn name(&self) -> String {
        match (&self.short, &self.long) {
            (Some(short), _) => format!("-{short}"),
            (None, Some(long)) => format!("--{long}"),
            (None, None) => unreachable!("an option has a name"),
        }
    }
}

fn upstream(tool: &str) -> Vec<Opt> {
    let field = |word: &str| (word != "-").then(|| word.to_owned());
    TABLE
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split_whitespace().collect::<Vec<_>>())
        .filter(|words| words[0] == upstream_name(tool))
        .map(|words| Opt {
            long: field(words[1]),
            short: field(words[2]).map(|letter| letter.chars().next().unwrap()),
            value: words[3] == "value",
        })
        .collect()
}

/// The options `--help` lists (`  -d, --duration    ...`), each taking a
/// value if the usage line gives it one (`[-d <duration>]`). argp's own
/// requests (help, usage, version) are left out: tests/tests/help.rs checks them.
fn ours(tool: &str) -> Vec<Opt> {
    let help = String::from_utf8(run(tool, &["--help"]).stdout).unwrap();
    let usage: Vec<&str> = help.lines().next().unwrap().split_whitespace().map(|w| w.trim_start_matches('[')).collect();
    let with_value: BTreeSet<&str> =
        usage.windows(2).filter(|pair| pair[1].starts_with('<')).map(|pair| pair[0]).collect();
    let listed = help.lines().skip_while(|line| *line != "Options:").skip(1).take_while(|line| !line.is_empty());
    let mut opts = Vec::new();
    for line in listed.filter(|line| line.starts_with("  -")) {
        // `-d, --distributed show ...`: the names end at the first without a comma.
        let mut names = Vec::new();
        for word in line.split_whitespace() {
            names.push(word.trim_end_matches(','));
            if !word.ends_with(',') {
                break;
            }
        }
        if names.iter().any(|name| matches!(*name, "--help" | "--usage" | "--version")) {
            continue;
        }
        let short = names.iter().find_map(|name| name.strip_prefix('-').filter(|letter| letter.len() == 1));
        let long = names.iter().find_map(|name| name.strip_prefix("--"));
        opts.push(Opt {
            short: short.and_then(|letter| letter.chars().next()),
            long: long.map(str::to_owned),
            value: names.iter().any(|name| with_value.contains(name)),
        });
    }
    opts
}

/// How `ours` differs from `upstream`, one line each.
fn differences(tool: &str, upstream: &[Opt], ours: &[Opt]) -> Vec<String> {
    let mut found = Vec::new();
    for up in upstream {
        // argp's hidden -h of every tool: tests/tests/help.rs checks it.
        if up.short == Some('h') && up.long.is_none() {
            continue;
        }
        let name = up.name();
        let mine = ours.iter().find(|o| match up.short {
            Some(_) => o.short == up.short,
            None => o.long == up.long,
        });
        let Some(mine) = mine else {
            found.push(format!("{tool} {name}: missing"));
            continue;
        };
        if up.long.is_some() && mine.long != up.long {
            let long = |opt: &Opt| opt.long.as_ref().map_or("no long name".into(), |long| format!("--{long}"));
            found.push(format!("{tool} {name}: {} here, {} upstream", long(mine), long(up)));
        }
        if mine.value != up.value {
            let what = |value: bool| if value { "takes a value" } else { "is a switch" };
            found.push(format!("{tool} {name}: {} here, {} upstream", what(mine.value), what(up.value)));
        }
    }
    for mine in ours.iter().filter(|o| o.short.is_some()) {
        if !upstream.iter().any(|up| up.short == mine.short) {
            found.push(format!("{tool} {}: not upstream", mine.name()));
        }
    }
    found
}

#[test]
fn every_tool_has_the_options_of_libbpf_tools() {
    let mut found = Vec::new();
    for tool in built_tools() {
        if NOT_UPSTREAM.contains(&tool.as_str()) {
            continue;
        }
        let upstream = upstream(&tool);
        assert!(!upstream.is_empty(), "{tool}: not in tests/libbpf-tools-options.txt nor in NOT_UPSTREAM");
        found.extend(differences(&tool, &upstream, &ours(&tool)));
    }
    let unmeant: Vec<&String> = found.iter().filter(|line| !DELIBERATE.contains(&line.as_str())).collect();
    assert!(unmeant.is_empty(), "differences from libbpf-tools not listed as deliberate:\n{unmeant:#?}");
    // Only when every tool is built can a listed difference be missing.
    let upstream_tools: BTreeSet<&str> =
        TABLE.lines().filter(|line| !line.starts_with('#')).filter_map(|line| line.split_whitespace().next()).collect();
    if upstream_tools.iter().all(|name| built_tools().iter().any(|tool| tool == name)) {
        let gone: Vec<&&str> = DELIBERATE.iter().filter(|line| !found.iter().any(|f| f == *line)).collect();
        assert!(gone.is_empty(), "listed as deliberate, but no longer differ: {gone:#?}");
    }
}

#[test]
fn differences_name_each_kind() {
    let opt = |short: Option<char>, long: &str, value: bool| Opt { short, long: Some(long.into()), value };
    let upstream = [opt(Some('d'), "disk", true), opt(Some('p'), "pid", true), opt(None, "pidnss", false)];
    let ours = [opt(Some('d'), "disk-name", true), opt(Some('p'), "pid", false), opt(Some('s'), "syscall", true)];
    assert_eq!(
        differences("demo", &upstream, &ours),
        [
            "demo -d: --disk-name here, --disk upstream",
            "demo -p: is a switch here, takes a value upstream",
            "demo --pidnss: missing",
            "demo -s: not upstream",
        ]
    );
}
