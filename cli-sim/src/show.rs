//! Plain-text output for people: findings, status tables, outbox health.
//!
//! Every line is a message of `agent-core/locales/<locale>/cli.ftl` (and
//! `sync.ftl`), rendered in the language set with [`set_locale`] (the
//! agent's). Every text that comes from stored data, a draft or a server is
//! shown through [`v`]: control characters and bidi controls are written as
//! `<U+XXXX>` (and line breaks as `\n`), so that a form saved before the
//! agent refused them, or a server's answer, cannot move the cursor, clear
//! the screen or reorder a line of the terminal.

use agent_core::Message;
use agent_core::agent::{DamagedCopy, OutboxHealth, SubmissionDetail, SubmissionStatus};
use agent_core::draft::visible as v;
use agent_core::outbox::DeliveryState;
use agent_core::validate::{Finding, Severity};
use std::cell::RefCell;
use std::fmt::Write;

thread_local! {
    /// The language of this thread's output (one command, or one demo run).
    static LOCALE: RefCell<String> = RefCell::new(agent_core::i18n::DEFAULT_LOCALE.to_string());
}

/// Sets the language of the output written by this thread (`en`, `fr`,
/// `pt`, `sw`; another falls back to English).
pub fn set_locale(locale: &str) {
    LOCALE.with(|l| *l.borrow_mut() = locale.to_string());
}

/// The language of this thread's output.
pub fn locale() -> String {
    LOCALE.with(|l| l.borrow().clone())
}

/// `m` in this thread's language, control characters escaped.
pub fn t(m: &Message) -> String {
    v(&agent_core::i18n::render(m, &locale())).into_owned()
}

/// `m` in this thread's language, a text of several lines: each line with
/// its control characters escaped.
pub fn t_lines(m: &Message) -> String {
    agent_core::i18n::render(m, &locale())
        .lines()
        .map(|l| v(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The message `id` without arguments, in this thread's language.
pub fn tid(id: &str) -> String {
    t(&Message::new(id))
}

/// A number with `places` decimals as this thread's language writes it.
pub fn decimal(value: f64, places: usize) -> String {
    agent_core::i18n::decimal(value, places, &locale())
}

/// A number of months from the form's settings: whole (`3`) or with one
/// decimal (`1.5`, `1,5`).
fn months(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x}")
    } else {
        decimal(x, 1)
    }
}

/// A number as short as it can be written (`0.8`, `5`), with this
/// thread's language's decimal separator.
pub fn decimal_short(x: f64) -> String {
    let text = format!("{x}");
    match text.split_once('.') {
        Some((_, d)) => decimal(x, d.len()),
        None => text,
    }
}

/// A delivery state in words.
pub fn state(s: DeliveryState) -> String {
    t(&s.message())
}

/// Text padded with spaces to `width` characters (counted as characters,
/// not bytes, for accented words).
pub fn pad(text: &str, width: usize) -> String {
    let n = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(n)))
}

