//! Every figure of the report against the hand-built world of `support`: the expected values are
//! worked out by hand below, from the facts in `support::world`, with the arithmetic in comments.

mod support;

use closedloop_report::model::{FunnelRow, Report};
use closedloop_report::{Period, ReportError, ReportOptions, build};
use support::*;

fn options() -> ReportOptions {
    let mut o = ReportOptions::defaults(now());
    o.mql_target_per_month = Some(2);
    o
}

fn row<'a>(rows: &'a [FunnelRow], name: &str) -> &'a FunnelRow {
    rows.iter().find(|r| r.group.name == name).unwrap_or_else(|| {
        panic!(
            "no row {name}: {:?}",
            rows.iter().map(|r| &r.group.name).collect::<Vec<_>>()
        )
    })
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-6)
}

async fn report(options: &ReportOptions) -> (Report, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = reconciled_store(dir.path()).await;
    let r = build(&store, options).await.unwrap();
    (r, dir)
}

#[tokio::test]
async fn funnel_by_first_touch_with_rates_and_stage_days() {
    let (r, _dir) = report(&options()).await;
    let f = &r.funnel;
    // Reached: all five people. Leads: P1, P2, P3, P5 (P4 stayed a subscriber). MQLs: the same
    // four. SQL: only P1 (implied by the opportunity). Opportunity and won: P1.
    let t = &f.total;
    assert_eq!(
        (t.reached, t.leads, t.mqls, t.sqls, t.opportunities, t.won, t.lost),
        (5, 4, 4, 1, 1, 1, 0)
    );
    // 4/5 reached→lead, 4/4 lead→MQL, 1/4 MQL→SQL, 1/1, 1/1, 1/5 overall.
    assert!(close(t.conversion.reached_to_lead, 0.8));
    assert!(close(t.conversion.lead_to_mql, 1.0));
    assert!(close(t.conversion.mql_to_sql, 0.25));
    assert!(close(t.conversion.sql_to_opportunity, 1.0));
    assert!(close(t.conversion.opportunity_to_won, 1.0));
    assert!(close(t.conversion.reached_to_won, 0.2));
    // Every lead became an MQL exactly one day later; everyone was reached the moment they became
    // a lead (0 days). P1's SQL is implied, so MQL→SQL and SQL→opp have no timing; opp (day 20) to
    // won (day 30) is 10 days.
    assert!(close(t.median_days.lead_to_mql, 1.0));
    assert!(close(t.median_days.reached_to_lead, 0.0));
    assert_eq!(t.median_days.mql_to_sql, None);
    assert_eq!(t.median_days.sql_to_opportunity, None);
    assert!(close(t.median_days.opportunity_to_won, 10.0));

    // First touches: P1 t1 (A), P3 t4 (A), P2 t3 (B), P4 t5 (B), P5 none.
    let a = row(&f.by_campaign, "Webinar DE");
    assert_eq!(
        (a.reached, a.leads, a.mqls, a.sqls, a.opportunities, a.won),
        (2, 2, 2, 1, 1, 1)
    );
    assert!(close(a.conversion.mql_to_sql, 0.5));
    let b = row(&f.by_campaign, "Paid search X");
    assert_eq!((b.reached, b.leads, b.mqls, b.sqls, b.won), (2, 1, 1, 0, 0));
    assert!(close(b.conversion.reached_to_lead, 0.5));
    assert_eq!(b.conversion.sql_to_opportunity, None, "no SQLs: no rate, not 0%");
    let none = row(&f.by_campaign, "(no campaign)");
    assert_eq!((none.reached, none.leads, none.mqls), (1, 1, 1));
    assert_eq!(
        f.by_campaign.iter().map(|r| r.reached).sum::<i64>(),
        t.reached,
        "rows add up"
    );

    // Channels: t1, t4 email; t3, t5 paid search; P5 has no touch: their original source.
    let email = row(&f.by_channel, "email");
    assert_eq!((email.reached, email.won), (2, 1));
    assert_eq!(row(&f.by_channel, "paid_search").reached, 2);
    assert_eq!(row(&f.by_channel, "organic_search").reached, 1);
    // Content: P1 and P3 came through the webinar, P2 through the paper, P4 and P5 through none.
    assert_eq!(row(&f.by_content, "Closing the loop (webinar)").reached, 2);
    assert_eq!(row(&f.by_content, "Attribution whitepaper").reached, 1);
    assert_eq!(row(&f.by_content, "(no content)").reached, 2);

    // A period is a cohort by first reach: March holds P1, P2, P3; P4 and P5 came in April.
    let mut march = options();
    march.period = Period {
        since: chrono::NaiveDate::from_ymd_opt(2026, 3, 1),
        until: chrono::NaiveDate::from_ymd_opt(2026, 3, 31),
    };
    let (m, _dir) = report(&march).await;
    assert_eq!(
        (m.funnel.total.reached, m.funnel.total.leads, m.funnel.total.won),
        (3, 3, 1)
    );
}

