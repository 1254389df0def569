//! Present so the tool's build script can depend on this crate; the program is the binary.
#![no_std]
