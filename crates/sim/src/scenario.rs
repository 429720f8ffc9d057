//! The scenario format: a documented JSON description of one world, loaded into both simulators.
//!
//! Holds no state. A scenario is people-centric: each person says what the marketing platform knows
//! of them (a HubSpot contact, its touchpoints) and what the CRM knows (Salesforce leads, a contact,
//! tasks, opportunities). Each simulator compiles the part it serves into its own in-memory state,
//! so the two worlds agree by construction. Strings such as emails are deliberately raw: a scenario
//! may hold hostile input (invalid emails, huge strings, unknown stages) to test quarantine.
//!
//! Times are absolute UTC timestamps. Records written while a simulator runs get the wall-clock
//! time, so scenario times should lie in the past.
//!
//! The format is documented for users in `docs/scenario-format.md`; keep the two in step.

use crate::faults::FaultConfig;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One world for both simulators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// A short name, shown by `closedloop sim`.
    pub name: String,
    /// What this world is for.
    pub description: Option<String>,
    /// HubSpot's account settings and hard edges.
    pub hubspot: HubSpotSettings,
    /// Salesforce's org settings and hard edges.
    pub salesforce: SalesforceSettings,
    /// Faults injected into both APIs from the start (changeable at run time under `/__sim/`).
    pub faults: FaultConfig,
    /// Users who own records, in both systems.
    pub owners: Vec<OwnerSpec>,
    /// Campaigns.
    pub campaigns: Vec<CampaignSpec>,
    /// Content assets: gated offers behind forms, webinars, pages.
    pub content: Vec<ContentSpec>,
    /// The people.
    pub people: Vec<PersonSpec>,
}

/// HubSpot account settings. Every hard edge can be switched off (`null`) for a scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubSpotSettings {
    /// The portal (account) id in webhook payloads and URLs.
    pub portal_id: u64,
    /// The private-app access token the simulator accepts (and `--write-config` hands out).
    pub access_token: String,
    /// OAuth client id and secret for the token endpoint (refresh-token grant).
    pub client_id: String,
    /// OAuth client secret; also the webhook signing secret.
    pub client_secret: String,
    /// OAuth refresh token the token endpoint accepts.
    pub refresh_token: String,
    /// Access-token lifetime; `null` means tokens never expire. HubSpot's is 1800 s.
    pub token_ttl_secs: Option<u64>,
    /// Inputs per batch call (HubSpot: 100).
    pub batch_max_inputs: Option<usize>,
    /// Results one search query may page through (HubSpot: 10,000; 400 past it).
    pub search_result_cap: Option<usize>,
    /// Requests per 10-second rolling window (Professional: 190; `null` = unlimited).
    pub ten_second_limit: Option<u32>,
    /// Search requests per second (HubSpot: 5; `null` = unlimited).
    pub search_per_second: Option<u32>,
    /// Requests per day (Professional: 625,000; `null` = unlimited).
    pub daily_limit: Option<u64>,
    /// Milliseconds before a write is visible to search (0 = immediately).
    pub search_lag_ms: u64,
    /// Deal pipelines; empty means HubSpot's default sales pipeline.
    pub pipelines: Vec<PipelineSpec>,
    /// Custom contact properties that exist from the start.
    pub contact_properties: Vec<PropertySpec>,
    /// Custom deal properties that exist from the start.
    pub deal_properties: Vec<PropertySpec>,
    /// The private app's id: the `sourceId` recorded on values the integration writes.
    pub app_id: u64,
    /// A second token, standing for a human working in HubSpot's UI: values written with it are
    /// recorded with `sourceType: CRM_UI`; it never expires and does not count against API limits.
    pub ui_access_token: String,
}

impl Default for HubSpotSettings {
    fn default() -> Self {
        HubSpotSettings {
            portal_id: 4_242_424,
            access_token: "pat-sim-hubspot-token".into(),
            client_id: "sim-client-id".into(),
            client_secret: "sim-client-secret".into(),
            refresh_token: "sim-refresh-token".into(),
            token_ttl_secs: None,
            batch_max_inputs: Some(100),
            search_result_cap: Some(10_000),
            ten_second_limit: None,
            search_per_second: None,
            daily_limit: None,
            search_lag_ms: 0,
            pipelines: Vec::new(),
            contact_properties: Vec::new(),
            deal_properties: Vec::new(),
            app_id: 3_456_789,
            ui_access_token: "sim-hubspot-ui-user-token".into(),
        }
    }
}

