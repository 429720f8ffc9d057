//! Realism properties of generated worlds, computed from the scenario itself.
//!
//! State: one world per spec, generated once (`OnceLock`) and shared by the tests. The checks are
//! independent of the generator's code: they read only the public scenario format, so a change
//! that breaks consistency (dates out of order, dangling references, a funnel that grows) fails
//! here whatever the generator thinks it did. Statistical bounds are wide enough for any seed of
//! this size and narrow enough to catch a broken model.

use chrono::{DateTime, Datelike, NaiveTime, Utc};
use closedloop_sim::generator::{GenerateSpec, generate};
use closedloop_sim::scenario::{PersonSpec, Scenario};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

const SPEC: &str = "contacts=6000,seed=7,hostile=0.02,duplicates=0.05";

fn world() -> &'static Scenario {
    static WORLD: OnceLock<Scenario> = OnceLock::new();
    WORLD.get_or_init(|| generate(&GenerateSpec::parse(SPEC).unwrap()))
}

fn hubspot_world() -> &'static Scenario {
    static WORLD: OnceLock<Scenario> = OnceLock::new();
    WORLD.get_or_init(|| generate(&GenerateSpec::parse("contacts=4000,seed=5,hubspot_crm=true,hostile=0.01").unwrap()))
}

fn end_of_history() -> DateTime<Utc> {
    GenerateSpec::parse(SPEC)
        .unwrap()
        .anchor
        .and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap())
        .and_utc()
}

fn clean(s: &Scenario) -> impl Iterator<Item = &PersonSpec> {
    s.people.iter().filter(|p| p.hostile.is_none())
}

fn has_stage(p: &PersonSpec, stage: &str) -> bool {
    p.hubspot
        .as_ref()
        .is_some_and(|h| h.lifecycle.iter().any(|s| s.stage == stage))
}

fn stage_at(p: &PersonSpec, stage: &str) -> Option<DateTime<Utc>> {
    p.hubspot
        .as_ref()
        .and_then(|h| h.lifecycle.iter().find(|s| s.stage == stage).map(|s| s.at))
}

fn is_converted(p: &PersonSpec) -> bool {
    p.salesforce
        .as_ref()
        .is_some_and(|sf| sf.leads.iter().any(|l| l.converted_at.is_some()))
}

fn won(p: &PersonSpec) -> bool {
    p.salesforce.as_ref().is_some_and(|sf| {
        sf.opportunities
            .iter()
            .any(|o| o.stages.last().is_some_and(|s| s.stage == "Closed Won"))
    })
}

#[test]
fn size_keys_and_references() {
    let s = world();
    assert_eq!(s.people.len(), 6000);
    let keys: HashSet<&str> = s.people.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys.len(), 6000, "person keys are unique");
    s.check_references().unwrap();
    hubspot_world().check_references().unwrap();
    // Keys of content and campaigns are unique too, and content points at its campaign.
    let content: HashSet<&str> = s.content.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(content.len(), s.content.len());
    let campaigns: HashSet<&str> = s.campaigns.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(campaigns.len(), s.campaigns.len());
    for c in &s.content {
        assert!(c.campaign.as_deref().is_none_or(|k| campaigns.contains(k)), "{}", c.key);
    }
    // Touches with content name a content asset whose kind fits the touch.
    let kinds: HashMap<&str, &str> = s.content.iter().map(|c| (c.key.as_str(), c.kind.as_str())).collect();
    for p in &s.people {
        for t in &p.touchpoints {
            match (t.kind.as_str(), t.content.as_deref().map(|c| kinds[c])) {
                ("webinar", Some(kind)) => assert_eq!(kind, "webinar"),
                ("webinar", None) => panic!("webinar touch without content: {}", p.key),
                ("form_submission", Some(kind)) => {
                    assert!(["whitepaper", "ebook", "case_study", "demo", "form"].contains(&kind))
                }
                ("form_submission", None) => panic!("form submission without a form: {}", p.key),
                _ => {}
            }
        }
    }
    // Salesforce campaign memberships and opportunity campaigns only name Salesforce campaigns.
    let in_sf: HashSet<&str> = s
        .campaigns
        .iter()
        .filter(|c| c.in_salesforce)
        .map(|c| c.key.as_str())
        .collect();
    for sf in s.people.iter().filter_map(|p| p.salesforce.as_ref()) {
        assert!(
            sf.campaign_memberships
                .iter()
                .all(|m| in_sf.contains(m.campaign.as_str()))
        );
        assert!(
            sf.opportunities
                .iter()
                .all(|o| o.campaign.as_deref().is_none_or(|c| in_sf.contains(c)))
        );
    }
}

