//! The field testers' simulator as a library: realistic draft generation,
//! the demo scenario and the output formatting shared by the `cli-sim`
//! commands. It drives the agent only through `agent_core::Agent`, the same
//! public API the Android shell uses.
//!
//! The simulated servers and what runs them (`chaos`, `demo`, `fleet`,
//! `from_forms`, `truth`) are behind the `servers` feature (default on);
//! a device build leaves them out with `--no-default-features`.

#[cfg(feature = "servers")]
pub mod chaos;
pub mod chart;
#[cfg(feature = "servers")]
pub mod demo;
pub mod drafts;
#[cfg(feature = "servers")]
pub mod fleet;
#[cfg(feature = "servers")]
pub mod from_forms;
pub mod interactive;
pub mod network;
pub mod show;
#[cfg(feature = "servers")]
pub mod truth;

/// The example form definitions, embedded so the demo needs no set-up.
pub const EXAMPLE_FORMS: &[(&str, &str)] = &[
    (
        "chw-monthly.json",
        include_str!("../../schemas/forms/chw-monthly.json"),
    ),
    (
        "hp-maternal-monthly.json",
        include_str!("../../schemas/forms/hp-maternal-monthly.json"),
    ),
];

/// The example facility map, embedded.
pub const EXAMPLE_FACILITIES: &str = include_str!("../../schemas/facilities/example.json");

/// Process exit codes, documented in `cli-sim --help` and the README.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// A failure not covered below (storage, internal error).
    pub const FAILURE: i32 = 1;
    /// The draft has findings: errors to fix, or warnings to confirm with `--confirm-warnings`.
    pub const FINDINGS: i32 = 2;
    /// The configuration, a form definition or the facility map needs fixing.
    pub const CONFIG: i32 = 3;
    /// The submission asked for does not exist.
    pub const NOT_FOUND: i32 = 4;
    /// `sync` ended with forms still queued (retry later, or see the report).
    pub const NOT_DONE: i32 = 5;
}

/// The exit code for an agent error.
pub fn exit_code(e: &agent_core::AgentError) -> i32 {
    use agent_core::AgentError as E;
    match e {
        E::InvalidDraft { .. } | E::NeedsConfirmation { .. } | E::UnreadableDraft { .. } => {
            exit::FINDINGS
        }
        // A key file that others can read, a wrong or missing outbox key.
        E::Config { .. } | E::OutboxKey { .. } => exit::CONFIG,
        E::UnknownSubmission { .. } => exit::NOT_FOUND,
        _ => exit::FAILURE,
    }
}