/// Findings, one per line, errors first, each with what to do.
pub fn findings(list: &[Finding]) -> String {
    let mut s = String::new();
    for f in list {
        let tag = match f.severity {
            Severity::Error => tid("show-error"),
            Severity::Warning => tid("show-warning"),
        };
        let _ = writeln!(s, "  {} {:<38} {}", pad(&tag, 7), v(&f.path), v(&f.message));
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
    let _ = writeln!(s, "{}", tid("show-resupply-title"));
    for a in list {
        let _ = writeln!(s, "  {}", resupply_line(a));
        for step in &a.formula_steps {
            let _ = writeln!(s, "      {}", t(step));
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
        Some(m) => t(&Message::new("show-resupply-left").text("months", decimal(m, 1))),
        None => tid("show-resupply-nothing-consumed"),
    };
    let risk = if a.stockout_risk {
        t(&Message::new("show-resupply-risk").text("min", months(a.min_months)))
    } else {
        String::new()
    };
    let short = if a.short_history {
        t(&Message::new("show-resupply-short")
            .num("count", a.periods.len() as i64)
            .num("wanted", i64::from(a.periods_wanted)))
    } else {
        String::new()
    };
    let order = if a.suggested_quantity > 0 {
        t(&Message::new("show-resupply-order")
            .num("quantity", a.suggested_quantity)
            .text("unit", unit))
    } else {
        tid("show-resupply-no-order")
    };
    t(&Message::new("show-resupply-line")
        .text("name", v(&a.name))
        .text("order", order)
        .text("left", left)
        .text("risk", risk)
        .text("max", months(a.max_months))
        .text("short", short))
}

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
        "{}  {} {} {} {:>3}  {:<12} {:<12}",
        pad(&tid("show-col-id"), 36),
        pad(&tid("show-col-form"), 20),
        pad(&tid("show-col-facility"), 8),
        pad(&tid("show-col-period"), 7),
        tid("show-col-revision"),
        "dhis2",
        "lmis"
    );
    for r in rows {
        let state_of = |d: agent_core::outbox::Destination| {
            r.destinations
                .iter()
                .find(|x| x.destination == d)
                .map(|x| state(x.state))
                .unwrap_or_else(|| "-".into())
        };
        let _ = writeln!(
            s,
            "{:<36}  {:<20} {:<8} {:<7} {:>3}  {} {}",
            v(&r.id),
            v(&r.form),
            v(&r.facility),
            v(&period(&r.period)),
            r.revision,
            pad(&state_of(agent_core::outbox::Destination::Dhis2), 12),
            pad(&state_of(agent_core::outbox::Destination::Lmis), 12)
        );
        for d in &r.destinations {
            if let Some(h) = d.held_message() {
                let _ = writeln!(
                    s,
                    "      {}",
                    t(&Message::new("show-held")
                        .text("destination", d.destination.to_string())
                        .text("reason", t(&h)))
                );
                let _ = writeln!(s, "        {}", tid("show-release"));
            } else if let Some(why) = d.last_error_message() {
                let _ = writeln!(
                    s,
                    "      {}",
                    t(&Message::new("show-destination-error")
                        .text("destination", d.destination.to_string())
                        .text("error", agent_core::i18n::render(&why, &locale())))
                );
            }
            s.push_str(&problems(&d.problems, "        "));
        }
    }
    s
}

/// A damaged copy of the outbox and what to do, in one paragraph.
pub fn damaged_copy(c: &DamagedCopy) -> String {
    t(&Message::new("show-damaged-copy").text("message", c.message.as_str()))
}

/// Counts per destination and state, and the oldest undelivered form. Never
/// says that every form is delivered while a damaged copy of the outbox,
/// which may hold unsent forms, waits to be acknowledged.
pub fn health(h: &OutboxHealth) -> String {
    let mut s = String::new();
    for c in &h.damaged_copies {
        let _ = writeln!(
            s,
            "{}",
            t(&Message::new("show-damaged").text("text", damaged_copy(c)))
        );
    }
    let _ = writeln!(
        s,
        "{}",
        t(&Message::new("show-outbox-count").num("count", h.submissions as i64))
    );
    for c in &h.counts {
        let _ = writeln!(
            s,
            "  {:<6} {} {}",
            c.destination.to_string(),
            pad(&state(c.state), 11),
            c.count
        );
    }
    for u in h.data_use.iter().filter(|u| u.requests > 0) {
        let per_form = (u.bytes_sent + u.bytes_received)
            .checked_div(u.delivered)
            .map(|b| t(&Message::new("show-data-use-per-form").num("bytes", b as i64)))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}",
            t(&Message::new("show-data-use")
                .text(
                    "destination",
                    pad(&u.destination.map(|d| d.to_string()).unwrap_or_default(), 6)
                )
                .num("requests", u.requests as i64)
                .num("sent", u.bytes_sent as i64)
                .num("received", u.bytes_received as i64)
                .num("month", u.bytes_last_30_days as i64)
                .num("last", u.bytes_last_pass as i64)
                .text("per_form", per_form))
        );
    }
    match (h.oldest_undelivered_at, h.oldest_undelivered_age_secs) {
        (Some(at), Some(age)) => {
            let _ = writeln!(
                s,
                "{}",
                t(&Message::new("show-oldest")
                    .text("at", at.format("%Y-%m-%d %H:%M UTC").to_string())
                    .text("age", human_age(age)))
            );
        }
        _ if !h.damaged_copies.is_empty() => {
            let _ = writeln!(s, "{}", tid("show-damaged-may-hold"));
        }
        _ => {
            let _ = writeln!(s, "{}", tid("show-all-delivered"));
        }
    }
    s
}

