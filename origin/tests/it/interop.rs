//! The interop forms of real answers: the built `onshi-origin`, seeded with the demo cards and an insurer batch of
//! a varied population (`tests/data/interop-population.json`), is asked for every person in FHIR and in the XmlMsg
//! (UTF-8 and Shift_JIS), by card and by number. Each answer is checked here for what it must say; when
//! `ONSHI_INTEROP_CORPUS` names a directory, every answer is also written there, for `cargo xtask test` to parse
//! with tools written elsewhere (an FHIR R4 model library and an XML parser, see `xtask/interop_check.py`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use onshi_origin::seed::derived_individual_number;
use onshi_proto::origin::{BY_CERTIFICATE_PATH, BY_NUMBER_PATH, CardQualificationQuery, NumberQualificationQuery};
use onshi_proto::signing;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::fixture::{Db, card_query, certificate, demo_cards_path, fresh_database_url, fresh_nonce, serial};

const BINARY: &str = env!("CARGO_BIN_EXE_onshi-origin");
const KEY: &str = "interop-test-signing-key-of-32-bytes";

/// The request key the origin started with [`KEY`] and no audience signs with.
fn request_key() -> zeroize::Zeroizing<[u8; 32]> {
    signing::request_key(KEY.as_bytes(), &signing::Audience::default()).unwrap()
}
const ADMIN_TOKEN: &str = "interop-test-admin-token-0123456789";
const FACILITY: &str = "1312345679";
/// An upper bound for a step that should take milliseconds, so a broken build fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(60);
/// Where the answers are written for the independent parsers, when set.
const CORPUS_VARIABLE: &str = "ONSHI_INTEROP_CORPUS";

const FHIR: &str = "application/fhir+json";
const XML_UTF8: &str = "application/xml";
const XML_SHIFT_JIS: &str = "application/xml; charset=Shift_JIS";

struct Served {
    child: Child,
    base: String,
    client: reqwest::Client,
    corpus: Option<PathBuf>,
}

impl Served {
    async fn start(database: &str, db: Db) -> Self {
        let mut child = Command::new(BINARY)
            .args(["serve", "--database", database, "--listen", "127.0.0.1:0", "--demo", "--seed-demo"])
            .arg(demo_cards_path())
            .env("ONSHI_ORIGIN_SIGNING_KEY", KEY)
            .env("ONSHI_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        tokio::time::timeout(PATIENCE, stdout.read_line(&mut line)).await.unwrap().unwrap();
        let base = line.trim_end().strip_prefix("onshi-origin listening on ").unwrap().to_owned();
        let corpus = std::env::var_os(CORPUS_VARIABLE).map(|dir| PathBuf::from(dir).join(format!("{db:?}")));
        if let Some(dir) = &corpus {
            std::fs::create_dir_all(dir).unwrap();
        }
        Self { child, base, client: reqwest::Client::builder().no_proxy().build().unwrap(), corpus }
    }

    async fn admin(&self, path: &str, body: &Value) -> reqwest::Response {
        let url = format!("{}{path}", self.base);
        self.client.post(url).bearer_auth(ADMIN_TOKEN).json(body).send().await.unwrap()
    }

    async fn upload(&self, token: &str, rows: &[Value]) -> reqwest::Response {
        let body: String = rows.iter().map(|row| format!("{row}\n")).collect();
        let url = format!("{}/insurer/v1/batches", self.base);
        let request = self.client.post(url).bearer_auth(token).header("content-type", "application/x-ndjson");
        request.body(body).send().await.unwrap()
    }

    /// POSTs `query` to `path`, signed as the edge signs, asking for `accept`; returns the status and the body,
    /// written to the corpus as `<name>.<form>` when there is one.
    async fn ask(&self, path: &str, query: &impl serde::Serialize, accept: &str, name: &str) -> (u16, Vec<u8>) {
        let body = serde_json::to_vec(query).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let headers = signing::sign(request_key().as_ref(), "POST", path, now, &fresh_nonce(), &body).unwrap();
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("accept", accept)
            .header(signing::TIMESTAMP_HEADER, headers.timestamp)
            .header(signing::NONCE_HEADER, headers.nonce)
            .header(signing::SIGNATURE_HEADER, headers.signature)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        let bytes = response.bytes().await.unwrap().to_vec();
        let (form, media_type) = match accept {
            FHIR => ("fhir.json", FHIR),
            XML_UTF8 => ("utf8.xml", "application/xml; charset=UTF-8"),
            _ => ("sjis.xml", "application/xml; charset=Shift_JIS"),
        };
        // A refusal is an OperationOutcome for the FHIR caller and the JSON ApiError for the others.
        if status == 200 || accept == FHIR {
            assert_eq!(content_type, media_type, "{name}");
        } else {
            assert_eq!(content_type, "application/json", "{name}");
        }
        if let Some(dir) = &self.corpus {
            // An XML refusal is JSON, not an XmlMsg; only XmlMsg documents go to the XML parser.
            if accept == FHIR || status == 200 {
                std::fs::write(dir.join(format!("{name}.{form}")), &bytes).unwrap();
            }
        }
        (status, bytes)
    }

    async fn stop(mut self) {
        let pid = self.child.id().unwrap().to_string();
        assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        tokio::time::timeout(PATIENCE, self.child.wait()).await.unwrap().unwrap();
    }
}

fn population() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/interop-population.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The one `Coverage` of a FHIR answer (there must be exactly one).
fn coverage(bundle: &Value) -> &Value {
    let coverages: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| &entry["resource"])
        .filter(|resource| resource["resourceType"] == "Coverage")
        .collect();
    let [coverage] = coverages.as_slice() else { panic!("{bundle}") };
    coverage
}

