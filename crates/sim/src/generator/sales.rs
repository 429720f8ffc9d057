//! How sales works one lead: the follow-up delay, call and email attempts, and the outcome
//! (converted, disqualified with a reason, nurtured and maybe recycled, or never touched).
//!
//! Holds no state. The model, so a test author can reason about it:
//! - an MQL is never followed up with probability `sla_breach × campaign ignore × rep ignore`
//!   (capped at 95%); a non-MQL lead 60% of the time;
//! - the first attempt comes after the rep's log-normal delay (sigma 1.0), counted from the next
//!   working moment of the rep's territory (weekdays, 9 hours from 07:00 UTC in EMEA, 13:00 UTC
//!   in North America); a lead arriving on Friday night waits for Monday;
//! - two to six attempts a working day or two apart, each connecting with 45% (5% for bad data);
//! - once connected: out of territory → "Not in territory"; else qualified with
//!   `0.42 × campaign quality × fit (good 1.4, ok 0.9, poor 0.08) × rep skill` (max 90%), then a
//!   discovery meeting and conversion; poor fits are disqualified with their reason, the rest
//!   nurtured or disqualified half and half; never connected → "No response" (55%) or nurturing;
//! - a quarter of nurtured leads come back months later and are worked again;
//! - untouched leads older than 45 days are closed "No response" by a quarterly clean-up half the
//!   time, every one of them at the same second.
//!
//! Anything that would happen after the end of the history does not happen: the lead stays in
//! the status it had.

use super::catalog::{Catalog, Rep};
use super::names::{Fit, PoorFit};
use super::sample::{DAY, Draw, HOUR, MINUTE, next_working_moment};

/// Salesforce lead statuses (the default picklist).
pub(crate) const OPEN: &str = "Open - Not Contacted";
/// Being worked.
pub(crate) const WORKING: &str = "Working - Contacted";
/// Handed back to marketing.
pub(crate) const NURTURING: &str = "Nurturing";
/// Converted.
pub(crate) const CONVERTED: &str = "Closed - Converted";
/// Disqualified.
pub(crate) const CLOSED: &str = "Closed - Not Converted";

/// Why sales disqualifies leads, as the `Unqualified_Reason__c` picklist holds them.
pub(crate) const DISQUALIFICATION_REASONS: &[&str] = &[
    "No budget",
    "Wrong persona",
    "Student",
    "Competitor",
    "Bad data",
    "Not in territory",
    "No response",
    "No project",
    "Already has a solution",
    "Duplicate",
];

/// What kind of sales activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActKind {
    /// A call (Task, `TaskSubtype` Call).
    Call,
    /// An email (Task, `TaskSubtype` Email).
    Email,
    /// A meeting (Event).
    Meeting,
}

impl ActKind {
    /// The scenario's name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ActKind::Call => "call",
            ActKind::Email => "email",
            ActKind::Meeting => "meeting",
        }
    }
}

/// One sales activity before it is written out.
#[derive(Debug, Clone)]
pub(crate) struct Act {
    /// Kind.
    pub kind: ActKind,
    /// When.
    pub at: i64,
    /// Rep index.
    pub rep: usize,
    /// Subject.
    pub subject: &'static str,
    /// Call disposition.
    pub outcome: Option<&'static str>,
}

/// How working a lead ended (so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Never touched.
    Untouched,
    /// Still being worked at the end of the history.
    Working,
    /// Nurturing.
    Nurturing,
    /// Disqualified.
    Disqualified,
    /// Converted at this moment.
    Converted(i64),
}

