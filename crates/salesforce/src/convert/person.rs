//! Leads and Contacts: the CRM's person records.
//!
//! Holds no state. A Lead's `Status` is kept raw and mapped through `lead_status_map`; a value the
//! map does not know quarantines the lead, so a new picklist value is noticed, not guessed. The
//! fields closedloop writes (and any extra ones) are read back into `fields` exactly as
//! Salesforce reports them, under the names the configuration uses, so reconcile can recognise
//! its own writes. Deleted and merged-away records (from `queryAll`) keep `deleted` and
//! `merged_into` (`MasterRecordId`).

use super::row::{MAX_TEXT_CHARS, RowReader};
use super::{Context, Converted, check_created, names};
use crate::soql::ApiName;
use crate::wire::Row;
use chrono::{NaiveDate, TimeZone, Utc};
use closedloop_core::Timestamp;
use closedloop_core::page::Record;
use closedloop_core::records::{CrmContact, CrmLead, FieldValues, LeadConversion};

/// The Lead fields closedloop always reads.
const LEAD_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "MasterRecordId",
    "FirstName",
    "LastName",
    "Company",
    "Email",
    "Status",
    "LeadSource",
    "OwnerId",
    "IsConverted",
    "ConvertedDate",
    "ConvertedContactId",
    "ConvertedOpportunityId",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
];

/// The Contact fields closedloop always reads.
const CONTACT_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "MasterRecordId",
    "AccountId",
    "FirstName",
    "LastName",
    "Email",
    "LeadSource",
    "OwnerId",
    "CreatedDate",
    "SystemModstamp",
];

/// The SELECT list of the leads stream.
pub(crate) fn lead_select(ctx: &Context<'_>) -> Vec<ApiName> {
    let mut fields = names(LEAD_FIELDS);
    fields.extend(ctx.settings.disqualification_field.iter().cloned());
    fields.extend(ctx.settings.lead_fields.iter().cloned());
    fields
}

/// The SELECT list of the contacts stream.
pub(crate) fn contact_select(ctx: &Context<'_>) -> Vec<ApiName> {
    let mut fields = names(CONTACT_FIELDS);
    fields.extend(ctx.settings.contact_fields.iter().cloned());
    fields
}

/// The configured fields, read back raw under their configured names.
fn read_back(r: &RowReader<'_>, fields: &[ApiName]) -> Result<FieldValues, String> {
    fields
        .iter()
        .map(|f| Ok((f.as_str().to_owned(), r.raw(f.as_str())?)))
        .collect()
}

/// When a lead was converted. `ConvertedDate` is a date; a converted lead is read-only, so its
/// `LastModifiedDate` on that same date is the moment of conversion. Otherwise midnight UTC.
fn converted_at(date: Option<NaiveDate>, last_modified: Option<Timestamp>) -> Option<Timestamp> {
    let date = date?;
    match last_modified {
        Some(t) if t.date_naive() == date => Some(t),
        _ => date.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d)),
    }
}

/// A Lead row.
pub(crate) fn lead(ctx: &Context<'_>, row: &Row) -> Result<Converted, String> {
    let r = RowReader::new(row, "Lead");
    let id = r.id("Id")?;
    let created_at = r.required_datetime("CreatedDate")?;
    check_created("Lead", created_at, ctx)?;
    let modified_at = r.required_datetime("SystemModstamp")?;
    let status_raw = r.text("Status", MAX_TEXT_CHARS)?;
    let status = match &status_raw {
        None => None,
        Some(raw) => Some(
            ctx.settings
                .lead_status(raw)
                .ok_or_else(|| format!("Lead.Status {raw:?} is not in salesforce.lead_status_map"))?,
        ),
    };
    let disqualification_reason = match &ctx.settings.disqualification_field {
        Some(field) => r.text(field.as_str(), super::row::MAX_FIELD_CHARS)?,
        None => None,
    };
    let conversion = if r.flag("IsConverted")? {
        Some(LeadConversion {
            contact_id: r.opt_id("ConvertedContactId")?,
            opportunity_id: r.opt_id("ConvertedOpportunityId")?,
            converted_at: converted_at(r.date("ConvertedDate")?, r.datetime("LastModifiedDate")?),
        })
    } else {
        None
    };
    let lead = CrmLead {
        id,
        email: r.email("Email")?,
        first_name: r.text("FirstName", MAX_TEXT_CHARS)?,
        last_name: r.text("LastName", MAX_TEXT_CHARS)?,
        company: r.text("Company", MAX_TEXT_CHARS)?,
        status_raw,
        status,
        disqualification_reason,
        lead_source: r.text("LeadSource", MAX_TEXT_CHARS)?,
        owner_id: r.opt_id("OwnerId")?.map(|o| o.to_string()),
        conversion,
        fields: read_back(&r, &ctx.settings.lead_fields)?,
        created_at,
        modified_at,
        deleted: r.flag("IsDeleted")?,
        merged_into: r.opt_id("MasterRecordId")?,
    };
    let key = lead.key();
    Ok(Converted::with_snapshot(
        vec![Record::CrmLead(lead)],
        key,
        row,
        Some(modified_at),
    ))
}

