//! The standard sObjects the simulator serves, with the fields a marketing↔sales sync touches.
//!
//! Holds no state. Field names, types, labels, lengths and writability follow Salesforce's own
//! `describe` output. Objects differ in their system fields exactly as they do in a real org:
//! `User` has no `IsDeleted`, `OpportunityHistory` has no `LastModifiedDate`, and `LeadHistory`
//! has neither `LastModifiedDate` nor `SystemModstamp` (history rows are read by `CreatedDate`).

use super::{FieldDef, FieldType as T, ObjectSchema};

/// The org-specific picklists the standard objects depend on.
#[derive(Debug, Clone, Default)]
pub struct Picklists {
    /// Lead `Status` values, in order.
    pub lead_statuses: Vec<String>,
    /// Opportunity `StageName` values, in order.
    pub stages: Vec<String>,
    /// CampaignMember `Status` values.
    pub member_statuses: Vec<String>,
    /// `CurrencyIsoCode` values when the org has multiple currencies; empty otherwise.
    pub currencies: Vec<String>,
}

fn f(name: &str, label: &str, kind: T) -> FieldDef {
    FieldDef::new(name, label, kind)
}

fn owned(values: &[String]) -> Vec<&str> {
    values.iter().map(String::as_str).collect()
}

/// `Id`, then the audit fields every object has.
fn head() -> Vec<FieldDef> {
    vec![f("Id", "Record ID", T::Id).read_only().required()]
}

/// The audit fields, minus those the object lacks.
fn audit(last_modified: bool, modstamp: bool) -> Vec<FieldDef> {
    let mut out = vec![
        f("CreatedDate", "Created Date", T::DateTime).read_only().required(),
        f("CreatedById", "Created By ID", T::Reference)
            .refs(&["User"])
            .read_only()
            .required(),
    ];
    if last_modified {
        out.push(
            f("LastModifiedDate", "Last Modified Date", T::DateTime)
                .read_only()
                .required(),
        );
        out.push(
            f("LastModifiedById", "Last Modified By ID", T::Reference)
                .refs(&["User"])
                .read_only()
                .required(),
        );
    }
    if modstamp {
        out.push(
            f("SystemModstamp", "System Modstamp", T::DateTime)
                .read_only()
                .required(),
        );
    }
    out
}

fn is_deleted() -> FieldDef {
    f("IsDeleted", "Deleted", T::Boolean).read_only().required()
}

fn owner() -> FieldDef {
    f("OwnerId", "Owner ID", T::Reference)
        .refs(&["User"])
        .required()
        .defaulted()
}

fn currency(p: &Picklists) -> Option<FieldDef> {
    (!p.currencies.is_empty()).then(|| {
        f("CurrencyIsoCode", "Currency ISO Code", T::Picklist)
            .values(&owned(&p.currencies), true)
            .defaulted()
    })
}

