//! Records that cross the FFI where agent-core's own types cannot: maps
//! (uniffi has `HashMap`, the core uses `BTreeMap`), times (here `i64`
//! milliseconds since the Unix epoch, UTC), paths (here `String`) and `usize`
//! counts. Each comes with its one `From` conversion; nothing else.

use agent_core::dhis2::FieldProblem;
use agent_core::form::FormDefinition;
use agent_core::outbox::{DeliveryState, Destination, StateCount};
use agent_core::outbox::{LastErrorKind, NoteKind};
use agent_core::sync::{HoldKind, ItemRef, Rejection};
use agent_core::{AgentConfig, AgentError, PeriodType};
use std::collections::HashMap;
use std::path::PathBuf;

/// Where the agent keeps its files and which servers it delivers to.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AgentSettings {
    /// The outbox database file (created if missing), e.g. in `Context.getNoBackupFilesDir()`.
    pub database_path: String,
    /// The folder of form definitions (`*.json`); `pull_metadata` writes here.
    pub forms_dir: String,
    /// The facility map file.
    pub facilities_path: String,
    /// The DHIS2 destination; absent: service data stays queued.
    #[uniffi(default = None)]
    pub dhis2: Option<Dhis2Endpoint>,
    /// The LMIS (OpenLMIS) destination; absent: stock data stays queued.
    #[uniffi(default = None)]
    pub lmis: Option<LmisEndpoint>,
    /// A form whose period ended more than this many months ago needs
    /// confirmation; absent: 12, 0: never asked (agent.toml's
    /// `[entry] max_period_age_months`).
    #[uniffi(default = None)]
    pub max_period_age_months: Option<i32>,
    /// The language of the agent's messages (`en`, `fr`, `pt`, `sw`, or a
    /// tag such as `sw-TZ`); absent or one the agent does not have:
    /// English. Change it later with `Agent.setLocale`.
    #[uniffi(default = None)]
    pub locale: Option<String>,
    /// Days a form delivered everywhere keeps its content before
    /// `Agent.compact` (or a sync, once a day) drops it, keeping its id,
    /// hash and delivery states; absent: 400, 0: kept for good, otherwise
    /// 31 to 3650 (agent.toml's `[storage] keep_delivered_days`).
    /// Undelivered forms are never touched.
    #[uniffi(default = None)]
    pub keep_delivered_days: Option<i32>,
    /// Days the exchange log keeps each request and answer; absent: 90,
    /// otherwise 7 to 730 (agent.toml's `[storage] keep_exchanges_days`).
    #[uniffi(default = None)]
    pub keep_exchanges_days: Option<i32>,
}

/// The DHIS2 server. Absent optional settings take the core's defaults.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Dhis2Endpoint {
    /// Base URL, e.g. `https://hmis.example.org`.
    pub url: String,
    /// Most data values in one request (default 1000).
    #[uniffi(default = None)]
    pub batch_max_values: Option<i32>,
    /// Most bytes (before compression) in one request (default 512 KiB).
    #[uniffi(default = None)]
    pub batch_max_bytes: Option<i32>,
    /// Seconds to wait for a connection (default 20).
    #[uniffi(default = None)]
    pub connect_timeout_secs: Option<i32>,
    /// Seconds for a whole exchange once connected (default 120).
    #[uniffi(default = None)]
    pub timeout_secs: Option<i32>,
    /// Compress request bodies; absent: probe the server once and remember.
    #[uniffi(default = None)]
    pub gzip: Option<bool>,
    /// Allow plain http:// to a host other than this device (default false).
    #[uniffi(default = None)]
    pub allow_insecure_http: Option<bool>,
    /// A PEM file of private certificate authorities trusted for this server.
    #[uniffi(default = None)]
    pub ca_file: Option<String>,
}

/// The LMIS (OpenLMIS v3) server.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LmisEndpoint {
    /// Base URL, e.g. `https://lmis.example.org`.
    pub url: String,
    /// Seconds to wait for a connection (default 20).
    #[uniffi(default = None)]
    pub connect_timeout_secs: Option<i32>,
    /// Seconds for a whole exchange once connected (default 120).
    #[uniffi(default = None)]
    pub timeout_secs: Option<i32>,
    /// Allow plain http:// to a host other than this device (default false).
    #[uniffi(default = None)]
    pub allow_insecure_http: Option<bool>,
    /// A PEM file of private certificate authorities trusted for this server.
    #[uniffi(default = None)]
    pub ca_file: Option<String>,
}