fn element<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    Some(&xml[start..start + xml[start..].find('<')?])
}

fn shift_jis_text(bytes: &[u8]) -> String {
    let (text, _, malformed) = encoding_rs::SHIFT_JIS.decode(bytes);
    assert!(!malformed);
    text.into_owned()
}

async fn every_interop_answer_of_a_varied_population_says_what_it_must(db: Db) {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database_url(db, dir.path()).await;
    let origin = Served::start(&database, db).await;
    let data = population();
    let insurer = data["insurer_number"].as_str().unwrap();
    let created: Value = origin
        .admin(
            "/admin/v1/insurers",
            &serde_json::json!({"insurer_number": insurer, "name": "相互運用試験健康保険組合"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    for resident in data["residents"].as_array().unwrap() {
        assert_eq!(origin.admin("/admin/v1/residents", resident).await.status().as_u16(), 204);
    }

    // A name holding a character XML forbids is refused at the batch, per row, with its field; nothing is kept.
    let mut broken = data["acquire"][0].clone();
    broken["name"] = Value::from("山田\u{1}一郎");
    let mut noncharacter = data["acquire"][1].clone();
    noncharacter["name_kana"] = Value::from("ﾔﾏﾀﾞ\u{FFFE}");
    let refused = origin.upload(&token, &[broken, noncharacter]).await;
    assert_eq!(refused.status().as_u16(), 400);
    let refusal: Value = refused.json().await.unwrap();
    assert_eq!(
        refusal["rows"],
        serde_json::json!([
            {"line": 1, "field": "name", "code": "forbidden_character"},
            {"line": 2, "field": "name_kana", "code": "forbidden_character"}
        ])
    );

    let report: Value = origin.upload(&token, data["acquire"].as_array().unwrap()).await.json().await.unwrap();
    assert_eq!(
        (report["records_registered"].as_i64(), report["records_held"].as_i64()),
        (Some(8), Some(1)),
        "{report}"
    );
    let lost: Value = origin.upload(&token, data["lose"].as_array().unwrap()).await.json().await.unwrap();
    assert_eq!(lost["qualifications_lost"], 1, "{lost}");

    let mut answers = std::collections::HashMap::new();
    for query in data["queries"].as_array().unwrap() {
        let label = query["label"].as_str().unwrap();
        let asked = NumberQualificationQuery {
            insurer_number: insurer.try_into().unwrap(),
            symbol: Some("10".try_into().unwrap()),
            number: query["number"].as_str().unwrap().try_into().unwrap(),
            branch: Some(query["branch"].as_str().unwrap().try_into().unwrap()),
            birth_date: onshi_proto::IsoDate::parse(query["birth_date"].as_str().unwrap()).unwrap(),
            facility_code: Some(FACILITY.try_into().unwrap()),
            device_id: Some("interop-kiosk".try_into().unwrap()),
            arbitrary_identifier: Some(format!("karte-{label}").as_str().try_into().unwrap()),
        };
        let mut forms = Vec::new();
        for accept in [FHIR, XML_UTF8, XML_SHIFT_JIS] {
            forms.push(origin.ask(BY_NUMBER_PATH, &asked, accept, &format!("number-{label}")).await);
        }
        answers.insert(label.to_owned(), forms);
    }
    // 公費: the demo gives the VALID card's holder 医療扶助 with this month's 医療券 and 調剤券 (the served origin reads
    // the real clock) and the DEPENDENT's a 難病 受給者証; a municipality adds a 子ども医療費 for the DEPENDENT's.
    let today = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+9)).date();
    let month = format!("{:04}{:02}", today.year(), u8::from(today.month()));
    for (payer, name, row) in [(
        "88131016",
        "新宿区",
        serde_json::json!({
            "individual_number": derived_individual_number(&certificate(serial::DEPENDENT)).unwrap(),
            "kind": "child_medical", "recipient_number": "2345676",
            "validity": {"valid_from": "2026-04-01", "valid_until": "2099-03-31"}, "monthly_self_pay_yen": 200
        }),
    )] {
        let created: Value = origin
            .admin("/admin/v1/public-expense-payers", &serde_json::json!({"payer_number": payer, "name": name}))
            .await
            .json()
            .await
            .unwrap();
        let url = format!("{}/public-expense/v1/batches", origin.base);
        let request = origin.client.post(url).bearer_auth(created["token"].as_str().unwrap());
        let response =
            request.header("content-type", "application/x-ndjson").body(format!("{row}\n")).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200);
    }
    for (scenario, serial, agreed) in [
        ("valid", serial::VALID, false),
        ("dependent", serial::DEPENDENT, false),
        ("dependent-agreed", serial::DEPENDENT, true),
        ("lost", serial::LOST, false),
        ("unregistered", serial::UNREGISTERED, false),
        ("elderly", serial::ELDERLY, false),
    ] {
        let asked = CardQualificationQuery {
            device_id: Some("interop-kiosk".try_into().unwrap()),
            arbitrary_identifier: Some(format!("card-{scenario}").as_str().try_into().unwrap()),
            use_recipient_certificates: agreed,
            ..card_query(serial, Some(FACILITY))
        };
        let mut forms = Vec::new();
        for accept in [FHIR, XML_UTF8, XML_SHIFT_JIS] {
            forms.push(origin.ask(BY_CERTIFICATE_PATH, &asked, accept, &format!("card-{scenario}")).await);
        }
        answers.insert(format!("card-{scenario}"), forms);
    }
    let fhir = |label: &str| -> Value {
        let (status, body) = &answers[label][0];
        assert_eq!(*status, 200, "{label}");
        serde_json::from_slice(body).unwrap()
    };
    let utf8 = |label: &str| String::from_utf8(answers[label][1].1.clone()).unwrap();
    let sjis = |label: &str| shift_jis_text(&answers[label][2].1);

    // 家族: covered under the 本人, who is the subscriber; the 枝番 is the dependent number; kana half width in XML.
    let dependent = fhir("dependent");
    let cover = coverage(&dependent);
    assert_eq!(cover["subscriber"]["reference"], "#subscriber");
    assert_eq!(cover["contained"][1]["name"][0]["text"], "山田　一郎");
    assert_eq!(cover["dependent"], "01");
    assert_eq!(cover["relationship"]["coding"][1]["code"], "2");
    let xml = utf8("dependent");
    assert_eq!(element(&xml, "InsuredName"), Some("山田　一郎"));
    assert_eq!(element(&xml, "NameKana"), Some("ﾔﾏﾀﾞ ﾊﾅｺ"));
    assert_eq!(element(&xml, "ArbitraryIdentifier"), Some("karte-dependent"));
    assert!(!xml.contains("ArbitraryFileIdentifier"));
    // 本人: their own subscriber.
    assert_eq!(coverage(&fhir("insured"))["subscriber"]["reference"], "#beneficiary");
    // 高齢受給者: the copay in force is 20, not the 30 of the 一部負担金割合; the 限度額 is there in both forms.
    let elderly = fhir("elderly-recipient");
    assert_eq!(coverage(&elderly)["costToBeneficiary"][0]["valueQuantity"]["value"], 20);
    let xml = utf8("elderly-recipient");
    assert_eq!(element(&xml, "ElderlyRecipientContributionRatio"), Some("020"));
    assert_eq!(element(&xml, "LimitApplicationCertificateClassificationFlag"), Some("B04"));
    assert_eq!(element(&xml, "LimitApplicationCertificateClassification"), Some("01"));
    // Characters Shift_JIS cannot carry are ● there, and kept in UTF-8.
    assert_eq!(element(&utf8("limit-and-gaiji"), "Name"), Some("𠮷田　髙志"));
    let shift_jis = sjis("limit-and-gaiji");
    assert!(shift_jis.starts_with("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?>"));
    assert_eq!(element(&shift_jis, "Name"), Some("●田　●志"));
    assert_eq!(element(&shift_jis, "CharacterCodeIdentifier"), Some("1"));
    assert_eq!(element(&shift_jis, "LimitApplicationCertificateClassificationFlag"), Some("A03"));
    // ● is kept as written.
    assert_eq!(element(&sjis("black-circle"), "Name"), Some("鈴木　●子"));
    // 特定疾病.
    assert_eq!(element(&utf8("specific-disease"), "SpecificDiseasesSelfPay"), Some("10000"));
    // By number no consent could be asked: the FHIR certificate keeps its limit, leaves the category out and says
    // why with the flag 0, as the XmlMsg does.
    let disease = fhir("specific-disease");
    let certificate = coverage(&disease)["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|extension| extension["url"] == onshi_origin::interop::ONSHI_SPECIFIC_DISEASE_EXTENSION)
        .unwrap()["extension"]
        .clone();
    let part = |name: &str| certificate.as_array().unwrap().iter().find(|part| part["url"] == name).cloned();
    assert_eq!(part("consent").unwrap()["valueCoding"]["code"], "0", "{certificate}");
    assert_eq!(part("monthlySelfPay").unwrap()["valueMoney"]["value"], 10000, "{certificate}");
    assert!(part("diseaseCategory").is_none(), "{certificate}");
    assert_eq!(element(&utf8("specific-disease"), "SpecificDiseasesCertificateRelatedConsFlg"), Some("0"));
    // Lost: 無効 with its 喪失事由, and a cancelled Coverage.
    let xml = utf8("lost");
    assert_eq!(element(&xml, "QualificationValidity"), Some("2"));
    assert_eq!(element(&xml, "ReasonOfLoss"), Some("03"));
    assert_eq!(coverage(&fhir("lost"))["status"], "cancelled");
    // Unknown: 該当資格なし, an outcome entry and no Coverage, never an empty list.
    let unknown = fhir("unknown");
    assert_eq!(unknown["total"], 0);
    assert_eq!(unknown["entry"].as_array().unwrap().len(), 1);
    assert_eq!(unknown["entry"][0]["resource"]["issue"][0]["code"], "not-found");
    assert_eq!(element(&utf8("unknown"), "QualificationValidity"), Some("4"));
    // Held: a refusal, as an OperationOutcome for the FHIR caller.
    let (status, body) = &answers["held"][0];
    assert_eq!(*status, 423);
    let outcome: Value = serde_json::from_slice(body).unwrap();
    assert_eq!(outcome["resourceType"], "OperationOutcome");
    assert_eq!(outcome["issue"][0]["details"]["coding"][0]["code"], "record_held");
    // The demo cards: the 後期高齢 person's 限度額 and the unregistered card's 該当資格なし.
    assert_eq!(element(&utf8("card-elderly"), "LimitApplicationCertificateClassificationFlag"), Some("B05"));
    assert_eq!(element(&utf8("card-elderly"), "ReferenceClassification"), Some("1"));
    assert_eq!(element(&utf8("card-unregistered"), "QualificationValidity"), Some("4"));
    assert_eq!(coverage(&fhir("card-dependent"))["subscriber"]["reference"], "#subscriber");
    // 公費: the demo's 医療扶助 with its 医療券 in both forms; a 受給者証 only in the answer the patient agreed to.
    let xml = utf8("card-valid");
    assert_eq!(element(&xml, "PublicExpenseNumber"), Some("12131017"));
    assert_eq!(element(&xml, "WelfareOfficeName"), Some("おんし区福祉事務所（デモ）"));
    assert_eq!(element(&xml, "NumberOfMedicalTickets"), Some("2"));
    assert_eq!(element(&xml, "MedicalTreatmentMonth"), Some(month.as_str()));
    assert_eq!(element(&sjis("card-valid"), "DesignatedMedicalInstitutionName"), Some("おんし内科クリニック"));
    let payors: Vec<Value> = fhir("card-valid")["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["resource"]["resourceType"] == "Coverage")
        .map(|entry| entry["resource"]["payor"][0]["identifier"]["value"].clone())
        .collect();
    assert_eq!(payors.len(), 2);
    assert_eq!(payors[1], "12131017");
    assert!(!utf8("card-dependent").contains("PublicExpenseNumber"));
    let agreed = utf8("card-dependent-agreed");
    assert!(agreed.contains("<PublicExpenseNumber>54131016</PublicExpenseNumber>"), "{agreed}");
    assert!(agreed.contains("<PublicExpenseNumber>88131016</PublicExpenseNumber>"), "{agreed}");
    assert_eq!(fhir("card-dependent-agreed")["total"], 3);

    origin.stop().await;
    crate::fixture::drop_if_postgres(&database).await;
}
on_both_databases!(every_interop_answer_of_a_varied_population_says_what_it_must);
