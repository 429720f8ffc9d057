//! The marketing funnel model: where a person came from, when they converted, and how far they got
//! on marketing's side (subscriber → lead → MQL), with dates that follow from their engagement.
//!
//! Holds no state. [`plan`] draws one person's journey; the touches are laid out afterwards
//! around its fixed moments (the first visit, the converting form, the MQL trigger), so lifecycle
//! dates and touches agree: a contact is created by a touch, and an MQL follows engagement.
//!
//! Rates (before the campaign and fit multipliers documented in `docs/scenario-format.md`):
//! lead 25–100% by source, MQL 30% of leads, a demo request at conversion for 12% of fitting leads.

use super::catalog::{Acquisition, Catalog};
use super::channel::Channel;
use super::names::{Fit, PoorFit};
use super::sample::{DAY, Draw, HOUR, MINUTE};

/// How the HubSpot contact came to exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conversion {
    /// Signed up for the newsletter (a subscriber).
    Newsletter,
    /// Downloaded a gated offer (content index).
    Offer(usize),
    /// Registered for a webinar (content index).
    Webinar(usize),
    /// Requested a demo.
    Demo,
    /// Filled the contact-us form.
    ContactUs,
    /// Imported from an event's attendee list.
    Import,
}

/// What made marketing call a person qualified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MqlTrigger {
    /// The demo request that created the contact.
    DemoAtConversion,
    /// A later demo request.
    Demo,
    /// Watched most of a webinar (content index).
    Webinar(usize),
    /// Visited pricing and clicked "Talk to sales".
    PricingCta,
    /// A further gated download pushed the score over the line (content index).
    Download(usize),
    /// Hot booth conversation at the event.
    Event,
}

/// One person's marketing journey.
#[derive(Debug, Clone)]
pub(crate) struct Journey {
    /// The campaign that acquired them, if any.
    pub campaign: Option<usize>,
    /// The channel of their first visit.
    pub channel: Channel,
    /// First tracked visit.
    pub first_seen: i64,
    /// HubSpot `createdate`.
    pub created_at: i64,
    /// For event attendees: when their record was imported into the CRM.
    pub crm_import_at: Option<i64>,
    /// How the contact was created.
    pub conversion: Conversion,
    /// Became a subscriber (at creation).
    pub subscriber_at: Option<i64>,
    /// Became a lead.
    pub lead_at: Option<i64>,
    /// The gated download that made a subscriber a lead (content index).
    pub lead_offer: Option<usize>,
    /// Became an MQL.
    pub mql_at: Option<i64>,
    /// The touch that triggered the MQL (it happens just before `mql_at`).
    pub mql_trigger: Option<(MqlTrigger, i64)>,
    /// Marketing activity ends here (engagement fades; customers keep reading the newsletter).
    pub active_until: i64,
}

/// Draws where a person comes from: a campaign or an organic channel.
pub(crate) fn acquire(cat: &Catalog, d: &mut Draw) -> Acquisition {
    d.weighted_pick(&cat.acquisition)
}

/// The share of poor fits among people a source brings.
pub(crate) fn poor_fit_share(cat: &Catalog, acquisition: Acquisition) -> f64 {
    match acquisition {
        Acquisition::Campaign(i) => cat.campaigns[i].poor_fit,
        Acquisition::Organic(Channel::Referral) => 0.1,
        Acquisition::Organic(_) => 0.25,
    }
}

/// Draws a person's fit given the poor-fit share of their source.
pub(crate) fn fit(poor_share: f64, d: &mut Draw) -> Fit {
    if d.chance(poor_share) {
        Fit::Poor(d.weighted_pick(&[
            (PoorFit::Student, 25.0),
            (PoorFit::Competitor, 8.0),
            (PoorFit::WrongPersona, 30.0),
            (PoorFit::NoBudget, 27.0),
            (PoorFit::BadData, 10.0),
        ]))
    } else if d.chance(0.55) {
        Fit::Good
    } else {
        Fit::Ok
    }
}

