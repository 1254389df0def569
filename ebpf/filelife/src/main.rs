//! filelife, kernel side: the probes on file creation remember when each
//! dentry was created; the entry of `vfs_unlink()` takes its age, and its
//! return sends it if the unlink succeeded.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid, bpf_probe_read_kernel_str_bytes},
    macros::{kprobe, kretprobe, map},
    maps::HashMap,
    programs::{ProbeContext, RetProbeContext},
};
use bpfbin_common::filelife::{Config, Event, FMODE_CREATED, FullPathEvent, Unlink};
use bpfbin_kernel::{dentry_dir, now, probe_arg, probe_ret, read_field, read_pointer, take};

bpfbin_kernel::config!(Config);

/// When each dentry was created (`bpf_ktime_get_ns()`), by its address.
#[map]
static START: HashMap<u64, u64> = HashMap::with_max_entries(8192, 0);

/// Unlinks in flight, by thread.
#[map]
static UNLINKS: HashMap<u32, Unlink> = HashMap::with_max_entries(8192, 0);

bpfbin_kernel::event_maps!(64 * 1024);

fn created(dentry: u64) -> u32 {
    let config = CONFIG.load();
    let pid = (bpf_get_current_pid_tgid() >> 32) as u32;
    if config.pid != 0 && config.pid != pid {
        return 0;
    }
    let now = now();
    // A full map costs this file its event, as in libbpf-tools.
    let _ = START.insert(&dentry, &now, 0);
    0
}

// Which argument is the dentry depends on the kernel (an idmapping came
// first in 5.12), and the verifier allows no variable offset into the
// registers: each function has a program per position, and user space
// attaches the one for this kernel.

/// `int vfs_create(struct inode *dir, struct dentry *dentry, umode_t mode, bool want_excl)`
#[kprobe]
pub fn vfs_create(ctx: ProbeContext) -> u32 {
    probe_arg(&ctx, 1).map_or(0, created)
}

/// `int vfs_create(struct mnt_idmap *idmap, struct inode *dir, struct dentry *dentry, umode_t mode, bool want_excl)`
#[kprobe]
pub fn vfs_create_idmap(ctx: ProbeContext) -> u32 {
    probe_arg(&ctx, 2).map_or(0, created)
}

/// `int vfs_open(const struct path *path, struct file *file)`: open(2) with
/// O_CREAT creates through the file system's `create`, not `vfs_create()`,
/// and marks the file it then opens.
#[kprobe]
pub fn vfs_open(ctx: ProbeContext) -> u32 {
    let config = CONFIG.load();
    let (Some(path), Some(file)) = (probe_arg(&ctx, 0), probe_arg(&ctx, 1)) else { return 0 };
    match read_field::<u32>(file, config.file_mode) {
        Ok(mode) if mode & FMODE_CREATED != 0 => {}
        _ => return 0,
    }
    read_pointer(path, config.path_dentry).map_or(0, created)
}

/// `int security_inode_create(struct inode *dir, struct dentry *dentry, umode_t mode)`:
/// every creation of a regular file, where the kernel has LSM hooks.
#[kprobe]
pub fn security_inode_create(ctx: ProbeContext) -> u32 {
    probe_arg(&ctx, 1).map_or(0, created)
}

/// `int vfs_unlink(struct inode *dir, struct dentry *dentry, struct inode **delegated_inode)`
#[kprobe]
pub fn vfs_unlink(ctx: ProbeContext) -> u32 {
    probe_arg(&ctx, 1).map_or(0, unlinking)
}

/// `int vfs_unlink(struct mnt_idmap *idmap, struct inode *dir, struct dentry *dentry, struct inode **delegated_inode)`
#[kprobe]
pub fn vfs_unlink_idmap(ctx: ProbeContext) -> u32 {
    probe_arg(&ctx, 2).map_or(0, unlinking)
}

fn unlinking(dentry: u64) -> u32 {
    // SAFETY: a copy of the map value.
    let Some(start) = (unsafe { START.get(&dentry) }).copied() else { return 0 };
    let age_ns = now().wrapping_sub(start);
    let tid = bpf_get_current_pid_tgid() as u32;
    let _ = UNLINKS.insert(&tid, &Unlink { dentry, age_ns }, 0);
    0
}

#[kretprobe]
pub fn vfs_unlink_return(ctx: RetProbeContext) -> u32 {
    let id = bpf_get_current_pid_tgid();
    let tid = id as u32;
    let Some(unlink) = take(&UNLINKS, &tid) else { return 0 };
    if probe_ret(&ctx) != 0 {
        return 0;
    }
    // The file is gone; its dentry's address may serve another file next.
    let _ = START.remove(&unlink.dentry);
    let config = CONFIG.load();
    if config.full_path == 0 {
        bpfbin_kernel::emit!(|event: &mut Event| fill(event, &config, id, &unlink));
    } else {
        // The walk writes every part it counts.
        bpfbin_kernel::emit!(|full: &mut FullPathEvent| {
            fill(&mut full.event, &config, id, &unlink);
            dentry_dir(&config.walk, unlink.dentry, &mut full.dir);
        });
    }
    0
}

/// Writes every field of `event` for the unlink of the current thread.
fn fill(event: &mut Event, config: &Config, id: u64, unlink: &Unlink) {
    event.age_ns = unlink.age_ns;
    event.pid = (id >> 32) as u32;
    event.tid = id as u32;
    event.comm = bpf_get_current_comm().unwrap_or([0; 16]);
    // The dentry lives on until the unlink's caller lets it go.
    let name = read_pointer(unlink.dentry, config.dentry_name);
    // SAFETY: a checked read of a kernel string into the event's buffer.
    let read =
        name.and_then(|name| unsafe { bpf_probe_read_kernel_str_bytes(name as usize as *const u8, &mut event.name) });
    if read.is_err() {
        event.name[0] = 0;
    }
}

bpfbin_kernel::program_object!();
