//! Form definitions: what a combined monthly form asks for, and where each
//! answer goes (a DHIS2 data element and option combo for services, an LMIS
//! product for stock), plus the cross-check rules between the two halves.
//!
//! Definitions are data (`schemas/forms/*.json`, described by
//! `schemas/form-definition.schema.json`). They are checked when loaded, so a
//! broken definition is reported with the item named before anyone records a
//! form with it.

use crate::model::i18n::{self, Message};
use crate::model::period::PeriodType;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One form definition, as stored in `schemas/forms/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    /// The JSON Schema the file declares (ignored; lets editors validate it).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Stable identifier, e.g. `chw-monthly`; drafts name their form by it.
    pub id: String,
    /// Version of this definition; raised when fields change.
    pub version: u32,
    /// Title shown to the health worker.
    pub title: String,
    /// The title in other languages, by locale (`fr`, `sw`, `pt-BR`…);
    /// see [`pick_label`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The period type the form is reported for (DHIS2 name, e.g. `Monthly`).
    pub period_type: PeriodType,
    /// Where the service half goes.
    pub dhis2: Dhis2Target,
    /// Where the stock half goes; absent for service-only forms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmis: Option<LmisTarget>,
    /// The service fields, in display order.
    #[serde(default)]
    pub service: Vec<ServiceField>,
    /// The commodities whose stock is reported, in display order.
    #[serde(default)]
    pub products: Vec<Product>,
    /// Cross-checks between fields (services vs consumption, internal consistency).
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Maximum and minimum stock levels for the resupply advice (defaults:
    /// 3 and 1 months, averaged over 3 periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resupply: Option<ResupplySettings>,
}

/// The DHIS2 side of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dhis2Target {
    /// The data set uid the values are posted for.
    pub data_set: String,
    /// The attribute option combo, when the data set has a non-default one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attribute_option_combo: Option<String>,
}

/// Which kind of LMIS receives the stock half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LmisKind {
    /// OpenLMIS v3.
    Openlmis,
}

/// How stock data is delivered to the LMIS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LmisMode {
    /// One physical-count stock event per form (the default).
    #[default]
    StockEvent,
    /// A requisition per LMIS processing period, aggregated from the monthly forms.
    Requisition,
}

/// The LMIS side of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LmisTarget {
    /// The LMIS implementation.
    pub kind: LmisKind,
    /// The LMIS program id (a UUID in OpenLMIS).
    pub program_id: String,
    /// The LMIS program code, used to check the program against reference data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_code: Option<String>,
    /// The LMIS reporting period type (often `Quarterly` while the form is
    /// monthly). Required in requisition mode; in stock-event mode a file
    /// may leave it out and it is the form's own.
    pub period_type: PeriodType,
    /// How the stock half is delivered.
    #[serde(default)]
    pub mode: LmisMode,
    /// Which LMIS reasons (by name or id) record each stock movement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<ReasonNames>,
}

/// The LMIS reasons that record each movement of a form, by name (or id).
/// Absent ones take the defaults of OpenLMIS's bootstrap data.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonNames {
    /// Quantity consumed (default `Consumed`, tag `consumed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed: Option<String>,
    /// Quantity received (default `Receipts`, tag `received`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<String>,
    /// Losses (default `Lost`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub losses: Option<String>,
    /// Positive adjustments (default `Beginning Balance Excess`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive_adjustment: Option<String>,
    /// Negative adjustments (default `Beginning Balance Insufficiency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_adjustment: Option<String>,
    /// A correction that adds stock back (less consumed or lost than first
    /// reported; default `Beginning Balance Excess`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_correction: Option<String>,
    /// A correction that takes stock away (less received than first
    /// reported; default `Beginning Balance Insufficiency`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debit_correction: Option<String>,
}

/// The movements a form records, each needing an LMIS reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    /// Consumed (debit).
    Consumed,
    /// Received (credit).
    Received,
    /// Losses (debit).
    Losses,
    /// Positive adjustment (credit).
    PositiveAdjustment,
    /// Negative adjustment (debit).
    NegativeAdjustment,
    /// Correction adding stock back (credit).
    CreditCorrection,
    /// Correction taking stock away (debit).
    DebitCorrection,
}

impl Movement {
    /// Every movement.
    pub const ALL: [Movement; 7] = [
        Movement::Consumed,
        Movement::Received,
        Movement::Losses,
        Movement::PositiveAdjustment,
        Movement::NegativeAdjustment,
        Movement::CreditCorrection,
        Movement::DebitCorrection,
    ];

