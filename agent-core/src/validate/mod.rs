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
use crate::model::i18n::Message;
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
            Message::new("finding-form-missing"),
        ));
        None
    } else {
        let d = forms.get(&draft.form);
        if d.is_none() {
            out.push(Finding::new(
                "form",
                Severity::Error,
                "unknown_form",
                Message::new("finding-form-unknown")
                    .text("form", shorten(&draft.form))
                    .text("known", forms.ids().join(", ")),
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
            Message::new("finding-facility-missing"),
        ));
        return;
    }
    let Some(f) = facilities.get(&draft.facility) else {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "unmapped_facility",
            Message::new("finding-facility-unknown").text("facility", shorten(&draft.facility)),
        ));
        return;
    };
    let Some(def) = def else { return };
    if !f.forms.is_empty() && !f.forms.iter().any(|x| x == &def.id) {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "form_not_for_facility",
            Message::new("finding-facility-form")
                .text("name", &f.name)
                .text("code", &f.code)
                .text("form", &def.title),
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
            Message::new("finding-facility-no-dhis2")
                .text("name", &f.name)
                .text("code", &f.code),
        ));
    }
    if def.lmis.is_some() && f.lmis_facility_id.is_none() {
        out.push(Finding::new(
            "facility",
            Severity::Error,
            "unmapped_facility",
            Message::new("finding-facility-no-lmis")
                .text("name", &f.name)
                .text("code", &f.code),
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
            Message::new("finding-period-missing"),
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
                e.message(),
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
                Message::new("finding-period-future")
                    .text("period", p.iso())
                    .text("start", p.start().to_string()),
            ));
        } else if p.end() >= today {
            out.push(Finding::new(
                "period",
                Severity::Warning,
                "period_not_over",
                Message::new("finding-period-not-over")
                    .text("period", p.iso())
                    .text("end", p.end().to_string()),
            ));
        } else if let Some(months) = ctx.max_period_age_months
            && let Some(limit) = today.checked_sub_months(chrono::Months::new(months))
            && p.end() < limit
        {
            // Under two years in months; then years and months.
            let age = i64::from(months_between(p.end(), today));
            let (years, months) = if age < 24 {
                (0, age)
            } else {
                (age / 12, age % 12)
            };
            out.push(Finding::new(
                "period",
                Severity::Warning,
                "old_period",
                Message::new("finding-period-old")
                    .text("period", p.iso())
                    .text("end", p.end().to_string())
                    .num("years", years)
                    .num("months", months),
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
            "hidden-kind-direction"
        } else {
            "hidden-kind-control"
        }
    };
    let hex = |c: char| format!("U+{:04X}", u32::from(c));
    let advice = if multi_line {
        "hidden-advice-lines"
    } else {
        "hidden-advice-line"
    };
    let text = if count == 1 {
        Message::new("finding-text-hidden-one")
            .id("field", what)
            .text("char", hex(first))
            .id("kind", kind(first))
            .num("at", to_i64(first_at))
            .id("advice", advice)
    } else {
        let mut m = Message::new("finding-text-hidden-many")
            .id("field", what)
            .num("count", to_i64(count))
            .num("shown", to_i64(found.len()));
        for i in 0..SHOWN {
            let (at, c) = found
                .get(i)
                .map_or((0, String::new()), |(at, c)| (to_i64(*at), hex(*c)));
            m = m
                .text(&format!("char{}", i + 1), c)
                .num(&format!("at{}", i + 1), at);
        }
        m.num("more", to_i64(count.saturating_sub(SHOWN)))
            .id("advice", advice)
    };
    Some(Finding::new(
        path,
        Severity::Error,
        "hidden_character",
        text,
    ))
}

