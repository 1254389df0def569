//! Full paths (`-F`): the kernel struct layout the eBPF side walks, resolved
//! from BTF, and the path put back together from the names it sent.

use std::path::Path;

use bpfbin_common::vfs::{CwdParts, MEMBERS, PathWalk};

use crate::{
    error::Result,
    kernel::layout::{offsets, open_btf},
    output::text::c_str,
};

/// Resolves the walk's offsets from `btf_file`, or from the running kernel's BTF.
pub fn path_walk(btf_file: Option<&Path>) -> Result<PathWalk> {
    let [
        task_fs,
        fs_pwd_mnt,
        fs_pwd_dentry,
        dentry_name,
        dentry_parent,
        vfsmount_root,
        mount_mnt,
        mount_parent,
        mount_mountpoint,
    ] = offsets(&mut open_btf(btf_file)?, &MEMBERS)?;
    Ok(PathWalk {
        task_fs,
        fs_pwd_mnt,
        fs_pwd_dentry,
        dentry_name,
        dentry_parent,
        vfsmount_root,
        mount_mnt,
        mount_parent,
        mount_mountpoint,
        _pad: 0,
    })
}

/// `name` prefixed with the working directory, as libbpf-tools prints it: a
/// mount root's "/" is skipped, and a walk that stopped early shows its
/// topmost name without a leading "/".
pub fn full_path(cwd: &CwdParts, name: &[u8]) -> Vec<u8> {
    let count = (cwd.count as usize).min(cwd.parts.len());
    let mut path = Vec::with_capacity(count * 16 + name.len() + 1);
    for (depth, part) in cwd.parts[..count].iter().enumerate().rev() {
        let part = c_str(part);
        if part == b"/" {
            continue;
        }
        if !(depth + 1 == count && cwd.truncated()) {
            path.push(b'/');
        }
        path.extend_from_slice(part);
    }
    path.push(b'/');
    path.extend_from_slice(name);
    path
}

#[cfg(test)]
mod tests {
    use bpfbin_common::vfs::{MAX_PATH_DEPTH, PATH_PART_LEN};

    use super::*;

    fn cwd(names: &[&str], failed: bool) -> CwdParts {
        let mut cwd =
            CwdParts { count: names.len() as u32, failed: failed.into(), parts: [[0; PATH_PART_LEN]; MAX_PATH_DEPTH] };
        for (part, name) in cwd.parts.iter_mut().zip(names) {
            part[..name.len()].copy_from_slice(name.as_bytes());
        }
        cwd
    }

    #[test]
    fn joins_the_working_directory_root_first() {
        assert_eq!(full_path(&cwd(&["user", "home", "/"], false), b"notes.txt"), b"/home/user/notes.txt");
    }

    #[test]
    fn mount_roots_are_not_doubled() {
        // /tmp is a mount: its root reads "/", then the walk goes on in /.
        assert_eq!(full_path(&cwd(&["work", "/", "tmp", "/"], false), b"a"), b"/tmp/work/a");
    }

    #[test]
    fn the_root_directory_alone() {
        assert_eq!(full_path(&cwd(&["/"], false), b"etc"), b"/etc");
    }

    #[test]
    fn a_walk_that_stopped_early_shows_a_relative_top() {
        assert_eq!(full_path(&cwd(&["b", "a"], true), b"f"), b"a/b/f");
    }

    #[test]
    fn this_kernels_layout_resolves() {
        if !Path::new(crate::kernel::btf::VMLINUX).exists() {
            return;
        }
        let walk = path_walk(None).unwrap();
        // dentry.d_name is a struct qstr whose name follows an 8-byte hash_len.
        assert!(walk.dentry_name > walk.dentry_parent);
        assert_eq!(walk.fs_pwd_dentry - walk.fs_pwd_mnt, 8);
        assert!(walk.task_fs > 0 && walk.mount_mnt > 0);
    }

    #[test]
    fn a_missing_btf_file_names_the_file() {
        let err = path_walk(Some(Path::new("/nonexistent/vmlinux"))).unwrap_err();
        assert!(err.message().unwrap().contains("/nonexistent/vmlinux"), "{:?}", err.message());
    }
}
