//! Where each part of a form goes and how far it got: the destinations and
//! the states of a delivery. Plain data, below the outbox that stores them
//! and the engine that moves them.

use crate::error::Error;
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

impl FromStr for Destination {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "dhis2" => Ok(Destination::Dhis2),
            "lmis" => Ok(Destination::Lmis),
            other => Err(Error::Invariant(format!(
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
    /// Held until something else happens (a reporting period completes, credentials).
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
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        DeliveryState::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| {
                Error::Invariant(format!("unknown delivery state '{s}' in the database"))
            })
    }
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
    /// It waits for something else (a reporting period to complete).
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