/// A number from the app's settings (Kotlin `Int?`, Java `Integer`):
/// absent takes the default; negative is refused, naming the setting.
fn setting<T: TryFrom<i32>>(v: Option<i32>, name: &str) -> Result<Option<T>, AgentError> {
    v.map(|n| {
        T::try_from(n).map_err(|_| AgentError::Config {
            message: format!(
                "{name} is {n}: give a positive number, or leave it out for the default"
            ),
        })
    })
    .transpose()
}

/// A count for the app (Kotlin `Long`, Java `long`): u64 counts never reach
/// 2^63; if one did it would read as `Long.MAX_VALUE`, never negative.
pub(crate) fn long(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl TryFrom<AgentSettings> for AgentConfig {
    type Error = AgentError;
    fn try_from(s: AgentSettings) -> Result<AgentConfig, AgentError> {
        let dhis2 = match s.dhis2 {
            None => None,
            Some(d) => Some(agent_core::config::Dhis2Section {
                url: d.url,
                // Credentials come from the shell's CredentialProvider, so
                // none of the secret-source settings of agent.toml are used.
                username: None,
                password_env: None,
                password_file: None,
                token_env: None,
                token_file: None,
                batch_max_values: setting(d.batch_max_values, "dhis2.batchMaxValues")?,
                batch_max_bytes: setting(d.batch_max_bytes, "dhis2.batchMaxBytes")?,
                connect_timeout_secs: setting(d.connect_timeout_secs, "dhis2.connectTimeoutSecs")?,
                timeout_secs: setting(d.timeout_secs, "dhis2.timeoutSecs")?,
                gzip: d.gzip,
                allow_insecure_http: d.allow_insecure_http,
                ca_file: d.ca_file.map(PathBuf::from),
            }),
        };
        let lmis = match s.lmis {
            None => None,
            Some(l) => Some(agent_core::config::LmisSection {
                kind: "openlmis".into(),
                url: l.url,
                // The OAuth client and user come with the credentials
                // (LmisCredentials); these agent.toml fields are unused here.
                client_id: String::new(),
                client_secret_env: None,
                client_secret_file: None,
                username: String::new(),
                password_env: None,
                password_file: None,
                connect_timeout_secs: setting(l.connect_timeout_secs, "lmis.connectTimeoutSecs")?,
                timeout_secs: setting(l.timeout_secs, "lmis.timeoutSecs")?,
                allow_insecure_http: l.allow_insecure_http,
                ca_file: l.ca_file.map(PathBuf::from),
                // The default (90 days); not offered to the app yet.
                reference_max_age_days: None,
            }),
        };
        Ok(AgentConfig {
            database: PathBuf::from(s.database_path),
            forms: PathBuf::from(s.forms_dir),
            facilities: PathBuf::from(s.facilities_path),
            dhis2,
            lmis,
            entry: agent_core::config::EntrySection {
                max_period_age_months: setting(s.max_period_age_months, "maxPeriodAgeMonths")?,
            },
            locale: s.locale,
            // The key comes from the app (Agent.openEncrypted), never a file.
            storage: agent_core::config::StorageSection {
                keep_delivered_days: setting(s.keep_delivered_days, "keepDeliveredDays")?,
                keep_exchanges_days: setting(s.keep_exchanges_days, "keepExchangesDays")?,
                key_file: None,
            },
        })
    }
}

/// The stock lines of one product; a `None` is a field left empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct StockEntry {
    /// Stock at the start of the period.
    #[uniffi(default = None)]
    pub opening_balance: Option<i64>,
    /// Quantity received during the period.
    #[uniffi(default = None)]
    pub received: Option<i64>,
    /// Quantity consumed (dispensed) during the period.
    #[uniffi(default = None)]
    pub consumed: Option<i64>,
    /// Losses (expired, damaged, stolen).
    #[uniffi(default = None)]
    pub losses: Option<i64>,
    /// Net adjustments, positive or negative.
    #[uniffi(default = None)]
    pub adjustments: Option<i64>,
    /// Stock at the end of the period, counted.
    #[uniffi(default = None)]
    pub closing_balance: Option<i64>,
    /// Days the product was out of stock during the period.
    #[uniffi(default = None)]
    pub stockout_days: Option<i64>,
    /// Quantity requested for resupply.
    #[uniffi(default = None)]
    pub requested_quantity: Option<i64>,
}

