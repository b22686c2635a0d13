//! Realistic, deterministic drafts for simulations: numbers a health post
//! could report, consistent with every rule of the form (the balance
//! equation, `<=` rules, consumption ratio bands), from a seed.

use agent_core::draft::{Draft, StockEntry};
use agent_core::form::{FormDefinition, RuleOp, StockQuantity, Term};
use std::collections::BTreeMap;

/// A seeded generator of drafts.
#[derive(Debug)]
pub struct DraftGen {
    rng: fastrand::Rng,
}

impl DraftGen {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> DraftGen {
        DraftGen {
            rng: fastrand::Rng::with_seed(seed),
        }
    }

    /// A valid draft for `def`, `facility` and `period` (any accepted form).
    /// `opening` gives opening balances to carry over from a previous month.
    pub fn draft(
        &mut self,
        def: &FormDefinition,
        facility: &str,
        period: &str,
        opening: &BTreeMap<String, i64>,
    ) -> Draft {
        let mut service = BTreeMap::new();
        for f in &def.service {
            let top = f.warn_above.or(f.max).unwrap_or(100).max(1);
            let hi = (top / 4).max(f.min + 1);
            service.insert(f.key.clone(), self.rng.i64(f.min..=hi));
        }
        // Settle `<=` rules between service fields by lowering the left side.
        for _ in 0..10 {
            let mut changed = false;
            for r in def.rules.iter().filter(|r| r.op == RuleOp::Le) {
                let keys = |ts: &[Term]| -> Option<Vec<String>> {
                    ts.iter()
                        .map(|t| match t {
                            Term::Service { service, .. } => Some(service.clone()),
                            Term::Stock { .. } => None,
                        })
                        .collect()
                };
                let (Some(left), Some(right)) = (keys(&r.left), keys(&r.right)) else {
                    continue;
                };
                let l: i64 = left.iter().map(|k| service[k]).sum();
                let rv: i64 = right.iter().map(|k| service[k]).sum();
                if l > rv {
                    for k in &left {
                        let v = service[k];
                        service.insert(k.clone(), v * rv / l.max(1));
                    }
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Consumption from the ratio rules that tie a product to services.
        let mut consumed: BTreeMap<String, i64> = BTreeMap::new();
        for r in def.rules.iter().filter(|r| r.op == RuleOp::Ratio) {
            let products: Vec<&str> = r
                .left
                .iter()
                .filter_map(|t| match t {
                    Term::Stock {
                        product,
                        quantity: StockQuantity::Consumed,
                        ..
                    } => Some(product.as_str()),
                    _ => None,
                })
                .collect();
            if products.len() != r.left.len() {
                continue;
            }
            let right: f64 = r
                .right
                .iter()
                .map(|t| match t {
                    Term::Service { service: k, factor } => {
                        service.get(k).copied().unwrap_or(0) as f64 * factor
                    }
                    Term::Stock { .. } => 0.0,
                })
                .sum();
            let ratio = match (r.min_ratio, r.max_ratio) {
                (Some(lo), Some(hi)) => (lo + hi) / 2.0,
                (Some(lo), None) => lo * 1.1,
                (None, Some(hi)) => hi * 0.9,
                (None, None) => 1.0,
            };
            let total = (right * ratio).round() as i64;
            let n = products.len() as i64;
            for (i, p) in products.iter().enumerate() {
                let share = total / n + if (i as i64) < total % n { 1 } else { 0 };
                consumed.insert(p.to_string(), share);
            }
        }
        let mut stock = BTreeMap::new();
        for p in &def.products {
            let cons = consumed
                .get(&p.code)
                .copied()
                .unwrap_or_else(|| self.rng.i64(0..=40));
            let open = opening
                .get(&p.code)
                .copied()
                .unwrap_or_else(|| cons + self.rng.i64(10..=60));
            let need = (cons + 5 - open).max(0);
            let recv = if need > 0 || self.rng.u8(0..3) == 0 {
                need + self.rng.i64(0..=cons.max(10))
            } else {
                0
            };
            let losses = if self.rng.u8(0..6) == 0 {
                self.rng.i64(0..=2).min(open + recv - cons - 1).max(0)
            } else {
                0
            };
            let close = open + recv - cons - losses;
            stock.insert(
                p.code.clone(),
                StockEntry {
                    opening_balance: Some(open),
                    received: Some(recv),
                    consumed: Some(cons),
                    losses: Some(losses),
                    adjustments: Some(0),
                    closing_balance: Some(close),
                    stockout_days: Some(0),
                    requested_quantity: Some((cons * 3 - close).max(0)),
                },
            );
        }
        Draft {
            form: def.id.clone(),
            facility: facility.to_string(),
            period: period.to_string(),
            service,
            stock,
            comment: None,
            captured_by: Some("CHW".into()),
        }
    }
}
