//! A file mapped read-only into memory, for looking up the symbols of an ELF
//! file: its pages are read as they are touched, so finding a function in a
//! 2 MB libc costs the pages of its symbol tables, not a 2 MB read (and peak
//! RSS). libbpf reads ELF files for uprobes the same way.

use std::{fs::File, io, ops::Deref, os::fd::AsRawFd, path::Path, ptr, slice};

pub struct MappedFile {
    address: *mut libc::c_void,
    len: usize,
}

impl MappedFile {
    /// Maps all of `path`. The mapping outlives the descriptor, which is
    /// closed on return. A file cut short while mapped would fault on the
    /// lost pages: programs and libraries are replaced by rename, which
    /// leaves the mapped file whole.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let len = usize::try_from(file.metadata()?.len()).map_err(|_| io::Error::from(io::ErrorKind::FileTooLarge))?;
        if len == 0 {
            return Ok(Self { address: ptr::null_mut(), len });
        }
        // SAFETY: a new private read-only mapping of an open file; nothing
        // else refers to that memory.
        let address =
            unsafe { libc::mmap(ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, file.as_raw_fd(), 0) };
        if address == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self { address, len })
    }
}

impl Deref for MappedFile {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `len` readable bytes at `address`, mapped until drop.
        unsafe { slice::from_raw_parts(self.address.cast::<u8>(), self.len) }
    }
}

impl Drop for MappedFile {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: the mapping made in `open`, no longer borrowed.
            unsafe { libc::munmap(self.address, self.len) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_a_file_as_its_bytes() {
        let path = std::env::temp_dir().join(format!("bpfbin-mapped-{}", std::process::id()));
        std::fs::write(&path, b"\x7fELF and more").unwrap();
        assert_eq!(&*MappedFile::open(&path).unwrap(), b"\x7fELF and more");
        std::fs::write(&path, b"").unwrap();
        assert_eq!(&*MappedFile::open(&path).unwrap(), b"");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(MappedFile::open(&path).err().map(|e| e.kind()), Some(io::ErrorKind::NotFound));
    }
}
