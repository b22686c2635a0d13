//! Validation at entry: every check a draft goes through before it is saved.
//!
//! [`validate`] is a pure function of the form definitions, the facility map,
//! the draft, today's date and the previous period's closing balances. It
//! returns every finding at once. An error blocks saving; a warning needs the
//! user's confirmation and never blocks on its own. Messages name the field,
//! the value and what to do, in words a health worker understands.

use crate::model::draft::{
    Draft, MAX_COMMENT_BYTES, StockEntry, is_bidi_control, is_refused_in_text, shorten,
};
use crate::model::form::{FormDefinition, FormSet, Rule, RuleOp, StockQuantity, Term};
use crate::model::mapping::FacilityMap;
use crate::model::period::Period;
use chrono::NaiveDate;
use std::collections::BTreeMap;

pub use crate::model::form::Severity;

/// The largest count the agent accepts anywhere; beyond it a number cannot be real.
pub const MAX_PLAUSIBLE: i64 = 100_000_000;
/// The longest `captured_by` accepted, in bytes.
pub const MAX_CAPTURED_BY_BYTES: usize = 120;

/// A finding is part of the model (drafts read leniently produce them too).
pub use crate::model::form::Finding;

/// The facts about the world that validation depends on.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Today's date (UTC) on the device.
    pub today: Option<NaiveDate>,
    /// For each product code, the closing balance recorded for the same
    /// facility in the previous period, with that period's id.
    pub previous_closing: BTreeMap<String, (i64, String)>,
    /// Findings from outside the form: the LMIS reference data (cached at
    /// the last check) does not know a product or the facility.
    pub external: Vec<Finding>,
    /// A period that ended more than this many months before `today` gets
    /// a warning (`[entry] max_period_age_months`); `None`: no such warning.
    pub max_period_age_months: Option<u32>,
    /// Drafts of the same facility and form for the months before (the
    /// outbox's latest revision of each): the history of the resupply
    /// advice, whose stock-out risk is a warning (`stockout_risk`).
    pub earlier: Vec<Draft>,
}

/// Whether findings hold an error (the draft cannot be saved).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Whether findings hold a warning (saving needs confirmation).
pub fn has_warnings(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Warning)
}

/// Validates a draft and returns every finding, errors first, each group in form order.
pub fn validate(
    forms: &FormSet,
    facilities: &FacilityMap,
    draft: &Draft,
    ctx: &Context,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let def = if draft.form.trim().is_empty() {
        out.push(Finding::new(
            "form",
            Severity::Error,
            "required",
            "Choose which form this is (the form is missing).",
        ));
        None
    } else {
        let d = forms.get(&draft.form);
        if d.is_none() {
            out.push(Finding::new(
                "form",
                Severity::Error,
                "unknown_form",
                format!(
                    "This tablet has no form '{}'. The forms it knows are: {}.",
                    shorten(&draft.form),
                    forms.ids().join(", ")
                ),
            ));
        }
        d
    };
    check_facility(def, facilities, draft, &mut out);
    let period = check_period(def, draft, ctx, &mut out);
    check_text(draft, &mut out);
    if let Some(def) = def {
        check_service(def, draft, &mut out);
        check_stock(def, draft, period.as_ref(), ctx, &mut out);
        // A rule over a number that is already wrong would only repeat the
        // problem in other words: rules see only numbers without errors.
        let wrong: Vec<String> = out
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| f.path.clone())
            .collect();
        for rule in &def.rules {
            let uses_wrong = rule.left.iter().chain(&rule.right).any(|t| {
                let path = match t {
                    Term::Service { service, .. } => format!("service.{service}"),
                    Term::Stock { product, .. } => format!("stock.{product}"),
                };
                wrong
                    .iter()
                    .any(|w| *w == path || w.starts_with(&format!("{path}.")))
            });
            if !uses_wrong {
                check_rule(def, rule, draft, &mut out);
            }
        }
        check_stockout_risk(def, draft, ctx, &wrong, &mut out);
    }
    out.extend(ctx.external.iter().cloned());
    // Stable order: errors before warnings, otherwise as found (form order).
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// A product whose months of stock are below the form's minimum (the
/// resupply advice) gets a warning; a product with an error is left out,
/// and so is one with no earlier month in the outbox (one month's
/// consumption is no average: the advice is still shown, flagged short).
fn check_stockout_risk(
    def: &FormDefinition,
    draft: &Draft,
    ctx: &Context,
    wrong: &[String],
    out: &mut Vec<Finding>,
) {
    for a in crate::model::resupply::advise(def, draft, &ctx.earlier) {
        let path = format!("stock.{}", a.product);
        let has_error = wrong
            .iter()
            .any(|w| *w == path || w.starts_with(&format!("{path}.")));
        if a.stockout_risk && !has_error && a.periods.len() > 1 {
            out.push(Finding::new(
                format!("{path}.closing_balance"),
                Severity::Warning,
                "stockout_risk",
                a.risk_words(),
            ));
        }
    }
}

