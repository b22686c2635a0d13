//! Where each part of a form goes and how far it got: the destinations and
//! the states of a delivery. Plain data, below the outbox that stores them
//! and the engine that moves them.

use crate::model::i18n::{DEFAULT_LOCALE, Message, render};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a part of a form is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Destination {
    /// The HMIS: service data (and tracer stock on hand).
    Dhis2,
    /// The LMIS: stock and resupply data.
    Lmis,
}

impl Destination {
    /// Both destinations, in display order.
    pub const ALL: [Destination; 2] = [Destination::Dhis2, Destination::Lmis];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Destination::Dhis2 => "dhis2",
            Destination::Lmis => "lmis",
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::DeliveryState::{self, *};

    #[test]
    fn delivered_is_final_and_superseded_only_settles() {
        // Hand-written from the data model (ARCHITECTURE.md): a delivered
        // delivery never moves again; a superseded one is only settled by a
        // look-up (found: delivered; absent: superseded); the others may move.
        for next in DeliveryState::ALL {
            assert!(!Delivered.can_go_to(next), "delivered -> {next}");
        }
        for next in [Pending, InFlight, Rejected, Waiting] {
            assert!(!Superseded.can_go_to(next), "superseded -> {next}");
        }
        assert!(Superseded.can_go_to(Delivered));
        assert!(Superseded.can_go_to(Superseded));
        for (from, to) in [
            (Pending, InFlight),
            (InFlight, Delivered),
            (InFlight, InFlight),
            (InFlight, Pending),
            (Pending, Waiting),
            (Waiting, Pending),
            (Rejected, Pending),
            (Pending, Superseded),
            (InFlight, Superseded),
            (Pending, Delivered),
            (Pending, Rejected),
        ] {
            assert!(from.can_go_to(to), "{from} -> {to}");
        }
    }
}

/// A stored name that is no destination or state of this agent (a database
/// written by something else).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName(pub String);

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Destination {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        match s {
            "dhis2" => Ok(Destination::Dhis2),
            "lmis" => Ok(Destination::Lmis),
            other => Err(UnknownName(format!(
                "unknown destination '{other}' in the database"
            ))),
        }
    }
}

/// The state of one delivery (a revision going to a destination).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeliveryState {
    /// Queued, to be sent at the next attempt time.
    Pending,
    /// A request was (or may have been) sent and its outcome is not known yet.
    InFlight,
    /// The destination accepted it.
    Delivered,
    /// The destination refused it; it needs a correction (see the reason).
    Rejected,
    /// A later revision replaced it before it was sent.
    Superseded,
    /// Held until something else happens (a reporting period completes,
    /// earlier reports reach the LMIS, or this device gets back the form
    /// definition, destination part or facility it needs to build the
    /// form, or the LMIS's reference data matches the form and facility
    /// map again: see the reason). Never set by a server's answer.
    Waiting,
}

impl DeliveryState {
    /// Every state.
    pub const ALL: [DeliveryState; 6] = [
        DeliveryState::Pending,
        DeliveryState::InFlight,
        DeliveryState::Delivered,
        DeliveryState::Rejected,
        DeliveryState::Superseded,
        DeliveryState::Waiting,
    ];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::InFlight => "in_flight",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Rejected => "rejected",
            DeliveryState::Superseded => "superseded",
            DeliveryState::Waiting => "waiting",
        }
    }

    /// Whether a delivery in this state may move to `next`: the transition
    /// table. `Delivered` is final (the server holds the form). A
    /// `Superseded` revision whose request had an unknown outcome is settled
    /// by a look-up once: `Delivered` when the LMIS holds it, `Superseded`
    /// (re-recorded) when it does not. Every other state may move to any
    /// state (a form is queued, sent, refused, held back, requeued, found by
    /// a look-up, or replaced by a correction from any of them).
    pub fn can_go_to(self, next: DeliveryState) -> bool {
        use DeliveryState::*;
        match self {
            Delivered => false,
            Superseded => matches!(next, Delivered | Superseded),
            Pending | InFlight | Rejected | Waiting => {
                matches!(
                    next,
                    Pending | InFlight | Delivered | Rejected | Superseded | Waiting
                )
            }
        }
    }

    /// Whether the delivery still has to happen (or be fixed).
    pub fn is_undelivered(self) -> bool {
        matches!(
            self,
            DeliveryState::Pending
                | DeliveryState::InFlight
                | DeliveryState::Rejected
                | DeliveryState::Waiting
        )
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeliveryState {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        DeliveryState::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| UnknownName(format!("unknown delivery state '{s}' in the database")))
    }
}

