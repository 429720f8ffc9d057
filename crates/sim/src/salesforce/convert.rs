//! Lead conversion and record merges, as a sales rep does them in the UI while a sync runs.
//!
//! Holds no state. Conversion does what Salesforce's does: an Account (or the one given), a
//! Contact (or the one given) and, unless told not to, an Opportunity with a primary contact role
//! and its first history row; the lead gets `IsConverted`, `ConvertedDate`, the converted ids and
//! a converted status (with `LeadHistory` rows); the lead's tasks and events move to the contact
//! and its campaign memberships gain the contact — every touched record gets a new
//! `SystemModstamp`. A merge moves the losers' children to the master, then deletes the losers
//! with `MasterRecordId` set, so `queryAll` and `getDeleted` see them.

use super::derive;
use super::dml::{Writer, check_lock};
use super::errors::RecordError;
use super::ids::SfId;
use super::value::Val;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// A conversion request; field names follow Salesforce's `LeadConvert`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConvertRequest {
    /// The lead to convert.
    pub lead_id: String,
    /// The status to give the lead (a converted status); the first converted status if absent.
    #[serde(default)]
    pub converted_status: Option<String>,
    /// Attach to this account instead of creating one.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Merge into this contact instead of creating one.
    #[serde(default)]
    pub contact_id: Option<String>,
    /// Do not create an opportunity.
    #[serde(default)]
    pub do_not_create_opportunity: bool,
    /// The new opportunity's name (default: the company followed by `-`).
    #[serde(default)]
    pub opportunity_name: Option<String>,
    /// Owner of the new records (default: the lead's owner).
    #[serde(default)]
    pub owner_id: Option<String>,
}

/// What a conversion produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvertResult {
    /// The converted lead.
    pub lead_id: String,
    /// The account.
    pub account_id: String,
    /// The contact.
    pub contact_id: String,
    /// The opportunity, when one was created.
    pub opportunity_id: Option<String>,
}

/// A merge request: the master keeps, the merged records go (one or two, as in Salesforce).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MergeRequest {
    /// The surviving record.
    pub master_id: String,
    /// The records merged into it.
    pub merged_ids: Vec<String>,
}

fn bad(code: &'static str, message: impl Into<String>) -> RecordError {
    RecordError::new(code, message, vec![])
}

/// Finds a live record of `object` by id text.
fn live(w: &Writer<'_>, object: &str, text: &str) -> Result<(usize, u32, SfId), RecordError> {
    let id = SfId::parse(text).ok_or_else(|| bad("MALFORMED_ID", format!("malformed id {text}")))?;
    let table = w.org.std_table(object);
    if id.prefix() != w.org.object(table).key_prefix {
        return Err(bad(
            "MALFORMED_ID",
            format!("{object} ID: id value of incorrect type: {id}"),
        ));
    }
    let row = w.org.tables[table]
        .find(id)
        .ok_or_else(|| bad("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"))?;
    if w.org.is_deleted(table, row) {
        return Err(bad("ENTITY_IS_DELETED", "entity is deleted"));
    }
    Ok((table, row, id))
}

/// Rewrites a row with `edit`, stamping it modified now.
fn patch(w: &mut Writer<'_>, table: usize, row: u32, edit: impl FnOnce(&super::schema::ObjectSchema, &mut Vec<Val>)) {
    let schema = Arc::clone(w.org.object(table));
    let mut vals = w.org.tables[table].row(row).vals.to_vec();
    edit(&schema, &mut vals);
    derive::stamp_modified(&schema, &mut vals, w.now, w.user);
    w.org.replace(w.txn, table, row, vals.into_boxed_slice());
}

fn fields(pairs: Vec<(&str, Val)>) -> Map<String, Value> {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.to_owned(), v.to_json()))
        .collect()
}