fn check_facility(
    def: Option<&FormDefinition>,
    facilities: &FacilityMap,
    draft: &Draft,
    out: &mut Vec<Finding>,
) {
    if draft.facility.trim().is_empty() {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "required",
            "Enter the facility code (it is missing).",
        ));
        return;
    }
    let Some(f) = facilities.get(&draft.facility) else {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "unmapped_facility",
            format!(
                "Facility '{}' is not in this tablet's facility list. Check the code, or ask your supervisor to add it to the facility map.",
                shorten(&draft.facility)
            ),
        ));
        return;
    };
    let Some(def) = def else { return };
    if !f.forms.is_empty() && !f.forms.iter().any(|x| x == &def.id) {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "form_not_for_facility",
            format!(
                "{} ({}) does not report the form '{}'. Check the facility and the form.",
                f.name, f.code, def.title
            ),
        ));
    }
    let needs_dhis2 = !def.service.is_empty()
        || def
            .products
            .iter()
            .any(|p| p.dhis2_soh_data_element.is_some());
    if needs_dhis2 && f.dhis2_org_unit.is_none() {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "unmapped_facility",
            format!(
                "{} ({}) has no DHIS2 organisation unit in the facility map, so its services cannot be reported. Ask your supervisor to map it.",
                f.name, f.code
            ),
        ));
    }
    if def.lmis.is_some() && f.lmis_facility_id.is_none() {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "unmapped_facility",
            format!(
                "{} ({}) has no LMIS facility in the facility map, so its stock cannot be reported. Ask your supervisor to map it.",
                f.name, f.code
            ),
        ));
    }
}

fn check_period(
    def: Option<&FormDefinition>,
    draft: &Draft,
    ctx: &Context,
    out: &mut Vec<Finding>,
) -> Option<Period> {
    if draft.period.trim().is_empty() {
        out.push(Finding::new(
            "period",
            Severity::Error,
            "required",
            "Enter the period the form is for, for example 2026-10.",
        ));
        return None;
    }
    let parsed = match def {
        Some(d) => Period::parse_as(&draft.period, d.period_type),
        None => Period::parse(&draft.period),
    };
    let p = match parsed {
        Ok(p) => p,
        Err(e) => {
            out.push(Finding::new(
                "period",
                Severity::Error,
                "bad_period",
                e.to_string(),
            ));
            return None;
        }
    };
    if let Some(today) = ctx.today {
        if p.start() > today {
            out.push(Finding::new(
                "period",
                Severity::Error,
                "future_period",
                format!(
                    "The period {} has not started yet (it starts on {}). Check the period; a report cannot be made in advance.",
                    p.iso(),
                    p.start()
                ),
            ));
        } else if p.end() >= today {
            out.push(Finding::new(
                "period",
                Severity::Warning,
                "period_not_over",
                format!(
                    "The period {} is not over yet (it ends on {}), so its numbers may be incomplete. Confirm to save it now anyway.",
                    p.iso(),
                    p.end()
                ),
            ));
        } else if let Some(months) = ctx.max_period_age_months
            && let Some(limit) = today.checked_sub_months(chrono::Months::new(months))
            && p.end() < limit
        {
            let age = months_between(p.end(), today);
            let age = match age {
                1 => "1 month".to_string(),
                n if n < 24 => format!("{n} months"),
                n if n % 12 == 0 => format!("{} years", n / 12),
                n => format!(
                    "{} years and {} month{}",
                    n / 12,
                    n % 12,
                    if n % 12 == 1 { "" } else { "s" }
                ),
            };
            out.push(Finding::new(
                "period",
                Severity::Warning,
                "old_period",
                format!(
                    "The period {} ended on {}, {age} ago. Check that this is the right period (the month and the year); if it is, confirm to save it.",
                    p.iso(),
                    p.end()
                ),
            ));
        }
    }
    Some(p)
}