#[tokio::test]
async fn attribution_under_the_chosen_model_and_all_models_side_by_side() {
    let (r, _dir) = report(&options()).await;
    assert_eq!(r.model, "w_shaped", "the configured default");
    assert_eq!(r.currency.as_deref(), Some("USD"));
    let a = &r.attribution;
    let camp = |name: &str| a.by_campaign.iter().find(|x| x.group.name == name).unwrap();
    // The deal (USD 12,000) has two touches before its creation (day 20) and its win (day 30):
    // t1 (A, day 0) is first touch and lead-creation touch (the lead date is day 0); t2 (B, day 10)
    // is the opportunity-creation and closing touch. W-shaped: t1 30% + 30%, t2 30%, no middle:
    // 60/90 and 30/90 = 8,000.00 and 4,000.00, for pipeline and revenue alike.
    let usd = |x: &closedloop_report::model::AttributionRow, revenue: bool| {
        let list = if revenue { &x.revenue } else { &x.pipeline };
        list.iter().find(|m| m.currency == "USD").map(|m| m.minor)
    };
    assert_eq!(usd(camp("Webinar DE"), true), Some(800_000));
    assert_eq!(usd(camp("Paid search X"), true), Some(400_000));
    assert_eq!(usd(camp("Webinar DE"), false), Some(800_000));
    assert_eq!(usd(&a.total, true), Some(1_200_000));
    // Deals credited: 2/3 and 1/3 of one deal (ppm 666,667 and 333,333).
    assert!((camp("Webinar DE").deals_won - 0.666_667).abs() < 1e-9);
    assert!((camp("Paid search X").deals_created - 0.333_333).abs() < 1e-9);
    // MQLs: P1's (day 1) and P3's (day 5) only touch before them is in A: 1 each; P2's (t3) is B's;
    // P5 has no touch: an unattributed row of 1. Each model's credits add up to the 4 MQLs.
    assert!((camp("Webinar DE").credited.mqls - 2.0).abs() < 1e-9);
    assert!((camp("Paid search X").credited.mqls - 1.0).abs() < 1e-9);
    let unattributed = a.by_campaign.iter().find(|x| x.unattributed).expect("unattributed row");
    assert!((unattributed.credited.mqls - 1.0).abs() < 1e-9);
    assert!((a.total.credited.mqls - 4.0).abs() < 1e-9);
    // P1's opportunity (day 20): t1 2/3, t2 1/3.
    assert!((camp("Webinar DE").credited.opportunities - 0.666_667).abs() < 1e-9);

    // The comparison: A ranks first (8,000 under w-shaped), then B.
    let cmp = &a.comparison;
    assert_eq!(cmp.models.len(), 8, "every built-in model: {:?}", cmp.models);
    let names: Vec<&str> = cmp.rows.iter().map(|x| x.group.name.as_str()).collect();
    assert_eq!(names, ["Webinar DE", "Paid search X"]);
    let (ra, rb) = (&cmp.rows[0].revenue_minor, &cmp.rows[1].revenue_minor);
    // first touch and lead creation: all to t1 (A). Last touch: all to t2 (B). Linear and full
    // path (t1: 22.5 + 22.5, t2: 22.5 + 22.5): half each. U-shaped: t1 holds both positions and t2
    // comes after the last weighted one: all to A.
    for (model, a_minor) in [
        ("first_touch", 1_200_000),
        ("lead_creation", 1_200_000),
        ("last_touch", 0),
        ("linear", 600_000),
        ("full_path", 600_000),
        ("u_shaped", 1_200_000),
        ("w_shaped", 800_000),
    ] {
        assert_eq!(ra[model], a_minor, "{model} for A");
        assert_eq!(rb[model], 1_200_000 - a_minor, "{model} for B");
    }
    // Time decay (half-life 7 days): t1 is 30 days before the win, t2 20: t1 weighs 2^(-10/7) of
    // t2. A's share: w / (1 + w), rounded to the cent.
    let w = 2f64.powf(-10.0 / 7.0);
    let expected = (1_200_000.0 * w / (1.0 + w)).round() as i64;
    assert!(
        (ra["time_decay"] - expected).abs() <= 1,
        "{} vs {expected}",
        ra["time_decay"]
    );
    assert_eq!(ra["time_decay"] + rb["time_decay"], 1_200_000);

    // Another model changes the main figures: first touch gives A everything.
    let mut first = options();
    first.model = "first_touch".into();
    let (f, _dir) = report(&first).await;
    let fa = f
        .attribution
        .by_campaign
        .iter()
        .find(|x| x.group.name == "Webinar DE")
        .unwrap();
    assert_eq!(fa.revenue[0].minor, 1_200_000);
}

