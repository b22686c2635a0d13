//! `cli-sim demo`: the README's first command.

use agent_core::AgentError;
use cli_sim::exit;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the demo's files in this folder instead of a temporary one.
    #[arg(long)]
    keep: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<i32, AgentError> {
    let mut stdout = std::io::stdout();
    // `--lang`, else LC_ALL, LC_MESSAGES or LANG (the demo writes its own
    // configuration, which names no language).
    let locale = super::choose_locale(super::lang_flag().as_deref(), None, &|k| {
        std::env::var(k).ok()
    });
    if let Some(l) = &locale
        && !agent_core::i18n::is_supported(l)
    {
        eprintln!(
            "warning: there are no messages in '{}'; showing English (the agent speaks en, fr, pt and sw)",
            agent_core::draft::visible(l)
        );
    }
    cli_sim::demo::run(&mut stdout, args.keep.as_deref(), locale.as_deref())
        .map_err(AgentError::internal)?;
    Ok(exit::OK)
}
