//! What this kernel is and how it lays out what the tools read: struct
//! members from BTF, tracepoints and their fields from tracefs, and the
//! version, for the few changes neither shows.

pub mod btf;
pub mod layout;
pub mod tracefs;
pub mod version;
