//! Names for the numbers mountsnoop prints: flag bits, fsconfig commands and
//! errnos, as the kernel's uapi headers name them.
//! Each flags argument has its own table, with its syscall's uapi values,
//! where libbpf-tools' one MS_* table misnames them (see docs/design.md).

use std::borrow::Cow;

use bpfbin::output::errno;

/// mount(2) flags (`MS_*`, linux/mount.h). 512 has no name.
const MOUNT_FLAGS: [(u64, &str); 31] = [
    (1, "MS_RDONLY"),
    (1 << 1, "MS_NOSUID"),
    (1 << 2, "MS_NODEV"),
    (1 << 3, "MS_NOEXEC"),
    (1 << 4, "MS_SYNCHRONOUS"),
    (1 << 5, "MS_REMOUNT"),
    (1 << 6, "MS_MANDLOCK"),
    (1 << 7, "MS_DIRSYNC"),
    (1 << 8, "MS_NOSYMFOLLOW"),
    (1 << 10, "MS_NOATIME"),
    (1 << 11, "MS_NODIRATIME"),
    (1 << 12, "MS_BIND"),
    (1 << 13, "MS_MOVE"),
    (1 << 14, "MS_REC"),
    // Also MS_VERBOSE, its deprecated alias.
    (1 << 15, "MS_SILENT"),
    (1 << 16, "MS_POSIXACL"),
    (1 << 17, "MS_UNBINDABLE"),
    (1 << 18, "MS_PRIVATE"),
    (1 << 19, "MS_SLAVE"),
    (1 << 20, "MS_SHARED"),
    (1 << 21, "MS_RELATIME"),
    (1 << 22, "MS_KERNMOUNT"),
    (1 << 23, "MS_I_VERSION"),
    (1 << 24, "MS_STRICTATIME"),
    (1 << 25, "MS_LAZYTIME"),
    (1 << 26, "MS_SUBMOUNT"),
    (1 << 27, "MS_NOREMOTELOCK"),
    (1 << 28, "MS_NOSEC"),
    (1 << 29, "MS_BORN"),
    (1 << 30, "MS_ACTIVE"),
    (1 << 31, "MS_NOUSER"),
];

/// The magic old programs put in the top 16 bits; the kernel drops it.
const MS_MGC_VAL: u64 = 0xc0ed_0000;
const MS_MGC_MSK: u64 = 0xffff_0000;

/// umount2(2) flags (linux/fs.h).
const UMOUNT_FLAGS: [(u64, &str); 4] = [(1, "MNT_FORCE"), (2, "MNT_DETACH"), (4, "MNT_EXPIRE"), (8, "UMOUNT_NOFOLLOW")];

const FSOPEN_FLAGS: [(u64, &str); 1] = [(1, "FSOPEN_CLOEXEC")];

const FSMOUNT_FLAGS: [(u64, &str); 1] = [(1, "FSMOUNT_CLOEXEC")];

/// fsmount(2) attr_flags, but for the access time setting (see `mount_attr_names`).
const MOUNT_ATTRS: [(u64, &str); 7] = [
    (0x1, "MOUNT_ATTR_RDONLY"),
    (0x2, "MOUNT_ATTR_NOSUID"),
    (0x4, "MOUNT_ATTR_NODEV"),
    (0x8, "MOUNT_ATTR_NOEXEC"),
    (0x80, "MOUNT_ATTR_NODIRATIME"),
    (0x10_0000, "MOUNT_ATTR_IDMAP"),
    (0x20_0000, "MOUNT_ATTR_NOSYMFOLLOW"),
];

/// `MOUNT_ATTR__ATIME`: a 3-bit setting, not flags; 0 is MOUNT_ATTR_RELATIME.
const MOUNT_ATTR_ATIME: u64 = 0x70;
const MOUNT_ATIMES: [(u64, &str); 2] = [(0x10, "MOUNT_ATTR_NOATIME"), (0x20, "MOUNT_ATTR_STRICTATIME")];

