//! Issue 15: what a sync says (failures, DHIS2's refusals, delivery states)
//! is a message that renders in each language. The expected texts are
//! hand-written from `locales/*/sync.ftl`.

use agent_core::dhis2::{FieldProblem, advice_for};
use agent_core::i18n::{Message, render};
use agent_core::outbox::{DeliveryState, failure_message, last_error_message};

fn problem(field: &str, code: Option<&str>, advice: &str) -> FieldProblem {
    FieldProblem {
        field: field.into(),
        code: code.map(str::to_string),
        server_message: "Current date is past expiry days for period: `202606`".into(),
        advice: advice.into(),
        // As stored before schema 7: the advice is found from its text.
        advice_msg: None,
    }
}

#[test]
fn a_closed_period_is_explained_in_each_language() {
    // The advice as the DHIS2 route stores it (English), then as shown.
    let stored = advice_for(Some("E7640"));
    assert_eq!(
        stored,
        "DHIS2 has closed this period for data entry. Ask the district data officer to open it (a lock exception), then send again."
    );
    let m = problem("service.malaria_tested", Some("E7640"), &stored).advice_message();
    assert_eq!(m.id, "dhis2-advice-period-closed");
    assert_eq!(
        render(&m, "sw"),
        "DHIS2 imefunga kipindi hiki kwa kuingiza data. Mwombe afisa wa takwimu wa wilaya akifungue (ruhusa ya kipindi kilichofungwa), kisha tuma tena."
    );
    assert!(
        render(&m, "fr").starts_with("DHIS2 a fermé cette période à la saisie."),
        "{}",
        render(&m, "fr")
    );
    assert!(render(&m, "pt").starts_with("O DHIS2 fechou este período"));
    // A code DHIS2 may add later: the general advice, translated too.
    let other = problem("form", Some("E9999"), &advice_for(Some("E9999"))).advice_message();
    assert_eq!(other.id, "dhis2-advice-other");
}

#[test]
fn the_values_refused_with_others_name_the_fields_at_fault() {
    let stored = "Not stored: DHIS2 refused the whole form because of service.a, service.b. This value is not the problem.";
    let m = problem("service.c", Some("E7619"), stored).advice_message();
    assert_eq!(m.id, "dhis2-advice-not-stored");
    assert_eq!(
        render(&m, "fr"),
        "Pas enregistré : DHIS2 a refusé tout le formulaire à cause de service.a, service.b. Cette valeur n'est pas le problème."
    );
    assert_eq!(render(&m, "en"), stored);
}

#[test]
fn text_the_agent_has_no_message_for_is_shown_as_it_is() {
    let m = problem("form", None, "The LMIS refused the product.").advice_message();
    assert_eq!(m.id, "plain-text");
    assert_eq!(render(&m, "sw"), "The LMIS refused the product.");
}

#[test]
fn a_send_that_failed_on_the_way_keeps_the_phones_detail() {
    let m =
        failure_message("the server could not be reached (io: Connection refused (os error 111))");
    assert_eq!(m.id, "net-unreachable");
    assert_eq!(
        render(&m, "sw"),
        "seva haikupatikana (io: Connection refused (os error 111))"
    );
    assert_eq!(
        render(
            &failure_message("the server did not answer in time (timed out)"),
            "pt"
        ),
        "o servidor não respondeu a tempo (timed out)"
    );
    assert_eq!(failure_message("something else").id, "plain-text");
}