/// A problem with one field of a form, as a destination reported it (DHIS2 per
/// data value; the LMIS per product or for the whole form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FieldProblem {
    /// The form field, e.g. `service.malaria_rdt_positive`; `form` for the whole form.
    pub field: String,
    /// DHIS2's error code, when given.
    pub code: Option<String>,
    /// DHIS2's own message.
    pub server_message: String,
    /// What it means and what to do, in plain words (English; kept for
    /// logs and older readers).
    pub advice: String,
    /// The advice as a message (id and arguments), as the route wrote it;
    /// absent in rows stored before schema 7 (then found from `advice`,
    /// see [`FieldProblem::advice_message`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice_msg: Option<Message>,
}

impl FieldProblem {
    /// A problem whose advice is `advice` (its English text is stored too).
    pub fn new(
        field: &str,
        code: Option<String>,
        server_message: &str,
        advice: Message,
    ) -> FieldProblem {
        FieldProblem {
            field: field.to_string(),
            code,
            server_message: server_message.to_string(),
            advice: render(&advice, DEFAULT_LOCALE),
            advice_msg: Some(advice),
        }
    }
}

/// The command that saves every unsent form for the district; every
/// message about forms that cannot be sent from this device names it.
pub const EXPORT_UNSENT_COMMAND: &str =
    "cli-sim export --unsent --to <district public key> --out FILE";

/// The advice for a form this device cannot send because its form
/// definition, part or facility is gone (`why`: `stranded-form-gone`,
/// `stranded-part-gone` or `stranded-facility-gone` with its arguments): it
/// is kept, and how to get it out (`sync-kept-*`, same arguments and the
/// export command).
pub fn kept_advice(why: &Message) -> Message {
    let id = match why.id.as_str() {
        "stranded-form-gone" => "sync-kept-form-gone",
        "stranded-part-gone" => "sync-kept-part-gone",
        "stranded-facility-gone" => "sync-kept-facility-gone",
        "stranded-org-unit-gone" => "sync-kept-org-unit-gone",
        // Not one of the three: the reason as it is.
        _ => return why.clone(),
    };
    let mut m = Message::new(id);
    m.args = why.args.clone();
    m.text("command", EXPORT_UNSENT_COMMAND)
}

/// What a sync report's `note` is about, for an app that acts on it
/// (the note itself stays the plain-words text to show).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum NoteKind {
    /// The destination is not configured: its data stays queued.
    NotConfigured,
    /// The app gave no credentials for it: ask the user to sign in.
    NoCredentials,
    /// The app's credential provider failed (e.g. the Keystore is locked):
    /// the note carries its reason; try again later.
    CredentialsUnavailable,
    /// A held destination's address changed: it is tried again.
    AddressChanged,
    /// A held destination's credentials changed: it is tried again.
    CredentialsChanged,
    /// Waiting after failures (or a server's Retry-After) until `next_attempt_at`.
    BackingOff,
    /// The destination is reached over plain http:// (allowed on a trusted
    /// network only): data crosses the network unencrypted.
    ClearText,
}

/// What a delivery's `last_error` is about, by the delivery's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum LastErrorKind {
    /// The last attempt failed on the way (network, server error): it is
    /// tried again at `next_attempt_at` by itself.
    Failed,
    /// The destination refused it: the user corrects the form (field by
    /// field in `problems`) or resends it.
    Rejected,
    /// It waits for something else (a reporting period to complete, or
    /// the form definition or facility this device needs to build it:
    /// released by itself, no resend needed).
    Waiting,
}

impl LastErrorKind {
    /// The kind of a stored `last_error` for a delivery in `state`; none
    /// for delivered or superseded ones, whose old error no longer applies.
    pub fn of(state: DeliveryState) -> Option<LastErrorKind> {
        match state {
            DeliveryState::Pending | DeliveryState::InFlight => Some(LastErrorKind::Failed),
            DeliveryState::Rejected => Some(LastErrorKind::Rejected),
            DeliveryState::Waiting => Some(LastErrorKind::Waiting),
            DeliveryState::Delivered | DeliveryState::Superseded => None,
        }
    }
}

// Issue 15: the messages behind the texts of deliveries. The texts stay
// stored in English (the outbox and older agents read them); these give
// their message id and arguments, for a shell to render in its language.

