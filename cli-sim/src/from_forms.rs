//! The one place where the simulated servers meet agent-core: the form
//! definitions and the facility map the agent reads are turned into server
//! metadata (a DHIS2 data set per form, OpenLMIS reference data). The
//! servers themselves (the `sim-servers` crate) import nothing from
//! agent-core and check periods, uids and UUIDs with their own
//! code written from the contracts (`period`), so they judge what the agent
//! sends instead of agreeing with it by construction. Tests that must not
//! trust this adapter either start the servers from hand-written metadata
//! fixtures (`tests/fixtures/`).

use agent_core::{FacilityMap, FormSet};
use sim_servers::dhis2::{
    DEFAULT_COC, Dhis2MockConfig, MockDataElement, MockDataSet, combo_uid_for,
};
use sim_servers::openlmis::{
    HEALTH_POST_TYPE_CODE, HEALTH_POST_TYPE_ID, MockFacility, MockOrderable, MockPeriod,
    MockProgram, OpenLmisMockConfig, default_reasons, make_periods,
};
use sim_servers::period::PeriodType;
use std::collections::BTreeMap;
use std::path::Path;

/// Server metadata made from the agent's form definitions and facility map
/// (implemented for both simulated servers' configurations).
pub trait FromForms {
    /// The configuration consistent with these forms and facilities.
    fn from_forms(forms: &FormSet, facilities: &FacilityMap) -> Self;
}

/// The server's period type for the agent's (the same DHIS2 name).
fn period_type_of(t: agent_core::PeriodType) -> PeriodType {
    use agent_core::PeriodType as A;
    match t {
        A::Daily => PeriodType::Daily,
        A::Weekly => PeriodType::Weekly,
        A::BiWeekly => PeriodType::BiWeekly,
        A::Monthly => PeriodType::Monthly,
        A::BiMonthly => PeriodType::BiMonthly,
        A::Quarterly => PeriodType::Quarterly,
        A::SixMonthly => PeriodType::SixMonthly,
        A::SixMonthlyApril => PeriodType::SixMonthlyApril,
        A::Yearly => PeriodType::Yearly,
        A::FinancialApril => PeriodType::FinancialApril,
        A::FinancialJuly => PeriodType::FinancialJuly,
        A::FinancialOct => PeriodType::FinancialOct,
    }
}