/// An age in seconds, in words.
pub fn human_age(secs: i64) -> String {
    let (id, n) = match secs {
        s if s < 120 => ("show-age-seconds", s),
        s if s < 7200 => ("show-age-minutes", s / 60),
        s if s < 172_800 => ("show-age-hours", s / 3600),
        s => ("show-age-days", s / 86_400),
    };
    t(&Message::new(id).num("n", n))
}

/// Everything about one submission.
pub fn detail(d: &SubmissionDetail) -> String {
    let mut s = status_table(std::slice::from_ref(&d.status));
    let _ = writeln!(s, "\n{}", tid("tool-inspect-revisions"));
    for r in &d.revisions {
        let _ = writeln!(
            s,
            "  {}\n    {}",
            t(&Message::new("tool-inspect-revision")
                .num("revision", i64::from(r.revision))
                .text(
                    "at",
                    r.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
                )
                .num("version", i64::from(r.form_version))
                .text("hash", r.content_hash.get(..16).unwrap_or(&r.content_hash))),
            v(&r.content)
        );
    }
    let _ = writeln!(s, "\n{}", tid("tool-inspect-exchanges"));
    for e in &d.exchanges {
        let answer = match (e.status, &e.error) {
            (Some(st), _) => format!("HTTP {st}"),
            (None, Some(err)) => {
                t(&Message::new("tool-inspect-no-answer-error").text("error", err.as_str()))
            }
            (None, None) => tid("tool-inspect-no-answer"),
        };
        let _ = writeln!(
            s,
            "  {}  {} {:<2} {:<6} {}  -> {answer} {}",
            e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            tid("show-col-revision"),
            e.revision,
            e.destination.to_string(),
            v(&e.request),
            t(&Message::new("tool-inspect-exchange-size")
                .num("ms", e.duration_ms as i64)
                .num("sent", e.bytes.0 as i64)
                .num("received", e.bytes.1 as i64))
        );
        if let Some(b) = &e.request_body {
            let _ = writeln!(
                s,
                "      {}",
                t(&Message::new("tool-inspect-sent")
                    .text("body", b.chars().take(300).collect::<String>()))
            );
        }
        if let Some(b) = &e.response_body {
            let _ = writeln!(
                s,
                "      {}",
                t(&Message::new("tool-inspect-answered")
                    .text("body", b.chars().take(300).collect::<String>()))
            );
        }
    }
    let _ = writeln!(s, "\n{}", tid("tool-inspect-audit"));
    for a in &d.audit {
        let dest = a.destination.map(|x| x.to_string()).unwrap_or_default();
        let change = match (a.from_state, a.to_state) {
            (Some(f), Some(to)) => format!("{} -> {}", state(f), state(to)),
            (None, Some(to)) => format!("-> {}", state(to)),
            _ => String::new(),
        };
        let event = t(&Message::new("tool-audit-event").text("event", a.event.as_str()));
        let _ = writeln!(
            s,
            "  {}  {} {:<2} {:<6} {} {} {}",
            a.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            tid("show-col-revision"),
            a.revision.map(|r| r.to_string()).unwrap_or_default(),
            dest,
            pad(&event, 11),
            pad(&change, 24),
            v(a.detail.as_deref().unwrap_or(""))
        );
    }
    s
}