/// The message id of DHIS2's advice for an error code (`E7640`…); the
/// English text of that message is what the DHIS2 route stores as a field
/// problem's `advice`.
pub fn dhis2_advice_id(code: Option<&str>) -> &'static str {
    match code.unwrap_or("") {
        "E7640" => "dhis2-advice-period-closed",
        // Data input periods replace the expiry rule: a lock exception does
        // not open them, the data set's input periods must change.
        "E7643" => "dhis2-advice-input-periods",
        // 2.43 gives one code for expiry, future periods and input periods.
        "E8030" => "dhis2-advice-period-not-open",
        "E7641" => "dhis2-advice-period-not-yet",
        "E7642" | "E8033" => "dhis2-advice-approved",
        "E7619" | "E8122" => "dhis2-advice-value",
        "E7633" | "E8020" | "E7636" => "dhis2-advice-field",
        "E7634" | "E8024" | "E7613" | "E7630" => "dhis2-advice-category",
        "E7617" | "E7612" | "E8022" | "E7603" | "E8011" => "dhis2-advice-facility",
        "E7600" | "E7601" | "E8004" | "E8005" | "E8010" => "dhis2-advice-access",
        "E7632" | "E7611" | "E8021" => "dhis2-advice-period",
        "E8031" => "dhis2-advice-facility-closed",
        "E7638" | "E8032" => "dhis2-advice-category-dates",
        "E7639" | "E8025" => "dhis2-advice-category-facility",
        _ => "dhis2-advice-other",
    }
}

/// The advice given for the values DHIS2 did not store because of other
/// fields of the same form (`fields`: those at fault).
pub fn not_stored_advice(fields: &str) -> Message {
    Message::new("dhis2-advice-not-stored").text("fields", fields)
}

/// Stored text shown as it is (a server's words, or an agent's text that
/// has no message): the fallback of the `*_message` functions below.
pub fn plain_text(text: &str) -> Message {
    Message::new("plain-text").text("text", text)
}

impl FieldProblem {
    /// The advice as a message: found from the DHIS2 code when the stored
    /// advice is that code's English text (or the form-level and
    /// not-stored advice); otherwise the stored text as it is (the LMIS's
    /// advice, an older agent's words).
    pub fn advice_message(&self) -> Message {
        if let Some(m) = &self.advice_msg {
            return m.clone();
        }
        // Fallback for problems stored before schema 7 (no `advice_msg`):
        // found by comparing the stored English with each advice's text.
        let by_code = Message::new(dhis2_advice_id(self.code.as_deref()));
        for m in [by_code, Message::new("dhis2-advice-refused-form")] {
            if render(&m, DEFAULT_LOCALE) == self.advice {
                return m;
            }
        }
        let english = render(&not_stored_advice("\u{0}"), DEFAULT_LOCALE);
        if let Some((before, after)) = english.split_once('\u{0}')
            && let Some(fields) = self
                .advice
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
        {
            return not_stored_advice(fields);
        }
        plain_text(&self.advice)
    }
}

impl DeliveryState {
    /// The message naming this state for people (`state-rejected`…).
    pub fn message(self) -> Message {
        Message::new(&format!("state-{}", self.as_str()))
    }
}

/// The message ids of a failed send, by the English words the transport
/// starts its message with (`net::http`: "<words> (<technical detail>)").
pub const FAILURE_IDS: &[&str] = &[
    "net-unreachable",
    "net-timeout",
    "net-broken",
    "net-tls",
    "net-other",
    "net-not-started",
];

/// A failure of a sync pass or a failed delivery's `last_error` as a
/// message: a transport failure keeps its technical detail as an argument;
/// any other text is shown as it is.
pub fn failure_message(text: &str) -> Message {
    for id in FAILURE_IDS {
        let english = render(&Message::new(id).text("detail", "\u{0}"), DEFAULT_LOCALE);
        if let Some((before, after)) = english.split_once('\u{0}')
            && let Some(detail) = text
                .strip_prefix(before)
                .and_then(|rest| rest.strip_suffix(after))
        {
            return Message::new(id).text("detail", detail);
        }
    }
    plain_text(text)
}

/// The one line stored for a refused form: refused as a whole or in part,
/// and how many fields (the field problems say what to do).
pub fn refusal_line(whole: bool, problems: &[FieldProblem]) -> Message {
    let id = if whole {
        "sync-refused-whole"
    } else {
        "sync-refused-part"
    };
    Message::new(id).num("count", i64::try_from(problems.len()).unwrap_or(i64::MAX))
}

/// The one-line reason of a delivery in `state` whose stored `last_error`
/// is `text`: a refusal in one line (whole or in part, how many fields;
/// the field problems say what to do), a failure on the way, or the text
/// as it is.
pub fn last_error_message(state: DeliveryState, text: &str, problems: &[FieldProblem]) -> Message {
    // The fallback for rows stored before schema 7, which kept only the
    // English text: found by parsing it. Newer rows carry their message
    // (`DestinationStatus::last_error_message`).
    if state == DeliveryState::Rejected && !problems.is_empty() {
        return refusal_line(!text.starts_with("some values refused"), problems);
    }
    failure_message(text)
}