/// Converts a lead.
pub fn convert(w: &mut Writer<'_>, req: &ConvertRequest) -> Result<ConvertResult, RecordError> {
    let (lead_table, lead_row, lead_id) = live(w, "Lead", &req.lead_id)?;
    let lead_schema = Arc::clone(w.org.object(lead_table));
    let lead = w.org.tables[lead_table].row(lead_row).vals.to_vec();
    let get = |name: &str| derive::get(&lead_schema, &lead, name).clone();
    if get("IsConverted").as_bool() == Some(true) {
        return Err(bad("CANNOT_UPDATE_CONVERTED_LEAD", "This lead was already converted"));
    }
    let statuses = &w.org.config.lead_statuses;
    let status = match &req.converted_status {
        Some(s) if statuses.iter().any(|x| x.converted && &x.value == s) => s.clone(),
        Some(s) => return Err(bad("INVALID_STATUS", format!("invalid convertedStatus: {s}"))),
        None => statuses
            .iter()
            .find(|x| x.converted)
            .map(|x| x.value.clone())
            .ok_or_else(|| bad("INVALID_STATUS", "no converted lead status"))?,
    };
    check_lock(w.org, lead_id)?;
    let owner = match &req.owner_id {
        Some(o) => Val::Id(live(w, "User", o)?.2),
        None => get("OwnerId"),
    };
    let account = match &req.account_id {
        Some(a) => live(w, "Account", a)?.2,
        None => {
            let table = w.org.std_table("Account");
            let input = fields(vec![
                ("Name", get("Company")),
                ("OwnerId", owner.clone()),
                ("BillingCountry", get("Country")),
                ("BillingCity", get("City")),
                ("Industry", get("Industry")),
                ("Website", get("Website")),
                ("Phone", get("Phone")),
                ("NumberOfEmployees", get("NumberOfEmployees")),
                ("AnnualRevenue", get("AnnualRevenue")),
                ("AccountSource", get("LeadSource")),
            ]);
            w.create(table, &input)?
        }
    };
    let contact = match &req.contact_id {
        Some(c) => live(w, "Contact", c)?.2,
        None => {
            let table = w.org.std_table("Contact");
            let input = fields(vec![
                ("FirstName", get("FirstName")),
                ("LastName", get("LastName")),
                ("Email", get("Email")),
                ("Phone", get("Phone")),
                ("Title", get("Title")),
                ("LeadSource", get("LeadSource")),
                ("OwnerId", owner.clone()),
                ("AccountId", Val::Id(account)),
                ("MailingCountry", get("Country")),
                ("MailingCity", get("City")),
                ("HasOptedOutOfEmail", get("HasOptedOutOfEmail")),
            ]);
            w.create(table, &input)?
        }
    };
    let opportunity = if req.do_not_create_opportunity {
        None
    } else {
        let stage = w
            .org
            .config
            .stages
            .iter()
            .find(|s| !s.is_closed)
            .map(|s| s.id.clone())
            .unwrap_or_default();
        let company = get("Company").to_text().unwrap_or_default();
        let input = fields(vec![
            (
                "Name",
                Val::text(req.opportunity_name.as_deref().unwrap_or(&format!("{company}-"))),
            ),
            ("AccountId", Val::Id(account)),
            ("ContactId", Val::Id(contact)),
            ("StageName", Val::text(&stage)),
            (
                "CloseDate",
                Val::Date(derive::end_of_quarter(super::time::date_of(w.now))),
            ),
            ("LeadSource", get("LeadSource")),
            ("OwnerId", owner.clone()),
            ("CampaignId", latest_campaign(w, lead_id)),
        ]);
        let table = w.org.std_table("Opportunity");
        let id = w.create(table, &input)?;
        let role_table = w.org.std_table("OpportunityContactRole");
        let role = fields(vec![
            ("OpportunityId", Val::Id(id)),
            ("ContactId", Val::Id(contact)),
            ("IsPrimary", Val::Bool(true)),
        ]);
        w.create(role_table, &role)?;
        Some(id)
    };
    let old_status = get("Status").to_text();
    let today = super::time::date_of(w.now);
    patch(w, lead_table, lead_row, |s, vals| {
        derive::set(s, vals, "Status", Val::text(&status));
        derive::set(s, vals, "IsConverted", Val::Bool(true));
        derive::set(s, vals, "ConvertedDate", Val::Date(today));
        derive::set(s, vals, "ConvertedAccountId", Val::Id(account));
        derive::set(s, vals, "ConvertedContactId", Val::Id(contact));
        derive::set(
            s,
            vals,
            "ConvertedOpportunityId",
            opportunity.map(Val::Id).unwrap_or(Val::Null),
        );
    });
    let history = w.org.std_table("LeadHistory");
    if old_status.as_deref() != Some(status.as_str()) {
        let row = derive::lead_history(
            w.org,
            lead_id,
            "Status",
            old_status,
            Some(status.clone()),
            w.now,
            w.user,
        );
        w.org.insert(w.txn, history, row);
    }
    let row = derive::lead_history(w.org, lead_id, "leadConverted", None, None, w.now, w.user);
    w.org.insert(w.txn, history, row);
    let what = opportunity.unwrap_or(account);
    for object in ["Task", "Event"] {
        let table = w.org.std_table(object);
        for row in w.referencing(object, "WhoId", lead_id) {
            patch(w, table, row, |s, vals| {
                derive::set(s, vals, "WhoId", Val::Id(contact));
                if derive::get(s, vals, "WhatId").is_null() {
                    derive::set(s, vals, "WhatId", Val::Id(what));
                }
                derive::set(s, vals, "AccountId", Val::Id(account));
            });
        }
    }
    let members = w.org.std_table("CampaignMember");
    for row in w.referencing("CampaignMember", "LeadId", lead_id) {
        patch(w, members, row, |s, vals| {
            derive::set(s, vals, "ContactId", Val::Id(contact));
            derive::set(s, vals, "LeadOrContactId", Val::Id(contact));
        });
    }
    Ok(ConvertResult {
        lead_id: lead_id.to_string(),
        account_id: account.to_string(),
        contact_id: contact.to_string(),
        opportunity_id: opportunity.map(|o| o.to_string()),
    })
}

