//! The agent: the one public API that the Android bindings and the simulator
//! both drive. It joins the form definitions, the facility map, validation and
//! the outbox, and turns internal errors into [`AgentError`]s.

use crate::clock::{Clock, SystemClock};
use crate::config::AgentConfig;
use crate::credentials::CredentialProvider;
use crate::error::{AgentError, Error, Result};
use crate::model::canonical::{canonical_bytes, sha256_hex};
use crate::model::draft::Draft;
use crate::model::form::{FormDefinition, FormSet};
use crate::model::mapping::FacilityMap;
use crate::model::period::Period;
use crate::model::resupply::{self, ResupplyAdvice};
use crate::net::http::{Timeouts, Transport, UreqTransport};
use crate::routes::dhis2::route::{Dhis2Route, Dhis2Settings};
use crate::store::outbox::{self, Destination, NewRevision, OpenNotice};
use crate::sync::{self, PassInputs, SyncBudget, SyncReport};
use crate::validate::{self, Context, Finding, Severity};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

pub use crate::store::outbox::{
    AuditEntry, DamagedCopy, DeliveryState, OutboxHealth, StoredRevision, SubmissionStatus,
};

/// What `submit` returns once the form is durably saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
    /// What to order of each product (information, not a finding): the
    /// average monthly consumption, months of stock and suggested quantity.
    #[serde(default)]
    pub resupply: Vec<ResupplyAdvice>,
}

/// A draft's findings and its resupply advice, from one look at the outbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Validation {
    /// Every finding (errors block saving, warnings need confirmation).
    pub findings: Vec<Finding>,
    /// What to order of each product (information, not a finding).
    pub resupply: Vec<ResupplyAdvice>,
}

/// What a metadata pull did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetadataPull {
    /// The changes to the form.
    pub report: crate::routes::dhis2::metadata::MergeReport,
    /// The definition file written (or left as it was).
    pub file: PathBuf,
    /// The org units DHIS2 assigns to the data set.
    pub org_units: Vec<String>,
    /// Pending forms with fields the new definition no longer has.
    pub pending_mismatches: Vec<String>,
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
    /// Every request sent for it and every answer, for the last
    /// `[storage] keep_exchanges_days` days (90 by default).
    pub exchanges: Vec<crate::store::outbox::ExchangeEntry>,
}

/// Forms not yet delivered that the current form definitions or facility
/// map cannot send (an administrator removed or renamed what they need).
/// They are kept; [`Agent::stranded`] says how many and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stranded {
    /// How many forms (submissions), each counted once.
    pub forms: u64,
    /// What each is missing, with its number of forms, in plain words
    /// (in the agent's language).
    pub reasons: Vec<String>,
    /// The whole warning, with what to do (in the agent's language).
    pub message: String,
    /// [`Stranded::reasons`] as messages (`stranded-reason`), for an app
    /// that renders with its own resources.
    pub reason_messages: Vec<crate::model::i18n::Message>,
    /// [`Stranded::message`] as a message (`stranded-warning`; its
    /// `reasons` argument is the reasons already rendered in the agent's
    /// language, joined with "; ").
    pub warning: crate::model::i18n::Message,
}

pub use crate::model::delivery::EXPORT_UNSENT_COMMAND;

/// What change of definitions a queued delivery no longer finds, if any.
fn missing_for(
    forms: &FormSet,
    facilities: &FacilityMap,
    form: &str,
    facility: &str,
    dest: Destination,
) -> Option<crate::model::i18n::Message> {
    use crate::model::i18n::Message;
    let Some(def) = forms.get(form) else {
        return Some(Message::new("stranded-form-gone").text("form", form));
    };
    if facilities.get(facility).is_none() {
        return Some(Message::new("stranded-facility-gone").text("facility", facility));
    }
    if !destinations_of(def).contains(&dest) {
        let part = match dest {
            Destination::Dhis2 => "DHIS2",
            Destination::Lmis => "LMIS",
        };
        return Some(
            Message::new("stranded-part-gone")
                .text("form", form)
                .text("part", part),
        );
    }
    None
}

/// What changed in the outbox, told to an [`OutboxListener`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OutboxChange {
    /// A form was saved (or a double tap found it already saved).
    Saved {
        /// The submission id.
        id: String,
        /// The revision saved.
        revision: u32,
        /// Nothing new was written (same content as the latest revision).
        duplicate: bool,
    },
    /// A sync pass ended; states may have changed.
    Synced {
        /// Forms delivered in the pass, over all destinations.
        delivered: u32,
        /// Forms refused in the pass, over all destinations.
        rejected: u32,
    },
    /// Refused parts of a form were put back in the queue.
    Requeued {
        /// The submission id.
        id: String,
    },
}

/// Told after every change of the outbox made through this agent (a
/// submit, a sync pass, a resend), on the thread that made it, after the
/// change is committed. Must return quickly.
pub trait OutboxListener: Send + Sync {
    /// One change.
    fn on_change(&self, change: OutboxChange);
}

/// When the agent last synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastSync {
    /// When the last sync pass ended, whatever it achieved.
    pub pass_finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When a destination last accepted a form.
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The agent. Safe to share between threads.
pub struct Agent {
    forms: RwLock<Arc<FormSet>>,
    forms_dir: Option<PathBuf>,
    facilities: FacilityMap,
    clock: Arc<dyn Clock>,
    db_path: PathBuf,
    conn: Mutex<Connection>,
    notice: Option<OpenNotice>,
    read_only: bool,
    dhis2: Option<Dhis2Settings>,
    lmis: Option<crate::routes::openlmis::lmis::LmisSettings>,
    lmis_token: crate::routes::openlmis::lmis::TokenCache,
    transport: Arc<dyn Transport>,
    /// Destinations reached over allowed plain http://, with the warning
    /// every sync report carries for them.
    clear_text: Vec<(Destination, String)>,
    /// `[entry] max_period_age_months`, resolved (`None`: no warning).
    max_period_age_months: Option<u32>,
    /// `[lmis] reference_max_age_days`, resolved.
    lmis_reference_max_age_days: u32,
    /// `[storage] keep_delivered_days`, resolved (`None`: keep for good).
    keep_delivered_days: Option<u32>,
    /// `[storage] keep_exchanges_days`, resolved.
    keep_exchanges_days: u32,
    /// The language findings are rendered in (`[agent] locale`,
    /// [`Agent::set_locale`]); English by default.
    locale: RwLock<String>,
    syncing: AtomicBool,
    cancel: AtomicBool,
    listener: RwLock<Option<Arc<dyn OutboxListener>>>,
    /// The configuration opened with (names where secrets are, never
    /// secrets), for the diagnostics bundle.
    config: Option<AgentConfig>,
    /// The outbox's encryption key (SQLCipher), for the connections a sync
    /// opens; `None` for a plain outbox.
    key: Option<crate::model::key::OutboxKey>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("db_path", &self.db_path)
            .finish_non_exhaustive()
    }
}

/// The HTTP client of a configuration: each destination with its own
/// timeouts and extra certificate authorities (`ca_file`).
fn transport_for(config: &AgentConfig) -> Result<UreqTransport> {
    use crate::net::http::{Endpoint, ExtraRoots};
    let roots = |what: &str, ca: &Option<PathBuf>| -> Result<Option<ExtraRoots>> {
        ca.as_deref()
            .map(ExtraRoots::from_pem_file)
            .transpose()
            .map_err(|m| AgentError::Config {
                message: format!("{what}.ca_file: {m}"),
            })
    };
    let mut endpoints = Vec::new();
    if let Some(d) = &config.dhis2 {
        endpoints.push(Endpoint {
            base_url: d.url.clone(),
            timeouts: d.timeouts(),
            extra_roots: roots("dhis2", &d.ca_file)?,
        });
    }
    if let Some(l) = &config.lmis {
        endpoints.push(Endpoint {
            base_url: l.url.clone(),
            timeouts: l.timeouts(),
            extra_roots: roots("lmis", &l.ca_file)?,
        });
    }
    Ok(UreqTransport::with_endpoints(
        Timeouts::default(),
        &endpoints,
    ))
}

/// Inside a set-up task (`|pass, report| -> Result<Result<T>, Error>`),
/// one read of the LMIS (`Result<Result<V, Fail>, Error>`): its value; a
/// fatal error of the pass goes up, a failed read ends the task with the
/// user's error made by `$error` (a `Fail -> AgentError`).
macro_rules! lmis_read {
    ($error:expr, $read:expr) => {
        match $read? {
            Ok(v) => v,
            Err(f) => return Ok(Err($error(f))),
        }
    };
}

