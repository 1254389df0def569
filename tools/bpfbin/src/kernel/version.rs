//! The running kernel's version, for the few interfaces that changed without
//! a trace in BTF or tracefs (and kernels without BTF must work too).

/// `(major, minor)` of the running kernel, from uname(2).
pub fn kernel_version() -> Option<(u32, u32)> {
    // SAFETY: uname fills the zeroed struct it is given.
    let name = unsafe {
        let mut name: libc::utsname = std::mem::zeroed();
        (libc::uname(&mut name) == 0).then_some(name)?
    };
    let release: Vec<u8> = name.release.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
    parse(&String::from_utf8_lossy(&release))
}

/// `"6.12.95+deb12-amd64"` → `(6, 12)`.
fn parse(release: &str) -> Option<(u32, u32)> {
    let mut numbers = release.split(|c: char| !c.is_ascii_digit());
    Some((numbers.next()?.parse().ok()?, numbers.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_distribution_releases() {
        assert_eq!(parse("6.12.95+deb12-amd64"), Some((6, 12)));
        assert_eq!(parse("5.10.0-32-arm64"), Some((5, 10)));
        assert_eq!(parse("6.1.0-50-armmp-lpae"), Some((6, 1)));
        assert_eq!(parse("4.19"), Some((4, 19)));
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn reads_this_kernel() {
        let (major, _) = kernel_version().expect("uname works");
        assert!(major >= 3);
    }
}