/// A Contact row.
pub(crate) fn contact(ctx: &Context<'_>, row: &Row) -> Result<Converted, String> {
    let r = RowReader::new(row, "Contact");
    let id = r.id("Id")?;
    let created_at = r.required_datetime("CreatedDate")?;
    check_created("Contact", created_at, ctx)?;
    let modified_at = r.required_datetime("SystemModstamp")?;
    let contact = CrmContact {
        id,
        email: r.email("Email")?,
        first_name: r.text("FirstName", MAX_TEXT_CHARS)?,
        last_name: r.text("LastName", MAX_TEXT_CHARS)?,
        account_id: r.opt_id("AccountId")?,
        lead_source: r.text("LeadSource", MAX_TEXT_CHARS)?,
        owner_id: r.opt_id("OwnerId")?.map(|o| o.to_string()),
        fields: read_back(&r, &ctx.settings.contact_fields)?,
        created_at,
        modified_at,
        deleted: r.flag("IsDeleted")?,
        merged_into: r.opt_id("MasterRecordId")?,
    };
    let key = contact.key();
    Ok(Converted::with_snapshot(
        vec![Record::CrmContact(contact)],
        key,
        row,
        Some(modified_at),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, row, settings};
    use super::*;
    use closedloop_core::stage::LeadStatus;
    use serde_json::json;

    fn lead_row(status: &str, email: &str) -> Row {
        row(json!({
            "attributes": {"type": "Lead", "url": "/services/data/v59.0/sobjects/Lead/00Q5g0000000001"},
            "Id": "00Q5g0000000001", "IsDeleted": false, "MasterRecordId": null,
            "FirstName": "Ada", "LastName": "Lovelace", "Company": "Engines", "Email": email,
            "Status": status, "LeadSource": "Web", "OwnerId": "0055g0000000001",
            "IsConverted": true, "ConvertedDate": "2024-03-02", "ConvertedContactId": "0035g0000000001",
            "ConvertedOpportunityId": null, "CreatedDate": "2024-03-01T10:00:00.000+0000",
            "LastModifiedDate": "2024-03-02T15:30:00.000+0000", "SystemModstamp": "2024-03-02T15:30:00.000+0000",
            "Unqualified_Reason__c": null, "first_touch_campaign__c": "Spring webinar", "Title": null,
        }))
    }

    #[test]
    fn a_converted_lead_keeps_its_contact_and_the_moment_of_conversion() {
        let s = settings();
        let out = lead(&ctx(&s), &lead_row("Closed - Converted", "Ada@Engines.io")).unwrap();
        let Some(Record::CrmLead(l)) = out.records.first() else {
            panic!("{out:?}")
        };
        assert_eq!(l.status, Some(LeadStatus::Converted));
        assert_eq!(l.status_raw.as_deref(), Some("Closed - Converted"));
        assert_eq!(l.email.as_ref().unwrap().as_str(), "ada@engines.io");
        let conversion = l.conversion.as_ref().unwrap();
        assert_eq!(conversion.contact_id.as_ref().unwrap().key_prefix(), "003");
        assert_eq!(
            conversion.converted_at.unwrap().to_rfc3339(),
            "2024-03-02T15:30:00+00:00"
        );
        // Read back under the configured name, whatever case Salesforce used.
        assert_eq!(l.fields["First_Touch_Campaign__c"].as_deref(), Some("Spring webinar"));
        assert_eq!(l.fields["Title"], None);
        let snap = out.snapshot.unwrap();
        assert!(snap.payload.get("attributes").is_none());
    }

    #[test]
    fn unmapped_statuses_and_bad_emails_are_rejected_with_the_value() {
        let s = settings();
        assert_eq!(
            lead(&ctx(&s), &lead_row("Working – Contacted", "a@b.io")).unwrap_err(),
            "Lead.Status \"Working – Contacted\" is not in salesforce.lead_status_map"
        );
        assert!(
            lead(&ctx(&s), &lead_row("Nurturing", "a@@b.io"))
                .unwrap_err()
                .starts_with("Lead.Email")
        );
        // Case and spaces of a picklist value edited by hand still map.
        assert!(lead(&ctx(&s), &lead_row(" nurturing", "a@b.io")).is_ok());
    }

    #[test]
    fn huge_names_and_future_creation_are_rejected() {
        let s = settings();
        let mut r = lead_row("Nurturing", "a@b.io");
        r.insert("LastName".into(), json!("x".repeat(100_000)));
        assert!(
            lead(&ctx(&s), &r)
                .unwrap_err()
                .contains("Lead.LastName is 100000 characters")
        );
        let mut r = lead_row("Nurturing", "a@b.io");
        r.insert("CreatedDate".into(), json!("2099-01-01T00:00:00.000+0000"));
        assert_eq!(
            lead(&ctx(&s), &r).unwrap_err(),
            "Lead.CreatedDate 2099-01-01T00:00:00Z is in the future"
        );
    }

    #[test]
    fn a_merged_contact_names_its_survivor() {
        let s = settings();
        let r = row(json!({
            "Id": "0035g0000000002", "IsDeleted": true, "MasterRecordId": "0035g0000000001",
            "Email": "", "CreatedDate": "2024-03-01T10:00:00.000+0000",
            "SystemModstamp": "2024-03-05T10:00:00.000+0000", "MQL_Date__c": "2024-03-01T09:00:00.000+0000",
        }));
        let out = contact(&ctx(&s), &r).unwrap();
        let Some(Record::CrmContact(c)) = out.records.first() else {
            panic!()
        };
        assert!(c.deleted);
        assert_eq!(c.merged_into.as_ref().unwrap().to_string().len(), 18);
        assert_eq!(c.email, None);
        assert_eq!(c.fields["MQL_Date__c"].as_deref(), Some("2024-03-01T09:00:00.000+0000"));
    }

    #[test]
    fn every_standard_field_list_is_valid() {
        assert_eq!(names(LEAD_FIELDS).len(), LEAD_FIELDS.len());
        assert_eq!(names(CONTACT_FIELDS).len(), CONTACT_FIELDS.len());
    }
}