impl From<StockEntry> for agent_core::StockEntry {
    fn from(e: StockEntry) -> agent_core::StockEntry {
        agent_core::StockEntry {
            opening_balance: e.opening_balance,
            received: e.received,
            consumed: e.consumed,
            losses: e.losses,
            adjustments: e.adjustments,
            closing_balance: e.closing_balance,
            stockout_days: e.stockout_days,
            requested_quantity: e.requested_quantity,
        }
    }
}

/// One recorded form (what a health worker entered), typed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Draft {
    /// The form definition id, e.g. `chw-monthly`.
    pub form: String,
    /// The local facility code, e.g. `HP-001`.
    pub facility: String,
    /// The period in any accepted form (`2026-10`, `202610`, `2026-Q4`...).
    pub period: String,
    /// Service counts by field key.
    #[uniffi(default)]
    pub service: HashMap<String, i64>,
    /// Stock lines by product code.
    #[uniffi(default)]
    pub stock: HashMap<String, StockEntry>,
    /// Free-text comment.
    #[uniffi(default = None)]
    pub comment: Option<String>,
    /// Who captured the form (a name or initials).
    #[uniffi(default = None)]
    pub captured_by: Option<String>,
}

impl From<Draft> for agent_core::Draft {
    fn from(d: Draft) -> agent_core::Draft {
        agent_core::Draft {
            form: d.form,
            facility: d.facility,
            period: d.period,
            service: d.service.into_iter().collect(),
            stock: d.stock.into_iter().map(|(k, v)| (k, v.into())).collect(),
            comment: d.comment,
            captured_by: d.captured_by,
        }
    }
}

/// One service field of a form (a whole-number count).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormField {
    /// Key used in `Draft.service`.
    pub key: String,
    /// Label shown to the health worker.
    pub label: String,
    /// What is counted, e.g. `cases`.
    pub unit: Option<String>,
    /// Section heading the field is shown under.
    pub section: Option<String>,
    /// Smallest accepted value.
    pub min: i64,
    /// Largest accepted value (larger is an error).
    pub max: Option<i64>,
    /// Values above this need the user's confirmation.
    pub warn_above: Option<i64>,
    /// Whether the field must be filled in.
    pub required: bool,
}

/// One commodity whose stock the form reports.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormProduct {
    /// Code used in `Draft.stock`, e.g. `ACT-6x1`.
    pub code: String,
    /// Name shown to the store-keeper.
    pub name: String,
    /// Dispensing unit, e.g. `blister`.
    pub unit: Option<String>,
    /// Quantities above this need the user's confirmation.
    pub warn_above: Option<i64>,
}

/// A form definition, as the UI needs it to draw the form.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FormInfo {
    /// Stable id; `Draft.form`.
    pub id: String,
    /// Definition version.
    pub version: i64,
    /// Title shown to the health worker.
    pub title: String,
    /// The period type the form is reported for.
    pub period_type: PeriodType,
    /// The destinations this form's parts go to.
    pub destinations: Vec<Destination>,
    /// The service fields, in display order.
    pub fields: Vec<FormField>,
    /// The products, in display order.
    pub products: Vec<FormProduct>,
}

impl From<&FormDefinition> for FormInfo {
    fn from(d: &FormDefinition) -> FormInfo {
        FormInfo {
            id: d.id.clone(),
            version: d.version.into(),
            title: d.title.clone(),
            period_type: d.period_type,
            destinations: agent_core::agent::destinations_of(d),
            fields: d
                .service
                .iter()
                .map(|f| FormField {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    unit: f.unit.clone(),
                    section: f.section.clone(),
                    min: f.min,
                    max: f.max,
                    warn_above: f.warn_above,
                    required: f.required,
                })
                .collect(),
            products: d
                .products
                .iter()
                .map(|p| FormProduct {
                    code: p.code.clone(),
                    name: p.name.clone(),
                    unit: p.unit.clone(),
                    warn_above: p.warn_above,
                })
                .collect(),
        }
    }
}