const LEAD_SOURCES: &[&str] = &["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
const INDUSTRIES: &[&str] = &[
    "Agriculture",
    "Banking",
    "Consulting",
    "Education",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Telecommunications",
    "Other",
];

/// All standard objects.
pub fn objects(p: &Picklists) -> Vec<ObjectSchema> {
    vec![
        user(),
        account(),
        lead(p),
        contact(),
        opportunity(p),
        opportunity_history(),
        contact_role(),
        task(),
        event(),
        campaign(),
        campaign_member(p),
        lead_history(),
    ]
}

fn user() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        f("Username", "Username", T::String).max_len(80).required(),
        f("LastName", "Last Name", T::String).max_len(80).required(),
        f("FirstName", "First Name", T::String).max_len(40),
        f("Name", "Full Name", T::String).max_len(121).calculated(),
        f("Email", "Email", T::Email).max_len(128).required(),
        f("Alias", "Alias", T::String).max_len(8).required(),
        f("IsActive", "Active", T::Boolean).required().defaulted(),
        f("UserType", "User Type", T::Picklist)
            .values(&["Standard", "AutomatedProcess"], true)
            .read_only(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("User", "User", "Users", "005", fields).read_only()
}

fn account() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("MasterRecordId", "Master Record ID", T::Reference)
            .refs(&["Account"])
            .read_only(),
        f("Name", "Account Name", T::String).required(),
        f("Type", "Account Type", T::Picklist).values(
            &[
                "Prospect",
                "Customer - Direct",
                "Customer - Channel",
                "Partner",
                "Other",
            ],
            false,
        ),
        f("Industry", "Industry", T::Picklist).values(INDUSTRIES, false),
        f("Website", "Website", T::Url),
        f("Phone", "Account Phone", T::Phone).max_len(40),
        f("BillingCity", "Billing City", T::String).max_len(40),
        f("BillingCountry", "Billing Country", T::String).max_len(80),
        f("NumberOfEmployees", "Employees", T::Int).max_len(8),
        f("AnnualRevenue", "Annual Revenue", T::Currency),
        f("AccountSource", "Account Source", T::Picklist).values(LEAD_SOURCES, false),
        f("Description", "Account Description", T::TextArea),
        owner(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("Account", "Account", "Accounts", "001", fields)
}

fn lead(p: &Picklists) -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("MasterRecordId", "Master Record ID", T::Reference)
            .refs(&["Lead"])
            .read_only(),
        f("LastName", "Last Name", T::String).max_len(80).required(),
        f("FirstName", "First Name", T::String).max_len(40),
        f("Name", "Full Name", T::String).max_len(121).calculated(),
        f("Title", "Title", T::String).max_len(128),
        f("Company", "Company", T::String).required(),
        f("City", "City", T::String).max_len(40),
        f("Country", "Country", T::String).max_len(80),
        f("Phone", "Phone", T::Phone).max_len(40),
        f("Email", "Email", T::Email),
        f("Website", "Website", T::Url),
        f("Description", "Description", T::TextArea),
        f("LeadSource", "Lead Source", T::Picklist).values(LEAD_SOURCES, false),
        f("Status", "Status", T::Picklist)
            .values(&owned(&p.lead_statuses), true)
            .required()
            .defaulted(),
        f("Industry", "Industry", T::Picklist).values(INDUSTRIES, false),
        f("Rating", "Rating", T::Picklist).values(&["Hot", "Warm", "Cold"], false),
        f("AnnualRevenue", "Annual Revenue", T::Currency),
        f("NumberOfEmployees", "Employees", T::Int).max_len(8),
        owner(),
        f("HasOptedOutOfEmail", "Email Opt Out", T::Boolean)
            .required()
            .defaulted(),
        f("IsConverted", "Converted", T::Boolean)
            .required()
            .defaulted()
            .read_only(),
        f("ConvertedDate", "Converted Date", T::Date).read_only(),
        f("ConvertedAccountId", "Converted Account ID", T::Reference)
            .refs(&["Account"])
            .read_only(),
        f("ConvertedContactId", "Converted Contact ID", T::Reference)
            .refs(&["Contact"])
            .read_only(),
        f("ConvertedOpportunityId", "Converted Opportunity ID", T::Reference)
            .refs(&["Opportunity"])
            .read_only(),
        f("IsUnreadByOwner", "Unread By Owner", T::Boolean)
            .required()
            .defaulted(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("Lead", "Lead", "Leads", "00Q", fields)
}

fn contact() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("MasterRecordId", "Master Record ID", T::Reference)
            .refs(&["Contact"])
            .read_only(),
        f("AccountId", "Account ID", T::Reference).refs(&["Account"]),
        f("LastName", "Last Name", T::String).max_len(80).required(),
        f("FirstName", "First Name", T::String).max_len(40),
        f("Name", "Full Name", T::String).max_len(121).calculated(),
        f("Title", "Title", T::String).max_len(128),
        f("Department", "Department", T::String).max_len(80),
        f("Email", "Email", T::Email),
        f("Phone", "Business Phone", T::Phone).max_len(40),
        f("MailingCity", "Mailing City", T::String).max_len(40),
        f("MailingCountry", "Mailing Country", T::String).max_len(80),
        f("LeadSource", "Lead Source", T::Picklist).values(LEAD_SOURCES, false),
        f("Description", "Contact Description", T::TextArea),
        owner(),
        f("HasOptedOutOfEmail", "Email Opt Out", T::Boolean)
            .required()
            .defaulted(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("Contact", "Contact", "Contacts", "003", fields)
}

fn opportunity(p: &Picklists) -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("AccountId", "Account ID", T::Reference).refs(&["Account"]),
        f("ContactId", "Contact ID", T::Reference).refs(&["Contact"]),
        f("Name", "Name", T::String).max_len(120).required(),
        f("Description", "Description", T::TextArea),
        f("StageName", "Stage", T::Picklist)
            .values(&owned(&p.stages), true)
            .required(),
        f("Amount", "Amount", T::Currency),
        f("Probability", "Probability (%)", T::Percent).defaulted(),
        f("ExpectedRevenue", "Expected Amount", T::Currency).calculated(),
        f("CloseDate", "Close Date", T::Date).required(),
        f("Type", "Opportunity Type", T::Picklist).values(
            &[
                "New Customer",
                "Existing Customer - Upgrade",
                "Existing Customer - Replacement",
                "Existing Customer - Downgrade",
            ],
            false,
        ),
        f("NextStep", "Next Step", T::String),
        f("LeadSource", "Lead Source", T::Picklist).values(LEAD_SOURCES, false),
        f("IsClosed", "Closed", T::Boolean).required().defaulted().read_only(),
        f("IsWon", "Won", T::Boolean).required().defaulted().read_only(),
        f("ForecastCategoryName", "Forecast Category", T::Picklist)
            .values(&["Omitted", "Pipeline", "BestCase", "Commit", "Closed"], true)
            .defaulted(),
        f("CampaignId", "Campaign ID", T::Reference).refs(&["Campaign"]),
        owner(),
    ]);
    fields.extend(currency(p));
    fields.extend(audit(true, true));
    ObjectSchema::new("Opportunity", "Opportunity", "Opportunities", "006", fields)
}

