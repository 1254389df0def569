//! A tool's eBPF object at work: loaded with its configuration, its
//! programs attached as perf events, its ring buffer drained in the event
//! loop, its maps read.

pub mod event_loop;
pub mod load;
pub mod maps;
pub mod perf_event;
