//! Typed views of the OpenLMIS answers the route reads (OpenLMIS contract
//! §3–§6), in place of JSON pointer chains. Unknown fields are ignored and
//! every field is optional (a missing or `null` one reads as absent, a
//! missing list as empty), as OpenLMIS versions differ; what the route
//! needs and does not find, it treats as it did before (search again,
//! skip the item, or an unknown outcome retried later). Nothing here
//! panics: an answer of another shape is an `Err` of [`decode`].

use serde::{Deserialize, Deserializer, de::DeserializeOwned};
use serde_json::Value;

/// Reads an answer already parsed as JSON into its typed view.
pub(crate) fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    T::deserialize(v).map_err(|e| format!("the LMIS answered in an unexpected shape ({e})"))
}

/// The items of a Spring page (`content`) or of a bare array, each read
/// into its typed view; an item of another shape is skipped (as one
/// without the fields the route needs always was).
pub(crate) fn page_items<T: DeserializeOwned>(v: &Value) -> Vec<T> {
    super::items(v)
        .into_iter()
        .filter_map(|i| T::deserialize(i).ok())
        .collect()
}

/// A list whose items of another shape are left out (a missing, `null`
/// or non-list value: empty).
fn lenient_list<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => a.iter().filter_map(|i| T::deserialize(i).ok()).collect(),
        _ => Vec::new(),
    })
}

/// A list that may be missing or `null`: empty.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// A reference to another resource (`{"id": …}`, other fields ignored).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Ref {
    pub id: Option<String>,
}

/// `GET /api/facilities/{id}` and the items of `GET /api/facilities?code=`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Facility {
    pub id: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub facility_type: Option<FacilityType>,
    #[serde(deserialize_with = "list")]
    pub supported_programs: Vec<Ref>,
}

/// A facility's type (`{"id", "code"}`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct FacilityType {
    pub id: Option<String>,
    pub code: Option<String>,
}

/// `GET /api/programs/{id}` and the items of `GET /api/programs`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Program {
    pub id: Option<String>,
    pub code: Option<String>,
    pub name: Option<String>,
}

/// An item of `GET /api/orderables?exactCode=…`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Orderable {
    pub id: Option<String>,
    pub product_code: Option<String>,
    pub full_product_name: Option<String>,
    pub net_content: Option<i64>,
    pub dispensable: Option<Dispensable>,
    pub meta: Option<Meta>,
}

/// An orderable's `dispensable`: its dispensing unit.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Dispensable {
    pub dispensing_unit: Option<String>,
    pub size_code: Option<String>,
}

/// A versioned resource's `meta`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Meta {
    /// A number in the schema (`metadata.json`); some servers and
    /// fixtures give it as text. Anything else reads as absent.
    #[serde(deserialize_with = "lenient_version")]
    pub version_number: Option<i64>,
}

fn lenient_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

impl Orderable {
    /// The version the stock event names (1 when the answer has none).
    pub fn version(&self) -> i64 {
        self.meta
            .as_ref()
            .and_then(|m| m.version_number)
            .unwrap_or(1)
    }
}

/// An item of `GET /api/facilities/{id}/approvedProducts`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ApprovedProduct {
    pub orderable: Option<Orderable>,
    pub max_periods_of_stock: Option<f64>,
}

/// An item of `GET /api/validReasons` (a bare array).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct ValidReason {
    pub hidden: Option<bool>,
    pub reason: Option<Reason>,
}

/// A stock card line item reason.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Reason {
    pub id: Option<String>,
    pub name: Option<String>,
    pub reason_type: Option<String>,
    pub reason_category: Option<String>,
    #[serde(deserialize_with = "list")]
    pub tags: Vec<String>,
}

/// An item of `GET /api/processingPeriods`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ProcessingPeriod {
    pub id: Option<String>,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
}

/// An item of `GET /api/v2/stockCardSummaries`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct StockCardSummary {
    #[serde(deserialize_with = "list")]
    pub can_fulfill_for_me: Vec<CanFulfill>,
}

/// One card of a summary: its stock card and lot.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct CanFulfill {
    pub stock_card: Option<Ref>,
    pub lot: Option<Ref>,
}

/// `GET /api/stockCards/{id}`: what the look-up reads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct StockCard {
    #[serde(deserialize_with = "list")]
    pub line_items: Vec<StockCardLine>,
}

