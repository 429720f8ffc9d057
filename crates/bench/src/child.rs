//! Running one child process and measuring it: wall time, CPU time and peak RSS.
//!
//! Holds no state. The child is reaped with `wait4`, whose resource usage is the child's own
//! (`ru_maxrss` is its peak resident set, `ru_utime`/`ru_stime` its CPU time), so neither the
//! bench nor the simulator process is counted. Standard output is handed line by line to a
//! callback on a reader thread (the Singer tap writes every record there).

use anyhow::{Context, anyhow};
use serde::Serialize;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one child process cost.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Measured {
    /// Wall time, seconds.
    pub wall_secs: f64,
    /// User CPU time, seconds.
    pub user_secs: f64,
    /// System CPU time, seconds.
    pub sys_secs: f64,
    /// Peak resident set size, MiB.
    pub peak_rss_mib: f64,
    /// Exit code (or 128 + signal).
    pub exit_code: i32,
}

/// Runs `command` to its end, feeding its stdout lines to `on_line`; stderr goes where the
/// command says. Blocking: call it from `spawn_blocking`.
pub fn run(mut command: Command, mut on_line: impl FnMut(&str) + Send + 'static) -> anyhow::Result<Measured> {
    command.stdout(Stdio::piped());
    let started = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("start {:?}", command.get_program()))?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let reader = std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout);
        let mut line = String::new();
        loop {
            line.clear();
            match lines.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => on_line(line.trim_end()),
            }
        }
    });
    let pid = child.id() as libc::pid_t;
    let (status, usage) = wait4(pid)?;
    let wall_secs = started.elapsed().as_secs_f64();
    let _ = reader.join();
    // Already reaped by wait4; dropping a `Child` never waits, so this only closes handles.
    drop(child);
    let exit_code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    };
    Ok(Measured {
        wall_secs,
        user_secs: timeval_secs(usage.ru_utime),
        sys_secs: timeval_secs(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_rss_mib: usage.ru_maxrss as f64 / 1024.0,
        exit_code,
    })
}

fn timeval_secs(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 / 1e6
}

fn wait4(pid: libc::pid_t) -> anyhow::Result<(libc::c_int, libc::rusage)> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is a plain C struct for which all-zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers refer to live, writable locals of the right types.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            return Ok((status, usage));
        }
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::Interrupted {
            return Err(anyhow!("wait4 for process {pid}: {err}"));
        }
    }
}

/// A live process's peak resident set (`VmHWM`), MiB.
pub fn vm_hwm_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
