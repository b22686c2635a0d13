//! One file per `cli-sim` command: its arguments and its handler. `main.rs`
//! parses the command line and dispatches here; what the commands share
//! (opening the agent, printing JSON, reading a draft file) is below.

pub mod acknowledge_damaged;
pub mod demo;
pub mod forms;
pub mod inspect;
pub mod lmis;
pub mod metadata;
pub mod mock;
pub mod record;
pub mod resend;
pub mod send_incomplete;
pub mod status;
pub mod sync;
pub mod validate;

use agent_core::{Agent, AgentConfig, AgentError};
use cli_sim::show;
use std::path::Path;

/// Opens the agent of the configuration file at `config`.
pub fn open(config: &Path) -> Result<Agent, AgentError> {
    let cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    open_config(&cfg)
}

/// Opens the agent of the configuration file at `config` for a command
/// that only reads (validate, status, inspect, forms): when the outbox does
/// not exist yet, the agent works on an empty one in a temporary folder
/// (removed with the returned guard), so reading never creates the outbox
/// or its folder.
pub fn open_reading(config: &Path) -> Result<(Agent, Option<tempfile::TempDir>), AgentError> {
    let mut cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    if cfg.database.exists() {
        return Ok((open_config(&cfg)?, None));
    }
    let dir = tempfile::tempdir().map_err(|e| {
        AgentError::internal(format!(
            "cannot make a temporary folder to read an empty outbox: {e}"
        ))
    })?;
    cfg.database = dir.path().join("outbox.sqlite");
    Ok((open_config(&cfg)?, Some(dir)))
}

/// Opens the agent of `cfg`, printing the warnings every command gives
/// (secret files readable by others, damaged copies, read-only storage).
pub fn open_config(cfg: &AgentConfig) -> Result<Agent, AgentError> {
    for w in agent_core::credentials::secret_file_warnings(cfg) {
        eprintln!("warning: {w}");
    }
    let agent = Agent::open(cfg)?;
    // On every command until acknowledged (docs/adr/0001).
    for copy in agent.damaged_copies()? {
        eprintln!("warning: {}", show::damaged_copy(&copy));
    }
    if agent.is_read_only() {
        eprintln!(
            "warning: the outbox {} cannot be written (read-only storage or permissions): forms can be listed but not saved or sent",
            agent.database_path().display()
        );
    }
    Ok(agent)
}

/// Prints `v` as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot print JSON: {e}"),
    }
}

/// Reads a draft file, refusing one larger than a draft can be.
pub fn read_file(path: &Path) -> Result<Vec<u8>, AgentError> {
    agent_core::files::read_capped(path, agent_core::files::MAX_DRAFT_FILE_BYTES, "the draft")
        .map_err(|e| AgentError::UnreadableDraft {
            message: format!("cannot read the draft {}: {e}", path.display()),
        })
}
