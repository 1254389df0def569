//! bpfbin-offsets as a binary of its own; bpfbox links the same library.

fn main() {
    bpfbin_offsets::main()
}
