//! bpfbin's BTF reader against pahole, on the real kernels the QEMU matrix
//! boots: for every cached kernel with BTF, its BTF is cut out of the image by
//! scripts/kernel-btf.sh (cached next to the image), and each member the tools
//! read is resolved by `Btf` and compared with what `pahole -C` prints for the
//! same file. Nothing is expected by hand: pahole says where members are.
//!
//! Kernels not cached, or no pahole, are skipped with a line saying why (fetch
//! them with scripts/qemu-kernels.sh ARCH). Prints `ok - ...`/`not ok - ...`
//! per kernel and member, then `N passed, N failed`; tests/btf/run.sh runs it.
//! Timings of `Btf::open` and the lookups are printed as `# ...` lines; run
//! with `--release` for meaningful ones.

use std::{
    collections::HashMap,
    env, fmt, fs,
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use bpfbin::kernel::btf::{Btf, Member};

/// Cells of the QEMU matrix whose kernel has BTF: (cell, pointer size).
const KERNELS: [(&str, u32); 7] = [
    ("x86_64-5.10", 8),
    ("x86_64-6.1", 8),
    ("x86_64-6.12", 8),
    ("aarch64-5.10", 8),
    ("aarch64-6.1", 8),
    ("aarch64-6.12", 8),
    ("armv7-btf", 4),
];

/// Times each kernel's BTF is opened and its members looked up, for timings.
const TIMING_RUNS: usize = 5;

/// Debian armhf's kernel, built without BTF: kernel-btf.sh must say so.
const NO_BTF: &str = "armv7-armmp";

/// (struct, alternative member paths): what bpfbin's tools read, the way they
/// ask for it. Several paths are renames across versions, resolved as
/// `first_member` does; each alternative is also checked on its own.
const MEMBERS: &[(&str, &[&str])] = &[
    ("task_struct", &["pid"]),
    ("task_struct", &["tgid"]),
    ("task_struct", &["real_parent"]),
    ("task_struct", &["exit_code"]),
    ("task_struct", &["start_time"]),
    ("task_struct", &["fs"]),
    ("task_struct", &["comm"]),
    ("task_struct", &["nsproxy"]),
    ("nsproxy", &["mnt_ns"]),
    ("mnt_namespace", &["ns.inum"]),
    ("task_struct", &["__state", "state"]),
    ("fs_struct", &["pwd.mnt"]),
    ("fs_struct", &["pwd.dentry"]),
    ("dentry", &["d_name.name"]),
    ("dentry", &["d_parent"]),
    ("vfsmount", &["mnt_root"]),
    ("mount", &["mnt"]),
    ("mount", &["mnt.mnt_root"]),
    ("mount", &["mnt_parent"]),
    ("mount", &["mnt_mountpoint"]),
    ("sock", &["__sk_common.skc_dport"]),
    ("sock", &["__sk_common.skc_num"]),
    ("sock", &["__sk_common.skc_family"]),
    ("bio", &["bi_bdev", "bi_disk"]),
    ("request", &["q"]),
    ("path", &["dentry"]),
    ("file", &["f_mode"]),
    // A bitfield, in an anonymous struct (and, on 6.x, a struct_group).
    ("sk_buff", &["pkt_type"]),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// ~/.cache/bpfbin/kernels, as scripts/qemu-kernels.sh has it.
fn kernels_dir() -> PathBuf {
    let cache = env::var_os("BPFBIN_CACHE").map(PathBuf::from).unwrap_or_else(|| {
        env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env::var_os("HOME").unwrap_or_default()).join(".cache"))
            .join("bpfbin")
    });
    cache.join("kernels")
}

/// The cell's kernel image, symlinks resolved; for armv7-btf, the newest build
/// of scripts/build-armv7-kernel.sh when the cell's link is missing.
fn image(cell: &str) -> Result<PathBuf, String> {
    let dir = kernels_dir();
    let link = dir.join(cell).join("vmlinuz");
    if let Ok(path) = fs::canonicalize(&link) {
        return Ok(path);
    }
    if cell == "armv7-btf" {
        let newest = fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_name().to_string_lossy().starts_with("armv7-btf-6.12-"))
            .map(|entry| entry.path().join("zImage"))
            .filter_map(|path| Some((fs::metadata(&path).ok()?.modified().ok()?, path)))
            .max();
        if let Some((_, path)) = newest {
            return Ok(path);
        }
    }
    let (arch, name) = cell.split_once('-').unwrap();
    Err(format!("{} not cached (scripts/qemu-kernels.sh {arch} {name})", link.display()))
}

