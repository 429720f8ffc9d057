//! The binary as a user runs it: exit codes, messages naming the bad field, JSON output.

use std::path::Path;
use std::process::{Command, Output};

fn closedloop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args(args)
        .env_remove("CLOSEDLOOP_CONFIG")
        .output()
        .expect("run closedloop")
}

fn example() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../config/closedloop.example.toml")
        .display()
        .to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_config_accepts_the_example() {
    let out = closedloop(&["check-config", &example()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("valid (hubspot + salesforce; crm: salesforce"));
}

#[test]
fn check_config_names_an_unknown_key_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("[store]\n", "[store]\nsurprise = 1\n");
    std::fs::write(&path, text).unwrap();
    let out = closedloop(&["check-config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("surprise") && err.contains("bad.toml:"), "{err}");
}

#[test]
fn check_config_names_a_missing_secret_reference_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nosecret.toml");
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("token = { env = \"CLOSEDLOOP_HUBSPOT_TOKEN\" }\n", "");
    std::fs::write(&path, text).unwrap();
    let out = closedloop(&["check-config", "--config", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("token"), "{}", stderr(&out));
}

#[test]
fn check_config_secrets_names_each_unset_secret() {
    let out = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args(["check-config", "--secrets", &example()])
        .env_remove("CLOSEDLOOP_HUBSPOT_TOKEN")
        .env_remove("CLOSEDLOOP_HUBSPOT_CLIENT_SECRET")
        .env_remove("CREDENTIALS_DIRECTORY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    for field in [
        "hubspot.auth.token",
        "hubspot.webhook.client_secret",
        "salesforce.auth.client_secret",
    ] {
        assert!(err.contains(field), "{field} not named in {err}");
    }
}

#[test]
fn status_json_is_valid_json_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let out = closedloop(&["status", "--json", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["status"]["persons"], 0);
    assert!(json["status"]["streams"].as_array().unwrap().is_empty());
    let table = closedloop(&["status", "--db", db.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("no stream has run yet"));
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["run", "backfill", "status", "report", "check-config", "sim", "demo"] {
        let out = closedloop(&[sub, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{sub}: {}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: closedloop"),
            "{sub}"
        );
    }
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = closedloop(&[
        "--log-format",
        "json",
        "--log",
        "info,x=notalevel",
        "status",
        "--db",
        dir.path().join("x.db").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let line = stderr(&out).lines().next().unwrap_or_default().to_owned();
    let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(v["level"], "WARN");
}

#[test]
fn sim_serves_both_apis_and_writes_a_config_that_checks_out() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sim.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .args([
            "sim",
            "--generate",
            "contacts=50,seed=3",
            "--hubspot-addr",
            "127.0.0.1:0",
            "--salesforce-addr",
            "127.0.0.1:0",
        ])
        .arg("--write-config")
        .arg(&config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("serving until interrupted");
        seen.push(line);
        if done {
            break;
        }
    }
    let hubspot = seen
        .iter()
        .find_map(|l| l.strip_prefix("HubSpot simulator"))
        .map(str::trim)
        .unwrap()
        .to_owned();
    assert!(hubspot.starts_with("http://127.0.0.1:"), "{seen:?}");
    let check = closedloop(&["check-config", "--secrets", config.to_str().unwrap()]);
    let text = std::fs::read_to_string(&config).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    assert!(text.contains(&format!("base_url = \"{hubspot}\"")), "{text}");
    assert!(!text.contains("pat-sim"), "no secret is written inline");
    let token = std::fs::read_to_string(dir.path().join("sim.secrets/hubspot-token")).unwrap();
    assert_eq!(token, "pat-sim-hubspot-token");
}
