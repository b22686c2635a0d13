//! `cli-sim record`: validate and save a draft from a file, or ask the form
//! field by field.

use super::{open, print_json, read_file};
use agent_core::AgentError;
use cli_sim::{exit, show};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct Args {
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
}

pub fn run(config: &Path, args: Args) -> Result<i32, AgentError> {
    let agent = open(config)?;
    let Some(file) = args.file else {
        let opts = cli_sim::interactive::Options {
            form: args.form,
            facility: args.facility,
            period: args.period,
        };
        let stdin = std::io::stdin();
        let mut input = stdin.lock();
        let mut out = std::io::stdout();
        return cli_sim::interactive::record(&agent, opts, &mut input, &mut out);
    };
    let json = args.json;
    let bytes = read_file(&file)?;
    match agent.submit_json(&bytes, args.confirm_warnings) {
        Ok(r) => {
            if json {
                print_json(&r);
            } else {
                println!("{}", r.id);
                if r.duplicate {
                    eprintln!(
                        "{}",
                        show::t(
                            &agent_core::Message::new("tool-record-duplicate")
                                .num("revision", i64::from(r.revision))
                        )
                    );
                } else if r.revision > 1 {
                    eprintln!(
                        "{}",
                        show::t(
                            &agent_core::Message::new("tool-record-correction")
                                .num("revision", i64::from(r.revision))
                        )
                    );
                }
                if !r.warnings.is_empty() {
                    eprint!(
                        "{}\n{}",
                        show::tid("tool-record-confirmed"),
                        show::findings(&r.warnings)
                    );
                }
                eprint!("{}", show::resupply(&r.resupply));
            }
            Ok(exit::OK)
        }
        Err(AgentError::InvalidDraft { findings } | AgentError::NeedsConfirmation { findings }) => {
            let errors = agent_core::validate::has_errors(&findings);
            if json {
                print_json(&serde_json::json!({ "saved": false, "findings": findings }));
            } else {
                eprint!("{}", show::findings(&findings));
                if errors {
                    eprintln!("{}", show::tid("tool-record-not-saved-errors"));
                } else {
                    eprintln!("{}", show::tid("tool-record-not-saved-warnings"));
                }
            }
            Ok(exit::FINDINGS)
        }
        Err(e) => Err(e),
    }
}