/// A count or position as a message number.
fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn check_text(draft: &Draft, out: &mut Vec<Finding>) {
    // The free text of a draft: the comment (several lines allowed) and
    // the name of who captured it (one line). Form, facility and period are
    // codes checked against the definitions, and shown escaped when wrong.
    if let Some(c) = &draft.comment {
        out.extend(hidden_characters("comment", "text-field-comment", c, true));
    }
    if let Some(c) = &draft.captured_by {
        out.extend(hidden_characters(
            "captured_by",
            "text-field-captured_by",
            c,
            false,
        ));
    }
    if let Some(c) = &draft.comment
        && c.len() > MAX_COMMENT_BYTES
    {
        out.push(Finding::new(
            "comment",
            Severity::Error,
            "too_long",
            Message::new("finding-comment-too-long")
                .num("length", to_i64(c.chars().count()))
                .num("max", to_i64(MAX_COMMENT_BYTES)),
        ));
    }
    if let Some(c) = &draft.captured_by
        && c.len() > MAX_CAPTURED_BY_BYTES
    {
        out.push(Finding::new(
            "captured_by",
            Severity::Error,
            "too_long",
            Message::new("finding-captured-by-too-long").num("max", to_i64(MAX_CAPTURED_BY_BYTES)),
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
                Message::new("finding-service-unknown-field")
                    .text("field", shorten(key))
                    .text("form", &def.title),
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
                    Message::new("finding-service-required").text("label", &f.label),
                ));
            }
            continue;
        };
        // "none" when the field has no unit (the messages leave it out).
        let unit = f.unit.as_deref().unwrap_or("none");
        if v < 0 {
            out.push(Finding::new(
                path,
                Severity::Error,
                "negative",
                Message::new("finding-service-negative")
                    .text("label", &f.label)
                    .num("value", v),
            ));
        } else if v < f.min {
            out.push(Finding::new(
                path,
                Severity::Error,
                "out_of_range",
                Message::new("finding-service-below-min")
                    .text("label", &f.label)
                    .num("value", v)
                    .text("unit", unit)
                    .num("min", f.min),
            ));
        } else if v > f.max.unwrap_or(MAX_PLAUSIBLE) {
            out.push(Finding::new(
                path,
                Severity::Error,
                "out_of_range",
                Message::new("finding-service-above-max")
                    .text("label", &f.label)
                    .num("value", v)
                    .text("unit", unit)
                    .num("max", f.max.unwrap_or(MAX_PLAUSIBLE)),
            ));
        } else if let Some(w) = f.warn_above
            && v > w
        {
            out.push(Finding::new(
                path,
                Severity::Warning,
                "unusually_high",
                Message::new("finding-service-unusually-high")
                    .text("label", &f.label)
                    .num("value", v)
                    .text("unit", unit)
                    .num("limit", w),
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
                Message::new("finding-stock-unknown-product")
                    .text("product", shorten(code))
                    .text("form", &def.title),
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
                Message::new("finding-stock-missing").text("product", &p.name),
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
                        Message::new("finding-stock-required")
                            .text("product", &p.name)
                            .id("quantity", &quantity_id(q)),
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
                        Message::new("finding-stock-too-large")
                            .text("product", &p.name)
                            .num("value", v)
                            .id("quantity", &quantity_id(q)),
                    ));
                }
                Some(v) if v < 0 && q != StockQuantity::Adjustments => {
                    numbers_ok = false;
                    out.push(Finding::new(
                        path,
                        Severity::Error,
                        "negative",
                        Message::new("finding-stock-negative")
                            .text("product", &p.name)
                            .id("quantity", &quantity_id(q))
                            .num("value", v),
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
                            Message::new("finding-stock-unusually-high")
                                .text("product", &p.name)
                                .id("quantity", &quantity_id(q))
                                .num("value", v)
                                .text("unit", &unit)
                                .num("limit", w),
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
                    Message::new("finding-stockout-days-too-many")
                        .text("product", &p.name)
                        .num("days", days)
                        .num("max", max)
                        .text("period", period.iso()),
                ));
            } else if days == max && e.consumed.unwrap_or(0) > 0 {
                out.push(Finding::new(
                    format!("{base}.stockout_days"),
                    Severity::Warning,
                    "stockout_days",
                    Message::new("finding-stockout-all-days-consumed")
                        .text("product", &p.name)
                        .num("max", max)
                        .num("consumed", e.consumed.unwrap_or(0))
                        .text("unit", &unit),
                ));
            }
        }
        if e.closing_balance == Some(0) && e.stockout_days.unwrap_or(0) == 0 && numbers_ok {
            out.push(Finding::new(
                format!("{base}.stockout_days"),
                Severity::Warning,
                "stockout_days",
                Message::new("finding-stockout-days-missing").text("product", &p.name),
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
                Message::new("finding-opening-not-previous-closing")
                    .text("product", &p.name)
                    .num("opening", open)
                    .num("previous", *prev)
                    .text("previous_period", prev_period),
            ));
        }
    }
}

