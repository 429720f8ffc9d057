//! People, one at a time: identity, journey, touches and CRM story assembled into `PersonSpec`s,
//! with duplicates, archived contacts and hostile records mixed in.
//!
//! State: [`People`] is an iterator holding what must stay consistent across people: the set of
//! emails already given out (so only deliberate duplicates share one), a duplicate person waiting
//! for the next slot, and the budget of huge strings. Person `n` (its key is `p-00000n`) draws
//! from its own ChaCha stream, so it does not depend on how many random numbers earlier people used.
//!
//! Who people are: 95.5% come through marketing (a HubSpot contact with a journey), 2% are leads
//! sales created, 2% contacts sales created directly, 0.5% partners (lifecycle `other`).

use super::Generator;
use super::catalog::Acquisition;
use super::channel::Channel;
use super::crm::{self, Origin, Prospect, SalesStory};
use super::funnel::{self, Conversion, Journey};
use super::hostile::{self, HUGE_MAX, HugeBudget};
use super::names::{self, Fit, PERSONAL_DOMAINS, PoorFit};
use super::sample::{DAY, Draw, HOUR, MINUTE, next_working_moment, to_utc};
use super::touches::{self, Touch};
use crate::scenario::{ActivitySpec, ContactSpec, HubSpotContactSpec, LeadSpec, PersonSpec, StageAt, TouchSpec};
use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

/// The people of a generated world, in key order.
pub struct People<'a> {
    generator: &'a Generator,
    next: usize,
    pending: Option<PersonSpec>,
    emails: HashSet<u64>,
    huge: HugeBudget,
}

/// How a person first met the company.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Marketing,
    SalesLead,
    SalesContact,
    Partner,
}

/// Which kind of duplicate a person gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Duplicate {
    /// A second Salesforce lead with the same email.
    SecondLead,
    /// A Salesforce contact next to the lead, same email.
    LeadAndContact,
    /// Another person record holding the same email in other letter case, known to Salesforce only.
    CaseVariant,
    /// A second HubSpot contact (personal email), merged into this one.
    Merge,
}

impl<'a> People<'a> {
    pub(crate) fn new(generator: &'a Generator) -> Self {
        People {
            generator,
            next: 0,
            pending: None,
            emails: HashSet::with_capacity(generator.spec.contacts),
            huge: HugeBudget(HUGE_MAX),
        }
    }

