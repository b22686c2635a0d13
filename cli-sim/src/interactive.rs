//! `cli-sim record` without `--file`: the interactive recorder.
//!
//! It asks for a form field by field, as a health worker fills in the paper
//! register: the form, the facility and the period first, then every service
//! count (grouped by section, with its unit, range and whether it is
//! required), then the stock card of each product with the running balance,
//! then an optional comment and who captured the form. Every answer is
//! checked at once by the agent's own validator, so a typing mistake is
//! explained in the same words `record --file` uses and asked again. Before
//! saving, the whole form is validated: errors send the user back to the
//! fields named, warnings must be confirmed.
//!
//! The prompts are plain lines (no raw terminal mode), so the recorder works
//! the same on a tablet's terminal, through a pseudo-terminal and from a
//! script piped into standard input. Everything goes through
//! `agent_core::Agent`'s public API; this module only converts and presents.

use crate::exit;
use crate::show::{t, t_lines, tid};
use agent_core::Message;
use agent_core::agent::SubmissionStatus;
use agent_core::form::{Product, ServiceField, StockQuantity, Term};
use agent_core::mapping::Facility;
use agent_core::validate::{Finding, Severity, has_errors, has_warnings};
use agent_core::{Agent, AgentError, Draft, FindingTarget, FormDefinition, Period};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};

/// What the interactive recorder starts from.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The form id (asked when absent).
    pub form: Option<String>,
    /// The facility code (asked when absent).
    pub facility: Option<String>,
    /// The period (asked when absent).
    pub period: Option<String>,
}

/// How many outbox entries are searched for an earlier form of the same
/// facility (to offer its values as defaults).
const LOOKUP_LIMIT: u32 = 5000;

/// Runs the interactive recorder; returns the process exit code.
///
/// The codes are those of [`crate::exit`]: `OK` when the form was saved,
/// `FINDINGS` when it was not saved because of its findings, because the
/// user declined or stopped, or because the input ended, and `FAILURE` when
/// the terminal could not be read or written. Other agent failures are
/// returned as errors.
pub fn record(
    agent: &Agent,
    opts: Options,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<i32, AgentError> {
    // A terminal shows what is typed; from a pipe, the answers are written
    // after their prompts so that a scripted session reads as a transcript.
    let echo = !std::io::stdin().is_terminal();
    let mut session = Session {
        agent,
        input,
        out,
        echo,
    };
    match session.run(opts) {
        Ok(code) => Ok(code),
        Err(Stop::EndOfInput) => {
            let _ = writeln!(session.out, "\n{}", tid("rec-end-of-input"));
            let _ = session.out.flush();
            Ok(exit::FINDINGS)
        }
        Err(Stop::Quit) => {
            let _ = writeln!(session.out, "{}", tid("rec-stopped"));
            let _ = session.out.flush();
            Ok(exit::FINDINGS)
        }
        Err(Stop::Io(e)) => {
            let _ = writeln!(
                session.out,
                "\n{}",
                t(&Message::new("rec-io-error").text("error", e.to_string()))
            );
            let _ = session.out.flush();
            Ok(exit::FAILURE)
        }
        Err(Stop::Agent(e)) => Err(e),
    }
}

/// Why the recorder stopped before saving.
enum Stop {
    /// The input ended (Ctrl-D on a terminal, or the end of a piped script).
    EndOfInput,
    /// The user typed `q`.
    Quit,
    /// Reading the input or writing the output failed.
    Io(std::io::Error),
    /// The agent failed.
    Agent(AgentError),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Io(e)
    }
}

impl From<AgentError> for Stop {
    fn from(e: AgentError) -> Stop {
        Stop::Agent(e)
    }
}

type Step<T> = Result<T, Stop>;

/// One place in a draft that the user fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Facility,
    Period,
    Comment,
    CapturedBy,
    Service(String),
    Stock(String, StockQuantity),
}

impl Slot {
    /// The keys leading to the slot in a draft document.
    fn keys(&self) -> Vec<String> {
        match self {
            Slot::Facility => vec!["facility".into()],
            Slot::Period => vec!["period".into()],
            Slot::Comment => vec!["comment".into()],
            Slot::CapturedBy => vec!["captured_by".into()],
            Slot::Service(key) => vec!["service".into(), key.clone()],
            Slot::Stock(code, q) => vec!["stock".into(), code.clone(), q.key().into()],
        }
    }

