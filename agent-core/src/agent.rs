//! The agent: the one public API that the Android bindings and the simulator
//! both drive. It joins the form definitions, the facility map, validation and
//! the outbox, and turns internal errors into [`AgentError`]s.

use crate::canonical::{canonical_bytes, sha256_hex};
use crate::clock::{Clock, SystemClock};
use crate::config::AgentConfig;
use crate::draft::Draft;
use crate::error::{AgentError, Error, Result};
use crate::form::{FormDefinition, FormSet};
use crate::mapping::FacilityMap;
use crate::outbox::{self, Destination, NewRevision, OpenNotice};
use crate::period::Period;
use crate::validate::{self, Context, Finding, Severity};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

pub use crate::outbox::{
    AuditEntry, DeliveryState, OutboxHealth, StoredRevision, SubmissionStatus,
};

/// What `submit` returns once the form is durably saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// The submission id (stable across corrections).
    pub id: String,
    /// The revision saved (1 for a new form, more for corrections).
    pub revision: u32,
    /// True when the same content was already saved (a double tap): nothing new was written.
    pub duplicate: bool,
    /// sha256 of the saved revision's canonical content.
    pub content_hash: String,
    /// The warnings the user confirmed.
    pub warnings: Vec<Finding>,
}

/// Everything about one submission, for `inspect`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionDetail {
    /// Where it stands.
    pub status: SubmissionStatus,
    /// Every revision as entered.
    pub revisions: Vec<StoredRevision>,
    /// Every state change.
    pub audit: Vec<AuditEntry>,
}

/// The agent. Safe to share between threads.
pub struct Agent {
    forms: FormSet,
    facilities: FacilityMap,
    clock: Arc<dyn Clock>,
    db_path: PathBuf,
    conn: Mutex<Connection>,
    notice: Option<OpenNotice>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("db_path", &self.db_path)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Opens the agent described by a configuration: loads and checks the
    /// forms and the facility map, then opens the outbox.
    pub fn open(config: &AgentConfig) -> Result<Agent> {
        Agent::open_with_clock(config, Arc::new(SystemClock))
    }

    /// Like [`Agent::open`] with an injected clock.
    pub fn open_with_clock(config: &AgentConfig, clock: Arc<dyn Clock>) -> Result<Agent> {
        let forms =
            FormSet::load_dir(&config.forms).map_err(|p| AgentError::from_definitions(&p))?;
        let facilities = FacilityMap::load(&config.facilities).map_err(|p| AgentError::Config {
            message: p
                .iter()
                .map(|x| format!("facility map: {x}"))
                .collect::<Vec<_>>()
                .join("\n"),
        })?;
        Agent::open_parts(&config.database, forms, facilities, clock)
    }