fn opportunity_history() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        f("OpportunityId", "Opportunity ID", T::Reference)
            .refs(&["Opportunity"])
            .read_only()
            .required(),
        f("StageName", "Stage Name", T::Picklist).read_only().required(),
        f("Amount", "Amount", T::Currency).read_only(),
        f("ExpectedRevenue", "Expected Revenue", T::Currency).read_only(),
        f("CloseDate", "Close Date", T::Date).read_only(),
        f("Probability", "Probability (%)", T::Percent).read_only(),
        f("ForecastCategory", "Forecast Category", T::Picklist).read_only(),
        is_deleted(),
    ]);
    fields.extend(audit(false, true));
    ObjectSchema::new(
        "OpportunityHistory",
        "Opportunity History",
        "Opportunity History",
        "008",
        fields,
    )
    .read_only()
}

fn contact_role() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        f("OpportunityId", "Opportunity ID", T::Reference)
            .refs(&["Opportunity"])
            .required()
            .create_only(),
        f("ContactId", "Contact ID", T::Reference).refs(&["Contact"]).required(),
        f("Role", "Role", T::Picklist).values(
            &[
                "Business User",
                "Decision Maker",
                "Economic Buyer",
                "Economic Decision Maker",
                "Evaluator",
                "Executive Sponsor",
                "Influencer",
                "Technical Buyer",
                "Other",
            ],
            false,
        ),
        f("IsPrimary", "Primary", T::Boolean).required().defaulted(),
        is_deleted(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new(
        "OpportunityContactRole",
        "Opportunity Contact Role",
        "Opportunity Contact Role",
        "00K",
        fields,
    )
}

/// The task statuses; `Completed` closes a task.
pub const TASK_STATUSES: &[&str] = &[
    "Not Started",
    "In Progress",
    "Completed",
    "Waiting on someone else",
    "Deferred",
];

fn task() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        f("WhoId", "Name ID", T::Reference).refs(&["Contact", "Lead"]),
        f("WhatId", "Related To ID", T::Reference).refs(&["Account", "Campaign", "Opportunity"]),
        f("Subject", "Subject", T::Combobox).values(&["Call", "Send Letter", "Send Quote", "Other"], false),
        f("ActivityDate", "Due Date Only", T::Date),
        f("Status", "Status", T::Picklist)
            .values(TASK_STATUSES, true)
            .required()
            .defaulted(),
        f("Priority", "Priority", T::Picklist)
            .values(&["Normal", "High", "Low"], true)
            .required()
            .defaulted(),
        owner(),
        f("Description", "Description", T::TextArea),
        f("Type", "Type", T::Picklist).values(&["Call", "Email", "Meeting", "Other"], false),
        is_deleted(),
        f("AccountId", "Account ID", T::Reference)
            .refs(&["Account"])
            .read_only(),
        f("IsClosed", "Closed", T::Boolean).required().defaulted().read_only(),
        f("CallDurationInSeconds", "Call Duration", T::Int).max_len(8),
        f("CallType", "Call Type", T::Picklist).values(&["Internal", "Inbound", "Outbound"], true),
        f("CallDisposition", "Call Result", T::String),
        f("TaskSubtype", "Task Subtype", T::Picklist)
            .values(&["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"], true)
            .defaulted()
            .create_only(),
        f("CompletedDateTime", "Completed Date/Time", T::DateTime).read_only(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("Task", "Task", "Tasks", "00T", fields)
}

