//! Plain-text output for people: findings, status tables, outbox health.
//!
//! Every text that comes from stored data, a draft or a server is shown
//! through [`v`]: control characters and bidi controls are written as
//! `<U+XXXX>` (and line breaks as `\n`), so that a form saved before the
//! agent refused them, or a server's answer, cannot move the cursor, clear
//! the screen or reorder a line of the terminal.

use agent_core::agent::{DamagedCopy, OutboxHealth, SubmissionDetail, SubmissionStatus};
use agent_core::draft::visible as v;
use agent_core::validate::{Finding, Severity};
use std::fmt::Write;

/// Findings, one per line, errors first, each with what to do.
pub fn findings(list: &[Finding]) -> String {
    let mut s = String::new();
    for f in list {
        let tag = match f.severity {
            Severity::Error => "ERROR  ",
            Severity::Warning => "WARNING",
        };
        let _ = writeln!(s, "  {tag} {:<38} {}", v(&f.path), v(&f.message));
    }
    s
}

/// The resupply advice: one line per product with what to order, then how
/// it was computed. Empty when there is none.
pub fn resupply(list: &[agent_core::ResupplyAdvice]) -> String {
    let mut s = String::new();
    if list.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "What to order (from this form and the earlier months in the outbox):"
    );
    for a in list {
        let _ = writeln!(s, "  {}", resupply_line(a));
        for step in &a.formula {
            let _ = writeln!(s, "      {}", v(step));
        }
    }
    s
}

/// One product's advice in a line, e.g. `ORS: order 76 sachet (1.5 months
/// of stock left; up to 3 months of stock)`.
pub fn resupply_line(a: &agent_core::ResupplyAdvice) -> String {
    let unit = a
        .unit
        .as_deref()
        .map(|u| format!(" {}", v(u)))
        .unwrap_or_default();
    let left = match a.months_of_stock {
        Some(m) => format!("{m:.1} months of stock left"),
        None => "nothing consumed".into(),
    };
    let risk = if a.stockout_risk {
        format!(", below the minimum of {} months: order now", a.min_months)
    } else {
        String::new()
    };
    let short = if a.short_history {
        format!(
            "; average over {} of {} months",
            a.periods.len(),
            a.periods_wanted
        )
    } else {
        String::new()
    };
    let order = if a.suggested_quantity > 0 {
        format!("order {}{unit}", a.suggested_quantity)
    } else {
        "no order needed".into()
    };
    format!(
        "{}: {order} ({left}{risk}; up to {} months of stock{short})",
        v(&a.name),
        a.max_months
    )
}

/// How a held destination is released, for the CLI user.
const RELEASE: &str = "Nothing is sent there until this is fixed. The next sync tries again by itself once the credentials or the address changed (for a hotspot or proxy page: once the network changed, `cli-sim sync --retry-now`); to try again now: cli-sim sync --retry-auth";

/// A stored period (its DHIS2 id, e.g. `202611`) as people read it
/// (`2026-11`), the one notation of the drafts; as stored when unreadable.
pub fn period(stored: &str) -> String {
    agent_core::Period::parse(stored)
        .map(|p| p.iso())
        .unwrap_or_else(|_| stored.to_string())
}

/// A table of submissions with the state of each destination.
pub fn status_table(rows: &[SubmissionStatus]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<36}  {:<20} {:<8} {:<7} {:>3}  {:<12} {:<12}",
        "id", "form", "facility", "period", "rev", "dhis2", "lmis"
    );
    for r in rows {
        let state = |d: agent_core::outbox::Destination| {
            r.destinations
                .iter()
                .find(|x| x.destination == d)
                .map(|x| x.state.to_string())
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            s,
            "{:<36}  {:<20} {:<8} {:<7} {:>3}  {:<12} {:<12}",
            v(&r.id),
            v(&r.form),
            v(&r.facility),
            v(&period(&r.period)),
            r.revision,
            state(agent_core::outbox::Destination::Dhis2),
            state(agent_core::outbox::Destination::Lmis)
        );
        for d in &r.destinations {
            if let Some(h) = &d.held {
                let _ = writeln!(s, "      {}: HELD: {}", d.destination, v(h));
                let _ = writeln!(s, "        {RELEASE}");
            } else if let Some(e) = &d.last_error {
                let _ = writeln!(s, "      {}: {}", d.destination, v(e));
            }
            s.push_str(&problems(&d.problems, "        "));
        }
    }
    s
}