/// A line of a stock card.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct StockCardLine {
    pub document_number: Option<String>,
    pub extra_data: Option<ExtraData>,
}

/// A line's `extraData`: the agent's marker.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct ExtraData {
    pub agent_event: Option<String>,
}

/// `POST /api/oauth/token`'s answer.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default)]
pub(crate) struct Token {
    pub access_token: Option<String>,
    pub expires_in: Option<u64>,
}

/// A requisition (`GET`/`PUT /api/requisitions/{id}`, the items of
/// `/api/requisitions/search`): what the route reads of it. The body it
/// sends back keeps every field (it is edited as JSON, not rebuilt).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Requisition {
    pub id: Option<String>,
    pub status: Option<String>,
    pub template: Option<Template>,
    #[serde(deserialize_with = "lenient_list")]
    pub requisition_line_items: Vec<RequisitionLine>,
}

impl Requisition {
    /// A requisition read leniently: an answer of another shape reads as
    /// one with nothing in it.
    pub fn of(v: &Value) -> Requisition {
        decode(v).unwrap_or_default()
    }
}

/// A line of a requisition: what the formulas read of it, and the recorded
/// counts A, B, C, D, E and X (contract §7.2).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct RequisitionLine {
    pub orderable: Option<Ref>,
    pub beginning_balance: Option<i64>,
    pub total_received_quantity: Option<i64>,
    pub total_consumed_quantity: Option<i64>,
    pub total_losses_and_adjustments: Option<i64>,
    pub stock_on_hand: Option<i64>,
    pub total_stockout_days: Option<i64>,
    #[serde(deserialize_with = "lenient_list")]
    pub previous_adjusted_consumptions: Vec<i64>,
    pub max_periods_of_stock: Option<f64>,
    pub calculated_order_quantity: Option<i64>,
}