#[tokio::test]
async fn lead_quality_per_campaign() {
    let (r, _dir) = report(&options()).await;
    let q = &r.lead_quality;
    let camp = |name: &str| q.by_campaign.iter().find(|x| x.group.name == name).unwrap();
    // A: P1 (called, won) and P3 (never called, recycled). 1 of 2 contacted, 1 SQL (P1).
    let a = camp("Webinar DE");
    assert_eq!(
        (a.leads, a.contacted, a.disqualified, a.recycled, a.sqls, a.won),
        (2, 1, 0, 1, 1, 1)
    );
    assert!(close(a.contacted_rate, 0.5));
    assert!(close(a.sql_rate, 0.5));
    // B: P2 only (P4 is no lead): called, disqualified for "no budget".
    let b = camp("Paid search X");
    assert_eq!((b.leads, b.contacted, b.disqualified, b.sqls), (1, 1, 1, 0));
    assert!(close(b.disqualified_rate, 1.0));
    assert!(close(b.sql_rate, 0.0));
    assert_eq!(b.top_reasons.len(), 1);
    assert_eq!(
        (b.top_reasons[0].reason.as_str(), b.top_reasons[0].count),
        ("no budget", 1)
    );
    // All 4 leads: P1, P2, P5 contacted; 1 disqualified; 1 SQL.
    let t = &q.total;
    assert_eq!(
        (t.leads, t.contacted, t.disqualified, t.recycled, t.sqls),
        (4, 3, 1, 1, 1)
    );
    assert!(close(t.contacted_rate, 0.75));
    assert!(close(t.sql_rate, 0.25));
}

