//! `cli-sim mapping suggest|check`: set up a country's facility map from the
//! two servers' master lists, and re-verify it. Matching and checking are in
//! agent-core (`agent_core::matching`); this file parses and prints. Each
//! printed line is made by one function below (`line_*`) from the messages
//! of `locales/*/tools.ftl`.

use super::{open_reading, print_json};
use agent_core::draft::visible as v;
use agent_core::matching::{
    Candidate, Decisions, MapBuild, Mismatch, Proposal, Question, ReasonMatch,
    apply_reason_decisions, build_facility_map, movement_message_id,
};
use agent_core::{AgentConfig, AgentError, Message};
use cli_sim::exit;
use cli_sim::show::{t, tid};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum MappingAction {
    /// Match the DHIS2 org units of the data sets with the LMIS facilities
    /// (codes first, then names), the forms' products with the program's
    /// products, and each stock movement with an LMIS reason. Sure matches
    /// and your decisions are written to the facility map; anything in
    /// doubt is listed with candidates for you to decide in a decisions
    /// file (exit 3 while something is undecided). Nothing is guessed.
    Suggest {
        /// A DHIS2 data set uid whose org units to match (repeatable).
        #[arg(long = "data-set", required = true)]
        data_sets: Vec<String>,
        /// The LMIS program (code or id) whose products and reasons to match.
        #[arg(long)]
        program: String,
        /// Your decisions (JSON: {"version": 1, "facilities": [{"dhis2_org_unit":
        /// …, "lmis_facility_code": …}], "reasons": {"losses": "…"}}) for what
        /// was in doubt.
        #[arg(long)]
        decisions: Option<PathBuf>,
        /// Write the whole proposal (evidence, confidence, candidates) here as JSON.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only print; do not write the facility map.
        #[arg(long)]
        dry_run: bool,
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Check the facility map and the forms against both servers: every
    /// mismatch once, with what the server has instead (exit 3 when there
    /// is one).
    Check {
        /// JSON output for scripts.
        #[arg(long)]
        json: bool,
    },
}

fn candidates(list: &[Candidate]) -> String {
    if list.is_empty() {
        return tid("tool-none");
    }
    list.iter()
        .map(|c| match &c.entry.code {
            Some(code) => format!("{} [{}] {}%", v(&c.entry.name), v(code), c.score),
            None => format!("{} {}%", v(&c.entry.name), c.score),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A proposal's evidence in the output's language.
fn evidence(p: &Proposal) -> String {
    if p.evidence_messages.is_empty() {
        return v(&p.evidence).into_owned();
    }
    p.evidence_messages
        .iter()
        .map(t)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `m` in the output's language, or `english` when there is no message
/// (a proposal file written before the messages).
fn or_text(m: &Message, english: &str) -> String {
    if m.id.is_empty() {
        v(english).into_owned()
    } else {
        t(m)
    }
}

/// A movement's name in the output's language.
fn movement(m: agent_core::form::Movement) -> String {
    tid(&movement_message_id(m))
}

fn line_proposal(p: &Proposal) -> String {
    let line = t(&Message::new("tool-map-proposal")
        .num("confidence", i64::from(p.confidence))
        .text("left", p.left.name.as_str())
        .text("left_code", p.left.code.as_deref().unwrap_or(&p.left.id))
        .text("right", p.right.name.as_str())
        .text("right_code", p.right.code.as_deref().unwrap_or(&p.right.id))
        .text("evidence", evidence(p)));
    format!("  {line}")
}

fn line_question(q: &Question) -> String {
    let line = t(&Message::new("tool-map-question")
        .text("name", q.subject.name.as_str())
        .text("code", q.subject.code.as_deref().unwrap_or(&q.subject.id))
        .text("why", or_text(&q.why_message, &q.why))
        .text("candidates", candidates(&q.candidates)));
    format!("  {line}")
}

fn line_reason(types: &str, r: &ReasonMatch) -> String {
    let line = match &r.proposed {
        Some(p) => t(&Message::new("tool-map-reason")
            .text("movement", movement(r.movement))
            .text("types", types)
            .text("name", p.right.name.as_str())
            .num("confidence", i64::from(p.confidence))
            .text("evidence", evidence(p))),
        None => t(&Message::new("tool-map-reason-open")
            .text("movement", movement(r.movement))
            .text("types", types)
            .text("wanted", r.wanted.as_str())
            .text("candidates", candidates(&r.candidates))),
    };
    format!("  {line}")
}

fn line_mismatch(m: &Mismatch) -> String {
    let (subject, problem) = (
        or_text(&m.subject_message, &m.subject),
        or_text(&m.problem_message, &m.problem),
    );
    if m.candidates.is_empty() {
        t(&Message::new("tool-map-mismatch")
            .text("subject", subject)
            .text("problem", problem))
    } else {
        t(&Message::new("tool-map-mismatch-candidates")
            .text("subject", subject)
            .text("problem", problem)
            .text("candidates", m.candidates.join("; ")))
    }
}

pub fn read_decisions(path: &Path) -> Result<Decisions, AgentError> {
    let bytes = agent_core::files::read_capped(path, 4 * 1024 * 1024, "the decisions file")
        .map_err(|e| AgentError::Config {
            message: format!("cannot read the decisions file {}: {e}", path.display()),
        })?;
    let text = String::from_utf8(bytes).map_err(|_| AgentError::Config {
        message: format!("the decisions file {} is not UTF-8 text", path.display()),
    })?;
    Decisions::from_json(&text).map_err(|m| AgentError::Config {
        message: format!("{}: {m}", path.display()),
    })
}

pub fn run(config: &Path, action: MappingAction) -> Result<i32, AgentError> {
    let cfg = AgentConfig::load(config).map_err(AgentError::from)?;
    let (agent, _empty_outbox) = open_reading(config)?;
    let creds = agent_core::credentials::ConfigCredentials::new(&cfg);
    match action {
        MappingAction::Check { json } => {
            let problems = agent.check_mapping(&creds)?;
            if json {
                print_json(&problems);
            } else if problems.is_empty() {
                println!("{}", tid("tool-map-all-match"));
            } else {
                for p in &problems {
                    println!("{}", line_mismatch(p));
                }
            }
            Ok(if problems.is_empty() {
                exit::OK
            } else {
                exit::CONFIG
            })
        }
        MappingAction::Suggest {
            data_sets,
            program,
            decisions,
            out,
            dry_run,
            json,
        } => {
            let (lists, s) = agent.suggest_mapping(&data_sets, &program, &creds)?;
            let decisions = match &decisions {
                Some(p) => read_decisions(p)?,
                None => Decisions {
                    version: 1,
                    ..Decisions::default()
                },
            };
            let mut build: MapBuild =
                build_facility_map(&s.facilities, &lists.lmis_facilities, &decisions);
            let mut s = s;
            let program_reasons = lists
                .programs
                .first()
                .and_then(|p| lists.reasons.get(&p.id))
                .cloned()
                .unwrap_or_default();
            build.problems.extend(apply_reason_decisions(
                &mut s.reasons,
                &decisions.reasons,
                &program_reasons,
            ));
            // A reason is open when no proposal and no decision names it.
            let open_reasons = s
                .reasons
                .iter()
                .flat_map(|set| &set.matches)
                .filter(|r| r.proposed.is_none())
                .count();
            if let Some(path) = &out {
                let text = serde_json::to_string_pretty(&serde_json::json!({
                    "suggestion": &s, "facility_map": &build,
                }))
                .map_err(AgentError::internal)?;
                std::fs::write(path, text + "\n").map_err(|e| AgentError::Config {
                    message: format!("cannot write {}: {e}", path.display()),
                })?;
            }
            let written = if dry_run || build.facilities.is_empty() {
                None
            } else {
                Some(agent.save_facility_map(build.facilities.clone())?)
            };
            let undecided = build.open.len() + open_reasons + build.problems.len();
            if json {
                print_json(&serde_json::json!({
                    "suggestion": &s, "facility_map": &build, "written": written,
                    "undecided": undecided,
                }));
            } else {
                println!(
                    "{}",
                    t(&Message::new("tool-map-facilities")
                        .num("org_units", lists.org_units.len() as i64)
                        .num("lmis", lists.lmis_facilities.len() as i64))
                );
                for p in &s.facilities.proposed {
                    println!("{}", line_proposal(p));
                }
                for q in &build.open {
                    println!("{}", line_question(q));
                }
                if !s.products.proposed.is_empty() || !s.products.questions.is_empty() {
                    println!("{}", tid("tool-map-products"));
                    for p in &s.products.proposed {
                        println!("{}", line_proposal(p));
                    }
                    for q in &s.products.questions {
                        println!("{}", line_question(q));
                    }
                }
                println!("{}", tid("tool-map-reasons"));
                for set in &s.reasons {
                    let types = v(&set.facility_types.join(", ")).into_owned();
                    for r in &set.matches {
                        println!("{}", line_reason(&types, r));
                    }
                }
                for p in &build.problems {
                    println!(
                        "  {}",
                        t(&Message::new("tool-map-problem").text("problem", t(p)))
                    );
                }
                match &written {
                    Some(path) => println!(
                        "{}",
                        t(&Message::new("tool-map-written")
                            .num("count", build.facilities.len() as i64)
                            .text("path", path.display().to_string()))
                    ),
                    None => println!("{}", tid("tool-map-not-written")),
                }
                if undecided > 0 {
                    println!(
                        "{}",
                        t(&Message::new("tool-map-undecided").num("count", undecided as i64))
                    );
                }
            }
            Ok(if undecided == 0 {
                exit::OK
            } else {
                exit::CONFIG
            })
        }
    }
}