/// How fit scales the MQL rate.
fn fit_mql_mult(fit: Fit) -> f64 {
    match fit {
        Fit::Good => 1.35,
        Fit::Ok => 1.0,
        Fit::Poor(PoorFit::BadData) => 0.3,
        Fit::Poor(_) => 0.6,
    }
}

/// Draws one person's journey.
pub(crate) fn plan(cat: &Catalog, acquisition: Acquisition, fit: Fit, d: &mut Draw) -> Journey {
    let (campaign, channel) = match acquisition {
        Acquisition::Campaign(i) => (Some(i), cat.campaigns[i].channel),
        Acquisition::Organic(ch) => (None, ch),
    };
    let c = campaign.map(|i| &cat.campaigns[i]);
    let lead_rate = match (c, channel) {
        (Some(c), _) => c.lead_rate,
        (None, Channel::OrganicSearch) => 0.6,
        (None, Channel::Referral) => 0.7,
        (None, Channel::OrganicSocial) => 0.45,
        (None, _) => 0.5,
    };
    let mql_rate = (0.3 * c.map_or(1.0, |c| c.mql_mult) * fit_mql_mult(fit)).min(0.95);
    let will_lead = d.chance(lead_rate);
    let will_mql = will_lead && d.chance(mql_rate);
    let fitting = matches!(fit, Fit::Good | Fit::Ok);
    let brand = c.is_some_and(|c| c.channel == Channel::PaidSearch && c.quality > 1.0);
    let demo_now = will_lead && fitting && d.chance(if brand { 0.3 } else { 0.12 });

    let end = cat.end;
    let latest_start = end - HOUR;
    let mut crm_import_at = None;
    let (first_seen, created_at, conversion) =
        if let Some((import, batches, met)) = c.and_then(|c| c.import_at.map(|i| (i, c.import_batches, c.start))) {
            // Met at the event; imported into the CRM in one of the import's batches, and into
            // HubSpot a day later in the same batch layout, so each batch shares a second.
            let at = import + d.int(0, batches - 1);
            crm_import_at = Some(at);
            (met.min(latest_start), (at + DAY).min(end), Conversion::Import)
        } else if let Some(w) = c.and_then(|c| c.webinar) {
            let starts = cat.content[w].starts_at.unwrap_or(end);
            let lo = (starts - 21 * DAY).max(cat.start);
            let hi = (starts - HOUR).min(latest_start).max(lo);
            let first = d.between(lo, hi);
            let registered = (first + d.int(2, 20) * MINUTE).min(end);
            (first, registered, Conversion::Webinar(w))
        } else {
            let first = match c {
                Some(c) => d.between(c.start, c.end.min(latest_start).max(c.start)),
                // Organic traffic grows over the history: later months bring more people.
                None => cat.start + ((latest_start - cat.start) as f64 * d.unit().powf(0.8)) as i64,
            }
            .min(latest_start);
            let delay = if d.chance(0.55) {
                d.int(1, 25) * MINUTE + d.int(0, 59)
            } else {
                d.delay(4.0 * DAY as f64, 1.3)
            };
            let created = d.by_end(first + delay, first, end);
            let conversion = if demo_now {
                Conversion::Demo
            } else if !will_lead || d.chance(0.3) {
                Conversion::Newsletter
            } else if d.chance(0.08) {
                Conversion::ContactUs
            } else {
                Conversion::Offer(offer_for(cat, campaign, created, d))
            };
            (first, created, conversion)
        };

    let mut j = Journey {
        campaign,
        channel,
        first_seen,
        created_at,
        crm_import_at,
        conversion,
        subscriber_at: None,
        lead_at: None,
        lead_offer: None,
        mql_at: None,
        mql_trigger: None,
        active_until: created_at,
    };
    if conversion == Conversion::Newsletter {
        j.subscriber_at = Some(created_at);
        if will_lead {
            let at = created_at + d.delay(18.0 * DAY as f64, 1.0);
            if at <= end {
                j.lead_at = Some(at);
                j.lead_offer = Some(offer_for(cat, campaign, at, d));
            }
        }
    } else {
        j.lead_at = Some(created_at);
    }

    if will_mql && let Some(lead_at) = j.lead_at {
        let (trigger, trigger_at) = match conversion {
            Conversion::Demo => (MqlTrigger::DemoAtConversion, created_at),
            Conversion::Import if d.chance(0.4) => (MqlTrigger::Event, created_at),
            Conversion::Webinar(w) if d.chance(0.6) => {
                // Watched most of it: qualified when the webinar ends.
                let starts = cat.content[w].starts_at.unwrap_or(end);
                let minutes = i64::from(cat.content[w].duration_minutes.unwrap_or(60));
                (MqlTrigger::Webinar(w), starts + minutes * MINUTE)
            }
            _ => {
                let at = lead_at + d.delay(12.0 * DAY as f64, 1.1);
                let trigger = match d.weighted(&[40.0, 20.0, 20.0, 20.0]) {
                    0 => MqlTrigger::Demo,
                    1 => webinar_between(cat, lead_at, at + 30 * DAY, d)
                        .map_or(MqlTrigger::PricingCta, MqlTrigger::Webinar),
                    2 => MqlTrigger::PricingCta,
                    _ => MqlTrigger::Download(offer_for(cat, campaign, at, d)),
                };
                let at = match trigger {
                    MqlTrigger::Webinar(w) => {
                        let starts = cat.content[w].starts_at.unwrap_or(end);
                        starts + i64::from(cat.content[w].duration_minutes.unwrap_or(60)) * MINUTE
                    }
                    _ => at,
                };
                (trigger, at)
            }
        };
        // The scoring workflow runs a little after the trigger.
        let mql_at = trigger_at.max(lead_at) + d.int(5, 300);
        if mql_at <= end {
            j.mql_at = Some(mql_at);
            j.mql_trigger = Some((trigger, trigger_at.max(lead_at)));
        }
    }

    let furthest = j.mql_at.or(j.lead_at).unwrap_or(created_at);
    let median_days = if j.mql_at.is_some() {
        150.0
    } else if j.lead_at.is_some() {
        90.0
    } else {
        45.0
    };
    j.active_until = (furthest + d.delay(median_days * DAY as f64, 0.8))
        .min(end)
        .max(furthest.min(end));
    j
}