#[tokio::test]
async fn content_engagement_depth_influence_and_credit() {
    let (r, _dir) = report(&options()).await;
    let asset = |key: &str| {
        r.content
            .assets
            .iter()
            .find(|x| x.group.id.as_deref() == Some(key))
            .unwrap()
    };
    // Webinar: P1 attended (30 of 60 minutes), P3 registered. Both became MQLs after their first
    // engagement (days 0 → 1 and 4 → 5); P1's deal was created (day 20) after day 0.
    let w = asset(WEBINAR);
    assert_eq!(w.kind.as_deref(), Some("webinar"));
    assert_eq!((w.people, w.touches, w.downloads, w.attendees), (2, 2, 0, 1));
    assert!(close(w.median_minutes_watched, 30.0));
    assert!(close(w.median_percent_watched, 50.0));
    assert_eq!(
        (w.mqls_influenced, w.deals_influenced, w.deals_won_influenced),
        (2, 1, 1)
    );
    // W-shaped credit to t1 (the webinar): 8,000.00 of the revenue.
    assert_eq!(w.revenue.iter().map(|a| a.minor).collect::<Vec<_>>(), [800_000]);
    // Paper: P2 downloaded on day 2 (MQL day 3: influenced), P1 on day 10 (MQL day 1: not, but the
    // deal of day 20 came after).
    let p = asset(PAPER);
    assert_eq!((p.people, p.downloads, p.attendees), (2, 2, 0));
    assert_eq!(p.median_minutes_watched, None);
    assert_eq!((p.mqls_influenced, p.deals_influenced), (1, 1));
    assert_eq!(p.revenue.iter().map(|a| a.minor).collect::<Vec<_>>(), [400_000]);
}

