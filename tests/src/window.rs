//! A kernel counter file (/proc/interrupts, /proc/softirqs) read around a
//! run of a tool that counts the same events, to bound what it must report.

use std::time::Duration;

use crate::{Traced, workloads::DiskWrites};

/// The counters around a run: `outer` from before the tool started to after
/// it ended, `inner` over the second after it attached, inside its first
/// interval.
pub struct Window<T> {
    pub outer: [T; 2],
    pub inner: [T; 2],
}

impl<T> Window<T> {
    /// How often something counted by `delta(before, after)` happened at
    /// most and at least while traced. The least allows a tenth missed: a
    /// tracepoint's program does not run for an event that comes while its
    /// CPU runs another BPF program (the kernel's bpf_prog_active), as other
    /// tests' tools do meanwhile.
    pub fn bounds(&self, delta: impl Fn(&T, &T) -> u64) -> (u64, u64) {
        let least = delta(&self.inner[0], &self.inner[1]);
        (delta(&self.outer[0], &self.outer[1]), least - least / 10)
    }
}

/// Runs `tool` to its end under disk writes; its stdout lines, and `read()`
/// around it. Give the tool an interval of 3 s: the second watched must end
/// well inside the first, on a busy machine too.
pub fn run_in_window<T>(tool: &str, args: &[&str], read: impl Fn() -> T) -> (Vec<String>, Window<T>) {
    let _writes = DiskWrites::start(tool);
    let outer_before = read();
    let traced = Traced::start(tool, args);
    let inner_before = read();
    std::thread::sleep(Duration::from_secs(1));
    let inner_after = read();
    let done = traced.wait();
    let outer_after = read();
    assert!(done.status.success(), "{tool} {args:?}: {}", done.stderr);
    assert!(done.stderr.is_empty(), "{}", done.stderr);
    (done.stdout, Window { outer: [outer_before, outer_after], inner: [inner_before, inner_after] })
}
