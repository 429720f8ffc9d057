//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) opens the report of
//! the hand-built world (`crates/report/tests/support`), and `tests/browser/check-report.mjs`
//! (Playwright) checks that the four charts are drawn and the section tables have rows, that the
//! page logs no console error and makes no request, and saves a full-page screenshot to
//! `target/report-browser/report.png`.
//!
//! Set-up is the test's own: `npm ci` in `tests/browser` when `node_modules` is missing. A missing
//! Chromium fails the test with what to install; it never skips.

#[path = "../../crates/report/tests/support/mod.rs"]
mod support;

use closedloop_report::{ReportOptions, build, render_html};
use closedloop_tests::python::workspace_root;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// `tests/browser` with its pinned packages installed (one test uses it, so no lock is needed).
fn browser_dir() -> PathBuf {
    let dir = workspace_root().join("tests").join("browser");
    if !dir.join("node_modules").join("playwright-core").exists() {
        let out = run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir));
        assert!(
            out.status.success(),
            "npm ci in {} failed:\n{}\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

fn require_chromium() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: the HTML report is checked in a real browser; install Debian's chromium \
         (`apt-get install -y chromium`, as .ci/run does)"
    );
}

#[tokio::test]
async fn the_html_report_renders_in_chromium_with_charts_tables_and_no_errors() {
    require_chromium();
    let dir = tempfile::tempdir().unwrap();
    let store = support::reconciled_store(dir.path()).await;
    let mut options = ReportOptions::defaults(support::now());
    options.mql_target_per_month = Some(2);
    let report = build(&store, &options).await.unwrap();
    let out = workspace_root().join("target").join("report-browser");
    std::fs::create_dir_all(&out).unwrap();
    let html = out.join("report.html");
    let png = out.join("report.png");
    std::fs::write(&html, render_html(&report)).unwrap();
    let _ = std::fs::remove_file(&png);

    let browser = browser_dir();
    let result = run(Command::new("node")
        .arg(browser.join("check-report.mjs"))
        .arg(&html)
        .arg(&png)
        .arg(CHROMIUM)
        .current_dir(&browser));
    assert!(
        result.status.success(),
        "the report does not render as it should:\n--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    let shot = std::fs::metadata(&png).expect("screenshot saved");
    assert!(shot.len() > 10_000, "screenshot of {} bytes", shot.len());
}
