//! Writing the results: `benchmarks.json` (everything measured) and `benchmarks.md` (the tables).
//!
//! Holds no state. The Markdown is rendered from the JSON, so a merged file (sizes measured in
//! separate invocations, `--merge`) renders the same way as a single run.

use crate::results::Results;
use anyhow::Context;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

/// Writes both files into `out`; with `merge`, sizes already in `out/benchmarks.json` that were
/// not measured now are kept.
pub fn write(out: &Path, results: &Results, merge: bool) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    let json_path = out.join("benchmarks.json");
    let mut doc = serde_json::to_value(results)?;
    if merge && let Ok(text) = std::fs::read_to_string(&json_path) {
        let old: Value = serde_json::from_str(&text).with_context(|| format!("parse {}", json_path.display()))?;
        doc = merged(old, doc);
    }
    std::fs::write(&json_path, serde_json::to_string_pretty(&doc)?)?;
    std::fs::write(out.join("benchmarks.md"), render(&doc))?;
    Ok(())
}

/// Merges the given result files, in order, into `out` and renders the tables.
pub fn combine(files: &[std::path::PathBuf], out: &Path) -> anyhow::Result<()> {
    let mut doc = Value::Null;
    for f in files {
        let text = std::fs::read_to_string(f).with_context(|| format!("read {}", f.display()))?;
        let next: Value = serde_json::from_str(&text).with_context(|| format!("parse {}", f.display()))?;
        doc = if doc.is_null() { next } else { merged(doc, next) };
    }
    let this = std::env::args().collect::<Vec<_>>().join(" ");
    if let Some(commands) = doc["commands"].as_array_mut() {
        commands.push(Value::String(this));
    }
    std::fs::create_dir_all(out).with_context(|| format!("create {}", out.display()))?;
    std::fs::write(out.join("benchmarks.json"), serde_json::to_string_pretty(&doc)?)?;
    std::fs::write(out.join("benchmarks.md"), render(&doc))?;
    Ok(())
}