#[test]
fn the_funnel_narrows() {
    let s = world();
    let people: Vec<&PersonSpec> = clean(s).collect();
    let leads = people.iter().filter(|p| has_stage(p, "lead")).count();
    let mqls = people.iter().filter(|p| has_stage(p, "marketingqualifiedlead")).count();
    let sqls = people
        .iter()
        .filter(|p| is_converted(p) || p.salesforce.as_ref().is_some_and(|sf| !sf.opportunities.is_empty()))
        .count();
    let opps = people
        .iter()
        .filter(|p| p.salesforce.as_ref().is_some_and(|sf| !sf.opportunities.is_empty()))
        .count();
    let customers = people.iter().filter(|p| won(p)).count();
    let n = people.len() as f64;
    assert!(
        leads > mqls && mqls > sqls && sqls >= opps && opps > customers && customers > 0,
        "{leads} {mqls} {sqls} {opps} {customers}"
    );
    // Every MQL was a lead first; every customer has an opportunity.
    assert!(
        people
            .iter()
            .filter(|p| has_stage(p, "marketingqualifiedlead"))
            .all(|p| has_stage(p, "lead"))
    );
    // Rates in the bands B2B teams report (wide, but a broken model falls outside).
    let lead_rate = leads as f64 / n;
    let mql_rate = mqls as f64 / leads as f64;
    let sql_rate = sqls as f64 / mqls as f64;
    let closed: Vec<bool> = people
        .iter()
        .filter_map(|p| p.salesforce.as_ref())
        .flat_map(|sf| &sf.opportunities)
        .filter_map(|o| match o.stages.last().map(|s| s.stage.as_str()) {
            Some("Closed Won") => Some(true),
            Some("Closed Lost") => Some(false),
            _ => None,
        })
        .collect();
    let win_rate = closed.iter().filter(|w| **w).count() as f64 / closed.len() as f64;
    assert!((0.5..0.85).contains(&lead_rate), "lead rate {lead_rate}");
    assert!((0.15..0.5).contains(&mql_rate), "mql rate {mql_rate}");
    assert!((0.2..0.6).contains(&sql_rate), "sql rate {sql_rate}");
    assert!((0.15..0.45).contains(&win_rate), "win rate {win_rate}");
    // About ten touches a person, most of them page views.
    let touches: usize = s.people.iter().map(|p| p.touchpoints.len()).sum();
    let mean = touches as f64 / s.people.len() as f64;
    assert!((8.0..12.0).contains(&mean), "mean touches {mean}");
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for t in s.people.iter().flat_map(|p| &p.touchpoints) {
        *by_kind.entry(t.kind.as_str()).or_default() += 1;
    }
    for kind in [
        "page_view",
        "form_submission",
        "webinar",
        "email_open",
        "email_click",
        "cta_click",
    ] {
        assert!(by_kind.get(kind).copied().unwrap_or(0) > 100, "{kind}: {by_kind:?}");
    }
    assert!(by_kind["page_view"] > by_kind["form_submission"] && by_kind["email_open"] > by_kind["email_click"]);
}