    /// Whether the reason must be a credit (adds stock).
    pub fn is_credit(self) -> bool {
        matches!(
            self,
            Movement::Received | Movement::PositiveAdjustment | Movement::CreditCorrection
        )
    }

    /// Plain words.
    pub fn words(self) -> &'static str {
        match self {
            Movement::Consumed => "consumed",
            Movement::Received => "received",
            Movement::Losses => "losses",
            Movement::PositiveAdjustment => "positive adjustment",
            Movement::NegativeAdjustment => "negative adjustment",
            Movement::CreditCorrection => "correction adding stock back",
            Movement::DebitCorrection => "correction taking stock away",
        }
    }
}

impl ReasonNames {
    /// The reason name (or id) configured for a movement, or its default.
    pub fn name(&self, m: Movement) -> &str {
        let (configured, default) = match m {
            Movement::Consumed => (&self.consumed, "Consumed"),
            Movement::Received => (&self.received, "Receipts"),
            Movement::Losses => (&self.losses, "Lost"),
            Movement::PositiveAdjustment => (&self.positive_adjustment, "Beginning Balance Excess"),
            Movement::NegativeAdjustment => {
                (&self.negative_adjustment, "Beginning Balance Insufficiency")
            }
            Movement::CreditCorrection => (&self.credit_correction, "Beginning Balance Excess"),
            Movement::DebitCorrection => {
                (&self.debit_correction, "Beginning Balance Insufficiency")
            }
        };
        configured.as_deref().unwrap_or(default)
    }
}

/// One service field of a form: a whole-number count mapped to a DHIS2 data value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceField {
    /// Key used in drafts, e.g. `malaria_rdt_positive`.
    pub key: String,
    /// Label shown to the health worker.
    pub label: String,
    /// The label in other languages, by locale; see [`pick_label`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// What is counted, e.g. `cases` or `clients`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Section heading the field is shown under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// DHIS2 data element uid.
    pub data_element: String,
    /// DHIS2 category option combo uid.
    pub category_option_combo: String,
    /// Smallest accepted value.
    #[serde(default)]
    pub min: i64,
    /// Largest accepted value; larger values are errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Values above this are accepted only after the user confirms them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_above: Option<i64>,
    /// Whether the field must be filled in.
    #[serde(default)]
    pub required: bool,
}

/// One commodity whose stock is reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Local product code used in drafts, e.g. `ACT-6x1`.
    pub code: String,
    /// Name shown to the store-keeper.
    pub name: String,
    /// The name in other languages, by locale; see [`pick_label`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Dispensing unit the quantities are counted in, e.g. `blister`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// The LMIS orderable id (UUID).
    pub lmis_orderable_id: String,
    /// The LMIS product code, when it differs from the local code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lmis_product_code: Option<String>,
    /// A DHIS2 data element receiving the closing balance, for countries that
    /// keep tracer stock in DHIS2.
    #[serde(default)]
    pub dhis2_soh_data_element: Option<String>,
    /// The category option combo for `dhis2_soh_data_element` (default combo when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dhis2_soh_category_option_combo: Option<String>,
    /// Largest plausible quantity in one period; larger quantities need confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_above: Option<i64>,
}

/// The label for `locale` from a `labels` map: the locale itself
/// (`pt-BR`), else its language part (`pt`), else `fallback` (the single
/// `label`, `name` or `title`). Keys match without regard to case and to
/// `_` or `-` (`pt_BR` is `pt-BR`); empty translations are skipped.
pub fn pick_label<'a>(
    labels: &'a BTreeMap<String, String>,
    fallback: &'a str,
    locale: &str,
) -> &'a str {
    let norm = |s: &str| s.trim().replace('_', "-").to_ascii_lowercase();
    let find = |wanted: &str| {
        labels
            .iter()
            .find(|(k, v)| norm(k) == wanted && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    };
    let wanted = norm(locale);
    if wanted.is_empty() {
        return fallback;
    }
    let language = wanted.split('-').next().unwrap_or_default();
    find(&wanted).or_else(|| find(language)).unwrap_or(fallback)
}

impl ServiceField {
    /// The label in `locale`, with fallback ([`pick_label`]).
    pub fn label_in(&self, locale: &str) -> &str {
        pick_label(&self.labels, &self.label, locale)
    }
}

impl Product {
    /// The name in `locale`, with fallback ([`pick_label`]).
    pub fn name_in(&self, locale: &str) -> &str {
        pick_label(&self.labels, &self.name, locale)
    }

    /// The product code the LMIS knows this product by.
    pub fn lmis_code(&self) -> &str {
        self.lmis_product_code.as_deref().unwrap_or(&self.code)
    }
}

