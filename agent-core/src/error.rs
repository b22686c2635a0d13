//! Errors in two tiers.
//!
//! [`Error`] is internal: it keeps the detail a developer needs (the SQLite
//! code, the file, the parser's words) and is logged. [`AgentError`] is
//! public: each variant is one thing the user or the Android shell can do
//! (fix a field, confirm warnings, fix the configuration, free storage, wait,
//! re-enter credentials, report a bug with a reference). `From<Error> for
//! AgentError` is the one mapping that joins them.

use crate::model::form::DefinitionProblem;
use crate::model::form::Finding;
use crate::model::i18n::Message;
use std::path::PathBuf;

/// The public result type.
pub type Result<T> = std::result::Result<T, AgentError>;

/// Internal errors, with the detail needed for logs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What the file is, in words.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Stored JSON could not be decoded (a bug or tampering).
    #[error("stored json: {0}")]
    Json(#[from] serde_json::Error),
    /// The database was written by a newer version of the agent.
    #[error("database schema version {found} is newer than this agent's {supported}")]
    DatabaseTooNew {
        /// The version found in the file.
        found: i64,
        /// The newest version this build knows.
        supported: i64,
    },
    /// The configuration is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// A stored row breaks an invariant the code relies on.
    #[error("invariant: {0}")]
    Invariant(String),
    /// The outbox's encryption key is wrong or missing (what to do included).
    #[error("{0}")]
    OutboxKey(String),
}

/// What went wrong, as the user or the Android shell can act on it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Error))]
pub enum AgentError {
    /// The draft has errors; fix the fields named in the findings.
    #[error("the form has {} problem(s) to fix: {}", findings.len(), summary(findings))]
    InvalidDraft {
        /// Every finding (errors and warnings).
        findings: Vec<Finding>,
    },
    /// The draft has warnings the user must confirm before it is saved.
    #[error("the form has {} warning(s) to confirm: {}", findings.len(), summary(findings))]
    NeedsConfirmation {
        /// The warnings.
        findings: Vec<Finding>,
    },
    /// The draft document could not be read at all (not JSON, not UTF-8, too large).
    #[error("{message}")]
    UnreadableDraft {
        /// What is wrong and what to do.
        message: String,
    },
    /// No submission has this id.
    #[error("no form with id {id} is in the outbox; check the id with `status`")]
    UnknownSubmission {
        /// The id asked for.
        id: String,
    },
    /// The configuration, a form definition or the facility map is wrong.
    #[error("the configuration needs fixing: {message}")]
    Config {
        /// Every problem, one per line, each naming the item.
        message: String,
    },
    /// The device's storage is full; nothing was saved by this call.
    #[error(
        "the device storage is full, so nothing was saved. Free some space and save again. ({message})"
    )]
    StorageFull {
        /// Detail.
        message: String,
    },
    /// The database cannot be written (read-only file or folder, missing permission).
    #[error(
        "the outbox database cannot be written: {message}. Check the file's permissions and free space; nothing was changed."
    )]
    StorageUnavailable {
        /// Detail.
        message: String,
    },
    /// The database was damaged; it was moved aside (kept, not deleted) and a new one started.
    #[error(
        "the outbox database was damaged and has been kept at {moved_to} for recovery; ask support to recover it. ({message})"
    )]
    StorageCorrupt {
        /// Where the damaged file now is.
        moved_to: String,
        /// What was wrong.
        message: String,
    },
    /// The database was written by a newer version of the agent; update the app.
    #[error(
        "the outbox database was written by a newer version of this app (schema {found}, this app knows {supported}). Update the app; the data has not been touched."
    )]
    DatabaseTooNew {
        /// The file's schema version.
        found: i64,
        /// This build's schema version.
        supported: i64,
    },
    /// Another sync or write holds the database; try again shortly.
    #[error("the outbox is busy ({message}); try again in a moment")]
    Busy {
        /// Detail.
        message: String,
    },
    /// A destination refused the credentials; ask the user to sign in again.
    #[error("{destination} refused the sign-in: {message}. Enter the username and password again.")]
    AuthFailed {
        /// The destination that refused (typed: `Destination.DHIS2` in Kotlin).
        destination: crate::model::delivery::Destination,
        /// What the server said.
        message: String,
    },
    /// A server could not be reached (no network, server down, name not
    /// found, connection refused or timed out); nothing was changed. Try
    /// again once connected.
    #[error(
        "{destination} could not be reached: {message}. Check the phone's connection (mobile data or Wi-Fi) and try again later; nothing was changed."
    )]
    Unreachable {
        /// The destination that could not be reached.
        destination: crate::model::delivery::Destination,
        /// What failed (never a secret).
        message: String,
    },
    /// An escrow file cannot be imported (wrong key, damaged or changed
    /// after export, conflicts with this outbox); nothing was imported. The
    /// message says which entries and what to do.
    #[error("{message}")]
    EscrowRefused {
        /// What is wrong and what to do.
        message: String,
    },
    /// A public key or key file given for an escrow is not an age key.
    #[error("{message}")]
    InvalidKey {
        /// What is wrong and what to do.
        message: String,
    },
    /// The outbox is encrypted and the key given does not open it (or
    /// none was given), or the key itself is unusable; nothing was changed
    /// or moved. The message says what to do (the right key, or recovery
    /// from an escrow export).
    #[error("{message}")]
    OutboxKey {
        /// What is wrong and what to do.
        message: String,
    },
    /// A bug. The reference finds the detail in the logs.
    #[error(
        "something went wrong inside the agent (reference {reference}); please report it. {message}"
    )]
    Internal {
        /// Log reference.
        reference: String,
        /// Short description.
        message: String,
    },
}