#[test]
fn a_refused_form_is_summed_up_in_one_line() {
    let p = problem("service.a", Some("E7640"), &advice_for(Some("E7640")));
    let problems = vec![p.clone(), p];
    let whole = last_error_message(
        DeliveryState::Rejected,
        "refused as a whole; 2 fields: …",
        &problems,
    );
    assert_eq!(
        render(&whole, "sw"),
        "imekataliwa yote (sehemu 2); la kufanya liko hapa chini."
    );
    let part = last_error_message(
        DeliveryState::Rejected,
        "some values refused, the others were stored; …",
        &problems[..1],
    );
    assert_eq!(
        render(&part, "fr"),
        "des valeurs refusées, les autres enregistrées (1 champ) ; que faire : voir ci-dessous."
    );
    // A pending delivery's last error is the failure on the way.
    let failed = last_error_message(
        DeliveryState::Pending,
        "the connection broke before the answer arrived (reset)",
        &[],
    );
    assert_eq!(failed.id, "net-broken");
}

#[test]
fn delivery_states_are_words_in_each_language() {
    assert_eq!(
        render(&DeliveryState::Rejected.message(), "sw"),
        "imekataliwa"
    );
    assert_eq!(render(&DeliveryState::Delivered.message(), "fr"), "livré");
    assert_eq!(render(&DeliveryState::Pending.message(), "pt"), "em espera");
    // English keeps the names the outbox stores (scripts read them).
    for s in DeliveryState::ALL {
        assert_eq!(render(&s.message(), "en"), s.as_str());
    }
}

#[test]
fn decimals_have_a_comma_in_french_and_portuguese() {
    let m = Message::new("finding-stockout-risk")
        .text("product", "ORS")
        .decimal("months", 1.5)
        .decimal("minimum", 2.0)
        .num("quantity", 76)
        .text("unit", "sachet");
    let fr = render(&m, "fr");
    assert!(fr.contains("il reste 1,5 mois"), "{fr}");
    let pt = render(&m, "pt");
    assert!(pt.contains("1,5"), "{pt}");
    let sw = render(&m, "sw");
    assert!(sw.contains("1.5") && !sw.contains("1,5"), "{sw}");
    assert!(render(&m, "en").contains("1.5 months"));
    assert_eq!(agent_core::i18n::decimal(1.966, 2, "fr_SN.UTF-8"), "1,97");
    assert_eq!(agent_core::i18n::decimal(1.966, 2, "sw"), "1.97");
}

#[test]
fn errors_are_messages_whose_english_is_their_text() {
    use agent_core::AgentError;
    use agent_core::outbox::Destination;
    let errors = [
        AgentError::UnknownSubmission { id: "abc".into() },
        AgentError::Config {
            message: "forms: missing".into(),
        },
        AgentError::StorageFull {
            message: "disk".into(),
        },
        AgentError::StorageUnavailable {
            message: "read-only".into(),
        },
        AgentError::StorageCorrupt {
            moved_to: "/x/outbox.sqlite.damaged".into(),
            message: "malformed".into(),
        },
        AgentError::DatabaseTooNew {
            found: 9,
            supported: 8,
        },
        AgentError::Busy {
            message: "locked".into(),
        },
        AgentError::AuthFailed {
            destination: Destination::Dhis2,
            message: "HTTP 401".into(),
        },
        AgentError::Unreachable {
            destination: Destination::Lmis,
            message: "no route".into(),
        },
        AgentError::Internal {
            reference: "E-00abcd".into(),
            message: "the operation was not completed".into(),
        },
        AgentError::EscrowRefused {
            message: "wrong key".into(),
        },
    ];
    for e in &errors {
        assert_eq!(render(&e.message(), "en"), e.to_string(), "{e:?}");
    }
    // Hand-written from locales/sw/errors.ftl and fr/errors.ftl.
    assert_eq!(
        render(&errors[8].message(), "sw"),
        "lmis haikupatikana: no route. Angalia mtandao wa simu (data au Wi-Fi) na ujaribu tena baadaye; hakuna kilichobadilishwa."
    );
    assert_eq!(
        render(&errors[0].message(), "fr"),
        "aucun formulaire d'identifiant abc dans la boîte d'envoi ; vérifiez l'identifiant avec `status`"
    );
    assert_eq!(errors[10].message().id, "plain-text");
}