/// How serious a rule's finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Severity {
    /// Needs the user's confirmation; never blocks saving on its own.
    Warning,
    /// Blocks saving until fixed.
    Error,
}

/// One problem found in a draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Finding {
    /// The field, e.g. `service.malaria_rdt_positive` or `stock.ACT-6x1.closing_balance`;
    /// a rule's findings use `rules.<id>`.
    pub path: String,
    /// Error or warning.
    pub severity: Severity,
    /// A stable code for programs, e.g. `out_of_range` or `balance`.
    pub code: String,
    /// What is wrong and what to do, in plain words, rendered in the
    /// agent's locale (English by default) from `text`.
    pub message: String,
    /// The same as `message`, as a message id and its arguments, so a
    /// shell can render it with its own resources. Empty id: a finding
    /// made with [`Finding::error`] from text alone.
    #[serde(default)]
    pub text: Message,
}

impl Finding {
    /// An error on `path`, with code `invalid`.
    pub fn error(path: impl Into<String>, message: impl Into<String>) -> Finding {
        Finding {
            path: path.into(),
            severity: Severity::Error,
            code: "invalid".into(),
            message: message.into(),
            text: Message::default(),
        }
    }

    /// An error on `path`, with code `invalid`, from a message.
    pub fn invalid(path: impl Into<String>, text: Message) -> Finding {
        Finding::new(path, Severity::Error, "invalid", text)
    }

    /// Renders `message` again from `text` in `locale` (a finding without
    /// a message id keeps its text).
    pub fn localize(&mut self, locale: &str) {
        if !self.text.id.is_empty() {
            self.message = i18n::render(&self.text, locale);
        }
    }

    /// What the finding is about, read from its path in the form `def`.
    /// Product codes may contain dots, so a `stock.` path is read against
    /// the form's product codes: `stock.<code>` is the whole product,
    /// `stock.<code>.<quantity>` one of its numbers; a product the form does
    /// not have keeps the code of the path (without a trailing quantity key).
    pub fn target(&self, def: &FormDefinition) -> FindingTarget {
        let path = self.path.as_str();
        match path {
            "facility" => return FindingTarget::Facility,
            "period" => return FindingTarget::Period,
            "comment" => return FindingTarget::Comment,
            "captured_by" => return FindingTarget::CapturedBy,
            _ => {}
        }
        if let Some(key) = path.strip_prefix("service.") {
            return FindingTarget::Service(key.to_string());
        }
        if let Some(id) = path.strip_prefix("rules.") {
            return FindingTarget::Rule(id.to_string());
        }
        let Some(rest) = path.strip_prefix("stock.") else {
            return FindingTarget::Other;
        };
        let stock = |product: &str, quantity| FindingTarget::Stock {
            product: product.to_string(),
            quantity,
        };
        if def.product(rest).is_some() {
            return stock(rest, None);
        }
        if let Some((code, key)) = rest.rsplit_once('.')
            && let Some(q) = StockQuantity::from_key(key)
        {
            return stock(code, Some(q));
        }
        // A key that is no stock quantity, after a code of the form (the
        // longest, should one code start another).
        let known = def
            .products
            .iter()
            .map(|p| p.code.as_str())
            .filter(|c| {
                rest.strip_prefix(c)
                    .is_some_and(|tail| tail.starts_with('.'))
            })
            .max_by_key(|c| c.len());
        stock(known.unwrap_or(rest), None)
    }

    /// A finding from a message, its text rendered in English.
    pub(crate) fn new(
        path: impl Into<String>,
        severity: Severity,
        code: &str,
        text: Message,
    ) -> Finding {
        // Every finding the unit tests make is checked against the list
        // of messages (ids and arguments).
        #[cfg(test)]
        {
            let problems = i18n::check_args(&text);
            assert!(problems.is_empty(), "{problems:?}");
        }
        Finding {
            path: path.into(),
            severity,
            code: code.into(),
            message: i18n::render(&text, i18n::DEFAULT_LOCALE),
            text,
        }
    }
}

/// What a [`Finding`] is about: the part of the draft its path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindingTarget {
    /// The facility code.
    Facility,
    /// The period.
    Period,
    /// The comment.
    Comment,
    /// Who captured the form.
    CapturedBy,
    /// A service field, by key.
    Service(String),
    /// A product's stock, by code: one of its numbers, or the product as a
    /// whole (`quantity` `None`: e.g. a balance of several numbers, or a key
    /// that is no stock quantity).
    Stock {
        /// The product code.
        product: String,
        /// The number, when the finding is about one.
        quantity: Option<StockQuantity>,
    },
    /// A cross-field rule of the form, by id.
    Rule(String),
    /// Anything else (the form id, the draft as a whole, a part of the draft
    /// of the wrong shape such as `service`).
    Other,
}

