//! Escrow (issue 17): every undelivered revision of an outbox (or, on
//! request, everything) in one file encrypted to a district's age public key,
//! and its import on another device, so that a broken, reset or reassigned
//! device does not take the only copy of its reports with it.
//!
//! The file is an [age](https://age-encryption.org/v1) file (X25519 `age1…`
//! recipients, or post-quantum `age1pq1…` ones). Its plaintext is one JSON
//! document (`schemas/escrow.schema.json`): a header and one entry per
//! revision with its manifest (submission id, revision, form, facility,
//! period, content hash, delivery states at export) and its stored content.
//! The plaintext is only ever streamed into the age writer; it is never
//! written to disk.
//!
//! Exactly once across devices: revisions keep their submission ids and
//! revision numbers, so the idempotency keys and LMIS `resourceId`s are the
//! same on both devices. DHIS2 upserts are safe to repeat; every LMIS
//! delivery still to make is marked "look up before sending" both on the
//! exporting device (at export) and on the importing one, so whichever
//! device sends second finds the event in the LMIS and does not send it.
//!
//! Every SQL statement is in [`sql`]; this module holds the format, the
//! encryption and the decisions.

use crate::error::{AgentError, Error, Result};
use crate::model::canonical::sha256_hex;
use crate::model::delivery::{DeliveryState, Destination};
use crate::model::draft::Draft;
use crate::model::form::{FormDefinition, FormSet};
use crate::model::mapping::FacilityMap;
use crate::store::escrow as sql;
use crate::store::outbox::{self, idempotency_key};
use crate::store::time::Time;
use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;

/// The `format` field of every escrow file.
pub const FORMAT: &str = "health-sync-escrow";
/// The version of the plaintext document this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The largest escrow file (encrypted or decrypted) an import reads.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
/// The largest identity (key) file an import reads.
pub const MAX_KEY_FILE_BYTES: u64 = 64 * 1024;

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ExportScope {
    /// Every submission with a delivery still to make, with all its
    /// revisions (earlier ones are needed to send LMIS corrections as
    /// differences).
    Unsent,
    /// Everything in the outbox.
    All,
}

/// One delivery of a revision as it stood on the exporting device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryDelivery {
    /// The destination.
    pub destination: Destination,
    /// Its state at export.
    pub state: DeliveryState,
    /// True when a request carrying it may have reached the destination
    /// (in flight, or an unknown outcome).
    pub may_have_arrived: bool,
}

/// One revision in an escrow file: its manifest and its stored content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The submission id (UUID), kept on import.
    pub submission_id: String,
    /// The revision number, kept on import.
    pub revision: u32,
    /// Form id.
    pub form: String,
    /// Form definition version the revision was recorded with.
    pub form_version: u32,
    /// Local facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
    /// First day of the period (yyyy-mm-dd).
    pub period_start: String,
    /// Last day of the period (yyyy-mm-dd).
    pub period_end: String,
    /// When the submission was first recorded (UTC).
    pub submission_created_at: String,
    /// When this revision was recorded (UTC).
    pub recorded_at: String,
    /// sha256 hex of `content` (the outbox's canonical content hash).
    pub content_hash: String,
    /// The delivery states at export.
    pub deliveries: Vec<EntryDelivery>,
    /// The warnings the user confirmed when recording.
    pub warnings: serde_json::Value,
    /// The stored canonical JSON of the draft, byte for byte.
    pub content: String,
}

/// The decrypted escrow document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EscrowFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// When the export was made (UTC).
    pub created_at: String,
    /// The agent that made it ([`crate::net::http::AGENT_NAME`]).
    pub agent: String,
    /// What it holds.
    pub scope: ExportScope,
    /// One per revision, ordered by submission and revision.
    pub entries: Vec<Entry>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ExportSummary {
    /// What it holds.
    pub scope: ExportScope,
    /// Forms (submissions) in the file.
    pub forms: u32,
    /// Revisions in the file.
    pub revisions: u32,
    /// Revisions with a delivery still to make.
    pub undelivered: u32,
    /// LMIS deliveries of this device now marked "look up before sending",
    /// so that this device, if it syncs again, does not send what the
    /// importing device already delivered.
    pub marked_for_look_up: u32,
    /// Said when this device could not remember the export (read-only outbox).
    pub note: Option<String>,
}

