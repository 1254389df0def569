//! Every built tool's `--help`: a one-sentence summary, the options, then
//! libbpf-tools' examples one a line (argp puts them before the options).
//! A doc comment's lines would run together into the summary: argh joins
//! them, so examples and notes are `#[argh(example, note)]` attributes.

use bpfbin_tests::{built_tools, run};

#[test]
fn every_help_has_a_summary_and_one_example_a_line() {
    for tool_name in built_tools() {
        if tool_name == "bpfbox" {
            continue; // its own usage: bpfbox TOOL [ARGS...]
        }
        let out = run(&tool_name, &["--help"]);
        assert_eq!(out.status.code(), Some(0), "{tool_name}");
        let help = String::from_utf8(out.stdout).unwrap();
        let lines: Vec<&str> = help.lines().collect();
        assert!(lines[0].starts_with(&format!("Usage: {tool_name} ")), "{tool_name}: {help}");
        // The summary is one sentence on its own line, as argp's doc string starts.
        let summary = lines[2];
        assert!(summary.ends_with('.') && !summary[..summary.len() - 1].contains(". "), "{tool_name}: {summary:?}");
        assert!(summary.len() < 80, "{tool_name}: {summary:?}");
        let examples: Vec<&str> = lines
            .iter()
            .skip_while(|line| **line != "Examples:")
            .skip(1)
            .take_while(|line| !line.is_empty())
            .copied()
            .collect();
        assert!(examples.len() >= 2, "{tool_name}: {help}");
        // killsnoop is sigsnoop -k under another name, with sigsnoop's help.
        let example_tool = if tool_name == "killsnoop" { "sigsnoop" } else { &tool_name };
        for example in examples {
            assert!(example.starts_with(&format!("  {example_tool}")), "{tool_name}: {example:?}");
            assert_eq!(
                example.matches(&format!(" {example_tool}")).count(),
                1,
                "{tool_name}: two examples on a line: {example:?}"
            );
        }
    }
}

/// `-V`/`--version`, which argp gives every libbpf-tools tool: the tool's
/// name and bpfbin's version on stdout, status 0, also in a cluster (`-xV`).
#[test]
fn every_tool_prints_its_version() {
    let version = env!("CARGO_PKG_VERSION");
    for tool_name in built_tools() {
        for flag in ["--version", "-V"] {
            let out = run(&tool_name, &[flag]);
            assert_eq!(out.status.code(), Some(0), "{tool_name} {flag}: {}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{tool_name} (bpfbin) {version}\n"));
            assert!(out.stderr.is_empty(), "{tool_name} {flag}");
        }
    }
    let out = run("execsnoop", &["-xV"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), format!("execsnoop (bpfbin) {version}\n"));
}

/// What argp answers for every libbpf-tools tool: `-h` and `-?` print the
/// help `--help` prints, `--usage` its usage line, which advertises `[-h]`;
/// the help lists `-V, --version`.
#[test]
fn every_tool_answers_h_and_usage_as_argp_does() {
    for tool_name in built_tools() {
        if tool_name == "bpfbox" {
            continue; // its own usage: bpfbox TOOL [ARGS...]
        }
        let help = String::from_utf8(run(&tool_name, &["--help"]).stdout).unwrap();
        assert!(help.starts_with(&format!("Usage: {tool_name} [-h] ")), "{tool_name}: {help}");
        assert!(help.contains("\n  -V, --version "), "{tool_name}: {help}");
        for flag in ["-h", "-?"] {
            let out = run(&tool_name, &[flag]);
            assert_eq!(out.status.code(), Some(0), "{tool_name} {flag}");
            assert_eq!(String::from_utf8_lossy(&out.stdout), help, "{tool_name} {flag}");
            assert!(out.stderr.is_empty(), "{tool_name} {flag}");
        }
        let out = run(&tool_name, &["--usage"]);
        assert_eq!(out.status.code(), Some(0), "{tool_name} --usage");
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{}\n", help.lines().next().unwrap()));
    }
}