/// A stock quantity of a product that a rule can refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockQuantity {
    /// Opening balance.
    OpeningBalance,
    /// Quantity received.
    Received,
    /// Quantity consumed (dispensed).
    Consumed,
    /// Losses (expired, damaged, stolen).
    Losses,
    /// Positive or negative adjustments.
    Adjustments,
    /// Closing balance.
    ClosingBalance,
    /// Days out of stock.
    StockoutDays,
    /// Quantity requested for resupply.
    RequestedQuantity,
}

impl StockQuantity {
    /// Every quantity, in form order.
    pub const ALL: [StockQuantity; 8] = [
        StockQuantity::OpeningBalance,
        StockQuantity::Received,
        StockQuantity::Consumed,
        StockQuantity::Losses,
        StockQuantity::Adjustments,
        StockQuantity::ClosingBalance,
        StockQuantity::StockoutDays,
        StockQuantity::RequestedQuantity,
    ];

    /// The key used in drafts, e.g. `closing_balance`.
    pub fn key(self) -> &'static str {
        match self {
            StockQuantity::OpeningBalance => "opening_balance",
            StockQuantity::Received => "received",
            StockQuantity::Consumed => "consumed",
            StockQuantity::Losses => "losses",
            StockQuantity::Adjustments => "adjustments",
            StockQuantity::ClosingBalance => "closing_balance",
            StockQuantity::StockoutDays => "stockout_days",
            StockQuantity::RequestedQuantity => "requested_quantity",
        }
    }

    /// Plain words for messages, e.g. `closing balance`.
    pub fn words(self) -> &'static str {
        match self {
            StockQuantity::OpeningBalance => "opening balance",
            StockQuantity::Received => "quantity received",
            StockQuantity::Consumed => "quantity consumed",
            StockQuantity::Losses => "losses",
            StockQuantity::Adjustments => "adjustments",
            StockQuantity::ClosingBalance => "closing balance",
            StockQuantity::StockoutDays => "stock-out days",
            StockQuantity::RequestedQuantity => "quantity requested",
        }
    }

    /// The quantity whose draft key is `key`.
    pub fn from_key(key: &str) -> Option<StockQuantity> {
        StockQuantity::ALL.into_iter().find(|q| q.key() == key)
    }
}

/// One term of a rule: a service field or a product quantity, times a factor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Term {
    /// A service field.
    Service {
        /// The service field key.
        service: String,
        /// Multiplier (default 1).
        #[serde(default = "one", skip_serializing_if = "is_one")]
        factor: f64,
    },
    /// A stock quantity of a product.
    Stock {
        /// The product code.
        product: String,
        /// Which quantity.
        quantity: StockQuantity,
        /// Multiplier (default 1), e.g. 0.5 when two units treat one case.
        #[serde(default = "one", skip_serializing_if = "is_one")]
        factor: f64,
    },
}

fn one() -> f64 {
    1.0
}

fn is_one(f: &f64) -> bool {
    (*f - 1.0).abs() < f64::EPSILON
}

/// How the two sides of a rule are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RuleOp {
    /// Left must be at most right.
    #[serde(rename = "<=")]
    Le,
    /// Left must be at least right.
    #[serde(rename = ">=")]
    Ge,
    /// Left must equal right.
    #[serde(rename = "==")]
    Eq,
    /// Left divided by right must lie within `min_ratio..=max_ratio`.
    #[serde(rename = "ratio")]
    Ratio,
}

/// A cross-check between fields of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Stable identifier, shown with findings.
    pub id: String,
    /// Error (blocks saving) or warning (needs confirmation).
    pub severity: Severity,
    /// The left side: a sum of terms.
    pub left: Vec<Term>,
    /// Plain-words name of the left side, e.g. `ACT blisters consumed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_label: Option<String>,
    /// `left_label` in other languages, by locale; see [`pick_label`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub left_labels: BTreeMap<String, String>,
    /// The comparison.
    pub op: RuleOp,
    /// The right side: a sum of terms.
    pub right: Vec<Term>,
    /// Plain-words name of the right side, e.g. `malaria cases treated with ACT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub right_label: Option<String>,
    /// `right_label` in other languages, by locale; see [`pick_label`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub right_labels: BTreeMap<String, String>,
    /// Lowest accepted ratio (only for `ratio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ratio: Option<f64>,
    /// Highest accepted ratio (only for `ratio`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ratio: Option<f64>,
    /// What the health worker should check or do when the rule fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
}