/// One revision an import added or skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportedRevision {
    /// Submission id.
    pub id: String,
    /// Revision number.
    pub revision: u32,
    /// Form id.
    pub form: String,
    /// Facility code.
    pub facility: String,
    /// DHIS2 period id.
    pub period: String,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ImportReport {
    /// Revisions added to this outbox.
    pub imported: Vec<ImportedRevision>,
    /// Revisions already here with the same content (nothing written).
    pub skipped: Vec<ImportedRevision>,
    /// Deliveries queued for sending by this device.
    pub queued: u32,
}

fn refused(message: impl Into<String>) -> AgentError {
    AgentError::EscrowRefused {
        message: message.into(),
    }
}

fn io_failed(what: &str, e: std::io::Error) -> AgentError {
    if e.kind() == std::io::ErrorKind::StorageFull {
        AgentError::StorageFull {
            message: format!("{what}: {e}"),
        }
    } else {
        AgentError::StorageUnavailable {
            message: format!("{what}: {e}"),
        }
    }
}

/// Reads a district public key: `age1…` (X25519, what `age-keygen` makes)
/// or `age1pq1…` (post-quantum).
pub fn parse_recipient(text: &str) -> Result<Box<dyn age::Recipient + Send>> {
    let text = text.trim();
    // Classic X25519 is deprecated in age 0.13 in favour of post-quantum
    // keys, but it is what district key holders have (`age-keygen`).
    #[allow(deprecated)]
    if let Ok(r) = age::x25519::Recipient::from_str(text) {
        return Ok(Box::new(r));
    }
    if let Ok(r) = age::pq::Recipient::from_str(text) {
        return Ok(Box::new(r));
    }
    Err(AgentError::InvalidKey {
        message: "the public key to export to is not an age public key (it starts with age1 and is one word, as printed by age-keygen or `cli-sim keygen`)".into(),
    })
}

/// Reads an identity (secret key) file as `age-keygen` writes it.
fn parse_identities(text: &[u8]) -> Result<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let bad = || {
        AgentError::InvalidKey {
        message: "the key file holds no age secret key (a line starting AGE-SECRET-KEY-, as written by age-keygen or `cli-sim keygen`)".into(),
    }
    };
    let ids = age::IdentityFile::from_buffer(text)
        .map_err(|_| bad())?
        .into_identities()
        .map_err(|_| bad())?;
    if ids.is_empty() {
        return Err(bad());
    }
    Ok(ids)
}

/// A new X25519 key pair for a district: (secret key file text, public key).
/// The file text is what `age-keygen` writes; keep it off the devices.
pub fn generate_key(now: DateTime<Utc>) -> (String, String) {
    use age::secrecy::ExposeSecret;
    // See parse_recipient: X25519 keeps `age`/`rage` compatibility.
    #[allow(deprecated)]
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let file = format!(
        "# created: {}\n# public key: {public}\n{}\n",
        Time(now),
        id.to_string().expose_secret()
    );
    (file, public)
}

/// Writes the escrow of this outbox, encrypted to `recipient`, into `out`.
/// The plaintext goes straight into the age writer. Returns what the file
/// holds; the caller then marks the exported LMIS deliveries
/// ([`mark_exported`]).
pub fn write_export(
    conn: &Connection,
    scope: ExportScope,
    recipient: &str,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> Result<ExportSummary> {
    let recipient = parse_recipient(recipient)?;
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&*recipient as _))
        .map_err(AgentError::internal)?;
    let mut w = encryptor
        .wrap_output(out)
        .map_err(|e| io_failed("writing the export", e))?;
    let summary = write_document(conn, scope, now, &mut w)?;
    w.finish()
        .map_err(|e| io_failed("writing the export", e))?
        .flush()
        .map_err(|e| io_failed("writing the export", e))?;
    Ok(summary)
}

