//! Names for addresses and addresses for names: kernel symbols from
//! kallsyms, a process's mapped files and their ELF symbols (user stacks),
//! and the file and offset a uprobe goes to.

pub mod kallsyms;
pub mod mapped_file;
pub mod proc_maps;
pub mod uprobe;
pub mod usersyms;
