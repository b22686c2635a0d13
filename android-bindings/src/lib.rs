//! uniffi bindings over agent-core for the Android shell (Kotlin), also
//! usable from Python.
//!
//! Architecture Invariant: this crate holds no logic. Each exported method is
//! one delegating call to [`agent_core::Agent`] plus type conversions (the
//! records in [`types`], the credential adapter in [`credentials`]). A branch
//! that is not a conversion belongs in agent-core.
//!
//! Plain data types defined in agent-core (findings, severities,
//! destinations, delivery states, receipts, field problems, the error enum)
//! derive their uniffi traits there, behind its `uniffi` feature; the Kotlin
//! code generated for them lives in the package `org.healthsync.agent.core`
//! (set by `bindgen-config.toml`, which the generator must be given). Types
//! that hold times, paths or maps the FFI cannot carry are mirrored in
//! [`types`]. Every time crosses the FFI as `i64` milliseconds since the Unix
//! epoch (UTC); fields carrying one end in `_ms`.
//!
//! Panics: uniffi catches an unwinding panic at the boundary and raises it in
//! Kotlin as `InternalException` (Python: `InternalError`); this crate must
//! therefore never be built with `panic = "abort"`.

use agent_core::AgentError;
use agent_core::outbox::DeliveryState;
use std::sync::Arc;
use std::time::Duration;

pub mod callbacks;
pub mod credentials;
#[cfg(target_os = "android")]
pub mod platform_tls;
pub mod types;

pub use callbacks::{CallbackError, LogLevel, LogSink, OutboxListener, SyncObserver};

pub use credentials::{CredentialError, CredentialProvider, Dhis2Credentials, LmisCredentials};
pub use types::{
    AgentSettings, DamagedCopy, DestinationReport, DestinationStatus, Dhis2Endpoint, Draft,
    FormField, FormInfo, FormProduct, Inspection, LastSync, LmisEndpoint, MetadataPull, OpenNotice,
    OutboxHealth, StockEntry, Stranded, SubmissionStatus, SyncReport,
};

uniffi::setup_scaffolding!();

/// Sends the agent's log lines at `min_level` and above to `sink` (e.g.
/// `android.util.Log`), replacing any earlier sink; call it once at app
/// start, before `Agent.open`. Returns false when another Rust logger was
/// installed first in this process (the sink then receives nothing).
#[uniffi::export]
pub fn set_log_sink(sink: Box<dyn LogSink>, min_level: LogLevel) -> bool {
    callbacks::set_sink(Some(sink), min_level)
}

/// Whether servers are checked by the platform's certificate verifier:
/// on Android the device's trust store and the app's
/// `network_security_config`, once `PlatformTls.init(context)` ran (before
/// `Agent.open`); the system's store elsewhere. False on Android before
/// that: the agent then trusts Mozilla's roots only. A destination with a
/// `ca_file` always trusts Mozilla's roots plus that file.
#[uniffi::export]
pub fn platform_tls_ready() -> bool {
    agent_core::http::platform_verifier_usable()
}

/// A message of the agent (a finding's `text`, or any id + arguments) in
/// `locale`, falling back to English; for an app that shows a message in
/// another language than the agent's without asking the agent again.
#[uniffi::export]
pub fn render_message(message: agent_core::Message, locale: String) -> String {
    agent_core::i18n::render(&message, &locale)
}

/// A message of the agent with its text in one language: the id and
/// arguments (for an app that renders with its own resources) and the text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LocalizedMessage {
    /// The message id and its named arguments.
    pub message: agent_core::Message,
    /// Its text in the language asked for (English where it has none).
    pub text: String,
}

/// What an error says, as a message and its text in `locale` (for an error
/// met before an `Agent` exists, e.g. from `Agent.open`; otherwise
/// `Agent.error_message` uses the agent's language).
#[uniffi::export]
pub fn error_message(error: AgentError, locale: String) -> LocalizedMessage {
    let message = error.message();
    LocalizedMessage {
        text: agent_core::i18n::render(&message, &locale),
        message,
    }
}

