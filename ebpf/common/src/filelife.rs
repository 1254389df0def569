//! filelife: one event per file deleted that was created while tracing,
//! with how long it lived.

use crate::{
    TASK_COMM_LEN, user_pod,
    vfs::{CwdParts, PathWalk},
};

/// Bytes kept of the file's name, NUL included (NAME_MAX + 1).
pub const NAME_LEN: usize = 256;

/// `file.f_mode` bit an open sets when it created the file
/// (include/linux/fs.h, the same since it came in 4.19).
pub const FMODE_CREATED: u32 = 0x10_0000;

/// The kernel structs' members the probes read, as `(struct, member)`, in
/// `Config` order: the name of the file's dentry, the dentry `vfs_open()`
/// opens, and whether that open created the file.
pub const MEMBERS: [(&str, &str); 3] = [("dentry", "d_name.name"), ("path", "dentry"), ("file", "f_mode")];

/// Filters and kernel facts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// `dentry.d_name.name`, `path.dentry`, `file.f_mode`, from BTF.
    pub dentry_name: u16,
    pub path_dentry: u16,
    pub file_mode: u16,
    /// `-F`: send the file's directory too, walked with `walk`.
    pub full_path: u8,
    pub _pad: u8,
    pub walk: PathWalk,
}

/// A `vfs_unlink()` in progress, by thread, for its return probe.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Unlink {
    /// The dentry being unlinked, a kernel address.
    pub dentry: u64,
    /// Nanoseconds since the file was created.
    pub age_ns: u64,
}

/// One short-lived file, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// Nanoseconds from its creation to its deletion.
    pub age_ns: u64,
    /// The deleting process (tgid) and thread.
    pub pid: u32,
    pub tid: u32,
    pub comm: [u8; TASK_COMM_LEN],
    /// The file's name in its directory (the dentry's), NUL-terminated.
    pub name: [u8; NAME_LEN],
}

/// A deleted file with `-F`: the event and the directory that held it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct FullPathEvent {
    pub event: Event,
    pub dir: CwdParts,
}

user_pod!(Config, Event, FullPathEvent);