/// A gated offer a person would download around `at`: their campaign's when it has one,
/// otherwise another campaign's running at the time or an evergreen one.
pub(crate) fn offer_for(cat: &Catalog, campaign: Option<usize>, at: i64, d: &mut Draw) -> usize {
    if let Some(offer) = campaign.and_then(|c| cat.campaigns[c].offer)
        && d.chance(0.8)
    {
        return offer;
    }
    let running = || {
        cat.campaigns
            .iter()
            .filter(|c| c.start <= at && at <= c.end)
            .filter_map(|c| c.offer)
    };
    let n = running().count();
    if n > 0 && d.chance(0.5) {
        let i = d.index(n);
        if let Some(offer) = running().nth(i) {
            return offer;
        }
    }
    d.pick(&cat.evergreen_offers)
}

/// A webinar starting in `from..=to`, if any.
pub(crate) fn webinar_between(cat: &Catalog, from: i64, to: i64, d: &mut Draw) -> Option<usize> {
    // Webinars are sorted by start: the candidates are one contiguous run.
    let starts = |w: &usize| cat.content[*w].starts_at.unwrap_or(i64::MAX);
    let lo = cat.webinars.partition_point(|w| starts(w) <= from + DAY);
    let hi = cat.webinars.partition_point(|w| starts(w) <= to.min(cat.end));
    (lo < hi).then(|| cat.webinars[lo + d.index(hi - lo)])
}