    /// Generates the person in `slot`, and the duplicate person for the next slot if one is drawn.
    fn make(&mut self, slot: usize) -> (PersonSpec, Option<PersonSpec>) {
        let g = self.generator;
        let cat = &g.catalog;
        let spec = &g.spec;
        let mut d = g.draw(slot as u64);
        let kind = d.weighted_pick(&[
            (Kind::Marketing, 95.5),
            (Kind::SalesLead, 2.0),
            (Kind::SalesContact, 2.0),
            (Kind::Partner, 0.5),
        ]);
        let acquisition = match kind {
            Kind::Marketing => funnel::acquire(cat, &mut d),
            Kind::Partner => Acquisition::Organic(Channel::Referral),
            Kind::SalesLead | Kind::SalesContact => Acquisition::Organic(Channel::Offline),
        };
        let campaign = match acquisition {
            Acquisition::Campaign(i) => Some(i),
            Acquisition::Organic(_) => None,
        };
        let company_index = self.pick_company(campaign.and_then(|c| cat.campaigns[c].country), &mut d);
        let country = names::company_country(company_index, spec.seed);
        let company = names::company_name(company_index);
        let fit = funnel::fit(funnel::poor_fit_share(cat, acquisition), &mut d);
        let first = names::first_name(&mut d);
        let last = names::last_name(&mut d);
        let personal = match fit {
            Fit::Poor(PoorFit::Student) => 0.9,
            Fit::Poor(PoorFit::BadData) => 0.5,
            _ => 0.06,
        };
        let domain = if d.chance(personal) {
            (d.pick(PERSONAL_DOMAINS)).to_owned()
        } else {
            names::company_domain(&company, country)
        };
        let local = if fit == Fit::Poor(PoorFit::BadData) && d.chance(0.5) {
            (d.pick(&["test", "asdf", "none", "noreply", "x"])).to_owned()
        } else {
            names::email_local(first, last, &mut d)
        };
        let email = self.unique_email(&local, &domain);
        let country_text = if d.chance(0.05) {
            d.pick(country.variants)
        } else {
            country.name
        };
        let title = names::title(fit, &mut d);
        let prospect = Prospect {
            company: &company,
            country,
            fit,
            title,
            industry: names::company_industry(company_index),
            campaign,
        };

        let mut person = PersonSpec {
            key: person_key(slot),
            email,
            first_name: Some(first.to_owned()),
            last_name: Some(last.to_owned()),
            company: Some(company.clone()),
            country: Some(country_text.to_owned()),
            ..PersonSpec::default()
        };
        let mut touches: Vec<Touch> = Vec::new();
        let story: SalesStory;
        match kind {
            Kind::Marketing | Kind::Partner => {
                let j = funnel::plan(cat, acquisition, fit, &mut d);
                touches = touches::generate(cat, &j, f64::from(spec.touches), &mut d);
                story = if kind == Kind::Partner {
                    SalesStory::default()
                } else {
                    crm::story(cat, spec, Origin::Marketing, Some(&j), &prospect, j.created_at, &mut d)
                };
                let mut stages: Vec<(&str, i64)> = Vec::new();
                if kind == Kind::Partner {
                    stages.push(("other", j.created_at));
                } else {
                    stages.extend(j.subscriber_at.map(|t| ("subscriber", t)));
                    stages.extend(j.lead_at.map(|t| ("lead", t)));
                    stages.extend(j.mql_at.map(|t| ("marketingqualifiedlead", t)));
                }
                let mut contact = marketing_contact(g, &j, &stages, &touches, &mut d);
                if spec.hubspot_crm {
                    apply_hubspot_sales(g, &mut person, &mut contact, &story, &mut d);
                }
                person.hubspot = Some(contact);
            }
            Kind::SalesLead | Kind::SalesContact => {
                // Sales enters people during its working day.
                let open = country.territory.map_or(7, |t| t.open_hour());
                let origin_at = next_working_moment(growth_instant(cat.start, cat.end - 3 * DAY, &mut d), open)
                    + d.int(0, 8 * 60) * MINUTE;
                let origin = if kind == Kind::SalesLead {
                    Origin::SalesLead
                } else {
                    Origin::SalesContact
                };
                story = crm::story(cat, spec, origin, None, &prospect, origin_at, &mut d);
                if spec.hubspot_crm {
                    let mut contact = sales_entered_contact(origin_at, "CRM_UI");
                    apply_hubspot_sales(g, &mut person, &mut contact, &story, &mut d);
                    person.hubspot = Some(contact);
                } else if d.chance(0.3) {
                    // Synced into HubSpot by the marketing platform's CRM integration.
                    let synced = origin_at + d.int(HOUR, DAY);
                    let synced = d.by_end(synced, origin_at, cat.end);
                    person.hubspot = Some(sales_entered_contact(synced, "INTEGRATION"));
                }
            }
        }
        if !spec.hubspot_crm {
            person.salesforce = crm::to_salesforce(cat, &story, &prospect, &touches);
        }
        person.touchpoints = touches::to_specs(cat, &touches);

        let mut duplicate = None;
        if d.chance(spec.duplicates) {
            duplicate = self.duplicate(slot, &mut person, &prospect, &mut d);
        }
        let merged_target = duplicate
            .as_ref()
            .is_some_and(|p| p.hubspot.as_ref().is_some_and(|h| h.merged_into.is_some()));
        if !merged_target
            && let Some(h) = person.hubspot.as_mut()
            && d.chance(0.005)
        {
            // Deleted in HubSpot (a GDPR request, a hard bounce clean-up).
            let at = h.created_at.timestamp() + d.delay(90.0 * DAY as f64, 1.0);
            h.archived_at = (at <= cat.end).then(|| to_utc(at));
        }
        if d.chance(spec.hostile) {
            person.hostile = Some(hostile::corrupt(&mut person, slot, cat.end, &mut self.huge, &mut d));
        }
        if let Some(dup) = duplicate.as_mut()
            && d.chance(spec.hostile)
        {
            dup.hostile = Some(hostile::corrupt(dup, slot + 1, cat.end, &mut self.huge, &mut d));
        }
        (person, duplicate)
    }

