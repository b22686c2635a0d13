//! Every message id the code uses, with the arguments it passes. The
//! tests compare this list with each locale's `.ftl` files: a missing
//! or extra id, or a variable the code does not pass, fails them.

/// One message the code uses: its id and the names of its arguments.
#[derive(Debug, Clone, Copy)]
pub struct MessageSpec {
    /// The message id.
    pub id: &'static str,
    /// The arguments the code passes (without `$`).
    pub args: &'static [&'static str],
}

/// Every message of the agent, in the order of `locales/en/findings.ftl`,
/// then `sync.ftl`, `cli.ftl`, `errors.ftl` and `tools.ftl`.
pub const MESSAGES: &[MessageSpec] = &[
    MessageSpec {
        id: "quantity-opening_balance",
        args: &[],
    },
    MessageSpec {
        id: "quantity-received",
        args: &[],
    },
    MessageSpec {
        id: "quantity-consumed",
        args: &[],
    },
    MessageSpec {
        id: "quantity-losses",
        args: &[],
    },
    MessageSpec {
        id: "quantity-adjustments",
        args: &[],
    },
    MessageSpec {
        id: "quantity-closing_balance",
        args: &[],
    },
    MessageSpec {
        id: "quantity-stockout_days",
        args: &[],
    },
    MessageSpec {
        id: "quantity-requested_quantity",
        args: &[],
    },
    MessageSpec {
        id: "json-type-empty",
        args: &[],
    },
    MessageSpec {
        id: "json-type-bool",
        args: &[],
    },
    MessageSpec {
        id: "json-type-number",
        args: &[],
    },
    MessageSpec {
        id: "json-type-text",
        args: &[],
    },
    MessageSpec {
        id: "json-type-list",
        args: &[],
    },
    MessageSpec {
        id: "json-type-object",
        args: &[],
    },
    MessageSpec {
        id: "text-field-comment",
        args: &[],
    },
    MessageSpec {
        id: "text-field-captured_by",
        args: &[],
    },
    MessageSpec {
        id: "finding-form-missing",
        args: &[],
    },
    MessageSpec {
        id: "finding-form-unknown",
        args: &["form", "known"],
    },
    MessageSpec {
        id: "finding-facility-missing",
        args: &[],
    },
    MessageSpec {
        id: "finding-facility-unknown",
        args: &["facility"],
    },
    MessageSpec {
        id: "finding-facility-form",
        args: &["name", "code", "form"],
    },
    MessageSpec {
        id: "finding-facility-no-dhis2",
        args: &["name", "code"],
    },
    MessageSpec {
        id: "finding-facility-no-lmis",
        args: &["name", "code"],
    },
    MessageSpec {
        id: "finding-period-missing",
        args: &[],
    },
    MessageSpec {
        id: "finding-period-invalid",
        args: &["detail"],
    },
    MessageSpec {
        id: "finding-period-future",
        args: &["period", "start"],
    },
    MessageSpec {
        id: "finding-period-not-over",
        args: &["period", "end"],
    },
    MessageSpec {
        id: "finding-period-old",
        args: &["period", "end", "years", "months"],
    },
    MessageSpec {
        id: "hidden-kind-direction",
        args: &[],
    },
    MessageSpec {
        id: "hidden-kind-control",
        args: &[],
    },
    MessageSpec {
        id: "hidden-advice-lines",
        args: &[],
    },
    MessageSpec {
        id: "hidden-advice-line",
        args: &[],
    },
    MessageSpec {
        id: "finding-text-hidden-one",
        args: &["field", "char", "kind", "at", "advice"],
    },
    MessageSpec {
        id: "finding-text-hidden-many",
        args: &[
            "field", "count", "char1", "at1", "char2", "at2", "shown", "char3", "at3", "more",
            "advice",
        ],
    },
    MessageSpec {
        id: "finding-comment-too-long",
        args: &["length", "max"],
    },
    MessageSpec {
        id: "finding-captured-by-too-long",
        args: &["max"],
    },
    MessageSpec {
        id: "finding-service-unknown-field",
        args: &["field", "form"],
    },
    MessageSpec {
        id: "finding-service-required",
        args: &["label"],
    },
    MessageSpec {
        id: "finding-service-negative",
        args: &["label", "value"],
    },
    MessageSpec {
        id: "finding-service-below-min",
        args: &["label", "value", "unit", "min"],
    },
    MessageSpec {
        id: "finding-service-above-max",
        args: &["label", "value", "unit", "max"],
    },
    MessageSpec {
        id: "finding-service-unusually-high",
        args: &["label", "value", "unit", "limit"],
    },
    MessageSpec {
        id: "finding-stock-unknown-product",
        args: &["product", "form"],
    },
    MessageSpec {
        id: "finding-stock-missing",
        args: &["product"],
    },
    MessageSpec {
        id: "finding-stock-required",
        args: &["product", "quantity"],
    },
    MessageSpec {
        id: "finding-stock-too-large",
        args: &["product", "value", "quantity"],
    },
    MessageSpec {
        id: "finding-stock-negative",
        args: &["product", "quantity", "value"],
    },
    MessageSpec {
        id: "finding-stock-unusually-high",
        args: &["product", "quantity", "value", "unit", "limit"],
    },
    MessageSpec {
        id: "finding-stock-balance",
        args: &[
            "product",
            "expected",
            "unit",
            "opening",
            "received",
            "consumed",
            "losses",
            "adjustments_sign",
            "adjustments",
            "closing",
            "expected_sign",
        ],
    },
    MessageSpec {
        id: "finding-stockout-days-too-many",
        args: &["product", "days", "max", "period"],
    },
    MessageSpec {
        id: "finding-stockout-all-days-consumed",
        args: &["product", "max", "consumed", "unit"],
    },
    MessageSpec {
        id: "finding-stockout-days-missing",
        args: &["product"],
    },
    MessageSpec {
        id: "finding-stockout-risk",
        args: &["product", "months", "minimum", "quantity", "unit"],
    },
    MessageSpec {
        id: "finding-opening-not-previous-closing",
        args: &["product", "opening", "previous", "previous_period"],
    },
    MessageSpec {
        id: "finding-lmis-mapping",
        args: &["problem"],
    },
    MessageSpec {
        id: "finding-rule-more",
        args: &["left", "left_value", "right", "right_value", "advice"],
    },
    MessageSpec {
        id: "finding-rule-less",
        args: &["left", "left_value", "right", "right_value", "advice"],
    },
    MessageSpec {
        id: "finding-rule-not-equal",
        args: &["left", "left_value", "right", "right_value", "advice"],
    },
    MessageSpec {
        id: "finding-rule-ratio-zero",
        args: &[
            "left",
            "left_value",
            "right",
            "right_value",
            "band",
            "min",
            "max",
            "advice",
        ],
    },
    MessageSpec {
        id: "finding-rule-ratio",
        args: &[
            "left",
            "left_value",
            "ratio",
            "right",
            "right_value",
            "band",
            "min",
            "max",
            "advice",
        ],
    },
    MessageSpec {
        id: "rule-advice-default",
        args: &[],
    },
    MessageSpec {
        id: "finding-draft-not-text",
        args: &["key", "type"],
    },
    MessageSpec {
        id: "finding-draft-duplicate-key",
        args: &["path", "count"],
    },
    MessageSpec {
        id: "finding-draft-unknown-key",
        args: &["key"],
    },
    MessageSpec {
        id: "finding-draft-service-not-object",
        args: &["type"],
    },
    MessageSpec {
        id: "finding-draft-stock-not-object",
        args: &["product", "type"],
    },
    MessageSpec {
        id: "finding-draft-stock-not-products",
        args: &["type"],
    },
    MessageSpec {
        id: "finding-draft-not-stock-quantity",
        args: &["key"],
    },
    MessageSpec {
        id: "finding-draft-number-too-large",
        args: &["number"],
    },
    MessageSpec {
        id: "finding-draft-number-not-whole",
        args: &["number"],
    },
    MessageSpec {
        id: "finding-draft-number-is-text",
        args: &["text"],
    },
    MessageSpec {
        id: "finding-draft-number-is-bool",
        args: &["value"],
    },
    MessageSpec {
        id: "finding-draft-number-is-list",
        args: &[],
    },
    MessageSpec {
        id: "finding-draft-number-is-object",
        args: &[],
    },
    // Periods that cannot be read (issue 15; locales/*/findings.ftl).
    MessageSpec {
        id: "period-empty",
        args: &[],
    },
    MessageSpec {
        id: "period-unrecognised",
        args: &["input"],
    },
    MessageSpec {
        id: "period-year-range",
        args: &["input", "min", "max"],
    },
    MessageSpec {
        id: "period-day-zero",
        args: &["input"],
    },
    MessageSpec {
        id: "period-month-days",
        args: &["input", "period", "days"],
    },
    MessageSpec {
        id: "period-week-zero",
        args: &["input"],
    },
    MessageSpec {
        id: "period-year-weeks",
        args: &["input", "year", "weeks"],
    },
    MessageSpec {
        id: "period-biweek",
        args: &["input", "year", "count"],
    },
    MessageSpec {
        id: "period-month",
        args: &["input", "month"],
    },
    MessageSpec {
        id: "period-bimonth",
        args: &["input", "index"],
    },
    MessageSpec {
        id: "period-quarter",
        args: &["input", "quarter"],
    },
    MessageSpec {
        id: "period-half",
        args: &["input", "half"],
    },
    // Sync (issue 15): delivery states, send failures, DHIS2 refusals (locales/*/sync.ftl).
    MessageSpec {
        id: "state-pending",
        args: &[],
    },
    MessageSpec {
        id: "state-in_flight",
        args: &[],
    },
    MessageSpec {
        id: "state-delivered",
        args: &[],
    },
    MessageSpec {
        id: "state-rejected",
        args: &[],
    },
    MessageSpec {
        id: "state-superseded",
        args: &[],
    },
    MessageSpec {
        id: "state-waiting",
        args: &[],
    },
    MessageSpec {
        id: "net-unreachable",
        args: &["detail"],
    },
    MessageSpec {
        id: "net-timeout",
        args: &["detail"],
    },
    MessageSpec {
        id: "net-broken",
        args: &["detail"],
    },
    MessageSpec {
        id: "net-tls",
        args: &["detail"],
    },
    MessageSpec {
        id: "net-other",
        args: &["detail"],
    },
    MessageSpec {
        id: "net-not-started",
        args: &["detail"],
    },
    MessageSpec {
        id: "dhis2-advice-period-closed",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-input-periods",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-period-not-open",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-period-not-yet",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-approved",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-value",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-field",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-category",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-facility",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-access",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-period",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-facility-closed",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-category-dates",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-category-facility",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-other",
        args: &[],
    },
    MessageSpec {
        id: "dhis2-advice-not-stored",
        args: &["fields"],
    },
    MessageSpec {
        id: "dhis2-advice-refused-form",
        args: &[],
    },
    MessageSpec {
        id: "sync-refused-whole",
        args: &["count"],
    },
    MessageSpec {
        id: "sync-refused-part",
        args: &["count"],
    },
    MessageSpec {
        id: "plain-text",
        args: &["text"],
    },
    // Forms this device cannot send any more, the start-up warning (issue 15, wt-15M; locales/*/sync.ftl).
    MessageSpec {
        id: "stranded-form-gone",
        args: &["form"],
    },
    MessageSpec {
        id: "stranded-facility-gone",
        args: &["facility"],
    },
    MessageSpec {
        id: "stranded-part-gone",
        args: &["form", "part"],
    },
    MessageSpec {
        id: "stranded-org-unit-gone",
        args: &["facility"],
    },
    MessageSpec {
        id: "stranded-reason",
        args: &["reason", "count"],
    },
    MessageSpec {
        id: "stranded-warning",
        args: &["count", "reasons", "command"],
    },
    // cli-sim (issue 15): the demo and the status, sync and health tables (locales/*/cli.ftl).
    MessageSpec {
        id: "demo-title",
        args: &[],
    },
    MessageSpec {
        id: "demo-folder",
        args: &["path"],
    },
    MessageSpec {
        id: "demo-dhis2",
        args: &["url"],
    },
    MessageSpec {
        id: "demo-lmis",
        args: &["url"],
    },
    MessageSpec {
        id: "demo-forms",
        args: &["forms"],
    },
    MessageSpec {
        id: "demo-facilities",
        args: &["count", "month"],
    },
    MessageSpec {
        id: "demo-step-record",
        args: &[],
    },
    MessageSpec {
        id: "demo-saved",
        args: &["form", "facility", "id", "revision"],
    },
    MessageSpec {
        id: "demo-step-confirm",
        args: &[],
    },
    MessageSpec {
        id: "demo-confirms",
        args: &[],
    },
    MessageSpec {
        id: "demo-saved-correction",
        args: &["id", "revision"],
    },
    MessageSpec {
        id: "demo-unexpected",
        args: &["what"],
    },
    MessageSpec {
        id: "demo-step-invalid",
        args: &[],
    },
    MessageSpec {
        id: "demo-step-double-tap",
        args: &[],
    },
    MessageSpec {
        id: "demo-double-tap-same",
        args: &[],
    },
    MessageSpec {
        id: "demo-double-tap-new",
        args: &[],
    },
    MessageSpec {
        id: "demo-step-late",
        args: &["period"],
    },
    MessageSpec {
        id: "demo-saved-id",
        args: &["id"],
    },
    MessageSpec {
        id: "demo-step-offline",
        args: &[],
    },
    MessageSpec {
        id: "demo-step-online",
        args: &[],
    },
    MessageSpec {
        id: "demo-syncing",
        args: &[],
    },
    MessageSpec {
        id: "demo-parts-sent",
        args: &[],
    },
    MessageSpec {
        id: "demo-step-why",
        args: &[],
    },
    MessageSpec {
        id: "demo-step-held",
        args: &[],
    },
    MessageSpec {
        id: "demo-values",
        args: &["facility", "month", "count"],
    },
    MessageSpec {
        id: "demo-completions",
        args: &["count"],
    },
    MessageSpec {
        id: "demo-step-stock-cards",
        args: &[],
    },
    MessageSpec {
        id: "demo-stock-card",
        args: &["facility", "form", "revision", "cells"],
    },
    MessageSpec {
        id: "demo-events",
        args: &["count"],
    },
    MessageSpec {
        id: "demo-step-cross-checks",
        args: &["month"],
    },
    MessageSpec {
        id: "demo-cross-check",
        args: &[
            "left",
            "left_value",
            "right",
            "right_value",
            "ratio",
            "min",
            "max",
            "verdict",
        ],
    },
    MessageSpec {
        id: "demo-check-ok",
        args: &[],
    },
    MessageSpec {
        id: "demo-check-look",
        args: &[],
    },
    MessageSpec {
        id: "demo-step-outbox",
        args: &[],
    },
    MessageSpec {
        id: "show-error",
        args: &[],
    },
    MessageSpec {
        id: "show-warning",
        args: &[],
    },
    MessageSpec {
        id: "show-resupply-title",
        args: &[],
    },
    MessageSpec {
        id: "show-resupply-line",
        args: &["name", "order", "left", "risk", "max", "short"],
    },
    MessageSpec {
        id: "show-resupply-order",
        args: &["quantity", "unit"],
    },
    MessageSpec {
        id: "show-resupply-no-order",
        args: &[],
    },
    MessageSpec {
        id: "show-resupply-left",
        args: &["months"],
    },
    MessageSpec {
        id: "show-resupply-nothing-consumed",
        args: &[],
    },
    MessageSpec {
        id: "show-resupply-risk",
        args: &["min"],
    },
    MessageSpec {
        id: "show-resupply-short",
        args: &["count", "wanted"],
    },
    MessageSpec {
        id: "show-release",
        args: &[],
    },
    MessageSpec {
        id: "show-col-id",
        args: &[],
    },
    MessageSpec {
        id: "show-col-form",
        args: &[],
    },
    MessageSpec {
        id: "show-col-facility",
        args: &[],
    },
    MessageSpec {
        id: "show-col-period",
        args: &[],
    },
    MessageSpec {
        id: "show-col-revision",
        args: &[],
    },
    MessageSpec {
        id: "show-held",
        args: &["destination", "reason"],
    },
    MessageSpec {
        id: "show-destination-error",
        args: &["destination", "error"],
    },
    MessageSpec {
        id: "show-damaged-copy",
        args: &["message"],
    },
    MessageSpec {
        id: "show-damaged",
        args: &["text"],
    },
    MessageSpec {
        id: "show-outbox-count",
        args: &["count"],
    },
    MessageSpec {
        id: "show-data-use",
        args: &[
            "destination",
            "requests",
            "sent",
            "received",
            "month",
            "last",
            "per_form",
        ],
    },
    MessageSpec {
        id: "show-data-use-per-form",
        args: &["bytes"],
    },
    MessageSpec {
        id: "show-oldest",
        args: &["at", "age"],
    },
    MessageSpec {
        id: "show-damaged-may-hold",
        args: &[],
    },
    MessageSpec {
        id: "show-all-delivered",
        args: &[],
    },
    MessageSpec {
        id: "show-age-seconds",
        args: &["n"],
    },
    MessageSpec {
        id: "show-age-minutes",
        args: &["n"],
    },
    MessageSpec {
        id: "show-age-hours",
        args: &["n"],
    },
    MessageSpec {
        id: "show-age-days",
        args: &["n"],
    },
    MessageSpec {
        id: "show-sync-line",
        args: &[
            "destination",
            "delivered",
            "rejected",
            "queued",
            "requests",
            "sent",
            "received",
        ],
    },
    MessageSpec {
        id: "show-refused",
        args: &["id", "revision"],
    },
    MessageSpec {
        id: "show-partly-refused",
        args: &["id", "revision"],
    },
    MessageSpec {
        id: "show-problem",
        args: &["problem"],
    },
    MessageSpec {
        id: "show-held-reason",
        args: &["reason"],
    },
    MessageSpec {
        id: "show-note",
        args: &["note"],
    },
    MessageSpec {
        id: "show-next-attempt",
        args: &["at"],
    },
    MessageSpec {
        id: "show-sync-done",
        args: &[],
    },
    MessageSpec {
        id: "show-sync-cancelled",
        args: &[],
    },
    MessageSpec {
        id: "show-sync-again",
        args: &["at"],
    },
    MessageSpec {
        id: "show-sync-attention",
        args: &[],
    },
    MessageSpec {
        id: "show-fields",
        args: &["count"],
    },
    MessageSpec {
        id: "show-server-said",
        args: &["text"],
    },
    // Errors a user meets (issue 15; locales/*/errors.ftl).
    MessageSpec {
        id: "error-invalid-draft",
        args: &["count", "findings"],
    },
    MessageSpec {
        id: "error-needs-confirmation",
        args: &["count", "findings"],
    },
    MessageSpec {
        id: "error-unknown-submission",
        args: &["id"],
    },
    MessageSpec {
        id: "error-config",
        args: &["detail"],
    },
    MessageSpec {
        id: "error-storage-full",
        args: &["detail"],
    },
    MessageSpec {
        id: "error-storage-unavailable",
        args: &["detail"],
    },
    MessageSpec {
        id: "error-storage-corrupt",
        args: &["path", "detail"],
    },
    MessageSpec {
        id: "error-database-too-new",
        args: &["found", "supported"],
    },
    MessageSpec {
        id: "error-busy",
        args: &["detail"],
    },
    MessageSpec {
        id: "error-auth-failed",
        args: &["destination", "detail"],
    },
    MessageSpec {
        id: "error-unreachable",
        args: &["destination", "detail"],
    },
    MessageSpec {
        id: "error-internal",
        args: &["reference", "detail"],
    },
    MessageSpec {
        id: "error-line",
        args: &["text"],
    },
    // issue 15, cli-sim tools (wt-15t): locales/*/tools.ftl.
    MessageSpec {
        id: "movement-consumed",
        args: &[],
    },
    MessageSpec {
        id: "movement-received",
        args: &[],
    },
    MessageSpec {
        id: "movement-losses",
        args: &[],
    },
    MessageSpec {
        id: "movement-positive_adjustment",
        args: &[],
    },
    MessageSpec {
        id: "movement-negative_adjustment",
        args: &[],
    },
    MessageSpec {
        id: "movement-credit_correction",
        args: &[],
    },
    MessageSpec {
        id: "movement-debit_correction",
        args: &[],
    },
    MessageSpec {
        id: "match-evidence-code",
        args: &["code"],
    },
    MessageSpec {
        id: "match-evidence-name",
        args: &["name"],
    },
    MessageSpec {
        id: "match-evidence-not-supported",
        args: &[],
    },
    MessageSpec {
        id: "match-evidence-pack",
        args: &["count"],
    },
    MessageSpec {
        id: "match-evidence-reason-name",
        args: &["name"],
    },
    MessageSpec {
        id: "match-evidence-reason-tag-credit",
        args: &["tag"],
    },
    MessageSpec {
        id: "match-evidence-reason-tag-debit",
        args: &["tag"],
    },
    MessageSpec {
        id: "match-evidence-decision",
        args: &[],
    },
    MessageSpec {
        id: "match-why-shared-code",
        args: &["count", "names"],
    },
    MessageSpec {
        id: "match-why-shared-name",
        args: &["count", "names"],
    },
    MessageSpec {
        id: "match-why-merge",
        args: &["count", "names"],
    },
    MessageSpec {
        id: "match-why-unmatched",
        args: &[],
    },
    MessageSpec {
        id: "match-problem-unknown-org-unit",
        args: &["id"],
    },
    MessageSpec {
        id: "match-problem-unknown-lmis-code",
        args: &["code"],
    },
    MessageSpec {
        id: "match-problem-empty-decision",
        args: &[],
    },
    MessageSpec {
        id: "match-problem-reason-decision-credit",
        args: &["movement", "name", "types"],
    },
    MessageSpec {
        id: "match-problem-reason-decision-debit",
        args: &["movement", "name", "types"],
    },
    MessageSpec {
        id: "match-subject-facility",
        args: &["code"],
    },
    MessageSpec {
        id: "match-subject-form",
        args: &["form"],
    },
    MessageSpec {
        id: "match-subject-product",
        args: &["form", "product"],
    },
    MessageSpec {
        id: "match-subject-reason",
        args: &["form", "movement"],
    },
    MessageSpec {
        id: "match-check-org-unit-unknown",
        args: &["org_unit"],
    },
    MessageSpec {
        id: "match-check-org-unit-missing",
        args: &[],
    },
    MessageSpec {
        id: "match-check-lmis-missing",
        args: &[],
    },
    MessageSpec {
        id: "match-check-lmis-id-missing",
        args: &["id", "code"],
    },
    MessageSpec {
        id: "match-check-lmis-code-unknown",
        args: &["code"],
    },
    MessageSpec {
        id: "match-check-lmis-id-unknown",
        args: &["id"],
    },
    MessageSpec {
        id: "match-check-lmis-code-other",
        args: &["code", "id", "actual"],
    },
    MessageSpec {
        id: "match-check-lmis-code-other-none",
        args: &["code", "id"],
    },
    MessageSpec {
        id: "match-check-program-not-supported",
        args: &["program", "form"],
    },
    MessageSpec {
        id: "match-check-program-unknown",
        args: &["program"],
    },
    MessageSpec {
        id: "match-check-product-unknown",
        args: &["code"],
    },
    MessageSpec {
        id: "match-check-orderable-other",
        args: &["id", "code", "actual"],
    },
    MessageSpec {
        id: "match-check-reason-direction",
        args: &["name", "kind", "movement", "needed", "key"],
    },
    MessageSpec {
        id: "match-check-reason-unknown",
        args: &["name", "movement", "key"],
    },
    MessageSpec {
        id: "tool-none",
        args: &[],
    },
    MessageSpec {
        id: "tool-map-facilities",
        args: &["org_units", "lmis"],
    },
    MessageSpec {
        id: "tool-map-products",
        args: &[],
    },
    MessageSpec {
        id: "tool-map-reasons",
        args: &[],
    },
    MessageSpec {
        id: "tool-map-proposal",
        args: &[
            "confidence",
            "left",
            "left_code",
            "right",
            "right_code",
            "evidence",
        ],
    },
    MessageSpec {
        id: "tool-map-question",
        args: &["name", "code", "why", "candidates"],
    },
    MessageSpec {
        id: "tool-map-reason",
        args: &["movement", "types", "name", "confidence", "evidence"],
    },
    MessageSpec {
        id: "tool-map-reason-open",
        args: &["movement", "types", "wanted", "candidates"],
    },
    MessageSpec {
        id: "tool-map-problem",
        args: &["problem"],
    },
    MessageSpec {
        id: "tool-map-written",
        args: &["count", "path"],
    },
    MessageSpec {
        id: "tool-map-not-written",
        args: &[],
    },
    MessageSpec {
        id: "tool-map-undecided",
        args: &["count"],
    },
    MessageSpec {
        id: "tool-map-all-match",
        args: &[],
    },
    MessageSpec {
        id: "tool-map-mismatch",
        args: &["subject", "problem"],
    },
    MessageSpec {
        id: "tool-map-mismatch-candidates",
        args: &["subject", "problem", "candidates"],
    },
    MessageSpec {
        id: "tool-meta-service",
        args: &["form", "kept", "added", "removed", "written"],
    },
    MessageSpec {
        id: "tool-meta-stock",
        args: &["form", "kept", "added", "removed", "written"],
    },
    MessageSpec {
        id: "tool-meta-written",
        args: &["path"],
    },
    MessageSpec {
        id: "tool-meta-unchanged",
        args: &[],
    },
    MessageSpec {
        id: "tool-meta-added",
        args: &["item"],
    },
    MessageSpec {
        id: "tool-meta-removed",
        args: &["item"],
    },
    MessageSpec {
        id: "tool-lmis-match",
        args: &[],
    },
    MessageSpec {
        id: "tool-period-type",
        args: &["type"],
    },
    MessageSpec {
        id: "tool-forms-counts",
        args: &["period_type", "fields", "products"],
    },
    MessageSpec {
        id: "tool-validate-clean",
        args: &[],
    },
    MessageSpec {
        id: "tool-inspect-revisions",
        args: &[],
    },
    MessageSpec {
        id: "tool-inspect-revision",
        args: &["revision", "at", "version", "hash"],
    },
    MessageSpec {
        id: "tool-inspect-exchanges",
        args: &[],
    },
    MessageSpec {
        id: "tool-inspect-no-answer",
        args: &[],
    },
    MessageSpec {
        id: "tool-inspect-no-answer-error",
        args: &["error"],
    },
    MessageSpec {
        id: "tool-inspect-exchange-size",
        args: &["ms", "sent", "received"],
    },
    MessageSpec {
        id: "tool-inspect-sent",
        args: &["body"],
    },
    MessageSpec {
        id: "tool-inspect-answered",
        args: &["body"],
    },
    MessageSpec {
        id: "tool-inspect-audit",
        args: &[],
    },
    MessageSpec {
        id: "tool-audit-event",
        args: &["event"],
    },
    MessageSpec {
        id: "tool-diagnose-written",
        args: &["path", "bytes", "forms", "open"],
    },
    MessageSpec {
        id: "tool-export-written",
        args: &["forms", "revisions", "undelivered", "path"],
    },
    MessageSpec {
        id: "tool-export-look-up",
        args: &["count"],
    },
    MessageSpec {
        id: "tool-import-report",
        args: &["count", "queued"],
    },
    MessageSpec {
        id: "tool-import-added",
        args: &["facility", "form", "period", "revision", "id"],
    },
    MessageSpec {
        id: "tool-import-skipped-title",
        args: &["count"],
    },
    MessageSpec {
        id: "tool-import-skipped",
        args: &["facility", "form", "period", "revision", "id"],
    },
    MessageSpec {
        id: "tool-keygen-written",
        args: &["path", "key"],
    },
    MessageSpec {
        id: "tool-resend",
        args: &["count", "id"],
    },
    MessageSpec {
        id: "tool-send-incomplete",
        args: &["id"],
    },
    MessageSpec {
        id: "tool-send-incomplete-none",
        args: &["id"],
    },
    MessageSpec {
        id: "tool-ack-none",
        args: &[],
    },
    MessageSpec {
        id: "tool-ack-done",
        args: &["path"],
    },
    MessageSpec {
        id: "tool-warning",
        args: &["text"],
    },
    MessageSpec {
        id: "tool-warning-no-locale",
        args: &["locale"],
    },
    MessageSpec {
        id: "tool-warning-read-only",
        args: &["path"],
    },
    MessageSpec {
        id: "tool-record-duplicate",
        args: &["revision"],
    },
    MessageSpec {
        id: "tool-record-correction",
        args: &["revision"],
    },
    MessageSpec {
        id: "tool-record-confirmed",
        args: &[],
    },
    MessageSpec {
        id: "tool-record-not-saved-errors",
        args: &[],
    },
    MessageSpec {
        id: "tool-record-not-saved-warnings",
        args: &[],
    },
    MessageSpec {
        id: "tool-sync-released-backoff",
        args: &["count"],
    },
    MessageSpec {
        id: "tool-sync-released-holds",
        args: &[],
    },
    MessageSpec {
        id: "tool-json-error",
        args: &["detail"],
    },
    MessageSpec {
        id: "rec-intro",
        args: &[],
    },
    MessageSpec {
        id: "rec-end-of-input",
        args: &[],
    },
    MessageSpec {
        id: "rec-stopped",
        args: &[],
    },
    MessageSpec {
        id: "rec-io-error",
        args: &["error"],
    },
    MessageSpec {
        id: "rec-error",
        args: &["message"],
    },
    MessageSpec {
        id: "rec-warning",
        args: &["message"],
    },
    MessageSpec {
        id: "rec-keep",
        args: &["value"],
    },
    MessageSpec {
        id: "rec-keep-help",
        args: &[],
    },
    MessageSpec {
        id: "rec-it-empty",
        args: &[],
    },
    MessageSpec {
        id: "rec-not-in-list",
        args: &["answer", "count"],
    },
    MessageSpec {
        id: "rec-form",
        args: &["title", "id"],
    },
    MessageSpec {
        id: "rec-no-form",
        args: &["id"],
    },
    MessageSpec {
        id: "rec-forms",
        args: &[],
    },
    MessageSpec {
        id: "rec-pick-form",
        args: &[],
    },
    MessageSpec {
        id: "rec-facilities",
        args: &[],
    },
    MessageSpec {
        id: "rec-pick-facility",
        args: &[],
    },
    MessageSpec {
        id: "rec-facility",
        args: &["code", "name"],
    },
    MessageSpec {
        id: "rec-period-prompt",
        args: &["type", "suggestion"],
    },
    MessageSpec {
        id: "rec-period",
        args: &["period"],
    },
    MessageSpec {
        id: "rec-already-saved",
        args: &["facility", "period", "id", "revision"],
    },
    MessageSpec {
        id: "rec-or-more",
        args: &["min"],
    },
    MessageSpec {
        id: "rec-required",
        args: &[],
    },
    MessageSpec {
        id: "rec-optional",
        args: &[],
    },
    MessageSpec {
        id: "rec-may-be-negative",
        args: &[],
    },
    MessageSpec {
        id: "rec-days",
        args: &[],
    },
    MessageSpec {
        id: "rec-enter-for",
        args: &["value", "why"],
    },
    MessageSpec {
        id: "rec-closing-of",
        args: &["period"],
    },
    MessageSpec {
        id: "rec-stock-title",
        args: &["name", "code"],
    },
    MessageSpec {
        id: "rec-stock-title-unit",
        args: &["name", "code", "unit"],
    },
    MessageSpec {
        id: "rec-stock-opening_balance",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-received",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-consumed",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-losses",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-adjustments",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-closing_balance",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-stockout_days",
        args: &[],
    },
    MessageSpec {
        id: "rec-stock-requested_quantity",
        args: &[],
    },
    MessageSpec {
        id: "rec-again",
        args: &["code"],
    },
    MessageSpec {
        id: "rec-retype-closing",
        args: &[],
    },
    MessageSpec {
        id: "rec-closing-entered",
        args: &["value"],
    },
    MessageSpec {
        id: "rec-to-order",
        args: &["line"],
    },
    MessageSpec {
        id: "rec-note",
        args: &["message"],
    },
    MessageSpec {
        id: "rec-comment",
        args: &[],
    },
    MessageSpec {
        id: "rec-captured-by",
        args: &[],
    },
    MessageSpec {
        id: "rec-value",
        args: &[],
    },
    MessageSpec {
        id: "rec-enter-keeps",
        args: &["value"],
    },
    MessageSpec {
        id: "rec-checked",
        args: &[],
    },
    MessageSpec {
        id: "rec-cannot-correct",
        args: &[],
    },
    MessageSpec {
        id: "rec-errors-prompt",
        args: &[],
    },
    MessageSpec {
        id: "rec-warnings-help",
        args: &[],
    },
    MessageSpec {
        id: "rec-confirm-prompt",
        args: &[],
    },
    MessageSpec {
        id: "rec-not-confirmed",
        args: &[],
    },
    MessageSpec {
        id: "rec-type-yne",
        args: &[],
    },
    MessageSpec {
        id: "rec-warnings-not-field",
        args: &[],
    },
    MessageSpec {
        id: "rec-saved",
        args: &["id", "revision"],
    },
    MessageSpec {
        id: "rec-duplicate",
        args: &[],
    },
    MessageSpec {
        id: "rec-correction",
        args: &[],
    },
    MessageSpec {
        id: "rec-next-sync",
        args: &[],
    },
    // issue 15, stored messages (wt-15c): sync.ftl (kept forms, holds,
    // hold kinds, sync notes).
    MessageSpec {
        id: "sync-kept-form-gone",
        args: &["form", "command"],
    },
    MessageSpec {
        id: "sync-kept-facility-gone",
        args: &["facility", "command"],
    },
    MessageSpec {
        id: "sync-kept-org-unit-gone",
        args: &["facility", "command"],
    },
    MessageSpec {
        id: "sync-wait-lmis-mismatch",
        args: &["problems"],
    },
    MessageSpec {
        id: "sync-kept-part-gone",
        args: &["form", "part", "command"],
    },
    MessageSpec {
        id: "hold-dhis2-credentials",
        args: &[],
    },
    MessageSpec {
        id: "hold-dhis2-authority",
        args: &[],
    },
    MessageSpec {
        id: "hold-dhis2-not-found",
        args: &["url"],
    },
    MessageSpec {
        id: "hold-dhis2-too-large",
        args: &["answer"],
    },
    MessageSpec {
        id: "hold-dhis2-intercepted",
        args: &["answer"],
    },
    MessageSpec {
        id: "sync-dhis2-busy",
        args: &["status"],
    },
    MessageSpec {
        id: "hold-kind-credentials",
        args: &[],
    },
    MessageSpec {
        id: "hold-kind-configuration",
        args: &[],
    },
    MessageSpec {
        id: "hold-kind-intercepted",
        args: &[],
    },
    MessageSpec {
        id: "sync-note-no-credentials",
        args: &["destination"],
    },
    MessageSpec {
        id: "sync-note-credentials-unavailable",
        args: &["reason"],
    },
    MessageSpec {
        id: "sync-note-address-changed",
        args: &[],
    },
    MessageSpec {
        id: "sync-note-credentials-changed",
        args: &[],
    },
    MessageSpec {
        id: "sync-note-not-configured",
        args: &["destination", "section"],
    },
    MessageSpec {
        id: "sync-note-backing-off",
        args: &["until"],
    },
    MessageSpec {
        id: "sync-note-clear-text",
        args: &["destination"],
    },
    // findings.ftl: a period of another type than the form's.
    MessageSpec {
        id: "period-wrong-type",
        args: &["input", "found", "expected"],
    },
    // findings.ftl: the steps of the resupply computation.
    MessageSpec {
        id: "resupply-step-consumed",
        args: &["period", "consumed"],
    },
    MessageSpec {
        id: "resupply-step-adjusted",
        args: &["period", "consumed", "days", "adjusted"],
    },
    MessageSpec {
        id: "resupply-step-amc",
        args: &["terms", "count", "amc"],
    },
    MessageSpec {
        id: "resupply-step-amc-short",
        args: &["terms", "count", "amc", "wanted"],
    },
    MessageSpec {
        id: "resupply-step-months",
        args: &["closing", "amc", "months"],
    },
    MessageSpec {
        id: "resupply-step-months-none",
        args: &[],
    },
    MessageSpec {
        id: "resupply-step-max",
        args: &["amc", "max_months", "max"],
    },
    MessageSpec {
        id: "resupply-step-order",
        args: &["max", "closing", "suggested"],
    },
    MessageSpec {
        id: "resupply-step-order-floor",
        args: &["max", "closing", "suggested"],
    },
];
