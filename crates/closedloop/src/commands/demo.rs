//! `closedloop demo`: closedloop end to end with no credentials.
//!
//! Starts both simulators on a generated world, writes a config that points at them, backfills
//! the history, then makes two live changes — a marketer marks a HubSpot contact as an MQL, a
//! sales rep converts a Salesforce lead — and runs daemon turns until closedloop has carried each
//! change to the other system. It shows what each side now sees, writes the HTML report, and says
//! where everything is.

use super::common::{cancel_on_signal, load_startable, service_error};
use crate::cli::DemoArgs;
use crate::exit::ExitError;
use anyhow::{Context, anyhow};
use chrono::{Months, NaiveTime, TimeZone, Utc};
use closedloop_service::assemble::assemble;
use closedloop_service::reconcile_step::RulesReconcile;
use closedloop_service::sim_config::{self, SimEndpoints};
use closedloop_sim::generator::{GenerateSpec, generate};
use closedloop_sim::hubspot::ObjectKind;
use closedloop_sim::scenario::PersonSpec;
use std::time::{Duration, Instant};

/// A person the generated world leaves at "lead" in HubSpot and unknown to Salesforce.
fn marketing_lead(people: &[PersonSpec]) -> Option<&PersonSpec> {
    people.iter().find(|p| {
        p.salesforce.is_none()
            && p.hostile.is_none()
            && p.hubspot.as_ref().is_some_and(|h| {
                h.archived_at.is_none()
                    && h.merged_into.is_none()
                    && h.lifecycle.last().is_some_and(|s| s.stage == "lead")
            })
    })
}

/// A person known to marketing with one open (unconverted, undeleted, not closed) Salesforce lead.
fn open_lead(people: &[PersonSpec]) -> Option<&PersonSpec> {
    const OPEN: [&str; 3] = ["Working - Contacted", "Open - Not Contacted", "Nurturing"];
    people.iter().find(|p| {
        p.hostile.is_none()
            && p.hubspot
                .as_ref()
                .is_some_and(|h| h.archived_at.is_none() && h.merged_into.is_none())
            && p.salesforce.as_ref().is_some_and(|s| {
                s.contact.is_none()
                    && s.leads.len() == 1
                    && s.leads[0].converted_at.is_none()
                    && s.leads[0].deleted_at.is_none()
                    && s.leads[0]
                        .statuses
                        .last()
                        .is_some_and(|st| OPEN.contains(&st.stage.as_str()))
            })
    })
}

fn soql_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\'', "\\'")
}

