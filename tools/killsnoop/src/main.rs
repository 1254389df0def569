//! killsnoop: sigsnoop tracing only the kill syscalls, as libbpf-tools
//! installs its sigsnoop under this name.

fn main() {
    sigsnoop::main("killsnoop", true)
}