#[test]
fn dates_are_ordered_and_inside_the_history() {
    let s = world();
    let end = end_of_history();
    let order = [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
    ];
    for w in [s, hubspot_world()] {
        for p in clean(w) {
            if let Some(h) = &p.hubspot {
                assert!(
                    h.lifecycle.windows(2).all(|x| x[0].at <= x[1].at),
                    "{}: lifecycle dates out of order",
                    p.key
                );
                let ranks: Vec<usize> = h
                    .lifecycle
                    .iter()
                    .filter_map(|s| order.iter().position(|o| *o == s.stage))
                    .collect();
                assert!(
                    ranks.windows(2).all(|x| x[0] < x[1]),
                    "{}: lifecycle stages out of funnel order",
                    p.key
                );
                assert!(
                    h.lifecycle.first().is_none_or(|s| s.at >= h.created_at),
                    "{}: a stage before creation",
                    p.key
                );
                assert!(h.created_at <= end && h.archived_at.is_none_or(|a| a > h.created_at && a <= end));
                assert!(h.merged_at.is_none_or(|m| m >= h.created_at && m <= end));
            }
            assert!(
                p.touchpoints.windows(2).all(|x| x[0].at <= x[1].at),
                "{}: touches unsorted",
                p.key
            );
            assert!(
                p.touchpoints.iter().all(|t| t.at <= end),
                "{}: a touch after the anchor",
                p.key
            );
            for d in &p.hubspot_deals {
                assert!(d.stages.windows(2).all(|x| x[0].at <= x[1].at) && d.stages[0].at == d.created_at);
                let last = d.stages.last().map(|s| (s.stage.as_str(), s.at));
                if let Some(("closedwon" | "closedlost", at)) = last {
                    assert_eq!(
                        d.close_date,
                        Some(at),
                        "{}: a closed deal's closedate is when it closed",
                        p.key
                    );
                }
            }
            let Some(sf) = &p.salesforce else { continue };
            for l in &sf.leads {
                assert!(
                    l.statuses.first().is_some_and(|s| s.at == l.created_at),
                    "{}: first status at creation",
                    p.key
                );
                assert!(
                    l.statuses.windows(2).all(|x| x[0].at <= x[1].at),
                    "{}: lead statuses out of order",
                    p.key
                );
                assert!(l.statuses.iter().all(|s| s.at <= end));
                if let Some(c) = l.converted_at {
                    assert_eq!(
                        l.statuses.last().map(|s| (s.stage.as_str(), s.at)),
                        Some(("Closed - Converted", c))
                    );
                }
                assert!(l.deleted_at.is_none_or(|d| d >= l.created_at && d <= end));
                if l.unqualified_reason.is_some() {
                    assert_eq!(
                        l.statuses.last().map(|s| s.stage.as_str()),
                        Some("Closed - Not Converted"),
                        "{}",
                        p.key
                    );
                }
            }
            assert!(sf.activities.windows(2).all(|x| x[0].at <= x[1].at) && sf.activities.iter().all(|a| a.at <= end));
            if let Some(first_lead) = sf.leads.iter().map(|l| l.created_at).min() {
                let first_contact = sf.contact.as_ref().map(|c| c.created_at);
                let crm_since = first_contact.map_or(first_lead, |c| c.min(first_lead));
                assert!(
                    sf.activities.iter().all(|a| a.at >= crm_since),
                    "{}: activity before the CRM knew them",
                    p.key
                );
            }
            for o in &sf.opportunities {
                assert_eq!(o.stages[0].at, o.created_at);
                assert!(
                    o.stages.windows(2).all(|x| x[0].at < x[1].at),
                    "{}: opportunity stages out of order",
                    p.key
                );
                assert!(o.stages.iter().all(|s| s.at <= end));
                if !o.amount_history.is_empty() {
                    assert_eq!(o.amount_history[0].at, o.created_at);
                    assert!(o.amount_history.windows(2).all(|x| x[0].at <= x[1].at));
                    assert_eq!(o.amount_history.last().map(|a| &a.amount), o.amount.as_ref());
                }
                let closed = o.stages.last().is_some_and(|s| s.stage.starts_with("Closed"));
                if closed {
                    assert_eq!(
                        o.close_date,
                        o.stages.last().map(|s| s.at.date_naive()).unwrap_or_default()
                    );
                }
                assert_eq!(
                    o.close_reason.is_some(),
                    o.stages.last().is_some_and(|s| s.stage == "Closed Lost"),
                    "{}",
                    p.key
                );
                assert!(
                    o.amount
                        .as_deref()
                        .is_some_and(|a| a.parse::<f64>().is_ok_and(|v| v >= 1_000.0)),
                    "{}",
                    p.key
                );
            }
            // A converted lead's opportunity starts when it converts.
            let converted = sf.leads.iter().filter_map(|l| l.converted_at).min();
            if let (Some(c), Some(first)) = (converted, sf.opportunities.first()) {
                assert_eq!(
                    first.created_at, c,
                    "{}: the first opportunity comes from the conversion",
                    p.key
                );
            }
        }
    }
}

