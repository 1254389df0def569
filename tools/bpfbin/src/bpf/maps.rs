//! Reading what a tool's eBPF program aggregates in a hash map, once per
//! interval.

use std::{
    fs::File,
    io,
    os::fd::{AsFd, AsRawFd},
    path::Path,
};

use aya::{
    Ebpf, Pod,
    maps::{CgroupArray, Map, MapData},
};

use crate::error::{Error, Result};

/// Takes the hash map `name` out of a loaded object.
pub fn take_hash_map(ebpf: &mut Ebpf, name: &str) -> Result<MapData> {
    match ebpf.take_map(name) {
        Some(Map::HashMap(map)) => Ok(map),
        _ => Err(Error::new(format!("the eBPF object has no hash map {name}"))),
    }
}

/// Puts the cgroup (v2) directory `path` in slot 0 of the object's
/// `CGROUPS` array, for `-c`.
pub fn set_cgroup(ebpf: &mut Ebpf, path: &Path) -> Result<()> {
    let dir = File::open(path).map_err(|err| Error::context(format_args!("opening cgroup {}", path.display()), err))?;
    let map = ebpf.map_mut("CGROUPS").ok_or_else(|| Error::new("the eBPF object has no map CGROUPS"))?;
    let mut cgroups: CgroupArray<_> = map.try_into().map_err(|err| Error::context("CGROUPS", err))?;
    cgroups.set(0, dir.as_raw_fd(), 0).map_err(|err| {
        Error::context(format_args!("{} as a cgroup (it must be a cgroup v2 directory)", path.display()), err)
    })
}

/// `bpf_attr` for the map batch commands.
#[repr(C)]
struct BatchAttr {
    in_batch: u64,
    out_batch: u64,
    keys: u64,
    values: u64,
    count: u32,
    map_fd: u32,
    elem_flags: u64,
    flags: u64,
}

const BPF_MAP_LOOKUP_AND_DELETE_BATCH: libc::c_long = 25;

/// Reads and deletes every entry of the hash map `map`, whose keys are `K`
/// and values `V`, a batch per command (Linux 5.6): an entry the kernel adds
/// or updates meanwhile is either taken whole or left for the next call,
/// never read and then lost to the delete.
pub fn take_all<K: Pod, V: Pod>(map: &MapData) -> Result<Vec<(K, V)>> {
    let info = map.info().map_err(|err| Error::context("reading the map's info", err))?;
    if info.key_size() as usize != size_of::<K>() || info.value_size() as usize != size_of::<V>() {
        return Err(Error::new("the eBPF object's map has keys or values of another size"));
    }
    let capacity = info.max_entries() as usize;
    let mut keys = Vec::<K>::with_capacity(capacity);
    let mut values = Vec::<V>::with_capacity(capacity);
    let fd = map.fd().as_fd().as_raw_fd();
    // The batch token of a hash map is a bucket index, a u32.
    let (mut token_in, mut token_out, mut first) = (0u32, 0u32, true);
    let mut taken = 0;
    while taken < capacity {
        let mut attr = BatchAttr {
            in_batch: if first { 0 } else { &raw const token_in as usize as u64 },
            out_batch: &raw mut token_out as usize as u64,
            keys: keys.as_mut_ptr().wrapping_add(taken) as usize as u64,
            values: values.as_mut_ptr().wrapping_add(taken) as usize as u64,
            count: (capacity - taken) as u32,
            map_fd: fd as u32,
            elem_flags: 0,
            flags: 0,
        };
        // SAFETY: room for `count` more keys and values of the map's sizes
        // (checked above) past the `taken` ones; the kernel writes no more.
        let rc =
            unsafe { libc::syscall(libc::SYS_bpf, BPF_MAP_LOOKUP_AND_DELETE_BATCH, &mut attr, size_of::<BatchAttr>()) };
        taken += (attr.count as usize).min(capacity - taken);
        if rc < 0 {
            let err = io::Error::last_os_error();
            match err.raw_os_error() {
                // ENOENT: the last bucket is done; ENOSPC: a bucket that
                // filled up meanwhile no longer fits, it waits for next time.
                Some(libc::ENOENT | libc::ENOSPC) => break,
                _ => return Err(Error::context("reading the map", err)),
            }
        }
        token_in = token_out;
        first = false;
    }
    // SAFETY: the kernel wrote `taken` keys and values, and any bytes are
    // valid for Pod types.
    unsafe {
        keys.set_len(taken);
        values.set_len(taken);
    }
    Ok(keys.into_iter().zip(values).collect())
}
