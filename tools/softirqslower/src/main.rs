//! softirqslower as a binary of its own; bpfbox links the same library.

fn main() {
    softirqslower::main()
}