    /// Draws a duplicate for `person`: changes their own CRM records, or returns another person
    /// for the next slot.
    fn duplicate(
        &mut self,
        slot: usize,
        person: &mut PersonSpec,
        p: &Prospect<'_>,
        d: &mut Draw,
    ) -> Option<PersonSpec> {
        let g = self.generator;
        let cat = &g.catalog;
        let salesforce_mode = !g.spec.hubspot_crm;
        let has_lead = person.salesforce.as_ref().is_some_and(|s| !s.leads.is_empty());
        let room = slot + 1 < g.spec.contacts;
        let weights = [
            (
                Duplicate::SecondLead,
                if salesforce_mode && has_lead { 35.0 } else { 0.0 },
            ),
            (
                Duplicate::LeadAndContact,
                if salesforce_mode && has_lead { 25.0 } else { 0.0 },
            ),
            (Duplicate::CaseVariant, if salesforce_mode && room { 20.0 } else { 0.0 }),
            (
                Duplicate::Merge,
                if person.hubspot.is_some() && room { 20.0 } else { 0.0 },
            ),
        ];
        if weights.iter().all(|(_, w)| *w == 0.0) {
            return None;
        }
        let sdrs = cat.sdrs_for(p.country.territory);
        match d.weighted_pick(&weights) {
            Duplicate::SecondLead => {
                let sf = person.salesforce.as_mut()?;
                let first = sf.leads.first()?.created_at.timestamp();
                let created = first + d.delay(30.0 * DAY as f64, 1.0);
                let created = d.by_end(created, first, cat.end);
                let owner = cat.reps[d.pick(sdrs)].key.clone();
                let mut statuses = vec![StageAt {
                    stage: super::sales::OPEN.to_owned(),
                    at: to_utc(created),
                }];
                let mut reason = None;
                let mut deleted_at = None;
                match d.weighted(&[50.0, 25.0, 25.0]) {
                    0 => {
                        let at = created + d.delay(2.0 * DAY as f64, 0.8);
                        let at = d.by_end(at, created, cat.end);
                        statuses.push(StageAt {
                            stage: super::sales::CLOSED.to_owned(),
                            at: to_utc(at),
                        });
                        reason = Some("Duplicate".to_owned());
                    }
                    1 => {
                        let at = created + d.delay(3.0 * DAY as f64, 0.8);
                        deleted_at = Some(to_utc(d.by_end(at, created, cat.end)));
                    }
                    _ => {}
                }
                sf.leads.push(LeadSpec {
                    created_at: to_utc(created),
                    statuses,
                    lead_source: Some((d.pick(&["Purchased List", "Web", "Trade Show", "Phone Inquiry"])).to_owned()),
                    owner: Some(owner),
                    company: None,
                    unqualified_reason: reason,
                    converted_at: None,
                    deleted_at,
                    fields: BTreeMap::new(),
                });
                None
            }
            Duplicate::LeadAndContact => {
                let sf = person.salesforce.as_mut()?;
                let first = sf.leads.first()?.created_at.timestamp();
                let aes = cat.aes_for(p.country.territory);
                let ae = d.pick(aes);
                let created = first + d.delay(20.0 * DAY as f64, 1.0);
                let created = d.working_time(created, cat.reps[ae].territory.open_hour());
                let created = d.by_end(created, first, cat.end);
                let owner = cat.reps[ae].key.clone();
                if sf.contact.is_none() {
                    sf.contact = Some(ContactSpec {
                        created_at: to_utc(created),
                        lead_source: Some("Other".to_owned()),
                        owner: Some(owner),
                        fields: BTreeMap::new(),
                    });
                } else {
                    sf.activities.push(ActivitySpec {
                        kind: "email".to_owned(),
                        at: to_utc(created),
                        owner: Some(owner),
                        subject: Some("Email: Introduction".to_owned()),
                        outcome: None,
                    });
                }
                None
            }
            Duplicate::CaseVariant => {
                let variant = case_variant(&person.email, d);
                let since = person
                    .hubspot
                    .as_ref()
                    .map(|h| h.created_at.timestamp())
                    .or(person
                        .salesforce
                        .as_ref()
                        .and_then(|s| s.leads.first().map(|l| l.created_at.timestamp())))
                    .unwrap_or(cat.start);
                let created = since + d.delay(20.0 * DAY as f64, 1.0);
                let created = d.by_end(created, since, cat.end);
                let story = crm::story(cat, &g.spec, Origin::SalesLead, None, p, created, d);
                Some(PersonSpec {
                    key: person_key(slot + 1),
                    email: variant,
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    company: person.company.clone(),
                    country: person.country.clone(),
                    salesforce: crm::to_salesforce(cat, &story, p, &[]),
                    ..PersonSpec::default()
                })
            }
            Duplicate::Merge => {
                let survivor = person.hubspot.as_ref()?;
                let first = person.first_name.clone().unwrap_or_default();
                let last = person.last_name.clone().unwrap_or_default();
                let local = format!("{}.{}", names::fold_word(&first), names::fold_word(&last));
                let email = self.unique_email(&local, d.pick(PERSONAL_DOMAINS));
                let around = survivor.created_at.timestamp();
                let created = around + d.int(-60, 60) * DAY + d.int(0, 86_399);
                let created = if created < cat.start {
                    d.between(cat.start, around)
                } else {
                    created
                };
                let created = d.by_end(created, around, cat.end);
                let merged = created.max(around) + d.delay(30.0 * DAY as f64, 1.0);
                let merge = (merged <= cat.end).then_some(merged);
                let mut visit = TouchSpec {
                    kind: "page_view".to_owned(),
                    at: to_utc(created - d.int(1, 20) * MINUTE),
                    content: None,
                    campaign: None,
                    url: Some(format!("{}/blog/what-is-an-mql", super::catalog::SITE)),
                    email_name: None,
                    attendance: None,
                };
                let form = TouchSpec {
                    kind: "form_submission".to_owned(),
                    at: to_utc(created),
                    content: Some(cat.content[cat.newsletter_form].key.clone()),
                    campaign: cat.content[cat.newsletter_form]
                        .campaign
                        .map(|c| cat.campaigns[c].key.clone()),
                    url: Some(cat.content[cat.newsletter_form].url.clone()),
                    email_name: None,
                    attendance: None,
                };
                if visit.at.timestamp() < cat.start {
                    visit.at = to_utc(created);
                }
                let (d1, d2) = Channel::OrganicSearch.source_data(None, d);
                Some(PersonSpec {
                    key: person_key(slot + 1),
                    email,
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    company: None,
                    country: person.country.clone(),
                    hubspot: Some(HubSpotContactSpec {
                        created_at: to_utc(created),
                        lifecycle: vec![StageAt {
                            stage: "subscriber".to_owned(),
                            at: to_utc(created),
                        }],
                        lead_status: None,
                        source: Some(Channel::OrganicSearch.hubspot_value().to_owned()),
                        source_data_1: d1,
                        source_data_2: d2,
                        latest_source: Some(Channel::OrganicSearch.hubspot_value().to_owned()),
                        owner: None,
                        archived_at: None,
                        merged_into: merge.map(|_| person.key.clone()),
                        merged_at: merge.map(to_utc),
                        properties: BTreeMap::new(),
                    }),
                    touchpoints: vec![visit, form],
                    ..PersonSpec::default()
                })
            }
        }
    }

