//! What every tool has besides its own code: an integration test, a QEMU
//! guest check, a place in bpfbox, a row in the README's table of tools, and
//! the letters it tells `bpfbin::args::parse` take a value are the short
//! options its `Args` has with a value. scripts/new-tool.sh makes all of it.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::Command,
};

use bpfbin_tests::run;

/// The workspace these tests belong to.
fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A tool: a crate under `tools/` with a binary, bpfbox aside.
struct Tool {
    name: String,
    /// The letters its crate passes to `bpfbin::args::parse`, if it parses
    /// a command line of its own.
    with_value: Option<String>,
    /// The tool it runs under its own name (killsnoop: sigsnoop -k), for a
    /// crate that only calls another tool's.
    runs: Option<String>,
}

fn tools(root: &Path) -> Vec<Tool> {
    let mut names: Vec<String> = fs::read_dir(root.join("tools"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "bpfbox" && root.join("tools").join(name).join("src/main.rs").is_file())
        .collect();
    names.sort();
    names.iter().map(|name| tool(root, name, &names)).collect()
}

fn tool(root: &Path, name: &str, names: &[String]) -> Tool {
    let dir = root.join("tools").join(name);
    let source = rust_sources(&dir.join("src"));
    let calls: Vec<&str> = source.split("args::parse(\"").skip(1).collect();
    assert!(calls.len() <= 1, "{name}: {} calls of args::parse", calls.len());
    let with_value = calls.first().map(|call| call.split('"').next().unwrap().to_owned());
    let manifest = read(&dir.join("Cargo.toml"));
    let runs = names.iter().find(|other| manifest.contains(&format!("\n{other} = {{ path ="))).cloned();
    Tool { name: name.to_owned(), with_value, runs }
}

/// The Rust files under `dir`, one after the other.
fn rust_sources(dir: &Path) -> String {
    let mut text = String::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text += &rust_sources(&path);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            text += &read(&path);
        }
    }
    text
}

/// What `root`'s tools lack of the house, one line each.
fn missing(root: &Path) -> Vec<String> {
    let readme = read(&root.join("README.md"));
    let table: Vec<&str> =
        readme.lines().skip_while(|line| *line != "## The tools").skip_while(|line| !line.starts_with('|')).collect();
    let table = &table[..table.iter().position(|line| !line.starts_with('|')).unwrap_or(table.len())];
    let bpfbox = read(&root.join("tools/bpfbox/Cargo.toml"));
    let mut missing = Vec::new();
    for tool in tools(root) {
        let name = &tool.name;
        // A tool that runs another under its own name is tested and checked with it.
        let (test, check) = match &tool.runs {
            Some(other) if tool.with_value.is_none() => (
                root.join(format!("tests/tests/{}.rs", other.replace('-', "_"))),
                root.join(format!("tests/qemu/checks/{other}.sh")),
            ),
            _ => (
                root.join(format!("tests/tests/{}.rs", name.replace('-', "_"))),
                root.join(format!("tests/qemu/checks/{name}.sh")),
            ),
        };
        for (what, file) in [("integration test", test), ("QEMU guest check", check)] {
            if !fs::read_to_string(&file).is_ok_and(|text| text.contains(name.as_str())) {
                missing.push(format!("{name}: no {what} naming it ({})", file.display()));
            }
        }
        if !bpfbox.contains(&format!("\n{name} = {{ path = \"../{name}\" }}")) {
            missing.push(format!("{name}: not a dependency of tools/bpfbox/Cargo.toml, so not in bpfbox"));
        }
        if tool.with_value.is_none() && tool.runs.is_none() {
            missing.push(format!("{name}: no bpfbin::args::parse(\"...\") in tools/{name}/src"));
        }
        // bpfbin-offsets traces nothing: the README has a section of its own for it.
        let traces = root.join("ebpf").join(name).is_dir() || tool.runs.is_some();
        let row = format!("| `{name}` |");
        if traces && !table.iter().any(|line| line.starts_with(&row)) {
            missing.push(format!("{name}: no row in README.md's table of tools (## The tools)"));
        } else if !readme.contains(&format!("`{name}`")) {
            missing.push(format!("{name}: not named in README.md"));
        }
    }
    missing
}

#[test]
fn every_tool_has_a_test_a_guest_check_a_bpfbox_entry_and_a_readme_row() {
    let missing = missing(&workspace());
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
}

/// The short options of a usage line that take a value: `[-p <pid>]`, or
/// `-p <pid>` when required, gives 'p'.
fn letters_with_value(usage: &str) -> BTreeSet<char> {
    let words: Vec<&str> = usage.split_whitespace().map(|word| word.trim_start_matches('[')).collect();
    words
        .windows(2)
        .filter(|pair| pair[1].starts_with('<'))
        .filter_map(|pair| match pair[0].as_bytes() {
            [b'-', letter] if *letter != b'-' => Some(*letter as char),
            _ => None,
        })
        .collect()
}