/// A problem in a form definition, naming the definition and the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionProblem {
    /// The form id, or the file name when the id is unknown.
    pub form: String,
    /// What is wrong, naming the item.
    pub message: String,
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "form definition '{}': {}", self.form, self.message)
    }
}

/// Whether `s` has the shape of a DHIS2 uid: 11 alphanumerics starting with a letter.
pub fn is_dhis2_uid(s: &str) -> bool {
    s.len() == 11
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

/// Whether `s` has the shape of a UUID (8-4-4-4-12 hex digits).
pub fn is_uuid(s: &str) -> bool {
    uuid::Uuid::try_parse(s).is_ok() && s.len() == 36
}

impl FormDefinition {
    /// Parses a definition from JSON text; `origin` names the file in errors.
    pub fn from_json(text: &str, origin: &str) -> Result<FormDefinition, Vec<DefinitionProblem>> {
        let unreadable = |e: serde_json::Error| {
            vec![DefinitionProblem {
                form: origin.to_string(),
                message: format!("cannot be read: {e}"),
            }]
        };
        let mut v: serde_json::Value = serde_json::from_str(text).map_err(unreadable)?;
        // `lmis.period_type` is the LMIS's processing period, which only
        // requisition mode uses: required there, the form's own otherwise.
        let form_period = v.get("period_type").cloned();
        if let Some(lmis) = v.get_mut("lmis").and_then(serde_json::Value::as_object_mut)
            && !lmis.contains_key("period_type")
        {
            if lmis.get("mode").and_then(serde_json::Value::as_str) == Some("requisition") {
                return Err(vec![DefinitionProblem {
                    form: origin.to_string(),
                    message: "lmis.period_type is required in requisition mode: the LMIS's processing period (for example \"Quarterly\")".into(),
                }]);
            }
            if let Some(p) = form_period {
                lmis.insert("period_type".into(), p);
            }
        }
        let def: FormDefinition = serde_json::from_value(v).map_err(unreadable)?;
        let problems = def.check();
        if problems.is_empty() {
            Ok(def)
        } else {
            Err(problems)
        }
    }

    /// Checks the definition's internal consistency and returns every problem.
    pub fn check(&self) -> Vec<DefinitionProblem> {
        let mut out = Vec::new();
        let mut say = |message: String| {
            out.push(DefinitionProblem {
                form: self.id.clone(),
                message,
            });
        };
        if self.id.trim().is_empty() {
            say("the id is empty".into());
        }
        if !is_dhis2_uid(&self.dhis2.data_set) {
            say(format!(
                "dhis2.data_set '{}' is not a DHIS2 uid (11 letters and digits)",
                self.dhis2.data_set
            ));
        }
        if let Some(aoc) = &self.dhis2.attribute_option_combo
            && !is_dhis2_uid(aoc)
        {
            say(format!(
                "dhis2.attribute_option_combo '{aoc}' is not a DHIS2 uid"
            ));
        }
        if let Some(lmis) = &self.lmis {
            if !is_uuid(&lmis.program_id) {
                say(format!(
                    "lmis.program_id '{}' is not a UUID",
                    lmis.program_id
                ));
            }
            if self.products.is_empty() {
                say("lmis is set but the form has no products".into());
            }
        } else if !self.products.is_empty() {
            say("the form has products but no lmis section to send them to".into());
        }
        let mut keys = BTreeSet::new();
        let mut targets = BTreeMap::new();
        for f in &self.service {
            if !keys.insert(f.key.as_str()) {
                say(format!("service field '{}' is defined twice", f.key));
            }
            if f.key.is_empty() || !f.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                say(format!(
                    "service field key '{}' must be letters, digits and underscores",
                    f.key
                ));
            }
            for (what, uid) in [
                ("data_element", &f.data_element),
                ("category_option_combo", &f.category_option_combo),
            ] {
                if !is_dhis2_uid(uid) {
                    say(format!(
                        "service field '{}': {what} '{uid}' is not a DHIS2 uid",
                        f.key
                    ));
                }
            }
            if let Some(other) = targets.insert(
                (f.data_element.as_str(), f.category_option_combo.as_str()),
                &f.key,
            ) {
                say(format!(
                    "service fields '{other}' and '{}' map to the same DHIS2 data element and option combo",
                    f.key
                ));
            }
            if f.min < 0 {
                say(format!(
                    "service field '{}': min must not be negative",
                    f.key
                ));
            }
            if let Some(max) = f.max
                && max < f.min
            {
                say(format!(
                    "service field '{}': max {max} is below min {}",
                    f.key, f.min
                ));
            }
        }
        let mut codes = BTreeSet::new();
        for p in &self.products {
            if !codes.insert(p.code.as_str()) {
                say(format!("product '{}' is listed twice", p.code));
            }
            if p.code.trim().is_empty() {
                say("a product has an empty code".into());
            }
            if !is_uuid(&p.lmis_orderable_id) {
                say(format!(
                    "product '{}': lmis_orderable_id '{}' is not a UUID",
                    p.code, p.lmis_orderable_id
                ));
            }
            if let Some(de) = &p.dhis2_soh_data_element {
                if !is_dhis2_uid(de) {
                    say(format!(
                        "product '{}': dhis2_soh_data_element '{de}' is not a DHIS2 uid",
                        p.code
                    ));
                }
                if let Some(coc) = &p.dhis2_soh_category_option_combo
                    && !is_dhis2_uid(coc)
                {
                    say(format!(
                        "product '{}': dhis2_soh_category_option_combo '{coc}' is not a DHIS2 uid",
                        p.code
                    ));
                }
                let coc = p.dhis2_soh_category_option_combo.as_deref().unwrap_or("");
                if targets.insert((de.as_str(), coc), &p.code).is_some() {
                    say(format!(
                        "product '{}': its stock-on-hand data element is already used by another field",
                        p.code
                    ));
                }
            }
        }
        if let Some(r) = &self.resupply {
            for p in r.problems() {
                say(p);
            }
        }
        let mut rule_ids = BTreeSet::new();
        for r in &self.rules {
            if !rule_ids.insert(r.id.as_str()) {
                say(format!("rule '{}' is defined twice", r.id));
            }
            if r.left.is_empty() || r.right.is_empty() {
                say(format!(
                    "rule '{}' needs at least one term on each side",
                    r.id
                ));
            }
            for t in r.left.iter().chain(&r.right) {
                match t {
                    Term::Service { service, .. } if !keys.contains(service.as_str()) => {
                        say(format!(
                            "rule '{}' refers to unknown service field '{service}'",
                            r.id
                        ));
                    }
                    Term::Stock { product, .. } if !codes.contains(product.as_str()) => {
                        say(format!(
                            "rule '{}' refers to unknown product '{product}'",
                            r.id
                        ));
                    }
                    _ => {}
                }
            }
            match r.op {
                RuleOp::Ratio => match (r.min_ratio, r.max_ratio) {
                    (None, None) => say(format!(
                        "rule '{}': a ratio rule needs min_ratio or max_ratio",
                        r.id
                    )),
                    (Some(lo), Some(hi)) if lo > hi => say(format!(
                        "rule '{}': min_ratio {lo} is above max_ratio {hi}",
                        r.id
                    )),
                    _ => {}
                },
                _ => {
                    if r.min_ratio.is_some() || r.max_ratio.is_some() {
                        say(format!(
                            "rule '{}': min_ratio/max_ratio only apply to ratio rules",
                            r.id
                        ));
                    }
                }
            }
        }
        out
    }

    /// The title in `locale`, with fallback ([`pick_label`]).
    pub fn title_in(&self, locale: &str) -> &str {
        pick_label(&self.labels, &self.title, locale)
    }

    /// A copy whose title, field labels, product names and rule labels are those of
    /// `locale` (with fallback), for the messages shown to a user; keys,
    /// codes and targets are unchanged.
    pub fn in_locale(&self, locale: &str) -> FormDefinition {
        let mut def = self.clone();
        def.title = self.title_in(locale).to_string();
        for f in &mut def.service {
            f.label = f.label_in(locale).to_string();
        }
        for p in &mut def.products {
            p.name = p.name_in(locale).to_string();
        }
        // A rule's side without a single label is named by its terms' labels.
        for r in &mut def.rules {
            if let Some(l) = &r.left_label {
                r.left_label = Some(pick_label(&r.left_labels, l, locale).to_string());
            }
            if let Some(l) = &r.right_label {
                r.right_label = Some(pick_label(&r.right_labels, l, locale).to_string());
            }
        }
        def
    }

    /// The service field with key `key`.
    pub fn field(&self, key: &str) -> Option<&ServiceField> {
        self.service.iter().find(|f| f.key == key)
    }

    /// The product with local code `code`.
    pub fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.code == code)
    }
}