    /// A company index, skewed so some companies have many people; a campaign aimed at a country
    /// mostly brings people from companies in that country.
    fn pick_company(&self, country: Option<&str>, d: &mut Draw) -> u64 {
        let pool = (self.generator.spec.contacts / 6).max(50) as f64;
        let tries = if country.is_some() { 24 } else { 1 };
        let mut index = 0;
        for _ in 0..tries {
            index = (pool * d.unit().powf(1.6)) as u64;
            if country.is_none_or(|c| names::company_country(index, self.generator.spec.seed).name == c) {
                break;
            }
        }
        index
    }

    /// `local@domain`, or `local2@domain`, `local3@domain`... when taken (case-insensitively).
    fn unique_email(&mut self, local: &str, domain: &str) -> String {
        let mut candidate = format!("{local}@{domain}");
        let mut n = 1;
        while !self.emails.insert(email_hash(&candidate)) {
            n += 1;
            candidate = format!("{local}{n}@{domain}");
        }
        candidate
    }
}

impl Iterator for People<'_> {
    type Item = PersonSpec;

    fn next(&mut self) -> Option<PersonSpec> {
        if self.next >= self.generator.spec.contacts {
            return None;
        }
        let slot = self.next;
        self.next += 1;
        if let Some(p) = self.pending.take() {
            return Some(p);
        }
        let (person, duplicate) = self.make(slot);
        self.pending = duplicate;
        Some(person)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.generator.spec.contacts - self.next;
        (left, Some(left))
    }
}

impl ExactSizeIterator for People<'_> {}

/// The key of the person in `slot`.
fn person_key(slot: usize) -> String {
    format!("p-{:06}", slot + 1)
}

/// A case-insensitive hash of an email, for the set of emails in use.
fn email_hash(email: &str) -> u64 {
    let mut h = DefaultHasher::new();
    for b in email.bytes() {
        b.to_ascii_lowercase().hash(&mut h);
    }
    h.finish()
}

