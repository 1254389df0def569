//! killsnoop: sigsnoop tracing only the kill syscalls, as libbpf-tools
//! installs its sigsnoop under this name.

pub fn main() -> ! {
    sigsnoop::main_as("killsnoop", true)
}