/// Adds `text` (in this thread's language) next to every message of a
/// JSON document (an object of exactly `id` and `args`), so that `--json`
/// keeps `{id, args, text}` wherever the output holds a message.
pub fn add_message_texts(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(o) => {
            let is_message = o.len() == 2
                && o.get("id").is_some_and(|i| i.is_string())
                && o.get("args").is_some_and(|a| a.is_array());
            if is_message {
                if let Ok(m) =
                    serde_json::from_value::<Message>(serde_json::Value::Object(o.clone()))
                {
                    o.insert(
                        "text".into(),
                        agent_core::i18n::render(&m, &locale()).into(),
                    );
                }
                return;
            }
            o.values_mut().for_each(add_message_texts);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(add_message_texts),
        _ => {}
    }
}

/// A sync report, per destination.
pub fn sync_report(r: &agent_core::sync::SyncReport) -> String {
    let mut s = String::new();
    for d in &r.destinations {
        let name = d.destination.map(|x| x.to_string()).unwrap_or_default();
        let _ = writeln!(
            s,
            "{}",
            t(&Message::new("show-sync-line")
                .text("destination", name)
                .num("delivered", d.delivered.len() as i64)
                .num("rejected", d.rejected.len() as i64)
                .num("queued", d.queued as i64)
                .num("requests", i64::from(d.requests))
                .num("sent", d.bytes_sent as i64)
                .num("received", d.bytes_received as i64))
        );
        for rej in &d.rejected {
            let id = if rej.whole {
                "show-refused"
            } else {
                "show-partly-refused"
            };
            let _ = writeln!(
                s,
                "  {}",
                t(&Message::new(id)
                    .text("id", rej.id.as_str())
                    .num("revision", i64::from(rej.revision)))
            );
            s.push_str(&problems(&rej.problems, "    "));
        }
        for f in &d.failures {
            let why = agent_core::outbox::failure_message(f);
            let _ = writeln!(
                s,
                "  {}",
                t(&Message::new("show-problem")
                    .text("problem", agent_core::i18n::render(&why, &locale())))
            );
        }
        if let Some(h) = &d.held {
            // The stored message in the agent's language (an older hold: its text).
            let reason = d.held_message.as_ref().map_or_else(|| h.clone(), t);
            let _ = writeln!(
                s,
                "  {}",
                t(&Message::new("show-held-reason").text("reason", reason))
            );
            let _ = writeln!(s, "    {}", tid("show-release"));
        }
        if let Some(n) = &d.note {
            let note = if d.note_messages.is_empty() {
                n.clone()
            } else {
                d.note_messages.iter().map(t).collect::<Vec<_>>().join(". ")
            };
            let _ = writeln!(s, "  {}", t(&Message::new("show-note").text("note", note)));
        }
        if let Some(at) = d.next_attempt_at {
            let _ = writeln!(
                s,
                "  {}",
                t(&Message::new("show-next-attempt")
                    .text("at", at.format("%Y-%m-%d %H:%M:%S UTC").to_string()))
            );
        }
    }
    let last = if r.done {
        tid("show-sync-done")
    } else if r.cancelled {
        tid("show-sync-cancelled")
    } else {
        match r.call_again_at {
            Some(at) => t(&Message::new("show-sync-again")
                .text("at", at.format("%Y-%m-%d %H:%M:%S UTC").to_string())),
            None => tid("show-sync-attention"),
        }
    };
    let _ = writeln!(s, "{last}");
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
    groups.sort_by_key(|(p, _)| p.advice_message().id == "dhis2-advice-not-stored");
    for (p, fields) in groups {
        let code = p
            .code
            .as_deref()
            .map(|c| format!(" [{c}]"))
            .unwrap_or_default();
        let which = if fields.len() > 3 {
            tid_n("show-fields", fields.len())
        } else {
            fields.join(", ")
        };
        let _ = writeln!(
            s,
            "{indent}{}{}: {}",
            v(&which),
            v(&code),
            t(&p.advice_message())
        );
        if !p.server_message.is_empty() {
            let _ = writeln!(
                s,
                "{indent}  {}",
                t(&Message::new("show-server-said").text("text", p.server_message.as_str()))
            );
        }
    }
    s
}

/// A message whose one argument is the count `n`.
fn tid_n(id: &str, n: usize) -> String {
    t(&Message::new(id).num("count", n as i64))
}

