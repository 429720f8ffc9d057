//! Scenario → org: compiles the people-centric scenario into Salesforce records.
//!
//! Holds no state beyond the [`Org`] it builds. Per person: an Account for their company (when a
//! contact or opportunity needs one), the Contact (created directly, or by converting a lead),
//! Opportunities with their stage and amount history and a primary contact role, Leads with their
//! status history as `LeadHistory` rows, conversion fields and deletions, Tasks and Events (moved
//! from the lead to the contact by conversion, as Salesforce does, which bumps their modstamps to
//! the conversion instant), and CampaignMembers. All times are truncated to whole seconds, as
//! Salesforce stores them, so records written in the same second share a `SystemModstamp`.
//!
//! Values are loaded raw where Salesforce's type allows (a legacy picklist value, an odd email):
//! a scenario may hold hostile data that closedloop must quarantine. Values that cannot exist in
//! the field's type (`"abc"` in a currency) are dropped to null and counted in [`LoadReport`].

use super::derive::{self, set};
use super::errors::SimError;
use super::ids::SfId;
use super::schema::custom;
use super::schema::standard::{self, Picklists};
use super::schema::{FieldDef, FieldType, Schema};
use super::state::{Org, OrgConfig};
use super::time::{self, stamp_of};
use super::value::{Val, coerce};
use crate::scenario::{ActivitySpec, LeadSpec, OpportunitySpec, PersonSpec, SalesforcePersonSpec, Scenario};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// What loading produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// Records per object.
    pub records: BTreeMap<String, usize>,
    /// Scenario values that could not exist in their field's type and were loaded as null.
    pub values_dropped: usize,
    /// Activities and campaign memberships of people with neither a lead nor a contact.
    pub skipped: usize,
}

/// What Salesforce puts in required text fields a web form left empty.
const NOT_PROVIDED: &str = "[not provided]";

/// Builds the org a scenario describes.
pub fn build(scenario: &Scenario, now_ms: i64) -> Result<(Org, LoadReport), SimError> {
    scenario
        .check_references()
        .map_err(|e| SimError::Scenario(e.to_string()))?;
    let settings = &scenario.salesforce;
    let picklists = picklists(scenario);
    let mut objects = standard::objects(&picklists);
    custom::apply(&mut objects, settings, &implied_fields(scenario)?).map_err(SimError::Scenario)?;
    for rule in &settings.validation_rules {
        let object = objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(&rule.object))
            .ok_or_else(|| {
                SimError::Scenario(format!(
                    "validation rule {:?} is on unknown sObject {:?}",
                    rule.name, rule.object
                ))
            })?;
        for field in rule.when.iter().map(|c| &c.field).chain(rule.error_field.iter()) {
            if object.column(field).is_none() {
                return Err(SimError::Scenario(format!(
                    "validation rule {:?} names unknown field {}.{field}",
                    rule.name, rule.object
                )));
            }
        }
    }
    let config = OrgConfig {
        lead_statuses: settings.lead_statuses.clone(),
        stages: settings.opportunity_stages.clone(),
        responded_statuses: responded_statuses(scenario),
        retention_days: settings.deleted_retention_days,
        currencies: picklists.currencies.clone(),
    };
    if config.lead_statuses.is_empty() || config.stages.is_empty() {
        return Err(SimError::Scenario(
            "lead_statuses and opportunity_stages must not be empty".into(),
        ));
    }
    let org = Org::new(Schema::new(objects), config, settings.validation_rules.clone());
    let mut loader = Loader {
        org,
        report: LoadReport::default(),
        interned: HashSet::new(),
        owners: HashMap::new(),
        campaigns: HashMap::new(),
        accounts: HashMap::new(),
        now_ms,
    };
    loader.users(scenario);
    loader.campaigns(scenario);
    for person in &scenario.people {
        if let Some(sf) = &person.salesforce {
            loader.person(person, sf)?;
        }
    }
    loader.system_touches(scenario)?;
    let Loader { org, mut report, .. } = loader;
    for table in &org.tables {
        report.records.insert(table.schema.name.clone(), table.len());
    }
    Ok((org, report))
}

