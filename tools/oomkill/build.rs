fn main() -> aya_build::Result<()> {
    bpfbin_build::embed_ebpf("oomkill")
}