/// A requisition's template: the settings the route reads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(default, rename_all = "camelCase")]
pub(crate) struct Template {
    pub populate_stock_on_hand_from_stock_cards: Option<bool>,
    pub number_of_periods_to_average: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// The contract's own example answers (the RAML `example:` bodies of
    /// the resources the route reads: the sign-in's token is the only one
    /// the copied contract holds) and the hand-written reference data in
    /// the shapes the API returns (tests/fixtures/metadata).
    #[test]
    fn every_fixture_answer_reads_into_its_typed_view() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let auth = read(&root.join("tests/fixtures/openlmis/schemas/auth/api-definition.yaml"));
        let tokens: Vec<Token> = auth
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('{') && l.contains("\"access_token\""))
            .map(|l| decode(&serde_json::from_str::<Value>(l).unwrap()).unwrap())
            .collect();
        assert_eq!(
            tokens,
            vec![Token {
                access_token: Some("35c1a202-02f3-470e-a011-bf209ee11de2".into()),
                expires_in: Some(1799),
            }]
        );

        let refdata: Value = serde_json::from_str(&read(
            &root.join("../tests/fixtures/metadata/openlmis.referenceData.json"),
        ))
        .unwrap();
        let facilities: Vec<Facility> = page_items(&refdata["facilities"]);
        assert_eq!(
            facilities.len(),
            refdata["facilities"].as_array().unwrap().len()
        );
        assert_eq!(facilities[0].code.as_deref(), Some("HC01"));
        assert_eq!(
            facilities[0]
                .facility_type
                .as_ref()
                .and_then(|t| t.id.as_deref()),
            Some("ac1d268b-ce10-455f-bf87-9c667da8f060")
        );
        assert_eq!(
            facilities[0].supported_programs,
            vec![Ref {
                id: Some("bdef25b8-ba8f-458a-ae59-18ae7ee15d8b".into())
            }]
        );
        let programs: Vec<Program> = page_items(&refdata["programs"]);
        assert_eq!(programs[0].code.as_deref(), Some("PRG-CHW"));
        let orderables: Vec<Orderable> = page_items(&refdata["orderables"]);
        assert_eq!(
            orderables.len(),
            refdata["orderables"].as_array().unwrap().len()
        );
        assert_eq!(orderables[0].product_code.as_deref(), Some("C100"));
        // `"versionNumber": "1"` (text in the fixture, a number in the schema).
        assert_eq!(orderables[0].version(), 1);
        let approved: Vec<ApprovedProduct> = page_items(&refdata["facilityTypeApprovedProducts"]);
        assert_eq!(
            approved.len(),
            refdata["facilityTypeApprovedProducts"]
                .as_array()
                .unwrap()
                .len()
        );
        assert_eq!(approved[0].max_periods_of_stock, Some(3.0));
        assert_eq!(
            approved[0].orderable.as_ref().and_then(|o| o.id.as_deref()),
            Some("b88156af-a6de-4517-bd76-ac3edbd9f21b")
        );
    }

    /// Answers written by hand from the contract's schemas
    /// (stockCardSummaryV2Page, stockCard, validReasonAssignment,
    /// processingPeriod, requisition), with fields the route does not read.
    #[test]
    fn the_other_answers_read_with_unknown_fields_and_gaps() {
        let summaries = json!({"content": [{
            "orderable": {"id": "o1"}, "stockOnHand": 5,
            "canFulfillForMe": [
                {"stockCard": {"id": "c1"}, "lot": null, "stockOnHand": 5},
                {"stockCard": {"id": "c2"}, "lot": {"id": "l1"}}
            ]}], "totalElements": 1, "number": 0});
        let s: Vec<StockCardSummary> = page_items(&summaries);
        assert_eq!(s[0].can_fulfill_for_me.len(), 2);
        assert_eq!(s[0].can_fulfill_for_me[0].lot, None);
        let card: StockCard = decode(&json!({"id": "c1", "lineItems": [
            {"quantity": 5, "extraData": {"agentEvent": "m1", "other": "x"}},
            {"quantity": 2, "extraData": null}, {"quantity": 1}]}))
        .unwrap();
        assert_eq!(
            card.line_items
                .iter()
                .filter_map(|l| l.extra_data.as_ref()?.agent_event.as_deref())
                .collect::<Vec<_>>(),
            vec!["m1"]
        );
        let periods: Vec<ProcessingPeriod> = page_items(&json!({"content": [
            {"id": "p1", "name": "Jan2026", "startDate": "2026-01-01", "endDate": "2026-01-31",
             "processingSchedule": {"id": "s"}}]}));
        assert_eq!(periods[0].start_date.as_deref(), Some("2026-01-01"));
        let reasons: Vec<ValidReason> = page_items(&json!([
            {"id": "a1", "hidden": false, "reason": {"id": "r1", "name": "Transfer In",
              "reasonType": "CREDIT", "reasonCategory": "TRANSFER", "tags": null, "isFreeTextAllowed": false}}]));
        assert_eq!(
            reasons[0].reason.as_ref().unwrap().tags,
            Vec::<String>::new()
        );
        let r = Requisition::of(
            &json!({"id": "q1", "status": "INITIATED", "emergency": false,
            "template": {"numberOfPeriodsToAverage": 3, "columnsMap": {}},
            "requisitionLineItems": [
                {"orderable": {"id": "o1", "versionNumber": 1}, "previousAdjustedConsumptions": [4, null, 6],
                 "maxPeriodsOfStock": 3.0, "calculatedOrderQuantity": 12},
                "not a line"]}),
        );
        assert_eq!(
            (r.id.as_deref(), r.status.as_deref()),
            (Some("q1"), Some("INITIATED"))
        );
        assert_eq!(r.requisition_line_items.len(), 1);
        assert_eq!(
            r.requisition_line_items[0].previous_adjusted_consumptions,
            vec![4, 6]
        );
    }

    /// A malformed answer is an error to retry on, or an empty reading;
    /// never a panic.
    #[test]
    fn a_malformed_answer_is_an_error_not_a_panic() {
        for bad in [
            json!(null),
            json!("html"),
            json!(42),
            json!([1, 2]),
            json!({"code": 5}),
        ] {
            assert!(decode::<Facility>(&bad).is_err(), "{bad}");
            assert!(page_items::<Orderable>(&bad).iter().all(|o| o.id.is_none()));
            assert_eq!(Requisition::of(&bad), Requisition::default());
        }
        assert!(decode::<Program>(&json!({"id": ["x"]})).is_err());
        assert!(decode::<StockCard>(&json!({"lineItems": "x"})).is_err());
    }
}