/// The picklists that depend on the scenario.
fn picklists(scenario: &Scenario) -> Picklists {
    let settings = &scenario.salesforce;
    let mut member_statuses: BTreeSet<String> = ["Sent", "Responded"].into_iter().map(String::from).collect();
    let mut currencies = BTreeSet::new();
    for sf in scenario.people.iter().filter_map(|p| p.salesforce.as_ref()) {
        member_statuses.extend(sf.campaign_memberships.iter().map(|m| m.status.clone()));
        currencies.extend(sf.opportunities.iter().filter_map(|o| o.currency.clone()));
    }
    let currencies = if currencies.is_empty() {
        Vec::new()
    } else {
        // The corporate currency comes first; a multi-currency org always has one.
        std::iter::once("USD".to_owned())
            .chain(currencies.into_iter().filter(|c| c != "USD"))
            .collect()
    };
    Picklists {
        lead_statuses: settings.lead_statuses.iter().map(|s| s.value.clone()).collect(),
        stages: settings.opportunity_stages.iter().map(|s| s.id.clone()).collect(),
        member_statuses: member_statuses.into_iter().collect(),
        currencies,
    }
}

/// Member statuses that count as responses: `Responded`, and any status the scenario gives a
/// response date.
fn responded_statuses(scenario: &Scenario) -> std::collections::HashSet<String> {
    let mut out: std::collections::HashSet<String> = std::iter::once("Responded".to_owned()).collect();
    for sf in scenario.people.iter().filter_map(|p| p.salesforce.as_ref()) {
        out.extend(
            sf.campaign_memberships
                .iter()
                .filter(|m| m.responded_at.is_some())
                .map(|m| m.status.clone()),
        );
    }
    out
}

/// Custom fields the data needs but the scenario did not declare: the close-reason and
/// disqualification-reason fields, and `__c` keys of `fields` maps (typed by their first value).
fn implied_fields(scenario: &Scenario) -> Result<BTreeMap<String, Vec<FieldDef>>, SimError> {
    let mut out: BTreeMap<String, Vec<FieldDef>> = BTreeMap::new();
    out.entry("Lead".into()).or_default().push(FieldDef::new(
        "Unqualified_Reason__c",
        "Unqualified Reason",
        FieldType::String,
    ));
    out.entry("Opportunity".into()).or_default().push(FieldDef::new(
        "Loss_Reason__c",
        "Loss Reason",
        FieldType::String,
    ));
    let mut add = |object: &str, fields: &BTreeMap<String, serde_json::Value>| -> Result<(), SimError> {
        for (name, value) in fields {
            if !name.ends_with("__c") {
                continue;
            }
            if !custom::is_custom_name(name) {
                return Err(SimError::Scenario(format!(
                    "field {object}.{name} is not a valid custom field name"
                )));
            }
            let list = out.entry(object.to_owned()).or_default();
            if value.is_null() || list.iter().any(|f| f.name.eq_ignore_ascii_case(name)) {
                continue;
            }
            let kind = match value {
                serde_json::Value::Bool(_) => FieldType::Boolean,
                serde_json::Value::Number(_) => FieldType::Double,
                _ => FieldType::String,
            };
            list.push(FieldDef::new(
                name,
                &name.trim_end_matches("__c").replace('_', " "),
                kind,
            ));
        }
        Ok(())
    };
    for sf in scenario.people.iter().filter_map(|p| p.salesforce.as_ref()) {
        for lead in &sf.leads {
            add("Lead", &lead.fields)?;
        }
        if let Some(contact) = &sf.contact {
            add("Contact", &contact.fields)?;
        }
    }
    Ok(out)
}

struct Loader {
    org: Org,
    report: LoadReport,
    /// One shared copy of each low-cardinality text value (statuses, sources, subjects...):
    /// a million leads then hold pointers to a handful of strings instead of millions of copies.
    interned: HashSet<Arc<str>>,
    owners: HashMap<String, SfId>,
    campaigns: HashMap<String, SfId>,
    accounts: HashMap<String, SfId>,
    now_ms: i64,
}

/// Text fields whose values repeat across many records.
const REPEATED_TEXT: &[&str] = &[
    "Company",
    "Country",
    "MailingCountry",
    "BillingCountry",
    "City",
    "Title",
    "CallDisposition",
];

impl Loader {
    /// Appends a row, sharing repeated text values.
    fn seed(&mut self, table: usize, mut vals: Vec<Val>) -> (u32, SfId) {
        let schema = Arc::clone(self.org.object(table));
        for (field, val) in schema.fields.iter().zip(vals.iter_mut()) {
            let repeated = matches!(
                field.kind,
                FieldType::Picklist | FieldType::Combobox | FieldType::AnyType
            ) || REPEATED_TEXT.contains(&field.name.as_str())
                || field.name.ends_with("_Reason__c");
            if let (true, Val::Str(s)) = (repeated, &*val) {
                match self.interned.get(s.as_ref()) {
                    Some(shared) => *val = Val::Str(Arc::clone(shared)),
                    None => {
                        self.interned.insert(Arc::clone(s));
                    }
                }
            }
        }
        self.org.seed(table, vals)
    }