/// The BTF of `image`, extracted once and kept next to it as `btf`, with a
/// stamp of the image it came from.
fn extract(image: &Path) -> Result<PathBuf, String> {
    let btf = image.with_file_name("btf");
    let stamp_path = image.with_file_name("btf.source");
    let meta = fs::metadata(image).map_err(|err| format!("{}: {err}", image.display()))?;
    let modified = meta.modified().ok().and_then(|time| time.duration_since(std::time::UNIX_EPOCH).ok());
    let stamp = format!("{} {} {:?}\n", image.display(), meta.len(), modified.unwrap_or_default());
    if btf.exists() && fs::read_to_string(&stamp_path).is_ok_and(|known| known == stamp) {
        return Ok(btf);
    }
    let (code, stderr) = kernel_btf(image, &btf)?;
    if code != Some(0) {
        return Err(format!("kernel-btf.sh exited {code:?}: {}", stderr.trim()));
    }
    let tmp = stamp_path.with_extension(format!("tmp.{}", std::process::id()));
    fs::write(&tmp, stamp).and_then(|()| fs::rename(&tmp, &stamp_path)).map_err(|err| err.to_string())?;
    Ok(btf)
}

/// Runs scripts/kernel-btf.sh IMAGE OUT: its exit code and stderr.
fn kernel_btf(image: &Path, out: &Path) -> Result<(Option<i32>, String), String> {
    let output = Command::new("bash")
        .arg(repo().join("scripts/kernel-btf.sh"))
        .arg(image)
        .arg(out)
        .output()
        .map_err(|err| format!("running kernel-btf.sh: {err}"))?;
    Ok((output.status.code(), String::from_utf8_lossy(&output.stderr).into_owned()))
}

/// A member as pahole prints it: `type name; /* offset size */`, or for a
/// bitfield `type name:bits; /* offset: bit size */`.
#[derive(Clone, Debug)]
struct Printed {
    name: String,
    ty: String,
    offset: u32,
    bit: u32,
    bits: u32,
    size: u32,
}

/// A member's place: the bit it starts at, its bytes (not compared for
/// bitfields: pahole gives the type's, bpfbin the load's) and its width.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Place {
    bit: u64,
    size: u32,
    bits: u32,
}

impl Place {
    fn of(member: &Member) -> Self {
        let (bit, bits) = member.bitfield.map_or((0, 0), |field| (u64::from(field.bit_offset), u32::from(field.bits)));
        Self { bit: u64::from(member.offset) * 8 + bit, size: if bits == 0 { member.size } else { 0 }, bits }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.bits == 0 {
            write!(f, "offset {} size {}", self.bit / 8, self.size)
        } else {
            write!(f, "offset {}:{} bits {}", self.bit / 8, self.bit % 8, self.bits)
        }
    }
}

/// `pahole -C` of one BTF file, struct by struct as asked.
struct Pahole {
    btf: PathBuf,
    structs: HashMap<String, Option<Vec<Printed>>>,
    calls: u32,
    time: Duration,
}

impl Pahole {
    fn new(btf: &Path) -> Self {
        Self { btf: btf.to_owned(), structs: HashMap::new(), calls: 0, time: Duration::ZERO }
    }

