//! What a tool prints and how: standard output for event lines (buffered,
//! flushed once per batch; a reader that went away, `| head`, ends the tool
//! quietly), and the formatting the tools share: escaped text, decimals,
//! times, histograms, errno names.

pub mod decimal;
pub mod errno;
pub mod histogram;
pub mod numbered_names;
pub mod text;
pub mod time;

use std::io::{self, BufWriter, Stdout, Write};

use crate::error::Error;

pub struct Output {
    out: BufWriter<Stdout>,
}

impl Output {
    pub fn stdout() -> Self {
        Self { out: BufWriter::with_capacity(16 * 1024, io::stdout()) }
    }

    pub fn flush(&mut self) -> Result<(), Error> {
        self.out.flush().map_err(write_error)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// The error for a failed write to the output: quiet when the reader closed
/// the pipe, a message otherwise (a full disk, say).
pub fn write_error(err: io::Error) -> Error {
    if err.kind() == io::ErrorKind::BrokenPipe { Error::quiet() } else { Error::context("writing output", err) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_is_quiet_and_a_full_disk_is_not() {
        assert_eq!(write_error(io::Error::from(io::ErrorKind::BrokenPipe)).message(), None);
        let full = write_error(io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(full.message().unwrap().starts_with("writing output: No space left on device"));
        assert_eq!(full.code(), 1);
    }
}