/// All form definitions the agent knows, by id.
#[derive(Debug, Clone, Default)]
pub struct FormSet {
    forms: BTreeMap<String, FormDefinition>,
}

impl FormSet {
    /// Builds a set from definitions; duplicate ids are a problem.
    pub fn new(defs: Vec<FormDefinition>) -> Result<FormSet, Vec<DefinitionProblem>> {
        let mut forms = BTreeMap::new();
        let mut problems = Vec::new();
        // One way per LMIS program: stock events and requisitions for the
        // same program would count the same movements twice when the LMIS
        // writes approved requisitions to stock cards (OpenLMIS contract §7.5).
        let mut modes: BTreeMap<&str, (LmisMode, &str)> = BTreeMap::new();
        for d in &defs {
            if let Some(l) = &d.lmis {
                match modes.get(l.program_id.as_str()) {
                    Some((m, other)) if *m != l.mode => problems.push(DefinitionProblem {
                        form: d.id.clone(),
                        message: format!(
                            "its LMIS program {} is delivered as {:?} here but as {:?} by form '{other}'; one program must use one mode, or the LMIS counts the same stock twice",
                            l.program_id, l.mode, m
                        ),
                    }),
                    Some(_) => {}
                    None => {
                        modes.insert(&l.program_id, (l.mode, &d.id));
                    }
                }
            }
        }
        for d in defs {
            let id = d.id.clone();
            if forms.insert(id.clone(), d).is_some() {
                problems.push(DefinitionProblem {
                    form: id,
                    message: "two definitions share this id".into(),
                });
            }
        }
        if problems.is_empty() {
            Ok(FormSet { forms })
        } else {
            Err(problems)
        }
    }