    /// The slot as the target of a finding.
    fn target(&self) -> FindingTarget {
        match self {
            Slot::Facility => FindingTarget::Facility,
            Slot::Period => FindingTarget::Period,
            Slot::Comment => FindingTarget::Comment,
            Slot::CapturedBy => FindingTarget::CapturedBy,
            Slot::Service(key) => FindingTarget::Service(key.clone()),
            Slot::Stock(code, q) => FindingTarget::Stock {
                product: code.clone(),
                quantity: Some(*q),
            },
        }
    }

    /// Whether a rule term refers to this slot.
    fn is_term(&self, t: &Term) -> bool {
        match (self, t) {
            (Slot::Service(key), Term::Service { service, .. }) => key == service,
            (
                Slot::Stock(code, q),
                Term::Stock {
                    product, quantity, ..
                },
            ) => code == product && q == quantity,
            _ => false,
        }
    }
}

/// What the user can be sent back to when the whole form is checked, in
/// form order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Facility,
    Period,
    Service(usize),
    Product(usize),
    Comment,
    CapturedBy,
}

/// The form being recorded.
struct Recording {
    def: FormDefinition,
    draft: Draft,
    /// The stock quantities the validator requires for every product.
    stock_required: Vec<StockQuantity>,
    /// The closing balances recorded for this facility in the previous
    /// period, by product code, with that period.
    previous_closing: BTreeMap<String, (i64, String)>,
    /// The number of days in the period, once it is known.
    days: Option<u32>,
}

impl Recording {
    fn number(&self, slot: &Slot) -> Option<i64> {
        match slot {
            Slot::Service(key) => self.draft.service.get(key).copied(),
            Slot::Stock(code, q) => self.draft.stock.get(code).and_then(|e| e.get(*q)),
            _ => None,
        }
    }

    fn set_number(&mut self, slot: &Slot, value: Option<i64>) {
        match slot {
            Slot::Service(key) => match value {
                Some(v) => {
                    self.draft.service.insert(key.clone(), v);
                }
                None => {
                    self.draft.service.remove(key);
                }
            },
            Slot::Stock(code, q) => self
                .draft
                .stock
                .entry(code.clone())
                .or_default()
                .set(*q, value),
            _ => {}
        }
    }

    fn text(&self, slot: &Slot) -> Option<String> {
        match slot {
            Slot::Facility => Some(self.draft.facility.clone()).filter(|s| !s.is_empty()),
            Slot::Period => Some(self.draft.period.clone()).filter(|s| !s.is_empty()),
            Slot::Comment => self.draft.comment.clone(),
            Slot::CapturedBy => self.draft.captured_by.clone(),
            _ => None,
        }
    }

    fn set_text(&mut self, slot: &Slot, value: Option<String>) {
        match slot {
            Slot::Facility => self.draft.facility = value.unwrap_or_default(),
            Slot::Period => self.draft.period = value.unwrap_or_default(),
            Slot::Comment => self.draft.comment = value,
            Slot::CapturedBy => self.draft.captured_by = value,
            _ => {}
        }
    }

    /// The closing balance the other stock numbers of a product add up to.
    fn expected_closing(&self, code: &str) -> Option<i64> {
        self.draft.stock.get(code)?.expected_closing()
    }

    /// Where a finding sends the user back to.
    fn targets(&self, f: &Finding) -> Vec<Target> {
        let def = &self.def;
        let service = |key: &str| def.service.iter().position(|s| s.key == key);
        let product = |code: &str| def.products.iter().position(|p| p.code == code);
        match f.target(def) {
            FindingTarget::Facility => vec![Target::Facility],
            FindingTarget::Period => vec![Target::Period],
            FindingTarget::Comment => vec![Target::Comment],
            FindingTarget::CapturedBy => vec![Target::CapturedBy],
            FindingTarget::Service(key) => service(&key).map(Target::Service).into_iter().collect(),
            FindingTarget::Stock { product: code, .. } => {
                product(&code).map(Target::Product).into_iter().collect()
            }
            FindingTarget::Rule(id) => def
                .rules
                .iter()
                .filter(|r| r.id == id)
                .take(1)
                .flat_map(|r| r.left.iter().chain(&r.right))
                .filter_map(|t| match t {
                    Term::Service { service: key, .. } => service(key).map(Target::Service),
                    Term::Stock { product: code, .. } => product(code).map(Target::Product),
                })
                .collect(),
            FindingTarget::Other => vec![],
        }
    }
}

/// A number prompt.
struct NumberPrompt {
    /// What is asked, e.g. `Deliveries at the health post`.
    label: String,
    /// What is counted, shown in brackets.
    unit: Option<String>,
    /// The range or other hints, shown in parentheses.
    hints: Vec<String>,
    /// What Enter gives, and why (with its leading separator); `None` when
    /// Enter leaves the field empty.
    default: Option<(i64, Option<String>)>,
    /// Whether `r` starts the product again (at the closing balance).
    restart: bool,
}

