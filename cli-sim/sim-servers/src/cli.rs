//! The command-line flags the simulated servers share (`cli-sim mock dhis2`
//! and `cli-sim mock lmis` flatten them with `#[command(flatten)]`): the
//! faults of the HTTP layer and the hostile answers.

use crate::faults::{FaultConfig, HostileKind};

/// Whose master lists a simulated server serves (`--world`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum World {
    /// The project's examples: metadata made from `--forms` and `--facilities`.
    #[default]
    Examples,
    /// A country whose DHIS2 org units and LMIS facilities, products and
    /// reasons differ as real master lists do (renamed, merged, missing,
    /// duplicated names, other codes and pack sizes, other reason names):
    /// the ground for `cli-sim mapping suggest`. `--forms` and
    /// `--facilities` are not used.
    Differing,
}

/// A share of requests: a number from 0 to 1.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s.parse().map_err(|_| format!("'{s}' is not a number"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{r} is not a rate between 0 and 1"))
    }
}

/// The command-line flags of the HTTP layer's faults (latency, bandwidth,
/// injected 5xx and 429 answers, lost answers, a server down at start).
#[derive(Debug, Clone, clap::Args)]
pub struct FaultArgs {
    /// Milliseconds added before every response.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Bandwidth limit for request and response bodies, in bytes per second (0: none).
    #[arg(long, default_value_t = 0)]
    pub bandwidth: u64,
    /// Share of requests answered 503 by a "proxy" (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub rate_5xx: f64,
    /// Share of requests answered 429 with Retry-After (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub rate_429: f64,
    /// The Retry-After of injected 429 answers, in seconds.
    #[arg(long, default_value_t = 1)]
    pub retry_after: u64,
    /// Share of requests processed and then dropped without an answer (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub drop_after_commit: f64,
    /// Share of requests closed without processing (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub close_before_commit: f64,
    /// Start down (connections refused) for this many seconds.
    #[arg(long, default_value_t = 0.0)]
    pub down_for: f64,
}

impl Default for FaultArgs {
    /// The flags' defaults: no fault.
    fn default() -> Self {
        FaultArgs {
            latency_ms: 0,
            bandwidth: 0,
            rate_5xx: 0.0,
            rate_429: 0.0,
            retry_after: 1,
            drop_after_commit: 0.0,
            close_before_commit: 0.0,
            down_for: 0.0,
        }
    }
}

impl FaultArgs {
    /// The faults these flags ask for, with the hostile answers of
    /// `hostile` and the fault generator's `seed`.
    pub fn config(&self, hostile: &HostileArgs, seed: u64) -> FaultConfig {
        hostile.apply(FaultConfig {
            latency_ms: self.latency_ms,
            bandwidth_bytes_per_sec: self.bandwidth,
            rate_5xx: self.rate_5xx,
            rate_429: self.rate_429,
            retry_after_secs: self.retry_after,
            rate_drop_after_commit: self.drop_after_commit,
            rate_close_before_commit: self.close_before_commit,
            down_for_secs: self.down_for,
            seed,
            ..FaultConfig::default()
        })
    }
}

/// The command-line flags of the captive portal and the hostile answers,
/// shared by `cli-sim mock dhis2` and `cli-sim mock lmis`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct HostileArgs {
    /// Share of requests answered 200 with a captive portal's HTML login
    /// page, on any path, before the server sees them (0 to 1).
    #[arg(long, default_value_t = 0.0, value_parser = parse_rate)]
    pub rate_portal: f64,
    /// A hostile answer to give (repeatable; each hostile request gets one at random).
    #[arg(long = "hostile", value_enum)]
    pub hostile: Vec<HostileKind>,
    /// Share of requests that get a hostile answer (0 to 1; default 1 when
    /// --hostile is given).
    #[arg(long, value_parser = parse_rate)]
    pub rate_hostile: Option<f64>,
    /// Only paths starting with this get hostile answers (e.g. /api/stockEvents).
    #[arg(long)]
    pub hostile_path: Option<String>,
    /// Only this method gets hostile answers (e.g. POST).
    #[arg(long)]
    pub hostile_method: Option<String>,
    /// Run the request first (the server commits it), then give the hostile answer.
    #[arg(long)]
    pub hostile_after_commit: bool,
    /// The Location of redirect_302 answers (default: a port nothing listens on).
    #[arg(long)]
    pub redirect_location: Option<String>,
}

impl HostileArgs {
    /// `base` with these flags applied.
    pub fn apply(&self, base: FaultConfig) -> FaultConfig {
        FaultConfig {
            rate_portal: self.rate_portal,
            hostile: self.hostile.clone(),
            rate_hostile: self.rate_hostile.unwrap_or(if self.hostile.is_empty() {
                0.0
            } else {
                1.0
            }),
            hostile_path: self.hostile_path.clone(),
            hostile_method: self.hostile_method.clone(),
            hostile_after_commit: self.hostile_after_commit,
            redirect_location: self.redirect_location.clone(),
            ..base
        }
    }
}
