//! Long tables of numbered names (syscalls, errnos), stored compactly. As
//! `[(u32, &str)]` every entry costs 24 bytes on a 64-bit target before its
//! name; here it costs 4, and the names are one string.

/// Numbers, sorted, and their names, in the same order, separated by spaces.
/// A number may have more than one name: the first is its own, the others
/// aliases (EWOULDBLOCK for EAGAIN).
pub struct NumberedNames {
    numbers: &'static [u32],
    names: &'static str,
}

impl NumberedNames {
    /// For generated tables (scripts/gen-name-tables.sh), which the tests of
    /// their users check with [`NumberedNames::is_well_formed`].
    pub const fn new(numbers: &'static [u32], names: &'static str) -> Self {
        NumberedNames { numbers, names }
    }

    /// Every number with each of its names, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &'static str)> {
        self.numbers.iter().copied().zip(self.names.split(' '))
    }

    /// The name of `number`, not an alias.
    pub fn name(&self, number: u32) -> Option<&'static str> {
        let at = self.numbers.partition_point(|&n| n < number);
        if self.numbers.get(at) != Some(&number) {
            return None;
        }
        self.names.split(' ').nth(at)
    }

    /// The number of `name` or of an alias.
    pub fn number(&self, name: &str) -> Option<u32> {
        self.iter().find(|&(_, n)| n == name).map(|(number, _)| number)
    }

    /// As many names as numbers, none empty, numbers in order.
    pub fn is_well_formed(&self) -> bool {
        self.names.split(' ').count() == self.numbers.len()
            && self.names.split(' ').all(|name| !name.is_empty())
            && self.numbers.is_sorted()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNALS: NumberedNames = NumberedNames::new(&[1, 2, 6, 6, 9], "SIGHUP SIGINT SIGABRT SIGIOT SIGKILL");

    #[test]
    fn names_by_number_are_the_first_of_each_number() {
        assert!(SIGNALS.is_well_formed());
        assert_eq!(SIGNALS.name(1), Some("SIGHUP"));
        assert_eq!(SIGNALS.name(6), Some("SIGABRT"));
        assert_eq!(SIGNALS.name(9), Some("SIGKILL"));
        assert_eq!(SIGNALS.name(0), None);
        assert_eq!(SIGNALS.name(3), None);
        assert_eq!(SIGNALS.name(10), None);
    }

    #[test]
    fn numbers_by_name_take_aliases() {
        assert_eq!(SIGNALS.number("SIGINT"), Some(2));
        assert_eq!(SIGNALS.number("SIGIOT"), Some(6));
        assert_eq!(SIGNALS.number("SIGTERM"), None);
        assert_eq!(SIGNALS.number(""), None);
        assert_eq!(SIGNALS.iter().nth(3), Some((6, "SIGIOT")));
        assert_eq!(SIGNALS.iter().count(), 5);
    }

    #[test]
    fn malformed_tables_are_caught() {
        assert!(!NumberedNames::new(&[1, 2], "A").is_well_formed());
        assert!(!NumberedNames::new(&[1, 2], "A B C").is_well_formed());
        assert!(!NumberedNames::new(&[2, 1], "A B").is_well_formed());
        assert!(!NumberedNames::new(&[1, 2], "A ").is_well_formed());
    }
}