#[tokio::test]
async fn sla_months_owners_breaches_and_stalled_leads() {
    let (r, _dir) = report(&options()).await;
    let s = &r.sla;
    // MQLs: P1 (Mar 2), P2 (Mar 4), P3 (Mar 6), P5 (Apr 16); none implied. Target 2 a month.
    let months: Vec<(&str, i64, i64, Option<f64>)> = s
        .by_month
        .iter()
        .map(|m| (m.month.as_str(), m.mqls, m.handoffs, m.attainment))
        .collect();
    assert_eq!(months.len(), 2);
    assert_eq!((months[0].0, months[0].1, months[0].2), ("2026-03", 3, 3));
    assert!(close(months[0].3, 1.5));
    assert_eq!((months[1].0, months[1].2), ("2026-04", 1));
    assert!(close(months[1].3, 0.5));
    // 4 hand-offs against 2 × 2 months.
    assert!(close(r.summary.mql_target_attainment, 1.0));
    // Speed: P1 120 min (met), P2 2,880 min (48 h: breached), P3 none (deadline day 6 passed:
    // breached), P5 30 min (met).
    let march = &s.by_month[0].speed;
    assert_eq!((march.met, march.breached, march.pending), (1, 2, 0));
    assert!(close(march.median_minutes, 1_500.0), "median of 120 and 2,880");
    assert!(close(march.p90_minutes, 2_880.0));
    let t = &s.total;
    assert_eq!((t.handoffs, t.met, t.breached, t.not_contacted), (4, 2, 2, 1));
    assert!(close(t.met_rate, 0.5));
    // Sorted 30, 120, 2,880: median 120; p90 is the ceil(0.9 × 3) = 3rd value.
    assert!(close(t.median_minutes, 120.0));
    assert!(close(t.p90_minutes, 2_880.0));
    // Alice: P1 (120, met), P3 (breached, not contacted). Bob: P2 (2,880), P5 (30).
    let owner = |name: &str| {
        s.by_owner
            .iter()
            .find(|o| o.group.name == name)
            .unwrap_or_else(|| panic!("{:?}", s.by_owner))
    };
    let alice = owner("Alice Rep");
    assert_eq!(
        (alice.handoffs, alice.met, alice.breached, alice.not_contacted),
        (2, 1, 1, 1)
    );
    assert!(close(alice.median_minutes, 120.0));
    let bob = owner("Bob Rep");
    assert_eq!((bob.handoffs, bob.met, bob.breached), (2, 1, 1));
    assert!(close(bob.median_minutes, 1_455.0), "median of 30 and 2,880");
    // Distribution: 30 → 30 min–1 h, 120 → 1–4 h, 2,880 → 1–3 days, and P3 not contacted.
    let counts: Vec<(&str, i64)> = s.distribution.iter().map(|b| (b.label.as_str(), b.count)).collect();
    assert_eq!(
        counts,
        [
            ("< 5 min", 0),
            ("5–30 min", 0),
            ("30 min–1 h", 1),
            ("1–4 h", 1),
            ("4–24 h", 0),
            ("1–3 days", 1),
            ("≥ 3 days", 0),
            ("not contacted", 1)
        ]
    );
    // Breaches, oldest MQL first: P2 contacted 24 h late; P3 never, 55 days (1,320 h) past the
    // deadline (day 6) at the report's time (day 61).
    assert_eq!(s.breaches.total, 2);
    let b: Vec<(&str, &str, &str)> = s
        .breaches
        .people
        .iter()
        .map(|p| {
            (
                p.email.as_deref().unwrap(),
                p.what_happened.as_str(),
                p.owner.name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        b,
        [
            ("ben@example.com", "late", "Bob Rep"),
            ("cleo@example.com", "not_contacted", "Alice Rep")
        ]
    );
    assert!(close(s.breaches.people[0].hours_late, 24.0));
    assert!(close(s.breaches.people[1].hours_late, 1_320.0));
    assert_eq!(s.breaches.people[0].month, "2026-03");
    assert_eq!(s.breaches.people[0].name.as_deref(), Some("Ben Example"));
    // Stalled: P3, recycled (and never called).
    assert_eq!(s.stalled.total, 1);
    assert_eq!(s.stalled.people[0].email.as_deref(), Some("cleo@example.com"));
    assert_eq!(s.stalled.people[0].what_happened, "recycled");
    assert!(close(Some(s.stalled.people[0].days_since_mql), 56.0), "day 5 to day 61");
}

#[tokio::test]
async fn data_health_and_the_summary() {
    let (r, _dir) = report(&options()).await;
    let h = &r.data_health;
    // Five people; P4 only in HubSpot; the other four in both.
    let c = h.coverage;
    assert_eq!(
        (
            c.people,
            c.awaiting_reconcile,
            c.both_systems,
            c.marketing_only,
            c.crm_only
        ),
        (5, 0, 4, 1, 0)
    );
    // Eve's second lead is a duplicate in Salesforce.
    assert_eq!(h.duplicates.len(), 1);
    assert_eq!(
        (h.duplicates[0].system.as_str(), h.duplicates[0].records),
        ("salesforce", 1)
    );
    assert_eq!(h.duplicate_records[0].email.as_deref(), Some("eve@example.com"));
    assert_eq!(h.quarantine.len(), 1);
    assert_eq!(
        (h.quarantine[0].reason.as_str(), h.quarantine[0].entries),
        ("email is not an address", 1)
    );
    assert_eq!(h.push_errors.len(), 1);
    assert!(h.push_errors[0].reason.starts_with("INVALID_FIELD"));
    assert_eq!(h.push_errors[0].writes, 1);

    let s = &r.summary;
    assert_eq!(
        (s.reached, s.leads, s.mqls, s.sqls, s.opportunities, s.won),
        (5, 4, 4, 1, 1, 1)
    );
    assert_eq!(s.revenue.iter().map(|a| a.minor).collect::<Vec<_>>(), [1_200_000]);
    assert!(close(s.sla_met_rate, 0.5));
    assert!(close(s.median_speed_to_lead_minutes, 120.0));
}

#[tokio::test]
async fn bad_options_are_refused_with_what_to_change() {
    let dir = tempfile::tempdir().unwrap();
    let store = reconciled_store(dir.path()).await;
    let mut o = options();
    o.model = "last_click".into();
    let e = build(&store, &o).await.unwrap_err();
    assert!(matches!(e, ReportError::UnknownModel { .. }));
    assert!(e.to_string().contains("w_shaped"), "{e}");
    let mut o = options();
    o.period = Period {
        since: chrono::NaiveDate::from_ymd_opt(2026, 4, 2),
        until: chrono::NaiveDate::from_ymd_opt(2026, 4, 1),
    };
    assert!(matches!(build(&store, &o).await, Err(ReportError::EmptyPeriod { .. })));
}
