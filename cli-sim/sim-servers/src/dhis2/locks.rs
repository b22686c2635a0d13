//! Locks (§7): why a period cannot be written now for a data set.

use super::*;

/// Why a period cannot be written now (§7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::dhis2) enum Lock {
    /// Past `expiryDays` after the period end.
    Expired,
    /// After the latest open future period (its id).
    Future(String),
    /// Outside the data set's data input periods.
    InputPeriod,
}

/// Why `period` cannot be written now for `ds` (§7): its data input periods
/// when it has some, otherwise expiry and open future periods.
pub(in crate::dhis2) fn timeliness(
    rules: &Dhis2Rules,
    ds: &MockDataSet,
    period: &Period,
    now: NaiveDateTime,
) -> Option<Lock> {
    match rules.input_period_closed(&ds.uid, period, now.date()) {
        Some(true) => Some(Lock::InputPeriod),
        Some(false) => None,
        None => lock_of(ds, period, now),
    }
}

/// Whether `period` is locked for data set `ds` at `now` (§7): `expiryDays >
/// 0` and `now > period end (00:00) + expiryDays + 1 days`, or the period
/// starts after the current period plus `openFuturePeriods`.
pub(in crate::dhis2) fn lock_of(
    ds: &MockDataSet,
    period: &Period,
    now: NaiveDateTime,
) -> Option<Lock> {
    if ds.expiry_days > 0.0
        && let Some(end) = period.end().and_hms_opt(0, 0, 0)
    {
        let millis = ((ds.expiry_days + 1.0) * 86_400_000.0).min(1e15) as i64;
        if now > end + chrono::Duration::milliseconds(millis) {
            return Some(Lock::Expired);
        }
    }
    let mut latest = Period::containing(ds.period_type, now.date());
    for _ in 0..ds.open_future_periods.clamp(0, MAX_FUTURE_PERIODS) {
        latest = latest.next();
    }
    (period.start() > latest.end()).then(|| Lock::Future(latest.dhis2_id()))
}