/// The delivery status of one destination of a submission.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DestinationStatus {
    /// The destination.
    pub destination: Destination,
    /// The state of the latest revision's delivery.
    pub state: DeliveryState,
    /// The revision this state is about.
    pub revision: i64,
    /// The newest revision the destination has accepted, if any.
    pub delivered_revision: Option<i64>,
    /// Attempts made for this revision.
    pub attempts: i64,
    /// When the next attempt is due (absent: as soon as possible).
    pub next_attempt_at_ms: Option<i64>,
    /// Why the last attempt failed or was refused, in plain words.
    pub last_error: Option<String>,
    /// What `last_error` is about (retried by itself, refused, waiting), when set.
    pub last_error_kind: Option<LastErrorKind>,
    /// When this delivery last changed.
    pub updated_at_ms: i64,
    /// Why the destination refused it, field by field (empty unless rejected).
    pub problems: Vec<FieldProblem>,
    /// Why the whole destination is held, when it is and this part is still to be sent.
    pub held: Option<String>,
    /// What kind of hold (what to ask the user), when `held` is set.
    pub held_kind: Option<HoldKind>,
    /// `last_error` as a message (id and arguments; `render_message` shows
    /// it in any language): the stored one, or for an older row the one
    /// found from its text.
    pub last_error_message: Option<agent_core::Message>,
    /// `held` as a message.
    pub held_message: Option<agent_core::Message>,
}

impl From<agent_core::outbox::DestinationStatus> for DestinationStatus {
    fn from(d: agent_core::outbox::DestinationStatus) -> DestinationStatus {
        let last_error_message = d.last_error_message();
        let held_message = d.held_message();
        DestinationStatus {
            last_error_message,
            held_message,
            destination: d.destination,
            state: d.state,
            revision: d.revision.into(),
            delivered_revision: d.delivered_revision.map(i64::from),
            attempts: d.attempts.into(),
            next_attempt_at_ms: d.next_attempt_at.map(|t| t.timestamp_millis()),
            last_error: d.last_error,
            last_error_kind: d.last_error_kind,
            updated_at_ms: d.updated_at.timestamp_millis(),
            problems: d.problems,
            held: d.held,
            held_kind: d.held_kind,
        }
    }
}

/// One submission and where each of its parts stands.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SubmissionStatus {
    /// The submission id.
    pub id: String,
    /// Form id.
    pub form: String,
    /// Local facility code.
    pub facility: String,
    /// DHIS2 period id, e.g. `202610`.
    pub period: String,
    /// The latest revision.
    pub revision: i64,
    /// When it was first recorded.
    pub created_at_ms: i64,
    /// The state summed up over destinations.
    pub overall: DeliveryState,
    /// Per destination.
    pub destinations: Vec<DestinationStatus>,
}

impl From<agent_core::outbox::SubmissionStatus> for SubmissionStatus {
    fn from(s: agent_core::outbox::SubmissionStatus) -> SubmissionStatus {
        SubmissionStatus {
            id: s.id,
            form: s.form,
            facility: s.facility,
            period: s.period,
            revision: s.revision.into(),
            created_at_ms: s.created_at.timestamp_millis(),
            overall: s.overall,
            destinations: s.destinations.into_iter().map(Into::into).collect(),
        }
    }
}

/// The outbox at a glance.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OutboxHealth {
    /// Number of submissions (form instances).
    pub submissions: i64,
    /// Deliveries of latest revisions, counted per destination and state.
    pub counts: Vec<StateCount>,
    /// When the oldest form with an undelivered part was first recorded.
    pub oldest_undelivered_at_ms: Option<i64>,
    /// Its age in seconds at the time of the query.
    pub oldest_undelivered_age_secs: Option<i64>,
    /// What syncing has cost, per destination (bytes and requests).
    pub data_use: Vec<agent_core::outbox::DataUse>,
    /// Damaged copies of the outbox not yet acknowledged: show each
    /// `message` on every screen until the user acknowledges them
    /// (`acknowledge_damaged_copies`). Forms in them are not counted above.
    pub damaged_copies: Vec<DamagedCopy>,
}

impl From<agent_core::outbox::OutboxHealth> for OutboxHealth {
    fn from(h: agent_core::outbox::OutboxHealth) -> OutboxHealth {
        OutboxHealth {
            submissions: long(h.submissions),
            counts: h.counts,
            oldest_undelivered_at_ms: h.oldest_undelivered_at.map(|t| t.timestamp_millis()),
            oldest_undelivered_age_secs: h.oldest_undelivered_age_secs,
            data_use: h.data_use,
            damaged_copies: h
                .damaged_copies
                .into_iter()
                .map(DamagedCopy::from)
                .collect(),
        }
    }
}