/// What the user gave at a number prompt.
enum Entered {
    /// A value, or an empty field.
    Value,
    /// `r`: enter the product's numbers again.
    Restart,
}

/// The terminal and the agent.
struct Session<'a> {
    agent: &'a Agent,
    input: &'a mut dyn BufRead,
    out: &'a mut dyn Write,
    /// Whether to write each answer after its prompt (input is not a terminal).
    echo: bool,
}

impl Session<'_> {
    fn run(&mut self, opts: Options) -> Step<i32> {
        writeln!(self.out, "{}", t_lines(&Message::new("rec-intro")))?;
        let def = self.choose_form(opts.form)?;
        let mut rec = Recording {
            stock_required: self.required_stock(&def)?,
            draft: Draft {
                form: def.id.clone(),
                ..Draft::default()
            },
            def,
            previous_closing: BTreeMap::new(),
            days: None,
        };
        self.choose_facility(&mut rec, opts.facility)?;
        self.choose_period(&mut rec, opts.period)?;
        self.earlier_forms(&mut rec)?;
        for (section, fields) in sections(&rec.def.service) {
            if let Some(s) = section {
                writeln!(self.out, "\n-- {s} --")?;
            }
            for i in fields {
                self.enter_service(&mut rec, i)?;
            }
        }
        for i in 0..rec.def.products.len() {
            self.enter_product(&mut rec, i)?;
        }
        writeln!(self.out)?;
        self.enter_text(&mut rec, Slot::Comment)?;
        self.enter_text(&mut rec, Slot::CapturedBy)?;
        self.review(&mut rec)
    }

    /// Writes a prompt and reads one line, without its line ending.
    fn ask(&mut self, prompt: &str) -> Step<String> {
        write!(self.out, "{prompt}")?;
        self.out.flush()?;
        let mut buf = Vec::new();
        if self.input.read_until(b'\n', &mut buf)? == 0 {
            return Err(Stop::EndOfInput);
        }
        let line = String::from_utf8_lossy(&buf)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        if self.echo {
            writeln!(self.out, "{line}")?;
        }
        Ok(line)
    }

    fn show(&mut self, findings: &[&Finding]) -> Step<()> {
        for f in findings {
            let id = match f.severity {
                Severity::Error => "rec-error",
                Severity::Warning => "rec-warning",
            };
            writeln!(
                self.out,
                "  {}",
                t(&Message::new(id).text("message", f.message.as_str()))
            )?;
        }
        Ok(())
    }

    /// Validates the draft as it would be with `value` in `slot`, through
    /// the same reader and validator as `record --file`.
    fn check(&self, rec: &Recording, slot: &Slot, value: Option<Value>) -> Step<Vec<Finding>> {
        let mut doc = serde_json::to_value(&rec.draft).map_err(AgentError::internal)?;
        set_in(&mut doc, &slot.keys(), value);
        let bytes = serde_json::to_vec(&doc).map_err(AgentError::internal)?;
        Ok(self.agent.validate_json(&bytes)?)
    }

    /// Asks "Keep ...? [Y/n]" after a warning on one field.
    fn keep(&mut self, what: &str) -> Step<bool> {
        loop {
            let a = self.ask(&format!(
                "  {} ",
                t(&Message::new("rec-keep").text("value", what))
            ))?;
            match a.trim().to_ascii_lowercase().as_str() {
                "" | "y" | "yes" => return Ok(true),
                "n" | "no" => return Ok(false),
                "q" => return Err(Stop::Quit),
                _ => writeln!(self.out, "  {}", tid("rec-keep-help"))?,
            }
        }
    }

    /// Asks until one of `items` is chosen by number or id.
    fn pick<'x, T>(
        &mut self,
        prompt: &str,
        items: &'x [T],
        id: impl Fn(&T) -> &str,
    ) -> Step<&'x T> {
        loop {
            let a = self.ask(prompt)?;
            let a = a.trim();
            if a.eq_ignore_ascii_case("q") {
                return Err(Stop::Quit);
            }
            let by_number = a
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|n| items.get(n));
            if let Some(item) =
                by_number.or_else(|| items.iter().find(|x| id(x).eq_ignore_ascii_case(a)))
            {
                return Ok(item);
            }
            writeln!(
                self.out,
                "  {}",
                t(&Message::new("rec-not-in-list")
                    .text("answer", a)
                    .num("count", items.len() as i64))
            )?;
        }
    }

    fn choose_form(&mut self, wanted: Option<String>) -> Step<FormDefinition> {
        let forms = self.agent.forms();
        if forms.is_empty() {
            return Err(AgentError::Config {
                message: "no form definitions are loaded; check the forms folder in agent.toml"
                    .into(),
            }
            .into());
        }
        if let Some(id) = wanted {
            if let Some(def) = self.agent.form(id.trim()) {
                writeln!(self.out, "{}", form_line(&def))?;
                return Ok(def);
            }
            writeln!(
                self.out,
                "{}",
                t(&Message::new("rec-no-form").text("id", id.trim()))
            )?;
        } else if let [only] = forms.as_slice() {
            writeln!(self.out, "{}", form_line(only))?;
            return Ok(only.clone());
        }
        writeln!(self.out, "{}", tid("rec-forms"))?;
        for (i, f) in forms.iter().enumerate() {
            writeln!(self.out, "  {:>2}. {:<22} {}", i + 1, f.id, f.title)?;
        }
        let def = self
            .pick(&format!("{} ", tid("rec-pick-form")), &forms, |f| &f.id)?
            .clone();
        writeln!(self.out, "{}", form_line(&def))?;
        Ok(def)
    }

    /// The stock quantities the validator requires: those it reports as
    /// missing for a product with nothing entered.
    fn required_stock(&self, def: &FormDefinition) -> Step<Vec<StockQuantity>> {
        let Some(p) = def.products.first() else {
            return Ok(vec![]);
        };
        let probe = Draft {
            form: def.id.clone(),
            stock: [(p.code.clone(), Default::default())].into(),
            ..Draft::default()
        };
        let findings = self.agent.validate(&probe)?;
        Ok(StockQuantity::ALL
            .into_iter()
            .filter(|q| {
                let target = Slot::Stock(p.code.clone(), *q).target();
                findings
                    .iter()
                    .any(|f| f.target(def) == target && f.code == "required")
            })
            .collect())
    }

    fn choose_facility(&mut self, rec: &mut Recording, wanted: Option<String>) -> Step<()> {
        let facilities: Vec<Facility> = self
            .agent
            .facilities()
            .iter()
            .filter(|f| f.forms.is_empty() || f.forms.contains(&rec.def.id))
            .cloned()
            .collect();
        if facilities.is_empty() {
            return Err(AgentError::Config {
                message: format!(
                    "no facility in the facility map reports the form '{}'",
                    rec.def.id
                ),
            }
            .into());
        }
        let mut candidate = wanted.map(|w| w.trim().to_string());
        loop {
            let code = match candidate.take() {
                Some(c) => c,
                None => {
                    writeln!(self.out, "{}", tid("rec-facilities"))?;
                    for (i, f) in facilities.iter().enumerate() {
                        writeln!(self.out, "  {:>2}. {:<8} {}", i + 1, f.code, f.name)?;
                    }
                    self.pick(
                        &format!("{} ", tid("rec-pick-facility")),
                        &facilities,
                        |f| &f.code,
                    )?
                    .code
                    .clone()
                }
            };
            let slot = Slot::Facility;
            let findings = self.check(rec, &slot, Some(Value::String(code.clone())))?;
            let mine = about(&findings, &rec.def, &slot.target());
            self.show(&mine)?;
            if !has_errors_in(&mine) {
                rec.set_text(&slot, Some(code.clone()));
                let name = self
                    .agent
                    .facilities()
                    .get(&code)
                    .map(|f| f.name.clone())
                    .unwrap_or_default();
                writeln!(
                    self.out,
                    "{}",
                    t(&Message::new("rec-facility")
                        .text("code", code.as_str())
                        .text("name", name))
                )?;
                return Ok(());
            }
        }
    }

    fn choose_period(&mut self, rec: &mut Recording, wanted: Option<String>) -> Step<()> {
        let suggestion =
            Period::containing(rec.def.period_type, self.agent.clock().today()).previous();
        let mut candidate = wanted.map(|w| w.trim().to_string());
        loop {
            let text = match candidate.take() {
                Some(c) => c,
                None => {
                    let a = self.ask(&format!(
                        "{} ",
                        t(&Message::new("rec-period-prompt")
                            .text(
                                "type",
                                t(&Message::new("tool-period-type").text(
                                    "type",
                                    rec.def.period_type.as_str().to_ascii_lowercase()
                                ))
                            )
                            .text("suggestion", suggestion.iso()))
                    ))?;
                    match a.trim() {
                        "" => suggestion.iso(),
                        q if q.eq_ignore_ascii_case("q") => return Err(Stop::Quit),
                        other => other.to_string(),
                    }
                }
            };
            let slot = Slot::Period;
            let findings = self.check(rec, &slot, Some(Value::String(text.clone())))?;
            let mine = about(&findings, &rec.def, &slot.target());
            self.show(&mine)?;
            if has_errors_in(&mine) || (!mine.is_empty() && !self.keep(&text)?) {
                continue;
            }
            let period = Period::parse_as(&text, rec.def.period_type).ok();
            rec.days = period.as_ref().map(Period::days);
            rec.set_text(&slot, Some(text.clone()));
            writeln!(
                self.out,
                "{}",
                t(&Message::new("rec-period")
                    .text("period", period.as_ref().map(Period::iso).unwrap_or(text)))
            )?;
            return Ok(());
        }
    }

    /// Looks for forms already saved: the same form for this facility and
    /// period (what is entered now becomes a correction, so its values are
    /// offered), and the previous period's closing balances (offered as
    /// opening balances).
    fn earlier_forms(&mut self, rec: &mut Recording) -> Step<()> {
        let Ok(period) = Period::parse_as(&rec.draft.period, rec.def.period_type) else {
            return Ok(());
        };
        let (this_id, prev_id) = (period.dhis2_id(), period.previous().dhis2_id());
        let saved = self.agent.list(None, LOOKUP_LIMIT)?;
        let wanted = |s: &&SubmissionStatus| {
            s.facility == rec.draft.facility && (s.period == this_id || s.period == prev_id)
        };
        for s in saved.iter().filter(wanted) {
            let Some(earlier) = self.latest_draft(&s.id)? else {
                continue;
            };
            if s.period == this_id && s.form == rec.def.id {
                writeln!(
                    self.out,
                    "{}",
                    t_lines(
                        &Message::new("rec-already-saved")
                            .text("facility", rec.draft.facility.as_str())
                            .text("period", period.iso())
                            .text("id", s.id.as_str())
                            .num("revision", i64::from(s.revision))
                    )
                )?;
                rec.draft.service = earlier.service;
                rec.draft.stock = earlier.stock;
                rec.draft.comment = earlier.comment;
                rec.draft.captured_by = earlier.captured_by;
            } else if s.period == prev_id {
                for (code, entry) in earlier.stock {
                    if let (Some(c), true) =
                        (entry.closing_balance, rec.def.product(&code).is_some())
                    {
                        rec.previous_closing
                            .entry(code)
                            .or_insert((c, period.previous().iso()));
                    }
                }
            }
        }
        Ok(())
    }

    /// The latest revision of a saved form.
    fn latest_draft(&self, id: &str) -> Step<Option<Draft>> {
        let detail = self.agent.inspect(id)?;
        Ok(detail
            .revisions
            .last()
            .and_then(|r| serde_json::from_str(&r.content).ok()))
    }

    fn enter_service(&mut self, rec: &mut Recording, i: usize) -> Step<()> {
        let Some(f) = rec.def.service.get(i).cloned() else {
            return Ok(());
        };
        let slot = Slot::Service(f.key.clone());
        let range = match f.max {
            Some(max) => format!("{}–{max}", f.min),
            None => t(&Message::new("rec-or-more").num("min", f.min)),
        };
        let prompt = NumberPrompt {
            label: f.label_in(&crate::show::locale()).to_string(),
            unit: f.unit.clone(),
            hints: vec![
                range,
                tid(if f.required {
                    "rec-required"
                } else {
                    "rec-optional"
                }),
            ],
            default: rec.number(&slot).map(|v| (v, None)),
            restart: false,
        };
        self.ask_number(rec, &slot, &prompt)?;
        Ok(())
    }

    fn enter_product(&mut self, rec: &mut Recording, i: usize) -> Step<()> {
        let Some(p) = rec.def.products.get(i).cloned() else {
            return Ok(());
        };
        let units = p.unit.as_deref().map(plural);
        let title = match units.as_deref() {
            Some(u) => Message::new("rec-stock-title-unit").text("unit", u),
            None => Message::new("rec-stock-title"),
        };
        writeln!(
            self.out,
            "\n-- {} --",
            t(&title
                .text("name", p.name_in(&crate::show::locale()))
                .text("code", p.code.as_str()))
        )?;
        'product: loop {
            for q in StockQuantity::ALL {
                let slot = Slot::Stock(p.code.clone(), q);
                let prompt = self.stock_prompt(rec, &p, q, &slot);
                if let Entered::Restart = self.ask_number(rec, &slot, &prompt)? {
                    writeln!(
                        self.out,
                        "  {}",
                        t(&Message::new("rec-again").text("code", p.code.as_str()))
                    )?;
                    continue 'product;
                }
            }
            break;
        }
        writeln!(self.out, "  {}", balance_line(rec, &p))?;
        let checked = self.agent.validate_with_resupply(&rec.draft)?;
        if let Some(a) = checked.resupply.iter().find(|a| a.product == p.code) {
            writeln!(
                self.out,
                "  {}",
                t(&Message::new("rec-to-order").text("line", crate::show::resupply_line(a)))
            )?;
        }
        let findings = checked.findings;
        self.notes(
            rec,
            &findings,
            |t| matches!(t, Term::Stock { product, .. } if *product == p.code),
        )
    }

    /// Explains the cross-checks among `findings` whose rules have a term
    /// that `involves`, while the register is open; they are decided
    /// before saving.
    fn notes(
        &mut self,
        rec: &Recording,
        findings: &[Finding],
        involves: impl Fn(&Term) -> bool,
    ) -> Step<()> {
        for f in findings {
            let FindingTarget::Rule(id) = f.target(&rec.def) else {
                continue;
            };
            let relevant = rec
                .def
                .rules
                .iter()
                .any(|r| r.id == id && r.left.iter().chain(&r.right).any(&involves));
            if relevant {
                writeln!(
                    self.out,
                    "  {}",
                    t(&Message::new("rec-note").text("message", f.message.as_str()))
                )?;
            }
        }
        Ok(())
    }

    fn stock_prompt(
        &self,
        rec: &Recording,
        p: &Product,
        q: StockQuantity,
        slot: &Slot,
    ) -> NumberPrompt {
        let mut hints = Vec::new();
        let mut unit = p.unit.as_deref().map(plural);
        match q {
            StockQuantity::Adjustments => hints.push(tid("rec-may-be-negative")),
            StockQuantity::StockoutDays => {
                unit = Some(tid("rec-days"));
                if let Some(days) = rec.days {
                    hints.push(format!("0–{days}"));
                }
            }
            _ => {}
        }
        hints.push(tid(if rec.stock_required.contains(&q) {
            "rec-required"
        } else {
            "rec-optional"
        }));
        let current = rec.number(slot).map(|v| (v, None));
        let default = match q {
            StockQuantity::ClosingBalance => rec
                .expected_closing(&p.code)
                .map(|v| (v, Some(format!(" = {}", sum_text(rec, &p.code))))),
            StockQuantity::OpeningBalance => current.or_else(|| {
                rec.previous_closing.get(&p.code).map(|(v, period)| {
                    (
                        *v,
                        Some(t(
                            &Message::new("rec-closing-of").text("period", period.as_str())
                        )),
                    )
                })
            }),
            _ => current,
        };
        NumberPrompt {
            label: tid(&format!("rec-stock-{}", q.key())),
            unit,
            hints,
            default,
            restart: q == StockQuantity::ClosingBalance,
        }
    }

    /// Asks for one number until the validator has no error on it; a
    /// warning on it is shown and the user says whether to keep the value.
    fn ask_number(
        &mut self,
        rec: &mut Recording,
        slot: &Slot,
        prompt: &NumberPrompt,
    ) -> Step<Entered> {
        let mut hints = prompt.hints.join(", ");
        if let Some((v, why)) = &prompt.default {
            hints.push_str(&t(&Message::new("rec-enter-for")
                .num("value", *v)
                .text("why", why.as_deref().unwrap_or(""))));
        }
        let unit = prompt
            .unit
            .as_deref()
            .map(|u| format!(" [{u}]"))
            .unwrap_or_default();
        let text = format!("  {}{unit} ({hints}): ", prompt.label);
        let target = slot.target();
        loop {
            let line = self.ask(&text)?;
            let raw = line.trim();
            if raw.eq_ignore_ascii_case("q") {
                return Err(Stop::Quit);
            }
            if prompt.restart && raw.eq_ignore_ascii_case("r") {
                return Ok(Entered::Restart);
            }
            let candidate = match raw {
                "" => prompt.default.as_ref().map(|(v, _)| Value::from(*v)),
                "-" => None,
                typed => Some(number_json(typed)),
            };
            let findings = self.check(rec, slot, candidate.clone())?;
            let mine = about(&findings, &rec.def, &target);
            self.show(&mine)?;
            if has_errors_in(&mine) {
                if prompt.restart && mine.iter().any(|f| f.code == "balance") {
                    writeln!(self.out, "  {}", tid("rec-retype-closing"))?;
                }
                continue;
            }
            let value = candidate.as_ref().and_then(whole);
            if !mine.is_empty() {
                let what = value.map_or(tid("rec-it-empty"), |v| v.to_string());
                if !self.keep(&what)? {
                    continue;
                }
            }
            rec.set_number(slot, value);
            // A stock number's cross-checks are explained once the product
            // is complete (the validator checks rules only over numbers
            // without errors, and an unfinished stock card has some).
            if let Slot::Service(_) = slot {
                self.notes(rec, &findings, |t| slot.is_term(t))?;
            }
            return Ok(Entered::Value);
        }
    }

    fn enter_text(&mut self, rec: &mut Recording, slot: Slot) -> Step<()> {
        let label = tid(match slot {
            Slot::Comment => "rec-comment",
            Slot::CapturedBy => "rec-captured-by",
            _ => "rec-value",
        });
        let current = rec.text(&slot);
        let hint = match &current {
            Some(c) => t(&Message::new("rec-enter-keeps").text("value", c.as_str())),
            None => tid("rec-optional"),
        };
        let target = slot.target();
        loop {
            let line = self.ask(&format!("{label} ({hint}): "))?;
            let value = match line.trim() {
                "" => current.clone(),
                "-" => None,
                typed => Some(typed.to_string()),
            };
            let findings = self.check(rec, &slot, value.clone().map(Value::String))?;
            let mine = about(&findings, &rec.def, &target);
            self.show(&mine)?;
            if !has_errors_in(&mine) {
                rec.set_text(&slot, value);
                return Ok(());
            }
        }
    }

    /// Sends the user back to `targets`, in form order.
    fn correct(&mut self, rec: &mut Recording, targets: &[Target]) -> Step<()> {
        for t in targets {
            match *t {
                Target::Facility => self.choose_facility(rec, None)?,
                Target::Period => self.choose_period(rec, None)?,
                Target::Service(i) => self.enter_service(rec, i)?,
                Target::Product(i) => self.enter_product(rec, i)?,
                Target::Comment => self.enter_text(rec, Slot::Comment)?,
                Target::CapturedBy => self.enter_text(rec, Slot::CapturedBy)?,
            }
        }
        Ok(())
    }

    fn targets(rec: &Recording, findings: &[&Finding]) -> Vec<Target> {
        let mut t: Vec<Target> = findings.iter().flat_map(|f| rec.targets(f)).collect();
        t.sort();
        t.dedup();
        t
    }

    /// Validates the whole form, lets the user correct errors and confirm
    /// warnings, and saves it.
    fn review(&mut self, rec: &mut Recording) -> Step<i32> {
        let mut pending: Option<Vec<Finding>> = None;
        loop {
            let findings = match pending.take() {
                Some(f) => f,
                None => self.agent.validate(&rec.draft)?,
            };
            let all: Vec<&Finding> = findings.iter().collect();
            if !all.is_empty() {
                writeln!(self.out, "\n{}", tid("rec-checked"))?;
                self.show(&all)?;
            }
            let mut confirm = false;
            if has_errors(&findings) {
                let errors: Vec<&Finding> = all
                    .iter()
                    .copied()
                    .filter(|f| f.severity == Severity::Error)
                    .collect();
                let targets = Self::targets(rec, &errors);
                if targets.is_empty() {
                    writeln!(self.out, "{}", tid("rec-cannot-correct"))?;
                    return Ok(exit::FINDINGS);
                }
                loop {
                    let a = self.ask(&format!("{} ", tid("rec-errors-prompt")))?;
                    match a.trim().to_ascii_lowercase().as_str() {
                        "" | "y" | "yes" => break,
                        "q" | "n" | "no" => return Err(Stop::Quit),
                        _ => {}
                    }
                }
                self.correct(rec, &targets)?;
                continue;
            }
            if has_warnings(&findings) {
                writeln!(self.out, "{}", tid("rec-warnings-help"))?;
                loop {
                    let a = self.ask(&format!("{} ", tid("rec-confirm-prompt")))?;
                    match a.trim().to_ascii_lowercase().as_str() {
                        "y" | "yes" => {
                            confirm = true;
                            break;
                        }
                        "" | "n" | "no" => {
                            writeln!(self.out, "{}", tid("rec-not-confirmed"))?;
                            return Ok(exit::FINDINGS);
                        }
                        "q" => return Err(Stop::Quit),
                        "e" => break,
                        _ => writeln!(self.out, "  {}", tid("rec-type-yne"))?,
                    }
                }
                if !confirm {
                    let targets = Self::targets(rec, &all);
                    if targets.is_empty() {
                        writeln!(self.out, "  {}", tid("rec-warnings-not-field"))?;
                    }
                    self.correct(rec, &targets)?;
                    continue;
                }
            }
            match self.agent.submit(&rec.draft, confirm) {
                Ok(r) => {
                    writeln!(
                        self.out,
                        "\n{}",
                        t(&Message::new("rec-saved")
                            .text("id", r.id.as_str())
                            .num("revision", i64::from(r.revision)))
                    )?;
                    if r.duplicate {
                        writeln!(self.out, "{}", tid("rec-duplicate"))?;
                    } else if r.revision > 1 {
                        writeln!(self.out, "{}", tid("rec-correction"))?;
                    }
                    writeln!(self.out, "{}", tid("rec-next-sync"))?;
                    self.out.flush()?;
                    return Ok(exit::OK);
                }
                Err(
                    AgentError::InvalidDraft { findings }
                    | AgentError::NeedsConfirmation { findings },
                ) => {
                    // Something the checks depend on changed meanwhile (another
                    // form was saved): show what the agent says now.
                    pending = Some(findings);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// `Form: title (id)`, the title in the output's language.
fn form_line(def: &FormDefinition) -> String {
    t(&Message::new("rec-form")
        .text("title", def.title_in(&crate::show::locale()))
        .text("id", def.id.as_str()))
}

/// The service fields grouped by section, sections in order of first
/// appearance.
fn sections(fields: &[ServiceField]) -> Vec<(Option<String>, Vec<usize>)> {
    let mut out: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        match out.iter_mut().find(|(s, _)| *s == f.section) {
            Some((_, list)) => list.push(i),
            None => out.push((f.section.clone(), vec![i])),
        }
    }
    out
}

/// The plural of a unit name ("blister" becomes "blisters") in English;
/// in another language the unit as the form writes it.
fn plural(unit: &str) -> String {
    if crate::show::locale() != agent_core::i18n::DEFAULT_LOCALE || unit.ends_with('s') {
        unit.to_string()
    } else {
        format!("{unit}s")
    }
}

/// The running balance of a product, e.g.
/// `ACT-6x1: 40 + 20 − 18 − 0 + 0 = 42 blisters`.
fn balance_line(rec: &Recording, p: &Product) -> String {
    let closing = rec.draft.stock.get(&p.code).and_then(|e| e.closing_balance);
    let unit = p
        .unit
        .as_deref()
        .map(|u| format!(" {}", plural(u)))
        .unwrap_or_default();
    let expected = rec.expected_closing(&p.code);
    let counted = match (expected, closing) {
        (Some(x), Some(c)) if x != c => {
            format!(
                " {}",
                t(&Message::new("rec-closing-entered").num("value", c))
            )
        }
        _ => String::new(),
    };
    format!(
        "{}: {} = {}{unit}{counted}",
        p.code,
        sum_text(rec, &p.code),
        expected.map_or("?".to_string(), |x| x.to_string()),
    )
}

/// The balance sum of a product's numbers, e.g. `40 + 20 − 18 − 0 + 0`
/// (an empty number counts as 0).
fn sum_text(rec: &Recording, code: &str) -> String {
    let e = rec.draft.stock.get(code).cloned().unwrap_or_default();
    let n = |v: Option<i64>| v.unwrap_or(0);
    let adj = n(e.adjustments);
    let adj = if adj < 0 {
        format!("− {}", adj.unsigned_abs())
    } else {
        format!("+ {adj}")
    };
    format!(
        "{} + {} − {} − {} {adj}",
        n(e.opening_balance),
        n(e.received),
        n(e.consumed),
        n(e.losses)
    )
}

/// The findings about `target`.
fn about<'f>(
    findings: &'f [Finding],
    def: &FormDefinition,
    target: &FindingTarget,
) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.target(def) == *target)
        .collect()
}

fn has_errors_in(findings: &[&Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// What was typed at a number prompt, as a draft file would hold it, so
/// that the draft reader explains anything that is not a whole number.
fn number_json(typed: &str) -> Value {
    if let Ok(n) = typed.parse::<i64>() {
        return Value::from(n);
    }
    match serde_json::from_str::<serde_json::Number>(typed) {
        Ok(n) => Value::Number(n),
        Err(_) => Value::String(typed.to_string()),
    }
}

/// The whole number in a value the draft reader accepted.
fn whole(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
            .map(|f| f as i64)
    })
}

/// Sets (or, with `None`, removes) the value at `keys` in a JSON document,
/// creating the objects on the way.
fn set_in(doc: &mut Value, keys: &[String], value: Option<Value>) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut cur = doc;
    for k in parents {
        let Some(obj) = cur.as_object_mut() else {
            return;
        };
        cur = obj
            .entry(k.clone())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
    }
    let Some(obj) = cur.as_object_mut() else {
        return;
    };
    match value {
        Some(v) => {
            obj.insert(last.clone(), v);
        }
        None => {
            obj.remove(last);
        }
    }
}