/// Runs the demo.
pub async fn run(args: DemoArgs) -> Result<(), ExitError> {
    let started = Instant::now();
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("closedloop-demo-{}", Utc::now().format("%Y%m%d-%H%M%S"))),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("create {}", dir.display()))?;
    let spec = GenerateSpec::parse(&format!("contacts={},seed=42", args.contacts)).map_err(|e| anyhow!("{e}"))?;
    let scenario = generate(&spec);
    let hubspot = closedloop_sim::hubspot::start(&scenario, "127.0.0.1:0".parse()?)
        .await
        .context("start the HubSpot simulator")?;
    let salesforce = closedloop_sim::salesforce::start(&scenario, "127.0.0.1:0".parse()?, None)
        .await
        .context("start the Salesforce simulator")?;
    println!(
        "closedloop demo: {} people in a generated world, simulators at {} and {}",
        scenario.people.len(),
        hubspot.base_url(),
        salesforce.base_url()
    );

    let config_path = dir.join("closedloop.toml");
    let endpoints = SimEndpoints {
        hubspot_url: hubspot.base_url(),
        salesforce_url: salesforce.base_url().to_owned(),
    };
    sim_config::write(&config_path, &endpoints, &scenario, "127.0.0.1:0")
        .with_context(|| format!("write {}", config_path.display()))?;
    let loaded = load_startable(&config_path)?;
    let reconcile = Box::new(RulesReconcile {
        rules: loaded.config.reconcile.clone(),
    });
    let assembled = assemble(&loaded, reconcile).await.map_err(service_error)?;
    let mut engine = assembled.engine;
    let cancel = cancel_on_signal();

    // 1. History.
    let until = Utc::now();
    let since_day = spec
        .anchor
        .checked_sub_months(Months::new(spec.months + 1))
        .unwrap_or(spec.anchor);
    let since = Utc.from_utc_datetime(&since_day.and_time(NaiveTime::MIN));
    println!("\n1/4 backfill since {since_day}: every stream of both systems, reconcile, push");
    let t = Instant::now();
    let backfill = closedloop_service::backfill::run(&mut engine, since, until, &cancel).await;
    engine.record(&backfill, until).await;
    println!("    {} ({:.1}s)", backfill.summary_line(), t.elapsed().as_secs_f64());
    if cancel.is_cancelled() {
        return Err(ExitError::new(crate::exit::FAILURE, anyhow!("interrupted")));
    }

    // 2. Two live changes, as people make them in each system.
    println!("\n2/4 live changes in the vendors' systems");
    let mql =
        marketing_lead(&scenario.people).ok_or_else(|| anyhow!("the generated world has no marketing-only lead"))?;
    let mql_id = hubspot
        .admin()
        .contact_by_email(&mql.email)
        .ok_or_else(|| anyhow!("{} is not in HubSpot", mql.email))?;
    hubspot
        .admin()
        .update_as_user(
            ObjectKind::Contact,
            mql_id,
            &[("lifecyclestage", "marketingqualifiedlead")],
        )
        .map_err(|e| anyhow!("mark {} as MQL: {e}", mql.email))?;
    println!(
        "    HubSpot: a marketer marks {} as a marketing-qualified lead",
        mql.email
    );
    let converted =
        open_lead(&scenario.people).ok_or_else(|| anyhow!("the generated world has no open lead to convert"))?;
    let lead_rows = salesforce
        .admin()
        .query(
            &format!("SELECT Id FROM Lead WHERE Email = '{}'", soql_quote(&converted.email)),
            false,
        )
        .map_err(|e| anyhow!("find the lead of {}: {e}", converted.email))?;
    let lead_id = lead_rows
        .first()
        .and_then(|r| r["Id"].as_str())
        .ok_or_else(|| anyhow!("no Salesforce lead for {}", converted.email))?
        .to_owned();
    let conversion = salesforce
        .admin()
        .convert_lead(&closedloop_sim::salesforce::ConvertRequest {
            lead_id,
            converted_status: None,
            account_id: None,
            contact_id: None,
            do_not_create_opportunity: false,
            opportunity_name: Some(format!(
                "{} - demo",
                converted.company.clone().unwrap_or_else(|| "Demo".into())
            )),
            owner_id: None,
        })
        .map_err(|e| anyhow!("convert the lead of {}: {e}", converted.email))?;
    println!(
        "    Salesforce: a sales rep converts {}'s lead into contact {} and an opportunity",
        converted.email, conversion.contact_id
    );

    // 3. The daemon carries them across.
    println!("\n3/4 the daemon: incremental pulls, reconcile, pushes");
    let (_triggers_tx, mut triggers) = tokio::sync::mpsc::channel(4);
    let stop = cancel.child_token();
    let stopper = stop.clone();
    let mut turns = 0u32;
    let mut quiet_turns = 0u32;
    let mut tick = move |report: &closedloop_engine::CycleReport| {
        if report.streams.is_empty() && report.reconcile.is_none() {
            return;
        }
        turns += 1;
        let pushed: u64 = report.pushes.iter().map(|p| p.written).sum();
        println!("    turn {turns}: {}", report.summary_line());
        // Quiet: nothing left to reconcile or push (lookback re-reads still pull a few records).
        let reconciled = report.reconcile.as_ref().map(|r| r.people).unwrap_or(0);
        quiet_turns = if pushed == 0 && reconciled == 0 {
            quiet_turns + 1
        } else {
            0
        };
        if quiet_turns >= 1 || turns >= 6 {
            stopper.cancel();
        }
    };
    engine
        .run_daemon(&stop, &mut triggers, &mut tick, Duration::from_millis(200))
        .await;

    // 4. What each side sees now.
    println!("\n4/4 what each team sees now");
    let new_leads = salesforce
        .admin()
        .query(
            &format!(
                "SELECT Id, Original_Source__c, First_Touch_Campaign__c, MQL_Date__c, Engagement_Summary__c FROM Lead WHERE Email = '{}'",
                soql_quote(&mql.email)
            ),
            false,
        )
        .map_err(|e| anyhow!("{e}"))?;
    match new_leads.first() {
        Some(l) => println!(
            "    sales, in Salesforce: new Lead {} for {} — original source {}, first-touch campaign {}, MQL date {}",
            l["Id"].as_str().unwrap_or("?"),
            mql.email,
            l["Original_Source__c"].as_str().unwrap_or("-"),
            l["First_Touch_Campaign__c"].as_str().unwrap_or("-"),
            l["MQL_Date__c"].as_str().unwrap_or("-"),
        ),
        None => println!("    sales, in Salesforce: no Lead for {} yet", mql.email),
    }
    let converted_id = hubspot.admin().contact_by_email(&converted.email);
    let props = converted_id
        .and_then(|id| hubspot.admin().object(ObjectKind::Contact, id))
        .map(|o| o.properties)
        .unwrap_or_default();
    let prop = |name: &str| props.get(name).cloned().unwrap_or_else(|| "-".into());
    println!(
        "    marketing, in HubSpot: {} — lifecycle {}, lead status {}, deal stage {}",
        converted.email,
        prop("lifecyclestage"),
        prop("hs_lead_status"),
        prop("closedloop_deal_stage")
    );

    let options = closedloop_report::ReportOptions::from_config(&loaded.config, Utc::now());
    let report = closedloop_report::build(&engine.store, &options)
        .await
        .map_err(|e| anyhow!("build the report: {e}"))?;
    let report_path = dir.join("report.html");
    std::fs::write(&report_path, closedloop_report::render_html(&report))
        .with_context(|| format!("write {}", report_path.display()))?;
    let status = engine.store.status(5).await?;
    engine.store.close().await;
    hubspot.shutdown().await;
    salesforce.shutdown().await;

    println!(
        "\ndone in {:.0}s: {} people reconciled, {} records quarantined",
        started.elapsed().as_secs_f64(),
        status.persons,
        status.quarantine_open
    );
    println!("  database  {}", loaded.database_path().display());
    println!("  config    {}", config_path.display());
    println!("  report    {}   (open it in a browser)", report_path.display());
    println!("\nnext:");
    println!("  closedloop status --config {}", config_path.display());
    println!("  closedloop report --config {} --format table", config_path.display());
    println!(
        "  closedloop sim --generate contacts=2000,seed=42 --write-config sim.toml   # then: closedloop run --config sim.toml"
    );
    Ok(())
}
