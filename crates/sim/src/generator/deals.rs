//! Opportunities: how a deal moves through the stages, what it is worth, and how it ends.
//!
//! Holds no state. The model: the amount is log-normal around 18,000 (sigma 0.6, times the
//! campaign quality to the power 0.3, at least 1,500, rounded to 100); the win probability is
//! `0.2 × campaign quality × fit (good 1.3, ok 0.8, poor 0.2) × AE skill` (2% to 80%); a lost
//! deal dies after Prospecting 15%, Qualification 25%, Needs Analysis 20%, Proposal 25%,
//! Negotiation 15% of the time; stages are 9 days apart (log-normal, sigma 0.6) and Needs Analysis
//! is skipped a quarter of the time, and every step lands in the AE's working hours; half the proposals re-price the deal (×0.8 to ×1.3) and half
//! the negotiations discount it 5–15%. Each stage reached brings a meeting with the AE. A deal
//! still open at the end of the history keeps an expected close date around 75 days after creation.

use super::sales::{Act, ActKind};
use super::sample::{DAY, Draw, HOUR, to_date};
use chrono::NaiveDate;

/// Salesforce stage names, in order; the last two are closed.
pub(crate) const SF_STAGES: [&str; 7] = [
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
];

/// The HubSpot default pipeline's stage ids matching [`SF_STAGES`].
pub(crate) const HS_STAGES: [&str; 7] = [
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
];

/// Index of the won stage.
pub(crate) const WON: usize = 5;
/// Index of the lost stage.
pub(crate) const LOST: usize = 6;

/// Why deals are lost.
pub(crate) const LOSS_REASONS: &[(&str, f64)] = &[
    ("Price", 22.0),
    ("Chose competitor", 20.0),
    ("No decision", 18.0),
    ("Timing", 12.0),
    ("Missing feature", 10.0),
    ("Budget cut", 8.0),
    ("Went dark", 7.0),
    ("Champion left", 3.0),
];

/// A deal before it is written out for one CRM or the other.
#[derive(Debug, Clone)]
pub(crate) struct Deal {
    /// Name.
    pub name: String,
    /// Amount in cents, with when each value was set; the last is current.
    pub amounts: Vec<(i64, i64)>,
    /// Created.
    pub created: i64,
    /// Close date (expected for open deals).
    pub close_date: NaiveDate,
    /// Stage indices into [`SF_STAGES`] with when each was entered.
    pub stages: Vec<(usize, i64)>,
    /// Loss reason.
    pub close_reason: Option<&'static str>,
    /// AE (rep index).
    pub owner: usize,
    /// Currency, when not the org's.
    pub currency: Option<&'static str>,
}

impl Deal {
    /// True when the deal ended won.
    pub(crate) fn won_at(&self) -> Option<i64> {
        self.stages.last().filter(|(s, _)| *s == WON).map(|(_, t)| *t)
    }
}

/// What shapes a deal.
pub(crate) struct DealContext<'a> {
    /// The account's name; the deal is named after it and its plan.
    pub company: &'a str,
    /// A fixed name suffix (`Expansion`), instead of the plan the amount implies.
    pub suffix: Option<&'static str>,
    /// When it is created.
    pub created: i64,
    /// The end of the history.
    pub end: i64,
    /// Campaign quality.
    pub quality: f64,
    /// Fit multiplier for the win rate.
    pub fit_mult: f64,
    /// The AE's skill.
    pub skill: f64,
    /// The AE (rep index).
    pub owner: usize,
    /// The UTC hour the AE's working day starts; meetings and stage changes happen in working hours.
    pub open_hour: u32,
    /// Currency.
    pub currency: Option<&'static str>,
    /// Scales the amount (expansions are smaller).
    pub size: f64,
    /// Meetings go here.
    pub acts: &'a mut Vec<Act>,
}

/// Draws a deal's life from creation to close (or the end of the history).
pub(crate) fn progress(ctx: DealContext<'_>, d: &mut Draw) -> Deal {
    let mut amount = round_amount(
        d.lognormal(18_000.0 * ctx.quality.powf(0.3) * ctx.size, 0.6)
            .max(1_500.0),
    );
    let win_p = (0.2 * ctx.quality * ctx.fit_mult * ctx.skill).clamp(0.02, 0.8);
    let won = d.chance(win_p);
    // The last open stage reached before closing.
    let reach = if won {
        4
    } else {
        d.weighted(&[15.0, 25.0, 20.0, 25.0, 15.0])
    };
    let name = match ctx.suffix {
        Some(suffix) => format!("{} – {suffix}", ctx.company),
        None => format!("{} – {} plan", ctx.company, plan_name(amount)),
    };
    let mut deal = Deal {
        name,
        amounts: vec![(amount, ctx.created)],
        created: ctx.created,
        close_date: to_date(ctx.created + d.delay(75.0 * DAY as f64, 0.4)),
        stages: vec![(0, ctx.created)],
        close_reason: None,
        owner: ctx.owner,
        currency: ctx.currency,
    };
    let mut t = ctx.created;
    for stage in 1..=reach {
        if stage == 2 && d.chance(0.25) {
            continue;
        }
        let step = t + d.delay(9.0 * DAY as f64, 0.6);
        t = d.working_time(step, ctx.open_hour);
        if t > ctx.end {
            return keep_open(deal, t);
        }
        deal.stages.push((stage, t));
        let subject = match stage {
            1 => "Qualification call",
            2 => "Needs analysis workshop",
            3 => "Proposal review",
            _ => "Negotiation call",
        };
        ctx.acts.push(Act {
            kind: ActKind::Meeting,
            at: t + HOUR,
            rep: ctx.owner,
            subject,
            outcome: None,
        });
        if stage == 3 && d.chance(0.5) {
            amount = round_amount(amount as f64 / 100.0 * (0.8 + 0.5 * d.unit()));
            deal.amounts.push((amount, t));
        }
        if stage == 4 && d.chance(0.5) {
            amount = round_amount(amount as f64 / 100.0 * (1.0 - 0.05 - 0.1 * d.unit()));
            deal.amounts.push((amount, t + 2 * HOUR));
        }
    }
    let closing = t + 3 * HOUR + d.delay(7.0 * DAY as f64, 0.6);
    let closed = d.working_time(closing, ctx.open_hour);
    if closed > ctx.end {
        return keep_open(deal, closed);
    }
    deal.stages.push((if won { WON } else { LOST }, closed));
    deal.close_date = to_date(closed);
    if !won {
        deal.close_reason = Some(d.weighted_pick(LOSS_REASONS));
    }
    deal
}

/// An open deal: its expected close date is never before the next planned step.
fn keep_open(mut deal: Deal, next: i64) -> Deal {
    deal.close_date = deal.close_date.max(to_date(next));
    deal
}

/// An amount in whole units rounded to 100, in cents.
fn round_amount(units: f64) -> i64 {
    ((units / 100.0).round().max(1.0) as i64) * 100 * 100
}

/// Cents as a decimal string (`18500.00`).
pub(crate) fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The plan name a deal of this size gets.
pub(crate) fn plan_name(cents: i64) -> &'static str {
    match cents / 100 {
        0..=12_000 => "Growth",
        12_001..=40_000 => "Pro",
        _ => "Enterprise",
    }
}