/// `new` merged over `old`: a size in both keeps what either measured, `new` winning where both
/// did (so limits off and limits on can run as separate invocations); sizes in increasing
/// order; the commands of both kept.
fn merged(old: Value, mut new: Value) -> Value {
    let mut all: Vec<Value> = sizes(&old).to_vec();
    for size in sizes(&new) {
        match all.iter_mut().find(|s| s["contacts"] == size["contacts"]) {
            Some(existing) => {
                if let (Some(into), Some(from)) = (existing.as_object_mut(), size.as_object()) {
                    for (k, v) in from {
                        if !v.is_null() {
                            into.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            None => all.push(size.clone()),
        }
    }
    all.sort_by_key(|s| s["contacts"].as_u64().unwrap_or(0));
    let listed = |doc: &Value| match &doc["commands"] {
        Value::Array(a) => a.clone(),
        _ => vec![doc["command"].clone()],
    };
    let mut commands = listed(&old);
    commands.extend(listed(&new));
    commands.retain(|c| !c.is_null());
    commands.dedup();
    new["sizes"] = Value::Array(all);
    new["commands"] = Value::Array(commands);
    new
}

fn sizes(doc: &Value) -> &[Value] {
    doc["sizes"].as_array().map(Vec::as_slice).unwrap_or_default()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn int(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

/// `1234567` → `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn secs(v: &Value) -> String {
    let s = num(v);
    if s >= 100.0 {
        format!("{s:.0}")
    } else if s >= 10.0 {
        format!("{s:.1}")
    } else {
        format!("{s:.2}")
    }
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.1}×", a / b)
    } else {
        "–".into()
    }
}

fn cpu(p: &Value) -> f64 {
    num(&p["user_secs"]) + num(&p["sys_secs"])
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1024.0 / 1024.0)
}

fn calls(step: &Value) -> (u64, u64) {
    (
        int(&step["hubspot"]["requests_total"]),
        int(&step["salesforce"]["requests_total"]),
    )
}

fn status(counters: &Value, code: &str) -> u64 {
    int(&counters["by_status"][code])
}

/// The Markdown report.
pub fn render(doc: &Value) -> String {
    let mut md = String::new();
    let m = &doc["machine"];
    let _ = writeln!(md, "# closedloop benchmarks\n");
    let _ = writeln!(
        md,
        "Measured {} on {} ({} cores), {} GiB RAM, {} (kernel {}), {}, {}.\n",
        doc["run_at"].as_str().unwrap_or("?"),
        m["cpu"].as_str().unwrap_or("?"),
        m["cores"],
        m["memory_gib"],
        m["os"].as_str().unwrap_or("?"),
        m["kernel"].as_str().unwrap_or("?"),
        m["rustc"].as_str().unwrap_or("?"),
        m["python"].as_str().unwrap_or("?"),
    );
    let _ = writeln!(
        md,
        "Commands (from the repository root; the raw figures are in [`benchmarks.json`](benchmarks.json)):\n"
    );
    let _ = writeln!(md, "```sh");
    match &doc["commands"] {
        Value::Array(a) => a.iter().for_each(|c| {
            let _ = writeln!(md, "{}", display_command(c.as_str().unwrap_or("")));
        }),
        _ => {
            let _ = writeln!(md, "{}", display_command(doc["command"].as_str().unwrap_or("")));
        }
    }
    let _ = writeln!(md, "```\n");
    let _ = writeln!(md, "{}", HOW);

    let all = sizes(doc);
    // Full backfill, limits off.
    let _ = writeln!(md, "## Full backfill, rate limits off (closedloop's own cost)\n");
    let _ = writeln!(
        md,
        "| contacts | wall s | records pulled | records/s | CPU s | peak RSS MiB | HubSpot calls | Salesforce calls | reconcile + attribution s | push calls / records written | SQLite MiB |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in all {
        let Some(b) = s["limits_off"].get("backfill") else {
            continue;
        };
        let (h, f) = calls(b);
        let p = &b["process"];
        let c = &b["cycle"];
        let wall = num(&p["wall_secs"]);
        let records = int(&c["records_pulled"]);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} | {:.0} | {} | {} | {} | {} / {} | {} |",
            thousands(int(&s["contacts"])),
            secs(&p["wall_secs"]),
            thousands(records),
            thousands((records as f64 / wall.max(1e-9)) as u64),
            cpu(p),
            num(&p["peak_rss_mib"]),
            thousands(h),
            thousands(f),
            secs(&c["reconcile_secs"]),
            thousands(int(&c["push_calls"])),
            thousands(int(&c["push_written"])),
            mib(int(&b["database_bytes"])),
        );
    }

    // Settling cycle.
    let _ = writeln!(
        md,
        "\n## First cycle after the backfill, rate limits off (reads back closedloop's own backfill pushes)\n"
    );
    let _ = writeln!(
        md,
        "| contacts | wall s | CPU s | HubSpot calls | Salesforce calls | records pulled | people reconciled | push calls | records pushed |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in all {
        let Some(step) = s["limits_off"].get("settle").filter(|v| !v.is_null()) else {
            continue;
        };
        let (h, f) = calls(step);
        let c = &step["cycle"];
        let _ = writeln!(
            md,
            "| {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
            thousands(int(&s["contacts"])),
            secs(&step["process"]["wall_secs"]),
            cpu(&step["process"]),
            thousands(h),
            thousands(f),
            thousands(int(&c["records_pulled"])),
            thousands(int(&c["people_reconciled"])),
            thousands(int(&c["push_calls"])),
            thousands(int(&c["push_written"])),
        );
    }

    // Incremental, limits off.
    let _ = writeln!(
        md,
        "\n## Incremental cycle after 1% of records changed, rate limits off\n"
    );
    let _ = writeln!(
        md,
        "| contacts | records changed (HubSpot + Salesforce) | wall s | CPU s | peak RSS MiB | HubSpot calls | Salesforce calls | records pulled | reconcile + attribution s | people reconciled | push calls | records pushed | push calls per 1,000 changed |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in all {
        let Some(mode) = s.get("limits_off").filter(|v| !v.is_null()) else {
            continue;
        };
        incremental_row(&mut md, s, mode);
    }

    // Limits on.
    let _ = writeln!(
        md,
        "\n## Rate limits on (HubSpot Professional: {} requests/10 s, search {}/s, {} a day; Salesforce Enterprise: {} a day)\n",
        doc["limits"]["hubspot"]["per_10_seconds"],
        doc["limits"]["hubspot"]["search_per_second"],
        thousands(int(&doc["limits"]["hubspot"]["daily"])),
        thousands(int(&doc["limits"]["salesforce"]["daily"])),
    );
    let limit_10s = num(&doc["limits"]["hubspot"]["per_10_seconds"]);
    let limit_search = num(&doc["limits"]["hubspot"]["search_per_second"]);
    let hub_daily = num(&doc["limits"]["hubspot"]["daily"]);
    let sf_daily = num(&doc["limits"]["salesforce"]["daily"]);
    let _ = writeln!(
        md,
        "| contacts | run | wall s | records/s | peak HubSpot requests per 10 s (of the limit) | peak searches per s | HubSpot 429s | Salesforce refusals | HubSpot calls (of the daily quota) | Salesforce calls (of the daily quota) | peak RSS MiB |"
    );
    let _ = writeln!(md, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in all {
        if let Some(mode) = s.get("limits_on").filter(|v| !v.is_null()) {
            for (name, step) in [
                ("backfill", &mode["backfill"]),
                ("first cycle after it", &mode["settle"]),
                ("incremental (1% changed)", &mode["incremental"]),
            ] {
                let (h, f) = calls(step);
                let p = &step["process"];
                let peak = int(&step["peaks"]["peak_per_10s"]);
                let search = int(&step["peaks"]["peak_search_per_s"]);
                let wall = num(&p["wall_secs"]);
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {} ({:.0}%) | {} (of {}) | {} | {} | {} ({:.1}%) | {} ({:.1}%) | {:.0} |",
                    thousands(int(&s["contacts"])),
                    name,
                    secs(&p["wall_secs"]),
                    thousands((int(&step["cycle"]["records_pulled"]) as f64 / wall.max(1e-9)) as u64),
                    peak,
                    100.0 * peak as f64 / limit_10s.max(1.0),
                    search,
                    limit_search,
                    status(&step["hubspot"], "429"),
                    status(&step["salesforce"], "403") + status(&step["salesforce"], "429"),
                    thousands(h),
                    100.0 * h as f64 / hub_daily.max(1.0),
                    thousands(f),
                    100.0 * f as f64 / sf_daily.max(1.0),
                    num(&p["peak_rss_mib"]),
                );
            }
        }
        if let Some(c) = s.get("limits_on_computed").filter(|v| !v.is_null()) {
            let _ = writeln!(
                md,
                "| {} | backfill, **computed** from the limits-off call counts | ≥ {} | – | – | – | – | – | {} + {} searches ({:.1}% → {:.2} days of quota) | {} ({:.1}%) | – |",
                thousands(int(&s["contacts"])),
                secs(&c["backfill_min_secs"]),
                thousands(int(&c["hubspot_calls"])),
                thousands(int(&c["hubspot_search_calls"])),
                100.0 * num(&c["hubspot_quota_days"]),
                num(&c["hubspot_quota_days"]),
                thousands(int(&c["salesforce_calls"])),
                100.0 * num(&c["salesforce_quota_days"]),
            );
            let (ih, is) = (
                int(&c["incremental_hubspot_calls"]),
                int(&c["incremental_salesforce_calls"]),
            );
            let _ = writeln!(
                md,
                "| {} | incremental (1% changed), **computed** | – | – | – | – | – | – | {} ({:.2}%) | {} ({:.2}%) | – |",
                thousands(int(&s["contacts"])),
                thousands(ih),
                100.0 * ih as f64 / hub_daily.max(1.0),
                thousands(is),
                100.0 * is as f64 / sf_daily.max(1.0),
            );
        }
    }

    // Peer.
    let _ = writeln!(
        md,
        "\n## Side by side with the Singer tap-hubspot 4.5.0 (contacts stream, same simulator, same data)\n"
    );
    let _ = writeln!(
        md,
        "| contacts | run | tap wall s | closedloop wall s | wall ratio | tap CPU s | closedloop CPU s | CPU ratio | tap API calls | closedloop API calls | calls ratio | tap records | closedloop records pulled | tap peak RSS MiB | closedloop peak RSS MiB |"
    );
    let _ = writeln!(
        md,
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    );
    for s in all {
        let Some(p) = s.get("peer").filter(|v| !v.is_null()) else {
            continue;
        };
        for (name, tap, tap_calls, cl) in [
            (
                "full pull",
                &p["tap_full"],
                int(&p["tap_full_calls"]),
                &p["closedloop_full"],
            ),
            (
                "incremental (1% changed)",
                &p["tap_incremental"],
                int(&p["tap_incremental_calls"]),
                &p["closedloop_incremental"],
            ),
        ] {
            let (tw, cw) = (num(&tap["process"]["wall_secs"]), num(&cl["process"]["wall_secs"]));
            let (tc, cc) = (cpu(&tap["process"]), cpu(&cl["process"]));
            let cl_calls = int(&cl["hubspot"]["requests_total"]);
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {:.1} | {:.1} | {} | {} | {} | {} | {} | {} | {:.0} | {:.0} |",
                thousands(int(&s["contacts"])),
                name,
                secs(&tap["process"]["wall_secs"]),
                secs(&cl["process"]["wall_secs"]),
                ratio(tw, cw),
                tc,
                cc,
                ratio(tc, cc),
                thousands(tap_calls),
                thousands(cl_calls),
                ratio(tap_calls as f64, cl_calls as f64),
                thousands(int(&tap["records"])),
                thousands(int(&cl["cycle"]["records_pulled"])),
                num(&tap["process"]["peak_rss_mib"]),
                num(&cl["process"]["peak_rss_mib"]),
            );
        }
    }
    let _ = writeln!(
        md,
        "\nRatios are tap ÷ closedloop: above 1× closedloop is faster or cheaper. The tap reads every contact \
         with all its properties and associations on every run and filters by `updatedAt` itself; closedloop \
         lists contacts once, then asks search for what changed since its cursor. closedloop's *records pulled* \
         counts what its contacts stream stored (contacts and their lifecycle-stage history), the tap's *records* \
         the contact records it emitted. closedloop also reconciled every person (pushes off in this comparison).\n"
    );
    let _ = writeln!(
        md,
        "The same tap on the default world (1% of people with malformed records, as in the tables above):\n"
    );
    let _ = writeln!(md, "| contacts | tap records emitted | tap wall s | outcome |");
    let _ = writeln!(md, "|---:|---:|---:|---|");
    for s in all {
        let Some(t) = s.get("peer_default_world").filter(|v| !v.is_null()) else {
            continue;
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} |",
            thousands(int(&s["contacts"])),
            thousands(int(&t["records"])),
            secs(&t["process"]["wall_secs"]),
            t["error"]
                .as_str()
                .map(|e| format!("stopped: `{}`", e.replace('|', "/")))
                .unwrap_or_else(|| "completed".into()),
        );
    }
    let _ = writeln!(md);

    extrapolation(&mut md, doc);

    // Datasets.
    let _ = writeln!(md, "## The generated worlds\n");
    let _ = writeln!(
        md,
        "| contacts | HubSpot contacts | HubSpot deals | Salesforce leads | Salesforce contacts | Salesforce opportunities | Salesforce tasks + events | simulator startup s | simulator peak RSS MiB |"
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for s in all {
        let h = &s["dataset"]["hubspot"];
        let f = &s["dataset"]["salesforce"]["records"];
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            thousands(int(&s["contacts"])),
            thousands(int(&h["contacts"])),
            thousands(int(&h["deals"])),
            thousands(int(&f["Lead"])),
            thousands(int(&f["Contact"])),
            thousands(int(&f["Opportunity"])),
            thousands(int(&f["Task"]) + int(&f["Event"])),
            secs(&s["simulator_startup_secs"]),
            num(&s["simulator_peak_rss_mib"]),
        );
    }
    md
}

