//! Loading a [`Scenario`] into the HubSpot simulator's [`World`].
//!
//! Holds no state; builds a world once at start-up. Ids are handed out in creation-time order
//! (ties by the scenario's order), so the same scenario always yields the same ids. Raw scenario
//! values (hostile emails, unknown stages, amounts like "12,5") are loaded as they are: the
//! simulator serves what a messy portal holds, and closedloop has to cope.
//!
//! Sources recorded in `propertiesWithHistory`, so a connector sees a realistic mix: identity
//! fields and extra properties `IMPORT`; traffic sources `ANALYTICS`; lifecycle stages
//! `AUTOMATION_PLATFORM` (workflows); lead status, owner and deal stages `CRM_UI` by the owner's
//! user; stage dates and merge results `CALCULATED`; form conversion fields `FORM`.

use super::clock::Millis;
use super::content::{
    AttendanceState, Campaign, Form, FormValues, MarketingEvent, Owner, Participation, Pipeline, Stage, Submission,
    percentage_of,
};
use super::ids::stable_uuid;
use super::links::Links;
use super::record::{Author, ObjectKind, PropId, Record, SourceType};
use super::schema::{Computed, LIFECYCLE_STAGES, PropType, PropertyDef, Schema};
use super::state::{World, first_id};
use super::store::ObjectStore;
use super::timefmt::{iso, ms_of, ms_of_date};
use super::timeline::{EmailEvent, EmailEventKind, EmailLog, NONE, WebEvent, WebEventKind, WebLog};
use super::writes;
use crate::scenario::{PersonSpec, PropertySpec, Scenario, StageSpec};
use std::collections::HashMap;
use std::sync::Arc;

/// Why a scenario cannot be loaded into HubSpot.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LoadError {
    /// A custom property's type is not one HubSpot has.
    #[error(
        "custom property {name:?} has unknown type {kind:?} (expected string, number, datetime, date, enumeration or bool)"
    )]
    PropertyType {
        /// The property.
        name: String,
        /// The type given.
        kind: String,
    },
    /// A merge that cannot happen.
    #[error("person {person:?} is merged into {into:?}, which {why}")]
    Merge {
        /// The merged person.
        person: String,
        /// The target person.
        into: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A pipeline with no stages.
    #[error("pipeline {0:?} has no stages")]
    EmptyPipeline(String),
}

const DAY_MS: Millis = 86_400_000;
const FORM_KINDS: [&str; 5] = ["whitepaper", "ebook", "case_study", "demo", "form"];

fn default_pipeline() -> Vec<StageSpec> {
    let s = |id: &str, label: &str, p: f64, closed: bool, won: bool| StageSpec {
        id: id.into(),
        label: label.into(),
        probability: p,
        is_closed: closed,
        is_won: won,
    };
    vec![
        s("appointmentscheduled", "Appointment Scheduled", 0.2, false, false),
        s("qualifiedtobuy", "Qualified To Buy", 0.4, false, false),
        s("presentationscheduled", "Presentation Scheduled", 0.6, false, false),
        s("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, false, false),
        s("contractsent", "Contract Sent", 0.9, false, false),
        s("closedwon", "Closed Won", 1.0, true, true),
        s("closedlost", "Closed Lost", 0.0, true, false),
    ]
}

fn custom_def(spec: &PropertySpec, group: &str, at: Millis) -> Result<PropertyDef, LoadError> {
    let kind = PropType::parse(&spec.kind).ok_or_else(|| LoadError::PropertyType {
        name: spec.name.clone(),
        kind: spec.kind.clone(),
    })?;
    let mut def = PropertyDef::builtin(&spec.name, &spec.label, kind, group);
    def.hubspot_defined = false;
    def.read_only_definition = false;
    def.created_ms = at;
    def.updated_ms = at;
    let options: Vec<(&str, &str)> = spec.options.iter().map(|o| (o.as_str(), o.as_str())).collect();
    if kind == PropType::Bool {
        def.set_options(&[("true", "Yes"), ("false", "No")]);
    } else if !options.is_empty() {
        def.set_options(&options);
    }
    Ok(def)
}

/// Adds a scenario-only property as a custom string property, so its values can be served.
fn ensure_prop(schema: &mut Schema, name: &str, group: &str, at: Millis) -> PropId {
    if let Some(id) = schema.id(name) {
        return id;
    }
    let mut def = PropertyDef::builtin(name, name, PropType::String, group);
    def.hubspot_defined = false;
    def.read_only_definition = false;
    def.created_ms = at;
    def.updated_ms = at;
    schema.add(def)
}

/// A domain worth showing as a company's: not a free-mail provider, plausibly shaped.
fn company_domain(email: &str) -> Option<String> {
    const FREE: [&str; 8] = [
        "gmail.com",
        "yahoo.com",
        "hotmail.com",
        "outlook.com",
        "icloud.com",
        "gmx.de",
        "web.de",
        "aol.com",
    ];
    let domain = email.rsplit_once('@')?.1.trim().to_lowercase();
    let shaped = domain.contains('.')
        && domain.len() <= 253
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    (shaped && !FREE.contains(&domain.as_str())).then_some(domain)
}

struct Builder<'s> {
    scenario: &'s Scenario,
    world: World,
    owner_by_key: HashMap<&'s str, usize>,
    campaign_by_key: HashMap<&'s str, usize>,
    form_by_key: HashMap<&'s str, usize>,
    event_by_key: HashMap<&'s str, usize>,
    content_by_key: HashMap<&'s str, usize>,
    /// Person index → contact id.
    contact_of: HashMap<usize, u64>,
    /// Person key → person index.
    person_by_key: HashMap<&'s str, usize>,
}

