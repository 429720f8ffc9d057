//! A Python virtual environment with the vendors' SDKs, for the contract tests.
//!
//! State: the venv directory under the workspace's `target/` (or `$CLOSEDLOOP_SDK_VENV`). It is
//! created on first use from `tests/contract/requirements.txt`, so `cargo test --workspace` does
//! its own set-up on a fresh machine; `.ci/run` creates it up front. A file lock keeps parallel
//! test processes from building it twice.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (the directory holding the top-level `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The venv's directory.
pub fn venv_dir() -> PathBuf {
    std::env::var_os("CLOSEDLOOP_SDK_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target").join("sdk-venv"))
}

/// Returns the venv's `python`, creating the venv and installing the pinned SDKs if needed.
///
/// Panics with the installer's output when it cannot: a contract test must fail, not skip,
/// when its oracle is missing.
pub fn sdk_python() -> PathBuf {
    let dir = venv_dir();
    let python = dir.join("bin").join("python");
    let requirements = workspace_root().join("tests").join("contract").join("requirements.txt");
    let stamp = dir.join(".requirements-installed");
    let wanted = std::fs::read_to_string(&requirements).expect("read tests/contract/requirements.txt");
    std::fs::create_dir_all(dir.parent().expect("venv has a parent")).expect("create venv parent");
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::File::create(&lock_path).expect("create venv lock file");
    lock.lock().expect("lock the venv");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        if !python.exists() {
            run(Command::new("python3").arg("-m").arg("venv").arg(&dir));
        }
        run(Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements));
        std::fs::write(&stamp, &wanted).expect("write venv stamp");
    }
    drop(lock);
    python
}

fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a contract script from `tests/contract/` with the SDK venv and the given environment,
/// and panics with its output unless it exits 0.
pub fn run_contract_script(script: &str, env: &[(&str, String)]) {
    let python = sdk_python();
    let path = workspace_root().join("tests").join("contract").join(script);
    let mut cmd = Command::new(python);
    cmd.arg(&path).env("PYTHONUNBUFFERED", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{script} failed (exit {:?}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