    /// Asks pahole for every one of `names` not asked yet, in one run.
    fn load(&mut self, names: &[&str]) -> Result<(), String> {
        let mut wanted: Vec<&str> = names.iter().copied().filter(|name| !self.structs.contains_key(*name)).collect();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(());
        }
        let start = Instant::now();
        let output = Command::new("pahole")
            .arg("-C")
            .arg(wanted.join(","))
            .arg(&self.btf)
            .output()
            .map_err(|err| format!("running pahole: {err}"))?;
        self.time += start.elapsed();
        self.calls += 1;
        if !output.status.success() {
            return Err(format!("pahole failed: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        for (name, members) in parse_pahole(&String::from_utf8_lossy(&output.stdout)) {
            // The first of a name, as bpfbin takes the first struct of a name.
            self.structs.entry(name).or_insert(Some(members));
        }
        for name in wanted {
            self.structs.entry(name.to_owned()).or_insert(None);
        }
        Ok(())
    }

    /// Where pahole puts `path` in `name`: dotted paths go through named
    /// members of struct type, looked up in pahole's print of that struct.
    /// `Ok(None)` when the struct has no such member.
    fn place(&mut self, name: &str, path: &str, depth: u32) -> Result<Option<Place>, String> {
        if depth > 8 {
            return Err(format!("{path}: too deep"));
        }
        self.load(&[name])?;
        let members = self.structs[name].clone().ok_or_else(|| format!("pahole does not know struct {name}"))?;
        let find = |wanted: &str| members.iter().find(|member| member.name == wanted);
        if let Some(member) = find(path) {
            let size = if member.bits == 0 { member.size } else { 0 };
            let bit = u64::from(member.offset) * 8 + u64::from(member.bit);
            return Ok(Some(Place { bit, size, bits: member.bits }));
        }
        // The longest prefix that is a member, then the rest in its type.
        let mut split = path.rmatch_indices('.').map(|(at, _)| at);
        let Some((outer, rest)) = split.find_map(|at| find(&path[..at]).map(|outer| (outer, &path[at + 1..]))) else {
            return Ok(None);
        };
        let inner = outer
            .ty
            .strip_prefix("struct ")
            .or_else(|| outer.ty.strip_prefix("union "))
            .filter(|inner| !inner.contains(['*', ' ', '[']))
            .ok_or_else(|| format!("{name}.{}: type {:?} is not a struct pahole can print", outer.name, outer.ty))?;
        Ok(self
            .place(inner, rest, depth + 1)?
            .map(|place| Place { bit: place.bit + u64::from(outer.offset) * 8, ..place }))
    }
}

/// Structs as pahole prints them: each one's members, those of anonymous
/// structs and unions included under their own names (pahole prints their
/// offsets from the outer struct), those of named members of an anonymous
/// type as `member.name`.
fn parse_pahole(text: &str) -> Vec<(String, Vec<Printed>)> {
    let mut structs = Vec::new();
    let mut current: Option<String> = None;
    // One frame per open brace: the members read in it.
    let mut frames: Vec<Vec<Printed>> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if current.is_none() {
            if let Some(name) = trimmed
                .strip_prefix("struct ")
                .or_else(|| trimmed.strip_prefix("union "))
                .and_then(|rest| rest.strip_suffix(" {"))
                .filter(|_| !line.starts_with(char::is_whitespace))
            {
                current = Some(name.trim().to_owned());
                frames = vec![Vec::new()];
            }
            continue;
        }
        if trimmed.ends_with('{') {
            frames.push(Vec::new());
            continue;
        }
        if let Some(close) = trimmed.strip_prefix('}') {
            let members = frames.pop().unwrap_or_default();
            let Some(parent) = frames.last_mut() else {
                structs.push((current.take().unwrap(), members));
                continue;
            };
            let declarator = close.split(';').next().unwrap_or("").trim();
            let prefix = declarator.split(['[', ' ']).next().unwrap_or("");
            for mut member in members {
                if !prefix.is_empty() {
                    member.name = format!("{prefix}.{}", member.name);
                }
                parent.push(member);
            }
            continue;
        }
        if let Some(member) = parse_member(trimmed)
            && let Some(frame) = frames.last_mut()
        {
            frame.push(member);
        }
    }
    structs
}

/// `type name[dims]:bits; /* offset(: bit)? size */`, or None for comments,
/// function pointers and anything else.
fn parse_member(line: &str) -> Option<Printed> {
    let (decl, comment) = line.split_once("/*")?;
    let decl = decl.trim().strip_suffix(';')?;
    let decl = decl.split(" __attribute__").next()?.trim();
    let comment = comment.split("*/").next()?.trim();
    let (offset, bit, size) = match comment.split_once(':') {
        Some((offset, rest)) => {
            let mut words = rest.split_whitespace();
            (offset.trim(), words.next()?, words.next()?)
        }
        None => {
            let mut words = comment.split_whitespace();
            (words.next()?, "0", words.next()?)
        }
    };
    let (decl, bits) = match decl.rsplit_once(':') {
        Some((decl, bits)) if bits.trim().chars().all(|c| c.is_ascii_digit()) => {
            (decl.trim(), bits.trim().parse().ok()?)
        }
        _ => (decl, 0),
    };
    let at = decl.rfind([' ', '*'])? + 1;
    let name = decl[at..].split('[').next()?;
    if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
        return None;
    }
    Some(Printed {
        name: name.to_owned(),
        ty: decl[..at].trim().to_owned(),
        offset: offset.parse().ok()?,
        bit: bit.parse().ok()?,
        bits,
        size: size.parse().ok()?,
    })
}

#[derive(Default)]
struct Tally {
    passed: u32,
    failed: u32,
}

impl Tally {
    fn check(&mut self, ok: bool, what: fmt::Arguments) {
        if ok {
            self.passed += 1;
            println!("ok - {what}");
        } else {
            self.failed += 1;
            println!("not ok - {what}");
        }
    }
}