    fn table(&self, object: &str) -> usize {
        self.org.std_table(object)
    }

    fn schema(&self, object: &str) -> Arc<super::schema::ObjectSchema> {
        Arc::clone(self.org.object(self.table(object)))
    }

    fn owner(&self, key: Option<&String>) -> SfId {
        key.and_then(|k| self.owners.get(k))
            .copied()
            .unwrap_or(self.org.api_user)
    }

    /// The integration user the API acts as, then the scenario's owners.
    fn users(&mut self, scenario: &Scenario) {
        let schema = self.schema("User");
        let table = self.table("User");
        let created = self.now_ms - 400 * 86_400_000;
        let add = |org: &mut Org, first: &str, last: &str, email: &str, alias: &str, kind: &str| -> SfId {
            let mut vals = derive::blank(&schema);
            set(&schema, &mut vals, "Username", Val::text(email));
            set(&schema, &mut vals, "FirstName", Val::text(first));
            set(&schema, &mut vals, "LastName", Val::text(last));
            set(&schema, &mut vals, "Email", Val::text(email));
            set(&schema, &mut vals, "Alias", Val::text(alias));
            set(&schema, &mut vals, "IsActive", Val::Bool(true));
            set(&schema, &mut vals, "UserType", Val::text(kind));
            derive::derived(org, &schema, &mut vals, None, false, created);
            derive::stamp_created(&schema, &mut vals, time::truncate_to_second(created), org.api_user);
            org.seed(table, vals).1
        };
        let api_user = add(
            &mut self.org,
            "Integration",
            "User",
            "integration@closedloop.sim",
            "integ",
            "Standard",
        );
        // The integration user created itself; every other user was created by it.
        self.org.api_user = api_user;
        let row = self.org.tables[table].find(api_user).unwrap_or(0);
        let mut vals = self.org.tables[table].row(row).vals.to_vec();
        derive::stamp_created(&schema, &mut vals, time::truncate_to_second(created), api_user);
        self.org.seed_replace(table, row, vals.into_boxed_slice());
        for owner in &scenario.owners {
            let alias: String = owner
                .first_name
                .chars()
                .take(1)
                .chain(owner.last_name.chars().take(4))
                .collect::<String>()
                .to_lowercase();
            let id = add(
                &mut self.org,
                &owner.first_name,
                &owner.last_name,
                &owner.email,
                &alias,
                "Standard",
            );
            self.owners.insert(owner.key.clone(), id);
        }
    }

    fn campaigns(&mut self, scenario: &Scenario) {
        let schema = self.schema("Campaign");
        let table = self.table("Campaign");
        let today = time::date_of(self.now_ms);
        let marketer = scenario.owners.iter().find(|o| !o.sales).map(|o| o.key.clone());
        for campaign in scenario.campaigns.iter().filter(|c| c.in_salesforce) {
            let mut vals = derive::blank(&schema);
            set(&schema, &mut vals, "Name", Val::text(&campaign.name));
            if let Some(kind) = &campaign.kind {
                set(&schema, &mut vals, "Type", Val::text(kind));
            }
            let status = match (campaign.starts_on, campaign.ends_on) {
                (_, Some(end)) if end < today => "Completed",
                (Some(start), _) if start <= today => "In Progress",
                _ => "Planned",
            };
            set(&schema, &mut vals, "Status", Val::text(status));
            set(&schema, &mut vals, "IsActive", Val::Bool(status == "In Progress"));
            set(
                &schema,
                &mut vals,
                "StartDate",
                campaign.starts_on.map(Val::Date).unwrap_or(Val::Null),
            );
            set(
                &schema,
                &mut vals,
                "EndDate",
                campaign.ends_on.map(Val::Date).unwrap_or(Val::Null),
            );
            set(&schema, &mut vals, "OwnerId", Val::Id(self.owner(marketer.as_ref())));
            // Campaigns are set up a couple of weeks before they start.
            let created = campaign
                .starts_on
                .map(|d| time::start_of_day(d) - 14 * 86_400_000)
                .unwrap_or(self.now_ms - 365 * 86_400_000)
                .min(self.now_ms);
            derive::stamp_created(
                &schema,
                &mut vals,
                time::truncate_to_second(created),
                self.owner(marketer.as_ref()),
            );
            let (_, id) = self.seed(table, vals);
            self.campaigns.insert(campaign.key.clone(), id);
        }
    }

