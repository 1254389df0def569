//! Block devices for the block tools: disk names by the dev_t the
//! block tracepoints record, and where those tracepoints keep a request's
//! disk and sector. Nothing here needs BTF.

use std::{collections::BTreeMap, fs};

use bpfbin_common::block::Fields;

use argh::FromArgs;

use crate::{
    args::usage_error,
    error::{Error, Result},
    kernel::tracefs::Tracefs,
};

/// libbpf-tools' limit on a disk name (`-d`), with its NUL.
pub const DISK_NAME_LEN: usize = 32;

/// A disk of /sys/block.
pub struct Disk {
    pub name: String,
    /// Whether it has an I/O scheduler (libbpf-tools' `rq->q->elevator`).
    pub elevator: bool,
}

/// The disks of /sys/block by the kernel's dev_t (major << 20 | minor), as
/// the block tracepoints record it.
pub fn disks() -> Result<BTreeMap<u32, Disk>> {
    let entries = fs::read_dir("/sys/block").map_err(|err| Error::context("reading /sys/block", err))?;
    let mut disks = BTreeMap::new();
    for entry in entries.flatten() {
        let Ok(text) = fs::read_to_string(entry.path().join("dev")) else { continue };
        let Some((major, minor)) = text.trim().split_once(':') else { continue };
        let (Ok(major), Ok(minor)) = (major.parse::<u32>(), minor.parse::<u32>()) else { continue };
        // "none [mq-deadline] kyber": the bracketed one is in use.
        let scheduler = fs::read_to_string(entry.path().join("queue/scheduler")).unwrap_or_default();
        let elevator = scheduler.contains('[') && !scheduler.contains("[none]");
        disks.insert(major << 20 | minor, Disk { name: entry.file_name().to_string_lossy().into_owned(), elevator });
    }
    Ok(disks)
}

/// The dev_t of the disk `name` (`-d`), or an error naming /sys/block.
pub fn disk_dev(disks: &BTreeMap<u32, Disk>, name: &str) -> Result<u32> {
    disks
        .iter()
        .find(|(_, disk)| disk.name == name)
        .map(|(&dev, _)| dev)
        .ok_or_else(|| Error::new(format!("invalid disk name: no {name} in /sys/block")))
}

/// The dev_t of `-d DISK`, if given: a name too long for libbpf-tools is a
/// usage error of `T`'s command line, one not in /sys/block a runtime one.
pub fn disk_filter<T: FromArgs>(disks: &BTreeMap<u32, Disk>, name: Option<&str>) -> Result<Option<u32>> {
    match name {
        Some(name) if name.len() + 1 > DISK_NAME_LEN => Err(usage_error::<T>("invalid disk name: too long")),
        Some(name) => disk_dev(disks, name).map(Some),
        None => Ok(None),
    }
}

/// The name of the disk `dev`, "Unknown" as libbpf-tools prints one it
/// cannot find.
pub fn disk_name(disks: &BTreeMap<u32, Disk>, dev: u32) -> &str {
    disks.get(&dev).map_or("Unknown", |disk| disk.name.as_str())
}

/// Where `block:<name>` records the request's disk and sector, and with
/// `rwbs` its operation and flags.
pub fn fields(tracefs: &Tracefs, name: &str, rwbs: bool) -> Result<Fields> {
    let tracepoint = format!("block:{name}");
    let format = tracefs.format("block", name)?;
    Ok(Fields {
        dev: format.require("dev", &tracepoint)?,
        sector: format.require("sector", &tracepoint)?,
        rwbs: if rwbs { format.require("rwbs", &tracepoint)? } else { 0 },
    })
}