/// A message for `--json`: its id and arguments (for an app with its own
/// resources) next to its text in this thread's language.
pub fn message_json(m: &Message) -> serde_json::Value {
    let mut v = serde_json::to_value(m).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("text".into(), agent_core::i18n::render(m, &locale()).into());
    }
    v
}

/// The field problems of a JSON report or status, each given
/// `advice_message` (id, arguments, text).
fn problems_json(problems: &mut serde_json::Value, list: &[agent_core::dhis2::FieldProblem]) {
    if let Some(arr) = problems.as_array_mut() {
        for (p, fp) in arr.iter_mut().zip(list) {
            p["advice_message"] = message_json(&fp.advice_message());
        }
    }
}

/// Submissions for `status --json`: as the agent gives them, each
/// destination with `state_message` and `last_error_message`, each problem
/// with `advice_message` (id, arguments and text in the agent's language).
pub fn status_json(rows: &[SubmissionStatus]) -> serde_json::Value {
    let mut out = Vec::new();
    for r in rows {
        let mut v = serde_json::to_value(r).unwrap_or_default();
        if let Some(dests) = v.get_mut("destinations").and_then(|d| d.as_array_mut()) {
            for (dv, d) in dests.iter_mut().zip(&r.destinations) {
                dv["state_message"] = message_json(&d.state.message());
                if let Some(m) = d.last_error_message() {
                    dv["last_error_message"] = message_json(&m);
                }
                if let Some(p) = dv.get_mut("problems") {
                    problems_json(p, &d.problems);
                }
            }
        }
        out.push(v);
    }
    serde_json::Value::Array(out)
}

/// A sync report for `sync --json`: as the agent gives it, each
/// destination with `failure_messages`, each refused form's problems with
/// `advice_message` (id, arguments and text in the agent's language).
pub fn sync_json(r: &agent_core::sync::SyncReport) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap_or_default();
    if let Some(dests) = v.get_mut("destinations").and_then(|d| d.as_array_mut()) {
        for (dv, d) in dests.iter_mut().zip(&r.destinations) {
            dv["failure_messages"] = d
                .failures
                .iter()
                .map(|f| message_json(&agent_core::outbox::failure_message(f)))
                .collect();
            if let Some(rejs) = dv.get_mut("rejected").and_then(|x| x.as_array_mut()) {
                for (rv, rej) in rejs.iter_mut().zip(&d.rejected) {
                    if let Some(p) = rv.get_mut("problems") {
                        problems_json(p, &rej.problems);
                    }
                }
            }
        }
    }
    v
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

    /// `--json` keeps each message's id and arguments next to its text.
    #[test]
    fn json_output_keeps_message_ids_next_to_the_text() {
        set_locale("sw");
        let report = agent_core::sync::SyncReport {
            destinations: vec![agent_core::sync::DestinationReport {
                failures: vec!["the server could not be reached (io: refused)".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let v = sync_json(&report);
        let m = &v["destinations"][0]["failure_messages"][0];
        assert_eq!(m["id"], "net-unreachable", "{v}");
        // Hand-written from agent-core/locales/sw/sync.ftl.
        assert_eq!(m["text"], "seva haikupatikana (io: refused)", "{v}");
        assert_eq!(m["args"][0]["name"], "detail");

        let mut d = detail().status;
        d.destinations[0].last_error =
            Some("refused as a whole; 1 field: DHIS2 has closed...".into());
        d.destinations[0].problems[0].code = Some("E7640".into());
        d.destinations[0].problems[0].advice = agent_core::dhis2::advice_for(Some("E7640"));
        let v = status_json(&[d]);
        let dest = &v[0]["destinations"][0];
        assert_eq!(dest["state_message"]["text"], "imekataliwa", "{v}");
        assert_eq!(dest["last_error_message"]["id"], "sync-refused-whole");
        assert_eq!(
            dest["problems"][0]["advice_message"]["id"],
            "dhis2-advice-period-closed"
        );
        assert!(
            dest["problems"][0]["advice_message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("DHIS2 imefunga kipindi hiki"),
            "{v}"
        );
        set_locale("en");
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
            advice_msg: None,
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
