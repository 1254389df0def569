//! mountsnoop: one event per completed mount(2), umount(2), and, where the
//! kernel has them (5.2 on), fsopen(2), fsconfig(2), fsmount(2), move_mount(2).

use crate::{TASK_COMM_LEN, tracepoint::FieldOffset, user_pod};

/// The traced syscalls, by the `sys` number events carry. Each is attached
/// where the kernel has it. `umount` is umount2(2): the tracepoint carries
/// the name of the kernel function, as libbpf-tools traces it.
pub const SYSCALLS: [&str; 6] = ["mount", "umount", "fsopen", "fsconfig", "fsmount", "move_mount"];

pub const SYS_MOUNT: usize = 0;
pub const SYS_UMOUNT: usize = 1;
pub const SYS_FSOPEN: usize = 2;
pub const SYS_FSCONFIG: usize = 3;
pub const SYS_FSMOUNT: usize = 4;
pub const SYS_MOVE_MOUNT: usize = 5;

/// Arguments kept per call: move_mount(2) and mount(2) have five.
pub const MAX_ARGS: usize = 5;

/// Bytes kept of each path and of the source, NUL included (libbpf-tools: 4096).
pub const PATH_LEN: usize = 4096;
/// Bytes kept of mount(2)'s data and fsconfig(2)'s key and value (libbpf-tools: 512).
pub const DATA_LEN: usize = 512;
/// Bytes kept of a file system type. libbpf-tools keeps 8, which cuts
/// "devtmpfs" to "devtmpf"; 64 holds "fuse.<name>" types too.
pub const FS_LEN: usize = 64;

/// No argument fills this string.
pub const NO_ARG: u8 = u8::MAX;

/// Which argument (its index) each syscall's strings come from, or `NO_ARG`:
/// the kernel side reads them from the process, the user side prints them.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strings {
    /// Into `Event::fs`.
    pub fs: u8,
    /// Into `Event::data`.
    pub data: [u8; 2],
    /// Into `Event::path`.
    pub path: [u8; 2],
}

/// By index in `SYSCALLS`.
pub const STRINGS: [Strings; SYSCALLS.len()] = [
    // mount(source, target, type, flags, data)
    Strings { fs: 2, data: [4, NO_ARG], path: [0, 1] },
    // umount(target, flags)
    Strings { fs: NO_ARG, data: [NO_ARG; 2], path: [0, NO_ARG] },
    // fsopen(fs_name, flags)
    Strings { fs: 0, data: [NO_ARG; 2], path: [NO_ARG; 2] },
    // fsconfig(fd, cmd, key, value, aux)
    Strings { fs: NO_ARG, data: [2, 3], path: [NO_ARG; 2] },
    // fsmount(fs_fd, flags, attr_flags)
    Strings { fs: NO_ARG, data: [NO_ARG; 2], path: [NO_ARG; 2] },
    // move_mount(from_dfd, from_pathname, to_dfd, to_pathname, flags)
    Strings { fs: NO_ARG, data: [NO_ARG; 2], path: [1, 3] },
];

/// The members read for the mount namespace, as `(struct, member path)`, in
/// `MntNsWalk` order.
pub const MEMBERS: [(&str, &str); 3] =
    [("task_struct", "nsproxy"), ("nsproxy", "mnt_ns"), ("mnt_namespace", "ns.inum")];

/// Offsets of `MEMBERS`, resolved from BTF at load time.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MntNsWalk {
    /// `task_struct.nsproxy`
    pub task_nsproxy: u16,
    /// `nsproxy.mnt_ns`
    pub nsproxy_mnt_ns: u16,
    /// `mnt_namespace.ns.inum`
    pub mnt_ns_inum: u16,
    /// Non-zero when the offsets are known: without BTF, no namespace is read.
    pub known: u16,
}

/// Filters and record layouts, set by user space before load.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Only this process (tgid); 0 for all.
    pub pid: u32,
    /// Offset of `ret` in `syscalls:sys_exit_*` records.
    pub exit_ret: FieldOffset,
    pub _pad: u16,
    pub mnt_ns: MntNsWalk,
    /// Offsets of the arguments in each `syscalls:sys_enter_*` record, by
    /// index in `SYSCALLS`; `ABSENT` past the syscall's last argument.
    pub args: [[FieldOffset; MAX_ARGS]; SYSCALLS.len()],
}

/// One call, as the ring buffer carries it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Event {
    /// From entry to exit.
    pub delta_ns: u64,
    /// The arguments as the tracepoint holds them: kernel longs, sign-extended
    /// from 4 bytes on 32-bit kernels.
    pub args: [u64; MAX_ARGS],
    /// The calling process (tgid) and thread.
    pub pid: u32,
    pub tid: u32,
    /// Inode number of the caller's mount namespace; 0 when unknown.
    pub mnt_ns: u32,
    /// The return value: 0, a descriptor, or minus the errno.
    pub ret: i32,
    /// Index into `SYSCALLS`.
    pub sys: u32,
    pub _pad: u32,
    pub comm: [u8; TASK_COMM_LEN],
    /// NUL-terminated strings read from the process, as `STRINGS` says.
    pub fs: [u8; FS_LEN],
    pub data: [[u8; DATA_LEN]; 2],
    pub path: [[u8; PATH_LEN]; 2],
}

user_pod!(Config, Event);