/// A deal pipeline (HubSpot).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSpec {
    /// Pipeline id.
    pub id: String,
    /// Label.
    pub label: String,
    /// Stages in order.
    pub stages: Vec<StageSpec>,
}

/// A deal stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageSpec {
    /// Stage id (HubSpot) or API name (Salesforce).
    pub id: String,
    /// Label.
    pub label: String,
    /// Win probability 0..1.
    pub probability: f64,
    /// Closed stage.
    pub is_closed: bool,
    /// Won stage.
    pub is_won: bool,
}

/// A custom property or field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertySpec {
    /// Internal name (`closedloop_first_touch`, `Unqualified_Reason__c`).
    pub name: String,
    /// Label.
    pub label: String,
    /// `string`, `number`, `datetime`, `date`, `enumeration`, `bool`.
    #[serde(rename = "type")]
    pub kind: String,
    /// For enumerations: the allowed values.
    #[serde(default)]
    pub options: Vec<String>,
}

/// Salesforce org settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforceSettings {
    /// REST API version served, such as `59.0`.
    pub api_version: String,
    /// Connected-app consumer key for the token endpoint.
    pub client_id: String,
    /// Connected-app consumer secret.
    pub client_secret: String,
    /// Refresh token the token endpoint accepts.
    pub refresh_token: String,
    /// A session id valid from the start (what `--write-config` hands out alongside the refresh token).
    pub access_token: String,
    /// Session lifetime; `null` means sessions never expire.
    pub token_ttl_secs: Option<u64>,
    /// API requests per 24 hours (Enterprise: 100,000 plus per-licence; `null` = unlimited).
    pub daily_limit: Option<u64>,
    /// Default query page size (Salesforce: 2000).
    pub query_batch_size: usize,
    /// Records per `composite/sobjects` call (Salesforce: 200).
    pub collection_max_records: usize,
    /// How long deleted records stay visible to `getDeleted` and `queryAll` (Salesforce: 15 days).
    pub deleted_retention_days: u32,
    /// Lead status picklist in order; `converted: true` marks the status conversion sets.
    pub lead_statuses: Vec<LeadStatusSpec>,
    /// Opportunity stages.
    pub opportunity_stages: Vec<StageSpec>,
    /// Custom fields per sObject (`Lead` → [`Unqualified_Reason__c`, ...]).
    pub custom_fields: BTreeMap<String, Vec<PropertySpec>>,
    /// Custom fields marked External ID, per sObject (`Lead` → [`Closedloop_Id__c`]): upserts
    /// (`PATCH composite/sobjects/{Type}/{Field}`) may match on them. Each must be in `custom_fields`.
    pub external_id_fields: BTreeMap<String, Vec<String>>,
    /// Custom fields whose values must be unique (case-insensitively), per sObject; writes that
    /// would duplicate a value fail with `DUPLICATE_VALUE`. Each must be in `custom_fields`.
    pub unique_fields: BTreeMap<String, Vec<String>>,
    /// Validation rules the org enforces on API writes (`FIELD_CUSTOM_VALIDATION_EXCEPTION`).
    pub validation_rules: Vec<ValidationRuleSpec>,
    /// Background jobs that touched records without a user edit: they bump `SystemModstamp`
    /// (never `LastModifiedDate`) of many records to one instant, as a territory realignment or a
    /// roll-up recalculation does in a real org.
    pub system_touches: Vec<SystemTouchSpec>,
}

/// A validation rule: a write is rejected when every condition holds on the record as it would be
/// saved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationRuleSpec {
    /// The sObject (`Lead`).
    pub object: String,
    /// The rule's name, for readers.
    pub name: String,
    /// The error message returned to the client.
    pub message: String,
    /// The field the error is reported on (`fields` in the error); none for a record-level error.
    #[serde(default)]
    pub error_field: Option<String>,
    /// Conditions, all of which must hold for the rule to reject the write.
    pub when: Vec<RuleConditionSpec>,
}

/// One condition of a validation rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConditionSpec {
    /// The field tested.
    pub field: String,
    /// Holds when the field equals this value (text compares case-insensitively).
    #[serde(default)]
    pub equals: Option<serde_json::Value>,
    /// Holds when the field is blank (`true`) or not blank (`false`).
    #[serde(default)]
    pub blank: Option<bool>,
}