/// A damaged copy of the outbox and what to do, in one paragraph.
pub fn damaged_copy(c: &DamagedCopy) -> String {
    format!(
        "{} To acknowledge it: cli-sim acknowledge-damaged",
        c.message
    )
}

/// Counts per destination and state, and the oldest undelivered form. Never
/// says that every form is delivered while a damaged copy of the outbox,
/// which may hold unsent forms, waits to be acknowledged.
pub fn health(h: &OutboxHealth) -> String {
    let mut s = String::new();
    for c in &h.damaged_copies {
        let _ = writeln!(s, "DAMAGED COPY: {}", damaged_copy(c));
    }
    let _ = writeln!(s, "forms in the outbox: {}", h.submissions);
    for c in &h.counts {
        let _ = writeln!(
            s,
            "  {:<6} {:<11} {}",
            c.destination.to_string(),
            c.state.to_string(),
            c.count
        );
    }
    for u in h.data_use.iter().filter(|u| u.requests > 0) {
        let per_form = (u.bytes_sent + u.bytes_received)
            .checked_div(u.delivered)
            .map(|b| format!(", {b} B per form delivered"))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "data use {:<6} {} requests, {} B sent, {} B received (last 30 days {} B, last sync {} B){per_form}",
            u.destination.map(|d| d.to_string()).unwrap_or_default(),
            u.requests,
            u.bytes_sent,
            u.bytes_received,
            u.bytes_last_30_days,
            u.bytes_last_pass
        );
    }
    match (h.oldest_undelivered_at, h.oldest_undelivered_age_secs) {
        (Some(at), Some(age)) => {
            let _ = writeln!(
                s,
                "oldest undelivered form: recorded {} ({} ago)",
                at.format("%Y-%m-%d %H:%M UTC"),
                human_age(age)
            );
        }
        _ if !h.damaged_copies.is_empty() => {
            let _ = writeln!(
                s,
                "no form in this outbox is waiting, but the damaged copy above may hold forms that were never sent"
            );
        }
        _ => {
            let _ = writeln!(s, "every form is delivered");
        }
    }
    s
}