/// Worlds asked for but not measured (1,000,000 contacts): what the largest measured world's
/// call counts imply, scaled linearly with contacts. Labelled as computed, never as measured.
fn extrapolation(md: &mut String, doc: &Value) {
    let measured: Vec<&Value> = sizes(doc)
        .iter()
        .filter(|s| s["limits_off"].get("backfill").is_some())
        .collect();
    let Some(base) = measured.last() else { return };
    let target = 1_000_000u64;
    let base_contacts = int(&base["contacts"]);
    if base_contacts == 0 || base_contacts >= target {
        return;
    }
    let scale = target as f64 / base_contacts as f64;
    let b = &base["limits_off"]["backfill"];
    let search = b["hubspot"]["by_route"]
        .as_object()
        .map(|r| {
            r.iter()
                .filter(|(k, _)| k.ends_with("/search"))
                .map(|(_, v)| int(v))
                .sum::<u64>()
        })
        .unwrap_or(0);
    let hub = int(&b["hubspot"]["requests_total"]);
    let sf = int(&b["salesforce"]["requests_total"]);
    let per_10s = num(&doc["limits"]["hubspot"]["per_10_seconds"]).max(1.0);
    let general = ((hub - search.min(hub)) as f64 * scale).round();
    let searches = (search as f64 * scale).round();
    let min_secs =
        (general / (per_10s / 10.0)).max(searches / num(&doc["limits"]["hubspot"]["search_per_second"]).max(1.0));
    let _ = writeln!(
        md,
        "## 1,000,000 contacts: computed, not measured\n\n\
         Not run on this machine (see the README's Benchmarks section). Scaling the {}-contact \
         backfill's calls linearly gives about {} HubSpot requests ({} searches) and {} Salesforce \
         requests: {:.1}% of HubSpot Professional's daily quota and {:.1}% of Salesforce's. At {} \
         requests per 10 s that is at least {:.0} minutes of backfill (closedloop paces itself to \
         the tier with or without enforcement), limits on or off.\n",
        thousands(base_contacts),
        thousands(general as u64 + searches as u64),
        thousands(searches as u64),
        thousands((sf as f64 * scale).round() as u64),
        100.0 * (general + searches) / num(&doc["limits"]["hubspot"]["daily"]).max(1.0),
        100.0 * sf as f64 * scale / num(&doc["limits"]["salesforce"]["daily"]).max(1.0),
        per_10s,
        min_secs / 60.0,
    );
}