#[test]
fn mqls_follow_engagement_and_the_crm_follows_mqls() {
    let s = world();
    let events: HashSet<&str> = s
        .campaigns
        .iter()
        .filter(|c| matches!(c.kind.as_deref(), Some("Trade Show") | Some("Event")))
        .map(|c| c.key.as_str())
        .collect();
    let mut checked = 0;
    for p in clean(s) {
        let Some(mql) = stage_at(p, "marketingqualifiedlead") else {
            continue;
        };
        checked += 1;
        let before = p.touchpoints.iter().filter(|t| t.at <= mql).count();
        let met_at_event = p.salesforce.as_ref().is_some_and(|sf| {
            sf.campaign_memberships
                .iter()
                .any(|m| events.contains(m.campaign.as_str()))
        });
        assert!(
            before >= 2 || met_at_event,
            "{}: MQL with {before} touches before it",
            p.key
        );
        // Every MQL reaches the CRM (a lead), created at or after the MQL, or imported earlier from an event.
        let sf = p
            .salesforce
            .as_ref()
            .unwrap_or_else(|| panic!("{}: MQL without a CRM lead", p.key));
        let lead = sf
            .leads
            .first()
            .unwrap_or_else(|| panic!("{}: MQL without a CRM lead", p.key));
        assert!(lead.created_at >= mql || met_at_event, "{}: lead before the MQL", p.key);
    }
    assert!(checked > 500, "only {checked} MQLs");
}

#[test]
fn some_mqls_are_never_followed_up_and_speed_differs_by_rep() {
    let s = world();
    let mut mql_leads = 0;
    let mut never = 0;
    let mut delays: HashMap<&str, Vec<i64>> = HashMap::new();
    for p in clean(s) {
        if !has_stage(p, "marketingqualifiedlead") {
            continue;
        }
        let Some(sf) = &p.salesforce else { continue };
        let Some(lead) = sf.leads.first() else { continue };
        mql_leads += 1;
        match sf.activities.first() {
            None => never += 1,
            Some(a) => {
                let owner = lead.owner.as_deref().unwrap_or("?");
                delays
                    .entry(owner)
                    .or_default()
                    .push((a.at - lead.created_at).num_minutes());
            }
        }
    }
    // Sales works on weekdays only.
    let weekend = s
        .people
        .iter()
        .filter_map(|p| p.salesforce.as_ref())
        .flat_map(|sf| &sf.activities)
        .filter(|a| matches!(a.at.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun))
        .count();
    assert_eq!(weekend, 0, "sales activities on weekends");
    let share = never as f64 / mql_leads as f64;
    assert!(
        (0.04..0.3).contains(&share),
        "never followed up: {never} of {mql_leads}"
    );
    let median = |v: &mut Vec<i64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    // rep-1 answers in minutes, rep-2 in about a day (working hours).
    let fast = median(delays.get_mut("rep-1").unwrap());
    let slow = median(delays.get_mut("rep-2").unwrap());
    assert!(
        fast * 4 < slow,
        "fast rep median {fast} min, slow rep median {slow} min"
    );
}