/// A background job that bumped `SystemModstamp` of many records to the same instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemTouchSpec {
    /// The sObject (`Lead`).
    pub object: String,
    /// When the job ran; it touches records that existed and were last changed before then.
    pub at: DateTime<Utc>,
    /// At most this many records, the least recently changed first.
    pub limit: usize,
}

impl Default for SalesforceSettings {
    fn default() -> Self {
        let stage = |id: &str, p: f64, closed: bool, won: bool| StageSpec {
            id: id.into(),
            label: id.into(),
            probability: p,
            is_closed: closed,
            is_won: won,
        };
        let status = |v: &str, converted: bool| LeadStatusSpec {
            value: v.into(),
            converted,
        };
        SalesforceSettings {
            api_version: "59.0".into(),
            client_id: "sim-sf-consumer-key".into(),
            client_secret: "sim-sf-consumer-secret".into(),
            refresh_token: "sim-sf-refresh-token".into(),
            access_token: "00Dsim!sf-session-token".into(),
            token_ttl_secs: None,
            daily_limit: None,
            query_batch_size: 2000,
            collection_max_records: 200,
            deleted_retention_days: 15,
            lead_statuses: vec![
                status("Open - Not Contacted", false),
                status("Working - Contacted", false),
                status("Nurturing", false),
                status("Closed - Converted", true),
                status("Closed - Not Converted", false),
            ],
            opportunity_stages: vec![
                stage("Prospecting", 0.1, false, false),
                stage("Qualification", 0.2, false, false),
                stage("Needs Analysis", 0.2, false, false),
                stage("Proposal/Price Quote", 0.75, false, false),
                stage("Negotiation/Review", 0.9, false, false),
                stage("Closed Won", 1.0, true, true),
                stage("Closed Lost", 0.0, true, false),
            ],
            custom_fields: closedloop_fields(),
            // The person-id field makes closedloop's Lead creation an idempotent upsert.
            external_id_fields: BTreeMap::from([("Lead".to_owned(), vec!["Closedloop_Person_Id__c".to_owned()])]),
            unique_fields: BTreeMap::from([("Lead".to_owned(), vec!["Closedloop_Person_Id__c".to_owned()])]),
            validation_rules: Vec::new(),
            system_touches: Vec::new(),
        }
    }
}

/// The custom fields a Salesforce admin creates for closedloop (its default field mapping), plus
/// the disqualification and loss reasons many orgs have. A default org has them, so a config
/// written by `closedloop sim --write-config` works with no editing.
fn closedloop_fields() -> BTreeMap<String, Vec<PropertySpec>> {
    let field = |name: &str, label: &str, kind: &str| PropertySpec {
        name: name.into(),
        label: label.into(),
        kind: kind.into(),
        options: Vec::new(),
    };
    let attribution = || {
        vec![
            field("Original_Source__c", "Original Source", "string"),
            field("First_Touch_Channel__c", "First Touch Channel", "string"),
            field("First_Touch_Campaign__c", "First Touch Campaign", "string"),
            field("Last_Touch_Campaign__c", "Last Touch Campaign", "string"),
            field("Conversion_Content__c", "Conversion Content", "string"),
            field("Conversion_Content_Depth__c", "Conversion Content Depth", "string"),
            field("Engagement_Summary__c", "Engagement Summary", "string"),
            field("MQL_Date__c", "MQL Date", "datetime"),
            field("Lead_Owner_Side__c", "Lead Owner Side", "string"),
            field("Touchpoint_Count__c", "Touchpoint Count", "number"),
        ]
    };
    let mut lead = attribution();
    lead.push(field("Unqualified_Reason__c", "Unqualified Reason", "string"));
    lead.push(field("Closedloop_Person_Id__c", "closedloop Person Id", "string"));
    BTreeMap::from([
        ("Lead".to_owned(), lead),
        ("Contact".to_owned(), attribution()),
        (
            "Opportunity".to_owned(),
            vec![field("Loss_Reason__c", "Loss Reason", "string")],
        ),
    ])
}

/// One value of the Lead `Status` picklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadStatusSpec {
    /// The picklist value.
    pub value: String,
    /// True for the status a converted lead gets.
    pub converted: bool,
}

/// A user who owns records. Exists in both systems with the same email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerSpec {
    /// The scenario's key for this owner, used by people and tasks.
    pub key: String,
    /// Email.
    pub email: String,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// True for sales reps (they own leads and log tasks), false for marketers.
    #[serde(default)]
    pub sales: bool,
}