/// One kernel: every member of MEMBERS, bpfbin against pahole.
fn check_kernel(tally: &mut Tally, cell: &str, pointer_size: u32, btf_path: &Path) {
    let mut pahole = Pahole::new(btf_path);
    let structs: Vec<&str> = MEMBERS.iter().map(|(name, _)| *name).collect();
    if let Err(err) = pahole.load(&structs) {
        tally.check(false, format_args!("{cell}: pahole: {err}"));
        return;
    }

    // pahole's answers first, so that its runs are all counted.
    let mut expected = Vec::new();
    for (name, paths) in MEMBERS {
        let places: Vec<_> = paths.iter().map(|path| pahole.place(name, path, 0)).collect();
        expected.push(places);
    }

    // What a tool does: open, then ask the first path this kernel has, per
    // member. Timed a few times over; the first one's answers are checked.
    let mut times = Vec::new();
    let mut checked = None;
    for _ in 0..TIMING_RUNS {
        let start = Instant::now();
        let mut btf = match Btf::open(btf_path) {
            Ok(btf) => btf,
            Err(err) => {
                tally.check(false, format_args!("{cell}: Btf::open: {:?}", err.message()));
                return;
            }
        };
        let opened = start.elapsed();
        let found: Vec<_> = MEMBERS.iter().map(|(name, paths)| btf.first_member(name, paths)).collect();
        times.push((opened, start.elapsed() - opened));
        checked.get_or_insert((btf, found));
    }
    let (mut btf, found) = checked.unwrap();
    let ms = |time: Duration| time.as_secs_f64() * 1e3;
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    println!(
        "# {cell}: {} bytes of BTF; Btf::open {:.1} ms + {} lookups {:.1} ms \
         (median of {TIMING_RUNS}; first {:.1} + {:.1}); pahole {} runs {:.0} ms",
        fs::metadata(btf_path).map(|meta| meta.len()).unwrap_or(0),
        ms(median(times.iter().map(|time| time.0).collect())),
        MEMBERS.len(),
        ms(median(times.iter().map(|time| time.1).collect())),
        ms(times[0].0),
        ms(times[0].1),
        pahole.calls,
        ms(pahole.time),
    );

    for (((name, paths), found), places) in MEMBERS.iter().zip(found).zip(&expected) {
        let label = format!("{cell} {name}.{}", paths.join("|"));
        // pahole's choice: the first path it prints.
        let mut expected_place = None;
        let mut problem = None;
        for (path, place) in paths.iter().zip(places) {
            match place {
                Ok(Some(place)) => {
                    expected_place = Some((*path, *place));
                    break;
                }
                Ok(None) => {}
                Err(err) => problem = Some(err.clone()),
            }
        }
        let expected = expected_place;
        let got = found.as_ref().map(|found| found.map(|(path, member)| (path, Place::of(&member))));
        match (got, expected, problem) {
            (_, _, Some(err)) => tally.check(false, format_args!("{label}: pahole: {err}")),
            (Err(err), ..) => tally.check(false, format_args!("{label}: bpfbin: {:?}", err.message())),
            (Ok(got), expected, None) if got == expected => match got {
                Some((path, place)) => tally.check(true, format_args!("{label}: {path} {place}")),
                None => tally.check(false, format_args!("{label}: neither bpfbin nor pahole finds it")),
            },
            (Ok(got), expected, None) => {
                let show = |side: Option<(&str, Place)>| {
                    side.map_or("missing".into(), |(path, place)| format!("{path} {place}"))
                };
                tally.check(false, format_args!("{label}: bpfbin {} but pahole {}", show(got), show(expected)));
            }
        }
        // The paths not taken: absent to both, or (when an earlier one won)
        // present to both at the same place.
        for (path, place) in paths.iter().zip(places).skip(1) {
            let theirs = place.clone().ok().flatten();
            let ours = btf.member(name, path).ok().flatten().map(|member| Place::of(&member));
            if theirs != ours {
                let show = |place: Option<Place>| place.map_or("missing".into(), |place| place.to_string());
                let (ours, theirs) = (show(ours), show(theirs));
                tally.check(false, format_args!("{cell} {name}.{path}: bpfbin {ours} but pahole {theirs}"));
            }
        }
    }

    // Pointers are as wide as the kernel's long: 4 bytes on armv7.
    let parent = btf.require("task_struct", "real_parent").map(|member| member.size).ok();
    tally.check(
        parent == Some(pointer_size),
        format_args!("{cell} pointers are {pointer_size} bytes (task_struct.real_parent: {parent:?})"),
    );

    // Prototypes, as filelife reads them: vfs_open's are the same on every
    // kernel; the dentry of vfs_create and vfs_unlink moved from argument 1
    // (from 0) to 2 in 5.12, when an idmapping came first.
    let open = btf.function_params("vfs_open").map_err(|err| err.message().map(str::to_owned));
    tally.check(
        open.as_ref().is_ok_and(|params| params.as_deref() == Some(&["path".to_owned(), "file".to_owned()][..])),
        format_args!("{cell} vfs_open(path, file): {open:?}"),
    );
    let dentry = if cell.ends_with("-5.10") { 1 } else { 2 };
    for function in ["vfs_create", "vfs_unlink"] {
        let params = btf.function_params(function).map_err(|err| err.message().map(str::to_owned));
        let names = params.as_ref().ok().and_then(Option::as_ref);
        let at = names.and_then(|names| names.iter().position(|name| name == "dentry"));
        tally.check(at == Some(dentry), format_args!("{cell} {function} has its dentry at {dentry}: {params:?}"));
    }
}

