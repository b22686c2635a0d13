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

/// Every message of the agent, in the order of `locales/en/findings.ftl`.
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
];
