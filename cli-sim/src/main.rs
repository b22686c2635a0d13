//! `cli-sim`: the field testers' simulator. Every command drives the agent
//! through `agent_core::Agent`, the API the Android shell uses.

use agent_core::agent::DeliveryState;
use agent_core::{Agent, AgentConfig, AgentError};
use clap::{Parser, Subcommand};
use cli_sim::{exit, exit_code, show};
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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the demo: temporary folder, example forms and facilities, no set-up.
    Demo {
        /// Keep the demo's files in this folder instead of a temporary one.
        #[arg(long)]
        keep: Option<PathBuf>,
    },
    /// Validate and save a draft from a JSON file (prints the submission id).
    #[command(after_help = EXIT_CODES)]
    Record {
        /// The draft (schemas/submission.schema.json); without it, the form is asked field by field.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Interactive: the form id.
        #[arg(long)]
        form: Option<String>,
        /// Interactive: the facility code.
        #[arg(long)]
        facility: Option<String>,
        /// Interactive: the period (e.g. 2026-10).
        #[arg(long)]
        period: Option<String>,
        /// Save even though the draft has warnings (after checking them).
        #[arg(long)]
        confirm_warnings: bool,
        /// Print the receipt or the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a draft without saving it.
    #[command(after_help = EXIT_CODES)]
    Validate {
        /// The draft.
        #[arg(long)]
        file: PathBuf,
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the outbox with the state of each destination, or one submission.
    Status {
        /// One submission id.
        id: Option<String>,
        /// Only submissions with a part in this state.
        #[arg(long, value_enum)]
        state: Option<StateArg>,
        /// At most this many submissions, newest first.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Show a submission: its revisions and its audit trail.
    Inspect {
        /// The submission id.
        id: String,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Send what is queued: one bounded pass, or passes until done.
    Sync {
        /// Seconds the pass may take.
        #[arg(long, default_value_t = 60)]
        budget_secs: u64,
        /// Release held destinations now (credentials refused, address wrong,
        /// something answering instead of the server), after fixing the cause.
        #[arg(long)]
        retry_auth: bool,
        /// Keep syncing (waiting as each report says) until done, at most this many passes.
        #[arg(long)]
        until_done: Option<u32>,
        /// Before each pass, tell the agent the network is back (forget the
        /// backoff) and do not wait between passes: for testers and scripts.
        #[arg(long)]
        retry_now: bool,
        /// Send through a simulated network (an in-process shaping proxy).
        #[arg(long, value_enum, default_value = "lan")]
        network: cli_sim::network::Profile,
        /// JSON output for scripts (the last pass's report).
        #[arg(long)]
        json: bool,
    },
    /// Send a refused form again at the next sync (after the cause was fixed).
    Resend {
        /// The submission id.
        id: String,
    },
    /// Requisition mode: send a period's requisition although some months
    /// were never recorded (after the period ended).
    SendIncomplete {
        /// A submission id of the period.
        id: String,
    },
    /// Many devices against the simulated servers: throughput, latency, duplicates.
    Fleet(cli_sim::fleet::FleetArgs),
    /// Kill the syncing process at random moments and check nothing is lost or duplicated.
    Chaos(cli_sim::chaos::ChaosArgs),
    /// Run simulated servers on 127.0.0.1 (foreground, until Ctrl-C).
    Mock {
        #[command(subcommand)]
        server: MockServer,
    },
    /// Check the forms and the facility map against the LMIS.
    Lmis {
        #[command(subcommand)]
        action: LmisAction,
    },
    /// Pull metadata from DHIS2 into a form definition.
    Metadata {
        #[command(subcommand)]
        action: MetadataAction,
    },
    /// Stop warning about the damaged copies of the outbox (after support has
    /// recovered them, or knows they hold nothing); the files stay on disk.
    AcknowledgeDamaged {
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// List the forms this agent knows.
    Forms {
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Write every undelivered form (or --all) into one file encrypted to a district's public key.
    Export(cli_sim::escrow::ExportArgs),
    /// Add the forms of an escrow file to this outbox, as if recorded here, queued for sending.
    Import(cli_sim::escrow::ImportArgs),
    /// Make a district key pair for escrow files (prints the public key).
    Keygen(cli_sim::escrow::KeygenArgs),
    /// Write a diagnostics bundle (gzipped JSON, secrets left out) for support.
    Diagnose(cli_sim::diagnose::DiagnoseArgs),
}

#[derive(Debug, Subcommand)]
enum MockServer {
    /// A simulated DHIS2 (Web API: dataValueSets, metadata, faults).
    Dhis2(cli_sim::mock::dhis2::MockDhis2Args),
    /// A simulated OpenLMIS v3 (auth, reference data, stock events, requisitions, faults).
    Lmis(cli_sim::mock::openlmis::MockLmisArgs),
}

#[derive(Debug, Subcommand)]
enum LmisAction {
    /// Compare product codes, facility, program and reasons with the LMIS's
    /// reference data; every mismatch is named (exit 3 when there is one).
    Check {
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MetadataAction {
    /// Fetch a data set and write or refresh the service part of its form.
    Pull {
        /// The DHIS2 data set uid.
        #[arg(long)]
        data_set: String,
        /// The form to refresh or create (default: the form using this data set).
        #[arg(long)]
        form: Option<String>,
        /// Use the copy cached at the last pull instead of the network.
        #[arg(long)]
        offline: bool,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

/// Delivery states, as typed on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum StateArg {
    Pending,
    InFlight,
    Delivered,
    Rejected,
    Superseded,
    Waiting,
}

impl From<StateArg> for DeliveryState {
    fn from(s: StateArg) -> DeliveryState {
        match s {
            StateArg::Pending => DeliveryState::Pending,
            StateArg::InFlight => DeliveryState::InFlight,
            StateArg::Delivered => DeliveryState::Delivered,
            StateArg::Rejected => DeliveryState::Rejected,
            StateArg::Superseded => DeliveryState::Superseded,
            StateArg::Waiting => DeliveryState::Waiting,
        }
    }
}

fn open(config: &std::path::Path) -> Result<Agent, AgentError> {
    let cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    open_config(&cfg)
}

fn open_config(cfg: &AgentConfig) -> Result<Agent, AgentError> {
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

fn print_json<T: serde::Serialize>(v: &T) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot print JSON: {e}"),
    }
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, AgentError> {
    agent_core::files::read_capped(path, agent_core::files::MAX_DRAFT_FILE_BYTES, "the draft")
        .map_err(|e| AgentError::UnreadableDraft {
            message: format!("cannot read the draft {}: {e}", path.display()),
        })
}

fn run(cli: Cli) -> Result<i32, AgentError> {
    match cli.command {
        Command::Demo { keep } => {
            let mut stdout = std::io::stdout();
            cli_sim::demo::run(&mut stdout, keep.as_deref()).map_err(AgentError::internal)?;
            Ok(exit::OK)
        }
        Command::Record {
            file,
            confirm_warnings,
            json,
            form,
            facility,
            period,
        } => {
            let agent = open(&cli.config)?;
            let Some(file) = file else {
                let opts = cli_sim::interactive::Options {
                    form,
                    facility,
                    period,
                };
                let stdin = std::io::stdin();
                let mut input = stdin.lock();
                let mut out = std::io::stdout();
                return cli_sim::interactive::record(&agent, opts, &mut input, &mut out);
            };
            let bytes = read_file(&file)?;
            match agent.submit_json(&bytes, confirm_warnings) {
                Ok(r) => {
                    if json {
                        print_json(&r);
                    } else {
                        println!("{}", r.id);
                        if r.duplicate {
                            eprintln!(
                                "this form was already saved with the same content (revision {}); nothing new was written",
                                r.revision
                            );
                        } else if r.revision > 1 {
                            eprintln!(
                                "saved as revision {} (a correction of the earlier form)",
                                r.revision
                            );
                        }
                        if !r.warnings.is_empty() {
                            eprint!("confirmed warnings:\n{}", show::findings(&r.warnings));
                        }
                    }
                    Ok(exit::OK)
                }
                Err(
                    AgentError::InvalidDraft { findings }
                    | AgentError::NeedsConfirmation { findings },
                ) => {
                    let errors = agent_core::validate::has_errors(&findings);
                    if json {
                        print_json(&serde_json::json!({ "saved": false, "findings": findings }));
                    } else {
                        eprint!("{}", show::findings(&findings));
                        if errors {
                            eprintln!("not saved: fix the errors above and record again.");
                        } else {
                            eprintln!(
                                "not saved: check the warnings above; if the numbers are right, record again with --confirm-warnings."
                            );
                        }
                    }
                    Ok(exit::FINDINGS)
                }
                Err(e) => Err(e),
            }
        }
        Command::Validate { file, json } => {
            let agent = open(&cli.config)?;
            let findings = agent.validate_json(&read_file(&file)?)?;
            if json {
                print_json(&findings);
            } else if findings.is_empty() {
                println!("no problems found");
            } else {
                print!("{}", show::findings(&findings));
            }
            Ok(if findings.is_empty() {
                exit::OK
            } else {
                exit::FINDINGS
            })
        }
        Command::Status {
            id,
            state,
            limit,
            json,
        } => {
            let agent = open(&cli.config)?;
            let rows = match id {
                Some(id) => vec![agent.status(&id)?],
                None => agent.list(state.map(Into::into), limit)?,
            };
            if json {
                print_json(&serde_json::json!({
                    "submissions": rows,
                    "damaged_copies": agent.damaged_copies()?,
                }));
            } else {
                print!("{}", show::status_table(&rows));
                print!("{}", show::health(&agent.health()?));
            }
            Ok(exit::OK)
        }
        Command::Inspect { id, json } => {
            let agent = open(&cli.config)?;
            let d = agent.inspect(&id)?;
            if json {
                print_json(&d);
            } else {
                print!("{}", show::detail(&d));
            }
            Ok(exit::OK)
        }
        Command::Sync {
            budget_secs,
            retry_auth,
            until_done,
            retry_now,
            network,
            json,
        } => {
            let mut cfg = AgentConfig::load(&cli.config).map_err(AgentError::from)?;
            // The proxies live as long as this command; dropping them ends the shaping.
            let _proxies = if network == cli_sim::network::Profile::Lan {
                Vec::new()
            } else {
                cli_sim::network::shape_config(&mut cfg, network, 1).map_err(|e| {
                    AgentError::Config {
                        message: format!("the network profile could not be set up: {e}"),
                    }
                })?
            };
            let agent = open_config(&cfg)?;
            let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
            let budget =
                agent_core::sync::SyncBudget::time(std::time::Duration::from_secs(budget_secs));
            let passes = until_done.unwrap_or(1).max(1);
            if retry_now {
                agent.network_available()?;
            }
            let mut report = agent.sync(budget, &creds, retry_auth)?;
            for _ in 1..passes {
                if report.done || (report.call_again_at.is_none() && !retry_now) {
                    break;
                }
                if !json {
                    print!("{}", show::sync_report(&report));
                }
                if retry_now {
                    agent.network_available()?;
                } else {
                    let wait = report
                        .call_again_at
                        .map(|t| (t - agent.clock().now()).to_std().unwrap_or_default())
                        .unwrap_or_default()
                        .min(std::time::Duration::from_secs(300));
                    std::thread::sleep(wait);
                }
                report = match agent.sync(budget, &creds, false) {
                    Ok(r) => r,
                    // A killed earlier process may still hold the lease briefly.
                    Err(AgentError::Busy { .. }) if retry_now => {
                        std::thread::sleep(std::time::Duration::from_millis(200));
                        continue;
                    }
                    Err(e) => return Err(e),
                };
            }
            if json {
                print_json(&report);
            } else {
                print!("{}", show::sync_report(&report));
            }
            Ok(if report.done {
                exit::OK
            } else {
                exit::NOT_DONE
            })
        }
        Command::Export(args) => cli_sim::escrow::export(&open(&cli.config)?, args),
        Command::Import(args) => cli_sim::escrow::import(&open(&cli.config)?, args),
        Command::Keygen(args) => cli_sim::escrow::keygen(args),
        Command::Diagnose(args) => {
            let cfg = AgentConfig::load(&cli.config).map_err(AgentError::from)?;
            cli_sim::diagnose::run(&open_config(&cfg)?, &cfg, args)
        }
        Command::Fleet(args) => cli_sim::fleet::run(args).map_err(AgentError::internal),
        Command::Chaos(args) => cli_sim::chaos::run(args).map_err(AgentError::internal),
        Command::SendIncomplete { id } => {
            let agent = open(&cli.config)?;
            if agent.send_without_missing_months(&id)? {
                println!(
                    "the requisition of {id}'s period will be sent at the next sync, without the missing months"
                );
                Ok(exit::OK)
            } else {
                println!("no requisition of {id}'s period is waiting yet; sync once first");
                Ok(exit::NOT_FOUND)
            }
        }
        Command::Resend { id } => {
            let agent = open(&cli.config)?;
            let n = agent.resend_rejected(&id)?;
            println!("{n} refused part(s) of {id} will be sent at the next sync");
            Ok(exit::OK)
        }
        Command::Mock {
            server: MockServer::Lmis(args),
        } => {
            cli_sim::mock::from_forms::lmis_config_from_files(&args.forms, &args.facilities)
                .and_then(|config| cli_sim::mock::openlmis::run_cli(args, config))
                .map_err(|e| AgentError::Config {
                    message: format!("the simulated OpenLMIS could not start: {e}"),
                })?;
            Ok(exit::OK)
        }
        Command::Lmis {
            action: LmisAction::Check { json },
        } => {
            let cfg = AgentConfig::load(&cli.config).map_err(AgentError::from)?;
            let agent = open(&cli.config)?;
            let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
            let problems = agent.check_lmis(&creds)?;
            if json {
                print_json(&problems);
            } else if problems.is_empty() {
                println!("the forms and the facility map match the LMIS");
            } else {
                for p in &problems {
                    println!("{p}");
                }
            }
            Ok(if problems.is_empty() {
                exit::OK
            } else {
                exit::CONFIG
            })
        }
        Command::Mock {
            server: MockServer::Dhis2(args),
        } => {
            cli_sim::mock::from_forms::dhis2_config_from_files(&args.forms, &args.facilities)
                .and_then(|config| cli_sim::mock::dhis2::run_cli(args, config))
                .map_err(|e| AgentError::Config {
                    message: format!("the simulated DHIS2 could not start: {e}"),
                })?;
            Ok(exit::OK)
        }
        Command::Metadata {
            action:
                MetadataAction::Pull {
                    data_set,
                    form,
                    offline,
                    json,
                },
        } => {
            let cfg = AgentConfig::load(&cli.config).map_err(AgentError::from)?;
            let agent = open(&cli.config)?;
            let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
            let pull = agent.pull_metadata(&data_set, form.as_deref(), &creds, offline)?;
            if json {
                print_json(&pull);
            } else {
                let r = &pull.report;
                println!(
                    "form {}: {} field(s) kept, {} added, {} removed{}",
                    r.form,
                    r.kept,
                    r.added.len(),
                    r.removed.len(),
                    if r.changed {
                        format!("; written to {}", pull.file.display())
                    } else {
                        "; unchanged".into()
                    }
                );
                for a in &r.added {
                    println!("  added   {a}");
                }
                for x in &r.removed {
                    println!("  removed {x}");
                }
                for w in r.warnings.iter().chain(&pull.pending_mismatches) {
                    println!("  note: {w}");
                }
            }
            Ok(exit::OK)
        }
        Command::AcknowledgeDamaged { json } => {
            let agent = open(&cli.config)?;
            let done = agent.acknowledge_damaged_copies()?;
            if json {
                print_json(&done);
            } else if done.is_empty() {
                println!("no damaged copy of the outbox is waiting to be acknowledged");
            } else {
                for c in &done {
                    println!(
                        "acknowledged: {} (the file stays on disk; it is no longer reported)",
                        c.path.display()
                    );
                }
            }
            Ok(exit::OK)
        }
        Command::Forms { json } => {
            let agent = open(&cli.config)?;
            let forms = agent.forms();
            if json {
                print_json(&forms);
            } else {
                for f in forms {
                    println!(
                        "{:<22} v{} {:<45} {} ({} service fields, {} products)",
                        f.id,
                        f.version,
                        f.title,
                        f.period_type,
                        f.service.len(),
                        f.products.len()
                    );
                }
            }
            Ok(exit::OK)
        }
    }
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
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("AGENT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            exit_code(&e)
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
