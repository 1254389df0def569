//! A process's file mappings (`/proc/PID/maps`): which files it has mapped,
//! and where, for uprobes on its libraries and for naming its stack frames.

use std::{fs, io};

/// One file-backed mapping.
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    /// Offset in the file of `start`.
    pub offset: u64,
    pub path: String,
}

/// The file-backed mappings of process `pid`.
pub fn read(pid: u32) -> io::Result<Vec<Mapping>> {
    fs::read_to_string(format!("/proc/{pid}/maps")).map(|maps| parse(&maps))
}

/// `start-end perms offset dev inode path`, keeping lines with an absolute
/// path (not `[stack]`, `[vdso]`, anonymous memory); a path may hold spaces.
pub(crate) fn parse(maps: &str) -> Vec<Mapping> {
    maps.lines()
        .filter_map(|line| {
            let mut words = line.splitn(6, ' ');
            let (range, _perms, offset, _dev, _inode) =
                (words.next()?, words.next()?, words.next()?, words.next()?, words.next()?);
            let path = words.next()?.trim_start();
            let (start, end) = range.split_once('-')?;
            let hex = |text| u64::from_str_radix(text, 16).ok();
            path.starts_with('/').then_some(Mapping {
                start: hex(start)?,
                end: hex(end)?,
                offset: hex(offset)?,
                path: path.to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_file_mappings_only() {
        let maps = "55d0a000-55d0b000 r--p 00000000 fe:01 1234   /usr/bin/bash\n\
                    55d0b000-55d0f000 r-xp 00001000 fe:01 1234   /usr/bin/bash\n\
                    7f00a000-7f00c000 rw-p 00000000 00:00 0 \n\
                    7ffd1000-7ffd2000 r-xp 00000000 00:00 0      [vdso]\n\
                    7f10a000-7f10b000 r-xp 00002000 fe:01 99     /opt/my lib.so\n";
        let found: Vec<_> = parse(maps).into_iter().map(|m| (m.start, m.end, m.offset, m.path)).collect();
        assert_eq!(
            found,
            [
                (0x55d0a000, 0x55d0b000, 0, "/usr/bin/bash".to_owned()),
                (0x55d0b000, 0x55d0f000, 0x1000, "/usr/bin/bash".to_owned()),
                (0x7f10a000, 0x7f10b000, 0x2000, "/opt/my lib.so".to_owned()),
            ]
        );
    }

    #[test]
    fn reads_this_process() {
        let maps = read(std::process::id()).unwrap();
        let exe = std::env::current_exe().unwrap();
        assert!(maps.iter().any(|m| std::path::Path::new(&m.path) == exe), "no mapping of {}", exe.display());
    }
}