#[test]
fn kernels_btf_matches_pahole() {
    let mut tally = Tally::default();
    let pahole = Command::new("pahole").arg("--version").output();
    if pahole.as_ref().map_or(true, |output| !output.status.success()) {
        println!("# skip: pahole is not installed (apt-get install pahole)");
        return;
    }
    let mut checked = 0;
    for (cell, pointer_size) in KERNELS {
        let image = match image(cell) {
            Ok(image) => image,
            Err(why) => {
                println!("# skip {cell}: {why}");
                continue;
            }
        };
        let start = Instant::now();
        match extract(&image) {
            Ok(btf) => {
                println!("# {cell}: {} -> {} ({:.1} s)", image.display(), btf.display(), start.elapsed().as_secs_f64());
                check_kernel(&mut tally, cell, pointer_size, &btf);
                checked += 1;
            }
            Err(err) => tally.check(false, format_args!("{cell}: extracting BTF from {}: {err}", image.display())),
        }
    }

    // Debian's armhf kernel has no BTF, and kernel-btf.sh must say that.
    match image(NO_BTF) {
        Err(why) => println!("# skip {NO_BTF}: {why}"),
        Ok(image) => {
            let out = env::temp_dir().join(format!("kernel-btf-{}-{NO_BTF}", std::process::id()));
            let result = kernel_btf(&image, &out);
            let written = out.exists();
            let _ = fs::remove_file(&out);
            match result {
                Ok((code, stderr)) => {
                    let stderr = stderr.trim();
                    let one_line = stderr.contains("has no BTF") && stderr.lines().count() == 1;
                    tally.check(
                        code == Some(1) && one_line && !written,
                        format_args!("{NO_BTF} has no BTF (want exit 1, one line, no output): exit {code:?}: {stderr}"),
                    )
                }
                Err(err) => tally.check(false, format_args!("{NO_BTF}: {err}")),
            }
        }
    }

    if checked == 0 {
        println!("# skip: no kernel with BTF is cached");
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    assert_eq!(tally.failed, 0, "{} of {} checks failed", tally.failed, tally.passed + tally.failed);
}

#[test]
fn pahole_lines_parse() {
    let text = "struct s {\n\
        \tunion {\n\
        \t\tstruct {\n\
        \t\t\t__be16     skc_dport;            /*    12     2 */\n\
        \t\t};                                       /*    12     4 */\n\
        \t};                                               /*    12     4 */\n\
        \tstruct {\n\
        \t\t__u8       pkt_type:3;           /*   128: 5  1 */\n\
        \t} headers;                               /*   128    60 */\n\
        \tstruct task_struct *       real_parent;          /*  1288     4 */\n\
        \tchar                       comm[16];             /*  1540    16 */\n\
        \tvoid                       (*fn)(int);           /*  1560     4 */\n\
        \t/* XXX 4 bytes hole, try to pack */\n\
        \tstruct path                pwd __attribute__((__aligned__(8))); /*    40    16 */\n\
        \n\
        \t/* size: 1600, cachelines: 25, members: 3 */\n\
        };\n";
    let structs = parse_pahole(text);
    assert_eq!(structs.len(), 1);
    let (name, members) = &structs[0];
    assert_eq!(name, "s");
    let brief: Vec<_> =
        members.iter().map(|m| (m.name.as_str(), m.ty.as_str(), m.offset, m.bit, m.bits, m.size)).collect();
    assert_eq!(
        brief,
        [
            ("skc_dport", "__be16", 12, 0, 0, 2),
            ("headers.pkt_type", "__u8", 128, 5, 3, 1),
            ("real_parent", "struct task_struct *", 1288, 0, 0, 4),
            ("comm", "char", 1540, 0, 0, 16),
            ("pwd", "struct path", 40, 0, 0, 16),
        ]
    );
}
