//! `cli-sim`: the field testers' simulator. Every command drives the agent
//! through `agent_core::Agent`, the API the Android shell uses. This file
//! parses the command line and dispatches; each command's arguments and
//! handler are in `commands/<name>.rs`.

mod commands;

use agent_core::AgentError;
use clap::{Parser, Subcommand};
use cli_sim::exit_code;
#[cfg(feature = "servers")]
use commands::mock::MockServer;
use commands::{lmis::LmisAction, mapping::MappingAction, metadata::MetadataAction};
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_CODES: &str = "Exit codes: 0 success; 1 failure (storage, internal error); \
2 the draft has findings (errors to fix, or warnings to confirm with --confirm-warnings); \
3 the configuration, a form definition or the facility map needs fixing; 4 no such submission; \
5 sync ended with forms still queued.";

#[derive(Debug, Parser)]
#[command(name = "cli-sim", version, about = "Record, inspect and simulate the health-post sync agent.", after_help = EXIT_CODES)]
struct Cli {
    /// The agent configuration file (agent.toml).
    #[arg(
        long,
        global = true,
        env = "AGENT_CONFIG",
        default_value = "agent.toml"
    )]
    config: PathBuf,
    /// The language of findings: en, fr, pt or sw. Without it: the
    /// configuration's `[agent] locale`, else LC_ALL, LC_MESSAGES or LANG.
    #[arg(long, global = true, value_name = "LANG")]
    lang: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the demo: temporary folder, example forms and facilities, no set-up.
    #[cfg(feature = "servers")]
    Demo(commands::demo::Args),
    /// Validate and save a draft from a JSON file (prints the submission id).
    #[command(after_help = EXIT_CODES)]
    Record(commands::record::Args),
    /// Validate a draft without saving it.
    #[command(after_help = EXIT_CODES)]
    Validate(commands::validate::Args),
    /// List the outbox with the state of each destination, or one submission.
    Status(commands::status::Args),
    /// Show a submission: its revisions and its audit trail.
    Inspect(commands::inspect::Args),
    /// Send what is queued: one bounded pass, or passes until done.
    Sync(commands::sync::Args),
    /// Send a refused form again at the next sync (after the cause was fixed).
    Resend(commands::resend::Args),
    /// Requisition mode: send a period's requisition although some months
    /// were never recorded (after the period ended).
    SendIncomplete(commands::send_incomplete::Args),
    /// Many devices against the simulated servers: throughput, latency, duplicates.
    #[cfg(feature = "servers")]
    Fleet(cli_sim::fleet::FleetArgs),
    /// Kill the syncing process at random moments and check nothing is lost or duplicated.
    #[cfg(feature = "servers")]
    Chaos(cli_sim::chaos::ChaosArgs),
    /// Run simulated servers on 127.0.0.1 (foreground, until Ctrl-C).
    #[cfg(feature = "servers")]
    Mock {
        #[command(subcommand)]
        server: MockServer,
    },
    /// Check the forms and the facility map against the LMIS.
    Lmis {
        #[command(subcommand)]
        action: LmisAction,
    },
    /// Set up the facility map from both servers' master lists (suggest),
    /// and check it against them (check).
    Mapping {
        #[command(subcommand)]
        action: MappingAction,
    },
    /// Pull metadata from DHIS2 into a form definition.
    Metadata {
        #[command(subcommand)]
        action: MetadataAction,
    },
    /// Stop warning about the damaged copies of the outbox (after support has
    /// recovered them, or knows they hold nothing); the files stay on disk.
    AcknowledgeDamaged(commands::acknowledge_damaged::Args),
    /// List the forms this agent knows.
    Forms(commands::forms::Args),
    /// Write every undelivered form (or --all) into one file encrypted to a district's public key.
    Export(commands::escrow::ExportArgs),
    /// Add the forms of an escrow file to this outbox, as if recorded here, queued for sending.
    Import(commands::escrow::ImportArgs),
    /// Make a district key pair for escrow files (prints the public key).
    Keygen(commands::escrow::KeygenArgs),
    /// Write a diagnostics bundle (gzipped JSON, secrets left out) for support.
    Diagnose(commands::diagnose::DiagnoseArgs),
}