/// Builds the world a scenario describes. `now` stamps nothing but what has no time of its own.
pub fn build(scenario: &Scenario, now: Millis) -> Result<World, LoadError> {
    let settings = &scenario.hubspot;
    let earliest = scenario
        .people
        .iter()
        .filter_map(|p| p.hubspot.as_ref().map(|h| ms_of(&h.created_at)))
        .chain(
            scenario
                .people
                .iter()
                .flat_map(|p| p.hubspot_deals.iter().map(|d| ms_of(&d.created_at))),
        )
        .min()
        .unwrap_or(now)
        .min(now);
    let epoch = earliest - 30 * DAY_MS;
    let mut contact_schema = Schema::for_kind(ObjectKind::Contact);
    let mut deal_schema = Schema::for_kind(ObjectKind::Deal);
    let mut company_schema = Schema::for_kind(ObjectKind::Company);

    let owners: Vec<Owner> = scenario
        .owners
        .iter()
        .enumerate()
        .map(|(i, o)| Owner {
            id: first_id::OWNER + i as u64,
            user_id: first_id::USER + i as u64,
            email: o.email.clone(),
            first_name: o.first_name.clone(),
            last_name: o.last_name.clone(),
            key: o.key.clone(),
            created_ms: epoch,
            updated_ms: epoch,
        })
        .collect();
    let owner_options: Vec<(String, String)> = owners
        .iter()
        .map(|o| {
            (
                o.id.to_string(),
                format!("{} {} ({})", o.first_name, o.last_name, o.email),
            )
        })
        .collect();
    let owner_options: Vec<(&str, &str)> = owner_options.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    for schema in [&mut contact_schema, &mut deal_schema, &mut company_schema] {
        let id = schema.builtin_id("hubspot_owner_id");
        schema.def_mut(id).set_options(&owner_options);
    }

    let specs: Vec<(String, String, Vec<StageSpec>)> = if settings.pipelines.is_empty() {
        vec![("default".into(), "Sales Pipeline".into(), default_pipeline())]
    } else {
        settings
            .pipelines
            .iter()
            .map(|p| (p.id.clone(), p.label.clone(), p.stages.clone()))
            .collect()
    };
    let mut pipelines = Vec::new();
    for (i, (id, label, stages)) in specs.into_iter().enumerate() {
        if stages.is_empty() {
            return Err(LoadError::EmptyPipeline(id));
        }
        pipelines.push(Pipeline {
            id,
            label,
            display_order: i as i32,
            stages: stages
                .iter()
                .enumerate()
                .map(|(j, s)| Stage {
                    id: s.id.clone(),
                    label: s.label.clone(),
                    display_order: j as i32,
                    probability: s.probability,
                    is_closed: s.is_closed,
                    is_won: s.is_won,
                })
                .collect(),
            created_ms: epoch,
            updated_ms: epoch,
        });
    }
    let pipeline_options: Vec<(String, String)> = pipelines.iter().map(|p| (p.id.clone(), p.label.clone())).collect();
    let mut stage_options: Vec<(String, String)> = Vec::new();
    for p in &pipelines {
        for s in &p.stages {
            if !stage_options.iter().any(|(id, _)| *id == s.id) {
                stage_options.push((s.id.clone(), s.label.clone()));
            }
        }
    }
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };
    {
        let po = as_refs(&pipeline_options);
        let so = as_refs(&stage_options);
        let po: Vec<(&str, &str)> = po.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let so: Vec<(&str, &str)> = so.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let pid = deal_schema.builtin_id("pipeline");
        deal_schema.def_mut(pid).set_options(&po);
        let sid = deal_schema.builtin_id("dealstage");
        deal_schema.def_mut(sid).set_options(&so);
        for (stage, label) in &so {
            let mut def = PropertyDef::builtin(
                &format!("hs_date_entered_{stage}"),
                &format!("Date entered \"{label}\""),
                PropType::Datetime,
                "dealinformation",
            );
            def.calculated = true;
            def.read_only_value = true;
            def.computed = Some(Computed::DateEnteredStage((*stage).to_owned()));
            deal_schema.add(def);
        }
    }
    for spec in &settings.contact_properties {
        if contact_schema.id(&spec.name).is_none() {
            contact_schema.add(custom_def(spec, "contactinformation", epoch)?);
        }
    }
    for spec in &settings.deal_properties {
        if deal_schema.id(&spec.name).is_none() {
            deal_schema.add(custom_def(spec, "dealinformation", epoch)?);
        }
    }

    let contacts = ObjectStore::new(ObjectKind::Contact, first_id::CONTACT, contact_schema.id("email"));
    let world = World {
        portal_id: settings.portal_id,
        app_id: settings.app_id,
        contacts,
        companies: ObjectStore::new(ObjectKind::Company, first_id::COMPANY, None),
        deals: ObjectStore::new(ObjectKind::Deal, first_id::DEAL, None),
        contact_schema,
        company_schema,
        deal_schema,
        links: Links::default(),
        owners,
        pipelines,
        campaigns: Vec::new(),
        forms: Vec::new(),
        marketing_events: Vec::new(),
        web: WebLog::default(),
        email: EmailLog::default(),
        next_participation_id: first_id::PARTICIPATION,
        next_submission_seq: 1,
    };
    let mut b = Builder {
        scenario,
        world,
        owner_by_key: scenario
            .owners
            .iter()
            .enumerate()
            .map(|(i, o)| (o.key.as_str(), i))
            .collect(),
        campaign_by_key: HashMap::new(),
        form_by_key: HashMap::new(),
        event_by_key: HashMap::new(),
        content_by_key: scenario
            .content
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key.as_str(), i))
            .collect(),
        contact_of: HashMap::new(),
        person_by_key: scenario
            .people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key.as_str(), i))
            .collect(),
    };
    // Phase timings go to the log: a slow start on a big world should say where the time went.
    let mut phases: Vec<(&str, u128)> = Vec::new();
    let mut clock = std::time::Instant::now();
    let mut lap = |name: &'static str, phases: &mut Vec<(&str, u128)>| {
        phases.push((name, clock.elapsed().as_millis()));
        clock = std::time::Instant::now();
    };
    b.campaigns(epoch);
    b.content(epoch);
    b.contacts();
    lap("contacts", &mut phases);
    b.companies();
    lap("companies", &mut phases);
    b.deals();
    lap("deals", &mut phases);
    b.touches();
    lap("touches", &mut phases);
    b.merges()?;
    b.archive();
    lap("merges_and_archives", &mut phases);
    b.world.web.reindex();
    b.world.email.reindex();
    for form in &mut b.world.forms {
        form.submissions.sort_by_key(|s| (s.at_ms, s.seq));
    }
    lap("event_indexes", &mut phases);
    tracing::info!(
        contacts = b.world.contacts.live_count(),
        deals = b.world.deals.live_count(),
        web_events = b.world.web.rows.len(),
        email_events = b.world.email.rows.len(),
        phases_ms = ?phases,
        "hubspot world loaded"
    );
    Ok(b.world)
}

