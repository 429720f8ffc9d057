//! Campaigns, and campaign responses as touchpoints.
//!
//! Holds no state. A Campaign becomes a `Campaign` (its `Type` as kind, and as channel where the
//! type says one plainly). A CampaignMember that has responded (`HasResponded`) becomes a
//! `Touchpoint` of kind `campaign_response` keyed by the member's id, on its Contact (or Lead).
//! `FirstRespondedDate` is only a date: the touch is placed at the member's `CreatedDate` when
//! that is the same day (a response that created the membership, the common case), otherwise at
//! midnight UTC of that day. Members who have not responded are not touches.

use super::row::{MAX_TEXT_CHARS, RowReader};
use super::{Context, Converted, check_created, names, person_key};
use crate::soql::ApiName;
use crate::wire::Row;
use chrono::{TimeZone, Utc};
use closedloop_core::catalog::Campaign;
use closedloop_core::page::Record;
use closedloop_core::touchpoint::{Channel, Touchpoint, TouchpointKind};
use closedloop_core::{ExternalId, ObjectType, System};

const CAMPAIGN_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "Name",
    "Type",
    "StartDate",
    "EndDate",
    "CreatedDate",
    "SystemModstamp",
];

const MEMBER_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "CampaignId",
    "LeadId",
    "ContactId",
    "Status",
    "HasResponded",
    "FirstRespondedDate",
    "CreatedDate",
    "SystemModstamp",
];

/// The SELECT list of campaigns.
pub(crate) fn campaign_select() -> Vec<ApiName> {
    names(CAMPAIGN_FIELDS)
}

/// The SELECT list of campaign members.
pub(crate) fn member_select() -> Vec<ApiName> {
    names(MEMBER_FIELDS)
}

/// The channel a campaign type names plainly; other types say nothing about the channel.
fn channel_of(kind: &str) -> Option<Channel> {
    match kind {
        "Email" => Some(Channel::Email),
        "Referral Program" => Some(Channel::Referral),
        "Direct Mail" | "Seminar / Conference" | "Telemarketing" => Some(Channel::Offline),
        _ => None,
    }
}

/// A Campaign row.
pub(crate) fn campaign(ctx: &Context<'_>, row: &Row) -> Result<Converted, String> {
    let r = RowReader::new(row, "Campaign");
    let id = r.id("Id")?;
    let key = ExternalId::salesforce(ObjectType::Campaign, &id);
    check_created("Campaign", r.required_datetime("CreatedDate")?, ctx)?;
    let modified = r.required_datetime("SystemModstamp")?;
    if r.flag("IsDeleted")? {
        return Ok(Converted::records(vec![Record::Tombstone {
            key,
            at: Some(modified),
        }]));
    }
    let kind = r.text("Type", MAX_TEXT_CHARS)?;
    let campaign = Campaign {
        id: key.clone(),
        name: r
            .text("Name", MAX_TEXT_CHARS)?
            .ok_or_else(|| "Campaign.Name is missing".to_owned())?,
        channel: kind.as_deref().and_then(channel_of),
        kind,
        starts_on: r.date("StartDate")?,
        ends_on: r.date("EndDate")?,
    };
    Ok(Converted::with_snapshot(
        vec![Record::Campaign(campaign)],
        key,
        row,
        Some(modified),
    ))
}

/// A CampaignMember row.
pub(crate) fn member(ctx: &Context<'_>, row: &Row) -> Result<Converted, String> {
    let r = RowReader::new(row, "CampaignMember");
    let id = r.id("Id")?;
    let created = r.required_datetime("CreatedDate")?;
    check_created("CampaignMember", created, ctx)?;
    if r.flag("IsDeleted")? || !r.flag("HasResponded")? {
        return Ok(Converted::default());
    }
    let person = match r.opt_id("ContactId")? {
        Some(c) => c,
        None => r
            .opt_id("LeadId")?
            .ok_or_else(|| "CampaignMember has neither ContactId nor LeadId".to_owned())?,
    };
    let subject = person_key(&person).ok_or_else(|| format!("CampaignMember names {person}, not a lead or contact"))?;
    let occurred_at = match r.date("FirstRespondedDate")? {
        Some(day) if created.date_naive() == day => created,
        Some(day) => day
            .and_hms_opt(0, 0, 0)
            .map(|d| Utc.from_utc_datetime(&d))
            .unwrap_or(created),
        None => created,
    };
    let touch = Touchpoint {
        source: System::Salesforce,
        source_event_id: id.to_string(),
        subject,
        kind: TouchpointKind::CampaignResponse,
        occurred_at,
        channel: None,
        campaign: Some(ExternalId::salesforce(ObjectType::Campaign, &r.id("CampaignId")?)),
        content: None,
        depth: None,
        detail: r.text("Status", MAX_TEXT_CHARS)?,
    };
    Ok(Converted::records(vec![Record::Touchpoint(touch)]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, row, settings};
    use super::*;
    use serde_json::json;

    #[test]
    fn responded_members_are_touches_on_their_person() {
        let s = settings();
        let m = |responded: bool, first: &str| {
            row(json!({
                "Id": "00v5g0000000001", "IsDeleted": false, "CampaignId": "7015g0000000001",
                "LeadId": "00Q5g0000000001", "ContactId": null, "Status": "Responded",
                "HasResponded": responded, "FirstRespondedDate": first,
                "CreatedDate": "2024-03-01T10:05:00.000+0000", "SystemModstamp": "2024-03-01T10:05:00.000+0000",
            }))
        };
        let out = member(&ctx(&s), &m(true, "2024-03-01")).unwrap();
        let Some(Record::Touchpoint(t)) = out.records.first() else {
            panic!()
        };
        assert_eq!(t.kind, TouchpointKind::CampaignResponse);
        assert_eq!(t.subject.object, ObjectType::Lead);
        assert_eq!(t.occurred_at.to_rfc3339(), "2024-03-01T10:05:00+00:00");
        let later = member(&ctx(&s), &m(true, "2024-03-09")).unwrap();
        let Some(Record::Touchpoint(t)) = later.records.first() else {
            panic!()
        };
        assert_eq!(t.occurred_at.to_rfc3339(), "2024-03-09T00:00:00+00:00");
        assert!(member(&ctx(&s), &m(false, "2024-03-01")).unwrap().records.is_empty());
    }

    #[test]
    fn campaigns_carry_their_type_and_plain_channels() {
        let s = settings();
        let c = row(json!({
            "Id": "7015g0000000001", "IsDeleted": false, "Name": "Spring", "Type": "Email",
            "StartDate": "2024-03-01", "EndDate": null,
            "CreatedDate": "2024-03-01T10:05:00.000+0000", "SystemModstamp": "2024-03-01T10:05:00.000+0000",
        }));
        let out = campaign(&ctx(&s), &c).unwrap();
        let Some(Record::Campaign(c)) = out.records.first() else {
            panic!()
        };
        assert_eq!((c.channel, c.kind.as_deref()), (Some(Channel::Email), Some("Email")));
    }

    #[test]
    fn every_standard_field_list_is_valid() {
        assert_eq!(names(CAMPAIGN_FIELDS).len(), CAMPAIGN_FIELDS.len());
        assert_eq!(names(MEMBER_FIELDS).len(), MEMBER_FIELDS.len());
    }
}