/// A campaign. Exists in HubSpot, and in Salesforce too when `in_salesforce`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpec {
    /// The scenario's key.
    pub key: String,
    /// Name.
    pub name: String,
    /// closedloop channel name (`paid_search`, `email`, ...), when it has one.
    #[serde(default)]
    pub channel: Option<String>,
    /// Type (`Webinar`, `Email`, `Advertisement`, `Content`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Start date.
    #[serde(default)]
    pub starts_on: Option<NaiveDate>,
    /// End date.
    #[serde(default)]
    pub ends_on: Option<NaiveDate>,
    /// Also a Salesforce Campaign (people's `campaign_memberships` refer to it).
    #[serde(default)]
    pub in_salesforce: bool,
}

/// A content asset. `kind` decides how the simulator exposes it: a form (and its offer) for
/// `whitepaper`, `ebook`, `case_study`, `demo`, `form`; a marketing event for `webinar`; a URL for `page`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentSpec {
    /// The scenario's key.
    pub key: String,
    /// closedloop content kind (`whitepaper`, `ebook`, `webinar`, `case_study`, `demo`, `form`, `page`).
    pub kind: String,
    /// Title.
    pub title: String,
    /// The page the form or content lives on.
    #[serde(default)]
    pub url: Option<String>,
    /// The campaign it belongs to.
    #[serde(default)]
    pub campaign: Option<String>,
    /// Webinars: the running time in minutes.
    #[serde(default)]
    pub duration_minutes: Option<u32>,
    /// Webinars: when it ran.
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
}

/// One human, as each system knows them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PersonSpec {
    /// The scenario's key, stable across regenerations with the same seed.
    pub key: String,
    /// Email, raw (may be invalid on purpose).
    pub email: String,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// The HubSpot contact, if marketing knows this person.
    pub hubspot: Option<HubSpotContactSpec>,
    /// Marketing touchpoints (need a HubSpot contact, except `campaign_response`).
    pub touchpoints: Vec<TouchSpec>,
    /// What Salesforce knows, if anything.
    pub salesforce: Option<SalesforcePersonSpec>,
    /// Deals kept in HubSpot (when HubSpot is the CRM), associated with this contact.
    pub hubspot_deals: Vec<DealSpec>,
    /// Why this person's records are deliberately malformed (`invalid_email: ...`), when they are.
    /// A note for tests and readers, set by the generator and in hand-written scenarios: the
    /// simulators ignore it and serve the raw values as they are, closedloop must quarantine them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostile: Option<String>,
}

/// A HubSpot contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSpotContactSpec {
    /// `createdate`.
    pub created_at: DateTime<Utc>,
    /// Lifecycle stages entered, with when; the last is the current `lifecyclestage`.
    /// Values are HubSpot's (`lead`, `marketingqualifiedlead`, ...), raw.
    #[serde(default)]
    pub lifecycle: Vec<StageAt>,
    /// `hs_lead_status`, raw.
    #[serde(default)]
    pub lead_status: Option<String>,
    /// `hs_analytics_source`, raw (`PAID_SEARCH`...).
    #[serde(default)]
    pub source: Option<String>,
    /// `hs_analytics_source_data_1`.
    #[serde(default)]
    pub source_data_1: Option<String>,
    /// `hs_analytics_source_data_2`.
    #[serde(default)]
    pub source_data_2: Option<String>,
    /// `hs_latest_source`, raw.
    #[serde(default)]
    pub latest_source: Option<String>,
    /// Owner key.
    #[serde(default)]
    pub owner: Option<String>,
    /// Archived (deleted) at this moment.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
    /// Merged into another person's contact (that person's key) at `merged_at`.
    #[serde(default)]
    pub merged_into: Option<String>,
    /// When the merge happened.
    #[serde(default)]
    pub merged_at: Option<DateTime<Utc>>,
    /// Any other properties, raw strings.
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
}

