//! The CRM side of a person: which leads and contacts sales has, how they were worked, which deals
//! came of them, and how that is written for Salesforce or for HubSpot as the CRM.
//!
//! Holds no state. Who gets a CRM lead (Salesforce mode): every MQL, a minute or fifteen after
//! marketing qualifies them (the HubSpot connector's sync); every event attendee, in one import at
//! one second; 6% of the other leads (early syncs and contact-us forms); and the people sales
//! finds itself. 85% of converted leads get an opportunity at conversion, and 12% of won
//! customers an expansion deal months later. When HubSpot is the CRM the same story is told with
//! `hs_lead_status`, the contact's owner, its later lifecycle stages and HubSpot deals.

use super::catalog::Catalog;
use super::deals::{self, Deal, DealContext, HS_STAGES, SF_STAGES};
use super::funnel::Journey;
use super::names::{Country, Fit, PoorFit};
use super::sales::{self, Act, LeadContext, LeadWork, Outcome};
use super::sample::{DAY, Draw, to_utc};
use super::spec::GenerateSpec;
use super::touches::{Attendance, Kind, Touch};
use crate::scenario::{
    ActivitySpec, AmountAt, CampaignMemberSpec, ContactSpec, DealSpec, LeadSpec, OpportunitySpec, SalesforcePersonSpec,
    StageAt,
};
use std::collections::BTreeMap;

/// How a person first reached the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Through marketing (a HubSpot contact with a journey).
    Marketing,
    /// A rep created a lead for them (outbound, a phone call).
    SalesLead,
    /// A rep created a contact for them directly (an introduction at an existing account).
    SalesContact,
}

/// The traits of a person sales cares about.
pub(crate) struct Prospect<'a> {
    /// Company name.
    pub company: &'a str,
    /// Country.
    pub country: &'static Country,
    /// Fit.
    pub fit: Fit,
    /// Job title.
    pub title: &'static str,
    /// Industry.
    pub industry: &'static str,
    /// Acquiring campaign.
    pub campaign: Option<usize>,
}

/// One CRM lead with how it was worked.
#[derive(Debug, Clone)]
pub(crate) struct Lead {
    /// Created.
    pub created: i64,
    /// The work done on it.
    pub work: LeadWork,
    /// `LeadSource`.
    pub source: &'static str,
    /// SDR (rep index).
    pub owner: usize,
    /// Deleted at.
    pub deleted_at: Option<i64>,
}

/// Everything sales did with one person.
#[derive(Debug, Clone, Default)]
pub(crate) struct SalesStory {
    /// Leads.
    pub leads: Vec<Lead>,
    /// A contact created directly: when, by which AE, with which `LeadSource`.
    pub contact: Option<(i64, usize, &'static str)>,
    /// Activities, by time.
    pub acts: Vec<Act>,
    /// Deals, by creation.
    pub deals: Vec<Deal>,
    /// Sales accepted the person (lead converted, or a direct contact with a deal).
    pub sql_at: Option<i64>,
}

impl SalesStory {
    /// When sales first touched the person.
    pub(crate) fn first_activity(&self) -> Option<i64> {
        self.acts.iter().map(|a| a.at).min()
    }