#[test]
fn usage_lines_give_the_letters_that_take_a_value() {
    let usage = "Usage: funclatency [-m] [-p <pid>] -d <duration> [--max-args <max-args>] [-c <c...>] <function>";
    assert_eq!(letters_with_value(usage), BTreeSet::from(['p', 'd', 'c']));
}

/// argh knows which options take a value, but only prints it: `--help`'s
/// usage line, compared here with the letters each tool passes by hand.
#[test]
fn each_tool_parses_the_letters_its_args_take_a_value_for() {
    let root = workspace();
    let tools = tools(&root);
    let mut wrong = Vec::new();
    for tool in &tools {
        let letters = match (&tool.with_value, &tool.runs) {
            (Some(letters), _) => letters,
            (None, Some(other)) => tools.iter().find(|t| &t.name == other).and_then(|t| t.with_value.as_ref()).unwrap(),
            (None, None) => continue, // the house test above says so
        };
        let out = run(&tool.name, &["--help"]);
        let help = String::from_utf8(out.stdout).unwrap();
        let usage = help.lines().next().unwrap_or_default();
        let written: BTreeSet<char> = letters.chars().collect();
        let from_args = letters_with_value(usage);
        if written != from_args {
            let missing: String = from_args.difference(&written).collect();
            let extra: String = written.difference(&from_args).collect();
            wrong.push(format!("{}: parse(\"{letters}\") lacks {missing:?}, has {extra:?}: {usage}", tool.name));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// scripts/new-tool.sh, run in a copy of the workspace: the tool it adds
/// fits the house, and both its crates and its test pass rustfmt and clippy
/// (a release build would take minutes; `cargo clippy` checks the same code).
#[test]
fn new_tool_sh_adds_a_tool_that_fits_and_passes_the_lints() {
    // Kept between runs, so cargo checks only what changed. Not the
    // workspace's own target directory: the copy's crates have the same
    // names and hashes, and would overwrite what the workspace built.
    let scratch = workspace().join("target/new-tool");
    let copy = scratch.join("workspace");
    let _ = fs::remove_dir_all(&copy);
    fs::create_dir_all(&copy).unwrap();
    let parts = [".cargo", "Cargo.toml", "Cargo.lock", "README.md", "rust-toolchain.toml", "rustfmt.toml"];
    for part in parts.iter().chain(&["ebpf", "scripts", "tests", "tools"]) {
        let status = Command::new("cp").arg("-a").arg(workspace().join(part)).arg(&copy).status().unwrap();
        assert!(status.success(), "cp {part}");
    }
    let name = "madeupsnoop";
    let out = Command::new("sh").arg("scripts/new-tool.sh").arg(name).current_dir(&copy).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let missing = missing(&copy);
    assert!(missing.is_empty(), "\n{}", missing.join("\n"));
    assert!(tools(&copy).iter().any(|tool| tool.name == name && tool.with_value.is_some()));

    // Empty eBPF objects: embedding them is all `cargo clippy` needs of them.
    let objects = copy.join("objects");
    fs::create_dir(&objects).unwrap();
    for entry in fs::read_dir(copy.join("ebpf")).unwrap() {
        fs::write(objects.join(entry.unwrap().file_name()), b"").unwrap();
    }
    let cargo = |args: &[&str]| {
        let out = Command::new("cargo")
            .args(args)
            .current_dir(&copy)
            .env("CARGO_TARGET_DIR", scratch.join("target"))
            // Nothing kept that a check does not need: less than half the bytes.
            .env("CARGO_INCREMENTAL", "0")
            .env("CARGO_PROFILE_DEV_DEBUG", "0")
            .env("BPFBIN_EBPF_DIR", &objects)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("CARGO_TARGET_BPFEL_UNKNOWN_NONE_RUSTFLAGS", "--cfg bpf_target_arch=\"x86_64\"")
            .output()
            .unwrap();
        assert!(out.status.success(), "cargo {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cargo(&["fmt", "--all", "--check"]);
    let clippy =
        |args: &[&str]| cargo(&[&["clippy", "--offline", "--quiet"], args, &["--", "-D", "warnings"]].concat());
    clippy(&["-p", name, "-p", "bpfbox"]);
    clippy(&["-p", "bpfbin-tests", &format!("--test={name}")]);
    clippy(&["--target=bpfel-unknown-none", "-Zbuild-std=core", "-p", &format!("{name}-ebpf")]);
    fs::remove_dir_all(&copy).unwrap();
}
