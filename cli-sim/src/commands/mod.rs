//! One file per `cli-sim` command: its arguments and its handler. `main.rs`
//! parses the command line and dispatches here; what the commands share
//! (opening the agent, printing JSON, reading a draft file) is below.

pub mod acknowledge_damaged;
#[cfg(feature = "servers")]
pub mod demo;
pub mod diagnose;
pub mod escrow;
pub mod forms;
pub mod inspect;
pub mod lmis;
pub mod mapping;
pub mod metadata;
#[cfg(feature = "servers")]
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
use std::sync::OnceLock;

/// `--lang`, given once by `main`.
static LANG_FLAG: OnceLock<Option<String>> = OnceLock::new();

/// Records the `--lang` of the command line for [`open_config`].
pub fn set_lang_flag(lang: Option<String>) {
    let _ = LANG_FLAG.set(lang);
}

/// The `--lang` of the command line, if given (only the demo reads it).
#[cfg(feature = "servers")]
pub fn lang_flag() -> Option<String> {
    LANG_FLAG.get().cloned().flatten()
}

/// The language to set on the agent, if any: `--lang`, else none when the
/// configuration names one (the agent already has it), else the first of
/// LC_ALL, LC_MESSAGES and LANG that is set (POSIX order), when the agent
/// speaks it (`C`, `POSIX` or another language leave English).
pub fn choose_locale(
    flag: Option<&str>,
    config: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    if let Some(f) = flag {
        return Some(f.to_string());
    }
    if config.is_some() {
        return None;
    }
    let first = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .find_map(|k| env(k).filter(|v| !v.is_empty()))?;
    agent_core::i18n::is_supported(&first).then_some(first)
}

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
/// (secret files readable by others, damaged copies, read-only storage,
/// unsent forms the current definitions cannot send).
pub fn open_config(cfg: &AgentConfig) -> Result<Agent, AgentError> {
    for w in agent_core::credentials::secret_file_warnings(cfg) {
        eprintln!("{}", warning(&w));
    }
    let agent = Agent::open(cfg)?;
    let flag = LANG_FLAG.get().cloned().flatten();
    if let Some(l) = choose_locale(flag.as_deref(), cfg.locale.as_deref(), &|k| {
        std::env::var(k).ok()
    }) && !agent.set_locale(&l)
    {
        eprintln!(
            "{}",
            warning(&show::t(
                &agent_core::Message::new("tool-warning-no-locale")
                    .text("locale", agent_core::draft::visible(&l))
            ))
        );
    }
    // The tables and reports speak the agent's language too.
    show::set_locale(&agent.locale());
    // On every command until acknowledged (docs/adr/0001).
    for copy in agent.damaged_copies()? {
        eprintln!("{}", warning(&show::damaged_copy(&copy)));
    }
    // On every command until the definitions or the map are put back, or
    // the forms are delivered from elsewhere (issue 17).
    if let Some(s) = agent.stranded()? {
        eprintln!("{}", warning(&s.message));
    }
    if agent.is_read_only() {
        eprintln!(
            "{}",
            warning(&show::t(
                &agent_core::Message::new("tool-warning-read-only")
                    .text("path", agent.database_path().display().to_string())
            ))
        );
    }
    Ok(agent)
}

/// A warning line in the output's language.
fn warning(text: &str) -> String {
    show::t(&agent_core::Message::new("tool-warning").text("text", text))
}

/// Prints `v` as pretty JSON (messages with their text) on stdout.
pub fn print_json<T: serde::Serialize>(v: &T) {
    // Each message keeps its id and arguments, with its text next to them.
    let mut v = match serde_json::to_value(v) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "{}",
                cli_sim::show::t(
                    &agent_core::Message::new("tool-json-error").text("detail", e.to_string())
                )
            );
            return;
        }
    };
    show::add_message_texts(&mut v);
    match serde_json::to_string_pretty(&v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!(
            "{}",
            cli_sim::show::t(
                &agent_core::Message::new("tool-json-error").text("detail", e.to_string())
            )
        ),
    }
}

/// Reads a draft file, refusing one larger than a draft can be.
pub fn read_file(path: &Path) -> Result<Vec<u8>, AgentError> {
    agent_core::files::read_capped(path, agent_core::files::MAX_DRAFT_FILE_BYTES, "the draft")
        .map_err(|e| AgentError::UnreadableDraft {
            message: format!("cannot read the draft {}: {e}", path.display()),
        })
}

#[cfg(test)]
mod tests {
    use super::choose_locale;

    #[test]
    fn the_flag_then_the_configuration_then_the_environment_choose_the_language() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let posix = env(&[
            ("LC_ALL", ""),
            ("LC_MESSAGES", "sw_TZ.UTF-8"),
            ("LANG", "fr_SN.UTF-8"),
        ]);
        assert_eq!(
            choose_locale(Some("pt"), Some("fr"), &posix).as_deref(),
            Some("pt")
        );
        assert_eq!(choose_locale(None, Some("fr"), &posix), None);
        // An empty LC_ALL does not count; LC_MESSAGES comes before LANG.
        assert_eq!(
            choose_locale(None, None, &posix).as_deref(),
            Some("sw_TZ.UTF-8")
        );
        // The first one set decides, even when it is C or a language the
        // agent does not have (then English).
        assert_eq!(
            choose_locale(None, None, &env(&[("LC_ALL", "C"), ("LANG", "sw")])),
            None
        );
        assert_eq!(
            choose_locale(None, None, &env(&[("LANG", "de_DE.UTF-8")])),
            None
        );
        assert_eq!(choose_locale(None, None, &env(&[])), None);
    }
}