impl Agent {
    /// The inputs of a one-off task (reading servers' lists): no observer,
    /// no delivery route, holds respected.
    fn task_inputs<'a>(
        &'a self,
        forms: &'a FormSet,
        credentials: &'a dyn CredentialProvider,
    ) -> PassInputs<'a> {
        PassInputs {
            db_path: &self.db_path,
            key: self.key.as_ref(),
            clock: self.clock.as_ref(),
            transport: self.transport.as_ref(),
            forms,
            facilities: &self.facilities,
            cancel: &self.cancel,
            observer: None,
            credentials,
            dhis2: None,
            lmis: None,
            retry_held: false,
            keep_exchanges_days: self.keep_exchanges_days,
        }
    }

    /// Opens the agent described by a configuration: loads and checks the
    /// forms and the facility map, then opens the outbox.
    pub fn open(config: &AgentConfig) -> Result<Agent> {
        Agent::open_with_clock(config, Arc::new(SystemClock))
    }

    /// Like [`Agent::open`] with an injected clock.
    pub fn open_with_clock(config: &AgentConfig, clock: Arc<dyn Clock>) -> Result<Agent> {
        Agent::open_with_key(config, clock, None)
    }

    /// Like [`Agent::open_with_clock`], with the outbox's encryption key
    /// given by the shell (Android: the app's Keystore-wrapped key). A key
    /// given here is used instead of `[storage] key_file`; with neither,
    /// the outbox is plain SQLite (docs/adr/0005-outbox-encryption-at-rest.md).
    pub fn open_with_key(
        config: &AgentConfig,
        clock: Arc<dyn Clock>,
        key: Option<crate::model::key::OutboxKey>,
    ) -> Result<Agent> {
        // A configuration built in code (the Android shell) gets the same
        // checks as agent.toml.
        config.check()?;
        let transport = transport_for(config)?;
        let forms =
            FormSet::load_dir(&config.forms).map_err(|p| AgentError::from_definitions(&p))?;
        let facilities = FacilityMap::load(&config.facilities).map_err(|p| AgentError::Config {
            message: p
                .iter()
                .map(|x| format!("facility map: {x}"))
                .collect::<Vec<_>>()
                .join("\n"),
        })?;
        let key = match key {
            Some(k) => Some(k),
            None => config.storage.read_key()?,
        };
        let mut agent = Agent::open_parts_keyed(&config.database, forms, facilities, clock, key)?;
        agent.forms_dir = Some(config.forms.clone());
        agent.config = Some(config.clone());
        agent.max_period_age_months = config.entry.max_period_age_months();
        agent.keep_delivered_days = config.storage.keep_delivered_days();
        agent.keep_exchanges_days = config.storage.keep_exchanges_days();
        if let Some(l) = &config.locale {
            agent.set_locale(l);
        }
        if let Some(d) = &config.dhis2 {
            agent.dhis2 = Some(Dhis2Settings {
                url: d.url.trim_end_matches('/').to_string(),
                batch_max_values: d.batch_max_values.unwrap_or(1000).max(1),
                batch_max_bytes: d.batch_max_bytes.unwrap_or(512 * 1024).max(1024),
                gzip: d.gzip,
            });
        }
        agent.transport = Arc::new(transport);
        agent.clear_text = config
            .dhis2
            .iter()
            .filter_map(|d| Some((Destination::Dhis2, d.clear_text_warning()?)))
            .chain(
                config
                    .lmis
                    .iter()
                    .filter_map(|l| Some((Destination::Lmis, l.clear_text_warning()?))),
            )
            .collect();
        if let Some(l) = &config.lmis {
            agent.lmis_reference_max_age_days = l.reference_max_age_days();
            agent.lmis = Some(crate::routes::openlmis::lmis::LmisSettings {
                url: l.url.trim_end_matches('/').to_string(),
            });
        }
        Ok(agent)
    }

    /// Opens the agent from already-loaded definitions.
    pub fn open_parts(
        db: &Path,
        forms: FormSet,
        facilities: FacilityMap,
        clock: Arc<dyn Clock>,
    ) -> Result<Agent> {
        Agent::open_parts_keyed(db, forms, facilities, clock, None)
    }

    /// [`Agent::open_parts`] with the outbox's encryption key: a plain
    /// outbox is encrypted in place, an encrypted one the key does not open
    /// is refused (`AgentError::OutboxKey`), never moved aside.
    pub fn open_parts_keyed(
        db: &Path,
        forms: FormSet,
        facilities: FacilityMap,
        clock: Arc<dyn Clock>,
        key: Option<crate::model::key::OutboxKey>,
    ) -> Result<Agent> {
        check_forms_against_map(&forms, &facilities)?;
        let (conn, notice) = outbox::open_keyed(db, clock.now(), key.as_ref())?;
        let read_only = conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false);
        Ok(Agent {
            forms: RwLock::new(Arc::new(forms)),
            forms_dir: None,
            facilities,
            clock,
            db_path: db.to_path_buf(),
            conn: Mutex::new(conn),
            notice,
            read_only,
            dhis2: None,
            lmis: None,
            lmis_token: Arc::new(Mutex::new(None)),
            transport: Arc::new(UreqTransport::new(Timeouts::default())),
            clear_text: Vec::new(),
            max_period_age_months: Some(crate::config::DEFAULT_MAX_PERIOD_AGE_MONTHS),
            lmis_reference_max_age_days: crate::config::DEFAULT_LMIS_REFERENCE_MAX_AGE_DAYS,
            keep_delivered_days: Some(crate::config::DEFAULT_KEEP_DELIVERED_DAYS),
            keep_exchanges_days: crate::config::DEFAULT_KEEP_EXCHANGES_DAYS,
            locale: RwLock::new(crate::model::i18n::DEFAULT_LOCALE.to_string()),
            syncing: AtomicBool::new(false),
            cancel: AtomicBool::new(false),
            listener: RwLock::new(None),
            config: None,
            key,
        })
    }

    /// Keeps delivered forms whole for `days` days after their delivery
    /// (`[storage] keep_delivered_days`; `None`: for good). For agents
    /// opened from parts; [`Agent::open`] takes it from the configuration.
    pub fn with_keep_delivered_days(mut self, days: Option<u32>) -> Agent {
        self.keep_delivered_days = days;
        self
    }

    /// Keeps the exchange log's requests and answers for `days` days
    /// (`[storage] keep_exchanges_days`, bounds in `config`). For agents
    /// opened from parts; [`Agent::open`] takes it from the configuration.
    pub fn with_keep_exchanges_days(mut self, days: u32) -> Agent {
        self.keep_exchanges_days = days;
        self
    }

    /// Retention, now: drops the contents of the forms delivered more than
    /// `[storage] keep_delivered_days` ago (ids, hashes and delivery states
    /// stay; undelivered forms are never touched) and the exchange log's
    /// requests older than `[storage] keep_exchanges_days` (90 by default). Returns how many revisions were
    /// compacted. Each sync does this once a day by itself; the space freed
    /// is reused by the next forms.
    pub fn compact(&self) -> Result<u64> {
        self.writable()?;
        let now = self.clock.now();
        let mut conn = self.conn();
        let n = match self.keep_delivered_days {
            Some(days) => crate::store::retention::compact_delivered(&mut conn, now, days)?,
            None => 0,
        };
        crate::store::exchanges::prune_exchanges(&mut conn, now, self.keep_exchanges_days)?;
        crate::store::retention::mark_ran(&conn, now)?;
        Ok(n)
    }

    /// [`Agent::compact`] after a sync, at most once a day; a failure is
    /// logged, never the sync's failure (the next day tries again).
    fn compact_if_due(&self) {
        if self.read_only {
            return;
        }
        let due = {
            let conn = self.conn();
            crate::store::retention::ran_today(&conn, self.clock.now())
        };
        match due {
            Ok(true) => {}
            Ok(false) => match self.compact() {
                Ok(n) if n > 0 => tracing::info!(revisions = n, "delivered forms compacted"),
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "retention did not run; it will try again at the next sync")
                }
            },
            Err(e) => {
                tracing::warn!(error = %e, "retention did not run; it will try again at the next sync")
            }
        }
    }

    /// Forms not yet delivered (pending, waiting, in flight, or refused and
    /// kept for a resend) that the current form definitions or facility map
    /// cannot send: a form definition removed, a facility removed or its
    /// code changed, a form's DHIS2 or LMIS part removed. They are kept
    /// (nothing is ever deleted); the shells show [`Stranded::message`] on
    /// every start until it is resolved. `None` when every form can go.
    pub fn stranded(&self) -> Result<Option<Stranded>> {
        use crate::model::i18n::{DEFAULT_LOCALE, Message, render};
        let groups = crate::store::stranded::undelivered_groups(&self.conn())?;
        let forms = self.form_set();
        // By the reason's English text: one entry per reason, in a stable order.
        type Group = (Message, Vec<(String, String)>);
        let mut by_reason: std::collections::BTreeMap<String, Group> =
            std::collections::BTreeMap::new();
        for (form, facility, dest, _) in groups {
            if let Some(why) = missing_for(&forms, &self.facilities, &form, &facility, dest) {
                let (_, pairs) = by_reason
                    .entry(render(&why, DEFAULT_LOCALE))
                    .or_insert_with(|| (why, Vec::new()));
                if !pairs.contains(&(form.clone(), facility.clone())) {
                    pairs.push((form, facility));
                }
            }
        }
        if by_reason.is_empty() {
            return Ok(None);
        }
        let conn = self.conn();
        let all: Vec<(String, String)> = by_reason
            .values()
            .flat_map(|(_, pairs)| pairs)
            .cloned()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let total = crate::store::stranded::count_submissions(&conn, &all)?;
        let locale = self.locale();
        let mut reasons = Vec::new();
        let mut reason_messages = Vec::new();
        for (why, pairs) in by_reason.values() {
            let n = crate::store::stranded::count_submissions(&conn, pairs)?;
            let m = Message::new("stranded-reason")
                .text("reason", render(why, &locale))
                .num("count", i64::try_from(n).unwrap_or(i64::MAX));
            reasons.push(render(&m, &locale));
            reason_messages.push(m);
        }
        let warning = Message::new("stranded-warning")
            .num("count", i64::try_from(total).unwrap_or(i64::MAX))
            .text("reasons", reasons.join("; "))
            .text("command", EXPORT_UNSENT_COMMAND);
        Ok(Some(Stranded {
            forms: total,
            message: render(&warning, &locale),
            reasons,
            reason_messages,
            warning,
        }))
    }

    /// Uses another transport (a shaping proxy, a recorder) for syncs.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Agent {
        self.transport = transport;
        self
    }

    /// Sets or replaces the LMIS destination.
    pub fn with_lmis(mut self, settings: crate::routes::openlmis::lmis::LmisSettings) -> Agent {
        self.lmis = Some(settings);
        self
    }

    /// Sets or replaces the DHIS2 destination.
    pub fn with_dhis2(mut self, settings: Dhis2Settings) -> Agent {
        self.dhis2 = Some(settings);
        self
    }

    /// One bounded sync pass over every destination's queue. Returns what
    /// happened and when to call again; the agent keeps no timer of its own.
    /// `retry_held` releases destinations held after refused credentials
    /// (call it with `true` once the user has entered new ones).
    pub fn sync(
        &self,
        budget: SyncBudget,
        credentials: &dyn CredentialProvider,
        retry_held: bool,
    ) -> Result<SyncReport> {
        self.sync_observed(budget, credentials, retry_held, None)
    }

    /// [`Agent::sync`] watched by an observer: told of progress after each
    /// request, and asked before each request (and before the first)
    /// whether to stop, so a stop decided before the pass began is kept.
    pub fn sync_observed(
        &self,
        budget: SyncBudget,
        credentials: &dyn CredentialProvider,
        retry_held: bool,
        observer: Option<&dyn sync::SyncObserver>,
    ) -> Result<SyncReport> {
        if self.syncing.swap(true, Ordering::SeqCst) {
            return Err(AgentError::Busy {
                message: "a sync is already running in this app".into(),
            });
        }
        // Reset the flags however the pass ends, a panic included (the
        // bindings turn a panic into an exception; the next sync must run).
        struct Reset<'a>(&'a AtomicBool, &'a AtomicBool);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                self.0.store(false, Ordering::SeqCst);
                self.1.store(false, Ordering::SeqCst);
            }
        }
        let _reset = Reset(&self.syncing, &self.cancel);
        let forms = self.form_set();
        let make_lmis = |creds| self.lmis_route(creds);
        let lmis = self.lmis.as_ref().map(|l| sync::RouteMaker {
            url: &l.url,
            make: &make_lmis,
        });
        let make_dhis2 = self.dhis2.as_ref().map(|settings| {
            (settings, move |creds| -> Box<dyn sync::Route> {
                Box::new(Dhis2Route::new(settings.clone(), creds))
            })
        });
        let dhis2 = make_dhis2
            .as_ref()
            .map(|(d, make)| sync::RouteMaker { url: &d.url, make });
        let result = sync::run_pass(
            PassInputs {
                db_path: &self.db_path,
                key: self.key.as_ref(),
                clock: self.clock.as_ref(),
                transport: self.transport.as_ref(),
                forms: &forms,
                facilities: &self.facilities,
                cancel: &self.cancel,
                observer,
                credentials,
                dhis2,
                lmis,
                retry_held,
                keep_exchanges_days: self.keep_exchanges_days,
            },
            budget,
        );
        match result {
            Ok(Some(mut report)) => {
                // Every sync says that a destination is reached in clear text.
                for (d, warning) in &self.clear_text {
                    if let Some(r) = report
                        .destinations
                        .iter_mut()
                        .find(|r| r.destination == Some(*d))
                    {
                        r.note = Some(match r.note.take() {
                            Some(n) => format!("{warning}. {n}"),
                            None => warning.clone(),
                        });
                        r.note_messages.insert(
                            0,
                            crate::model::i18n::Message::new("sync-note-clear-text")
                                .text("destination", d.as_str().to_uppercase()),
                        );
                        // The other note (if any) is the one to act on.
                        r.note_kind = r
                            .note_kind
                            .or(Some(crate::model::delivery::NoteKind::ClearText));
                    }
                }
                let count = |f: fn(&sync::DestinationReport) -> usize| {
                    report.destinations.iter().map(f).sum::<usize>() as u32
                };
                self.notify(OutboxChange::Synced {
                    delivered: count(|r| r.delivered.len()),
                    rejected: count(|r| r.rejected.len()),
                });
                self.compact_if_due();
                Ok(report)
            }
            Ok(None) => Err(AgentError::Busy {
                message: "another process is syncing this outbox".into(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Pulls a DHIS2 data set and writes or refreshes the service part of
    /// the form that uses it (`form_id`, or the form whose `dhis2.data_set`
    /// is `data_set`, or a new form named after `form_id`), keeping local
    /// labels, ranges and rules. The answer is cached in the outbox; with
    /// `offline` the cached copy is used. Pending forms that the new
    /// definition no longer matches are listed, not broken.
    pub fn pull_metadata(
        &self,
        data_set: &str,
        form_id: Option<&str>,
        credentials: &dyn CredentialProvider,
        offline: bool,
    ) -> Result<MetadataPull> {
        let key = format!("dhis2:dataSet:{data_set}");
        let body: String = if offline {
            outbox::cache_get(&self.conn(), &key)?.ok_or_else(|| AgentError::Config {
                message: format!(
                    "no cached metadata for data set {data_set}; pull it once while online"
                ),
            })?
        } else {
            let settings = self.dhis2.as_ref().ok_or_else(|| AgentError::Config {
                message: "DHIS2 is not configured (no [dhis2] section)".into(),
            })?;
            let creds = required_credentials(credentials, Destination::Dhis2)?;
            let route = Dhis2Route::new(settings.clone(), creds);
            let req = data_set_request(
                &route,
                data_set,
                crate::routes::dhis2::metadata::DATA_SET_FIELDS,
            );
            data_set_answer(data_set, self.transport.send(&req))?
        };
        let json = data_set_json(data_set, &body)?;
        let meta = crate::routes::dhis2::metadata::parse_data_set(&json)
            .map_err(|message| AgentError::Config { message })?;
        let forms = self.form_set();
        let existing = match form_id {
            Some(id) => forms.get(id).cloned(),
            None => forms.iter().find(|f| f.dhis2.data_set == data_set).cloned(),
        };
        let new_id = form_id
            .map(str::to_string)
            .unwrap_or_else(|| format!("dhis2-{data_set}"));
        let (def, report) =
            crate::routes::dhis2::metadata::merge(existing.as_ref(), &meta, &new_id)
                .map_err(|message| AgentError::Config { message })?;
        let file = self.write_form_definition(&def, report.changed)?;
        let mut all: Vec<FormDefinition> =
            forms.iter().filter(|f| f.id != def.id).cloned().collect();
        all.push(def.clone());
        let new_set = FormSet::new(all).map_err(|p| AgentError::from_definitions(&p))?;
        let mut pending_mismatches = Vec::new();
        {
            let conn = self.conn();
            outbox::cache_put(&conn, &key, self.clock.now(), &body)?;
            for st in outbox::list(&conn, Some(DeliveryState::Pending), u32::MAX)? {
                if st.form != def.id {
                    continue;
                }
                let revs = outbox::revisions(&conn, &st.id)?;
                let Some(last) = revs.last() else { continue };
                let draft: Draft =
                    serde_json::from_str(&last.content).map_err(AgentError::internal)?;
                let (_, unmapped) = crate::routes::dhis2::values_of(&def, &draft);
                let gone: Vec<String> = unmapped
                    .into_iter()
                    .filter(|f| f.starts_with("service."))
                    .collect();
                if !gone.is_empty() {
                    pending_mismatches.push(format!(
                        "{} {} {}: {} no longer on the form; the other values will still be sent",
                        st.facility,
                        st.period,
                        st.id,
                        gone.join(", ")
                    ));
                }
            }
        }
        *self.forms.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(new_set);
        Ok(MetadataPull {
            report,
            file,
            org_units: meta.org_units,
            pending_mismatches,
        })
    }

    /// The file of `def` in the forms folder, written (through a temporary
    /// file, then renamed) when it `changed`.
    fn write_form_definition(&self, def: &FormDefinition, changed: bool) -> Result<PathBuf> {
        let dir = self.forms_dir.clone().ok_or_else(|| AgentError::Config {
            message: "this agent was opened without a forms folder".into(),
        })?;
        let file = dir.join(format!("{}.json", def.id));
        if changed {
            let text = serde_json::to_string_pretty(def).map_err(AgentError::internal)? + "\n";
            let tmp = dir.join(format!(".{}.json.tmp", def.id));
            std::fs::write(&tmp, text)
                .and_then(|_| std::fs::rename(&tmp, &file))
                .map_err(|source| Error::Io {
                    what: "cannot write the form definition",
                    path: file.clone(),
                    source,
                })?;
        }
        Ok(file)
    }

    /// Connectivity came back (the shell saw the network return): forget the
    /// backoff so the next sync tries at once. Returns how many deliveries
    /// became due. Holds (refused credentials) stay.
    pub fn network_available(&self) -> Result<u64> {
        Ok(crate::store::destinations::reset_backoff(
            &mut self.conn(),
            self.clock.now(),
        )?)
    }

    /// Sends a refused form again at the next sync (after the district reopened
    /// the period, or fixed the server's configuration). Returns how many
    /// destinations were requeued; 0 when nothing was refused.
    pub fn resend_rejected(&self, id: &str) -> Result<u64> {
        self.status(id)?;
        let n = crate::store::deliveries::requeue_rejected(&mut self.conn(), id, self.clock.now())?;
        if n > 0 {
            self.notify(OutboxChange::Requeued { id: id.into() });
        }
        Ok(n)
    }

    /// Requisition mode: send the requisition of this form's LMIS period
    /// although some of its months were never recorded (the user's choice,
    /// once the period has ended). Returns false when there is no such
    /// requisition waiting yet (sync once first).
    pub fn send_without_missing_months(&self, id: &str) -> Result<bool> {
        let st = self.status(id)?;
        let def = self.form(&st.form).ok_or_else(|| AgentError::Config {
            message: format!("the form '{}' is no longer defined", st.form),
        })?;
        let lmis = def.lmis.as_ref().ok_or_else(|| AgentError::Config {
            message: format!("the form '{}' has no LMIS part", def.id),
        })?;
        let month = Period::parse(&st.period).map_err(AgentError::internal)?;
        let lmis_period = Period::containing(lmis.period_type, month.start());
        Ok(crate::store::requisitions::send_incomplete(
            &self.conn(),
            &st.facility,
            &lmis.program_id,
            lmis_period.start(),
            self.clock.now(),
        )?)
    }

    /// Asks a running sync to stop before its next request. Does nothing when no sync runs.
    pub fn cancel_sync(&self) {
        if self.syncing.load(Ordering::SeqCst) {
            self.cancel.store(true, Ordering::SeqCst);
        }
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

    /// Set when the database was damaged at this open and moved aside. The
    /// copy is reported until acknowledged by [`Agent::damaged_copies`] and
    /// [`Agent::health`]; show those on every screen or command instead.
    pub fn open_notice(&self) -> Option<&OpenNotice> {
        self.notice.as_ref()
    }

    /// True when the outbox could only be opened for reading (read-only file
    /// system, permissions): lists and health work, saving does not.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// Damaged copies of the outbox kept in its folder that nobody has
    /// acknowledged yet (docs/adr/0001): they may hold forms never sent.
    /// Show them on every command or screen until acknowledged.
    pub fn damaged_copies(&self) -> Result<Vec<DamagedCopy>> {
        Ok(outbox::damaged_copies(&self.conn(), &self.db_path)?)
    }

    /// The user has seen the damaged copies (support has them, or they were
    /// recovered): stop reporting them. The files stay on disk. Returns the
    /// copies acknowledged now.
    pub fn acknowledge_damaged_copies(&self) -> Result<Vec<DamagedCopy>> {
        self.writable()?;
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let done = outbox::acknowledge_damaged(&tx, &self.db_path, self.clock.now())?;
        tx.commit()?;
        Ok(done)
    }

    fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(AgentError::StorageUnavailable {
                message: format!(
                    "the outbox {} is on storage that is read-only or that this app may not write to, so it can be read but nothing can be saved",
                    self.db_path.display()
                ),
            });
        }
        Ok(())
    }

    /// Every form definition, ordered by id.
    pub fn forms(&self) -> Vec<FormDefinition> {
        self.form_set().iter().cloned().collect()
    }

    /// One form definition.
    pub fn form(&self, id: &str) -> Option<FormDefinition> {
        self.form_set().get(id).cloned()
    }

    /// The current form definitions (they change when metadata is pulled).
    pub fn form_set(&self) -> Arc<FormSet> {
        self.forms.read().unwrap_or_else(|p| p.into_inner()).clone()
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
            external: Vec::new(),
            max_period_age_months: self.max_period_age_months,
            earlier: Vec::new(),
        };
        let forms = self.form_set();
        let Some(def) = forms.get(&draft.form) else {
            return Ok(ctx);
        };
        ctx.external = self.reference_findings(conn, def, &draft.facility)?;
        let Ok(period) = Period::parse_as(&draft.period, def.period_type) else {
            return Ok(ctx);
        };
        ctx.earlier = self.earlier_months(conn, def, draft, &period)?;
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

    /// The outbox's latest revision of the same facility and form for the
    /// months the resupply advice averages over (those before `period`).
    fn earlier_months(
        &self,
        conn: &Connection,
        def: &FormDefinition,
        draft: &Draft,
        period: &Period,
    ) -> std::result::Result<Vec<Draft>, Error> {
        let wanted = def.resupply.unwrap_or_default().periods_to_average;
        let mut ids = Vec::new();
        let mut p = *period;
        for _ in 1..wanted.min(crate::model::resupply::ResupplySettings::MAX_PERIODS_TO_AVERAGE) {
            p = p.previous();
            ids.push(p.dhis2_id());
        }
        let mut out = Vec::new();
        for content in outbox::latest_of_periods(conn, &def.id, &draft.facility, &ids)? {
            out.push(serde_json::from_str(&content)?);
        }
        Ok(out)
    }

    /// What the LMIS reference data cached at the last check says about this
    /// form at this facility, as warnings on the items (the stock part will
    /// not be sent until the mapping is fixed; the service part still goes).
    fn reference_findings(
        &self,
        conn: &Connection,
        def: &FormDefinition,
        facility: &str,
    ) -> std::result::Result<Vec<Finding>, Error> {
        let (Some(lmis), Some(f)) = (&def.lmis, self.facilities.get(facility)) else {
            return Ok(vec![]);
        };
        let Some(code) = &f.lmis_facility_code else {
            return Ok(vec![]);
        };
        let cached = outbox::cache_get(conn, &outbox::lmis_ref_key(code, &lmis.program_id))?;
        let Some(body) = cached else {
            return Ok(vec![]);
        };
        let Ok(refs) = serde_json::from_str::<crate::routes::openlmis::RefData>(&body) else {
            return Ok(vec![]);
        };
        Ok(crate::routes::openlmis::check_reference(def, f, &refs)
            .into_iter()
            .map(|p| {
                let path = p
                    .strip_prefix("product ")
                    .and_then(|rest| rest.split(':').next())
                    .map(|code| format!("stock.{code}"))
                    .unwrap_or_else(|| {
                        if p.starts_with("facility ") {
                            "facility".into()
                        } else {
                            "form".into()
                        }
                    });
                // The problem itself is still the LMIS check's English text.
                Finding::new(
                    path,
                    Severity::Warning,
                    "lmis_mapping",
                    crate::model::i18n::Message::new("finding-lmis-mapping").text("problem", p),
                )
            })
            .collect())
    }

    /// The LMIS route with these credentials (OpenLMIS v3, the token kept
    /// in memory across passes). The engine gets it from here, so it never
    /// imports a destination's route.
    fn lmis_route(&self, creds: crate::credentials::Credentials) -> Box<dyn sync::Route> {
        let settings = self
            .lmis
            .clone()
            .unwrap_or(crate::routes::openlmis::lmis::LmisSettings { url: String::new() });
        Box::new(
            crate::routes::openlmis::lmis::LmisRoute::new(
                crate::routes::openlmis::lmis::OpenLmisClient::new(
                    settings,
                    creds,
                    self.lmis_token.clone(),
                ),
            )
            .with_requisitions(crate::routes::openlmis::requisition::step)
            .with_reference_max_age(self.lmis_reference_max_age_days),
        )
    }

    /// Checks every form and facility against the LMIS's reference data (a
    /// configuration check): each problem names the item. The answers are
    /// cached, so that entry-time validation can warn about them offline.
    pub fn check_lmis(&self, credentials: &dyn CredentialProvider) -> Result<Vec<String>> {
        let settings = self.lmis.clone().ok_or_else(|| AgentError::Config {
            message: "the LMIS is not configured (no [lmis] section)".into(),
        })?;
        let creds = required_credentials(credentials, Destination::Lmis)?;
        let forms = self.form_set();
        let make_lmis = |creds| self.lmis_route(creds);
        let inputs = PassInputs {
            db_path: &self.db_path,
            key: self.key.as_ref(),
            clock: self.clock.as_ref(),
            transport: self.transport.as_ref(),
            forms: &forms,
            facilities: &self.facilities,
            cancel: &self.cancel,
            observer: None,
            credentials,
            dhis2: None,
            lmis: Some(sync::RouteMaker {
                url: &settings.url,
                make: &make_lmis,
            }),
            retry_held: false,
            keep_exchanges_days: self.keep_exchanges_days,
        };
        let result = sync::run_task(
            &inputs,
            SyncBudget::time(std::time::Duration::from_secs(300)),
            |pass, report| {
                let mut client = crate::routes::openlmis::lmis::OpenLmisClient::new(
                    settings.clone(),
                    creds.clone(),
                    self.lmis_token.clone(),
                );
                let mut problems = Vec::new();
                let mut asked_all = true;
                'forms: for def in forms.iter() {
                    let Some(lmis) = &def.lmis else { continue };
                    for f in self.facilities.iter() {
                        if !f.forms.is_empty() && !f.forms.contains(&def.id) {
                            continue;
                        }
                        let Some(code) = &f.lmis_facility_code else {
                            // One id per system, checked: a facility
                            // reporting stock needs its LMIS code and id.
                            problems.push(format!(
                                "facility {} reports form {}, whose stock goes to the LMIS, but has no lmis_facility_code{} in the facility map; add the LMIS facility's code and id (cli-sim mapping suggest finds them)",
                                f.code,
                                def.id,
                                if f.lmis_facility_id.is_none() { " and no lmis_facility_id" } else { "" }
                            ));
                            continue;
                        };
                        let products: Vec<String> = def
                            .products
                            .iter()
                            .map(|p| p.lmis_code().to_string())
                            .collect();
                        use crate::routes::openlmis::lmis::LmisClient;
                        match client.reference(
                            pass,
                            report,
                            code,
                            f.lmis_facility_id.as_deref(),
                            &lmis.program_id,
                            &products,
                            lmis.mode == crate::model::form::LmisMode::Requisition,
                        )? {
                            Ok(refs) => {
                                // `record` needs the LMIS id of the facility.
                                if f.lmis_facility_id.is_none() {
                                    problems.push(format!(
                                        "facility {} has an LMIS code ({code}) but no lmis_facility_id in the facility map; add \"lmis_facility_id\": \"{}\"",
                                        f.code,
                                        refs.facility_id.as_deref().unwrap_or("(the LMIS does not know this code)")
                                    ));
                                }
                                outbox::cache_put(
                                    &pass.conn,
                                    &outbox::lmis_ref_key(code, &lmis.program_id),
                                    pass.clock.now(),
                                    &serde_json::to_string(&refs)?,
                                )?;
                                problems.extend(
                                    crate::routes::openlmis::check_reference(def, f, &refs)
                                        .into_iter()
                                        .map(|p| format!("{}: {p}", def.id)),
                                );
                            }
                            Err(fail) => {
                                asked_all = false;
                                problems.push(format!(
                                    "{} at {}: the LMIS could not be asked: {fail}",
                                    def.id, f.code
                                ));
                                // A refused sign-in is refused for every
                                // facility: asking again risks locking the
                                // account. Any other failure of the server
                                // or the network would repeat too.
                                if !matches!(
                                    fail,
                                    crate::routes::openlmis::lmis::Fail::Refused { .. }
                                ) {
                                    break 'forms;
                                }
                            }
                        }
                    }
                }
                // The LMIS answered every question with these credentials:
                // a hold on them (or on a proxy) no longer applies.
                if asked_all && report.requests > 0 {
                    crate::store::destinations::release_hold(&pass.conn, Destination::Lmis)?;
                }
                // One line per distinct problem: a form's reason or product
                // problem is the same at every facility that reports it.
                let mut seen = BTreeSet::new();
                problems.retain(|p| seen.insert(p.clone()));
                Ok(problems)
            },
        );
        Ok(result?)
    }

    // ---- Setting up a country (issue 16): master lists, mapping suggest
    // and check. Matching is pure (model::matching); the reads are in
    // routes::openlmis::masters and routes::dhis2::metadata.

    /// Reads both servers' master lists: the org units of `data_sets`
    /// (DHIS2), every LMIS facility, and for each of `programs` (LMIS
    /// program ids or codes) its orderables and its valid reasons at each
    /// facility type of the facilities supporting it.
    pub fn master_lists(
        &self,
        data_sets: &[String],
        programs: &[String],
        credentials: &dyn CredentialProvider,
    ) -> Result<crate::model::matching::MasterLists> {
        use crate::model::matching::MasterLists;
        use crate::routes::openlmis::lmis::Fail;
        use crate::routes::openlmis::masters;
        let dhis2 = self.dhis2.clone().ok_or_else(|| AgentError::Config {
            message: "DHIS2 is not configured (no [dhis2] section); matching needs both servers"
                .into(),
        })?;
        let lmis = self.lmis.clone().ok_or_else(|| AgentError::Config {
            message: "the LMIS is not configured (no [lmis] section); matching needs both servers"
                .into(),
        })?;
        let (dhis2_creds, lmis_creds) = (
            required_credentials(credentials, Destination::Dhis2)?,
            required_credentials(credentials, Destination::Lmis)?,
        );
        let forms = self.form_set();
        let inputs = self.task_inputs(&forms, credentials);
        let lmis_error = |f: Fail| lmis_read_error("the LMIS's master lists", f);
        let result = sync::run_task(
            &inputs,
            SyncBudget::time(std::time::Duration::from_secs(300)),
            |pass, report| -> std::result::Result<Result<MasterLists>, Error> {
                let mut lists = MasterLists::default();
                let route = Dhis2Route::new(dhis2, dhis2_creds);
                for ds in data_sets {
                    let req = data_set_request(
                        &route,
                        ds,
                        crate::routes::dhis2::metadata::ORG_UNIT_FIELDS,
                    );
                    let sent = pass.send(Destination::Dhis2, &req, b"", &[], report)?;
                    match data_set_answer(ds, sent).and_then(|body| data_set_json(ds, &body)) {
                        Ok(v) => lists
                            .org_units
                            .extend(crate::routes::dhis2::metadata::parse_org_units(&v)),
                        Err(e) => return Ok(Err(e)),
                    }
                }
                lists.org_units.sort();
                lists.org_units.dedup_by(|a, b| a.id == b.id);
                let mut client = crate::routes::openlmis::lmis::OpenLmisClient::new(
                    lmis,
                    lmis_creds,
                    self.lmis_token.clone(),
                );
                let facilities =
                    lmis_read!(lmis_error, masters::facilities(&mut client, pass, report));
                let all_programs =
                    lmis_read!(lmis_error, masters::programs(&mut client, pass, report));
                for f in &facilities {
                    if let Some(t) = &f.type_id {
                        lists.facility_types.insert(f.entry.id.clone(), t.clone());
                        if let Some(c) = &f.type_code {
                            lists.facility_type_codes.insert(t.clone(), c.clone());
                        }
                    }
                    lists
                        .supported_programs
                        .insert(f.entry.id.clone(), f.programs.clone());
                }
                lists.lmis_facilities = facilities.iter().map(|f| f.entry.clone()).collect();
                for wanted in programs {
                    let Some(p) = all_programs
                        .iter()
                        .find(|p| p.id == *wanted || p.code.as_deref() == Some(wanted.as_str()))
                    else {
                        let known: Vec<String> = all_programs
                            .iter()
                            .map(|p| format!("{} ({})", p.code.as_deref().unwrap_or(&p.id), p.name))
                            .collect();
                        return Ok(Err(AgentError::Config {
                            message: format!(
                                "the LMIS has no program {wanted}; it has: {}",
                                known.join(", ")
                            ),
                        }));
                    };
                    lists.programs.push(p.clone());
                    let code = p.code.clone().unwrap_or_else(|| p.id.clone());
                    let orderables = lmis_read!(
                        lmis_error,
                        masters::orderables(&mut client, pass, report, &code)
                    );
                    for o in &orderables {
                        if let Some(n) = o.net_content {
                            lists.pack_sizes.insert(o.entry.id.clone(), n);
                        }
                    }
                    lists.orderables.insert(
                        p.id.clone(),
                        orderables.into_iter().map(|o| o.entry).collect(),
                    );
                    let types: BTreeSet<String> = facilities
                        .iter()
                        .filter(|f| f.programs.contains(&p.id))
                        .filter_map(|f| f.type_id.clone())
                        .collect();
                    for t in types {
                        let reasons = lmis_read!(
                            lmis_error,
                            masters::valid_reasons(&mut client, pass, report, &p.id, &t)
                        );
                        lists
                            .reasons
                            .entry(p.id.clone())
                            .or_default()
                            .insert(t, reasons);
                    }
                }
                Ok(Ok(lists))
            },
        );
        result?
    }

    /// `mapping suggest`: the data sets' org units matched against the LMIS
    /// facilities, the forms' products of `program` against its orderables,
    /// and each movement's reason (the forms' names, else the defaults).
    pub fn suggest_mapping(
        &self,
        data_sets: &[String],
        program: &str,
        credentials: &dyn CredentialProvider,
    ) -> Result<(
        crate::model::matching::MasterLists,
        crate::model::matching::Suggestion,
    )> {
        let lists = self.master_lists(data_sets, &[program.to_string()], credentials)?;
        let program_id = lists
            .programs
            .first()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        let forms = self.form_set();
        let of_program: Vec<&FormDefinition> = forms
            .iter()
            .filter(|f| f.lmis.as_ref().is_some_and(|l| l.program_id == program_id))
            .collect();
        let mut products = Vec::new();
        for f in &of_program {
            for p in &f.products {
                products.push(crate::model::matching::Entry {
                    id: p.code.clone(),
                    code: Some(p.lmis_code().to_string()),
                    name: p.name.clone(),
                });
            }
        }
        products.sort();
        products.dedup_by(|a, b| a.id == b.id);
        let names = of_program
            .first()
            .and_then(|f| f.lmis.as_ref())
            .and_then(|l| l.reasons.clone())
            .unwrap_or_default();
        let wanted = |m| names.name(m).to_string();
        let suggestion = crate::model::matching::suggest(&lists, &program_id, &products, &wanted);
        Ok((lists, suggestion))
    }

    /// `mapping check`: the facility map and the forms against both
    /// servers; every mismatch once, with the servers' candidates.
    pub fn check_mapping(
        &self,
        credentials: &dyn CredentialProvider,
    ) -> Result<Vec<crate::model::matching::Mismatch>> {
        use crate::model::form::Movement;
        use crate::model::matching::FormLmis;
        let forms = self.form_set();
        let mut data_sets: Vec<String> = forms.iter().map(|f| f.dhis2.data_set.clone()).collect();
        data_sets.sort();
        data_sets.dedup();
        let mut programs: Vec<String> = forms
            .iter()
            .filter_map(|f| f.lmis.as_ref().map(|l| l.program_id.clone()))
            .collect();
        programs.sort();
        programs.dedup();
        let lists = self.master_lists(&data_sets, &programs, credentials)?;
        let shapes: Vec<FormLmis> = forms
            .iter()
            .map(|f| FormLmis {
                form: f.id.clone(),
                data_set: Some(f.dhis2.data_set.clone()),
                program_id: f.lmis.as_ref().map(|l| l.program_id.clone()),
                products: f
                    .products
                    .iter()
                    .map(|p| {
                        (
                            p.code.clone(),
                            p.lmis_code().to_string(),
                            p.lmis_orderable_id.clone(),
                        )
                    })
                    .collect(),
                reasons: f
                    .lmis
                    .as_ref()
                    .map(|l| {
                        let names = l.reasons.clone().unwrap_or_default();
                        Movement::ALL
                            .iter()
                            .map(|m| (*m, names.name(*m).to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();
        let map: Vec<crate::model::mapping::Facility> = self.facilities.iter().cloned().collect();
        Ok(crate::model::matching::check(&lists, &map, &shapes))
    }

    /// Writes `facilities` as the configured facility map (checked first;
    /// the old file is replaced atomically). Returns its path.
    pub fn save_facility_map(
        &self,
        facilities: Vec<crate::model::mapping::Facility>,
    ) -> Result<PathBuf> {
        let path = self
            .config
            .as_ref()
            .map(|c| c.facilities.clone())
            .ok_or_else(|| AgentError::Config {
                message: "this agent was opened without a facility map path".into(),
            })?;
        FacilityMap::new(facilities.clone()).map_err(|p| AgentError::Config {
            message: format!("the facility map would not load: {}", p.join("; ")),
        })?;
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "version": 1,
            "facilities": facilities,
        }))
        .map_err(AgentError::internal)?
            + "\n";
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|source| Error::Io {
                what: "cannot write the facility map",
                path: path.clone(),
                source,
            })?;
        Ok(path)
    }

    /// `metadata pull --program`: the stock part of form `form_id` from the
    /// LMIS: the program's products approved for the facility types of the
    /// facility map's LMIS facilities (in the LMIS's order; a product
    /// approved for one type only is still added, and noted), the reasons
    /// chosen in `decisions` (a decisions file, else the form's own) and the
    /// cross-check rules of `rules_file` (a JSON array of rules, else the
    /// form's own). Written like the DHIS2 pull; returns what changed and
    /// notes for the implementer.
    pub fn pull_stock_metadata(
        &self,
        form_id: &str,
        program: &str,
        decisions: Option<&crate::model::matching::Decisions>,
        rules_file: Option<&Path>,
        credentials: &dyn CredentialProvider,
    ) -> Result<(
        crate::routes::openlmis::masters::StockReport,
        PathBuf,
        Vec<String>,
    )> {
        use crate::routes::openlmis::lmis::Fail;
        use crate::routes::openlmis::masters::{self, ApprovedProduct};
        let forms = self.form_set();
        let def = forms.get(form_id).cloned().ok_or_else(|| AgentError::Config {
            message: format!(
                "there is no form {form_id}; pull its DHIS2 data set first (metadata pull --data-set … --form {form_id})"
            ),
        })?;
        let rules = match rules_file {
            None => None,
            Some(p) => {
                let text = crate::files::read_capped_text(
                    p,
                    crate::files::MAX_FORM_BYTES,
                    "the cross-check rules",
                )
                .map_err(|e| AgentError::Config {
                    message: format!("cannot read the rules file {}: {e}", p.display()),
                })?;
                Some(
                    serde_json::from_str::<Vec<crate::model::form::Rule>>(&text).map_err(
                        |e| AgentError::Config {
                            message: format!(
                                "the rules file {} is not a JSON array of rules (as in a form's \"rules\"): {e}",
                                p.display()
                            ),
                        },
                    )?,
                )
            }
        };
        let settings = self.lmis.clone().ok_or_else(|| AgentError::Config {
            message: "the LMIS is not configured (no [lmis] section)".into(),
        })?;
        let creds = required_credentials(credentials, Destination::Lmis)?;
        let mapped: Vec<String> = self
            .facilities
            .iter()
            .filter(|f| f.forms.is_empty() || f.forms.contains(&def.id))
            .filter_map(|f| f.lmis_facility_id.clone())
            .collect();
        let inputs = self.task_inputs(&forms, credentials);
        let lmis_error = |f: Fail| lmis_read_error("the LMIS's products", f);
        type Read = (
            crate::model::matching::Entry,
            Vec<ApprovedProduct>,
            Vec<String>,
        );
        let read = sync::run_task(
            &inputs,
            SyncBudget::time(std::time::Duration::from_secs(300)),
            |pass, report| -> std::result::Result<Result<Read>, Error> {
                let mut client = crate::routes::openlmis::lmis::OpenLmisClient::new(
                    settings,
                    creds,
                    self.lmis_token.clone(),
                );
                let programs = lmis_read!(lmis_error, masters::programs(&mut client, pass, report));
                let Some(p) = programs
                    .iter()
                    .find(|p| p.id == program || p.code.as_deref() == Some(program))
                    .cloned()
                else {
                    return Ok(Err(AgentError::Config {
                        message: format!("the LMIS has no program {program}"),
                    }));
                };
                let facilities =
                    lmis_read!(lmis_error, masters::facilities(&mut client, pass, report));
                // One facility of each type: approved products depend on the type.
                let mut by_type: BTreeMap<String, &masters::LmisFacility> = BTreeMap::new();
                for f in facilities
                    .iter()
                    .filter(|f| mapped.contains(&f.entry.id) && f.programs.contains(&p.id))
                {
                    if let Some(t) = &f.type_id {
                        by_type.entry(t.clone()).or_insert(f);
                    }
                }
                if by_type.is_empty() {
                    return Ok(Err(AgentError::Config {
                        message: format!(
                            "no facility of the facility map is an LMIS facility supporting program {program}; run mapping suggest first"
                        ),
                    }));
                }
                let mut all: Vec<ApprovedProduct> = Vec::new();
                let mut notes = Vec::new();
                let types = by_type.len();
                let mut seen: BTreeMap<String, usize> = BTreeMap::new();
                for f in by_type.values() {
                    let approved = lmis_read!(
                        lmis_error,
                        masters::approved_products(&mut client, pass, report, &f.entry.id, &p.id)
                    );
                    for a in approved {
                        *seen.entry(a.orderable.entry.id.clone()).or_default() += 1;
                        if !all
                            .iter()
                            .any(|x| x.orderable.entry.id == a.orderable.entry.id)
                        {
                            all.push(a);
                        }
                    }
                }
                for a in &all {
                    if seen.get(&a.orderable.entry.id).copied().unwrap_or(0) < types {
                        notes.push(format!(
                            "{} is approved for some facility types only; stock events for it are refused at the others",
                            a.orderable.entry.name
                        ));
                    }
                    if let Some(n) = a.orderable.net_content.filter(|n| *n > 1) {
                        notes.push(format!(
                            "{}: the LMIS counts packs of {n}; the form counts single units ({})",
                            a.orderable.entry.name,
                            a.orderable.unit.as_deref().unwrap_or("each")
                        ));
                    }
                }
                Ok(Ok((p, all, notes)))
            },
        );
        let (p, approved, notes) = read??;
        let reasons = decisions
            .filter(|d| !d.reasons.is_empty())
            .map(|d| crate::model::matching::reason_names(&d.reasons));
        let (new_def, report) =
            crate::routes::openlmis::masters::merge_stock(&def, &p, &approved, reasons, rules);
        let mut all: Vec<FormDefinition> = forms
            .iter()
            .filter(|f| f.id != new_def.id)
            .cloned()
            .collect();
        all.push(new_def.clone());
        let new_set = FormSet::new(all).map_err(|p| AgentError::from_definitions(&p))?;
        let file = self.write_form_definition(&new_def, report.changed)?;
        *self.forms.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(new_set);
        Ok((report, file, notes))
    }
    // ---- end of setting up a country

    /// Sets the language of the messages this agent returns (`sw`,
    /// `fr_SN.UTF-8`, `pt-BR`…: the language counts). A language the agent
    /// does not have gives English; returns whether it has this one.
    pub fn set_locale(&self, locale: &str) -> bool {
        let lang = crate::model::i18n::language_of(locale);
        let supported = crate::model::i18n::is_supported(&lang);
        *self.locale.write().unwrap_or_else(|p| p.into_inner()) = if supported {
            lang
        } else {
            crate::model::i18n::DEFAULT_LOCALE.to_string()
        };
        supported
    }

    /// The language of the messages this agent returns.
    pub fn locale(&self) -> String {
        self.locale
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Findings with their text in the agent's language.
    fn localized(&self, mut findings: Vec<Finding>) -> Vec<Finding> {
        let locale = self.locale();
        for f in &mut findings {
            f.localize(&locale);
        }
        findings
    }

    /// Validates a typed draft; every finding at once.
    pub fn validate(&self, draft: &Draft) -> Result<Vec<Finding>> {
        Ok(self.validate_with_resupply(draft)?.findings)
    }

    /// Validates a typed draft and gives the resupply advice of each
    /// product: the average monthly consumption over the last months of
    /// the same facility and form in the outbox (adjusted for stock-out
    /// days), months of stock and the suggested order. Nothing is saved.
    pub fn validate_with_resupply(&self, draft: &Draft) -> Result<Validation> {
        let conn = self.conn();
        let ctx = self.context(&conn, draft)?;
        // Labels and product names in the user's language, for the
        // findings and the advice.
        let forms = self.form_set().in_locale(&self.locale());
        let findings = self.localized(validate::validate(&forms, &self.facilities, draft, &ctx));
        let resupply = forms
            .get(&draft.form)
            .map(|def| resupply::advise(def, draft, &ctx.earlier))
            .unwrap_or_default();
        Ok(Validation { findings, resupply })
    }

    /// Reads a draft document (JSON bytes), validates it and gives the
    /// resupply advice ([`Agent::validate_with_resupply`]).
    pub fn validate_json_with_resupply(&self, bytes: &[u8]) -> Result<Validation> {
        let (draft, read_findings) =
            Draft::from_json_bytes(bytes).map_err(|e| AgentError::UnreadableDraft {
                message: e.to_string(),
            })?;
        let mut v = self.validate_with_resupply(&draft)?;
        v.findings = self.localized(merge(read_findings, v.findings));
        Ok(v)
    }

    /// Reads and validates a draft document (JSON bytes).
    pub fn validate_json(&self, bytes: &[u8]) -> Result<Vec<Finding>> {
        Ok(self.validate_json_with_resupply(bytes)?.findings)
    }

    /// Validates and, when there is no error (and warnings are confirmed),
    /// saves the draft durably. Returns only after the commit is on disk.
    pub fn submit(&self, draft: &Draft, confirm_warnings: bool) -> Result<Receipt> {
        let receipt = self.submit_checked(draft, Vec::new(), confirm_warnings)?;
        self.notify_saved(&receipt);
        Ok(receipt)
    }

    fn notify_saved(&self, r: &Receipt) {
        self.notify(OutboxChange::Saved {
            id: r.id.clone(),
            revision: r.revision,
            duplicate: r.duplicate,
        });
    }

    /// Tells the listener, if any, of a committed change.
    fn notify(&self, change: OutboxChange) {
        let listener = self
            .listener
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(l) = listener {
            l.on_change(change);
        }
    }

    /// Sets (or with `None` removes) the one outbox listener.
    pub fn set_outbox_listener(&self, listener: Option<Arc<dyn OutboxListener>>) {
        *self.listener.write().unwrap_or_else(|p| p.into_inner()) = listener;
    }

    /// When the last sync pass ended and when a form was last delivered
    /// (from the outbox, so it survives restarts).
    pub fn last_sync(&self) -> Result<LastSync> {
        let conn = self.conn();
        let (pass, delivered) = crate::store::exchanges::last_sync(&conn)?;
        Ok(LastSync {
            pass_finished_at: pass,
            delivered_at: delivered,
        })
    }

    /// The latest revision of a submission as a typed draft (as stored:
    /// the period as its DHIS2 id, text trimmed), to prefill a correction.
    /// Saving the edited draft with `submit` records the next revision.
    pub fn latest_draft(&self, id: &str) -> Result<(u32, Draft)> {
        let conn = self.conn();
        let last = outbox::revisions(&conn, id)?
            .pop()
            .ok_or_else(|| AgentError::UnknownSubmission { id: id.into() })?;
        if crate::store::retention::is_compacted(&conn, id, last.revision)? {
            // No draft to give: the shell shows the message as it does for
            // a draft it cannot read.
            return Err(AgentError::UnreadableDraft {
                message: format!(
                    "form {id} was delivered long ago and its content was removed to save space ([storage] keep_delivered_days); its delivery record is kept. To correct it, enter the whole form again for the same facility and period: it is saved as its next revision"
                ),
            });
        }
        let draft: Draft = serde_json::from_str(&last.content).map_err(AgentError::internal)?;
        Ok((last.revision, draft))
    }

    /// Reads a draft document (JSON bytes) and submits it.
    pub fn submit_json(&self, bytes: &[u8], confirm_warnings: bool) -> Result<Receipt> {
        let (draft, read_findings) =
            Draft::from_json_bytes(bytes).map_err(|e| AgentError::UnreadableDraft {
                message: e.to_string(),
            })?;
        let receipt = self.submit_checked(&draft, read_findings, confirm_warnings)?;
        self.notify_saved(&receipt);
        Ok(receipt)
    }

    fn submit_checked(
        &self,
        draft: &Draft,
        read_findings: Vec<Finding>,
        confirm_warnings: bool,
    ) -> Result<Receipt> {
        let mut conn = self.conn();
        let forms = self.form_set();
        let ctx = self.context(&conn, draft)?;
        let findings = self.localized(merge(
            read_findings,
            validate::validate(
                &forms.in_locale(&self.locale()),
                &self.facilities,
                draft,
                &ctx,
            ),
        ));
        if validate::has_errors(&findings) {
            return Err(AgentError::InvalidDraft { findings });
        }
        if validate::has_warnings(&findings) && !confirm_warnings {
            return Err(AgentError::NeedsConfirmation { findings });
        }
        // Validation passed, so the form and period are known and valid.
        let def = forms
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
        self.writable()?;
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
            // Into the main file too, so that the form does not live only in
            // the WAL (a copy tool or clean-up may leave the WAL behind;
            // docs/adr/0001). The form is committed either way.
            match outbox::checkpoint(&conn) {
                Ok(true) => {}
                Ok(false) => tracing::debug!("checkpoint incomplete: a reader holds older frames"),
                Err(e) => tracing::warn!(error = %e, "could not checkpoint after a submit"),
            }
        }
        Ok(Receipt {
            id: rec.id,
            revision: rec.revision,
            duplicate: rec.duplicate,
            content_hash: hash,
            warnings: findings,
            resupply: resupply::advise(def, &normalised, &ctx.earlier),
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

    /// Counts per destination and state, the age of the oldest undelivered
    /// form, and the damaged copies of the outbox not yet acknowledged.
    pub fn health(&self) -> Result<OutboxHealth> {
        let conn = self.conn();
        let mut h = outbox::health(&conn, self.clock.now())?;
        h.damaged_copies = outbox::damaged_copies(&conn, &self.db_path)?;
        Ok(h)
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
            exchanges: outbox::exchanges_of(&conn, id)?,
        })
    }

    /// Writes an escrow of this outbox (issue 17) into `out`, encrypted to
    /// a district's age public key (`age1…`): every submission with a
    /// delivery still to make (`ExportScope::All`: everything). Then marks
    /// this outbox's LMIS deliveries still to make "look up before sending",
    /// so that this device, if it syncs again, sends nothing twice.
    pub fn export(
        &self,
        recipient: &str,
        scope: crate::escrow::ExportScope,
        out: &mut dyn std::io::Write,
    ) -> Result<crate::escrow::ExportSummary> {
        let summary =
            crate::escrow::write_export(&self.conn(), scope, recipient, self.clock.now(), out)?;
        self.after_export(summary)
    }

    /// [`Agent::export`] of every undelivered form.
    pub fn export_unsent(
        &self,
        recipient: &str,
        out: &mut dyn std::io::Write,
    ) -> Result<crate::escrow::ExportSummary> {
        self.export(recipient, crate::escrow::ExportScope::Unsent, out)
    }

    /// [`Agent::export`] into a file: written as `FILE.tmp` (encrypted bytes
    /// only), synced, then renamed to `path`.
    pub fn export_to_file(
        &self,
        recipient: &str,
        scope: crate::escrow::ExportScope,
        path: &Path,
    ) -> Result<crate::escrow::ExportSummary> {
        let summary = crate::escrow::write_export_file(
            &self.conn(),
            scope,
            recipient,
            self.clock.now(),
            path,
        )?;
        self.after_export(summary)
    }

    fn after_export(
        &self,
        mut summary: crate::escrow::ExportSummary,
    ) -> Result<crate::escrow::ExportSummary> {
        if self.read_only {
            summary.note = Some("this outbox is read-only, so it could not remember the export: do not sync this device again once the file is imported elsewhere".into());
            return Ok(summary);
        }
        summary.marked_for_look_up =
            crate::escrow::mark_exported(&mut self.conn(), self.clock.now())?;
        Ok(summary)
    }

    /// Imports an escrow file (the encrypted bytes) with the district's
    /// secret key file (its text, as `age-keygen` writes it): verifies every
    /// entry, then adds the forms to this outbox as if recorded here, with
    /// their ids and revision numbers, queued for delivery. All or nothing.
    pub fn import(&self, encrypted: &[u8], key_file: &[u8]) -> Result<crate::escrow::ImportReport> {
        self.writable()?;
        let file = crate::escrow::decrypt(encrypted, key_file)?;
        let forms = self.form_set();
        let mut conn = self.conn();
        let report = crate::escrow::import(
            &mut conn,
            &file,
            &forms,
            &self.facilities,
            &destinations_of,
            self.clock.now(),
        )?;
        if let Err(e) = outbox::checkpoint(&conn) {
            tracing::warn!(error = %e, "could not checkpoint after an import");
        }
        Ok(report)
    }

    /// [`Agent::import`] from files.
    pub fn import_file(&self, file: &Path, key_file: &Path) -> Result<crate::escrow::ImportReport> {
        let read = |p: &Path, cap: u64, what: &str| {
            crate::files::read_capped(p, cap, what).map_err(|e| AgentError::EscrowRefused {
                message: format!(
                    "{what} {} cannot be read: {e}. Nothing was imported.",
                    p.display()
                ),
            })
        };
        let bytes = read(file, crate::escrow::MAX_FILE_BYTES, "the escrow file")?;
        let key = read(key_file, crate::escrow::MAX_KEY_FILE_BYTES, "the key file")?;
        self.import(&bytes, &key)
    }

    /// A diagnostics bundle (issue 17): why anything is stuck, with every
    /// secret left out. The configuration the agent was opened with, if
    /// any, is in it (secrets only named); `credentials` is asked whether
    /// credentials are available, and for the values to scrub from
    /// everything the bundle holds.
    pub fn diagnose(
        &self,
        credentials: Option<&dyn CredentialProvider>,
        options: &crate::diagnose::Options,
    ) -> Result<crate::diagnose::Bundle> {
        let conn = self.conn();
        crate::diagnose::collect(
            &conn,
            &self.db_path,
            self.config.as_ref(),
            credentials,
            self.clock.now(),
            options,
        )
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

/// The credentials of `destination` from `credentials`, or what to configure.
fn required_credentials(
    credentials: &dyn CredentialProvider,
    destination: Destination,
) -> Result<crate::credentials::Credentials> {
    let what = match destination {
        Destination::Dhis2 => "DHIS2",
        Destination::Lmis => "LMIS",
    };
    credentials
        .credentials(destination)
        .map_err(|message| AgentError::Config { message })?
        .ok_or_else(|| AgentError::Config {
            message: format!("no {what} credentials are configured"),
        })
}

/// `GET /api/dataSets/{data_set}?fields=…`: the one read of a DHIS2 data
/// set, for `metadata pull` (its form) and `mapping suggest` (its org units).
fn data_set_request(
    route: &Dhis2Route,
    data_set: &str,
    fields: &str,
) -> crate::net::http::HttpRequest {
    route.get_request(&format!(
        "/api/dataSets/{}?fields={}",
        crate::net::http::encode_query(data_set),
        crate::net::http::encode_query(fields)
    ))
}

/// The text of DHIS2's answer to [`data_set_request`], or what went wrong
/// and what to check.
fn data_set_answer(
    data_set: &str,
    sent: std::result::Result<crate::net::http::HttpResponse, crate::net::http::TransportError>,
) -> Result<String> {
    use crate::net::http::TransportErrorKind as K;
    let resp = sent.map_err(|e| match e.kind {
        // The network or the server: try again later.
        K::Unreachable | K::Timeout | K::Broken | K::NotStarted => AgentError::Unreachable {
            destination: Destination::Dhis2,
            message: format!("DHIS2's data set {data_set} could not be read: {e}"),
        },
        // A certificate or a malformed address: the settings.
        K::Tls | K::Other => AgentError::Config {
            message: format!(
                "DHIS2 could not be reached for the data set {data_set}: {e}; check the DHIS2 address"
            ),
        },
    })?;
    match resp.status {
        200 => {}
        401 | 403 => {
            return Err(AgentError::AuthFailed {
                destination: Destination::Dhis2,
                message: format!(
                    "HTTP {}: check the DHIS2 username and password",
                    resp.status
                ),
            });
        }
        404 => {
            return Err(AgentError::Config {
                message: format!("DHIS2 has no data set {data_set}; check its uid"),
            });
        }
        s => {
            return Err(AgentError::Config {
                message: format!("DHIS2 answered HTTP {s} to the data set {data_set}"),
            });
        }
    }
    String::from_utf8(resp.body).map_err(|_| AgentError::Config {
        message: format!(
            "DHIS2's answer for data set {data_set} is not text; check the DHIS2 address"
        ),
    })
}

/// The JSON of a data set answer (fresh or cached).
fn data_set_json(data_set: &str, body: &str) -> Result<serde_json::Value> {
    serde_json::from_str(body).map_err(|e| AgentError::Config {
        message: format!(
            "DHIS2's answer for data set {data_set} cannot be read as JSON ({e}); check the DHIS2 address"
        ),
    })
}

/// What a user is told when the LMIS could not give `what` (its master
/// lists, its products) to a set-up command.
fn lmis_read_error(what: &str, f: crate::routes::openlmis::lmis::Fail) -> AgentError {
    use crate::routes::openlmis::lmis::Fail;
    match f {
        Fail::Auth(why) => AgentError::AuthFailed {
            destination: Destination::Lmis,
            message: why,
        },
        Fail::Transient { .. } | Fail::NotStarted(_) => AgentError::Unreachable {
            destination: Destination::Lmis,
            message: format!("{what} could not be read: {f}"),
        },
        other => AgentError::Config {
            message: format!("{what} could not be read: {other}"),
        },
    }
}