    /// The definition with id `id`.
    pub fn get(&self, id: &str) -> Option<&FormDefinition> {
        self.forms.get(id)
    }

    /// Every definition, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &FormDefinition> {
        self.forms.values()
    }

    /// The ids of every definition, ordered.
    pub fn ids(&self) -> Vec<String> {
        self.forms.keys().cloned().collect()
    }

    /// Every definition in `locale` ([`FormDefinition::in_locale`]).
    pub fn in_locale(&self, locale: &str) -> FormSet {
        FormSet {
            forms: self
                .forms
                .iter()
                .map(|(id, d)| (id.clone(), d.in_locale(locale)))
                .collect(),
        }
    }
}

/// The maximum and minimum stock levels of a form's products, and how many
/// periods the average consumption covers (`resupply` in a form definition).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResupplySettings {
    /// Order up to this many months of stock (default 3).
    #[serde(default = "default_max_months")]
    pub max_months: f64,
    /// Below this many months of stock, a stock-out is near (default 1).
    #[serde(default = "default_min_months")]
    pub min_months: f64,
    /// The average monthly consumption covers this many periods, the form's
    /// own included (default 3).
    #[serde(default = "default_periods_to_average")]
    pub periods_to_average: u32,
}

fn default_max_months() -> f64 {
    3.0
}
fn default_min_months() -> f64 {
    1.0
}
fn default_periods_to_average() -> u32 {
    3
}

impl Default for ResupplySettings {
    fn default() -> Self {
        ResupplySettings {
            max_months: default_max_months(),
            min_months: default_min_months(),
            periods_to_average: default_periods_to_average(),
        }
    }
}

impl ResupplySettings {
    /// The most periods an average may cover.
    pub const MAX_PERIODS_TO_AVERAGE: u32 = 24;