/// The same address as another system would hold it after hand entry: other letter case,
/// stray spaces.
fn case_variant(email: &str, d: &mut Draw) -> String {
    match d.index(4) {
        0 => email.to_uppercase(),
        1 => {
            let mut out = String::with_capacity(email.len());
            let mut start = true;
            for c in email.chars() {
                out.extend(if start {
                    c.to_uppercase().collect::<Vec<_>>()
                } else {
                    vec![c]
                });
                start = matches!(c, '.' | '@' | '_');
            }
            out
        }
        2 => format!(" {email} "),
        _ => match email.split_once('@') {
            Some((l, r)) => format!("{l}@{}", r.to_uppercase()),
            None => email.to_uppercase(),
        },
    }
}

/// An instant in `lo..=hi`, later ones more likely (the company grows).
fn growth_instant(lo: i64, hi: i64, d: &mut Draw) -> i64 {
    lo + ((hi - lo).max(0) as f64 * d.unit().powf(0.8)) as i64
}

/// The HubSpot contact marketing holds for a journey.
fn marketing_contact(
    g: &Generator,
    j: &Journey,
    stages: &[(&str, i64)],
    touches: &[Touch],
    d: &mut Draw,
) -> HubSpotContactSpec {
    let cat = &g.catalog;
    let campaign = j.campaign.map(|c| &cat.campaigns[c]);
    let (source, d1, d2) = if j.conversion == Conversion::Import {
        (
            Channel::Offline,
            Some("IMPORT".to_owned()),
            campaign.map(|c| format!("{} list", c.name)),
        )
    } else {
        let (d1, d2) = j.channel.source_data(campaign.map(|c| c.slug.as_str()), d);
        (j.channel, d1, d2)
    };
    let latest = touches.last().map_or(source, |t| t.channel);
    HubSpotContactSpec {
        created_at: to_utc(j.created_at),
        lifecycle: stages
            .iter()
            .map(|(s, t)| StageAt {
                stage: (*s).to_owned(),
                at: to_utc(*t),
            })
            .collect(),
        lead_status: None,
        source: Some(source.hubspot_value().to_owned()),
        source_data_1: d1,
        source_data_2: d2,
        latest_source: Some(latest.hubspot_value().to_owned()),
        owner: None,
        archived_at: None,
        merged_into: None,
        merged_at: None,
        properties: BTreeMap::new(),
    }
}

/// A HubSpot contact for someone sales entered: by hand in HubSpot (`CRM_UI`) or synced from
/// Salesforce (`INTEGRATION`).
fn sales_entered_contact(created: i64, how: &str) -> HubSpotContactSpec {
    HubSpotContactSpec {
        created_at: to_utc(created),
        lifecycle: vec![StageAt {
            stage: "lead".to_owned(),
            at: to_utc(created),
        }],
        lead_status: None,
        source: Some(Channel::Offline.hubspot_value().to_owned()),
        source_data_1: Some(how.to_owned()),
        source_data_2: Some(if how == "INTEGRATION" { "salesforce" } else { "sales" }.to_owned()),
        latest_source: Some(Channel::Offline.hubspot_value().to_owned()),
        owner: None,
        archived_at: None,
        merged_into: None,
        merged_at: None,
        properties: BTreeMap::new(),
    }
}

/// When HubSpot is the CRM: the lead status, owner, later lifecycle stages, sales properties and deals.
fn apply_hubspot_sales(
    g: &Generator,
    person: &mut PersonSpec,
    contact: &mut HubSpotContactSpec,
    story: &SalesStory,
    d: &mut Draw,
) {
    let sales = crm::to_hubspot(&g.catalog, story, d);
    contact.lead_status = sales.lead_status.map(str::to_owned);
    contact.owner = sales.owner;
    let last = contact.lifecycle.last().map(|s| s.at);
    for (stage, at) in sales.stages {
        // Stages only move forward in time: a stage reached before the contact's last recorded
        // one (a direct sales contact marketing met later) is recorded at that moment instead.
        let at = to_utc(at);
        let at = match last {
            Some(l) if at < l => l,
            _ => at,
        };
        contact.lifecycle.push(StageAt {
            stage: stage.to_owned(),
            at,
        });
    }
    for (name, value) in sales.properties {
        contact.properties.insert(name.to_owned(), value);
    }
    person.hubspot_deals = sales.deals;
}