#[test]
fn salesforce_timestamps_tie() {
    let s = world();
    let mut created: HashMap<DateTime<Utc>, usize> = HashMap::new();
    let mut last_change: HashMap<DateTime<Utc>, usize> = HashMap::new();
    for l in s
        .people
        .iter()
        .filter_map(|p| p.salesforce.as_ref())
        .flat_map(|sf| &sf.leads)
    {
        *created.entry(l.created_at).or_default() += 1;
        if let Some(st) = l.statuses.last().filter(|_| l.statuses.len() > 1) {
            *last_change.entry(st.at).or_default() += 1;
        }
    }
    let biggest_import = created.values().max().copied().unwrap_or(0);
    let biggest_cleanup = last_change.values().max().copied().unwrap_or(0);
    assert!(
        biggest_import >= 10,
        "an event import puts many leads at one second, got {biggest_import}"
    );
    assert!(
        biggest_cleanup >= 5,
        "a clean-up closes many leads at one second, got {biggest_cleanup}"
    );
    // Background jobs bump many SystemModstamps to one instant, inside the history.
    let touches = &s.salesforce.system_touches;
    assert!(
        touches.iter().any(|t| t.object == "Lead" && t.limit >= 20),
        "{touches:?}"
    );
    assert!(touches.iter().all(|t| t.at <= end_of_history()));
    assert!(
        hubspot_world().salesforce.system_touches.is_empty(),
        "no Salesforce jobs when HubSpot is the CRM"
    );
}

#[test]
fn duplicates_of_every_kind_exist() {
    let s = world();
    let two_leads = s
        .people
        .iter()
        .filter(|p| p.salesforce.as_ref().is_some_and(|sf| sf.leads.len() > 1))
        .count();
    let lead_and_contact = s
        .people
        .iter()
        .filter(|p| {
            p.salesforce
                .as_ref()
                .is_some_and(|sf| !sf.leads.is_empty() && sf.contact.is_some())
        })
        .count();
    let merged = s
        .people
        .iter()
        .filter(|p| p.hubspot.as_ref().is_some_and(|h| h.merged_into.is_some()))
        .count();
    let mut by_email: HashMap<String, Vec<&PersonSpec>> = HashMap::new();
    for p in &s.people {
        by_email.entry(p.email.trim().to_lowercase()).or_default().push(p);
    }
    let shared = by_email.values().filter(|v| v.len() > 1).count();
    assert!(
        two_leads >= 10 && lead_and_contact >= 10 && merged >= 10 && shared >= 10,
        "{two_leads} {lead_and_contact} {merged} {shared}"
    );
    // People sharing an email differ only in letter case or spaces, and only one is in HubSpot.
    for group in by_email.values().filter(|v| v.len() > 1) {
        assert!(
            group.iter().filter(|p| p.hubspot.is_some()).count() <= 1,
            "{:?}",
            group.iter().map(|p| &p.key).collect::<Vec<_>>()
        );
    }
    // Merged contacts point at a live HubSpot contact with the same name.
    let by_key: HashMap<&str, &PersonSpec> = s.people.iter().map(|p| (p.key.as_str(), p)).collect();
    for p in s
        .people
        .iter()
        .filter(|p| p.hubspot.as_ref().is_some_and(|h| h.merged_into.is_some()))
    {
        let target = by_key[p.hubspot.as_ref().and_then(|h| h.merged_into.as_deref()).unwrap()];
        let h = target.hubspot.as_ref().expect("a merge target is a HubSpot contact");
        assert!(h.merged_into.is_none() && h.archived_at.is_none(), "{}", target.key);
        if p.hostile.is_none() && target.hostile.is_none() {
            assert_eq!(p.last_name, target.last_name);
        }
    }
    // Otherwise HubSpot emails are unique, ignoring case.
    let hubspot_emails: Vec<String> = s
        .people
        .iter()
        .filter(|p| p.hubspot.is_some())
        .map(|p| p.email.to_lowercase())
        .collect();
    let distinct: HashSet<&String> = hubspot_emails.iter().collect();
    assert_eq!(distinct.len(), hubspot_emails.len());
}