fn run(cli: Cli) -> Result<i32, AgentError> {
    let config = cli.config.as_path();
    commands::set_lang_flag(cli.lang.clone());
    // Errors before the agent is open speak the chosen language too.
    if let Some(l) = commands::choose_locale(cli.lang.as_deref(), None, &|k| std::env::var(k).ok())
    {
        cli_sim::show::set_locale(&l);
    }
    match cli.command {
        #[cfg(feature = "servers")]
        Command::Demo(args) => commands::demo::run(args),
        Command::Record(args) => commands::record::run(config, args),
        Command::Validate(args) => commands::validate::run(config, args),
        Command::Status(args) => commands::status::run(config, args),
        Command::Inspect(args) => commands::inspect::run(config, args),
        Command::Sync(args) => commands::sync::run(config, args),
        Command::Resend(args) => commands::resend::run(config, args),
        Command::SendIncomplete(args) => commands::send_incomplete::run(config, args),
        #[cfg(feature = "servers")]
        Command::Fleet(args) => cli_sim::fleet::run(args).map_err(AgentError::internal),
        #[cfg(feature = "servers")]
        Command::Chaos(args) => cli_sim::chaos::run(args).map_err(AgentError::internal),
        #[cfg(feature = "servers")]
        Command::Mock { server } => commands::mock::run(server),
        Command::Lmis { action } => commands::lmis::run(config, action),
        Command::Mapping { action } => commands::mapping::run(config, action),
        Command::Metadata { action } => commands::metadata::run(config, action),
        Command::AcknowledgeDamaged(args) => commands::acknowledge_damaged::run(config, args),
        Command::Forms(args) => commands::forms::run(config, args),
        Command::Export(args) => commands::escrow::export(&commands::open(config)?, args),
        Command::Import(args) => commands::escrow::import(&commands::open(config)?, args),
        Command::Keygen(args) => commands::escrow::keygen(args),
        Command::Diagnose(args) => {
            let cfg = agent_core::AgentConfig::load(config).map_err(AgentError::from)?;
            commands::diagnose::run(&commands::open_config(&cfg)?, &cfg, args)
        }
    }
}

/// Logs on stderr, filtered by `AGENT_LOG` (`info`, `debug`,
/// `agent_core::sync=trace,warn`: a level, or `target=level` pairs). Errors
/// only when it is not set. `filter::Targets`, not `EnvFilter`: the latter's
/// regular expressions (regex-automata, matchers) cost the Pi build 344 KB.
fn log_to_stderr() {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let errors_only = || Targets::new().with_default(LevelFilter::ERROR);
    let targets = match std::env::var("AGENT_LOG") {
        Ok(v) if !v.trim().is_empty() => v.parse::<Targets>().unwrap_or_else(|_| {
            eprintln!(
                "warning: AGENT_LOG={} is not understood, so only errors are logged; write a level (AGENT_LOG=info or debug) or target=level pairs (AGENT_LOG=agent_core=debug)",
                agent_core::draft::visible(&v)
            );
            errors_only()
        }),
        _ => errors_only(),
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        .finish()
        .with(targets)
        .try_init();
}

fn main() -> ExitCode {
    // `cli-sim status | head`: a closed pipe ends the output quietly instead
    // of a panic message (print! panics on EPIPE).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("");
        if msg.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
    log_to_stderr();
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // In the language of the output (English: the error's own text).
            let locale = cli_sim::show::locale();
            let text = agent_core::i18n::render(&e.message(), &locale);
            let line = agent_core::Message::new("error-line").text("text", text);
            eprintln!("{}", agent_core::i18n::render(&line, &locale));
            exit_code(&e)
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
