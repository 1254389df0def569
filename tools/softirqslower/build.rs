fn main() {
    bpfbin_build::embed_ebpf("softirqslower");
}
