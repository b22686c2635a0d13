//! Retry decisions, pure: capped exponential backoff with full jitter,
//! honouring the server's `Retry-After`.

use std::time::Duration;

/// The first retry waits up to this long.
pub const BASE: Duration = Duration::from_secs(30);
/// No retry waits longer than this (except when the server asks for more).
pub const CAP: Duration = Duration::from_secs(60 * 60);
/// A server's `Retry-After` is honoured up to this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// How long to wait before attempt `attempts + 1`, after `attempts` failed
/// ones (at least 1): a uniform draw in `0..=min(CAP, BASE * 2^(attempts-1))`
/// ("full jitter", so that many devices coming back at once spread out), but
/// never less than the server's `Retry-After`.
pub fn backoff(attempts: u32, retry_after: Option<Duration>, rng: &mut fastrand::Rng) -> Duration {
    backoff_with(attempts, retry_after, BASE, CAP, rng)
}

/// [`backoff`] with explicit base and cap.
pub fn backoff_with(
    attempts: u32,
    retry_after: Option<Duration>,
    base: Duration,
    cap: Duration,
    rng: &mut fastrand::Rng,
) -> Duration {
    let exp = attempts.saturating_sub(1).min(30);
    let ceiling = base.saturating_mul(1u32 << exp).min(cap);
    let jittered = ceiling.mul_f64(rng.f64());
    match retry_after {
        Some(ra) => jittered.max(ra.min(MAX_RETRY_AFTER)),
        None => jittered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap() {
        let mut rng = fastrand::Rng::with_seed(1);
        for (attempts, ceiling) in [(1, 30), (2, 60), (3, 120), (8, 3600), (40, 3600)] {
            let max = (0..2000)
                .map(|_| backoff(attempts, None, &mut rng))
                .max()
                .unwrap();
            assert!(
                max <= Duration::from_secs(ceiling),
                "attempt {attempts}: {max:?}"
            );
            assert!(
                max >= Duration::from_secs(ceiling).mul_f64(0.95),
                "attempt {attempts}: full range used, {max:?}"
            );
        }
    }

    #[test]
    fn full_jitter_spreads_retries() {
        let mut rng = fastrand::Rng::with_seed(2);
        let draws: Vec<Duration> = (0..1000).map(|_| backoff(3, None, &mut rng)).collect();
        let below_half = draws
            .iter()
            .filter(|d| **d < Duration::from_secs(60))
            .count();
        assert!((400..600).contains(&below_half), "{below_half}");
    }

    #[test]
    fn retry_after_is_a_floor() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..100 {
            assert!(backoff(1, Some(Duration::from_secs(90)), &mut rng) >= Duration::from_secs(90));
        }
        assert_eq!(
            backoff(1, Some(Duration::from_secs(10 * 86_400)), &mut rng),
            MAX_RETRY_AFTER
        );
    }
}