#[test]
fn hostile_records_at_the_requested_rate_and_really_malformed() {
    let s = world();
    let hostile: Vec<&PersonSpec> = s.people.iter().filter(|p| p.hostile.is_some()).collect();
    let share = hostile.len() as f64 / s.people.len() as f64;
    // 2% of 6000 is 120 with a standard deviation of about 11.
    assert!((0.013..0.027).contains(&share), "hostile share {share}");
    let known_stages = [
        "subscriber",
        "lead",
        "marketingqualifiedlead",
        "salesqualifiedlead",
        "opportunity",
        "customer",
        "evangelist",
        "other",
    ];
    let end = end_of_history();
    let mut categories = HashSet::new();
    for p in &hostile {
        let note = p.hostile.as_deref().unwrap_or_default();
        let category = note.split(':').next().unwrap_or_default();
        categories.insert(category);
        match category {
            "invalid_email" => {
                let e = p.email.as_str();
                let valid = e.split_once('@').is_some_and(|(l, d)| {
                    !l.is_empty()
                        && !l.ends_with('.')
                        && d.contains('.')
                        && !d.ends_with('.')
                        && !d.starts_with('-')
                        && !d.contains('@')
                        && !e.contains(' ')
                        && !e.contains(',')
                });
                assert!(!valid, "{}: {e:?} looks valid", p.key);
            }
            "unknown_lifecycle_stage" => {
                let last = p
                    .hubspot
                    .as_ref()
                    .and_then(|h| h.lifecycle.last())
                    .map(|s| s.stage.as_str())
                    .unwrap_or_default();
                assert!(!known_stages.contains(&last), "{}: {last}", p.key);
            }
            "bad_amount" => {
                let amounts: Vec<&str> = p
                    .salesforce
                    .iter()
                    .flat_map(|sf| sf.opportunities.iter().filter_map(|o| o.amount.as_deref()))
                    .chain(p.hubspot_deals.iter().filter_map(|d| d.amount.as_deref()))
                    .collect();
                assert!(
                    amounts
                        .iter()
                        .any(|a| a.parse::<f64>().map_or(true, |v| !v.is_finite())),
                    "{}: {amounts:?}",
                    p.key
                );
            }
            "future_date" => {
                let latest = p
                    .touchpoints
                    .iter()
                    .map(|t| t.at)
                    .chain(p.hubspot.iter().map(|h| h.created_at))
                    .chain(p.salesforce.iter().flat_map(|sf| sf.leads.iter().map(|l| l.created_at)))
                    .chain(
                        p.salesforce
                            .iter()
                            .flat_map(|sf| sf.contact.iter().map(|c| c.created_at)),
                    )
                    .max();
                assert!(
                    latest.is_some_and(|t| t > end + chrono::Duration::days(365)),
                    "{}",
                    p.key
                );
            }
            "empty_strings" => assert_eq!(p.first_name.as_deref(), Some("")),
            "huge_string" => assert!(
                p.last_name.as_ref().is_some_and(|n| n.len() >= 99_000)
                    || p.company.as_ref().is_some_and(|n| n.len() >= 99_000)
            ),
            _ => {}
        }
    }
    assert!(categories.len() >= 7, "few hostile categories: {categories:?}");
    // A clean world has none.
    let clean_world = generate(&GenerateSpec::parse("contacts=800,seed=7,hostile=0").unwrap());
    assert!(clean_world.people.iter().all(|p| p.hostile.is_none()));
}