/// The locales built into the agent (`en`, `fr`, `pt`, `sw`).
#[uniffi::export]
pub fn supported_locales() -> Vec<String> {
    agent_core::i18n::EMBEDDED
        .iter()
        .map(|(tag, _)| tag.to_string())
        .collect()
}

/// Stops sending log lines to the sink.
#[uniffi::export]
pub fn clear_log_sink() {
    callbacks::set_sink(None, LogLevel::Error);
}

/// A budget from the app: negative counts as none.
fn budget(budget_ms: i64) -> agent_core::sync::SyncBudget {
    agent_core::sync::SyncBudget::time(Duration::from_millis(budget_ms.max(0) as u64))
}

/// The agent: one outbox on this device. Share one instance for the whole
/// app (it is thread-safe); every method may be called from any thread.
/// Methods block (SQLite, HTTP): call them off the main thread. `submit` and
/// `validate` take milliseconds even while a sync runs on another thread.
#[derive(uniffi::Object)]
pub struct Agent {
    inner: agent_core::Agent,
    credentials: credentials::ShellCredentials,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl Agent {
    /// Opens the agent: loads and checks the form definitions and the
    /// facility map, then opens (creating if needed) the outbox database.
    /// `credentials` is asked for sign-in details at each sync; they are
    /// never stored.
    #[uniffi::constructor]
    pub fn open(
        settings: AgentSettings,
        credentials: Box<dyn CredentialProvider>,
    ) -> Result<Arc<Agent>, AgentError> {
        Ok(Arc::new(Agent {
            inner: agent_core::Agent::open(&settings.try_into()?)?,
            credentials: credentials::ShellCredentials(credentials),
        }))
    }

    /// Switches the language of the agent's messages (findings rendered
    /// from now on) when the user changes it. Returns false, and keeps
    /// English, for a language the agent does not have.
    pub fn set_locale(&self, locale: String) -> bool {
        self.inner.set_locale(&locale)
    }

    /// The language of the agent's messages now (`en` by default).
    pub fn locale(&self) -> String {
        self.inner.locale()
    }

    /// What an error of this agent says, as a message (id and arguments)
    /// and its text in the agent's language.
    pub fn error_message(&self, error: AgentError) -> LocalizedMessage {
        error_message(error, self.inner.locale())
    }

    /// Like `open`, with the outbox encrypted (SQLCipher) by `outbox_key`:
    /// 32 random bytes the app keeps wrapped by the Android Keystore and
    /// unwraps for this call. A plain outbox is encrypted in place the
    /// first time (no form lost); an outbox this key does not open is
    /// refused with `AgentError.OutboxKey` and left untouched. The key is
    /// not kept anywhere but in this object's memory.
    #[uniffi::constructor]
    pub fn open_encrypted(
        settings: AgentSettings,
        credentials: Box<dyn CredentialProvider>,
        outbox_key: Vec<u8>,
    ) -> Result<Arc<Agent>, AgentError> {
        let raw = <[u8; 32]>::try_from(outbox_key.as_slice()).map_err(|_| AgentError::OutboxKey {
            message: format!(
                "the outbox key must be exactly 32 bytes (256 bits); the app gave {} bytes. Nothing was opened",
                outbox_key.len()
            ),
        })?;
        Ok(Arc::new(Agent {
            inner: agent_core::Agent::open_with_key(
                &settings.try_into()?,
                Arc::new(agent_core::SystemClock),
                Some(agent_core::OutboxKey::from_raw(raw)),
            )?,
            credentials: credentials::ShellCredentials(credentials),
        }))
    }

    /// Every form definition, ordered by id, with its fields and products.
    pub fn forms(&self) -> Vec<FormInfo> {
        self.inner.forms().iter().map(FormInfo::from).collect()
    }

    /// The facilities this device can report for.
    pub fn facilities(&self) -> Vec<agent_core::mapping::Facility> {
        self.inner.facilities().iter().cloned().collect()
    }

    /// Set when the database was found damaged at this open and moved aside
    /// (kept for recovery, never deleted). The copy stays in
    /// `outbox_health().damaged_copies` until acknowledged: show that list.
    pub fn open_notice(&self) -> Option<OpenNotice> {
        self.inner.open_notice().map(OpenNotice::from)
    }

    /// The user has seen the damaged copies of the outbox (support has them
    /// or recovered them): stop reporting them. The files stay on disk.
    /// Returns the copies acknowledged now.
    pub fn acknowledge_damaged_copies(&self) -> Result<Vec<DamagedCopy>, AgentError> {
        self.inner
            .acknowledge_damaged_copies()
            .map(|l| l.into_iter().map(DamagedCopy::from).collect())
    }

    /// True when the outbox could only be opened for reading (read-only
    /// storage, permissions): lists and health work, saving does not.
    pub fn is_read_only(&self) -> bool {
        self.inner.is_read_only()
    }

    /// Validates a draft; every finding at once (errors block saving,
    /// warnings need confirmation). Nothing is saved.
    pub fn validate(&self, draft: Draft) -> Result<Vec<agent_core::Finding>, AgentError> {
        self.inner.validate(&draft.into())
    }

    /// Validates a draft and gives, for each product, what to order: the
    /// average monthly consumption over the last months of the same
    /// facility and form in the outbox (adjusted for stock-out days),
    /// months of stock left and the suggested quantity with how it was
    /// computed (`formula`). The advice is information, not a finding.
    /// Nothing is saved.
    pub fn validate_with_resupply(
        &self,
        draft: Draft,
    ) -> Result<agent_core::Validation, AgentError> {
        self.inner.validate_with_resupply(&draft.into())
    }

    /// Validates and saves a draft durably; returns once it is on disk.
    /// Throws `InvalidDraft` (errors) or `NeedsConfirmation` (warnings, when
    /// `confirm_warnings` is false), both carrying the findings.
    pub fn submit(
        &self,
        draft: Draft,
        confirm_warnings: bool,
    ) -> Result<agent_core::Receipt, AgentError> {
        self.inner.submit(&draft.into(), confirm_warnings)
    }

    /// One submission and where each destination's part stands.
    pub fn status(&self, id: String) -> Result<SubmissionStatus, AgentError> {
        self.inner.status(&id).map(SubmissionStatus::from)
    }

    /// Submissions, newest first; only those with a part in `state` when given.
    #[uniffi::method(default(state = None, limit = 200))]
    pub fn list_outbox(
        &self,
        state: Option<DeliveryState>,
        limit: i32,
    ) -> Result<Vec<SubmissionStatus>, AgentError> {
        self.inner
            .list(state, u32::try_from(limit).unwrap_or(0))
            .map(|l| l.into_iter().map(SubmissionStatus::from).collect())
    }

    /// Counts per destination and state, and the age of the oldest
    /// undelivered form.
    pub fn outbox_health(&self) -> Result<OutboxHealth, AgentError> {
        self.inner.health().map(OutboxHealth::from)
    }

    /// One bounded sync pass over every destination: no request starts after
    /// `budget_ms` (a `Long`; negative counts as 0). Returns what happened
    /// and when to call again (`call_again_at_ms`). `retry_held` releases
    /// destinations held after refused credentials (pass true once the user
    /// has signed in again). Heavy: network; call it from a worker.
    #[uniffi::method(default(retry_held = false))]
    pub fn sync(&self, budget_ms: i64, retry_held: bool) -> Result<SyncReport, AgentError> {
        self.inner
            .sync(budget(budget_ms), &self.credentials, retry_held)
            .map(SyncReport::from)
    }

    /// `sync` watched by `observer`: `onProgress` after each batch or event, and
    /// `isCancelled` asked before each request (the first included), so a
    /// stop decided before the call (WorkManager's `isStopped`) is kept.
    #[uniffi::method(default(retry_held = false))]
    pub fn sync_observed(
        &self,
        budget_ms: i64,
        observer: Box<dyn SyncObserver>,
        retry_held: bool,
    ) -> Result<SyncReport, AgentError> {
        let observer = callbacks::ShellObserver(observer);
        self.inner
            .sync_observed(
                budget(budget_ms),
                &self.credentials,
                retry_held,
                Some(&observer),
            )
            .map(SyncReport::from)
    }

    /// Sets the one outbox listener (replacing any earlier one): told after
    /// every submit, sync pass and resend. Cheap.
    pub fn set_outbox_listener(&self, listener: Box<dyn OutboxListener>) {
        self.inner
            .set_outbox_listener(Some(Arc::new(callbacks::ShellListener(listener))))
    }

    /// Removes the outbox listener.
    pub fn clear_outbox_listener(&self) {
        self.inner.set_outbox_listener(None)
    }

    /// When the last sync pass ended and when a form was last delivered.
    pub fn last_sync(&self) -> Result<LastSync, AgentError> {
        self.inner.last_sync().map(LastSync::from)
    }

    /// A submission's status and its latest revision as a typed draft, to
    /// prefill a correction: edit it and `submit` it to save the next
    /// revision. The period is the DHIS2 id (`202610`), which `submit` accepts.
    pub fn inspect(&self, id: String) -> Result<Inspection, AgentError> {
        let status = self.inner.status(&id)?;
        let (revision, draft) = self.inner.latest_draft(&id)?;
        Ok(Inspection {
            status: status.into(),
            revision: revision.into(),
            draft: draft.into(),
        })
    }

    /// Requisition mode: send this form's requisition although some months
    /// of its LMIS period were never recorded (the user's choice, once the
    /// period has ended). False when no such requisition waits yet (sync first).
    pub fn send_without_missing_months(&self, id: String) -> Result<bool, AgentError> {
        self.inner.send_without_missing_months(&id)
    }

    /// Checks every form and facility against the LMIS's reference data
    /// (network; call it from a worker). Each problem names the item; empty
    /// when all is well.
    pub fn check_lmis(&self) -> Result<Vec<String>, AgentError> {
        self.inner.check_lmis(&self.credentials)
    }

    /// Asks a running sync (on another thread) to stop before its next
    /// request. Does nothing when no sync runs (to stop a sync that may not
    /// have started yet, use `syncObserved` and its `isCancelled`).
    pub fn cancel_sync(&self) {
        self.inner.cancel_sync()
    }

    /// Connectivity came back: forget the backoff so the next sync tries at
    /// once. Returns how many deliveries became due.
    pub fn network_available(&self) -> Result<i64, AgentError> {
        self.inner.network_available().map(types::long)
    }

    /// Sends a refused form again at the next sync. Returns how many
    /// destinations were requeued (0 when nothing was refused).
    pub fn resend_rejected(&self, id: String) -> Result<i64, AgentError> {
        self.inner.resend_rejected(&id).map(types::long)
    }

    /// Pulls a DHIS2 data set and refreshes the service part of the form that
    /// uses it (`form_id`, or the form whose data set it is). With `offline`
    /// the copy cached at the last pull is used.
    #[uniffi::method(default(form_id = None, offline = false))]
    pub fn pull_metadata(
        &self,
        data_set: String,
        form_id: Option<String>,
        offline: bool,
    ) -> Result<MetadataPull, AgentError> {
        self.inner
            .pull_metadata(&data_set, form_id.as_deref(), &self.credentials, offline)
            .map(MetadataPull::from)
    }

    /// Escrow (issue 17): every form still to deliver (`scope` `All`:
    /// everything) encrypted to the district's public key (`age1...`).
    /// Returns the file's bytes, encrypted (only the district key opens
    /// them): write them to removable storage or share them. This outbox
    /// then looks its LMIS deliveries up before sending, so nothing is sent
    /// twice once the file is imported elsewhere.
    pub fn export_escrow(
        &self,
        recipient: String,
        scope: agent_core::escrow::ExportScope,
    ) -> Result<Vec<u8>, AgentError> {
        let mut out = Vec::new();
        self.inner.export(&recipient, scope, &mut out)?;
        Ok(out)
    }

    /// [`Agent::export_escrow`] written to a file the app names (written as
    /// `path.tmp`, synced, renamed; never in clear). Says what it holds.
    pub fn export_escrow_to_path(
        &self,
        recipient: String,
        scope: agent_core::escrow::ExportScope,
        path: String,
    ) -> Result<agent_core::escrow::ExportSummary, AgentError> {
        self.inner
            .export_to_file(&recipient, scope, std::path::Path::new(&path))
    }

    /// Imports an escrow file (its bytes) with the district's secret key
    /// file (its bytes, as age-keygen writes it): all of it or, on a changed
    /// entry or a conflict, nothing (the error says which form and what to do).
    pub fn import_escrow(
        &self,
        file: Vec<u8>,
        key_file: Vec<u8>,
    ) -> Result<agent_core::escrow::ImportReport, AgentError> {
        self.inner.import(&file, &key_file)
    }

    /// Forms not yet delivered that the current form definitions or
    /// facility map cannot send, with why and what to do; absent when every
    /// form can go. Show `message` on every start until it is absent (the
    /// forms wait, are kept, and go by themselves once the definition or
    /// facility is back; or export them with `exportEscrowToPath`, scope
    /// `UNSENT`).
    pub fn stranded(&self) -> Result<Option<Stranded>, AgentError> {
        Ok(self.inner.stranded()?.map(Stranded::from))
    }

    /// Retention, now: drops the contents of forms delivered everywhere
    /// more than `AgentSettings.keepDeliveredDays` ago (their ids, hashes
    /// and delivery states stay; undelivered forms are never touched) and
    /// the exchange log's entries older than `keepExchangesDays`. Returns
    /// how many revisions were compacted. Each sync does this once a day by
    /// itself; call it e.g. from a WorkManager job when storage is low.
    pub fn compact(&self) -> Result<i64, AgentError> {
        self.inner.compact().map(types::long)
    }

    /// The diagnostics bundle for support: gzipped JSON (a few KB), with
    /// no password, token or key in it.
    pub fn diagnose(&self) -> Result<Vec<u8>, AgentError> {
        self.inner
            .diagnose(
                Some(&self.credentials),
                &agent_core::diagnose::Options::default(),
            )?
            .to_gzip()
    }
}

/// Only with the `test-support` feature (scripts/bindings-test.sh): proves
/// that a Rust panic inside an exported method reaches Kotlin and Python as
/// an exception instead of aborting the process.
#[cfg(feature = "test-support")]
#[uniffi::export]
impl Agent {
    /// Panics with `message`. Test support only; not in app builds.
    pub fn test_support_panic(&self, message: String) -> Result<u64, AgentError> {
        panic!("{message}")
    }

    /// Returns an `Internal` error (logged with its reference). Test support only.
    pub fn test_support_internal_error(&self) -> Result<u64, AgentError> {
        Err(AgentError::internal(
            "deliberate internal error (test support)",
        ))
    }

    /// A sync whose engine panics inside the pass (its observer panics when
    /// asked whether to stop). Test support only.
    pub fn test_support_panicking_sync(&self) -> Result<SyncReport, AgentError> {
        struct Panics;
        impl agent_core::sync::SyncObserver for Panics {
            fn on_progress(&self, _: &agent_core::sync::SyncProgress) {}
            fn is_cancelled(&self) -> bool {
                panic!("deliberate panic inside a sync pass (test support)")
            }
        }
        self.inner
            .sync_observed(budget(30_000), &self.credentials, false, Some(&Panics))
            .map(SyncReport::from)
    }
}