impl<'s> Builder<'s> {
    fn owner_author(&self, key: Option<&String>) -> Author {
        match key.and_then(|k| self.owner_by_key.get(k.as_str())) {
            Some(&i) => Author {
                source: SourceType::CrmUi,
                actor: self.world.owners[i].user_id,
            },
            None => Author::system(SourceType::Import),
        }
    }

    fn owner_id(&self, key: Option<&String>) -> Option<String> {
        key.and_then(|k| self.owner_by_key.get(k.as_str()))
            .map(|&i| self.world.owners[i].id.to_string())
    }

    fn campaigns(&mut self, epoch: Millis) {
        for (i, c) in self.scenario.campaigns.iter().enumerate() {
            let created = c.starts_on.map(|d| ms_of_date(&d) - 14 * DAY_MS).unwrap_or(epoch);
            let utm: String = c
                .key
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() {
                        ch.to_ascii_lowercase()
                    } else {
                        '_'
                    }
                })
                .collect();
            self.world.campaigns.push(Campaign {
                guid: stable_uuid("campaign", &c.key),
                key: c.key.clone(),
                name: c.name.clone(),
                channel: c.channel.clone(),
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                utm,
                created_ms: created,
                updated_ms: created,
            });
            self.campaign_by_key.insert(c.key.as_str(), i);
        }
    }

    fn content(&mut self, epoch: Millis) {
        for c in &self.scenario.content {
            let campaign = c
                .campaign
                .as_ref()
                .and_then(|k| self.campaign_by_key.get(k.as_str()).copied());
            let created = campaign.map(|i| self.world.campaigns[i].created_ms).unwrap_or(epoch);
            if FORM_KINDS.contains(&c.kind.as_str()) {
                self.form_by_key.insert(c.key.as_str(), self.world.forms.len());
                self.world.forms.push(Form {
                    guid: stable_uuid("form", &c.key),
                    key: c.key.clone(),
                    name: c.title.clone(),
                    content_kind: c.kind.clone(),
                    url: c.url.clone(),
                    campaign,
                    created_ms: created,
                    updated_ms: created,
                    submissions: Vec::new(),
                });
            } else if c.kind == "webinar" {
                let start = c.starts_at.as_ref().map(ms_of);
                let end = start.zip(c.duration_minutes).map(|(s, m)| s + i64::from(m) * 60_000);
                let created = start.map(|s| s - 21 * DAY_MS).unwrap_or(created);
                self.event_by_key
                    .insert(c.key.as_str(), self.world.marketing_events.len());
                self.world.marketing_events.push(MarketingEvent {
                    object_id: first_id::MARKETING_EVENT + self.world.marketing_events.len() as u64,
                    key: c.key.clone(),
                    name: c.title.clone(),
                    external_event_id: format!("webinar-{}", c.key),
                    url: c.url.clone(),
                    start_ms: start,
                    end_ms: end,
                    campaign,
                    created_ms: created,
                    updated_ms: end.unwrap_or(created),
                    participations: Vec::new(),
                    by_contact: HashMap::new(),
                });
            }
            if let Some(url) = &c.url {
                self.world.web.page(url, Some(&c.title), Some(&c.key));
            }
        }
    }

    fn contacts(&mut self) {
        let mut order: Vec<usize> = (0..self.scenario.people.len())
            .filter(|&i| self.scenario.people[i].hubspot.is_some())
            .collect();
        order.sort_by_key(|&i| {
            (
                self.scenario.people[i]
                    .hubspot
                    .as_ref()
                    .map(|h| ms_of(&h.created_at))
                    .unwrap_or(0),
                i,
            )
        });
        for (n, &i) in order.iter().enumerate() {
            let id = first_id::CONTACT + n as u64;
            let scenario = self.scenario;
            let record = self.contact_record(id, &scenario.people[i]);
            self.contact_of.insert(i, id);
            self.world.contacts.insert(record, 0, 0);
        }
    }

    fn contact_record(&mut self, id: u64, person: &PersonSpec) -> Record {
        let Some(hs) = person.hubspot.as_ref() else {
            return Record::new(id, 0);
        };
        let created = ms_of(&hs.created_at);
        let mut extra: Vec<(PropId, &str)> = Vec::new();
        for (name, value) in &hs.properties {
            let prop = ensure_prop(&mut self.world.contact_schema, name, "contactinformation", created);
            extra.push((prop, value));
        }
        let schema = &self.world.contact_schema;
        let mut r = Record::new(id, created);
        let import = Author::system(SourceType::Import);
        let analytics = Author::system(SourceType::Analytics);
        let calculated = Author::system(SourceType::Calculated);
        let set = |r: &mut Record, name: &str, value: Option<&str>, at: Millis, author: Author| {
            if let (Some(prop), Some(v)) = (schema.id(name), value) {
                r.set(prop, v, at, author);
            }
        };
        set(&mut r, "createdate", Some(&iso(created)), created, import);
        set(&mut r, "email", Some(&person.email), created, import);
        set(&mut r, "firstname", person.first_name.as_deref(), created, import);
        set(&mut r, "lastname", person.last_name.as_deref(), created, import);
        set(&mut r, "company", person.company.as_deref(), created, import);
        set(&mut r, "country", person.country.as_deref(), created, import);
        set(&mut r, "hs_analytics_source", hs.source.as_deref(), created, analytics);
        set(
            &mut r,
            "hs_analytics_source_data_1",
            hs.source_data_1.as_deref(),
            created,
            analytics,
        );
        set(
            &mut r,
            "hs_analytics_source_data_2",
            hs.source_data_2.as_deref(),
            created,
            analytics,
        );
        set(
            &mut r,
            "hs_latest_source",
            hs.latest_source.as_deref().or(hs.source.as_deref()),
            created,
            analytics,
        );
        let owner = self.owner_id(hs.owner.as_ref());
        let owner_author = self.owner_author(hs.owner.as_ref());
        set(&mut r, "hubspot_owner_id", owner.as_deref(), created, owner_author);
        let mut last = created;
        let mut stages: Vec<&crate::scenario::StageAt> = hs.lifecycle.iter().collect();
        stages.sort_by_key(|s| ms_of(&s.at));
        for s in stages {
            let at = ms_of(&s.at);
            last = last.max(at);
            set(
                &mut r,
                "lifecyclestage",
                Some(&s.stage),
                at,
                Author::system(SourceType::AutomationPlatform),
            );
            if LIFECYCLE_STAGES.iter().any(|(known, _)| *known == s.stage) {
                let name = format!("hs_lifecyclestage_{}_date", s.stage);
                if schema.id(&name).and_then(|p| r.value(p)).is_none() {
                    set(&mut r, &name, Some(&iso(at)), at, calculated);
                }
            }
        }
        set(&mut r, "hs_lead_status", hs.lead_status.as_deref(), last, owner_author);
        for (prop, value) in extra {
            r.set(prop, value, created, import);
        }
        // Conversion fields follow the person's form submissions.
        let mut forms: Vec<(Millis, &str)> = person
            .touchpoints
            .iter()
            .filter(|t| t.kind == "form_submission")
            .filter_map(|t| {
                let content = t
                    .content
                    .as_ref()
                    .and_then(|k| self.content_by_key.get(k.as_str()))
                    .map(|&i| &self.scenario.content[i])?;
                FORM_KINDS
                    .contains(&content.kind.as_str())
                    .then(|| (ms_of(&t.at), content.title.as_str()))
            })
            .collect();
        forms.sort_by_key(|f| f.0);
        let form_author = Author::system(SourceType::Form);
        for (n, (at, name)) in forms.iter().enumerate() {
            if n == 0 {
                set(&mut r, "first_conversion_event_name", Some(name), *at, form_author);
                set(&mut r, "first_conversion_date", Some(&iso(*at)), *at, form_author);
            }
            set(&mut r, "recent_conversion_event_name", Some(name), *at, form_author);
            set(&mut r, "recent_conversion_date", Some(&iso(*at)), *at, form_author);
            set(
                &mut r,
                "num_conversion_events",
                Some(&(n + 1).to_string()),
                *at,
                form_author,
            );
        }
        // HubSpot bumps lastmodifieddate whenever analytics record activity, not only on edits.
        let latest_touch = person.touchpoints.iter().map(|t| ms_of(&t.at)).max().unwrap_or(created);
        r.updated_ms = created.max(latest_touch).max(r.latest_change().unwrap_or(created));
        r
    }

    fn companies(&mut self) {
        /// What the contacts say about one company.
        struct Seed {
            name: String,
            created: Millis,
            domain: Option<String>,
            country: Option<String>,
            contacts: Vec<u64>,
        }
        let name_prop = self.world.contact_schema.builtin_id("company");
        let email_prop = self.world.contact_schema.builtin_id("email");
        let country_prop = self.world.contact_schema.builtin_id("country");
        // Keyed by the name in lower case: "ACME" and "Acme" are one company.
        let mut by_name: HashMap<String, Seed> = HashMap::new();
        for r in self.world.contacts.all_live() {
            let Some(name) = r.value(name_prop).map(str::trim).filter(|n| !n.is_empty()) else {
                continue;
            };
            let seed = by_name.entry(name.to_lowercase()).or_insert_with(|| Seed {
                name: name.to_owned(),
                created: r.created_ms,
                domain: None,
                country: None,
                contacts: Vec::new(),
            });
            seed.created = seed.created.min(r.created_ms);
            if seed.domain.is_none() {
                seed.domain = r.value(email_prop).and_then(company_domain);
            }
            if seed.country.is_none() {
                seed.country = r.value(country_prop).map(str::to_owned);
            }
            seed.contacts.push(r.id);
        }
        let mut order: Vec<(&String, &Seed)> = by_name.iter().collect();
        order.sort_by(|a, b| (a.1.created, a.0).cmp(&(b.1.created, b.0)));
        let schema = &self.world.company_schema;
        let import = Author::system(SourceType::Import);
        let mut records = Vec::new();
        for (n, (_, seed)) in order.iter().enumerate() {
            let id = first_id::COMPANY + n as u64;
            let mut r = Record::new(id, seed.created);
            for (prop, value) in [
                ("name", Some(seed.name.as_str())),
                ("domain", seed.domain.as_deref()),
                ("country", seed.country.as_deref()),
            ] {
                if let (Some(p), Some(v)) = (schema.id(prop), value) {
                    r.set(p, v, seed.created, import);
                }
            }
            r.set(
                schema.builtin_id("createdate"),
                &iso(seed.created),
                seed.created,
                import,
            );
            records.push((r, seed.contacts.clone()));
        }
        for (r, contacts) in records {
            let id = r.id;
            self.world.companies.insert(r, 0, 0);
            for c in contacts {
                self.world
                    .links
                    .add(ObjectKind::Contact, c, ObjectKind::Company, id, true);
            }
        }
    }

    fn deals(&mut self) {
        let mut order: Vec<(Millis, usize, usize)> = Vec::new();
        for (i, p) in self.scenario.people.iter().enumerate() {
            for (j, d) in p.hubspot_deals.iter().enumerate() {
                order.push((ms_of(&d.created_at), i, j));
            }
        }
        order.sort();
        for (n, &(created, i, j)) in order.iter().enumerate() {
            let d = &self.scenario.people[i].hubspot_deals[j];
            let id = first_id::DEAL + n as u64;
            let schema = &self.world.deal_schema;
            let mut r = Record::new(id, created);
            let import = Author::system(SourceType::Import);
            let author = self.owner_author(d.owner.as_ref());
            let set = |r: &mut Record, name: &str, value: &str, at: Millis, who: Author| {
                if let Some(p) = schema.id(name) {
                    r.set(p, value, at, who);
                }
            };
            set(&mut r, "createdate", &iso(created), created, import);
            set(&mut r, "dealname", &d.name, created, import);
            set(
                &mut r,
                "pipeline",
                d.pipeline.as_deref().unwrap_or("default"),
                created,
                import,
            );
            if d.amount_history.is_empty() {
                if let Some(a) = &d.amount {
                    set(&mut r, "amount", a, created, author);
                }
            } else {
                let mut history: Vec<&crate::scenario::AmountAt> = d.amount_history.iter().collect();
                history.sort_by_key(|a| ms_of(&a.at));
                for a in history {
                    set(&mut r, "amount", &a.amount, ms_of(&a.at), author);
                }
            }
            let mut stages: Vec<&crate::scenario::StageAt> = d.stages.iter().collect();
            stages.sort_by_key(|s| ms_of(&s.at));
            let last_stage_at = stages.last().map(|s| ms_of(&s.at)).unwrap_or(created);
            for s in &stages {
                set(&mut r, "dealstage", &s.stage, ms_of(&s.at), author);
            }
            if let Some(close) = &d.close_date {
                set(&mut r, "closedate", &iso(ms_of(close)), last_stage_at, author);
            }
            if let Some(reason) = &d.close_reason {
                set(&mut r, "closed_lost_reason", reason, last_stage_at, author);
            }
            if let Some(owner) = self.owner_id(d.owner.as_ref()) {
                set(&mut r, "hubspot_owner_id", &owner, created, author);
            }
            r.updated_ms = r.latest_change().unwrap_or(created).max(created);
            self.world.deals.insert(r, 0, 0);
            if let Some(&contact) = self.contact_of.get(&i) {
                self.world
                    .links
                    .add(ObjectKind::Contact, contact, ObjectKind::Deal, id, false);
                let companies: Vec<u64> = self
                    .world
                    .links
                    .get(ObjectKind::Contact, contact, ObjectKind::Company)
                    .iter()
                    .map(|e| e.to)
                    .collect();
                for company in companies {
                    self.world
                        .links
                        .add(ObjectKind::Deal, id, ObjectKind::Company, company, true);
                }
            }
        }
    }

    fn touches(&mut self) {
        for (i, person) in self.scenario.people.iter().enumerate() {
            let Some(&contact) = self.contact_of.get(&i) else {
                continue;
            };
            if person.touchpoints.is_empty() {
                continue;
            }
            let email: Arc<str> = person.email.as_str().into();
            let mut values: Option<FormValues> = None;
            for t in &person.touchpoints {
                let at = ms_of(&t.at);
                let content = t
                    .content
                    .as_ref()
                    .and_then(|k| self.content_by_key.get(k.as_str()))
                    .map(|&c| &self.scenario.content[c]);
                let campaign_idx = t
                    .campaign
                    .as_ref()
                    .or(content.and_then(|c| c.campaign.as_ref()))
                    .and_then(|k| self.campaign_by_key.get(k.as_str()).copied());
                let campaign = campaign_idx.map_or(NONE, |c| c as u32);
                let url: Option<&str> = t.url.as_deref().or_else(|| content.and_then(|c| c.url.as_deref()));
                match t.kind.as_str() {
                    "page_view" | "cta_click" => {
                        let url = url.unwrap_or("https://www.example.com/");
                        let page = self.world.web.page(
                            url,
                            content.map(|c| c.title.as_str()),
                            content.map(|c| c.key.as_str()),
                        );
                        let kind = if t.kind == "page_view" {
                            WebEventKind::VisitedPage
                        } else {
                            WebEventKind::ClickedCta
                        };
                        self.world.web.push_unindexed(WebEvent {
                            object_id: contact,
                            at_ms: at,
                            kind,
                            page,
                            campaign,
                            form: NONE,
                        });
                    }
                    "form_submission" => {
                        let Some(form) = t
                            .content
                            .as_ref()
                            .and_then(|k| self.form_by_key.get(k.as_str()).copied())
                        else {
                            continue;
                        };
                        let url = url
                            .map(str::to_owned)
                            .unwrap_or_else(|| format!("https://www.example.com/forms/{}", self.world.forms[form].key));
                        let title = self.world.forms[form].name.clone();
                        let key = self.world.forms[form].key.clone();
                        let page = self.world.web.page(&url, Some(&title), Some(&key));
                        let values = values
                            .get_or_insert_with(|| {
                                [
                                    ("email", Some(person.email.as_str())),
                                    ("firstname", person.first_name.as_deref()),
                                    ("lastname", person.last_name.as_deref()),
                                    ("company", person.company.as_deref()),
                                    ("country", person.country.as_deref()),
                                ]
                                .into_iter()
                                .filter_map(|(n, v)| v.map(|v| (Box::<str>::from(n), Box::<str>::from(v))))
                                .collect()
                            })
                            .clone();
                        let seq = self.world.next_submission_seq;
                        self.world.next_submission_seq += 1;
                        self.world.forms[form].submissions.push(Submission {
                            at_ms: at,
                            contact_id: contact,
                            values,
                            page_url: url.as_str().into(),
                            seq,
                        });
                        let form_campaign = if campaign == NONE {
                            self.world.forms[form].campaign.map_or(NONE, |c| c as u32)
                        } else {
                            campaign
                        };
                        self.world.web.push_unindexed(WebEvent {
                            object_id: contact,
                            at_ms: at,
                            kind: WebEventKind::SubmittedForm,
                            page,
                            campaign: form_campaign,
                            form: form as u32,
                        });
                    }
                    "webinar" => {
                        let Some(event) = t
                            .content
                            .as_ref()
                            .and_then(|k| self.event_by_key.get(k.as_str()).copied())
                        else {
                            continue;
                        };
                        let attendance = t.attendance.as_ref();
                        let state = attendance
                            .and_then(|a| AttendanceState::parse(&a.state))
                            .unwrap_or(AttendanceState::Registered);
                        let duration = attendance
                            .and_then(|a| a.duration_seconds)
                            .map(u64::from)
                            .filter(|_| state == AttendanceState::Attended);
                        let running = self.world.marketing_events[event].duration_s();
                        let percentage = attendance
                            .and_then(|a| a.percentage.clone())
                            .or_else(|| duration.zip(running).and_then(|(d, r)| percentage_of(d, r)))
                            .filter(|_| state == AttendanceState::Attended);
                        let registered = attendance
                            .and_then(|a| a.registered_at.as_ref())
                            .map(ms_of)
                            .unwrap_or(at);
                        let mut next = self.world.next_participation_id;
                        self.world.marketing_events[event].record(
                            &mut next,
                            Participation {
                                id: 0,
                                contact_id: contact,
                                email: email.clone(),
                                state,
                                occurred_ms: at,
                                created_ms: registered.min(at),
                                duration_s: duration,
                                percentage: percentage.map(Into::into),
                            },
                        );
                        self.world.next_participation_id = next;
                    }
                    "email_click" | "email_open" => {
                        let name = t
                            .email_name
                            .as_deref()
                            .or_else(|| content.map(|c| c.title.as_str()))
                            .unwrap_or("Newsletter");
                        let email_idx = self.world.email.campaign(name, campaign_idx, first_id::EMAIL_CAMPAIGN);
                        let (kind, url) = if t.kind == "email_click" {
                            let page = url.map(|u| {
                                self.world.web.page(
                                    u,
                                    content.map(|c| c.title.as_str()),
                                    content.map(|c| c.key.as_str()),
                                )
                            });
                            (EmailEventKind::Click, page.unwrap_or(NONE))
                        } else {
                            (EmailEventKind::Open, NONE)
                        };
                        self.world.email.rows.push(EmailEvent {
                            recipient: email.clone(),
                            at_ms: at,
                            kind,
                            email: email_idx,
                            url,
                        });
                    }
                    // `campaign_response` and other kinds are Salesforce's, or not HubSpot's to serve.
                    _ => {}
                }
            }
        }
    }

    fn merges(&mut self) -> Result<(), LoadError> {
        let mut merges: Vec<(Millis, usize, usize)> = Vec::new();
        for (i, p) in self.scenario.people.iter().enumerate() {
            let Some(into) = p.hubspot.as_ref().and_then(|h| h.merged_into.as_ref()) else {
                continue;
            };
            let err = |why| LoadError::Merge {
                person: p.key.clone(),
                into: into.clone(),
                why,
            };
            let &j = self
                .person_by_key
                .get(into.as_str())
                .ok_or_else(|| err("does not exist"))?;
            if i == j {
                return Err(err("is the same person"));
            }
            if !self.contact_of.contains_key(&j) {
                return Err(err("has no HubSpot contact"));
            }
            let at = p
                .hubspot
                .as_ref()
                .and_then(|h| h.merged_at.as_ref())
                .map(ms_of)
                .unwrap_or_else(|| {
                    self.world
                        .contacts
                        .get(self.contact_of[&i])
                        .map(|r| r.updated_ms)
                        .unwrap_or(0)
                });
            merges.push((at, i, j));
        }
        merges.sort();
        for (at, i, j) in merges {
            let (merged, primary) = (self.contact_of[&i], self.contact_of[&j]);
            let before = self
                .world
                .contacts
                .resolve(primary)
                .and_then(|p| self.world.contacts.get(p))
                .map(|r| r.updated_ms)
                .unwrap_or(at);
            match writes::merge(&mut self.world, ObjectKind::Contact, primary, merged, at, 0) {
                Ok(survivor) => {
                    // A merge stamps its own time, but never moves the survivor's clock backwards.
                    self.world
                        .contacts
                        .modify(survivor, at, 0, |r| r.updated_ms = r.updated_ms.max(before));
                }
                Err(_) => {
                    return Err(LoadError::Merge {
                        person: self.scenario.people[i].key.clone(),
                        into: self.scenario.people[j].key.clone(),
                        why: "was already merged into it (a merge cycle)",
                    });
                }
            }
        }
        Ok(())
    }

    fn archive(&mut self) {
        for (i, p) in self.scenario.people.iter().enumerate() {
            let Some(at) = p.hubspot.as_ref().and_then(|h| h.archived_at.as_ref()) else {
                continue;
            };
            let Some(&id) = self.contact_of.get(&i) else { continue };
            if !self.world.contacts.is_merged_away(id) {
                self.world.contacts.archive(id, ms_of(at), 0);
            }
        }
    }
}