    /// The first moment the CRM knew the person.
    pub(crate) fn crm_since(&self) -> Option<i64> {
        let lead = self.leads.iter().map(|l| l.created).min();
        let contact = self.contact.map(|c| c.0);
        match (lead, contact) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

/// Draws what sales does with a person.
pub(crate) fn story(
    cat: &Catalog,
    spec: &GenerateSpec,
    origin: Origin,
    journey: Option<&Journey>,
    p: &Prospect<'_>,
    origin_at: i64,
    d: &mut Draw,
) -> SalesStory {
    let mut s = SalesStory::default();
    let territory = p.country.territory;
    let c = p.campaign.map(|i| &cat.campaigns[i]);
    let quality = c.map_or(1.0, |c| c.quality);
    let sdrs = cat.sdrs_for(territory);
    let sdr = d.pick(sdrs);
    let lead_ctx = |created: i64, mql: bool, ignore: f64| LeadContext {
        created,
        fit: p.fit,
        quality,
        ignore,
        mql,
        in_territory: territory.is_some(),
    };
    match origin {
        Origin::Marketing => {
            let Some(j) = journey else { return s };
            let imported = j.crm_import_at;
            let source = match (c, imported) {
                (_, Some(_)) => "Trade Show",
                (Some(c), _) if c.webinar.is_some() => "Webinar",
                _ => j.channel.lead_source(),
            };
            let created = match (imported, j.mql_at) {
                // When HubSpot is the CRM the attendee list lands there, when the contacts are created.
                (Some(import), _) => Some((if spec.hubspot_crm { j.created_at } else { import }, true)),
                (None, Some(mql)) => Some((mql + sync_delay(spec.hubspot_crm, d), true)),
                (None, None) => j
                    .lead_at
                    .filter(|_| d.chance(0.06))
                    .map(|lead| (lead + sync_delay(spec.hubspot_crm, d), false)),
            };
            if let Some((created, mql)) = created.filter(|(t, _)| *t <= cat.end) {
                let is_mql = mql && (imported.is_none() || j.mql_at.is_some());
                let ignore = c.map_or(1.0, |c| c.ignore);
                let work = sales::work_lead(cat, spec.sla_breach, sdr, &lead_ctx(created, is_mql, ignore), d);
                s.leads.push(Lead {
                    created,
                    work,
                    source,
                    owner: sdr,
                    deleted_at: None,
                });
            }
        }
        Origin::SalesLead => {
            let source = d.weighted_pick(&[
                ("Phone Inquiry", 40.0),
                ("Other", 30.0),
                ("Purchased List", 15.0),
                ("Employee Referral", 15.0),
            ]);
            let work = sales::work_lead(cat, spec.sla_breach, sdr, &lead_ctx(origin_at, true, 0.3), d);
            s.leads.push(Lead {
                created: origin_at,
                work,
                source,
                owner: sdr,
                deleted_at: None,
            });
        }
        Origin::SalesContact => {
            let aes = cat.aes_for(territory);
            let ae = d.pick(aes);
            let source = d.weighted_pick(&[("Employee Referral", 35.0), ("Partner Referral", 25.0), ("Other", 40.0)]);
            s.contact = Some((origin_at, ae, source));
            if d.chance(0.4) {
                let created = origin_at + d.delay(5.0 * DAY as f64, 0.8);
                if created <= cat.end {
                    s.sql_at = Some(created);
                    add_deal(cat, p, ae, created, None, 1.0, &mut s, d);
                }
            }
        }
    }
    for lead in &mut s.leads {
        s.acts.extend(lead.work.acts.iter().cloned());
        // Junk that sales disqualified as bad data is often deleted outright.
        if p.fit == Fit::Poor(PoorFit::BadData)
            && lead.work.outcome == Outcome::Disqualified
            && d.chance(0.4)
            && let Some(&(_, at)) = lead.work.statuses.last()
        {
            let deleted = at + d.delay(10.0 * DAY as f64, 0.8);
            lead.deleted_at = (deleted <= cat.end).then_some(deleted);
        }
    }
    let converted = s.leads.iter().find_map(|l| match l.work.outcome {
        Outcome::Converted(t) => Some(t),
        _ => None,
    });
    if let Some(t) = converted {
        s.sql_at = Some(t);
        if d.chance(0.85) {
            let aes = cat.aes_for(territory);
            let ae = d.pick(aes);
            add_deal(cat, p, ae, t, None, 1.0, &mut s, d);
        }
    }
    if let Some(won) = s.deals.first().and_then(Deal::won_at)
        && d.chance(0.12)
    {
        let created = won + d.delay(120.0 * DAY as f64, 0.5);
        if created <= cat.end {
            let owner = s.deals[0].owner;
            add_deal(cat, p, owner, created, Some("Expansion"), 0.4, &mut s, d);
        }
    }
    s.acts.sort_by_key(|a| a.at);
    s
}

/// Seconds until a HubSpot record shows up in Salesforce through the marketing platform's sync;
/// none when HubSpot is the CRM itself.
fn sync_delay(hubspot_crm: bool, d: &mut Draw) -> i64 {
    if hubspot_crm { 0 } else { d.int(30, 900) }
}

/// Adds a deal created at `created` by AE `ae`.
#[allow(clippy::too_many_arguments)]
fn add_deal(
    cat: &Catalog,
    p: &Prospect<'_>,
    ae: usize,
    created: i64,
    suffix: Option<&'static str>,
    size: f64,
    s: &mut SalesStory,
    d: &mut Draw,
) {
    let fit_mult = match p.fit {
        Fit::Good => 1.3,
        Fit::Ok => 0.8,
        Fit::Poor(_) => 0.2,
    };
    let currency = match p.country.tld {
        "co.uk" => Some("GBP"),
        "de" | "fr" | "nl" | "es" | "it" | "ie" => Some("EUR"),
        _ => None,
    };
    let deal = deals::progress(
        DealContext {
            company: p.company,
            suffix,
            created,
            end: cat.end,
            quality: p.campaign.map_or(1.0, |c| cat.campaigns[c].quality),
            fit_mult,
            skill: cat.reps[ae].skill,
            owner: ae,
            open_hour: cat.reps[ae].territory.open_hour(),
            currency,
            size,
            acts: &mut s.acts,
        },
        d,
    );
    s.deals.push(deal);
}

/// Writes a sales story in Salesforce form, with campaign memberships from the person's touches.
pub(crate) fn to_salesforce(
    cat: &Catalog,
    s: &SalesStory,
    p: &Prospect<'_>,
    touches: &[Touch],
) -> Option<SalesforcePersonSpec> {
    let since = s.crm_since()?;
    let leads = s
        .leads
        .iter()
        .map(|l| {
            let mut fields = BTreeMap::new();
            fields.insert("Title".to_owned(), serde_json::Value::String(p.title.to_owned()));
            fields.insert("Industry".to_owned(), serde_json::Value::String(p.industry.to_owned()));
            LeadSpec {
                created_at: to_utc(l.created),
                statuses: l
                    .work
                    .statuses
                    .iter()
                    .map(|(v, t)| StageAt {
                        stage: (*v).to_owned(),
                        at: to_utc(*t),
                    })
                    .collect(),
                lead_source: Some(l.source.to_owned()),
                owner: Some(cat.reps[l.owner].key.clone()),
                company: None,
                unqualified_reason: l.work.reason.map(str::to_owned),
                converted_at: match l.work.outcome {
                    Outcome::Converted(t) => Some(to_utc(t)),
                    _ => None,
                },
                deleted_at: l.deleted_at.map(to_utc),
                fields,
            }
        })
        .collect();
    let contact = s.contact.map(|(at, owner, source)| ContactSpec {
        created_at: to_utc(at),
        lead_source: Some(source.to_owned()),
        owner: Some(cat.reps[owner].key.clone()),
        fields: BTreeMap::from([("Title".to_owned(), serde_json::Value::String(p.title.to_owned()))]),
    });
    let lead_source = s.leads.first().map(|l| l.source).or(s.contact.map(|c| c.2));
    let sf_campaign = p.campaign.filter(|c| cat.campaigns[*c].in_salesforce);
    let opportunities = s
        .deals
        .iter()
        .map(|deal| OpportunitySpec {
            name: deal.name.clone(),
            amount: deal.amounts.last().map(|(a, _)| deals::decimal(*a)),
            amount_history: amount_history(deal),
            currency: deal.currency.map(str::to_owned),
            created_at: to_utc(deal.created),
            close_date: deal.close_date,
            stages: deal
                .stages
                .iter()
                .map(|(st, t)| StageAt {
                    stage: SF_STAGES[*st].to_owned(),
                    at: to_utc(*t),
                })
                .collect(),
            close_reason: deal.close_reason.map(str::to_owned),
            campaign: sf_campaign.map(|c| cat.campaigns[c].key.clone()),
            lead_source: lead_source.map(str::to_owned),
            owner: Some(cat.reps[deal.owner].key.clone()),
        })
        .collect();
    Some(SalesforcePersonSpec {
        leads,
        contact,
        activities: activities(cat, &s.acts),
        opportunities,
        campaign_memberships: memberships(cat, touches, p.campaign, since),
    })
}

/// The amount history, only when the amount changed.
fn amount_history(deal: &Deal) -> Vec<AmountAt> {
    if deal.amounts.len() < 2 {
        return Vec::new();
    }
    deal.amounts
        .iter()
        .map(|(a, t)| AmountAt {
            amount: deals::decimal(*a),
            at: to_utc(*t),
        })
        .collect()
}

/// Activities in scenario form.
fn activities(cat: &Catalog, acts: &[Act]) -> Vec<ActivitySpec> {
    acts.iter()
        .map(|a| ActivitySpec {
            kind: a.kind.as_str().to_owned(),
            at: to_utc(a.at),
            owner: Some(cat.reps[a.rep].key.clone()),
            subject: Some(a.subject.to_owned()),
            outcome: a.outcome.map(str::to_owned),
        })
        .collect()
}

/// Salesforce campaign memberships: one per Salesforce campaign the person touched, with the
/// strongest status reached, added no earlier than the CRM knew the person.
fn memberships(cat: &Catalog, touches: &[Touch], acquired_by: Option<usize>, since: i64) -> Vec<CampaignMemberSpec> {
    // (campaign, rank, status, first touch, first response)
    let mut found: Vec<(usize, u8, &'static str, i64, Option<i64>)> = Vec::new();
    let mut note = |campaign: usize, rank: u8, status: &'static str, at: i64, responded: bool| match found
        .iter_mut()
        .find(|f| f.0 == campaign)
    {
        Some(f) => {
            if rank > f.1 {
                f.1 = rank;
                f.2 = status;
            }
            if responded && f.4.is_none() {
                f.4 = Some(at);
            }
        }
        None => found.push((campaign, rank, status, at, responded.then_some(at))),
    };
    if let Some(c) = acquired_by.filter(|c| cat.campaigns[*c].import_at.is_some()) {
        note(c, 4, "Attended", since, true);
    }
    for t in touches {
        let Some(c) = t.campaign.filter(|c| cat.campaigns[*c].in_salesforce) else {
            continue;
        };
        match (t.kind, t.attendance) {
            (Kind::Webinar, Some((Attendance::Attended(_), registered))) => note(c, 4, "Attended", registered, true),
            (Kind::Webinar, Some((Attendance::NoShow, registered))) => note(c, 3, "No Show", registered, true),
            (Kind::Webinar, Some((Attendance::Registered, registered))) => note(c, 3, "Registered", registered, true),
            (Kind::Webinar, Some((Attendance::Cancelled, registered))) => note(c, 2, "Cancelled", registered, true),
            (Kind::Form, _) => note(c, 3, "Responded", t.at, true),
            (Kind::EmailClick, _) | (Kind::CtaClick, _) | (Kind::PageView, _) => note(c, 2, "Responded", t.at, true),
            _ => note(c, 1, "Sent", t.at, false),
        }
    }
    found
        .into_iter()
        .map(|(c, _, status, first, responded)| {
            let created = first.max(since);
            CampaignMemberSpec {
                campaign: cat.campaigns[c].key.clone(),
                status: status.to_owned(),
                created_at: to_utc(created),
                responded_at: responded.map(|r| to_utc(r.max(created))),
            }
        })
        .collect()
}

/// What HubSpot holds when it is the CRM: `hs_lead_status`, the owner, the later lifecycle stages,
/// sales properties and deals.
pub(crate) struct HubSpotSales {
    /// `hs_lead_status`.
    pub lead_status: Option<&'static str>,
    /// Owner key.
    pub owner: Option<String>,
    /// Lifecycle stages after MQL, with when.
    pub stages: Vec<(&'static str, i64)>,
    /// Extra contact properties.
    pub properties: Vec<(&'static str, String)>,
    /// Deals.
    pub deals: Vec<DealSpec>,
}

/// Writes a sales story for HubSpot as the CRM.
pub(crate) fn to_hubspot(cat: &Catalog, s: &SalesStory, d: &mut Draw) -> HubSpotSales {
    let lead = s.leads.first();
    let owner = lead
        .map(|l| l.owner)
        .or(s.contact.map(|c| c.1))
        .or(s.deals.first().map(|deal| deal.owner));
    let mut stages = Vec::new();
    if let Some(t) = s.sql_at {
        stages.push(("salesqualifiedlead", t));
    }
    if let Some(deal) = s.deals.first() {
        stages.push(("opportunity", deal.created));
        if let Some(won) = deal.won_at() {
            stages.push(("customer", won));
            let evangelist = won + d.delay(120.0 * DAY as f64, 0.5);
            if d.chance(0.1) && evangelist <= cat.end {
                stages.push(("evangelist", evangelist));
            }
        }
    }
    let mut properties = Vec::new();
    if let Some(reason) = lead.and_then(|l| l.work.reason) {
        properties.push(("disqualification_reason", reason.to_owned()));
    }
    if let Some(first) = s.first_activity() {
        properties.push((
            "first_sales_activity_at",
            to_utc(first).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        ));
    }
    let deals = s
        .deals
        .iter()
        .map(|deal| DealSpec {
            name: deal.name.clone(),
            amount: deal.amounts.last().map(|(a, _)| deals::decimal(*a)),
            amount_history: amount_history(deal),
            pipeline: Some("default".to_owned()),
            created_at: to_utc(deal.created),
            // A closed deal's `closedate` is when it closed; an open one's the expected day.
            close_date: match deal.stages.last() {
                Some((stage, at)) if *stage >= deals::WON => Some(to_utc(*at)),
                _ => deal.close_date.and_hms_opt(12, 0, 0).map(|t| t.and_utc()),
            },
            stages: deal
                .stages
                .iter()
                .map(|(st, t)| StageAt {
                    stage: HS_STAGES[*st].to_owned(),
                    at: to_utc(*t),
                })
                .collect(),
            close_reason: deal.close_reason.map(str::to_owned),
            owner: Some(cat.reps[deal.owner].key.clone()),
        })
        .collect();
    HubSpotSales {
        lead_status: lead.map(|l| sales::hubspot_lead_status(&l.work)),
        owner: owner.map(|o| cat.reps[o].key.clone()),
        stages,
        properties,
        deals,
    }
}
