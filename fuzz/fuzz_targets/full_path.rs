//! Arbitrary working-directory walks through `vfs::full_path`: never a panic,
//! and the result always ends with "/" and the name.
//!
//! Input: a count byte (any value: the eBPF side's is not trusted), a failed
//! byte, a filler byte for what follows each name in its slot (the kernel's
//! str reads leave the rest of a reused buffer as it was), then the parts,
//! innermost first, and last the file name, separated by NUL bytes.

#![no_main]

use bpfbin::subsystems::vfs::full_path;
use bpfbin_common::vfs::{CwdParts, MAX_PATH_DEPTH, PATH_PART_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [count, failed, filler, rest @ ..] = data else { return };
    let mut cwd = CwdParts {
        count: u32::from(*count),
        failed: u32::from(*failed),
        parts: [[*filler; PATH_PART_LEN]; MAX_PATH_DEPTH],
    };
    let mut words: Vec<&[u8]> = rest.split(|&b| b == 0).collect();
    let name = words.pop().unwrap_or_default();
    for (slot, word) in cwd.parts.iter_mut().zip(words) {
        // A full-length name has no NUL, as a 256-byte read can leave it.
        let len = word.len().min(PATH_PART_LEN);
        slot[..len].copy_from_slice(&word[..len]);
        if len < PATH_PART_LEN {
            slot[len] = 0;
        }
    }
    let path = full_path(&cwd, name);
    assert!(path.len() > name.len() && path.ends_with(name), "{path:?} does not end with {name:?}");
    assert_eq!(path[path.len() - name.len() - 1], b'/');
    if !cwd.truncated() {
        assert_eq!(path[0], b'/', "a whole walk gave a relative path: {path:?}");
    }
    assert!(path.len() <= MAX_PATH_DEPTH * (PATH_PART_LEN + 1) + 1 + name.len());
});
