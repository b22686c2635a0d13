//! `cli-sim diagnose --bundle FILE`: the diagnostics bundle (issue 17) as
//! gzipped JSON, for support. Presentation only; the bundle is made by
//! `agent_core::diagnose` through `Agent::diagnose`.

use agent_core::{Agent, AgentConfig, AgentError};
use cli_sim::exit;
use std::path::PathBuf;

/// `cli-sim diagnose`.
#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// Where to write the bundle (gzipped JSON; no secrets in it).
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// Exchanges kept per destination, newest first.
    #[arg(long, default_value_t = 10)]
    pub exchanges: u32,
    /// Characters kept of each request and answer body.
    #[arg(long, default_value_t = 600)]
    pub body_chars: usize,
    /// Deliveries still to make listed one by one (the others are counted).
    #[arg(long, default_value_t = 40)]
    pub open: u32,
}

/// Writes the bundle (FILE.tmp, then renamed) and says how large it is.
pub fn run(agent: &Agent, cfg: &AgentConfig, args: DiagnoseArgs) -> Result<i32, AgentError> {
    let creds = agent_core::credentials::ConfigCredentials::new(cfg);
    let options = agent_core::diagnose::Options {
        exchanges_per_destination: args.exchanges,
        body_chars: args.body_chars,
        open_deliveries: args.open,
    };
    let bundle = agent.diagnose(Some(&creds), &options)?;
    let gz = bundle.to_gzip()?;
    let mut tmp = args.bundle.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = std::fs::write(&tmp, &gz).and_then(|()| std::fs::rename(&tmp, &args.bundle));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(AgentError::StorageUnavailable {
            message: format!(
                "the bundle {} could not be written: {e}",
                args.bundle.display()
            ),
        });
    }
    println!(
        "{}",
        cli_sim::show::t(
            &agent_core::Message::new("tool-diagnose-written")
                .text("path", args.bundle.display().to_string())
                .num("bytes", gz.len() as i64)
                .num("forms", bundle.forms as i64)
                .num("open", bundle.open_total as i64)
        )
    );
    Ok(exit::OK)
}
