//! Plain-text output for people: findings, status tables, outbox health.

use agent_core::agent::{DamagedCopy, OutboxHealth, SubmissionDetail, SubmissionStatus};
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
        let _ = writeln!(s, "  {tag} {:<38} {}", f.path, f.message);
    }
    s
}

/// How a held destination is released, for the CLI user.
const RELEASE: &str = "Nothing is sent there until this is fixed. The next sync tries again by itself once the credentials or the address changed (for a hotspot or proxy page: once the network changed, `cli-sim sync --retry-now`); to try again now: cli-sim sync --retry-auth";

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
            r.id,
            r.form,
            r.facility,
            r.period,
            r.revision,
            state(agent_core::outbox::Destination::Dhis2),
            state(agent_core::outbox::Destination::Lmis)
        );
        for d in &r.destinations {
            if let Some(h) = &d.held {
                let _ = writeln!(s, "      {}: HELD: {h}", d.destination);
                let _ = writeln!(s, "        {RELEASE}");
            } else if let Some(e) = &d.last_error {
                let _ = writeln!(s, "      {}: {e}", d.destination);
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
            &r.content_hash[..16],
            r.content
        );
    }
    let _ = writeln!(s, "\nrequests sent and answers:");
    for e in &d.exchanges {
        let answer = match (e.status, &e.error) {
            (Some(st), _) => format!("HTTP {st}"),
            (None, Some(err)) => format!("no answer: {err}"),
            (None, None) => "no answer".into(),
        };
        let _ = writeln!(
            s,
            "  {}  rev {:<2} {:<6} {}  -> {answer} ({} ms, {} B sent, {} B received)",
            e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            e.revision,
            e.destination.to_string(),
            e.request,
            e.duration_ms,
            e.bytes.0,
            e.bytes.1
        );
        if let Some(b) = &e.request_body {
            let _ = writeln!(
                s,
                "      sent:     {}",
                b.chars().take(300).collect::<String>()
            );
        }
        if let Some(b) = &e.response_body {
            let _ = writeln!(
                s,
                "      answered: {}",
                b.chars().take(300).collect::<String>()
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
            a.event,
            change,
            a.detail.as_deref().unwrap_or("")
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
            let _ = writeln!(s, "  {how}: {} (revision {})", rej.id, rej.revision);
            s.push_str(&problems(&rej.problems, "    "));
        }
        for f in &d.failures {
            let _ = writeln!(s, "  problem: {f}");
        }
        if let Some(h) = &d.held {
            let _ = writeln!(s, "  HELD: {h}");
            let _ = writeln!(s, "    {RELEASE}");
        }
        if let Some(n) = &d.note {
            let _ = writeln!(s, "  note: {n}");
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
        let _ = writeln!(s, "{indent}{which}{code}: {}", p.advice);
        if !p.server_message.is_empty() {
            let _ = writeln!(s, "{indent}  server said: {}", p.server_message);
        }
    }
    s
}
