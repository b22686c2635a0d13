//! Resupply at the point of entry: for each product of a monthly form, the
//! average monthly consumption over the last complete periods (adjusted for
//! stock-out days as OpenLMIS does), the months of stock left, and the
//! quantity to order to reach the maximum stock level, with the arithmetic
//! in words so a shell can show how it was computed.
//!
//! The OpenLMIS formulas (contract §7.3) live here once: the requisition
//! route (`routes::openlmis::aggregate`) and this advice both use
//! [`adjusted_consumption`], [`average_consumption`] and
//! [`calculated_order_quantity`].
//!
//! Pure: the caller gives the earlier periods' drafts (the outbox's latest
//! revision of the same facility and form).

use crate::model::draft::Draft;
use crate::model::form::FormDefinition;
/// The form's resupply settings (part of its definition).
pub use crate::model::form::ResupplySettings;
use crate::model::i18n::{DEFAULT_LOCALE, Message, render};
use crate::model::period::{Period, PeriodType};
use serde::{Deserialize, Serialize};

/// Adjusted consumption N = ceil(C × D / (D − X)), D = M × 30 days
/// (contract §7.3); N = C when C = 0, X = 0 or X ≥ D (and when X is
/// negative, which validation refuses). Never overflows.
pub fn adjusted_consumption(c: i64, months: i64, stockout_days: i64) -> i64 {
    let days = months.saturating_mul(30);
    if c == 0 || stockout_days <= 0 || stockout_days >= days {
        return c;
    }
    let n = (c as f64) * (days as f64) / ((days - stockout_days) as f64);
    n.ceil() as i64
}

/// Average consumption P = ceil(mean(N of the previous periods and this
/// one)) (contract §7.3); `previous` is what the LMIS shows as the line's
/// `previousAdjustedConsumptions`, of which the last
/// `periods_to_average - 1` count. Never overflows.
pub fn average_consumption(n: i64, previous: &[i64], periods_to_average: usize) -> i64 {
    let take = periods_to_average.saturating_sub(1).min(previous.len());
    let used = &previous[previous.len() - take..];
    let count = used.len() as i128 + 1;
    let sum: i128 = used.iter().map(|&v| i128::from(v)).sum::<i128>() + i128::from(n);
    if sum <= 0 {
        return 0;
    }
    i64::try_from((sum + count - 1) / count).unwrap_or(i64::MAX)
}

/// Calculated order quantity I = max(0, round_half_up(P × maxPeriodsOfStock) − E) (contract §7.3).
/// Never overflows.
pub fn calculated_order_quantity(p: i64, max_periods_of_stock: f64, stock_on_hand: i64) -> i64 {
    let h = ((p as f64) * max_periods_of_stock).round() as i64;
    h.saturating_sub(stock_on_hand).max(0)
}

/// One month's consumption that went into an average.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConsumptionPeriod {
    /// The period, e.g. `2026-10`.
    pub period: String,
    /// Quantity consumed (C).
    pub consumed: i64,
    /// Days out of stock (X).
    pub stockout_days: i64,
    /// Consumption adjusted for the stock-out days (N).
    pub adjusted: i64,
}

/// What to order of one product, computed from the form and the earlier
/// months of the same facility and form. Information, not a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ResupplyAdvice {
    /// The product code.
    pub product: String,
    /// The product name.
    pub name: String,
    /// The dispensing unit, when the form names one.
    pub unit: Option<String>,
    /// The closing balance of the form (stock on hand, E).
    pub closing_balance: i64,
    /// The months averaged, oldest first (the form's own month last).
    pub periods: Vec<ConsumptionPeriod>,
    /// How many months the average should cover.
    pub periods_wanted: u32,
    /// Fewer months were recorded than the average should cover: the
    /// average is over the months that exist.
    pub short_history: bool,
    /// Average monthly consumption (AMC, P).
    pub average_monthly_consumption: i64,
    /// Closing balance / AMC, rounded down to one decimal; `None` when
    /// nothing was consumed.
    pub months_of_stock: Option<f64>,
    /// The maximum stock level, in months.
    pub max_months: f64,
    /// The minimum stock level, in months.
    pub min_months: f64,
    /// max(0, AMC × max_months − closing balance).
    pub suggested_quantity: i64,
    /// Months of stock below the minimum: a stock-out is near.
    pub stockout_risk: bool,
    /// How it was computed, one line per step (English).
    pub formula: Vec<String>,
    /// The same steps as messages, to show in the user's language.
    #[serde(default)]
    pub formula_steps: Vec<Message>,
}