/// What one sync pass did for one destination.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DestinationReport {
    /// The destination.
    pub destination: Option<Destination>,
    /// Delivered in this pass.
    pub delivered: Vec<ItemRef>,
    /// Refused in this pass, with the reasons per field.
    pub rejected: Vec<Rejection>,
    /// Still waiting to be delivered after the pass.
    pub queued: i64,
    /// When the next attempt is due (absent: now, or nothing queued).
    pub next_attempt_at_ms: Option<i64>,
    /// Why the destination is held (credentials refused, configuration), if
    /// it is: the shell asks the user to sign in, then syncs with `retry_held`.
    pub held: Option<String>,
    /// What kind of hold (sign in again, fix the settings, another
    /// network), when `held` is set.
    pub held_kind: Option<HoldKind>,
    /// `held` as a message (id and arguments): `render_message` shows it in
    /// any language.
    pub held_message: Option<agent_core::Message>,
    /// Anything else the user should know (not configured...).
    pub note: Option<String>,
    /// What `note` is about (not configured, no credentials, backing off...), when set.
    pub note_kind: Option<NoteKind>,
    /// `note` as messages, one per part, in its order.
    pub note_messages: Vec<agent_core::Message>,
    /// Requests made.
    pub requests: i64,
    /// Requests that were retries.
    pub retries: i64,
    /// Bytes sent (bodies as sent, after compression).
    pub bytes_sent: i64,
    /// Bytes received (bodies).
    pub bytes_received: i64,
    /// Transient failures met, in plain words.
    pub failures: Vec<String>,
    /// LMIS: stock events sent.
    pub events_sent: i64,
    /// LMIS: look-ups made for requests whose outcome was unknown.
    pub lookups: i64,
    /// LMIS: forms found already applied by a look-up.
    pub found_by_lookup: i64,
    /// LMIS: resends the server refused as already applied.
    pub already_applied: i64,
}

impl From<agent_core::sync::DestinationReport> for DestinationReport {
    fn from(r: agent_core::sync::DestinationReport) -> DestinationReport {
        DestinationReport {
            destination: r.destination,
            delivered: r.delivered,
            rejected: r.rejected,
            queued: long(r.queued),
            next_attempt_at_ms: r.next_attempt_at.map(|t| t.timestamp_millis()),
            held: r.held,
            held_kind: r.held_kind,
            held_message: r.held_message,
            note: r.note,
            note_kind: r.note_kind,
            note_messages: r.note_messages,
            requests: r.requests.into(),
            retries: r.retries.into(),
            bytes_sent: long(r.bytes_sent),
            bytes_received: long(r.bytes_received),
            failures: r.failures,
            events_sent: r.events_sent.into(),
            lookups: r.lookups.into(),
            found_by_lookup: r.found_by_lookup.into(),
            already_applied: r.already_applied.into(),
        }
    }
}

/// What one sync pass did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Per destination.
    pub destinations: Vec<DestinationReport>,
    /// True only when nothing is queued for any destination.
    pub done: bool,
    /// When to call `sync` again (absent when done, or when only held
    /// destinations remain).
    pub call_again_at_ms: Option<i64>,
    /// The pass was cancelled (`cancel_sync`).
    pub cancelled: bool,
    /// The pass stopped because its budget ran out.
    pub out_of_budget: bool,
}

impl From<agent_core::sync::SyncReport> for SyncReport {
    fn from(r: agent_core::sync::SyncReport) -> SyncReport {
        SyncReport {
            destinations: r.destinations.into_iter().map(Into::into).collect(),
            done: r.done,
            call_again_at_ms: r.call_again_at.map(|t| t.timestamp_millis()),
            cancelled: r.cancelled,
            out_of_budget: r.out_of_budget,
        }
    }
}

/// What a metadata pull did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MetadataPull {
    /// The form id.
    pub form: String,
    /// Fields added from DHIS2.
    pub added: Vec<String>,
    /// Fields removed because DHIS2 no longer has them.
    pub removed: Vec<String>,
    /// Fields kept (with their local labels, ranges and flags).
    pub kept: i64,
    /// Things to look at.
    pub warnings: Vec<String>,
    /// Whether the definition changed (its version was raised).
    pub changed: bool,
    /// The definition file written (or left as it was).
    pub file: String,
    /// The org units DHIS2 assigns to the data set.
    pub org_units: Vec<String>,
    /// Pending forms with fields the new definition no longer has.
    pub pending_mismatches: Vec<String>,
}

impl From<agent_core::agent::MetadataPull> for MetadataPull {
    fn from(m: agent_core::agent::MetadataPull) -> MetadataPull {
        MetadataPull {
            form: m.report.form,
            added: m.report.added,
            removed: m.report.removed,
            kept: long(m.report.kept as u64),
            warnings: m.report.warnings,
            changed: m.report.changed,
            file: m.file.display().to_string(),
            org_units: m.org_units,
            pending_mismatches: m.pending_mismatches,
        }
    }
}