    /// Opens the agent from already-loaded definitions.
    pub fn open_parts(
        db: &Path,
        forms: FormSet,
        facilities: FacilityMap,
        clock: Arc<dyn Clock>,
    ) -> Result<Agent> {
        check_forms_against_map(&forms, &facilities)?;
        let (conn, notice) = outbox::open(db, clock.now())?;
        Ok(Agent {
            forms,
            facilities,
            clock,
            db_path: db.to_path_buf(),
            conn: Mutex::new(conn),
            notice,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent
        // (transactions roll back on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The database file.
    pub fn database_path(&self) -> &Path {
        &self.db_path
    }

    /// Set when the database was damaged at open and moved aside.
    pub fn open_notice(&self) -> Option<&OpenNotice> {
        self.notice.as_ref()
    }

    /// Every form definition, ordered by id.
    pub fn forms(&self) -> Vec<FormDefinition> {
        self.forms.iter().cloned().collect()
    }

    /// One form definition.
    pub fn form(&self, id: &str) -> Option<&FormDefinition> {
        self.forms.get(id)
    }

    /// The facility map.
    pub fn facilities(&self) -> &FacilityMap {
        &self.facilities
    }

    /// The clock the agent uses.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    fn context(&self, conn: &Connection, draft: &Draft) -> std::result::Result<Context, Error> {
        let mut ctx = Context {
            today: Some(self.clock.today()),
            previous_closing: BTreeMap::new(),
        };
        let Some(def) = self.forms.get(&draft.form) else {
            return Ok(ctx);
        };
        let Ok(period) = Period::parse_as(&draft.period, def.period_type) else {
            return Ok(ctx);
        };
        let prev = period.previous();
        let wanted: BTreeSet<&str> = def.products.iter().map(|p| p.code.as_str()).collect();
        for (prev_id, content) in outbox::contents_for(conn, &draft.facility, &prev.dhis2_id())? {
            let earlier: Draft = serde_json::from_str(&content)?;
            for (code, entry) in earlier.stock {
                if let (true, Some(c)) = (wanted.contains(code.as_str()), entry.closing_balance) {
                    ctx.previous_closing.insert(
                        code,
                        (
                            c,
                            Period::parse(&prev_id)
                                .map(|p| p.iso())
                                .unwrap_or(prev_id.clone()),
                        ),
                    );
                }
            }
        }
        Ok(ctx)
    }

    /// Validates a typed draft; every finding at once.
    pub fn validate(&self, draft: &Draft) -> Result<Vec<Finding>> {
        let conn = self.conn();
        let ctx = self.context(&conn, draft)?;
        Ok(validate::validate(
            &self.forms,
            &self.facilities,
            draft,
            &ctx,
        ))
    }

    /// Reads and validates a draft document (JSON bytes).
    pub fn validate_json(&self, bytes: &[u8]) -> Result<Vec<Finding>> {
        let (draft, read_findings) =
            Draft::from_json_bytes(bytes).map_err(|e| AgentError::UnreadableDraft {
                message: e.to_string(),
            })?;
        Ok(merge(read_findings, self.validate(&draft)?))
    }

    /// Validates and, when there is no error (and warnings are confirmed),
    /// saves the draft durably. Returns only after the commit is on disk.
    pub fn submit(&self, draft: &Draft, confirm_warnings: bool) -> Result<Receipt> {
        self.submit_checked(draft, Vec::new(), confirm_warnings)
    }

    /// Reads a draft document (JSON bytes) and submits it.
    pub fn submit_json(&self, bytes: &[u8], confirm_warnings: bool) -> Result<Receipt> {
        let (draft, read_findings) =
            Draft::from_json_bytes(bytes).map_err(|e| AgentError::UnreadableDraft {
                message: e.to_string(),
            })?;
        self.submit_checked(&draft, read_findings, confirm_warnings)
    }

    fn submit_checked(
        &self,
        draft: &Draft,
        read_findings: Vec<Finding>,
        confirm_warnings: bool,
    ) -> Result<Receipt> {
        let mut conn = self.conn();
        let ctx = self.context(&conn, draft)?;
        let findings = merge(
            read_findings,
            validate::validate(&self.forms, &self.facilities, draft, &ctx),
        );
        if validate::has_errors(&findings) {
            return Err(AgentError::InvalidDraft { findings });
        }
        if validate::has_warnings(&findings) && !confirm_warnings {
            return Err(AgentError::NeedsConfirmation { findings });
        }
        // Validation passed, so the form and period are known and valid.
        let def = self
            .forms
            .get(&draft.form)
            .ok_or_else(|| AgentError::internal("validated form vanished"))?;
        let period =
            Period::parse_as(&draft.period, def.period_type).map_err(AgentError::internal)?;
        let normalised = normalise(draft, &period);
        let content =
            String::from_utf8(canonical_bytes(&normalised)).map_err(AgentError::internal)?;
        let hash = sha256_hex(content.as_bytes());
        let warnings_json = serde_json::to_string(&findings).map_err(AgentError::internal)?;
        let destinations = destinations_of(def);
        let now = self.clock.now();
        let new_id = uuid::Uuid::now_v7().to_string();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let rec = outbox::record(
            &tx,
            &NewRevision {
                form_id: &def.id,
                form_version: def.version,
                facility: &normalised.facility,
                period: &normalised.period,
                period_start: period.start(),
                period_end: period.end(),
                content: &content,
                content_hash: &hash,
                warnings_json: &warnings_json,
                destinations: &destinations,
                new_id: &new_id,
                now,
            },
        )?;
        tx.commit()?;
        if !rec.duplicate {
            tracing::info!(id = %rec.id, revision = rec.revision, form = %def.id, "form saved");
        }
        Ok(Receipt {
            id: rec.id,
            revision: rec.revision,
            duplicate: rec.duplicate,
            content_hash: hash,
            warnings: findings,
        })
    }

    /// One submission and where each part stands.
    pub fn status(&self, id: &str) -> Result<SubmissionStatus> {
        outbox::submission_status(&self.conn(), id)?
            .ok_or_else(|| AgentError::UnknownSubmission { id: id.into() })
    }

    /// Submissions, newest first, optionally only those with a part in `state`.
    pub fn list(&self, state: Option<DeliveryState>, limit: u32) -> Result<Vec<SubmissionStatus>> {
        Ok(outbox::list(&self.conn(), state, limit)?)
    }

    /// Counts per destination and state, and the age of the oldest undelivered form.
    pub fn health(&self) -> Result<OutboxHealth> {
        Ok(outbox::health(&self.conn(), self.clock.now())?)
    }

    /// The submission, its revisions and its audit trail.
    pub fn inspect(&self, id: &str) -> Result<SubmissionDetail> {
        let conn = self.conn();
        let status = outbox::submission_status(&conn, id)?
            .ok_or_else(|| AgentError::UnknownSubmission { id: id.into() })?;
        Ok(SubmissionDetail {
            status,
            revisions: outbox::revisions(&conn, id)?,
            audit: outbox::audit_trail(&conn, id)?,
        })
    }
}

/// The destinations a form has parts for.
pub fn destinations_of(def: &FormDefinition) -> Vec<Destination> {
    let mut out = Vec::new();
    if !def.service.is_empty()
        || def
            .products
            .iter()
            .any(|p| p.dhis2_soh_data_element.is_some())
    {
        out.push(Destination::Dhis2);
    }
    if def.lmis.is_some() {
        out.push(Destination::Lmis);
    }
    out
}

/// The draft as stored: period as its DHIS2 id, text trimmed, empty text dropped.
fn normalise(draft: &Draft, period: &Period) -> Draft {
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Draft {
        form: draft.form.trim().to_string(),
        facility: draft.facility.trim().to_string(),
        period: period.dhis2_id(),
        service: draft.service.clone(),
        stock: draft.stock.clone(),
        comment: clean(&draft.comment),
        captured_by: clean(&draft.captured_by),
    }
}

/// Joins the findings from reading a document with those of validation,
/// dropping validation findings on a path that could not be read (a field of
/// the wrong type is reported once, as such, not also as missing).
fn merge(read: Vec<Finding>, validated: Vec<Finding>) -> Vec<Finding> {
    let bad: BTreeSet<String> = read.iter().map(|f| f.path.clone()).collect();
    let mut out = read;
    out.extend(validated.into_iter().filter(|f| {
        !bad.iter()
            .any(|b| f.path == *b || f.path.starts_with(&format!("{b}.")))
    }));
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    debug_assert!(
        out.first()
            .is_none_or(|f| f.severity == Severity::Error || !validate::has_errors(&out))
    );
    out
}

/// Checks that every facility's form list names known forms.
fn check_forms_against_map(forms: &FormSet, facilities: &FacilityMap) -> Result<()> {
    let mut problems = Vec::new();
    for f in facilities.iter() {
        for form in &f.forms {
            if forms.get(form).is_none() {
                problems.push(format!(
                    "facility map: facility '{}' lists the form '{form}', which is not defined",
                    f.code
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AgentError::Config {
            message: problems.join("\n"),
        })
    }
}
