//! Config files: the shipped example, and bad files that must be refused with the field and line.

use closedloop_config::{ConfigError, parse};
use std::path::Path;

fn example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/closedloop.example.toml");
    std::fs::read_to_string(path).unwrap()
}

fn parse_str(text: &str) -> Result<closedloop_config::LoadedConfig, ConfigError> {
    parse(text, Path::new("test.toml"))
}

const MINIMAL: &str = r#"
[sync]
push_interval_secs = 60

[salesforce]
instance_url = "https://acme.my.salesforce.com"
auth = { kind = "client_credentials", client_id = "abc", client_secret = { env = "SF_SECRET" } }

[hubspot]
tier = "starter"
auth = { kind = "private_app", token = { env = "CLOSEDLOOP_TEST_HUBSPOT_TOKEN_UNSET" } }
"#;

#[test]
fn the_example_config_is_valid_and_complete() {
    let loaded = parse_str(&example()).unwrap();
    let c = &loaded.config;
    assert_eq!(
        c.hubspot.as_ref().unwrap().streams.contacts.extra_properties,
        ["country", "industry", "jobtitle"]
    );
    assert_eq!(c.salesforce.as_ref().unwrap().lead_status_map.len(), 5);
    assert_eq!(c.report.mql_target_per_month, Some(400));
    // Every secret in the example is a reference; none is set on a build machine.
    assert_eq!(closedloop_config::validate::secret_refs(c).len(), 4);
}

#[test]
fn a_minimal_config_gets_serious_defaults() {
    let c = parse_str(MINIMAL).unwrap().config;
    let sf = c.salesforce.unwrap();
    assert_eq!(sf.api_version, "59.0");
    assert_eq!(sf.query_batch_size, 2000);
    assert_eq!(sf.reserve_percent, 20);
    assert_eq!(
        sf.disqualification_reason_field.as_deref(),
        Some("Unqualified_Reason__c")
    );
    assert_eq!(c.service.listen_addr, "127.0.0.1:9464");
    assert!(!c.sync.dry_run);
}

#[test]
fn an_unknown_key_is_named_with_its_line() {
    let text = example().replace("tier = \"professional\"", "tier = \"professional\"\nteir = \"typo\"");
    let err = parse_str(&text).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("teir"), "{message}");
    let ConfigError::Parse { at, .. } = &err else {
        panic!("{err:?}")
    };
    let line = text.lines().position(|l| l.starts_with("teir")).unwrap() + 1;
    assert_eq!(at.line, Some(line), "{message}");
}

#[test]
fn a_missing_secret_reference_is_named() {
    let text = MINIMAL.replace(", client_secret = { env = \"SF_SECRET\" }", "");
    let message = parse_str(&text).unwrap_err().to_string();
    assert!(message.contains("client_secret"), "{message}");
}

#[test]
fn an_inline_secret_is_refused() {
    let text = MINIMAL.replace("{ env = \"SF_SECRET\" }", "\"my-actual-secret\"");
    let message = parse_str(&text).unwrap_err().to_string();
    assert!(
        message.contains("never written in the config") && message.contains("test.toml:7"),
        "{message}"
    );
    assert!(
        !message.contains("my-actual-secret"),
        "the secret must not be echoed: {message}"
    );
}

#[test]
fn a_secret_that_is_not_set_is_named_by_check_secrets() {
    let text = MINIMAL.replace("SF_SECRET", "CLOSEDLOOP_TEST_SURELY_UNSET_SECRET");
    let loaded = parse_str(&text).unwrap();
    let problems = loaded.check_secrets();
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[0].field, "hubspot.auth.token");
    assert_eq!(problems[0].line, Some(11));
    assert_eq!(problems[1].field, "salesforce.auth.client_secret");
    assert_eq!(problems[1].line, Some(7));
    assert!(problems[1].message.contains("CLOSEDLOOP_TEST_SURELY_UNSET_SECRET"));
}

#[test]
fn a_wrong_type_is_named_with_its_line() {
    let text = MINIMAL.replace("push_interval_secs = 60", "push_interval_secs = \"soon\"");
    let err = parse_str(&text).unwrap_err();
    let ConfigError::Parse { at, message, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(at.line, Some(3), "{message}");
}

#[test]
fn every_semantic_problem_is_listed_at_once_with_fields_and_lines() {
    let text = r#"
[service]
listen_addr = "everywhere"

[reconcile.systems]
crm = "hubspot"

[salesforce]
instance_url = "http://acme.my.salesforce.com"
api_version = "v59"
query_batch_size = 50
disqualification_reason_field = "Reason__c' OR Name != '"
auth = { kind = "client_credentials", client_id = "abc", client_secret = { env = "X" } }

[salesforce.streams.leads]
interval_secs = 0
extra_fields = ["Industry", "Bad Field"]
"#;
    let err = parse_str(text).unwrap_err();
    let fields = err.fields();
    for expected in [
        "service.listen_addr",
        "reconcile.systems.crm",
        "salesforce.instance_url",
        "salesforce.api_version",
        "salesforce.query_batch_size",
        "salesforce.disqualification_reason_field",
        "salesforce.streams.leads.interval_secs",
        "salesforce.streams.leads.extra_fields[1]",
    ] {
        assert!(
            fields.contains(&expected.to_owned()),
            "{expected} missing from {fields:?}"
        );
    }
    let message = err.to_string();
    assert!(message.contains("service.listen_addr (line 3)"), "{message}");
    assert!(message.contains("clear text"), "{message}");
}

#[test]
fn a_config_with_nothing_to_sync_is_refused() {
    let err = parse_str("[store]\npath = \"x.db\"\n").unwrap_err();
    assert!(err.fields().contains(&"hubspot".to_owned()), "{err}");
}

#[test]
fn reconcile_rules_are_validated_with_their_paths() {
    let text = format!(
        "{MINIMAL}\n[reconcile.systems]\nmarketing = \"hubspot\"\ncrm = \"hubspot\"\n\n[[reconcile.mapping]]\ntarget = \"salesforce\"\nobject = \"lead\"\nfield = \"Bad Name\"\nsource = \"first_touch.campaign\"\nrule = \"overwrite\"\n"
    );
    let err = parse_str(&text).unwrap_err();
    let fields = err.fields();
    assert!(fields.contains(&"reconcile.systems".to_owned()), "{fields:?}");
    assert!(
        fields.iter().any(|f| f.starts_with("reconcile.mapping[0]")),
        "{fields:?}"
    );
}

#[test]
fn the_report_model_must_be_one_reconcile_computes() {
    let text = format!("{MINIMAL}\n[report]\ndefault_model = \"w_shapd\"\n");
    let err = parse_str(&text).unwrap_err();
    assert!(err.fields().contains(&"report.default_model".to_owned()), "{err}");
    assert!(
        err.to_string().contains("w_shaped"),
        "the message lists the valid models: {err}"
    );
}

#[test]
fn loopback_http_is_allowed_for_simulators() {
    let text = MINIMAL.replace("https://acme.my.salesforce.com", "http://127.0.0.1:8081");
    parse_str(&text).unwrap();
}