/// Reads a form definitions folder and a facility map, as the agent does.
fn load(forms: &Path, facilities: &Path) -> std::io::Result<(FormSet, FacilityMap)> {
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    let forms = FormSet::load_dir(forms).map_err(|ps| {
        invalid(
            ps.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })?;
    let facilities = FacilityMap::load(facilities).map_err(|ps| invalid(ps.join("\n")))?;
    Ok((forms, facilities))
}

/// [`FromForms::from_forms`] of the files at these paths.
pub fn dhis2_config_from_files(
    forms: &Path,
    facilities: &Path,
) -> std::io::Result<Dhis2MockConfig> {
    let (forms, facilities) = load(forms, facilities)?;
    Ok(Dhis2MockConfig::from_forms(&forms, &facilities))
}

/// [`FromForms::from_forms`] of the files at these paths.
pub fn lmis_config_from_files(
    forms: &Path,
    facilities: &Path,
) -> std::io::Result<OpenLmisMockConfig> {
    let (forms, facilities) = load(forms, facilities)?;
    Ok(OpenLmisMockConfig::from_forms(&forms, &facilities))
}

impl FromForms for Dhis2MockConfig {
    /// Metadata consistent with the agent's forms and facility map: one data
    /// set per form definition (its `dhis2.data_set` uid, period type and
    /// attribute option combo), every service field's data element (value
    /// type `INTEGER_ZERO_OR_POSITIVE`) with its category option combos,
    /// every product's `dhis2_soh_data_element` (with its COC, default
    /// [`DEFAULT_COC`]), and the org units of the facility map, each assigned
    /// to every data set the facility reports (no `forms` = all forms). One
    /// user (`admin`/`district`), no token, the 2.40 family, data sets that
    /// never lock.
    fn from_forms(forms: &FormSet, facilities: &FacilityMap) -> Self {
        let mut data_sets: Vec<MockDataSet> = Vec::new();
        for def in forms.iter() {
            let mut elements: Vec<MockDataElement> = Vec::new();
            let mut add = |de: &str, coc: &str, name: &str, labels: &BTreeMap<String, String>| {
                let coc_name = if coc == DEFAULT_COC { "default" } else { name };
                match elements.iter_mut().find(|e| e.uid == de) {
                    Some(e) => {
                        if !e.has_coc(coc) {
                            e.category_option_combos
                                .push((coc.to_string(), coc_name.to_string()));
                        }
                    }
                    None => elements.push(MockDataElement {
                        uid: de.to_string(),
                        name: name.to_string(),
                        value_type: "INTEGER_ZERO_OR_POSITIVE".to_string(),
                        category_combo: String::new(),
                        category_option_combos: vec![(coc.to_string(), coc_name.to_string())],
                        zero_is_significant: true,
                        // The form's labels, served as DHIS2 serves a
                        // data element's translated form names.
                        translations: labels
                            .iter()
                            .map(|(l, v)| ("FORM_NAME".to_string(), l.clone(), v.clone()))
                            .collect(),
                    }),
                }
            };
            for f in &def.service {
                add(
                    &f.data_element,
                    &f.category_option_combo,
                    &f.label,
                    &f.labels,
                );
            }
            for p in &def.products {
                if let Some(de) = &p.dhis2_soh_data_element {
                    let coc = p
                        .dhis2_soh_category_option_combo
                        .as_deref()
                        .unwrap_or(DEFAULT_COC);
                    add(
                        de,
                        coc,
                        &format!("{} stock on hand", p.name),
                        &BTreeMap::new(),
                    );
                }
            }
            for e in &mut elements {
                e.category_combo = combo_uid_for(&e.uid, &e.category_option_combos);
            }
            let org_units: Vec<String> = facilities
                .iter()
                .filter(|f| f.forms.is_empty() || f.forms.contains(&def.id))
                .filter_map(|f| f.dhis2_org_unit.clone())
                .collect();
            let aocs: Vec<(String, String)> = def
                .dhis2
                .attribute_option_combo
                .iter()
                .map(|a| (a.clone(), format!("Attribute option combo {a}")))
                .collect();
            match data_sets.iter_mut().find(|d| d.uid == def.dhis2.data_set) {
                // Two forms posting to one data set share it.
                Some(ds) => {
                    for e in elements {
                        if !ds.has_element(&e.uid) {
                            ds.elements.push(e);
                        }
                    }
                    for ou in org_units {
                        if !ds.org_units.contains(&ou) {
                            ds.org_units.push(ou);
                        }
                    }
                    for a in aocs {
                        if !ds.attribute_option_combos.contains(&a) {
                            ds.attribute_option_combos.push(a);
                        }
                    }
                }
                None => data_sets.push(MockDataSet {
                    uid: def.dhis2.data_set.clone(),
                    name: def.title.clone(),
                    period_type: period_type_of(def.period_type),
                    expiry_days: 0.0,
                    open_future_periods: 0,
                    org_units,
                    elements,
                    attribute_option_combos: aocs,
                }),
            }
        }
        let org_units = facilities
            .iter()
            .filter_map(|f| f.dhis2_org_unit.clone().map(|ou| (ou, f.name.clone())))
            .collect();
        Dhis2MockConfig {
            data_sets,
            org_units,
            ..Dhis2MockConfig::default()
        }
    }
}

impl FromForms for OpenLmisMockConfig {
    /// Reference data consistent with the agent's forms and facility map: a
    /// program per distinct `lmis.program_id` (code = `lmis.program_code` or
    /// `PRG-n`, named after the first form), an orderable per product (id =
    /// `lmis_orderable_id`, productCode = the product's LMIS code), a
    /// facility per mapped facility (id = `lmis_facility_id`, code =
    /// `lmis_facility_code` or the local code, type `health_post`, supporting
    /// every program of the forms it reports), every product of a program's
    /// forms approved for `health_post` with maxPeriodsOfStock 3, a user
    /// `administrator`/`password` whose home facility is the first facility,
    /// the bootstrap clients, the bootstrap and demo reasons valid for every
    /// (program, facility type), processing periods from 2024-01-01 to
    /// 2028-12-31 of each program's `lmis.period_type` (quarterly `Q1 2024`…
    /// on schedule `SCH-Q`, monthly `Jan 2024`… on `SCH-M`), and no
    /// stock-based template.
    fn from_forms(forms: &FormSet, facilities: &FacilityMap) -> Self {
        let mut programs: Vec<MockProgram> = Vec::new();
        let mut orderables: Vec<MockOrderable> = Vec::new();
        let mut approved: Vec<(String, String, String, f64)> = Vec::new();
        let mut periods: Vec<(String, MockPeriod)> = Vec::new();
        for def in forms.iter() {
            let Some(lmis) = &def.lmis else { continue };
            let program = lmis.program_id.clone();
            if !programs.iter().any(|p| p.id == program) {
                let code = lmis
                    .program_code
                    .clone()
                    .unwrap_or_else(|| format!("PRG-{}", programs.len() + 1));
                programs.push(MockProgram {
                    id: program.clone(),
                    code,
                    name: def.title.clone(),
                });
                for p in make_periods(period_type_of(lmis.period_type)) {
                    periods.push((program.clone(), p));
                }
            }
            for product in &def.products {
                let id = product.lmis_orderable_id.clone();
                match orderables.iter_mut().find(|o| o.id == id) {
                    Some(o) => {
                        if !o.programs.contains(&program) {
                            o.programs.push(program.clone());
                        }
                    }
                    None => orderables.push(MockOrderable {
                        id: id.clone(),
                        product_code: product.lmis_code().to_string(),
                        name: product.name.clone(),
                        net_content: 1,
                        version: 1,
                        programs: vec![program.clone()],
                    }),
                }
                if !approved
                    .iter()
                    .any(|(_, p, o, _)| *p == program && *o == id)
                {
                    approved.push((HEALTH_POST_TYPE_ID.to_string(), program.clone(), id, 3.0));
                }
            }
        }
        let mut mock_facilities = Vec::new();
        for f in facilities.iter() {
            let Some(id) = f.lmis_facility_id.clone() else {
                continue;
            };
            let mut supported: Vec<String> = Vec::new();
            for def in forms.iter() {
                if !f.forms.is_empty() && !f.forms.contains(&def.id) {
                    continue;
                }
                if let Some(lmis) = &def.lmis
                    && !supported.contains(&lmis.program_id)
                {
                    supported.push(lmis.program_id.clone());
                }
            }
            mock_facilities.push(MockFacility {
                id,
                code: f
                    .lmis_facility_code
                    .clone()
                    .unwrap_or_else(|| f.code.clone()),
                name: f.name.clone(),
                type_id: HEALTH_POST_TYPE_ID.to_string(),
                type_code: HEALTH_POST_TYPE_CODE.to_string(),
                programs: supported,
            });
        }
        let reasons = default_reasons();
        let mut valid_reasons = Vec::new();
        for p in &programs {
            for r in &reasons {
                valid_reasons.push((p.id.clone(), HEALTH_POST_TYPE_ID.to_string(), r.id.clone()));
            }
        }
        let home = mock_facilities
            .first()
            .map(|f| f.id.clone())
            .unwrap_or_default();
        OpenLmisMockConfig {
            users: vec![("administrator".to_string(), "password".to_string(), home)],
            facilities: mock_facilities,
            programs,
            orderables,
            approved,
            reasons,
            valid_reasons,
            periods,
            ..OpenLmisMockConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use sim_servers::dhis2::{MockDhis2Args, VersionFamily};
    use sim_servers::openlmis::MockLmisArgs;

    /// A forms folder that does not exist is an error, not a server with no
    /// metadata.
    #[test]
    fn missing_form_files_are_an_error() {
        let facilities = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../schemas/facilities/example.json");
        let missing = std::path::Path::new("/nonexistent");
        assert!(super::dhis2_config_from_files(missing, &facilities).is_err());
        assert!(super::lmis_config_from_files(missing, &facilities).is_err());
    }

    /// One request over a fresh connection; the status and the body.
    fn raw_get(port: u16, path: &str, auth: Option<&str>) -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        let auth = auth.map_or(String::new(), |a| format!("Authorization: {a}\r\n"));
        s.write_all(format!("GET {path} HTTP/1.1\r\n{auth}Connection: close\r\n\r\n").as_bytes())
            .ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let status = text.get(9..12)?.parse().ok()?;
        Some((status, text.split("\r\n\r\n").nth(1)?.to_string()))
    }

    #[test]
    fn the_cli_parses_its_arguments_and_serves_the_example_forms() {
        use clap::{CommandFactory, Parser};
        #[derive(Debug, Parser)]
        struct Cli {
            #[command(flatten)]
            args: MockDhis2Args,
        }
        Cli::command().debug_assert();
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write_example_setup(dir.path()).unwrap();
        let forms = dir.path().join("forms").display().to_string();
        let facilities = dir.path().join("facilities.json").display().to_string();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
            .to_string();
        let base = [
            "mock",
            "--forms",
            &forms,
            "--facilities",
            &facilities,
            "--port",
            &port,
        ];
        let with = |extra: &[&str]| Cli::try_parse_from(base.iter().chain(extra));
        assert!(with(&["--rate-5xx", "1.5"]).is_err());
        assert!(with(&["--dhis2-version", "3.1"]).is_err());
        let cli = with(&[
            "--dhis2-version",
            "2.43",
            "--drop-after-commit",
            "0",
            "--seed",
            "3",
        ])
        .unwrap();
        assert_eq!(cli.args.dhis2_version, VersionFamily::V2_43);
        let port: u16 = port.parse().unwrap();
        // The server runs until the test process ends.
        let config = super::dhis2_config_from_files(
            cli.args.forms.as_deref().unwrap(),
            cli.args.facilities.as_deref().unwrap(),
        )
        .unwrap();
        std::thread::spawn(move || sim_servers::dhis2::run_cli(cli.args, config));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let answer = loop {
            if let Some(a) = raw_get(port, "/api/system/info", None) {
                break a;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the CLI server never answered"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(answer.0, 401);
        if std::env::var_os("DHIS2_MOCK_USER").is_none()
            && std::env::var_os("DHIS2_MOCK_PASSWORD").is_none()
        {
            let (status, body) = raw_get(
                port,
                "/api/dataSets/MkXpsaCoKaE",
                Some("Basic YWRtaW46ZGlzdHJpY3Q="),
            )
            .unwrap();
            assert_eq!(status, 200, "{body}");
            let ds: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(ds["periodType"], "Monthly");
        }
    }

    /// One request over a fresh connection; the status and the body.
    fn raw_request(port: u16, head: &str) -> Option<(u16, String)> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
        s.write_all(head.as_bytes()).ok()?;
        let mut text = String::new();
        s.read_to_string(&mut text).ok()?;
        let status = text.get(9..12)?.parse().ok()?;
        Some((status, text.split("\r\n\r\n").nth(1)?.to_string()))
    }

    #[test]
    fn the_cli_serves_the_example_forms() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write_example_setup(dir.path()).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let args = MockLmisArgs {
            port,
            faults: Default::default(),
            seed: 1,
            world: Default::default(),
            forms: Some(dir.path().join("forms")),
            facilities: Some(dir.path().join("facilities.json")),
            stock_based: Vec::new(),
            plain_answers: false,
            hostile: Default::default(),
            no_inventory_guard: false,
        };
        // The server runs until the test process ends.
        let config = super::lmis_config_from_files(
            args.forms.as_deref().unwrap(),
            args.facilities.as_deref().unwrap(),
        )
        .unwrap();
        std::thread::spawn(move || sim_servers::openlmis::run_cli(args, config));
        let login = "POST /api/oauth/token?grant_type=password&username=administrator&password=password HTTP/1.1\r\n\
                     Authorization: Basic dXNlci1jbGllbnQ6Y2hhbmdlbWU=\r\n\
                     Content-Length: 0\r\nConnection: close\r\n\r\n";
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let (status, body) = loop {
            if let Some(a) = raw_request(port, login) {
                break a;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the CLI server never answered"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        if std::env::var_os("LMIS_MOCK_USER").is_none()
            && std::env::var_os("LMIS_MOCK_PASSWORD").is_none()
        {
            assert_eq!(status, 200, "{body}");
            assert!(body.contains("access_token"));
        } else {
            assert!(status == 200 || status == 400, "{body}");
        }
        let (status, _) = raw_request(
            port,
            "GET /api/programs HTTP/1.1\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        assert_eq!(status, 401);
    }
}