/// A stage and when it was entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageAt {
    /// The stage value, raw.
    pub stage: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An amount and when it was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountAt {
    /// The amount, a decimal string, raw.
    pub amount: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One marketing touch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchSpec {
    /// `form_submission` (needs `content` of a form kind), `webinar` (needs `content` of kind
    /// webinar and `attendance`), `email_click`, `email_open`, `page_view`, `cta_click`.
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Content key.
    #[serde(default)]
    pub content: Option<String>,
    /// Campaign key.
    #[serde(default)]
    pub campaign: Option<String>,
    /// Page URL (page views, CTA clicks, form pages).
    #[serde(default)]
    pub url: Option<String>,
    /// Email name (email clicks and opens).
    #[serde(default)]
    pub email_name: Option<String>,
    /// Webinar attendance.
    #[serde(default)]
    pub attendance: Option<AttendanceSpec>,
}

/// Webinar attendance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttendanceSpec {
    /// `REGISTERED`, `ATTENDED`, `CANCELLED`, `NO_SHOW`.
    pub state: String,
    /// Seconds watched (attended only).
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    /// Percentage watched, raw string as HubSpot sends it (attended only).
    #[serde(default)]
    pub percentage: Option<String>,
    /// When the person registered, before the event; absent for walk-ins. The touch's `at` is
    /// when the final state was reached (joined, event ended for a no-show, cancelled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered_at: Option<DateTime<Utc>>,
}

/// What Salesforce knows of a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SalesforcePersonSpec {
    /// Leads with this person's email; more than one makes CRM duplicates.
    pub leads: Vec<LeadSpec>,
    /// A contact created directly (not by conversion), if any.
    pub contact: Option<ContactSpec>,
    /// Tasks and meetings logged on the person (on the lead, or the contact after conversion).
    pub activities: Vec<ActivitySpec>,
    /// Opportunities tied to the person's contact.
    pub opportunities: Vec<OpportunitySpec>,
    /// Salesforce campaign memberships.
    pub campaign_memberships: Vec<CampaignMemberSpec>,
}

/// A Salesforce Lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadSpec {
    /// `CreatedDate`.
    pub created_at: DateTime<Utc>,
    /// Status history: picklist values with when they were set; the last is `Status`.
    #[serde(default)]
    pub statuses: Vec<StageAt>,
    /// `LeadSource`.
    #[serde(default)]
    pub lead_source: Option<String>,
    /// Owner key.
    #[serde(default)]
    pub owner: Option<String>,
    /// `Company` (required by Salesforce; the person's company when absent).
    #[serde(default)]
    pub company: Option<String>,
    /// `Unqualified_Reason__c`.
    #[serde(default)]
    pub unqualified_reason: Option<String>,
    /// Converted at this moment into a contact (and the person's first opportunity, if any).
    #[serde(default)]
    pub converted_at: Option<DateTime<Utc>>,
    /// Deleted at this moment.
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
    /// Any other fields, as JSON values.
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A Salesforce Contact created directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactSpec {
    /// `CreatedDate`.
    pub created_at: DateTime<Utc>,
    /// `LeadSource`.
    #[serde(default)]
    pub lead_source: Option<String>,
    /// Owner key.
    #[serde(default)]
    pub owner: Option<String>,
    /// Any other fields.
    #[serde(default)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A Task (call, email) or an Event (meeting).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivitySpec {
    /// `call`, `email`, `meeting`, `other`.
    pub kind: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Owner key.
    #[serde(default)]
    pub owner: Option<String>,
    /// `Subject`.
    #[serde(default)]
    pub subject: Option<String>,
    /// `CallDisposition`.
    #[serde(default)]
    pub outcome: Option<String>,
}

/// An Opportunity with its stage history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpportunitySpec {
    /// `Name`.
    pub name: String,
    /// `Amount`, as a decimal string.
    #[serde(default)]
    pub amount: Option<String>,
    /// How `Amount` changed: each value with when it was set, oldest first; the first is the
    /// amount at creation, the last equals `amount`. Empty when it never changed. Each entry
    /// becomes an `OpportunityHistory` row alongside the stage changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amount_history: Vec<AmountAt>,
    /// `CurrencyIsoCode` (multi-currency orgs); absent means the org currency.
    #[serde(default)]
    pub currency: Option<String>,
    /// `CreatedDate`.
    pub created_at: DateTime<Utc>,
    /// `CloseDate`.
    pub close_date: NaiveDate,
    /// Stage history; the last is `StageName`. Each becomes an `OpportunityHistory` row.
    pub stages: Vec<StageAt>,
    /// Why it was lost (`Loss_Reason__c` / description), when lost.
    #[serde(default)]
    pub close_reason: Option<String>,
    /// Primary campaign key (`CampaignId`).
    #[serde(default)]
    pub campaign: Option<String>,
    /// `LeadSource`.
    #[serde(default)]
    pub lead_source: Option<String>,
    /// Owner key.
    #[serde(default)]
    pub owner: Option<String>,
}