impl ResupplyAdvice {
    /// The stock-out risk as a message, e.g. in English "ORS: 0.6 months of
    /// stock left, below the minimum of 1 month: order now (suggested: 120
    /// sachet)."
    pub fn risk_words(&self) -> crate::model::i18n::Message {
        crate::model::i18n::Message::new("finding-stockout-risk")
            .text("product", self.name.clone())
            .decimal("months", self.months_of_stock.unwrap_or(0.0))
            .decimal("minimum", self.min_months)
            .num("quantity", self.suggested_quantity)
            .text("unit", self.unit.clone().unwrap_or_else(|| "none".into()))
    }
}

/// The advice for each product of `draft` with a closing balance and a
/// consumption, in form order. `earlier` holds drafts of the same facility
/// and form (the caller chooses them) in any order; only those of the `periods_to_average − 1`
/// months just before the draft's count (a month missing from the outbox
/// or without a consumption for the product is skipped, and the advice
/// says the history is short). Only monthly forms get advice.
pub fn advise(def: &FormDefinition, draft: &Draft, earlier: &[Draft]) -> Vec<ResupplyAdvice> {
    if def.period_type != PeriodType::Monthly || def.lmis.is_none() {
        return Vec::new();
    }
    let Ok(current) = Period::parse_as(&draft.period, def.period_type) else {
        return Vec::new();
    };
    let settings = def.resupply.unwrap_or_default();
    if !settings.problems().is_empty() {
        return Vec::new();
    }
    let wanted = settings.periods_to_average;
    // The months before, newest first.
    let mut before = Vec::new();
    let mut p = current;
    for _ in 1..wanted {
        p = p.previous();
        before.push(p);
    }
    let earlier_of = |period: &Period| {
        earlier
            .iter()
            .find(|d| Period::parse_as(&d.period, def.period_type).is_ok_and(|q| q == *period))
    };
    let mut out = Vec::new();
    for product in &def.products {
        let Some(entry) = draft.stock.get(&product.code) else {
            continue;
        };
        let (Some(closing), Some(consumed)) = (entry.closing_balance, entry.consumed) else {
            continue;
        };
        let month = |period: &Period, c: i64, x: i64| ConsumptionPeriod {
            period: period.iso(),
            consumed: c,
            stockout_days: x,
            adjusted: adjusted_consumption(c, 1, x),
        };
        let mut periods: Vec<ConsumptionPeriod> = before
            .iter()
            .rev()
            .filter_map(|period| {
                let e = earlier_of(period)?.stock.get(&product.code)?;
                Some(month(period, e.consumed?, e.stockout_days.unwrap_or(0)))
            })
            .collect();
        periods.push(month(&current, consumed, entry.stockout_days.unwrap_or(0)));
        let (own, previous) = periods
            .split_last()
            .map_or((0, &[][..]), |(l, r)| (l.adjusted, r));
        let previous: Vec<i64> = previous.iter().map(|p| p.adjusted).collect();
        let amc = average_consumption(own, &previous, wanted as usize);
        let suggested = calculated_order_quantity(amc, settings.max_months, closing);
        // Shown rounded down to one decimal; the risk is judged unrounded.
        let raw = (amc > 0).then(|| closing as f64 / amc as f64);
        let months_of_stock = raw.map(|m| (m * 10.0).floor() / 10.0);
        let stockout_risk = raw.is_some_and(|m| m < settings.min_months);
        let short_history = periods.len() < wanted as usize;
        let formula_steps = formula_steps(
            &periods,
            wanted,
            amc,
            closing,
            months_of_stock,
            &settings,
            suggested,
        );
        out.push(ResupplyAdvice {
            product: product.code.clone(),
            name: product.name.clone(),
            unit: product.unit.clone(),
            closing_balance: closing,
            periods,
            periods_wanted: wanted,
            short_history,
            average_monthly_consumption: amc,
            months_of_stock,
            max_months: settings.max_months,
            min_months: settings.min_months,
            suggested_quantity: suggested,
            stockout_risk,
            formula: formula_steps
                .iter()
                .map(|m| render(m, DEFAULT_LOCALE))
                .collect(),
            formula_steps,
        });
    }
    out
}