/// The plaintext document, streamed entry by entry.
fn write_document(
    conn: &Connection,
    scope: ExportScope,
    now: DateTime<Utc>,
    w: &mut dyn Write,
) -> Result<ExportSummary> {
    let io = |e: std::io::Error| io_failed("writing the export", e);
    let json = |e: serde_json::Error| AgentError::internal(format!("escrow json: {e}"));
    let header = serde_json::json!({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": Time(now).to_string(),
        "agent": crate::net::http::AGENT_NAME,
        "scope": scope,
    });
    let mut text = serde_json::to_string(&header).map_err(json)?;
    // Reopen the header object to append the entries array.
    text.pop();
    write!(w, "{text},\"entries\":[").map_err(io)?;
    let mut summary = ExportSummary {
        scope,
        forms: 0,
        revisions: 0,
        undelivered: 0,
        marked_for_look_up: 0,
        note: None,
    };
    let mut last_id = String::new();
    let mut failure: Option<AgentError> = None;
    sql::for_each_revision(conn, scope == ExportScope::All, |row| {
        let deliveries = sql::deliveries_of(conn, &row.submission_id, row.revision)?;
        let entry = Entry {
            deliveries: deliveries
                .iter()
                .map(|&(destination, state, may_have_arrived)| EntryDelivery {
                    destination,
                    state,
                    may_have_arrived,
                })
                .collect(),
            warnings: serde_json::from_str(&row.warnings)?,
            submission_id: row.submission_id,
            revision: row.revision,
            form: row.form,
            form_version: row.form_version,
            facility: row.facility,
            period: row.period,
            period_start: row.period_start,
            period_end: row.period_end,
            submission_created_at: row.submission_created_at,
            recorded_at: row.recorded_at,
            content_hash: row.content_hash,
            content: row.content,
        };
        if entry.deliveries.iter().any(|d| d.state.is_undelivered()) {
            summary.undelivered += 1;
        }
        if entry.submission_id != last_id {
            summary.forms += 1;
            last_id.clone_from(&entry.submission_id);
        }
        let sep = if summary.revisions == 0 { "" } else { "," };
        summary.revisions += 1;
        let written = w
            .write_all(sep.as_bytes())
            .map_err(io)
            .and_then(|()| serde_json::to_writer(&mut *w, &entry).map_err(json));
        if let Err(e) = written {
            failure = Some(e);
            return Err(Error::Invariant("export write failed".into()));
        }
        Ok(())
    })
    .map_err(|e| failure.take().unwrap_or_else(|| AgentError::from(e)))?;
    w.write_all(b"]}").map_err(io)?;
    Ok(summary)
}

/// After a successful export: marks this outbox's LMIS deliveries still to
/// make as "look up before sending", with an audit row each. Returns how
/// many were marked.
pub fn mark_exported(conn: &mut Connection, now: DateTime<Utc>) -> Result<u32> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let marked = sql::mark_exported_lmis(&tx)?;
    for (id, rev) in &marked {
        outbox::audit(
            &tx,
            now,
            id,
            Some(*rev),
            Some(Destination::Lmis),
            "escrow_exported",
            (None, None),
            Some("exported to an escrow file; looked up in the LMIS before any send"),
        )?;
    }
    tx.commit()?;
    Ok(u32::try_from(marked.len()).unwrap_or(u32::MAX))
}

