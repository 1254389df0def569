//! One error type for every tool: a one-line message and an exit status.

use std::{fmt::Display, io};

/// Exit status of a runtime failure.
pub const EXIT_FAILURE: i32 = 1;
/// Exit status of bad flags or values: EX_USAGE, as argp exits, so that
/// scripts written for libbpf-tools test the same status.
pub const EXIT_USAGE: i32 = 64;

#[derive(Debug)]
pub struct Error {
    /// `None` ends the tool quietly, as when the reader of its output went away.
    message: Option<String>,
    code: i32,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: Some(message.into()), code: EXIT_FAILURE }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self { message: Some(message.into()), code: EXIT_USAGE }
    }

    /// Stops the tool without a message and with success.
    pub fn quiet() -> Self {
        Self { message: None, code: 0 }
    }

    /// Describes `err` as the failure of `what`, with a hint for the causes a
    /// person can fix: missing privileges above all.
    pub fn context(what: impl Display, err: impl std::error::Error + 'static) -> Self {
        let mut message = format!("{what}: {err}");
        let mut source: Option<&dyn std::error::Error> = Some(&err);
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<io::Error>() {
                if !message.ends_with(&io.to_string()) {
                    message = format!("{message}: {io}");
                }
                if let Some(hint) = hint_for(io) {
                    message = format!("{message} ({hint})");
                }
                break;
            }
            source = cause.source();
        }
        Self::new(message)
    }

    /// The status to exit with, after printing the message if there is one.
    pub fn report(&self, tool: &str) -> i32 {
        if let Some(message) = &self.message {
            eprintln!("{tool}: {message}");
        }
        self.code
    }

    pub fn code(&self) -> i32 {
        self.code
    }

    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

fn hint_for(err: &io::Error) -> Option<&'static str> {
    match err.raw_os_error()? {
        libc::EPERM | libc::EACCES => {
            Some("run as root, or with CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN before Linux 5.8)")
        }
        libc::ENOSYS => Some("this kernel was built without CONFIG_BPF_SYSCALL"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(io::Error);
    impl Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("map creation failed")
        }
    }
    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn permission_errors_say_how_to_fix_them() {
        let err = Error::context("loading", Wrapper(io::Error::from_raw_os_error(libc::EPERM)));
        let message = err.message().unwrap();
        assert!(message.starts_with("loading: map creation failed: Operation not permitted"), "{message}");
        assert!(message.contains("run as root"), "{message}");
        assert_eq!(err.code(), EXIT_FAILURE);
    }

    #[test]
    fn other_errors_carry_no_hint() {
        let err = Error::context("reading", io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(err.message().unwrap(), "reading: No such file or directory (os error 2)");
    }

    #[test]
    fn quiet_errors_exit_zero_silently() {
        assert_eq!(Error::quiet().message(), None);
        assert_eq!(Error::quiet().code(), 0);
        assert_eq!(Error::usage("bad").code(), EXIT_USAGE);
    }
}