/// The database was damaged at open and moved aside (kept for recovery).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OpenNotice {
    /// Where the damaged file now is.
    pub moved_aside: String,
    /// What was wrong with it.
    pub reason: String,
}

impl From<&agent_core::outbox::OpenNotice> for OpenNotice {
    fn from(n: &agent_core::outbox::OpenNotice) -> OpenNotice {
        OpenNotice {
            moved_aside: n.moved_aside.display().to_string(),
            reason: n.reason.clone(),
        }
    }
}

/// A damaged copy of the outbox kept next to it (never deleted) that may
/// hold forms never sent.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DamagedCopy {
    /// Where the copy is.
    pub path: String,
    /// What was wrong with it, when this agent moved it aside.
    pub reason: Option<String>,
    /// When it was moved aside, when known.
    pub moved_at_ms: Option<i64>,
    /// What it means and what to do, in plain words.
    pub message: String,
}

impl From<agent_core::outbox::DamagedCopy> for DamagedCopy {
    fn from(c: agent_core::outbox::DamagedCopy) -> DamagedCopy {
        DamagedCopy {
            path: c.path.display().to_string(),
            reason: c.reason,
            moved_at_ms: c.moved_at.map(|t| t.timestamp_millis()),
            message: c.message,
        }
    }
}

impl From<agent_core::StockEntry> for StockEntry {
    fn from(e: agent_core::StockEntry) -> StockEntry {
        StockEntry {
            opening_balance: e.opening_balance,
            received: e.received,
            consumed: e.consumed,
            losses: e.losses,
            adjustments: e.adjustments,
            closing_balance: e.closing_balance,
            stockout_days: e.stockout_days,
            requested_quantity: e.requested_quantity,
        }
    }
}

impl From<agent_core::Draft> for Draft {
    fn from(d: agent_core::Draft) -> Draft {
        Draft {
            form: d.form,
            facility: d.facility,
            period: d.period,
            service: d.service.into_iter().collect(),
            stock: d.stock.into_iter().map(|(k, v)| (k, v.into())).collect(),
            comment: d.comment,
            captured_by: d.captured_by,
        }
    }
}

/// A submission and its latest revision as a typed draft (`Agent.inspect`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Inspection {
    /// Where it stands.
    pub status: SubmissionStatus,
    /// The latest revision's number.
    pub revision: i64,
    /// The latest revision as entered (period as its DHIS2 id).
    pub draft: Draft,
}

/// When the agent last synced (`Agent.lastSync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct LastSync {
    /// When the last sync pass ended, whatever it achieved.
    pub pass_finished_at_ms: Option<i64>,
    /// When a destination last accepted a form.
    pub delivered_at_ms: Option<i64>,
}

impl From<agent_core::agent::LastSync> for LastSync {
    fn from(l: agent_core::agent::LastSync) -> LastSync {
        LastSync {
            pass_finished_at_ms: l.pass_finished_at.map(|t| t.timestamp_millis()),
            delivered_at_ms: l.delivered_at.map(|t| t.timestamp_millis()),
        }
    }
}

/// Forms not yet delivered that this device's current form definitions or
/// facility map cannot send (an administrator removed or renamed what they
/// need). They are kept, shown as waiting with the reason, and sent by
/// themselves once the definition or facility is back; or saved for the
/// district with an escrow export (`Agent.exportEscrow`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Stranded {
    /// How many forms, each counted once.
    pub forms: i64,
    /// What each group is missing, with its number of forms, in the
    /// agent's language.
    pub reasons: Vec<String>,
    /// The whole warning with what to do, in the agent's language.
    pub message: String,
    /// `reasons` as messages, for an app that renders with its own resources.
    pub reason_messages: Vec<agent_core::Message>,
    /// `message` as a message (`stranded-warning`).
    pub warning: agent_core::Message,
    /// The export hint: the command a district officer runs on a Pi or a
    /// laptop (`cli-sim export --unsent ...`); in the app, offer
    /// `Agent.exportEscrowToPath` with scope `UNSENT` instead.
    pub export_command: String,
}

impl From<agent_core::agent::Stranded> for Stranded {
    fn from(s: agent_core::agent::Stranded) -> Stranded {
        Stranded {
            forms: long(s.forms),
            reasons: s.reasons,
            message: s.message,
            reason_messages: s.reason_messages,
            warning: s.warning,
            export_command: agent_core::agent::EXPORT_UNSENT_COMMAND.to_string(),
        }
    }
}
