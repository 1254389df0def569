//! Walking from a directory (a task's working directory, a file's parent)
//! up to the root, through mounts, to print full paths (`opensnoop -F`,
//! `filelife -F`) as libbpf-tools does.

use crate::user_pod;

/// Directory levels kept; a deeper path is shown cut at the top.
pub const MAX_PATH_DEPTH: usize = 16;
/// Bytes kept of each directory name, NUL included.
pub const PATH_PART_LEN: usize = 256;

/// The members the walk reads, as `(struct, member path)`, in `PathWalk` order.
pub const MEMBERS: [(&str, &str); 9] = [
    ("task_struct", "fs"),
    ("fs_struct", "pwd.mnt"),
    ("fs_struct", "pwd.dentry"),
    ("dentry", "d_name.name"),
    ("dentry", "d_parent"),
    ("vfsmount", "mnt_root"),
    ("mount", "mnt"),
    ("mount", "mnt_parent"),
    ("mount", "mnt_mountpoint"),
];

/// Offsets of the kernel struct members the walk reads, resolved from the
/// running kernel's BTF at load time.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PathWalk {
    /// `task_struct.fs`
    pub task_fs: u16,
    /// `fs_struct.pwd.mnt`
    pub fs_pwd_mnt: u16,
    /// `fs_struct.pwd.dentry`
    pub fs_pwd_dentry: u16,
    /// `dentry.d_name.name`
    pub dentry_name: u16,
    /// `dentry.d_parent`
    pub dentry_parent: u16,
    /// `vfsmount.mnt_root`
    pub vfsmount_root: u16,
    /// `mount.mnt`: where the `vfsmount` sits inside its `struct mount`
    pub mount_mnt: u16,
    /// `mount.mnt_parent`
    pub mount_parent: u16,
    /// `mount.mnt_mountpoint`
    pub mount_mountpoint: u16,
    pub _pad: u16,
}

/// A directory's names, innermost first. A mount's root reads "/".
#[repr(C)]
#[derive(Clone, Copy)]
pub struct CwdParts {
    /// Names stored in `parts`.
    pub count: u32,
    /// Non-zero when a name could not be read, so the walk stopped early.
    pub failed: u32,
    pub parts: [[u8; PATH_PART_LEN]; MAX_PATH_DEPTH],
}

impl CwdParts {
    /// Whether the walk stopped before reaching the root directory.
    pub fn truncated(&self) -> bool {
        self.failed != 0 || self.count as usize >= MAX_PATH_DEPTH
    }
}

user_pod!(PathWalk, CwdParts);