    /// What is wrong with the settings, in words (empty when nothing).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(self.max_months.is_finite() && self.max_months > 0.0 && self.max_months <= 60.0) {
            out.push(format!(
                "resupply.max_months {} must be a number of months above 0 and at most 60",
                self.max_months
            ));
        }
        if !(self.min_months.is_finite() && self.min_months >= 0.0) {
            out.push(format!(
                "resupply.min_months {} must be a number of months, 0 or more",
                self.min_months
            ));
        } else if self.min_months > self.max_months {
            out.push(format!(
                "resupply.min_months {} is above max_months {}",
                self.min_months, self.max_months
            ));
        }
        if self.periods_to_average == 0 || self.periods_to_average > Self::MAX_PERIODS_TO_AVERAGE {
            out.push(format!(
                "resupply.periods_to_average {} must be between 1 and {}",
                self.periods_to_average,
                Self::MAX_PERIODS_TO_AVERAGE
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"{"id":"chw-monthly","version":1,"title":"CHW monthly report","period_type":"Monthly",
     "dhis2":{"data_set":"pBOMPrpg1QX"},
     "lmis":{"kind":"openlmis","program_id":"dce17f2e-af3e-40ad-8e00-3496adef44c3","period_type":"Quarterly"},
     "service":[{"key":"malaria_rdt_positive","label":"Malaria RDT positive","data_element":"f7n9E0hX8qk","category_option_combo":"Prlt0C1RF0s","min":0,"max":5000,"required":true}],
     "products":[{"code":"ACT-6x1","name":"Artemether-lumefantrine 20/120 6x1","lmis_orderable_id":"c9e65f02-f84f-4ba2-85f7-e2cb6f0989af","dhis2_soh_data_element":null}],
     "rules":[]}"#;

    #[test]
    fn findings_name_their_target() {
        let def = FormDefinition::from_json(
            &MINIMAL.replace(
                r#""products":[{"code":"ACT-6x1","#,
                r#""products":[{"code":"ORS","name":"ORS","lmis_orderable_id":"0b7c9e0c-3d6e-4b3e-9c41-2f0a4e8d1c11"},{"code":"ORS.1L","name":"ORS 1 L","lmis_orderable_id":"1b7c9e0c-3d6e-4b3e-9c41-2f0a4e8d1c12"},{"code":"ACT-6x1","#,
            ),
            "minimal",
        )
        .unwrap();
        let target = |path: &str| Finding::error(path, "x").target(&def);
        let stock = |product: &str, quantity| FindingTarget::Stock {
            product: product.to_string(),
            quantity,
        };
        assert_eq!(target("facility"), FindingTarget::Facility);
        assert_eq!(target("period"), FindingTarget::Period);
        assert_eq!(target("comment"), FindingTarget::Comment);
        assert_eq!(target("captured_by"), FindingTarget::CapturedBy);
        assert_eq!(
            target("service.malaria_rdt_positive"),
            FindingTarget::Service("malaria_rdt_positive".to_string())
        );
        assert_eq!(target("rules.r1"), FindingTarget::Rule("r1".to_string()));
        assert_eq!(
            target("stock.ACT-6x1.closing_balance"),
            stock("ACT-6x1", Some(StockQuantity::ClosingBalance))
        );
        assert_eq!(target("stock.ACT-6x1"), stock("ACT-6x1", None));
        // A code with a dot, and a code that starts another.
        assert_eq!(
            target("stock.ORS.1L.consumed"),
            stock("ORS.1L", Some(StockQuantity::Consumed))
        );
        assert_eq!(target("stock.ORS.1L"), stock("ORS.1L", None));
        assert_eq!(
            target("stock.ORS.received"),
            stock("ORS", Some(StockQuantity::Received))
        );
        // A key that is no stock quantity stays with its product.
        assert_eq!(target("stock.ORS.1L.colour"), stock("ORS.1L", None));
        assert_eq!(target("stock.ACT-6x1.colour"), stock("ACT-6x1", None));
        // A product the form does not have keeps the path's code.
        assert_eq!(
            target("stock.ZINC.stockout_days"),
            stock("ZINC", Some(StockQuantity::StockoutDays))
        );
        assert_eq!(target("stock.ZINC"), stock("ZINC", None));
        assert_eq!(target("form"), FindingTarget::Other);
        assert_eq!(target("service"), FindingTarget::Other);
        assert_eq!(target(""), FindingTarget::Other);
    }

    #[test]
    fn the_minimal_shape_from_the_issue_stays_valid() {
        let d = FormDefinition::from_json(MINIMAL, "minimal").unwrap();
        assert_eq!(d.id, "chw-monthly");
        assert_eq!(d.period_type, PeriodType::Monthly);
        assert_eq!(d.lmis.as_ref().unwrap().mode, LmisMode::StockEvent);
        assert_eq!(d.products[0].lmis_code(), "ACT-6x1");
    }

    #[test]
    fn problems_name_the_item() {
        let bad = MINIMAL
            .replace("\"rules\":[]", r#""rules":[{"id":"r1","severity":"warning","left":[{"service":"nope"}],"op":"<=","right":[{"product":"ACT-6x9","quantity":"consumed"}]}]"#)
            .replace("f7n9E0hX8qk", "bad uid");
        let problems = FormDefinition::from_json(&bad, "x").unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.contains("'bad uid' is not a DHIS2 uid")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.contains("unknown service field 'nope'")),
            "{text:?}"
        );
        assert!(
            text.iter().any(|t| t.contains("unknown product 'ACT-6x9'")),
            "{text:?}"
        );
    }

    #[test]
    fn a_typo_in_a_key_is_refused() {
        let bad = MINIMAL.replace("\"required\"", "\"requred\"");
        let problems = FormDefinition::from_json(&bad, "typo.json").unwrap_err();
        assert!(problems[0].message.contains("requred"), "{problems:?}");
    }
}