fn summary(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{}: {}", f.path, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A short random reference that joins a user-visible error to its log line.
pub fn new_reference() -> String {
    format!("E-{:06x}", fastrand::u32(..0x100_0000))
}

impl AgentError {
    /// The error as a message (id and arguments) for a shell to show in
    /// the user's language; its English text is this error's `Display`.
    /// An error whose text comes whole from elsewhere (an unreadable draft,
    /// an escrow refusal, a key) is shown as it is.
    pub fn message(&self) -> Message {
        let count = |f: &[Finding]| i64::try_from(f.len()).unwrap_or(i64::MAX);
        match self {
            AgentError::InvalidDraft { findings } => Message::new("error-invalid-draft")
                .num("count", count(findings))
                .text("findings", summary(findings)),
            AgentError::NeedsConfirmation { findings } => Message::new("error-needs-confirmation")
                .num("count", count(findings))
                .text("findings", summary(findings)),
            AgentError::UnknownSubmission { id } => {
                Message::new("error-unknown-submission").text("id", id.as_str())
            }
            AgentError::Config { message } => {
                Message::new("error-config").text("detail", message.as_str())
            }
            AgentError::StorageFull { message } => {
                Message::new("error-storage-full").text("detail", message.as_str())
            }
            AgentError::StorageUnavailable { message } => {
                Message::new("error-storage-unavailable").text("detail", message.as_str())
            }
            AgentError::StorageCorrupt { moved_to, message } => {
                Message::new("error-storage-corrupt")
                    .text("path", moved_to.as_str())
                    .text("detail", message.as_str())
            }
            AgentError::DatabaseTooNew { found, supported } => {
                Message::new("error-database-too-new")
                    .num("found", *found)
                    .num("supported", *supported)
            }
            AgentError::Busy { message } => {
                Message::new("error-busy").text("detail", message.as_str())
            }
            AgentError::AuthFailed {
                destination,
                message,
            } => Message::new("error-auth-failed")
                .text("destination", destination.to_string())
                .text("detail", message.as_str()),
            AgentError::Unreachable {
                destination,
                message,
            } => Message::new("error-unreachable")
                .text("destination", destination.to_string())
                .text("detail", message.as_str()),
            AgentError::Internal { reference, message } => Message::new("error-internal")
                .text("reference", reference.as_str())
                .text("detail", message.as_str()),
            // Texts made whole elsewhere, and variants added later.
            _ => crate::model::delivery::plain_text(&self.to_string()),
        }
    }

    /// A configuration error from form definition problems.
    pub fn from_definitions(problems: &[DefinitionProblem]) -> AgentError {
        AgentError::Config {
            message: problems
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// An internal error, logged with a fresh reference.
    pub fn internal(detail: impl std::fmt::Display) -> AgentError {
        let reference = new_reference();
        tracing::error!(%reference, "internal error: {detail}");
        AgentError::Internal {
            reference,
            message: "the operation was not completed".into(),
        }
    }
}

impl From<crate::model::delivery::UnknownName> for Error {
    fn from(e: crate::model::delivery::UnknownName) -> Error {
        Error::Invariant(e.0)
    }
}

impl From<Error> for AgentError {
    fn from(e: Error) -> AgentError {
        match e {
            Error::Sqlite(se) => from_sqlite(se),
            Error::Io { what, path, source } => match source.kind() {
                std::io::ErrorKind::StorageFull => AgentError::StorageFull {
                    message: format!("{what} {}", path.display()),
                },
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    AgentError::StorageUnavailable {
                        message: format!("{what} {}: {source}", path.display()),
                    }
                }
                _ => AgentError::Config {
                    message: format!("{what} {}: {source}", path.display()),
                },
            },
            Error::DatabaseTooNew { found, supported } => {
                AgentError::DatabaseTooNew { found, supported }
            }
            Error::Config(message) => AgentError::Config { message },
            Error::OutboxKey(message) => AgentError::OutboxKey { message },
            e @ (Error::Json(_) | Error::Invariant(_)) => AgentError::internal(e),
        }
    }
}

fn from_sqlite(e: rusqlite::Error) -> AgentError {
    use rusqlite::ErrorCode as C;
    match e.sqlite_error_code() {
        Some(C::DiskFull) => AgentError::StorageFull {
            message: e.to_string(),
        },
        Some(C::ReadOnly | C::CannotOpen | C::PermissionDenied) => AgentError::StorageUnavailable {
            message: e.to_string(),
        },
        Some(C::DatabaseBusy | C::DatabaseLocked) => AgentError::Busy {
            message: e.to_string(),
        },
        Some(C::DatabaseCorrupt | C::NotADatabase) => AgentError::StorageCorrupt {
            moved_to: String::new(),
            message: e.to_string(),
        },
        _ => AgentError::internal(format!("sqlite: {e}")),
    }
}

impl From<rusqlite::Error> for AgentError {
    fn from(e: rusqlite::Error) -> AgentError {
        from_sqlite(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_map_to_what_the_user_can_do() {
        let full = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
            None,
        );
        assert!(matches!(
            AgentError::from(full),
            AgentError::StorageFull { .. }
        ));
        let ro = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            None,
        );
        assert!(matches!(
            AgentError::from(ro),
            AgentError::StorageUnavailable { .. }
        ));
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        assert!(matches!(AgentError::from(busy), AgentError::Busy { .. }));
        let other = rusqlite::Error::InvalidQuery;
        let AgentError::Internal { reference, .. } = AgentError::from(other) else {
            panic!()
        };
        assert!(reference.starts_with("E-") && reference.len() == 8);
    }

    #[test]
    fn invalid_draft_message_names_fields() {
        let e = AgentError::InvalidDraft {
            findings: vec![Finding::error("service.x", "X: 7 is negative")],
        };
        assert_eq!(
            e.to_string(),
            "the form has 1 problem(s) to fix: service.x: X: 7 is negative"
        );
    }
}