/// Whole months from `from` to `to` (0 when `to` is not later): the most
/// `n` with `from` + `n` months on or before `to` (31 January + 1 month is 28
/// February).
fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    use chrono::Datelike;
    let rough = (i64::from(to.year()) - i64::from(from.year())) * 12 + i64::from(to.month())
        - i64::from(from.month());
    let mut n = u32::try_from(rough.max(0)).unwrap_or(0);
    // At most one step back: the rough count is off by at most one.
    if n > 0
        && from
            .checked_add_months(chrono::Months::new(n))
            .is_none_or(|d| d > to)
    {
        n -= 1;
    }
    n
}

/// The hidden characters of `text` that free text may not hold (see
/// [`is_refused_in_text`]), as one finding on `path`, or none.
fn hidden_characters(path: &str, what: &str, text: &str, multi_line: bool) -> Option<Finding> {
    const SHOWN: usize = 3;
    let mut found: Vec<(usize, char)> = Vec::new();
    let mut count = 0usize;
    for (i, c) in text.chars().enumerate() {
        if is_refused_in_text(c, multi_line) {
            count += 1;
            if found.len() < SHOWN {
                found.push((i + 1, c));
            }
        }
    }
    let (first_at, first) = *found.first()?;
    let kind = |c: char| {
        if is_bidi_control(c) {
            "a text direction control"
        } else {
            "a control character"
        }
    };
    let which = if count == 1 {
        format!(
            "a hidden character, U+{:04X} ({}) at character {first_at}",
            u32::from(first),
            kind(first)
        )
    } else {
        let listed: Vec<String> = found
            .iter()
            .map(|(at, c)| format!("U+{:04X} at character {at}", u32::from(*c)))
            .collect();
        let more = if count > SHOWN {
            format!(" and {} more", count - SHOWN)
        } else {
            String::new()
        };
        format!("{count} hidden characters ({}{more})", listed.join(", "))
    };
    let advice = if multi_line {
        "Hidden characters can make the text look different from what was typed. Delete them (or type the text again); line breaks are allowed."
    } else {
        "Hidden characters can make the text look different from what was typed. Delete them, or type it again."
    };
    Some(Finding::new(
        path,
        Severity::Error,
        "hidden_character",
        format!("{what} contains {which}. {advice}"),
    ))
}

fn check_text(draft: &Draft, out: &mut Vec<Finding>) {
    // The free text of a draft: the comment (several lines allowed) and
    // the name of who captured it (one line). Form, facility and period are
    // codes checked against the definitions, and shown escaped when wrong.
    if let Some(c) = &draft.comment {
        out.extend(hidden_characters("comment", "The comment", c, true));
    }
    if let Some(c) = &draft.captured_by {
        out.extend(hidden_characters("captured_by", "'Captured by'", c, false));
    }
    if let Some(c) = &draft.comment
        && c.len() > MAX_COMMENT_BYTES
    {
        out.push(Finding::new(
            "comment",
            Severity::Error,
            "too_long",
            format!(
                "The comment is {} characters long; keep it under {MAX_COMMENT_BYTES}.",
                c.chars().count()
            ),
        ));
    }
    if let Some(c) = &draft.captured_by
        && c.len() > MAX_CAPTURED_BY_BYTES
    {
        out.push(Finding::new(
            "captured_by",
            Severity::Error,
            "too_long",
            format!("'Captured by' is too long; enter a name or initials (at most {MAX_CAPTURED_BY_BYTES} characters)."),
        ));
    }
}