/// The campaign the lead joined most recently: the new opportunity's primary campaign source.
fn latest_campaign(w: &Writer<'_>, lead: SfId) -> Val {
    let table = w.org.std_table("CampaignMember");
    let t = &w.org.tables[table];
    let (Some(campaign), Some(created)) = (t.schema.column("CampaignId"), t.schema.sys.created_date) else {
        return Val::Null;
    };
    w.referencing("CampaignMember", "LeadId", lead)
        .into_iter()
        .max_by_key(|r| (t.get(*r, created).as_ms(), *r))
        .map(|r| t.get(r, campaign).clone())
        .unwrap_or(Val::Null)
}

/// Children that follow a merged record to its master: (object, lookup column).
fn children(object: &str) -> &'static [(&'static str, &'static str)] {
    match object {
        "Lead" => &[("CampaignMember", "LeadId"), ("Task", "WhoId"), ("Event", "WhoId")],
        "Contact" => &[
            ("CampaignMember", "ContactId"),
            ("Task", "WhoId"),
            ("Event", "WhoId"),
            ("Opportunity", "ContactId"),
            ("OpportunityContactRole", "ContactId"),
        ],
        "Account" => &[
            ("Contact", "AccountId"),
            ("Opportunity", "AccountId"),
            ("Task", "AccountId"),
            ("Event", "AccountId"),
        ],
        _ => &[],
    }
}

/// Merges one or two records into a master of the same type (Lead, Contact or Account).
pub fn merge(w: &mut Writer<'_>, req: &MergeRequest) -> Result<serde_json::Value, RecordError> {
    let master =
        SfId::parse(&req.master_id).ok_or_else(|| bad("MALFORMED_ID", format!("malformed id {}", req.master_id)))?;
    let object = match master.prefix() {
        "00Q" => "Lead",
        "003" => "Contact",
        "001" => "Account",
        _ => {
            return Err(bad(
                "INVALID_TYPE",
                "merge is supported for leads, contacts and accounts",
            ));
        }
    };
    if req.merged_ids.is_empty() || req.merged_ids.len() > 2 {
        return Err(bad(
            "INVALID_ARGUMENT",
            "merge takes one or two records to merge into the master",
        ));
    }
    let (table, master_row, _) = live(w, object, &req.master_id)?;
    let mut merged = Vec::new();
    for text in &req.merged_ids {
        let (_, row, id) = live(w, object, text)?;
        if id == master || merged.iter().any(|(_, m)| *m == id) {
            return Err(bad("INVALID_ARGUMENT", format!("{id} cannot be merged into itself")));
        }
        check_lock(w.org, id)?;
        merged.push((row, id));
    }
    if object == "Lead" {
        let converted = |row: u32| {
            derive::get(w.org.object(table), &w.org.tables[table].row(row).vals, "IsConverted").as_bool() == Some(true)
        };
        if converted(master_row) || merged.iter().any(|(row, _)| converted(*row)) {
            return Err(bad("CANNOT_UPDATE_CONVERTED_LEAD", "converted leads cannot be merged"));
        }
    }
    check_lock(w.org, master)?;
    for (row, id) in &merged {
        for (child, column) in children(object) {
            let child_table = w.org.std_table(child);
            for child_row in w.referencing(child, column, *id) {
                patch(w, child_table, child_row, |s, vals| {
                    derive::set(s, vals, column, Val::Id(master));
                    let follows = *column == "ContactId" || derive::get(s, vals, "ContactId").is_null();
                    if *child == "CampaignMember" && follows {
                        derive::set(s, vals, "LeadOrContactId", Val::Id(master));
                    }
                });
            }
        }
        w.delete_row(table, *row, Some(master));
    }
    patch(w, table, master_row, |_, _| {});
    if object == "Lead" {
        let row = derive::lead_history(w.org, master, "leadMerged", None, None, w.now, w.user);
        let history = w.org.std_table("LeadHistory");
        w.org.insert(w.txn, history, row);
    }
    Ok(
        json!({"masterId": master.to_string(), "mergedIds": merged.iter().map(|(_, id)| id.to_string()).collect::<Vec<_>>()}),
    )
}
