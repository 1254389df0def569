//! biosnoop, kernel side: remember which task submitted each block request,
//! when it was inserted into the queue (with `-Q`) and issued to the driver,
//! and on completion send one event.
//!
//! The classic block tracepoints, offsets from tracefs, requests keyed by
//! disk and start sector (`StartKey`): no BTF.
#![no_std]
#![no_main]

use aya_ebpf::{
    helpers::{bpf_get_current_comm, bpf_get_current_pid_tgid},
    macros::{map, tracepoint},
    maps::LruHashMap,
    programs::TracePointContext,
};
use bpfbin_common::{
    TASK_COMM_LEN,
    biosnoop::{Config, Event},
    block::{Fields, MAX_ENTRIES, RWBS_LEN, StartKey},
};
use bpfbin_kernel::{now, read_record};

bpfbin_kernel::config!(Config);

/// The submitting task of a request.
#[derive(Clone, Copy)]
struct Submitter {
    pid: u32,
    comm: [u8; TASK_COMM_LEN],
}

/// Insertion and issue times and size of a request in flight.
#[derive(Clone, Copy)]
struct Stage {
    insert: u64,
    issue: u64,
    bytes: u32,
}

// LRU: an entry whose request never completes at its start sector (merged
// in front of another, or completed in parts) is never looked up again, and
// no later request overwrites it as a reused `struct request *` would.
#[map]
static SUBMITTERS: LruHashMap<StartKey, Submitter> = LruHashMap::with_max_entries(MAX_ENTRIES, 0);

#[map]
static START: LruHashMap<StartKey, Stage> = LruHashMap::with_max_entries(MAX_ENTRIES, 0);

bpfbin_kernel::event_maps!(256 * 1024);

bpfbin_kernel::cgroup_filter!();

/// The request of this record, if it passes the filters.
fn request(ctx: &TracePointContext, config: &Config, fields: &Fields) -> Option<StartKey> {
    if !in_cgroup(config.cgroup != 0) {
        return None;
    }
    let key = StartKey { dev: read_record(ctx, fields.dev)?, _pad: 0, sector: read_record(ctx, fields.sector)? };
    (config.filter_dev == 0 || key.dev == config.dev).then_some(key)
}

fn submitted(ctx: &TracePointContext) -> u32 {
    let config = CONFIG.load();
    if let Some(key) = request(ctx, &config, &config.submit) {
        let who = Submitter {
            pid: (bpf_get_current_pid_tgid() >> 32) as u32,
            comm: bpf_get_current_comm().unwrap_or_default(),
        };
        let _ = SUBMITTERS.insert(&key, &who, 0);
    }
    0
}

#[tracepoint]
pub fn block_io_start(ctx: TracePointContext) -> u32 {
    submitted(&ctx)
}

#[tracepoint]
pub fn block_getrq(ctx: TracePointContext) -> u32 {
    submitted(&ctx)
}

/// Notes the insertion (`issue` false) or issue time of the request.
fn stage(ctx: &TracePointContext, fields: &Fields, issue: bool) {
    let config = CONFIG.load();
    let Some(key) = request(ctx, &config, fields) else { return };
    let ts = now();
    let stage = match START.get_ptr_mut(&key) {
        Some(stage) => stage,
        None => {
            let _ = START.insert(&key, &Stage { insert: 0, issue: 0, bytes: 0 }, 0);
            let Some(stage) = START.get_ptr_mut(&key) else { return };
            stage
        }
    };
    // SAFETY: a live map value of this request.
    unsafe {
        if issue {
            (*stage).issue = ts;
            (*stage).bytes = read_record(ctx, config.issue_bytes).unwrap_or(0);
        } else {
            (*stage).insert = ts;
        }
    }
}

#[tracepoint]
pub fn block_rq_insert(ctx: TracePointContext) -> u32 {
    stage(&ctx, &CONFIG.load().insert, false);
    0
}

#[tracepoint]
pub fn block_rq_issue(ctx: TracePointContext) -> u32 {
    stage(&ctx, &CONFIG.load().issue, true);
    0
}

#[tracepoint]
pub fn block_rq_complete(ctx: TracePointContext) -> u32 {
    let ts = now();
    let config = CONFIG.load();
    let Some(key) = request(&ctx, &config, &config.complete) else { return 0 };
    // SAFETY: a copy of the value; the entry may go away meanwhile.
    let Some(&stage) = (unsafe { START.get(&key) }) else { return 0 };
    let _ = START.remove(&key);
    // SAFETY: as above.
    let who = unsafe { SUBMITTERS.get(&key) }.copied();
    let _ = SUBMITTERS.remove(&key);
    let delta = ts.wrapping_sub(stage.issue);
    // Not issued while traced, a clock ahead on another CPU, or faster than -m.
    if stage.issue == 0 || (delta as i64) < 0 || delta < config.min_ns {
        return 0;
    }
    bpfbin_kernel::emit!(|event: &mut Event| {
        let mut comm = [0u8; TASK_COMM_LEN];
        comm[0] = b'?';
        let inserted = config.queued != 0 && stage.insert != 0;
        *event = Event {
            comm: who.map_or(comm, |who| who.comm),
            delta,
            qdelta: if inserted { stage.issue.wrapping_sub(stage.insert) } else { 0 },
            ts,
            sector: key.sector,
            bytes: stage.bytes,
            pid: who.map_or(0, |who| who.pid),
            dev: key.dev,
            rwbs: read_record(&ctx, config.complete.rwbs).unwrap_or([0; RWBS_LEN]),
            inserted: inserted.into(),
            _pad: [0; 3],
        };
    });
    0
}

bpfbin_kernel::program_object!();