/// A Salesforce CampaignMember.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignMemberSpec {
    /// Campaign key (must have `in_salesforce`).
    pub campaign: String,
    /// `Status` (`Sent`, `Responded`...).
    pub status: String,
    /// When added.
    pub created_at: DateTime<Utc>,
    /// `FirstRespondedDate` (and `HasResponded`), if responded.
    #[serde(default)]
    pub responded_at: Option<DateTime<Utc>>,
}

/// A HubSpot deal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DealSpec {
    /// `dealname`.
    pub name: String,
    /// `amount`, decimal string.
    #[serde(default)]
    pub amount: Option<String>,
    /// How `amount` changed: each value with when it was set, oldest first; the first is the
    /// amount at creation, the last equals `amount`. Empty when it never changed (its
    /// `propertiesWithHistory` then holds one value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amount_history: Vec<AmountAt>,
    /// `pipeline` (default `default`).
    #[serde(default)]
    pub pipeline: Option<String>,
    /// `createdate`.
    pub created_at: DateTime<Utc>,
    /// `closedate`.
    #[serde(default)]
    pub close_date: Option<DateTime<Utc>>,
    /// Stage history (stage ids); the last is `dealstage`.
    pub stages: Vec<StageAt>,
    /// `closed_lost_reason`.
    #[serde(default)]
    pub close_reason: Option<String>,
    /// Owner key.
    #[serde(default)]
    pub owner: Option<String>,
}

/// Why a scenario cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("cannot read scenario {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The JSON does not match the format.
    #[error("scenario {path} is invalid at {at}: {message}")]
    Format {
        /// The path.
        path: String,
        /// Where in the document (JSON path).
        at: String,
        /// What is wrong.
        message: String,
    },
    /// A reference to a key that does not exist.
    #[error("scenario refers to unknown {what} {key:?} (in person {person:?})")]
    UnknownKey {
        /// What kind of key.
        what: &'static str,
        /// The key.
        key: String,
        /// The person whose spec refers to it.
        person: String,
    },
}

impl Scenario {
    /// Parses a scenario from JSON text; `path` names the source in errors.
    pub fn from_json(text: &str, path: &str) -> Result<Self, ScenarioError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| ScenarioError::Format {
            path: path.to_owned(),
            at: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }

    /// Reads and parses a scenario file.
    pub fn from_file(path: &std::path::Path) -> Result<Self, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_json(&text, &path.display().to_string())
    }

    /// Checks that every owner, campaign, content and person key a person refers to exists.
    pub fn check_references(&self) -> Result<(), ScenarioError> {
        use std::collections::HashSet;
        let owners: HashSet<&str> = self.owners.iter().map(|o| o.key.as_str()).collect();
        let campaigns: HashSet<&str> = self.campaigns.iter().map(|c| c.key.as_str()).collect();
        let content: HashSet<&str> = self.content.iter().map(|c| c.key.as_str()).collect();
        let people: HashSet<&str> = self.people.iter().map(|p| p.key.as_str()).collect();
        for person in &self.people {
            let check = |what: &'static str, set: &HashSet<&str>, key: Option<&String>| match key {
                Some(k) if !set.contains(k.as_str()) => Err(ScenarioError::UnknownKey {
                    what,
                    key: k.clone(),
                    person: person.key.clone(),
                }),
                _ => Ok(()),
            };
            if let Some(hs) = &person.hubspot {
                check("owner", &owners, hs.owner.as_ref())?;
                check("person", &people, hs.merged_into.as_ref())?;
            }
            for t in &person.touchpoints {
                check("content", &content, t.content.as_ref())?;
                check("campaign", &campaigns, t.campaign.as_ref())?;
            }
            for d in &person.hubspot_deals {
                check("owner", &owners, d.owner.as_ref())?;
            }
            if let Some(sf) = &person.salesforce {
                for l in &sf.leads {
                    check("owner", &owners, l.owner.as_ref())?;
                }
                if let Some(c) = &sf.contact {
                    check("owner", &owners, c.owner.as_ref())?;
                }
                for a in &sf.activities {
                    check("owner", &owners, a.owner.as_ref())?;
                }
                for o in &sf.opportunities {
                    check("owner", &owners, o.owner.as_ref())?;
                    check("campaign", &campaigns, o.campaign.as_ref())?;
                }
                for m in &sf.campaign_memberships {
                    check("campaign", &campaigns, Some(&m.campaign))?;
                }
            }
        }
        Ok(())
    }
}
