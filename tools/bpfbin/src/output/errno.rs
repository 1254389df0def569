//! Linux errno names, as the kernel's uapi headers spell them.

#[path = "tables/errno.rs"]
mod table;

/// The name of errno `number` ("ENOENT"), not an alias.
pub fn name(number: u32) -> Option<&'static str> {
    table::ERRNOS.name(number)
}

/// The number of errno `name`, an alias (EWOULDBLOCK) or C library's ENOTSUP.
pub fn number(name: &str) -> Option<u32> {
    table::ERRNOS.number(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_table_is_well_formed() {
        assert!(table::ERRNOS.is_well_formed());
    }

    #[test]
    fn names_are_the_kernels() {
        assert_eq!(name(1), Some("EPERM"));
        assert_eq!(name(11), Some("EAGAIN"));
        assert_eq!(name(35), Some("EDEADLK"));
        assert_eq!(name(95), Some("EOPNOTSUPP"));
        assert_eq!(name(133), Some("EHWPOISON"));
        assert_eq!(name(0), None);
        assert_eq!(name(41), None);
        assert_eq!(name(58), None);
        assert_eq!(name(134), None);
        assert_eq!(name(512), None);
    }

    #[test]
    fn numbers_take_aliases() {
        assert_eq!(number("ENOENT"), Some(2));
        assert_eq!(number("EWOULDBLOCK"), Some(11));
        assert_eq!(number("EDEADLOCK"), Some(35));
        assert_eq!(number("ENOTSUP"), Some(95));
        assert_eq!(number("enoent"), None);
        assert_eq!(number("EBOGUS"), None);
    }

    #[test]
    fn names_match_this_c_library() {
        assert_eq!(number("EHOSTUNREACH"), Some(libc::EHOSTUNREACH as u32));
        assert_eq!(number("ENOTRECOVERABLE"), Some(libc::ENOTRECOVERABLE as u32));
        assert_eq!(number("ECANCELED"), Some(libc::ECANCELED as u32));
    }
}