const MOVE_MOUNT_FLAGS: [(u64, &str); 8] = [
    (0x1, "MOVE_MOUNT_F_SYMLINKS"),
    (0x2, "MOVE_MOUNT_F_AUTOMOUNTS"),
    (0x4, "MOVE_MOUNT_F_EMPTY_PATH"),
    (0x10, "MOVE_MOUNT_T_SYMLINKS"),
    (0x20, "MOVE_MOUNT_T_AUTOMOUNTS"),
    (0x40, "MOVE_MOUNT_T_EMPTY_PATH"),
    (0x100, "MOVE_MOUNT_SET_GROUP"),
    (0x200, "MOVE_MOUNT_BENEATH"),
];

const FSCONFIG_CMDS: [&str; 9] = [
    "FSCONFIG_SET_FLAG",
    "FSCONFIG_SET_STRING",
    "FSCONFIG_SET_BINARY",
    "FSCONFIG_SET_PATH",
    "FSCONFIG_SET_PATH_EMPTY",
    "FSCONFIG_SET_FD",
    "FSCONFIG_CMD_CREATE",
    "FSCONFIG_CMD_RECONFIGURE",
    "FSCONFIG_CMD_CREATE_EXCL",
];

pub type Names = Vec<Cow<'static, str>>;

/// The names of the bits of `flags` that `table` has, then the bits it does
/// not have as one hex number, so nothing set goes unshown.
fn bit_names(mut flags: u64, table: &[(u64, &'static str)], mut names: Names) -> Names {
    for &(bit, name) in table {
        if flags & bit != 0 {
            names.push(name.into());
            flags &= !bit;
        }
    }
    if flags != 0 {
        names.push(format!("{flags:#x}").into());
    }
    names
}

pub fn mount_flags(flags: u64) -> Names {
    if flags & MS_MGC_MSK == MS_MGC_VAL {
        return bit_names(flags & !MS_MGC_MSK, &MOUNT_FLAGS, vec!["MS_MGC_VAL".into()]);
    }
    bit_names(flags, &MOUNT_FLAGS, Vec::new())
}

pub fn umount_flags(flags: u32) -> Names {
    bit_names(flags.into(), &UMOUNT_FLAGS, Vec::new())
}

pub fn fsopen_flags(flags: u32) -> Names {
    bit_names(flags.into(), &FSOPEN_FLAGS, Vec::new())
}

pub fn fsmount_flags(flags: u32) -> Names {
    bit_names(flags.into(), &FSMOUNT_FLAGS, Vec::new())
}

pub fn mount_attrs(attrs: u32) -> Names {
    let attrs = u64::from(attrs);
    let mut names = Vec::new();
    let mut rest = attrs & !MOUNT_ATTR_ATIME;
    match MOUNT_ATIMES.iter().find(|(value, _)| attrs & MOUNT_ATTR_ATIME == *value) {
        Some((_, name)) => names.push(Cow::Borrowed(*name)),
        // An unknown setting stays a number; 0 (relatime, the default) is not named.
        None => rest |= attrs & MOUNT_ATTR_ATIME,
    }
    bit_names(rest, &MOUNT_ATTRS, names)
}

pub fn move_mount_flags(flags: u32) -> Names {
    bit_names(flags.into(), &MOVE_MOUNT_FLAGS, Vec::new())
}

pub fn fsconfig_cmd(cmd: u32) -> &'static str {
    FSCONFIG_CMDS.get(cmd as usize).copied().unwrap_or("UNKNOWN")
}

/// A return value as libbpf-tools prints it: "0", minus the errno's name
/// ("-ENOENT"), or the number (a descriptor, or an errno without a name).
pub fn ret(ret: i32) -> Cow<'static, str> {
    match ret.checked_neg().and_then(|errno| errno::name(u32::try_from(errno).ok()?)) {
        Some(name) => format!("-{name}").into(),
        None => ret.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_flags_have_their_uapi_names() {
        assert_eq!(mount_flags(0), Names::new());
        assert_eq!(mount_flags(libc::MS_BIND | libc::MS_REC), ["MS_BIND", "MS_REC"]);
        let nosuid_nodev_noexec = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
        assert_eq!(mount_flags(nosuid_nodev_noexec), ["MS_NOSUID", "MS_NODEV", "MS_NOEXEC"]);
        assert_eq!(mount_flags(libc::MS_NOATIME | libc::MS_NODIRATIME), ["MS_NOATIME", "MS_NODIRATIME"]);
        assert_eq!(mount_flags(libc::MS_REMOUNT | libc::MS_RDONLY), ["MS_RDONLY", "MS_REMOUNT"]);
        assert_eq!(mount_flags(libc::MS_SILENT), ["MS_SILENT"]);
        assert_eq!(mount_flags(libc::MS_SHARED | libc::MS_LAZYTIME), ["MS_SHARED", "MS_LAZYTIME"]);
        assert_eq!(mount_flags(libc::MS_NOUSER), ["MS_NOUSER"]);
    }

    #[test]
    fn unnamed_mount_bits_are_shown_as_hex() {
        assert_eq!(mount_flags(0x200 | 1), ["MS_RDONLY", "0x200"]);
        assert_eq!(mount_flags(1 << 40), ["0x10000000000"]);
    }

    #[test]
    fn the_old_magic_is_named_not_split_into_flags() {
        assert_eq!(mount_flags(libc::MS_MGC_VAL | libc::MS_RDONLY), ["MS_MGC_VAL", "MS_RDONLY"]);
        // Not the magic: the bits are flags.
        assert_eq!(mount_flags(1 << 16 | 1 << 17), ["MS_POSIXACL", "MS_UNBINDABLE"]);
    }

    #[test]
    fn other_flag_arguments_have_their_own_names() {
        let detach_nofollow = (libc::MNT_DETACH | libc::UMOUNT_NOFOLLOW) as u32;
        assert_eq!(umount_flags(detach_nofollow), ["MNT_DETACH", "UMOUNT_NOFOLLOW"]);
        assert_eq!(umount_flags(libc::MNT_FORCE as u32 | 0x100), ["MNT_FORCE", "0x100"]);
        assert_eq!(fsopen_flags(1), ["FSOPEN_CLOEXEC"]);
        assert_eq!(fsmount_flags(1), ["FSMOUNT_CLOEXEC"]);
        assert_eq!(move_mount_flags(0x44), ["MOVE_MOUNT_F_EMPTY_PATH", "MOVE_MOUNT_T_EMPTY_PATH"]);
        assert_eq!(move_mount_flags(0), Names::new());
    }

    #[test]
    fn the_access_time_setting_is_one_name() {
        assert_eq!(mount_attrs(0), Names::new());
        assert_eq!(mount_attrs(0x10 | 0x1), ["MOUNT_ATTR_NOATIME", "MOUNT_ATTR_RDONLY"]);
        assert_eq!(mount_attrs(0x20 | 0x80), ["MOUNT_ATTR_STRICTATIME", "MOUNT_ATTR_NODIRATIME"]);
        assert_eq!(mount_attrs(0x30), ["0x30"]);
    }

    #[test]
    fn fsconfig_commands() {
        assert_eq!(fsconfig_cmd(1), "FSCONFIG_SET_STRING");
        assert_eq!(fsconfig_cmd(8), "FSCONFIG_CMD_CREATE_EXCL");
        assert_eq!(fsconfig_cmd(9), "UNKNOWN");
    }

    #[test]
    fn errnos_are_named_as_the_c_library_names_them() {
        assert_eq!(ret(0), "0");
        assert_eq!(ret(3), "3");
        for (errno, name) in [
            (libc::EPERM, "EPERM"),
            (libc::ENOENT, "ENOENT"),
            (libc::EBUSY, "EBUSY"),
            (libc::EINVAL, "EINVAL"),
            (libc::ENODEV, "ENODEV"),
            (libc::ELOOP, "ELOOP"),
            (libc::ENOMSG, "ENOMSG"),
            (libc::EBFONT, "EBFONT"),
            (libc::EOPNOTSUPP, "EOPNOTSUPP"),
            (libc::EHWPOISON, "EHWPOISON"),
        ] {
            assert_eq!(ret(-errno), format!("-{name}"));
        }
        // No name: the number, as libbpf-tools prints it then.
        assert_eq!(ret(-41), "-41");
        assert_eq!(ret(-512), "-512");
        assert_eq!(ret(i32::MIN), i32::MIN.to_string());
    }
}