    fn person(&mut self, person: &PersonSpec, sf: &SalesforcePersonSpec) -> Result<(), SimError> {
        let converted = sf.leads.iter().position(|l| l.converted_at.is_some());
        let converted_at = converted.and_then(|i| sf.leads[i].converted_at);
        let contact_at = match (sf.contact.as_ref().map(|c| c.created_at), converted_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let first_opportunity = sf.opportunities.iter().map(|o| o.created_at).min();
        let account = [contact_at, first_opportunity]
            .into_iter()
            .flatten()
            .min()
            .map(|at| self.account(person, at, sf));
        let contact = match contact_at {
            Some(at) => Some(self.contact(person, sf, at, converted_at, account)?),
            None => None,
        };
        let opportunities: Vec<SfId> = sf
            .opportunities
            .iter()
            .map(|o| self.opportunity(o, account, contact))
            .collect::<Result<_, _>>()?;
        let mut leads = Vec::new();
        for (i, lead) in sf.leads.iter().enumerate() {
            let conversion = (Some(i) == converted).then(|| (contact, account, opportunities.first().copied()));
            leads.push((self.lead(person, lead, conversion)?, lead));
        }
        // Activities and memberships attach to the lead that is still alive, else the first one
        // (and are deleted with it, as Salesforce cascades a lead's deletion).
        let primary_lead = leads
            .iter()
            .find(|(_, l)| l.deleted_at.is_none())
            .or(leads.first())
            .map(|(lead, _)| *lead);
        for activity in &sf.activities {
            self.activity(
                activity,
                primary_lead,
                contact,
                contact_at,
                converted_at,
                opportunities.first().copied().or(account),
            );
        }
        for member in &sf.campaign_memberships {
            let Some(campaign) = self.campaigns.get(&member.campaign).copied() else {
                return Err(SimError::Scenario(format!(
                    "person {:?} is a member of campaign {:?}, which is not in_salesforce",
                    person.key, member.campaign
                )));
            };
            self.member(campaign, member, primary_lead, contact, converted_at);
        }
        Ok(())
    }

    fn account(&mut self, person: &PersonSpec, at: DateTime<Utc>, sf: &SalesforcePersonSpec) -> SfId {
        let name = person
            .company
            .clone()
            .filter(|c| !c.trim().is_empty())
            .unwrap_or_else(|| format!("{} (Individual)", full_name(person)));
        if let Some(id) = self.accounts.get(&name) {
            return *id;
        }
        let schema = self.schema("Account");
        let table = self.table("Account");
        let owner = self.owner(
            sf.contact
                .as_ref()
                .and_then(|c| c.owner.as_ref())
                .or(sf.leads.first().and_then(|l| l.owner.as_ref())),
        );
        let mut vals = derive::blank(&schema);
        set(&schema, &mut vals, "Name", Val::text(&name));
        set(
            &schema,
            &mut vals,
            "BillingCountry",
            opt_text(person.country.as_deref()),
        );
        set(&schema, &mut vals, "OwnerId", Val::Id(owner));
        derive::stamp_created(&schema, &mut vals, stamp_of(&at), owner);
        let (_, id) = self.seed(table, vals);
        self.accounts.insert(name, id);
        id
    }

    fn contact(
        &mut self,
        person: &PersonSpec,
        sf: &SalesforcePersonSpec,
        at: DateTime<Utc>,
        converted_at: Option<DateTime<Utc>>,
        account: Option<SfId>,
    ) -> Result<SfId, SimError> {
        let schema = self.schema("Contact");
        let table = self.table("Contact");
        let spec = sf.contact.as_ref();
        let converted_lead = sf.leads.iter().find(|l| l.converted_at.is_some());
        let owner = self.owner(
            spec.and_then(|c| c.owner.as_ref())
                .or(converted_lead.and_then(|l| l.owner.as_ref())),
        );
        let mut vals = derive::blank(&schema);
        set(&schema, &mut vals, "FirstName", opt_text(person.first_name.as_deref()));
        set(
            &schema,
            &mut vals,
            "LastName",
            Val::text(non_empty(person.last_name.as_deref())),
        );
        set(&schema, &mut vals, "Email", opt_text(Some(&person.email)));
        set(
            &schema,
            &mut vals,
            "AccountId",
            account.map(Val::Id).unwrap_or(Val::Null),
        );
        set(
            &schema,
            &mut vals,
            "MailingCountry",
            opt_text(person.country.as_deref()),
        );
        let source = spec
            .and_then(|c| c.lead_source.as_deref())
            .or(converted_lead.and_then(|l| l.lead_source.as_deref()));
        set(&schema, &mut vals, "LeadSource", opt_text(source));
        set(&schema, &mut vals, "OwnerId", Val::Id(owner));
        set(&schema, &mut vals, "HasOptedOutOfEmail", Val::Bool(false));
        if let Some(spec) = spec {
            self.extra_fields(&schema, &mut vals, &spec.fields);
        }
        derive::derived(&self.org, &schema, &mut vals, None, false, stamp_of(&at));
        derive::stamp_created(&schema, &mut vals, stamp_of(&at), owner);
        if let Some(converted) = converted_at.filter(|c| *c > at) {
            // Converting a lead into an existing contact updates the contact.
            derive::stamp_modified(&schema, &mut vals, stamp_of(&converted), owner);
        }
        Ok(self.seed(table, vals).1)
    }

    fn opportunity(
        &mut self,
        spec: &OpportunitySpec,
        account: Option<SfId>,
        contact: Option<SfId>,
    ) -> Result<SfId, SimError> {
        let schema = self.schema("Opportunity");
        let table = self.table("Opportunity");
        let owner = self.owner(spec.owner.as_ref());
        let created = stamp_of(&spec.created_at);
        let mut vals = derive::blank(&schema);
        set(&schema, &mut vals, "Name", Val::text(non_empty(Some(&spec.name))));
        set(
            &schema,
            &mut vals,
            "AccountId",
            account.map(Val::Id).unwrap_or(Val::Null),
        );
        set(
            &schema,
            &mut vals,
            "ContactId",
            contact.map(Val::Id).unwrap_or(Val::Null),
        );
        set(&schema, &mut vals, "CloseDate", Val::Date(spec.close_date));
        set(&schema, &mut vals, "LeadSource", opt_text(spec.lead_source.as_deref()));
        set(
            &schema,
            &mut vals,
            "CampaignId",
            spec.campaign
                .as_ref()
                .and_then(|k| self.campaigns.get(k))
                .map(|id| Val::Id(*id))
                .unwrap_or(Val::Null),
        );
        set(&schema, &mut vals, "OwnerId", Val::Id(owner));
        set(
            &schema,
            &mut vals,
            "Loss_Reason__c",
            opt_text(spec.close_reason.as_deref()),
        );
        if let Some(code) = &spec.currency {
            set(&schema, &mut vals, "CurrencyIsoCode", Val::text(code));
        }
        // Stage and amount changes, oldest first; changes at the same instant make one snapshot.
        let mut events: Vec<(i64, Option<&str>, Option<&str>)> = spec
            .stages
            .iter()
            .map(|s| (stamp_of(&s.at).max(created), Some(s.stage.as_str()), None))
            .chain(
                spec.amount_history
                    .iter()
                    .map(|a| (stamp_of(&a.at).max(created), None, Some(a.amount.as_str()))),
            )
            .collect();
        events.sort_by_key(|e| e.0);
        let initial_amount = spec
            .amount_history
            .first()
            .map(|a| a.amount.as_str())
            .or(spec.amount.as_deref());
        let first_stage = spec.stages.first().map(|s| s.stage.as_str()).unwrap_or("");
        set(&schema, &mut vals, "StageName", Val::text(non_empty(Some(first_stage))));
        let amount = self.amount(&schema, initial_amount);
        set(&schema, &mut vals, "Amount", amount);
        derive::derived(&self.org, &schema, &mut vals, None, false, created);
        derive::stamp_created(&schema, &mut vals, created, owner);
        let mut history = Vec::new();
        let mut last = created;
        let mut i = 0;
        while i < events.len() {
            let at = events[i].0;
            let before = vals.clone();
            while i < events.len() && events[i].0 == at {
                if let Some(stage) = events[i].1 {
                    set(&schema, &mut vals, "StageName", Val::text(stage));
                }
                if let Some(amount) = events[i].2 {
                    let amount = self.amount(&schema, Some(amount));
                    set(&schema, &mut vals, "Amount", amount);
                }
                i += 1;
            }
            derive::derived(&self.org, &schema, &mut vals, Some(&before), false, at);
            history.push(derive::opportunity_history(&self.org, &schema, &vals, at, owner));
            last = last.max(at);
        }
        if last > created {
            derive::stamp_modified(&schema, &mut vals, last, owner);
        }
        let (_, id) = self.seed(table, vals);
        let history_table = self.table("OpportunityHistory");
        for mut row in history {
            derive::set(self.org.object(history_table), &mut row, "OpportunityId", Val::Id(id));
            self.seed(history_table, row);
        }
        if let Some(contact) = contact {
            let role_schema = self.schema("OpportunityContactRole");
            let mut role = derive::blank(&role_schema);
            set(&role_schema, &mut role, "OpportunityId", Val::Id(id));
            set(&role_schema, &mut role, "ContactId", Val::Id(contact));
            set(&role_schema, &mut role, "Role", Val::text("Decision Maker"));
            set(&role_schema, &mut role, "IsPrimary", Val::Bool(true));
            derive::stamp_created(&role_schema, &mut role, created, owner);
            let t = self.table("OpportunityContactRole");
            self.seed(t, role);
        }
        Ok(id)
    }

    /// A decimal-string amount as a currency value; nonsense becomes null (and is counted).
    fn amount(&mut self, schema: &super::schema::ObjectSchema, text: Option<&str>) -> Val {
        let Some(text) = text else { return Val::Null };
        let field = schema.field_named("Amount").cloned();
        match field.map(|f| coerce(&f, &serde_json::Value::String(text.to_owned()))) {
            Some(Ok(v)) => v,
            _ => {
                self.report.values_dropped += 1;
                Val::Null
            }
        }
    }

    fn lead(
        &mut self,
        person: &PersonSpec,
        spec: &LeadSpec,
        conversion: Option<(Option<SfId>, Option<SfId>, Option<SfId>)>,
    ) -> Result<(SfId, Option<i64>), SimError> {
        let schema = self.schema("Lead");
        let table = self.table("Lead");
        let owner = self.owner(spec.owner.as_ref());
        let created = stamp_of(&spec.created_at);
        let mut vals = derive::blank(&schema);
        set(&schema, &mut vals, "FirstName", opt_text(person.first_name.as_deref()));
        set(
            &schema,
            &mut vals,
            "LastName",
            Val::text(non_empty(person.last_name.as_deref())),
        );
        set(
            &schema,
            &mut vals,
            "Company",
            Val::text(non_empty(spec.company.as_deref().or(person.company.as_deref()))),
        );
        set(&schema, &mut vals, "Email", opt_text(Some(&person.email)));
        set(&schema, &mut vals, "Country", opt_text(person.country.as_deref()));
        set(&schema, &mut vals, "LeadSource", opt_text(spec.lead_source.as_deref()));
        set(&schema, &mut vals, "OwnerId", Val::Id(owner));
        set(
            &schema,
            &mut vals,
            "Unqualified_Reason__c",
            opt_text(spec.unqualified_reason.as_deref()),
        );
        self.extra_fields(&schema, &mut vals, &spec.fields);
        derive::defaults(&self.org.config, &schema, &mut vals, owner);
        let initial = spec.statuses.first().map(|s| s.stage.clone());
        if let Some(status) = &initial {
            set(&schema, &mut vals, "Status", Val::text(status));
        }
        derive::derived(&self.org, &schema, &mut vals, None, false, created);
        derive::stamp_created(&schema, &mut vals, created, owner);
        let mut history = vec![("created".to_owned(), None, None, created)];
        let mut status = initial;
        let mut last = created;
        for change in spec.statuses.iter().skip(1) {
            let at = stamp_of(&change.at).max(created);
            history.push(("Status".into(), status.clone(), Some(change.stage.clone()), at));
            status = Some(change.stage.clone());
            last = last.max(at);
        }
        if let Some(status) = &status {
            set(&schema, &mut vals, "Status", Val::text(status));
        }
        if let (Some((contact, account, opportunity)), Some(at)) = (conversion, spec.converted_at) {
            let at = stamp_of(&at).max(created);
            let statuses = &self.org.config.lead_statuses;
            let already = statuses
                .iter()
                .any(|s| s.converted && Some(&s.value) == status.as_ref());
            if let Some(converted_status) = statuses.iter().find(|s| s.converted).map(|s| s.value.clone())
                && !already
            {
                history.push(("Status".into(), status.clone(), Some(converted_status.clone()), at));
                set(&schema, &mut vals, "Status", Val::text(&converted_status));
            }
            history.push(("leadConverted".into(), None, None, at));
            set(&schema, &mut vals, "IsConverted", Val::Bool(true));
            set(&schema, &mut vals, "ConvertedDate", Val::Date(time::date_of(at)));
            set(
                &schema,
                &mut vals,
                "ConvertedContactId",
                contact.map(Val::Id).unwrap_or(Val::Null),
            );
            set(
                &schema,
                &mut vals,
                "ConvertedAccountId",
                account.map(Val::Id).unwrap_or(Val::Null),
            );
            set(
                &schema,
                &mut vals,
                "ConvertedOpportunityId",
                opportunity.map(Val::Id).unwrap_or(Val::Null),
            );
            last = last.max(at);
        }
        if last > created {
            derive::stamp_modified(&schema, &mut vals, last, owner);
        }
        let deleted = spec.deleted_at.map(|at| stamp_of(&at).max(last));
        if let Some(at) = deleted {
            set(&schema, &mut vals, "IsDeleted", Val::Bool(true));
            derive::stamp_modified(&schema, &mut vals, at, owner);
        }
        let (row, id) = self.seed(table, vals);
        if let Some(at) = deleted {
            self.org.seed_deleted(table, row, at);
        }
        let history_table = self.table("LeadHistory");
        for (field, old, new, at) in history {
            let row = derive::lead_history(&self.org, id, &field, old, new, at, owner);
            self.seed(history_table, row);
        }
        Ok((id, deleted))
    }

    fn activity(
        &mut self,
        spec: &ActivitySpec,
        lead: Option<(SfId, Option<i64>)>,
        contact: Option<SfId>,
        contact_at: Option<DateTime<Utc>>,
        converted_at: Option<DateTime<Utc>>,
        converted_to: Option<SfId>,
    ) {
        let at = stamp_of(&spec.at);
        // Logged on the contact when it existed then; conversion moved the lead's activities to it.
        let on_contact = contact.is_some() && (converted_at.is_some() || contact_at.is_some_and(|c| spec.at >= c));
        let who = if on_contact { contact } else { lead.map(|(id, _)| id) };
        let dies = if on_contact {
            None
        } else {
            lead.and_then(|(_, deleted)| deleted)
        };
        let Some(who) = who.filter(|_| dies.is_none_or(|d| at < d)) else {
            self.report.skipped += 1;
            return;
        };
        let moved_at = converted_at
            .filter(|c| on_contact && spec.at < *c)
            .map(|c| stamp_of(&c));
        let owner = self.owner(spec.owner.as_ref());
        let object = if spec.kind == "meeting" { "Event" } else { "Task" };
        let schema = self.schema(object);
        let table = self.table(object);
        let mut vals = derive::blank(&schema);
        set(&schema, &mut vals, "WhoId", Val::Id(who));
        if moved_at.is_some() {
            set(
                &schema,
                &mut vals,
                "WhatId",
                converted_to.map(Val::Id).unwrap_or(Val::Null),
            );
        }
        set(&schema, &mut vals, "OwnerId", Val::Id(owner));
        let (subject, subtype, kind) = match spec.kind.as_str() {
            "call" => ("Call", "Call", "Call"),
            "email" => ("Email", "Email", "Email"),
            "meeting" => ("Meeting", "Event", "Meeting"),
            _ => ("Other", "Task", "Other"),
        };
        set(
            &schema,
            &mut vals,
            "Subject",
            Val::text(spec.subject.as_deref().unwrap_or(subject)),
        );
        set(&schema, &mut vals, "Type", Val::text(kind));
        if object == "Task" {
            set(&schema, &mut vals, "TaskSubtype", Val::text(subtype));
            set(&schema, &mut vals, "Status", Val::text("Completed"));
            set(&schema, &mut vals, "ActivityDate", Val::Date(time::date_of(at)));
            if spec.kind == "call" {
                set(&schema, &mut vals, "CallType", Val::text("Outbound"));
                set(&schema, &mut vals, "CallDisposition", opt_text(spec.outcome.as_deref()));
            }
        } else {
            set(&schema, &mut vals, "ActivityDateTime", Val::DateTime(at));
            set(&schema, &mut vals, "DurationInMinutes", Val::Int(30));
        }
        derive::defaults(&self.org.config, &schema, &mut vals, owner);
        derive::derived(&self.org, &schema, &mut vals, None, false, at);
        derive::stamp_created(&schema, &mut vals, at, owner);
        if let Some(moved) = moved_at {
            derive::stamp_modified(&schema, &mut vals, moved, self.org.api_user);
        }
        self.seed_maybe_deleted(table, vals, dies);
    }

    /// Appends a row that, with `deleted`, went to the recycle bin at that instant.
    fn seed_maybe_deleted(&mut self, table: usize, mut vals: Vec<Val>, deleted: Option<i64>) {
        let schema = Arc::clone(self.org.object(table));
        if let Some(at) = deleted {
            set(&schema, &mut vals, "IsDeleted", Val::Bool(true));
            derive::stamp_modified(&schema, &mut vals, at, self.org.api_user);
        }
        let (row, _) = self.seed(table, vals);
        if let Some(at) = deleted {
            self.org.seed_deleted(table, row, at);
        }
    }

    fn member(
        &mut self,
        campaign: SfId,
        spec: &crate::scenario::CampaignMemberSpec,
        lead: Option<(SfId, Option<i64>)>,
        contact: Option<SfId>,
        converted_at: Option<DateTime<Utc>>,
    ) {
        let lead_id = lead.map(|(id, _)| id);
        let dies = lead.and_then(|(_, deleted)| deleted).filter(|_| converted_at.is_none());
        if (lead_id.is_none() && contact.is_none()) || dies.is_some_and(|d| stamp_of(&spec.created_at) >= d) {
            self.report.skipped += 1;
            return;
        }
        let schema = self.schema("CampaignMember");
        let table = self.table("CampaignMember");
        let created = stamp_of(&spec.created_at);
        let mut vals = derive::blank(&schema);
        set(&schema, &mut vals, "CampaignId", Val::Id(campaign));
        set(&schema, &mut vals, "LeadId", lead_id.map(Val::Id).unwrap_or(Val::Null));
        // Conversion fills ContactId on the lead's memberships; a contact-only person joins as one.
        let with_contact = contact.filter(|_| converted_at.is_some() || lead_id.is_none());
        set(
            &schema,
            &mut vals,
            "ContactId",
            with_contact.map(Val::Id).unwrap_or(Val::Null),
        );
        set(&schema, &mut vals, "Status", Val::text(&spec.status));
        derive::derived(&self.org, &schema, &mut vals, None, false, created);
        let responded = spec.responded_at.map(|r| stamp_of(&r));
        set(&schema, &mut vals, "HasResponded", Val::Bool(responded.is_some()));
        set(
            &schema,
            &mut vals,
            "FirstRespondedDate",
            responded.map(|r| Val::Date(time::date_of(r))).unwrap_or(Val::Null),
        );
        derive::stamp_created(&schema, &mut vals, created, self.org.api_user);
        let last = [
            responded,
            converted_at.filter(|_| with_contact.is_some()).map(|c| stamp_of(&c)),
        ]
        .into_iter()
        .flatten()
        .max()
        .filter(|l| *l > created);
        if let Some(last) = last {
            derive::stamp_modified(&schema, &mut vals, last, self.org.api_user);
        }
        self.seed_maybe_deleted(table, vals, dies);
    }

    /// Sets fields from a scenario `fields` map, dropping values their type cannot hold.
    fn extra_fields(
        &mut self,
        schema: &super::schema::ObjectSchema,
        vals: &mut [Val],
        fields: &BTreeMap<String, serde_json::Value>,
    ) {
        for (name, value) in fields {
            let Some(c) = schema.column(name) else {
                self.report.values_dropped += 1;
                continue;
            };
            let field = schema.field(c);
            if !field.createable {
                self.report.values_dropped += 1;
                continue;
            }
            match coerce(field, value) {
                Ok(v) => vals[c] = v,
                Err(_) => self.report.values_dropped += 1,
            }
        }
    }

    /// Applies the scenario's background jobs: `SystemModstamp` bumped to one instant.
    fn system_touches(&mut self, scenario: &Scenario) -> Result<(), SimError> {
        for touch in &scenario.salesforce.system_touches {
            let table = self
                .org
                .table_index(&touch.object)
                .ok_or_else(|| SimError::Scenario(format!("system touch on unknown sObject {:?}", touch.object)))?;
            let schema = Arc::clone(self.org.object(table));
            let Some(modstamp) = schema.sys.system_modstamp else {
                return Err(SimError::Scenario(format!(
                    "{} has no SystemModstamp to touch",
                    schema.name
                )));
            };
            let at = stamp_of(&touch.at);
            let rows: Vec<u32> = self.org.tables[table]
                .modstamp_range(std::ops::Bound::Unbounded, std::ops::Bound::Excluded(at))
                .filter(|r| !self.org.is_deleted(table, *r))
                .take(touch.limit)
                .collect();
            for row in rows {
                let mut vals = self.org.tables[table].row(row).vals.to_vec();
                vals[modstamp] = Val::DateTime(at);
                self.org.seed_replace(table, row, vals.into_boxed_slice());
            }
        }
        Ok(())
    }
}

fn full_name(person: &PersonSpec) -> String {
    [person.first_name.as_deref(), person.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text, or null for none or empty.
fn opt_text(value: Option<&str>) -> Val {
    match value {
        Some(s) if !s.is_empty() => Val::text(s),
        _ => Val::Null,
    }
}

/// Required text: the value, or `[not provided]`.
fn non_empty(value: Option<&str>) -> &str {
    value.filter(|s| !s.trim().is_empty()).unwrap_or(NOT_PROVIDED)
}