/// How the advice was computed, one message per step (rendered in English
/// for `formula`, in the user's language from `formula_steps`).
fn formula_steps(
    periods: &[ConsumptionPeriod],
    wanted: u32,
    amc: i64,
    closing: i64,
    months_of_stock: Option<f64>,
    settings: &ResupplySettings,
    suggested: i64,
) -> Vec<Message> {
    let mut out = Vec::new();
    for p in periods {
        if p.stockout_days > 0 && p.adjusted != p.consumed {
            out.push(
                Message::new("resupply-step-adjusted")
                    .text("period", p.period.as_str())
                    .num("consumed", p.consumed)
                    .num("days", p.stockout_days)
                    .num("adjusted", p.adjusted),
            );
        } else {
            out.push(
                Message::new("resupply-step-consumed")
                    .text("period", p.period.as_str())
                    .num("consumed", p.consumed),
            );
        }
    }
    let terms: Vec<String> = periods.iter().map(|p| p.adjusted.to_string()).collect();
    let count = i64::try_from(periods.len()).unwrap_or(i64::MAX);
    let amc_step = if periods.len() < wanted as usize {
        Message::new("resupply-step-amc-short").num("wanted", i64::from(wanted))
    } else {
        Message::new("resupply-step-amc")
    };
    out.push(
        amc_step
            .text("terms", terms.join(" + "))
            .num("count", count)
            .num("amc", amc),
    );
    out.push(match months_of_stock {
        Some(m) => Message::new("resupply-step-months")
            .num("closing", closing)
            .num("amc", amc)
            .decimal("months", m),
        None => Message::new("resupply-step-months-none"),
    });
    let max_stock = ((amc as f64) * settings.max_months).round() as i64;
    out.push(
        Message::new("resupply-step-max")
            .num("amc", amc)
            .decimal("max_months", settings.max_months)
            .num("max", max_stock),
    );
    let order = if max_stock < closing {
        "resupply-step-order-floor"
    } else {
        "resupply-step-order"
    };
    out.push(
        Message::new(order)
            .num("max", max_stock)
            .num("closing", closing)
            .num("suggested", suggested),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::draft::StockEntry;

    const FORM: &str = r#"{
      "id": "t-monthly", "version": 1, "title": "Test monthly", "period_type": "Monthly",
      "dhis2": {"data_set": "pBOMPrpg1QX"},
      "lmis": {"kind": "openlmis", "program_id": "dce17f2e-af3e-40ad-8e00-3496adef44c3", "period_type": "Monthly"},
      "products": [
        {"code": "ORS", "name": "ORS", "unit": "sachet", "lmis_orderable_id": "c9e65f02-f84f-4ba2-85f7-e2cb6f0989af"},
        {"code": "ACT", "name": "ACT 6x1", "unit": "blister", "lmis_orderable_id": "c9e65f02-f84f-4ba2-85f7-e2cb6f0989b0"}
      ]
    }"#;

    fn def() -> FormDefinition {
        FormDefinition::from_json(FORM, "test").unwrap()
    }

    /// A month: product code -> (consumed, stock-out days, closing balance).
    fn month(period: &str, lines: &[(&str, i64, i64, i64)]) -> Draft {
        Draft {
            form: "t-monthly".into(),
            facility: "HP-001".into(),
            period: period.into(),
            service: Default::default(),
            stock: lines
                .iter()
                .map(|&(code, c, x, close)| {
                    let e = StockEntry {
                        consumed: Some(c),
                        stockout_days: Some(x),
                        closing_balance: Some(close),
                        ..StockEntry::default()
                    };
                    (code.to_string(), e)
                })
                .collect(),
            comment: None,
            captured_by: None,
        }
    }

    fn history() -> Vec<Draft> {
        vec![
            // Outside the 3 months averaged: must not count.
            month("2026-07", &[("ORS", 900, 0, 0), ("ACT", 900, 0, 0)]),
            month("2026-09", &[("ORS", 40, 10, 70), ("ACT", 30, 0, 50)]),
            // Stored with the DHIS2 id, as the outbox keeps it.
            month("202610", &[("ORS", 45, 0, 60), ("ACT", 30, 0, 40)]),
        ]
    }

    /// Hand-computed (contract §7.3: D = 30 days a month, N rounded up,
    /// AMC rounded up, defaults max 3 months and min 1 month):
    /// ORS  2026-09: C 40, X 10 -> N = ceil(40 × 30 / (30 − 10)) = 60
    ///      2026-10: C 45, X 0  -> N = 45
    ///      2026-11: C 50, X 0  -> N = 50, closing 80
    ///      AMC = ceil((60 + 45 + 50) / 3) = ceil(51.67) = 52
    ///      months of stock = 80 / 52 = 1.538 -> 1.5 (not below 1: no risk)
    ///      suggested = 52 × 3 − 80 = 156 − 80 = 76
    /// ACT  2026-09: 30; 2026-10: 30; 2026-11: C 33, X 3 -> ceil(33 × 30 / 27) = ceil(36.67) = 37
    ///      AMC = ceil((30 + 30 + 37) / 3) = ceil(32.33) = 33, closing 20
    ///      months of stock = 20 / 33 = 0.606 -> 0.6, below 1: risk
    ///      suggested = 33 × 3 − 20 = 99 − 20 = 79
    #[test]
    fn three_months_with_stockout_days_match_the_hand_computed_fixture() {
        let now = month("2026-11", &[("ORS", 50, 0, 80), ("ACT", 33, 3, 20)]);
        let advice = advise(&def(), &now, &history());
        assert_eq!(advice.len(), 2, "{advice:#?}");
        let ors = &advice[0];
        assert_eq!(ors.product, "ORS");
        let adjusted: Vec<(&str, i64)> = ors
            .periods
            .iter()
            .map(|p| (p.period.as_str(), p.adjusted))
            .collect();
        assert_eq!(
            adjusted,
            [("2026-09", 60), ("2026-10", 45), ("2026-11", 50)]
        );
        assert_eq!(ors.average_monthly_consumption, 52);
        assert_eq!(ors.months_of_stock, Some(1.5));
        assert_eq!(ors.suggested_quantity, 76);
        assert!(!ors.stockout_risk);
        assert!(!ors.short_history);
        assert_eq!(
            ors.formula,
            [
                "2026-09: consumed 40 with 10 days out of stock, adjusted 40 × 30 / (30 − 10) = 60 (rounded up)",
                "2026-10: consumed 45",
                "2026-11: consumed 50",
                "average monthly consumption = (60 + 45 + 50) / 3 = 52 (rounded up)",
                "months of stock = 80 / 52 = 1.5",
                "maximum stock = 52 × 3 months = 156",
                "suggested order = 156 − 80 = 76",
            ]
        );
        // Issue 15 (wt-15c): the same steps in Swahili, hand-written from
        // locales/sw/findings.ftl.
        let sw: Vec<String> = ors
            .formula_steps
            .iter()
            .map(|m| crate::model::i18n::render(m, "sw"))
            .collect();
        assert_eq!(
            sw,
            [
                "2026-09: kiasi kilichotumika 40 na siku 10 za kukosa bidhaa, kimerekebishwa 40 × 30 / (30 − 10) = 60 (kimezungushwa juu)",
                "2026-10: kiasi kilichotumika 45",
                "2026-11: kiasi kilichotumika 50",
                "wastani wa matumizi ya mwezi = (60 + 45 + 50) / 3 = 52 (umezungushwa juu)",
                "miezi ya bidhaa zilizopo = 80 / 52 = 1.5",
                "kiwango cha juu cha bidhaa = 52 × miezi 3 = 156",
                "kiasi cha kuagiza kinachopendekezwa = 156 − 80 = 76",
            ]
        );
        // French writes the decimal comma.
        assert_eq!(
            crate::model::i18n::render(&ors.formula_steps[4], "fr"),
            "mois de stock = 80 / 52 = 1,5"
        );
        let act = &advice[1];
        assert_eq!(act.average_monthly_consumption, 33);
        assert_eq!(act.months_of_stock, Some(0.6));
        assert_eq!(act.suggested_quantity, 79);
        assert!(act.stockout_risk);
        // Hand-written from agent-core/locales/{en,sw}/findings.ftl.
        assert_eq!(
            crate::model::i18n::render(&act.risk_words(), "en"),
            "ACT 6x1: 0.6 months of stock left, below the minimum of 1 month: order now (suggested: 79 blister)."
        );
        assert_eq!(
            crate::model::i18n::render(&act.risk_words(), "sw"),
            "ACT 6x1: bidhaa zilizopo zinatosha miezi 0.6 tu, chini ya kiwango cha chini cha mwezi 1: agiza sasa (kiasi kinachopendekezwa: 79 blister)."
        );
    }

    /// Only 2026-10 and the form's own month exist (2026-09 is missing):
    /// the average is over the 2 months there are, and says so.
    /// ORS: AMC = ceil((45 + 50) / 2) = ceil(47.5) = 48; 80 / 48 = 1.67 -> 1.6;
    /// suggested = 48 × 3 − 80 = 144 − 80 = 64.
    #[test]
    fn a_short_history_averages_what_exists_and_says_so() {
        let now = month("2026-11", &[("ORS", 50, 0, 80)]);
        let earlier = vec![month("2026-10", &[("ORS", 45, 0, 60)])];
        let advice = advise(&def(), &now, &earlier);
        let ors = &advice[0];
        assert!(ors.short_history);
        assert_eq!(ors.periods.len(), 2);
        assert_eq!(ors.average_monthly_consumption, 48);
        assert_eq!(ors.months_of_stock, Some(1.6));
        assert_eq!(ors.suggested_quantity, 64);
        assert!(
            ors.formula[2].ends_with("; only 2 of the 3 months wanted are recorded"),
            "{:?}",
            ors.formula
        );
        // No history at all: the form's own month alone.
        let alone = advise(&def(), &now, &[]);
        assert_eq!(alone[0].average_monthly_consumption, 50);
        assert_eq!(alone[0].suggested_quantity, 150 - 80);
        assert!(alone[0].short_history);
    }

    /// The form's levels: max 2 months, min 0.5, averaged over 2 periods.
    /// ORS: AMC = ceil((45 + 50) / 2) = 48; suggested = 48 × 2 − 80 = 16;
    /// 80 / 48 = 1.67, not below 0.5. Nothing consumed: no months of stock,
    /// no risk, nothing suggested beyond the stock.
    #[test]
    fn the_form_sets_the_levels() {
        let mut d = def();
        d.resupply = Some(ResupplySettings {
            max_months: 2.0,
            min_months: 0.5,
            periods_to_average: 2,
        });
        let now = month("2026-11", &[("ORS", 50, 0, 80), ("ACT", 0, 0, 0)]);
        let advice = advise(&d, &now, &history());
        assert_eq!(advice[0].average_monthly_consumption, 48);
        assert_eq!(advice[0].suggested_quantity, 16);
        assert!(!advice[0].short_history);
        assert!(!advice[0].stockout_risk);
        // ACT: ceil((30 + 0) / 2) = 15 a month, none left: 15 × 2 = 30.
        assert_eq!(advice[1].average_monthly_consumption, 15);
        assert_eq!(advice[1].months_of_stock, Some(0.0));
        assert_eq!(advice[1].suggested_quantity, 30);
        assert!(advice[1].stockout_risk);
        let none = advise(&d, &month("2026-11", &[("ORS", 0, 0, 5)]), &[]);
        assert_eq!(none[0].months_of_stock, None);
        assert!(!none[0].stockout_risk);
        assert_eq!(none[0].suggested_quantity, 0);
    }

    #[test]
    fn broken_levels_are_refused_when_the_form_loads() {
        let text = FORM.replacen(
            "\"products\"",
            "\"resupply\": {\"max_months\": 1, \"min_months\": 2, \"periods_to_average\": 0}, \"products\"",
            1,
        );
        let problems = FormDefinition::from_json(&text, "test").unwrap_err();
        let words: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            words,
            [
                "resupply.min_months 2 is above max_months 1",
                "resupply.periods_to_average 0 must be between 1 and 24"
            ]
        );
    }
}