fn check_service(def: &FormDefinition, draft: &Draft, out: &mut Vec<Finding>) {
    for key in draft.service.keys() {
        if def.field(key).is_none() {
            out.push(Finding::new(
                format!("service.{key}"),
                Severity::Error,
                "unknown_field",
                format!(
                    "'{}' is not a field of the form '{}'. Remove it or check its spelling.",
                    shorten(key),
                    def.title
                ),
            ));
        }
    }
    for f in &def.service {
        let path = format!("service.{}", f.key);
        let Some(&v) = draft.service.get(&f.key) else {
            if f.required {
                out.push(Finding::new(
                    path,
                    Severity::Error,
                    "required",
                    format!("{}: this field is required. Enter the number from the register (0 if there were none).", f.label),
                ));
            }
            continue;
        };
        let unit = f
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        if v < 0 {
            out.push(Finding::new(
                path,
                Severity::Error,
                "negative",
                format!("{}: {v} is negative; a count cannot be below 0.", f.label),
            ));
        } else if v < f.min {
            out.push(Finding::new(
                path,
                Severity::Error,
                "out_of_range",
                format!(
                    "{}: {v}{unit} is less than the minimum of {}. Check the register.",
                    f.label, f.min
                ),
            ));
        } else if v > f.max.unwrap_or(MAX_PLAUSIBLE) {
            out.push(Finding::new(
                path,
                Severity::Error,
                "out_of_range",
                format!(
                    "{}: {v}{unit} is more than the maximum of {} for one period. Check the register for a typing mistake.",
                    f.label,
                    f.max.unwrap_or(MAX_PLAUSIBLE)
                ),
            ));
        } else if let Some(w) = f.warn_above
            && v > w
        {
            out.push(Finding::new(
                path,
                Severity::Warning,
                "unusually_high",
                format!(
                    "{}: {v}{unit} is unusually high (more than {w}). Confirm it is right.",
                    f.label
                ),
            ));
        }
    }
}

/// Stock quantities that must be entered for every product.
const REQUIRED_STOCK: [StockQuantity; 4] = [
    StockQuantity::OpeningBalance,
    StockQuantity::Received,
    StockQuantity::Consumed,
    StockQuantity::ClosingBalance,
];