#[test]
fn campaigns_perform_differently() {
    let s = world();
    let key = |name: &str| {
        s.campaigns
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.key.clone())
            .unwrap()
    };
    let generic = key("Google Ads – Generic keywords");
    let abm = key("LinkedIn Ads – ABM Enterprise");
    // (people acquired, opportunities closed, won)
    let mut stats: HashMap<String, (usize, usize, usize)> = HashMap::new();
    for p in clean(s) {
        let Some(c) = p.touchpoints.first().and_then(|t| t.campaign.clone()) else {
            continue;
        };
        let e = stats.entry(c).or_default();
        e.0 += 1;
        for o in p.salesforce.iter().flat_map(|sf| &sf.opportunities) {
            match o.stages.last().map(|st| st.stage.as_str()) {
                Some("Closed Won") => {
                    e.1 += 1;
                    e.2 += 1;
                }
                Some("Closed Lost") => e.1 += 1,
                _ => {}
            }
        }
    }
    let (g_people, g_closed, g_won) = stats[&generic];
    let (a_people, a_closed, a_won) = stats[&abm];
    assert!(
        g_people > 2 * a_people,
        "generic search brings many more people: {g_people} vs {a_people}"
    );
    let g_rate = g_won as f64 / g_closed.max(1) as f64;
    let a_rate = a_won as f64 / a_closed.max(1) as f64;
    assert!(a_rate > 2.0 * g_rate, "ABM wins far more often: {a_rate} vs {g_rate}");
}

#[test]
fn webinar_watch_depth_spreads_from_a_little_to_everything() {
    let s = world();
    let duration: HashMap<&str, u32> = s
        .content
        .iter()
        .filter_map(|c| Some((c.key.as_str(), c.duration_minutes?)))
        .collect();
    let mut shares = Vec::new();
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    for p in clean(s) {
        for t in p.touchpoints.iter().filter(|t| t.kind == "webinar") {
            let a = t.attendance.as_ref().expect("a webinar touch has attendance");
            *states.entry(a.state.as_str()).or_default() += 1;
            assert!(
                a.registered_at.is_some_and(|r| r <= t.at),
                "{}: registered after the final state",
                p.key
            );
            if a.state == "ATTENDED" {
                let secs = a.duration_seconds.expect("attended with a duration");
                let minutes = duration[t.content.as_deref().unwrap()];
                let pct: f64 = a.percentage.as_deref().unwrap().parse().unwrap();
                let expected = f64::from(secs) * 100.0 / f64::from(minutes * 60);
                assert!(
                    (pct - expected).abs() < 0.06 && pct <= 100.0,
                    "{}: {pct} vs {expected}",
                    p.key
                );
                shares.push(pct);
            } else {
                assert!(a.duration_seconds.is_none() && a.percentage.is_none());
            }
        }
    }
    let little = shares.iter().filter(|s| **s < 25.0).count() as f64 / shares.len() as f64;
    let all = shares.iter().filter(|s| **s >= 90.0).count() as f64 / shares.len() as f64;
    assert!(
        little > 0.15 && all > 0.15,
        "watch depth: {little} watched little, {all} nearly all"
    );
    assert!(
        states.get("NO_SHOW").copied().unwrap_or(0) > 50 && states.contains_key("CANCELLED"),
        "{states:?}"
    );
    // The webinar announced after the anchor only has registrations.
    let upcoming: Vec<&str> = s
        .content
        .iter()
        .filter(|c| c.starts_at.is_some_and(|t| t > end_of_history()))
        .map(|c| c.key.as_str())
        .collect();
    assert_eq!(upcoming.len(), 1);
    for t in s
        .people
        .iter()
        .flat_map(|p| &p.touchpoints)
        .filter(|t| t.content.as_deref() == Some(upcoming[0]))
    {
        assert_eq!(t.attendance.as_ref().map(|a| a.state.as_str()), Some("REGISTERED"));
    }
}

