//! Full paths (`opensnoop -F`, `filelife -F`): from a directory up to the
//! root, through mounts, as libbpf-tools walks them.

use aya_ebpf::helpers::bpf_probe_read_kernel_str_bytes;
use bpfbin_common::vfs::{CwdParts, MAX_PATH_DEPTH, PathWalk};

use crate::read::{current_task, read_pointer};

/// Fills `out` with the current task's working directory, innermost name
/// first, crossing mount points up to the root.
pub fn current_cwd(walk: &PathWalk, out: &mut CwdParts) {
    out.count = 0;
    let walked = cwd(walk).and_then(|(dentry, vfsmount)| walk_up(walk, dentry, vfsmount, out));
    out.failed = walked.is_err().into();
}

/// Fills `out` with the directory that holds `dentry`, innermost name first,
/// up to the root. The dentry alone does not say which mount it was reached
/// through: like libbpf-tools, the mounts crossed are those above the
/// current task's working directory.
pub fn dentry_dir(walk: &PathWalk, dentry: u64, out: &mut CwdParts) {
    out.count = 0;
    let walked = read_pointer(dentry, walk.dentry_parent)
        .and_then(|parent| Ok((parent, cwd(walk)?.1)))
        .and_then(|(parent, vfsmount)| walk_up(walk, parent, vfsmount, out));
    out.failed = walked.is_err().into();
}

/// The current task's working directory: its dentry and vfsmount.
fn cwd(walk: &PathWalk) -> Result<(u64, u64), i32> {
    let fs = read_pointer(current_task(), walk.task_fs)?;
    Ok((read_pointer(fs, walk.fs_pwd_dentry)?, read_pointer(fs, walk.fs_pwd_mnt)?))
}

fn walk_up(walk: &PathWalk, mut dentry: u64, vfsmount: u64, out: &mut CwdParts) -> Result<(), i32> {
    let mut mount = vfsmount - walk.mount_mnt as u64;
    let mut mount_root = read_pointer(vfsmount, walk.vfsmount_root)?;
    for depth in 0..MAX_PATH_DEPTH {
        let name = read_pointer(dentry, walk.dentry_name)?;
        // SAFETY: a checked read of a kernel string into a buffer we own.
        unsafe { bpf_probe_read_kernel_str_bytes(name as usize as *const u8, &mut out.parts[depth]) }?;
        out.count = depth as u32 + 1;
        let parent = read_pointer(dentry, walk.dentry_parent)?;
        if dentry != parent && dentry != mount_root {
            dentry = parent;
            continue;
        }
        // The root of a mount: go on from where it is mounted, unless this
        // is the root of everything.
        let mount_parent = read_pointer(mount, walk.mount_parent)?;
        if mount_parent == mount {
            break;
        }
        dentry = read_pointer(mount, walk.mount_mountpoint)?;
        mount = mount_parent;
        mount_root = read_pointer(mount + walk.mount_mnt as u64, walk.vfsmount_root)?;
    }
    Ok(())
}