fn check_stock(
    def: &FormDefinition,
    draft: &Draft,
    period: Option<&Period>,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    for code in draft.stock.keys() {
        if def.product(code).is_none() {
            out.push(Finding::new(
                format!("stock.{code}"),
                Severity::Error,
                "unknown_product",
                format!(
                    "Product '{}' is not on the form '{}'. Check the product code.",
                    shorten(code),
                    def.title
                ),
            ));
        }
    }
    for p in &def.products {
        let base = format!("stock.{}", p.code);
        let Some(e) = draft.stock.get(&p.code) else {
            out.push(Finding::new(
                base,
                Severity::Error,
                "required",
                format!("{}: the stock was not entered. Enter the stock card numbers (0 where there were none).", p.name),
            ));
            continue;
        };
        let unit = plural(p.unit.as_deref().unwrap_or("unit"));
        let mut numbers_ok = true;
        for q in StockQuantity::ALL {
            let path = format!("{base}.{}", q.key());
            match e.get(q) {
                None if REQUIRED_STOCK.contains(&q) => {
                    numbers_ok = false;
                    out.push(Finding::new(
                        path,
                        Severity::Error,
                        "required",
                        format!(
                            "{}: the {} is required (enter 0 if there was none).",
                            p.name,
                            q.words()
                        ),
                    ));
                }
                None => {}
                // unsigned_abs: i64::MIN has no i64 absolute value.
                Some(v) if v.unsigned_abs() > MAX_PLAUSIBLE.unsigned_abs() => {
                    numbers_ok = false;
                    out.push(Finding::new(
                        path,
                        Severity::Error,
                        "out_of_range",
                        format!(
                            "{}: {v} is too large to be a real {}. Check for a typing mistake.",
                            p.name,
                            q.words()
                        ),
                    ));
                }
                Some(v) if v < 0 && q != StockQuantity::Adjustments => {
                    numbers_ok = false;
                    out.push(Finding::new(
                        path,
                        Severity::Error,
                        "negative",
                        format!("{}: the {} cannot be negative ({v}).", p.name, q.words()),
                    ));
                }
                Some(v) => {
                    if let Some(w) = p.warn_above
                        && v > w
                        && q != StockQuantity::StockoutDays
                    {
                        out.push(Finding::new(
                            path,
                            Severity::Warning,
                            "unusually_high",
                            format!("{}: the {} of {v} {unit} is unusually high (more than {w}). Confirm it is right.", p.name, q.words()),
                        ));
                    }
                }
            }
        }
        if numbers_ok {
            check_balance(p.name.as_str(), &unit, &base, e, out);
        }
        if let (Some(days), Some(period)) = (e.stockout_days, period) {
            let max = i64::from(period.days());
            if days > max {
                out.push(Finding::new(
                    format!("{base}.stockout_days"),
                    Severity::Error,
                    "stockout_days",
                    format!(
                        "{}: {days} stock-out days is more than the {max} days in {}. Enter the number of days the product was out of stock.",
                        p.name,
                        period.iso()
                    ),
                ));
            } else if days == max && e.consumed.unwrap_or(0) > 0 {
                out.push(Finding::new(
                    format!("{base}.stockout_days"),
                    Severity::Warning,
                    "stockout_days",
                    format!(
                        "{}: out of stock all {max} days of the period, but {} {unit} were consumed. Confirm, or correct the stock-out days.",
                        p.name,
                        e.consumed.unwrap_or(0)
                    ),
                ));
            }
        }
        if e.closing_balance == Some(0) && e.stockout_days.unwrap_or(0) == 0 && numbers_ok {
            out.push(Finding::new(
                format!("{base}.stockout_days"),
                Severity::Warning,
                "stockout_days",
                format!(
                    "{}: the closing balance is 0 but no stock-out days were recorded. Enter the days without stock, or confirm.",
                    p.name
                ),
            ));
        }
        if let (Some(open), Some((prev, prev_period))) =
            (e.opening_balance, ctx.previous_closing.get(&p.code))
            && open != *prev
        {
            out.push(Finding::new(
                format!("{base}.opening_balance"),
                Severity::Warning,
                "opening_balance",
                format!(
                    "{}: the opening balance {open} is not the closing balance {prev} recorded for {prev_period}. Check the stock card, or confirm.",
                    p.name
                ),
            ));
        }
    }
}

/// The plural of a unit name, for messages ("blister" becomes "blisters").
fn plural(unit: &str) -> String {
    if unit.ends_with('s') {
        unit.to_string()
    } else {
        format!("{unit}s")
    }
}

fn check_balance(name: &str, unit: &str, base: &str, e: &StockEntry, out: &mut Vec<Finding>) {
    let (Some(open), Some(recv), Some(cons), Some(close)) =
        (e.opening_balance, e.received, e.consumed, e.closing_balance)
    else {
        return;
    };
    let losses = e.losses.unwrap_or(0);
    let adj = e.adjustments.unwrap_or(0);
    // All terms are bounded by MAX_PLAUSIBLE, so the sum always fits.
    let Some(expected) = e.expected_closing() else {
        return;
    };
    if expected != close {
        let adj_text = if adj < 0 {
            format!("− {} adjustments", adj.unsigned_abs())
        } else {
            format!("+ {adj} adjustments")
        };
        let advice = if expected < 0 {
            "More was used than was available: check the consumed and losses numbers."
        } else {
            "Count the stock again, or correct one of the numbers."
        };
        out.push(Finding::new(
            format!("{base}.closing_balance"),
            Severity::Error,
            "balance",
            format!(
                "{name}: the closing balance should be {expected} {unit} ({open} opening + {recv} received − {cons} consumed − {losses} losses {adj_text}), but {close} was entered. {advice}"
            ),
        ));
    }
}