fn incremental_row(md: &mut String, s: &Value, mode: &Value) {
    let step = &mode["incremental"];
    let changes = &mode["changes"];
    let changed = int(&changes["hubspot_contacts"]) + int(&changes["salesforce_leads"]);
    let (h, f) = calls(step);
    let p = &step["process"];
    let c = &step["cycle"];
    let push_calls = int(&c["push_calls"]);
    let _ = writeln!(
        md,
        "| {} | {} ({} + {}) | {} | {:.2} | {:.0} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
        thousands(int(&s["contacts"])),
        thousands(changed),
        thousands(int(&changes["hubspot_contacts"])),
        thousands(int(&changes["salesforce_leads"])),
        secs(&p["wall_secs"]),
        cpu(p),
        num(&p["peak_rss_mib"]),
        thousands(h),
        thousands(f),
        thousands(int(&c["records_pulled"])),
        secs(&c["reconcile_secs"]),
        thousands(int(&c["people_reconciled"])),
        thousands(push_calls),
        thousands(int(&c["push_written"])),
        1000.0 * push_calls as f64 / (changed.max(1) as f64),
    );
}

/// The command as a reader types it: `cargo run --release -p closedloop-bench -- <args>`.
fn display_command(raw: &str) -> String {
    let args: Vec<&str> = raw.split_whitespace().skip(1).collect();
    format!("cargo run --release -p closedloop-bench -- {}", args.join(" "))
}

