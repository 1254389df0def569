//! sigsnoop: trace standard and real-time signals, as libbpf-tools' sigsnoop does.

fn main() {
    sigsnoop::main("sigsnoop", false)
}