/// Writes the export to `path` through `path.tmp` (encrypted bytes only),
/// synced, then renamed into place.
pub fn write_export_file(
    conn: &Connection,
    scope: ExportScope,
    recipient: &str,
    now: DateTime<Utc>,
    path: &Path,
) -> Result<ExportSummary> {
    // The key is checked before any file is made.
    parse_recipient(recipient)?;
    // An earlier export (another device's, on the same stick) is never
    // overwritten. Checked again just before the rename; removable storage
    // (FAT) has no hard links to make the check atomic.
    let exists = || {
        if path.exists() {
            Err(AgentError::StorageUnavailable {
                message: format!(
                    "{} already exists; choose another file name (an earlier export is never overwritten)",
                    path.display()
                ),
            })
        } else {
            Ok(())
        }
    };
    exists()?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let what = |e: std::io::Error| io_failed(&format!("export file {}", tmp.display()), e);
    let result = (|| {
        let file = std::fs::File::create(&tmp).map_err(what)?;
        let mut buf = std::io::BufWriter::new(file);
        let summary = write_export(conn, scope, recipient, now, &mut buf)?;
        let file = buf.into_inner().map_err(|e| what(e.into_error()))?;
        file.sync_all().map_err(what)?;
        exists()?;
        std::fs::rename(&tmp, path).map_err(what)?;
        Ok(summary)
    })();
    if result.is_err() {
        // Only the encrypted, incomplete temporary file is removed.
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Decrypts an escrow file with the identities in `key_file_text` and reads
/// its document. Nothing is checked against an outbox yet.
pub fn decrypt(encrypted: &[u8], key_file_text: &[u8]) -> Result<EscrowFile> {
    let identities = parse_identities(key_file_text)?;
    let decryptor = age::Decryptor::new_buffered(encrypted).map_err(|_| {
        refused("this file is not an escrow export (it is not an age-encrypted file); check that you chose the right file. Nothing was imported.")
    })?;
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => refused(
                "this file was not encrypted to the key in the key file: use the district secret key whose public key the export was made to. Nothing was imported.",
            ),
            _ => refused(
                "the file is damaged or was changed after export (it does not decrypt); ask for a new export. Nothing was imported.",
            ),
        })?;
    let mut plain = Vec::new();
    (&mut reader)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut plain)
        .map_err(|_| {
            refused("the file is damaged or was changed after export (its contents do not decrypt whole); ask for a new export. Nothing was imported.")
        })?;
    if plain.len() as u64 > MAX_FILE_BYTES {
        return Err(refused(format!(
            "the file is larger than {} MB once decrypted; split the export (one per facility). Nothing was imported.",
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    read_document(&plain)
}

/// Reads and checks a decrypted escrow document (format, version, every
/// entry's hash and agreement with its content).
pub fn read_document(plain: &[u8]) -> Result<EscrowFile> {
    #[derive(Deserialize)]
    struct Probe {
        format: Option<String>,
        format_version: Option<u32>,
    }
    let probe: Probe = serde_json::from_slice(plain).map_err(|_| {
        refused("the decrypted file is not an escrow document; ask for a new export. Nothing was imported.")
    })?;
    if probe.format.as_deref() != Some(FORMAT) {
        return Err(refused(
            "the decrypted file is not an escrow export of this agent; nothing was imported.",
        ));
    }
    match probe.format_version {
        Some(v) if v > FORMAT_VERSION => {
            return Err(refused(format!(
                "the file was made by a newer version of the agent (escrow format {v}, this one reads {FORMAT_VERSION}); update this device's app and import again. Nothing was imported."
            )));
        }
        _ => {}
    }
    let file: EscrowFile = serde_json::from_slice(plain).map_err(|e| {
        refused(format!(
            "the escrow document is not in the expected shape ({e}); ask for a new export. Nothing was imported."
        ))
    })?;
    let problems = verify(&file);
    if !problems.is_empty() {
        return Err(refused(format!(
            "{} entr{} of the file cannot be trusted, so nothing was imported; ask for a new export from the device:\n{}",
            problems.len(),
            if problems.len() == 1 { "y" } else { "ies" },
            problems.join("\n")
        )));
    }
    Ok(file)
}

fn describe(e: &Entry) -> String {
    format!(
        "form {} for facility {}, period {}, revision {} (id {})",
        e.form, e.facility, e.period, e.revision, e.submission_id
    )
}

/// Pure: every problem of the entries, one line each (empty: all good).
pub fn verify(file: &EscrowFile) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<(&str, u32), &str> = BTreeMap::new();
    let mut keys: BTreeMap<&str, (&str, &str, &str)> = BTreeMap::new();
    for e in &file.entries {
        let d = describe(e);
        if sha256_hex(e.content.as_bytes()) != e.content_hash.to_ascii_lowercase() {
            problems.push(format!(
                "{d}: its content does not match its content hash (changed after export)"
            ));
            continue;
        }
        if uuid::Uuid::parse_str(&e.submission_id).is_err() || e.revision == 0 {
            problems.push(format!("{d}: not a valid submission id and revision"));
            continue;
        }
        match serde_json::from_str::<Draft>(&e.content) {
            Ok(draft)
                if draft.form == e.form
                    && draft.facility == e.facility
                    && draft.period == e.period => {}
            Ok(_) => problems.push(format!(
                "{d}: its content is for another form, facility or period than its manifest says"
            )),
            Err(_) => problems.push(format!("{d}: its content is not a form")),
        }
        if chrono::NaiveDate::parse_from_str(&e.period_start, "%Y-%m-%d").is_err()
            || chrono::NaiveDate::parse_from_str(&e.period_end, "%Y-%m-%d").is_err()
            || e.recorded_at.parse::<Time>().is_err()
            || e.submission_created_at.parse::<Time>().is_err()
        {
            problems.push(format!("{d}: a date in its manifest is not readable"));
        }
        if let Some(h) = seen.insert((&e.submission_id, e.revision), &e.content_hash)
            && h != e.content_hash
        {
            problems.push(format!("{d}: appears twice with different contents"));
        }
        let key = (e.form.as_str(), e.facility.as_str(), e.period.as_str());
        if let Some(k) = keys.insert(&e.submission_id, key)
            && k != key
        {
            problems.push(format!(
                "{d}: the same id is used for another form, facility or period in the file"
            ));
        }
    }
    problems
}

/// The state an imported delivery starts in, from its state on the
/// exporting device. Delivered and superseded stay so (the servers hold, or
/// never needed, them); anything still to make is queued here. An older
/// revision that cannot have arrived is superseded by the latest one.
/// Returns the state and whether to look it up before sending (every LMIS
/// delivery still to make: the other device may deliver it too).
pub fn imported_state(
    destination: Destination,
    at_source: Option<&EntryDelivery>,
    is_latest: bool,
) -> (DeliveryState, bool) {
    let lmis = destination == Destination::Lmis;
    match at_source {
        Some(d) if d.state == DeliveryState::Delivered => (DeliveryState::Delivered, false),
        Some(d) if d.state == DeliveryState::Superseded => (DeliveryState::Superseded, false),
        // An older LMIS revision that may be in the LMIS is looked up (a
        // correction is sent as the difference from what the LMIS holds).
        Some(d) if !is_latest && lmis && d.may_have_arrived => (DeliveryState::Pending, true),
        // The latest revision's figures replace an older one's.
        _ if !is_latest => (DeliveryState::Superseded, false),
        _ => (DeliveryState::Pending, lmis),
    }
}

/// Imports a checked escrow document into this outbox in one transaction:
/// all of it or, on any conflict, nothing. `destinations` says which
/// destinations a form has parts for (the facade's `destinations_of`,
/// passed in so that this module does not import the facade).
pub fn import(
    conn: &mut Connection,
    file: &EscrowFile,
    forms: &FormSet,
    facilities: &FacilityMap,
    destinations: &dyn Fn(&FormDefinition) -> Vec<Destination>,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let mut problems = Vec::new();
    for e in &file.entries {
        if forms.get(&e.form).is_none() {
            problems.push(format!(
                "{}: the form {} is not set up on this device; add its definition to the forms folder and import again",
                describe(e),
                e.form
            ));
        } else if facilities.get(&e.facility).is_none() {
            problems.push(format!(
                "{}: the facility {} is not in this device's facility map; add it and import again",
                describe(e),
                e.facility
            ));
        }
    }
    problems.dedup();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut report = ImportReport {
        imported: Vec::new(),
        skipped: Vec::new(),
        queued: 0,
    };
    // Group by submission (entries are ordered by submission and revision;
    // a hand-made file may not be, so group explicitly).
    let mut groups: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in &file.entries {
        groups.entry(&e.submission_id).or_default().push(e);
    }
    let mut plan: Vec<(&Entry, Option<sql::LocalSubmission>, u32)> = Vec::new();
    for (id, mut entries) in groups {
        entries.sort_by_key(|e| e.revision);
        let Some(first) = entries.first() else {
            continue;
        };
        let local = sql::submission_by_id(&tx, id)?;
        if local.is_none()
            && let Some(other) =
                sql::submission_by_key(&tx, &first.form, &first.facility, &first.period)?
        {
            problems.push(format!(
                "form {} for facility {}, period {}: this device already holds its own form for them (id {}), and the file holds another one (id {}). Only one form per facility and period can be sent. Compare the two (`cli-sim inspect {}` here, the file's figures at the other device), keep the right figures as a correction on this device, and import the file on a device that does not hold this form, or leave it out of the export.",
                first.form, first.facility, first.period, other.id, id, other.id
            ));
            continue;
        }
        let file_latest = entries.iter().map(|e| e.revision).max().unwrap_or(1);
        let latest = file_latest.max(local.as_ref().map_or(0, |l| l.latest_revision));
        for e in entries {
            match sql::revision_hash(&tx, id, e.revision)? {
                Some(h) if h == e.content_hash => report.skipped.push(item(e)),
                Some(h) => problems.push(format!(
                    "{}: this device already holds revision {} of this form with other contents (hash {} here, {} in the file): two devices recorded different figures under the same number. Nothing was imported. Check the figures here with `cli-sim inspect {}`, then record the right ones as a correction on the device that will send them.",
                    describe(e),
                    e.revision,
                    short(&h),
                    short(&e.content_hash),
                    id
                )),
                None => plan.push((e, local.clone(), latest)),
            }
        }
    }
    if !problems.is_empty() {
        // The transaction rolls back on drop: nothing is written.
        return Err(refused(format!(
            "the file was not imported ({} problem{}; nothing was changed):\n{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.join("\n")
        )));
    }
    let detail = format!(
        "imported from an escrow file made {} by {}",
        file.created_at, file.agent
    );
    let mut created: BTreeMap<String, u32> = BTreeMap::new();
    for (e, local, latest) in &plan {
        let row = sql::RevisionRow {
            submission_id: e.submission_id.clone(),
            revision: e.revision,
            form: e.form.clone(),
            form_version: e.form_version,
            facility: e.facility.clone(),
            period: e.period.clone(),
            period_start: e.period_start.clone(),
            period_end: e.period_end.clone(),
            submission_created_at: e.submission_created_at.clone(),
            recorded_at: e.recorded_at.clone(),
            content_hash: e.content_hash.clone(),
            warnings: serde_json::to_string(&e.warnings).map_err(AgentError::internal)?,
            content: e.content.clone(),
        };
        match local {
            None if !created.contains_key(&e.submission_id) => {
                sql::insert_submission(&tx, &row, *latest)?;
                created.insert(e.submission_id.clone(), *latest);
            }
            Some(l) if l.latest_revision < *latest && !created.contains_key(&e.submission_id) => {
                sql::set_latest_revision(&tx, &e.submission_id, *latest)?;
                created.insert(e.submission_id.clone(), *latest);
            }
            _ => {}
        }
        sql::insert_revision(&tx, &row)?;
        outbox::audit(
            &tx,
            now,
            &e.submission_id,
            Some(e.revision),
            None,
            "imported",
            (None, None),
            Some(&detail),
        )?;
        let Some(def) = forms.get(&e.form) else {
            return Err(AgentError::internal("checked form vanished"));
        };
        for dest in destinations(def) {
            let at_source = e.deliveries.iter().find(|d| d.destination == dest);
            let (state, look_up) = imported_state(dest, at_source, e.revision == *latest);
            sql::insert_delivery(
                &tx,
                &e.submission_id,
                e.revision,
                dest,
                state,
                look_up,
                &idempotency_key(&e.submission_id, e.revision, dest),
                now,
            )?;
            let words = match state {
                DeliveryState::Delivered => "delivered by the device that exported it",
                DeliveryState::Superseded => "replaced by a later revision",
                _ if look_up => "queued here; looked up in the LMIS before sending",
                _ => "queued here",
            };
            outbox::audit(
                &tx,
                now,
                &e.submission_id,
                Some(e.revision),
                Some(dest),
                "imported",
                (None, Some(state)),
                Some(words),
            )?;
            if state == DeliveryState::Pending {
                report.queued += 1;
            }
        }
        report.imported.push(item(e));
    }
    // Revisions queued here before a newer one arrived in the file.
    for (id, latest) in &created {
        for (rev, dest) in sql::supersede_older(&tx, id, *latest, now)? {
            outbox::audit(
                &tx,
                now,
                id,
                Some(rev),
                Some(dest),
                "superseded",
                (None, Some(DeliveryState::Superseded)),
                Some(&format!("replaced by imported revision {latest}")),
            )?;
        }
    }
    tx.commit()?;
    Ok(report)
}

fn item(e: &Entry) -> ImportedRevision {
    ImportedRevision {
        id: e.submission_id.clone(),
        revision: e.revision,
        form: e.form.clone(),
        facility: e.facility.clone(),
        period: e.period.clone(),
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests;
