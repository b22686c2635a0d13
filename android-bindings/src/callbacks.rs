//! Callback interfaces the app implements (progress and stop of a sync, the
//! outbox listener, the log sink), each adapted to agent-core's trait or to
//! `tracing`. Adapters only: an exception thrown by the app's callback is
//! logged and ignored, never a crash of the sync.

use agent_core::agent::OutboxChange;
use agent_core::sync::SyncProgress;
use std::sync::{Arc, OnceLock, RwLock};

/// An exception thrown by one of the app's callbacks (other than the
/// credential provider). The agent logs it and carries on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CallbackError {
    /// The callback failed; `reason` says why.
    #[error("{reason}")]
    Failed {
        /// What went wrong.
        reason: String,
    },
}

impl From<uniffi::UnexpectedUniFFICallbackError> for CallbackError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> CallbackError {
        CallbackError::Failed {
            // The first line only: the JVM appends its stack trace.
            reason: e.reason.lines().next().unwrap_or_default().to_string(),
        }
    }
}

/// Watches one sync (`Agent.syncObserved`): the app's progress display and
/// its stop signal (e.g. WorkManager's `isStopped`).
#[uniffi::export(callback_interface)]
pub trait SyncObserver: Send + Sync {
    /// After each step of the pass that sent something: at least once per
    /// DHIS2 batch or LMIS event (a step may make several requests).
    /// Called on the syncing thread; return quickly.
    fn on_progress(&self, progress: SyncProgress) -> Result<(), CallbackError>;
    /// Asked before every request, the first included: return true to stop
    /// the pass (as `cancelSync` does). Because the agent asks, a stop
    /// decided before `syncObserved` was called is never lost.
    fn is_cancelled(&self) -> Result<bool, CallbackError>;
}

pub(crate) struct ShellObserver(pub(crate) Box<dyn SyncObserver>);

impl agent_core::sync::SyncObserver for ShellObserver {
    fn on_progress(&self, progress: &SyncProgress) {
        if let Err(e) = self.0.on_progress(progress.clone()) {
            tracing::warn!("the app's sync observer failed in onProgress: {e}");
        }
    }
    fn is_cancelled(&self) -> bool {
        self.0.is_cancelled().unwrap_or_else(|e| {
            tracing::warn!("the app's sync observer failed in isCancelled: {e}");
            false
        })
    }
}

/// Told after every change of the outbox made through the agent (a
/// submit, a sync pass, a resend), on the thread that made it.
#[uniffi::export(callback_interface)]
pub trait OutboxListener: Send + Sync {
    /// One committed change. Return quickly (post to the UI thread).
    fn on_change(&self, change: OutboxChange) -> Result<(), CallbackError>;
}

pub(crate) struct ShellListener(pub(crate) Box<dyn OutboxListener>);

impl agent_core::agent::OutboxListener for ShellListener {
    fn on_change(&self, change: OutboxChange) {
        if let Err(e) = self.0.on_change(change) {
            tracing::warn!("the app's outbox listener failed: {e}");
        }
    }
}

/// How much the log sink receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    /// Failures, `Internal` error references included.
    Error,
    /// Things that went wrong and were handled.
    Warn,
    /// What the agent did (saved, delivered).
    Info,
    /// Detail for developers.
    Debug,
}

/// Receives the agent's log lines (send them to logcat). Lines never hold
/// a password or token. An `Internal` error's `reference` appears in the
/// line logged for it, so a user's report can be matched to the detail.
#[uniffi::export(callback_interface)]
pub trait LogSink: Send + Sync {
    /// One line. `target` is the Rust module, e.g. `agent_core::sync`.
    fn log(&self, level: LogLevel, target: String, message: String) -> Result<(), CallbackError>;
}

type Sink = (Arc<dyn LogSink>, LogLevel);
static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static INSTALLED: OnceLock<bool> = OnceLock::new();

fn level_of(l: &tracing::Level) -> LogLevel {
    match *l {
        tracing::Level::ERROR => LogLevel::Error,
        tracing::Level::WARN => LogLevel::Warn,
        tracing::Level::INFO => LogLevel::Info,
        _ => LogLevel::Debug,
    }
}

/// Forwards `tracing` events to the sink set by the app.
struct SinkSubscriber;

struct Fields(String);
impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        use std::fmt::Write;
        let sep = if self.0.is_empty() { "" } else { " " };
        let _ = if field.name() == "message" {
            write!(self.0, "{sep}{value:?}")
        } else {
            write!(self.0, "{sep}{}={value:?}", field.name())
        };
    }
}

impl tracing::Subscriber for SinkSubscriber {
    // Asked again at every event: the sink and its level can change.
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        let sink = SINK.read().unwrap_or_else(|p| p.into_inner());
        sink.as_ref()
            .is_some_and(|(_, min)| level_of(meta.level()) <= *min)
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let sink = SINK
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|(s, _)| s.clone());
        if let Some(sink) = sink {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            let meta = event.metadata();
            // A failing sink has nowhere to report to.
            let _ = sink.log(level_of(meta.level()), meta.target().to_string(), fields.0);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Sets the sink (replacing any earlier one) and installs the forwarding
/// subscriber once per process. False when another logger was installed
/// first (then the sink receives nothing).
pub(crate) fn set_sink(sink: Option<Box<dyn LogSink>>, min: LogLevel) -> bool {
    *SINK.write().unwrap_or_else(|p| p.into_inner()) =
        sink.map(|s| (Arc::<dyn LogSink>::from(s), min));
    *INSTALLED.get_or_init(|| tracing::subscriber::set_global_default(SinkSubscriber).is_ok())
}
