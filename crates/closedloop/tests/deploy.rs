//! The systemd units in deploy/ pass `systemd-analyze verify`, and the config they expect is valid.
//! `.ci/run` installs systemd; without `systemd-analyze` this test fails rather than skips.

use std::path::Path;
use std::process::Command;

fn deploy() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

#[test]
fn the_units_pass_systemd_analyze_verify() {
    let dir = tempfile::tempdir().unwrap();
    let binary = env!("CARGO_BIN_EXE_closedloop");
    for (source, installed) in [
        ("closedloop.service", "closedloop.service"),
        ("closedloop-backfill@.service", "closedloop-backfill@2024-01-01.service"),
    ] {
        let text = std::fs::read_to_string(deploy().join(source))
            .unwrap()
            .replace("/usr/local/bin/closedloop", binary);
        std::fs::write(dir.path().join(installed), text).unwrap();
    }
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(dir.path().join("closedloop.service"))
        .arg(dir.path().join("closedloop-backfill@2024-01-01.service"))
        .output()
        .expect("systemd-analyze is installed (.ci/run installs systemd)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "systemd-analyze verify failed:\n{stderr}");
    assert!(!stderr.contains("Unknown key"), "{stderr}");
}

#[test]
fn the_unit_hardening_and_notify_settings_are_present() {
    let unit = std::fs::read_to_string(deploy().join("closedloop.service")).unwrap();
    for line in [
        "Type=notify",
        "WatchdogSec=",
        "DynamicUser=yes",
        "StateDirectory=closedloop",
        "ProtectSystem=strict",
        "NoNewPrivileges=yes",
        "LoadCredential=hubspot-token:",
        "ExecStartPre=/usr/local/bin/closedloop check-config --secrets",
    ] {
        assert!(unit.contains(line), "closedloop.service lacks {line}");
    }
}

#[test]
fn the_config_for_the_unit_is_valid() {
    let out = Command::new(env!("CARGO_BIN_EXE_closedloop"))
        .arg("check-config")
        .arg(deploy().join("closedloop.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}