#[test]
fn channels_and_sources_cover_hubspots_buckets() {
    let s = world();
    let sources: HashSet<&str> = clean(s).filter_map(|p| p.hubspot.as_ref()?.source.as_deref()).collect();
    for expected in [
        "ORGANIC_SEARCH",
        "PAID_SEARCH",
        "EMAIL_MARKETING",
        "SOCIAL_MEDIA",
        "PAID_SOCIAL",
        "REFERRALS",
        "DIRECT_TRAFFIC",
        "OFFLINE",
        "OTHER_CAMPAIGNS",
    ] {
        assert!(sources.contains(expected), "no {expected} in {sources:?}");
    }
    let reasons: HashSet<&str> = s
        .people
        .iter()
        .filter_map(|p| p.salesforce.as_ref())
        .flat_map(|sf| sf.leads.iter().filter_map(|l| l.unqualified_reason.as_deref()))
        .collect();
    for expected in [
        "No budget",
        "Wrong persona",
        "Student",
        "Competitor",
        "Bad data",
        "Not in territory",
        "No response",
        "Duplicate",
    ] {
        assert!(reasons.contains(expected), "no {expected} in {reasons:?}");
    }
    let deleted = s
        .people
        .iter()
        .filter_map(|p| p.salesforce.as_ref())
        .flat_map(|sf| &sf.leads)
        .filter(|l| l.deleted_at.is_some())
        .count();
    let archived = s
        .people
        .iter()
        .filter(|p| p.hubspot.as_ref().is_some_and(|h| h.archived_at.is_some()))
        .count();
    let direct = s
        .people
        .iter()
        .filter(|p| {
            p.salesforce
                .as_ref()
                .is_some_and(|sf| sf.contact.is_some() && sf.leads.is_empty())
        })
        .count();
    assert!(
        deleted > 0 && archived > 0 && direct > 50,
        "deleted {deleted}, archived {archived}, direct contacts {direct}"
    );
}

#[test]
fn hubspot_as_the_crm() {
    let s = hubspot_world();
    assert!(
        s.people.iter().all(|p| p.salesforce.is_none()),
        "no Salesforce records when HubSpot is the CRM"
    );
    assert!(
        s.hubspot
            .contact_properties
            .iter()
            .any(|p| p.name == "disqualification_reason")
    );
    let stages = [
        "appointmentscheduled",
        "qualifiedtobuy",
        "presentationscheduled",
        "decisionmakerboughtin",
        "contractsent",
        "closedwon",
        "closedlost",
    ];
    let statuses = [
        "NEW",
        "OPEN",
        "IN_PROGRESS",
        "OPEN_DEAL",
        "UNQUALIFIED",
        "ATTEMPTED_TO_CONTACT",
        "CONNECTED",
        "BAD_TIMING",
    ];
    let mut deals = 0;
    let mut customers = 0;
    for p in clean(s) {
        let h = p.hubspot.as_ref().expect("everyone is a HubSpot contact");
        if let Some(st) = &h.lead_status {
            assert!(statuses.contains(&st.as_str()), "{st}");
            assert!(h.owner.is_some(), "{}: a worked lead has an owner", p.key);
        }
        for d in &p.hubspot_deals {
            deals += 1;
            assert!(d.stages.iter().all(|s| stages.contains(&s.stage.as_str())));
            assert_eq!(d.pipeline.as_deref(), Some("default"));
        }
        customers += usize::from(has_stage(p, "customer"));
        if has_stage(p, "customer") {
            assert!(
                p.hubspot_deals
                    .iter()
                    .any(|d| d.stages.last().is_some_and(|s| s.stage == "closedwon"))
            );
        }
    }
    assert!(deals > 100 && customers > 20, "{deals} deals, {customers} customers");
}

#[test]
fn anchor_and_months_bound_the_history() {
    let spec = GenerateSpec::parse("contacts=500,seed=9,anchor=2024-06-30,months=6,hostile=0").unwrap();
    let s = generate(&spec);
    let start = "2023-12-30T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
    let end = "2024-06-30T23:59:59Z".parse::<DateTime<Utc>>().unwrap();
    for p in &s.people {
        let mut times: Vec<DateTime<Utc>> = p.touchpoints.iter().map(|t| t.at).collect();
        times.extend(p.hubspot.iter().map(|h| h.created_at));
        times.extend(
            p.salesforce
                .iter()
                .flat_map(|sf| sf.leads.iter().flat_map(|l| l.statuses.iter().map(|s| s.at))),
        );
        times.extend(p.salesforce.iter().flat_map(|sf| sf.activities.iter().map(|a| a.at)));
        for t in times {
            // Touches can precede the history by up to a day (a visit before an event list import).
            assert!(t >= start - chrono::Duration::days(1) && t <= end, "{}: {t}", p.key);
        }
    }
}