/// The result of working a lead.
#[derive(Debug, Clone)]
pub(crate) struct LeadWork {
    /// Status history.
    pub statuses: Vec<(&'static str, i64)>,
    /// Activities, by time.
    pub acts: Vec<Act>,
    /// Outcome.
    pub outcome: Outcome,
    /// Disqualification reason.
    pub reason: Option<&'static str>,
    /// Reached the person on the phone.
    pub connected: bool,
}

/// The traits of a lead that decide how it goes.
pub(crate) struct LeadContext {
    /// When the lead was created.
    pub created: i64,
    /// Fit to the customer profile.
    pub fit: Fit,
    /// Campaign quality multiplier.
    pub quality: f64,
    /// Campaign ignore multiplier.
    pub ignore: f64,
    /// The lead is an MQL (the SLA applies).
    pub mql: bool,
    /// The person's country is covered by a territory.
    pub in_territory: bool,
}

/// Works one lead owned by `rep_index`.
pub(crate) fn work_lead(
    cat: &Catalog,
    sla_breach: f64,
    rep_index: usize,
    lead: &LeadContext,
    d: &mut Draw,
) -> LeadWork {
    let rep: &Rep = &cat.reps[rep_index];
    let end = cat.end;
    let mut w = LeadWork {
        statuses: vec![(OPEN, lead.created)],
        acts: Vec::new(),
        outcome: Outcome::Untouched,
        reason: None,
        connected: false,
    };
    let p_never = if lead.mql {
        sla_breach * lead.ignore * rep.ignore_factor
    } else {
        0.6
    };
    if d.chance(p_never.min(0.95)) {
        // Operations closes a share of the untouched leads in its quarterly clean-up.
        if let Some(&cleanup) = cat.cleanups.iter().find(|c| **c > lead.created + 45 * DAY)
            && d.chance(0.5)
        {
            w.statuses.push((CLOSED, cleanup));
            w.reason = Some("No response");
            w.outcome = Outcome::Disqualified;
        }
        return w;
    }
    let open = rep.territory.open_hour();
    let mut t = next_working_moment(lead.created, open) + d.delay(rep.speed_median, 1.0);
    t = d.working_time(t, open);
    if t > end {
        return w;
    }
    w.statuses.push((WORKING, t));
    w.outcome = Outcome::Working;
    attempt(cat, rep_index, lead, t, d, &mut w);
    if w.outcome == Outcome::Nurturing
        && d.chance(0.25)
        && let Some(&(_, nurtured)) = w.statuses.last()
    {
        // Re-engaged months later (a new download, a reply): worked again.
        let back = nurtured + d.delay(60.0 * DAY as f64, 0.5);
        let back = d.working_time(back, open);
        if back <= end {
            w.statuses.push((WORKING, back));
            w.outcome = Outcome::Working;
            w.reason = None;
            attempt(cat, rep_index, lead, back, d, &mut w);
        }
    }
    w
}

/// Call and email attempts from `t` until connected or given up, then the outcome.
fn attempt(cat: &Catalog, rep_index: usize, lead: &LeadContext, mut t: i64, d: &mut Draw, w: &mut LeadWork) {
    let rep = &cat.reps[rep_index];
    let open = rep.territory.open_hour();
    let end = cat.end;
    let p_connect = if lead.fit == Fit::Poor(PoorFit::BadData) {
        0.05
    } else {
        0.45
    };
    let attempts = d.int(2, 6);
    let mut connected_at = None;
    for k in 0..attempts {
        let connect = d.chance(p_connect);
        let call = d.chance(if k == 0 { 0.65 } else { 0.6 });
        let act = if call {
            let outcome = if connect {
                "Connected"
            } else if lead.fit == Fit::Poor(PoorFit::BadData) && d.chance(0.5) {
                "Wrong number"
            } else {
                d.weighted_pick(&[("No answer", 45.0), ("Left voicemail", 55.0)])
            };
            Act {
                kind: ActKind::Call,
                at: t,
                rep: rep_index,
                subject: "Call",
                outcome: Some(outcome),
            }
        } else {
            let subject = if k == 0 {
                "Email: Following up on your request"
            } else {
                "Email: Checking in"
            };
            Act {
                kind: ActKind::Email,
                at: t,
                rep: rep_index,
                subject,
                outcome: None,
            }
        };
        w.acts.push(act);
        if connect {
            connected_at = Some(t);
            break;
        }
        let next = t + d.delay(1.5 * DAY as f64, 0.5);
        t = d.working_time(next, open);
        if t > end {
            return;
        }
    }
    let Some(tc) = connected_at else {
        let at = t + d.delay(2.0 * DAY as f64, 0.6);
        if at <= end {
            if d.chance(0.55) {
                close(w, "No response", at);
            } else {
                w.statuses.push((NURTURING, at));
                w.outcome = Outcome::Nurturing;
            }
        }
        return;
    };
    w.connected = true;
    let decided = tc + d.int(5, 90) * MINUTE;
    if decided > end {
        return;
    }
    if !lead.in_territory {
        close(w, "Not in territory", decided);
        return;
    }
    let fit_mult = match lead.fit {
        Fit::Good => 1.4,
        Fit::Ok => 0.9,
        Fit::Poor(_) => 0.08,
    };
    let p_qualify = (0.42 * lead.quality * fit_mult * rep.skill).min(0.9);
    if d.chance(p_qualify) {
        // Meetings start on the hour or half hour.
        let slot = tc + d.delay(2.0 * DAY as f64, 0.6);
        let slot = d.working_time(slot, open);
        let meeting = slot - slot.rem_euclid(HOUR / 2) + HOUR / 2;
        if meeting > end {
            return;
        }
        w.acts.push(Act {
            kind: ActKind::Meeting,
            at: meeting,
            rep: rep_index,
            subject: "Discovery meeting",
            outcome: None,
        });
        let converted = meeting + HOUR + d.delay(HOUR as f64 * 20.0, 0.8);
        let converted = d.working_time(converted, open);
        if converted <= end {
            w.statuses.push((CONVERTED, converted));
            w.outcome = Outcome::Converted(converted);
        }
        return;
    }
    match lead.fit {
        Fit::Poor(p) => close(w, poor_fit_reason(p), decided),
        _ if d.chance(0.5) => {
            w.statuses.push((NURTURING, decided));
            w.outcome = Outcome::Nurturing;
        }
        _ => close(
            w,
            d.weighted_pick(&[
                ("No budget", 40.0),
                ("No project", 35.0),
                ("Already has a solution", 25.0),
            ]),
            decided,
        ),
    }
}

/// Disqualifies the lead with a reason.
fn close(w: &mut LeadWork, reason: &'static str, at: i64) {
    w.statuses.push((CLOSED, at));
    w.reason = Some(reason);
    w.outcome = Outcome::Disqualified;
}

/// The disqualification reason a poor fit earns.
pub(crate) fn poor_fit_reason(p: PoorFit) -> &'static str {
    match p {
        PoorFit::Student => "Student",
        PoorFit::Competitor => "Competitor",
        PoorFit::WrongPersona => "Wrong persona",
        PoorFit::NoBudget => "No budget",
        PoorFit::BadData => "Bad data",
    }
}

/// HubSpot's `hs_lead_status` for where working a lead stands, when HubSpot is the CRM.
pub(crate) fn hubspot_lead_status(w: &LeadWork) -> &'static str {
    match w.outcome {
        Outcome::Untouched => "NEW",
        Outcome::Working if w.connected => "CONNECTED",
        Outcome::Working => "ATTEMPTED_TO_CONTACT",
        Outcome::Nurturing => "BAD_TIMING",
        Outcome::Disqualified => "UNQUALIFIED",
        Outcome::Converted(_) => "OPEN_DEAL",
    }
}