/// The message id of a stock quantity's name.
fn quantity_id(q: StockQuantity) -> String {
    format!("quantity-{}", q.key())
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
        let sign = |n: i64| if n < 0 { "minus" } else { "plus" };
        out.push(Finding::new(
            format!("{base}.closing_balance"),
            Severity::Error,
            "balance",
            Message::new("finding-stock-balance")
                .text("product", name)
                .num("expected", expected)
                .text("unit", unit)
                .num("opening", open)
                .num("received", recv)
                .num("consumed", cons)
                .num("losses", losses)
                .text("adjustments_sign", sign(adj))
                // Within MAX_PLAUSIBLE, so it fits.
                .num(
                    "adjustments",
                    i64::try_from(adj.unsigned_abs()).unwrap_or(i64::MAX),
                )
                .num("closing", close)
                .text("expected_sign", sign(expected)),
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
    let rule_message = |id: &str| {
        Message::new(id)
            .text("left", &ll)
            .text("left_value", fmt_num(l))
            .text("right", &rl)
            .text("right_value", fmt_num(r))
    };
    let problem = match rule.op {
        RuleOp::Le if l > r => Some(rule_message("finding-rule-more")),
        RuleOp::Ge if l < r => Some(rule_message("finding-rule-less")),
        RuleOp::Eq if (l - r).abs() > 1e-9 => Some(rule_message("finding-rule-not-equal")),
        RuleOp::Ratio => {
            let band = match (rule.min_ratio, rule.max_ratio) {
                (Some(_), Some(_)) => "between",
                (Some(_), None) => "at_least",
                (None, Some(_)) => "at_most",
                (None, None) => "none",
            };
            let with_band = |m: Message| {
                m.text("band", band)
                    .text(
                        "min",
                        rule.min_ratio.map(|x| x.to_string()).unwrap_or_default(),
                    )
                    .text(
                        "max",
                        rule.max_ratio.map(|x| x.to_string()).unwrap_or_default(),
                    )
            };
            if r == 0.0 {
                (l > 0.0).then(|| with_band(rule_message("finding-rule-ratio-zero")))
            } else {
                let ratio = l / r;
                let low = rule.min_ratio.is_some_and(|lo| ratio < lo - 1e-9);
                let high = rule.max_ratio.is_some_and(|hi| ratio > hi + 1e-9);
                (low || high).then(|| {
                    with_band(rule_message("finding-rule-ratio"))
                        .text("ratio", format!("{ratio:.2}"))
                })
            }
        }
        _ => None,
    };
    if let Some(p) = problem {
        // The form's own advice, or the agent's.
        let p = match &rule.advice {
            Some(advice) => p.text("advice", advice),
            None => p.id("advice", "rule-advice-default"),
        };
        out.push(Finding::new(
            format!("rules.{}", rule.id),
            rule.severity,
            "cross_check",
            p,
        ));
    }
}

#[cfg(test)]
mod tests;