const HOW: &str = "\
How to read these tables:

- Each world is generated by the simulator (`closedloop_sim::generator`, seed 1, about ten
  touchpoints per person, realistic deals) and served by both simulators in **a separate process**;
  closedloop runs as child processes (`closedloop backfill --since 2020-01-01`,
  `closedloop run --once`). Wall time, CPU time (user + system) and peak RSS are the child's own,
  from `wait4`; the simulators are not in them.
- *Rate limits off* means the simulators enforce nothing. closedloop still keeps under the limits
  of the tier its config names (`tier = \"professional\"`: 190 requests per 10 s, 5 searches per s)
  on its own, as it must against the real API, so its wall time is bounded by its call count
  either way; its CPU time is its own cost.
- *records pulled*: records read from both systems (written or found unchanged), as closedloop's
  cycle report counts them; *records/s* divides them by the process's wall time.
- *API calls*: requests the simulators counted (`/__sim/stats`) during the step.
- *reconcile + attribution*: the reconcile summary's phases (identity, load, compute —
  timelines, milestones, multi-touch attribution —, persist).
- *1% changed*: through the vendors' APIs, as people would: in HubSpot, a marketer (UI token)
  edits 1% of the contacts (leads become MQLs, others get a new job title); in Salesforce, a rep
  edits 1% of the unconverted leads (open leads become `Working - Contacted`, others get a new
  title). *push calls per 1,000 changed*: the incremental cycle's push batches (both targets)
  per 1,000 changed records.
- *peak requests per 10 s*: the HubSpot simulator's counters sampled every 200 ms during the
  run; the largest increase over 10 s, 429s and searches excluded (searches have their own
  per-second limit).
- *SQLite MiB*: the database with its WAL after the backfill.
";