fn event() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        f("WhoId", "Name ID", T::Reference).refs(&["Contact", "Lead"]),
        f("WhatId", "Related To ID", T::Reference).refs(&["Account", "Campaign", "Opportunity"]),
        f("Subject", "Subject", T::Combobox).values(&["Call", "Email", "Meeting", "Send Letter/Quote", "Other"], false),
        f("Location", "Location", T::String),
        f("IsAllDayEvent", "All-Day Event", T::Boolean).required().defaulted(),
        f("ActivityDateTime", "Due Date Time", T::DateTime),
        f("ActivityDate", "Due Date Only", T::Date),
        f("DurationInMinutes", "Duration", T::Int).max_len(8),
        f("StartDateTime", "Start Date Time", T::DateTime),
        f("EndDateTime", "End Date Time", T::DateTime),
        f("Description", "Description", T::TextArea),
        f("AccountId", "Account ID", T::Reference)
            .refs(&["Account"])
            .read_only(),
        owner(),
        f("Type", "Type", T::Picklist).values(&["Call", "Email", "Meeting", "Other"], false),
        f("EventSubtype", "Event Subtype", T::Picklist)
            .values(&["Event"], true)
            .defaulted()
            .create_only(),
        is_deleted(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("Event", "Event", "Events", "00U", fields)
}

fn campaign() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("Name", "Name", T::String).max_len(80).required(),
        f("ParentId", "Parent Campaign ID", T::Reference).refs(&["Campaign"]),
        f("Type", "Type", T::Picklist).values(
            &[
                "Advertisement",
                "Banner Ads",
                "Content",
                "Direct Mail",
                "Email",
                "Partners",
                "Public Relations",
                "Referral Program",
                "Seminar / Conference",
                "Telemarketing",
                "Webinar",
                "Other",
            ],
            false,
        ),
        f("Status", "Status", T::Picklist).values(&["Planned", "In Progress", "Completed", "Aborted"], false),
        f("StartDate", "Start Date", T::Date),
        f("EndDate", "End Date", T::Date),
        f("IsActive", "Active", T::Boolean).required().defaulted(),
        f("Description", "Description", T::TextArea),
        owner(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("Campaign", "Campaign", "Campaigns", "701", fields)
}

fn campaign_member(p: &Picklists) -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("CampaignId", "Campaign ID", T::Reference)
            .refs(&["Campaign"])
            .required()
            .create_only(),
        f("LeadId", "Lead ID", T::Reference).refs(&["Lead"]).create_only(),
        f("ContactId", "Contact ID", T::Reference)
            .refs(&["Contact"])
            .create_only(),
        f("Status", "Status", T::Picklist)
            .values(&owned(&p.member_statuses), true)
            .defaulted(),
        f("HasResponded", "Responded", T::Boolean)
            .required()
            .defaulted()
            .read_only(),
        f("FirstRespondedDate", "First Responded Date", T::Date).read_only(),
        f("LeadOrContactId", "Lead or Contact ID", T::Reference)
            .refs(&["Contact", "Lead"])
            .read_only(),
    ]);
    fields.extend(audit(true, true));
    ObjectSchema::new("CampaignMember", "Campaign Member", "Campaign Members", "00v", fields)
}

fn lead_history() -> ObjectSchema {
    let mut fields = head();
    fields.extend([
        is_deleted(),
        f("LeadId", "Lead ID", T::Reference)
            .refs(&["Lead"])
            .read_only()
            .required(),
        f("Field", "Changed Field", T::Picklist).read_only().required(),
        f("DataType", "Data Type", T::Picklist).read_only(),
        f("OldValue", "Old Value", T::AnyType).read_only(),
        f("NewValue", "New Value", T::AnyType).read_only(),
    ]);
    fields.extend(audit(false, false));
    ObjectSchema::new("LeadHistory", "Lead History", "Lead History", "017", fields).read_only()
}
