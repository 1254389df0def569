//! Wall-clock time for event lines, in the machine's local time zone.

use std::time::{SystemTime, UNIX_EPOCH};

/// Microseconds since the Unix epoch, for machine-readable output.
pub fn unix_micros() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as u64)
}

/// The local time of day as `HH:MM:SS`, like `strftime("%H:%M:%S")`.
/// Without a time zone file (many boards) musl falls back to UTC.
pub fn local_hms() -> [u8; 8] {
    // SAFETY: time(NULL) and localtime_r on a valid time_t and a zeroed tm.
    let tm = unsafe {
        let now = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&now, &mut tm);
        tm
    };
    hms(tm.tm_hour, tm.tm_min, tm.tm_sec)
}

fn hms(hour: i32, min: i32, sec: i32) -> [u8; 8] {
    let two = |n: i32| [b'0' + (n / 10 % 10) as u8, b'0' + (n % 10) as u8];
    let (h, m, s) = (two(hour), two(min), two(sec));
    [h[0], h[1], b':', m[0], m[1], b':', s[0], s[1]]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hms_is_zero_padded() {
        assert_eq!(&hms(7, 5, 9), b"07:05:09");
        assert_eq!(&hms(23, 59, 60), b"23:59:60");
    }

    #[test]
    fn local_time_has_the_strftime_shape() {
        let t = local_hms();
        assert!(t.iter().enumerate().all(|(i, &c)| if i == 2 || i == 5 { c == b':' } else { c.is_ascii_digit() }));
    }
}