fn term_value(t: &Term, draft: &Draft) -> Option<f64> {
    match t {
        Term::Service { service, factor } => draft.service.get(service).map(|v| *v as f64 * factor),
        Term::Stock {
            product,
            quantity,
            factor,
        } => draft
            .stock
            .get(product)
            .and_then(|e| e.get(*quantity))
            .map(|v| v as f64 * factor),
    }
}

fn term_label(def: &FormDefinition, t: &Term) -> String {
    match t {
        Term::Service { service, .. } => def
            .field(service)
            .map(|f| f.label.clone())
            .unwrap_or_else(|| service.clone()),
        Term::Stock {
            product, quantity, ..
        } => {
            let name = def
                .product(product)
                .map(|p| p.name.as_str())
                .unwrap_or(product);
            format!("{name} {}", quantity.words())
        }
    }
}

fn side_label(def: &FormDefinition, label: &Option<String>, terms: &[Term]) -> String {
    label.clone().unwrap_or_else(|| {
        terms
            .iter()
            .map(|t| term_label(def, t))
            .collect::<Vec<_>>()
            .join(" + ")
    })
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn check_rule(def: &FormDefinition, rule: &Rule, draft: &Draft, out: &mut Vec<Finding>) {
    let sum = |terms: &[Term]| -> Option<f64> { terms.iter().map(|t| term_value(t, draft)).sum() };
    // A rule is checked only when every number it uses was entered; missing
    // numbers are reported by their own checks.
    let (Some(l), Some(r)) = (sum(&rule.left), sum(&rule.right)) else {
        return;
    };
    let ll = side_label(def, &rule.left_label, &rule.left);
    let rl = side_label(def, &rule.right_label, &rule.right);
    let problem = match rule.op {
        RuleOp::Le if l > r => Some(format!(
            "{ll} ({}) is more than {rl} ({}).",
            fmt_num(l),
            fmt_num(r)
        )),
        RuleOp::Ge if l < r => Some(format!(
            "{ll} ({}) is less than {rl} ({}).",
            fmt_num(l),
            fmt_num(r)
        )),
        RuleOp::Eq if (l - r).abs() > 1e-9 => Some(format!(
            "{ll} ({}) is not equal to {rl} ({}).",
            fmt_num(l),
            fmt_num(r)
        )),
        RuleOp::Ratio => {
            let band = match (rule.min_ratio, rule.max_ratio) {
                (Some(lo), Some(hi)) => format!("between {lo} and {hi} times"),
                (Some(lo), None) => format!("at least {lo} times"),
                (None, Some(hi)) => format!("at most {hi} times"),
                (None, None) => String::new(),
            };
            if r == 0.0 {
                (l > 0.0).then(|| {
                    format!(
                        "{ll} is {} but {rl} is 0; expected {band} {rl}.",
                        fmt_num(l)
                    )
                })
            } else {
                let ratio = l / r;
                let low = rule.min_ratio.is_some_and(|lo| ratio < lo - 1e-9);
                let high = rule.max_ratio.is_some_and(|hi| ratio > hi + 1e-9);
                (low || high).then(|| {
                    format!(
                        "{ll} ({}) is {ratio:.2} times {rl} ({}); expected {band}.",
                        fmt_num(l),
                        fmt_num(r)
                    )
                })
            }
        }
        _ => None,
    };
    if let Some(p) = problem {
        let advice = rule.advice.clone().unwrap_or_else(|| {
            "Check both numbers against the register and the stock card.".into()
        });
        out.push(Finding::new(
            format!("rules.{}", rule.id),
            rule.severity,
            "cross_check",
            format!("{p} {advice}"),
        ));
    }
}

#[cfg(test)]
mod tests;