/// An age in seconds, in words.
pub fn human_age(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

/// Everything about one submission.
pub fn detail(d: &SubmissionDetail) -> String {
    let mut s = status_table(std::slice::from_ref(&d.status));
    let _ = writeln!(s, "\nrevisions:");
    for r in &d.revisions {
        let _ = writeln!(
            s,
            "  {} recorded {} (form version {}), sha256 {}\n    {}",
            r.revision,
            r.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
            r.form_version,
            v(r.content_hash.get(..16).unwrap_or(&r.content_hash)),
            v(&r.content)
        );
    }
    let _ = writeln!(s, "\nrequests sent and answers:");
    for e in &d.exchanges {
        let answer = match (e.status, &e.error) {
            (Some(st), _) => format!("HTTP {st}"),
            (None, Some(err)) => format!("no answer: {}", v(err)),
            (None, None) => "no answer".into(),
        };
        let _ = writeln!(
            s,
            "  {}  rev {:<2} {:<6} {}  -> {answer} ({} ms, {} B sent, {} B received)",
            e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            e.revision,
            e.destination.to_string(),
            v(&e.request),
            e.duration_ms,
            e.bytes.0,
            e.bytes.1
        );
        if let Some(b) = &e.request_body {
            let _ = writeln!(
                s,
                "      sent:     {}",
                v(&b.chars().take(300).collect::<String>())
            );
        }
        if let Some(b) = &e.response_body {
            let _ = writeln!(
                s,
                "      answered: {}",
                v(&b.chars().take(300).collect::<String>())
            );
        }
    }
    let _ = writeln!(s, "\naudit trail:");
    for a in &d.audit {
        let dest = a.destination.map(|x| x.to_string()).unwrap_or_default();
        let change = match (a.from_state, a.to_state) {
            (Some(f), Some(t)) => format!("{f} -> {t}"),
            (None, Some(t)) => format!("-> {t}"),
            _ => String::new(),
        };
        let _ = writeln!(
            s,
            "  {}  rev {:<2} {:<6} {:<11} {:<24} {}",
            a.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            a.revision.map(|r| r.to_string()).unwrap_or_default(),
            dest,
            v(&a.event),
            change,
            v(a.detail.as_deref().unwrap_or(""))
        );
    }
    s
}

/// A sync report, per destination.
pub fn sync_report(r: &agent_core::sync::SyncReport) -> String {
    let mut s = String::new();
    for d in &r.destinations {
        let name = d.destination.map(|x| x.to_string()).unwrap_or_default();
        let _ = writeln!(
            s,
            "{name}: {} delivered, {} rejected, {} still queued; {} request(s), {} bytes sent, {} received",
            d.delivered.len(),
            d.rejected.len(),
            d.queued,
            d.requests,
            d.bytes_sent,
            d.bytes_received
        );
        for rej in &d.rejected {
            let how = if rej.whole {
                "refused"
            } else {
                "partly refused"
            };
            let _ = writeln!(s, "  {how}: {} (revision {})", v(&rej.id), rej.revision);
            s.push_str(&problems(&rej.problems, "    "));
        }
        for f in &d.failures {
            let _ = writeln!(s, "  problem: {}", v(f));
        }
        if let Some(h) = &d.held {
            let _ = writeln!(s, "  HELD: {}", v(h));
            let _ = writeln!(s, "    {RELEASE}");
        }
        if let Some(n) = &d.note {
            let _ = writeln!(s, "  note: {}", v(n));
        }
        if let Some(t) = d.next_attempt_at {
            let _ = writeln!(s, "  next attempt: {}", t.format("%Y-%m-%d %H:%M:%S UTC"));
        }
    }
    let _ = writeln!(
        s,
        "{}",
        if r.done {
            "done: nothing is left to send (refused forms, if any, are listed above and in status)"
                .to_string()
        } else if r.cancelled {
            "cancelled: the rest waits for the next sync".to_string()
        } else {
            match r.call_again_at {
                Some(t) => format!(
                    "not done: sync again at {}",
                    t.format("%Y-%m-%d %H:%M:%S UTC")
                ),
                None => "not done: a destination needs attention (see above)".to_string(),
            }
        }
    );
    s
}

/// Field problems, grouped when many fields share one reason.
pub fn problems(list: &[agent_core::dhis2::FieldProblem], indent: &str) -> String {
    let mut s = String::new();
    let mut groups: Vec<(&agent_core::dhis2::FieldProblem, Vec<&str>)> = Vec::new();
    for p in list {
        match groups.iter_mut().find(|(g, _)| {
            g.code == p.code && g.advice == p.advice && g.server_message == p.server_message
        }) {
            Some((_, fields)) => fields.push(&p.field),
            None => groups.push((p, vec![&p.field])),
        }
    }
    // The fields at fault first; those refused with them after.
    groups.sort_by_key(|(p, _)| p.advice.starts_with("Not stored"));
    for (p, fields) in groups {
        let code = p
            .code
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        let which = if fields.len() > 3 {
            format!("{} fields", fields.len())
        } else {
            fields.join(", ")
        };
        let _ = writeln!(s, "{indent}{}{}: {}", v(&which), v(&code), v(&p.advice));
        if !p.server_message.is_empty() {
            let _ = writeln!(s, "{indent}  server said: {}", v(&p.server_message));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Tests fail loudly by design.

    use super::*;
    use serde_json::json;

    /// Hidden characters as an old form, a hostile server or a damaged
    /// database might hold them: escape, a C1 CSI, a bell, a bidi override,
    /// an isolate and a line break.
    const HOSTILE: &str = "a\u{1b}[2J\u{9b}31m\u{7}\u{202e}\u{2066}b\nc";
    const ESCAPED: &str = "a<U+001B>[2J<U+009B>31m<U+0007><U+202E><U+2066>b\\nc";

    /// Every line of `out` is free of control characters and bidi controls.
    fn assert_clean(out: &str) {
        for line in out.lines() {
            assert!(
                !line
                    .chars()
                    .any(|c| c.is_control() || agent_core::draft::is_bidi_control(c)),
                "raw hidden character in {line:?}"
            );
        }
    }

    fn detail() -> SubmissionDetail {
        let at = "2026-11-02T08:00:00Z";
        serde_json::from_value(json!({
            "status": {
                "id": HOSTILE, "form": HOSTILE, "facility": HOSTILE, "period": HOSTILE,
                "revision": 1, "created_at": at, "overall": "rejected",
                "destinations": [{
                    "destination": "dhis2", "state": "rejected", "revision": 1,
                    "delivered_revision": null, "attempts": 1, "next_attempt_at": null,
                    "last_error": HOSTILE, "updated_at": at,
                    "problems": [{"field": HOSTILE, "code": HOSTILE,
                                  "server_message": HOSTILE, "advice": HOSTILE}]
                }, {
                    "destination": "lmis", "state": "pending", "revision": 1,
                    "delivered_revision": null, "attempts": 0, "next_attempt_at": null,
                    "last_error": null, "updated_at": at, "problems": [], "held": HOSTILE
                }]
            },
            "revisions": [{"revision": 1, "form_version": 1,
                           "content": format!("{{\"comment\":\"{HOSTILE}\"}}"),
                           "content_hash": "short\u{7}", "created_at": at}],
            "audit": [{"at": at, "revision": 1, "destination": "dhis2", "event": HOSTILE,
                       "from_state": null, "to_state": "rejected", "detail": HOSTILE}],
            "exchanges": [{"at": at, "revision": 1, "destination": "dhis2", "request": HOSTILE,
                           "request_body": HOSTILE, "status": null, "response_body": HOSTILE,
                           "error": HOSTILE, "bytes": [1, 2], "duration_ms": 3}]
        }))
        .unwrap()
    }

    #[test]
    fn stored_text_is_shown_with_hidden_characters_escaped() {
        let out = super::detail(&detail());
        assert_clean(&out);
        // Each stored text is there, escaped, not dropped.
        assert!(out.matches(ESCAPED).count() >= 12, "{out}");
        assert!(out.contains("<U+0007>"), "the short hash is shown: {out}");

        let findings = [Finding {
            path: HOSTILE.into(),
            severity: Severity::Error,
            code: "invalid".into(),
            message: HOSTILE.into(),
            text: Default::default(),
        }];
        let out = super::findings(&findings);
        assert_clean(&out);
        assert_eq!(out.matches(ESCAPED).count(), 2, "{out}");

        let problem = agent_core::dhis2::FieldProblem {
            field: HOSTILE.into(),
            code: Some(HOSTILE.into()),
            server_message: HOSTILE.into(),
            advice: HOSTILE.into(),
        };
        let report = agent_core::sync::SyncReport {
            destinations: vec![agent_core::sync::DestinationReport {
                rejected: vec![agent_core::sync::Rejection {
                    id: HOSTILE.into(),
                    revision: 1,
                    whole: true,
                    problems: vec![problem],
                }],
                failures: vec![HOSTILE.into()],
                held: Some(HOSTILE.into()),
                note: Some(HOSTILE.into()),
                ..Default::default()
            }],
            ..Default::default()
        };
        let out = sync_report(&report);
        assert_clean(&out);
        assert_eq!(out.matches(ESCAPED).count(), 8, "{out}");
    }
}
