//! Opportunities, their stage history, and the contacts tied to them.
//!
//! Holds no state (the stream keeps the [`StageFlags`] it learns). An Opportunity becomes a `Deal`
//! (amount as `Money` in the opportunity's currency, open/won/lost from `IsClosed`/`IsWon`, the
//! close reason from the configured field, `ContactId` as its contact). Every OpportunityHistory
//! row becomes a `StageChange::DealStage` at its `CreatedDate` with the amount of that moment;
//! history rows carry no closed/won flags, so the stage's flags come from opportunities seen in
//! that stage, or else from the row's forecast category and probability ("Closed" at 100% is
//! won, "Omitted" at 0% is lost). An OpportunityContactRole becomes a `Record::DealContact`.

use super::row::{MAX_FIELD_CHARS, MAX_TEXT_CHARS, RowReader};
use super::{Context, Converted, check_created, names, person_key};
use crate::soql::ApiName;
use crate::wire::Row;
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::money::{Currency, Money};
use closedloop_core::page::Record;
use closedloop_core::stage::{DealStatus, StageRef};
use closedloop_core::{ExternalId, ObjectType, SalesforceId, System};
use std::collections::HashMap;

/// Salesforce has one implicit pipeline per record type; closedloop reads one.
pub(crate) const PIPELINE: &str = "default";

const OPPORTUNITY_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "Name",
    "StageName",
    "Amount",
    "CloseDate",
    "IsClosed",
    "IsWon",
    "LeadSource",
    "CampaignId",
    "ContactId",
    "OwnerId",
    "CreatedDate",
    "SystemModstamp",
];

const HISTORY_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "OpportunityId",
    "StageName",
    "Amount",
    "Probability",
    "ForecastCategory",
    "CreatedDate",
    "SystemModstamp",
];

const CONTACT_ROLE_FIELDS: &[&str] = &["Id", "IsDeleted", "OpportunityId", "ContactId", "SystemModstamp"];

/// What the connector learnt about stages and opportunities while reading: each stage's closed
/// and won flags, and each opportunity's currency (history rows carry neither).
#[derive(Debug, Default)]
pub(crate) struct StageFlags {
    /// `StageName` → (`IsClosed`, `IsWon`).
    pub stages: HashMap<String, (bool, bool)>,
    /// Opportunity → its currency (multi-currency orgs).
    pub currencies: HashMap<SalesforceId, Currency>,
}

/// The SELECT list of opportunities; `multi_currency` adds `CurrencyIsoCode`.
pub(crate) fn opportunity_select(ctx: &Context<'_>, multi_currency: bool) -> Vec<ApiName> {
    let mut fields = names(OPPORTUNITY_FIELDS);
    if multi_currency {
        fields.extend(names(&["CurrencyIsoCode"]));
    }
    fields.extend(ctx.settings.close_reason_field.iter().cloned());
    fields
}

/// The SELECT list of opportunity history.
pub(crate) fn history_select() -> Vec<ApiName> {
    names(HISTORY_FIELDS)
}

/// The SELECT list of contact roles.
pub(crate) fn contact_role_select() -> Vec<ApiName> {
    names(CONTACT_ROLE_FIELDS)
}

fn deal_key(id: &SalesforceId) -> ExternalId {
    ExternalId::salesforce(ObjectType::Deal, id)
}

fn money(r: &RowReader<'_>, field: &str, currency: Currency) -> Result<Option<Money>, String> {
    r.number_text(field)?
        .map(|text| Money::parse(&text, currency).map_err(|e| format!("{}.{field}: {e}", r.object)))
        .transpose()
}

/// An Opportunity row; records its stage's flags and its currency in `learnt`.
pub(crate) fn opportunity(ctx: &Context<'_>, row: &Row, learnt: &mut StageFlags) -> Result<Converted, String> {
    let r = RowReader::new(row, "Opportunity");
    let id = r.id("Id")?;
    let created_at = r.required_datetime("CreatedDate")?;
    check_created("Opportunity", created_at, ctx)?;
    let updated_at = r.required_datetime("SystemModstamp")?;
    let stage = r
        .text("StageName", MAX_TEXT_CHARS)?
        .ok_or_else(|| "Opportunity.StageName is missing".to_owned())?;
    let (closed, won) = (r.flag("IsClosed")?, r.flag("IsWon")?);
    let currency = match r.text("CurrencyIsoCode", 3)? {
        Some(code) => Currency::parse(&code).map_err(|e| format!("Opportunity.CurrencyIsoCode: {e}"))?,
        None => ctx.settings.currency,
    };
    let close_reason = match &ctx.settings.close_reason_field {
        Some(f) => r.text(f.as_str(), MAX_FIELD_CHARS)?,
        None => None,
    };
    let contacts = r
        .opt_id("ContactId")?
        .map(|c| ExternalId::salesforce(ObjectType::Contact, &c))
        .into_iter()
        .collect();
    let deal = Deal {
        id: deal_key(&id),
        name: r.text("Name", MAX_TEXT_CHARS)?,
        stage: StageRef {
            pipeline: PIPELINE.to_owned(),
            id: stage.clone(),
        },
        status: DealStatus::from_flags(closed, won),
        amount: money(&r, "Amount", currency)?,
        close_date: r.date("CloseDate")?,
        close_reason,
        lead_source: r.text("LeadSource", MAX_TEXT_CHARS)?,
        campaign: r
            .opt_id("CampaignId")?
            .map(|c| ExternalId::salesforce(ObjectType::Campaign, &c)),
        contacts,
        created_at,
        updated_at,
        deleted: r.flag("IsDeleted")?,
    };
    learnt.stages.insert(stage, (closed, won));
    learnt.currencies.insert(id, currency);
    let key = deal.id.clone();
    Ok(Converted::with_snapshot(
        vec![Record::Deal(deal)],
        key,
        row,
        Some(updated_at),
    ))
}

/// The status of a stage a history row names: learnt from opportunities, else read from the
/// row's forecast category and probability.
fn history_status(stage: &str, forecast: Option<&str>, probability: Option<f64>, learnt: &StageFlags) -> DealStatus {
    if let Some((closed, won)) = learnt.stages.get(stage) {
        return DealStatus::from_flags(*closed, *won);
    }
    match (forecast, probability) {
        (Some("Closed"), Some(p)) if p >= 100.0 => DealStatus::Won,
        (Some("Omitted"), Some(p)) if p <= 0.0 => DealStatus::Lost,
        _ => DealStatus::Open,
    }
}

/// An OpportunityHistory row (deleted rows say nothing: their opportunity is deleted).
pub(crate) fn history(
    ctx: &Context<'_>,
    row: &Row,
    learnt: &StageFlags,
    multi_currency: bool,
) -> Result<Converted, String> {
    let r = RowReader::new(row, "OpportunityHistory");
    r.id("Id")?;
    if r.flag("IsDeleted")? {
        return Ok(Converted::default());
    }
    let opportunity = r.id("OpportunityId")?;
    let at = r.required_datetime("CreatedDate")?;
    check_created("OpportunityHistory", at, ctx)?;
    let stage = r
        .text("StageName", MAX_TEXT_CHARS)?
        .ok_or_else(|| "OpportunityHistory.StageName is missing".to_owned())?;
    let probability = r.number_text("Probability")?.and_then(|p| p.parse::<f64>().ok());
    let forecast = r.text("ForecastCategory", MAX_TEXT_CHARS)?;
    // In a multi-currency org the amount is in the opportunity's currency, known only once the
    // opportunity was read; an amount in an unknown currency is left out rather than guessed.
    let currency = match learnt.currencies.get(&opportunity) {
        Some(c) => Some(*c),
        None if multi_currency => None,
        None => Some(ctx.settings.currency),
    };
    let amount = match currency {
        Some(c) => money(&r, "Amount", c)?,
        None => None,
    };
    let change = StageChange {
        subject: deal_key(&opportunity),
        value: StageValue::DealStage {
            status: history_status(&stage, forecast.as_deref(), probability, learnt),
            stage: StageRef {
                pipeline: PIPELINE.to_owned(),
                id: stage,
            },
            amount,
        },
        at,
        source: System::Salesforce,
        source_ref: Some(r.id("Id")?.to_string()),
    };
    Ok(Converted::records(vec![Record::StageChange(change)]))
}

/// An OpportunityContactRole row. A deleted role is skipped: the store keeps associations until
/// their deal goes (a known gap: a role removed in Salesforce stays linked).
pub(crate) fn contact_role(row: &Row) -> Result<Converted, String> {
    let r = RowReader::new(row, "OpportunityContactRole");
    r.id("Id")?;
    if r.flag("IsDeleted")? {
        return Ok(Converted::default());
    }
    let deal = deal_key(&r.id("OpportunityId")?);
    let contact_id = r.id("ContactId")?;
    let contact = person_key(&contact_id)
        .ok_or_else(|| format!("OpportunityContactRole.ContactId {contact_id} is not a contact"))?;
    Ok(Converted::records(vec![Record::DealContact { deal, contact }]))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, row, settings};
    use super::*;
    use serde_json::json;

    fn opp(stage: &str, closed: bool, won: bool, amount: serde_json::Value) -> Row {
        row(json!({
            "Id": "0065g0000000001", "IsDeleted": false, "Name": "Big deal", "StageName": stage,
            "Amount": amount, "CloseDate": "2024-06-30", "IsClosed": closed, "IsWon": won,
            "LeadSource": "Web", "CampaignId": "7015g0000000001", "ContactId": "0035g0000000001",
            "OwnerId": "0055g0000000001", "CreatedDate": "2024-03-01T10:00:00.000+0000",
            "SystemModstamp": "2024-04-01T10:00:00.000+0000", "Loss_Reason__c": "Price",
        }))
    }

    #[test]
    fn an_opportunity_becomes_a_deal_with_money_status_and_reason() {
        let s = settings();
        let mut learnt = StageFlags::default();
        let out = opportunity(&ctx(&s), &opp("Closed Lost", true, false, json!(1500.5)), &mut learnt).unwrap();
        let Some(Record::Deal(d)) = out.records.first() else {
            panic!()
        };
        assert_eq!(d.status, DealStatus::Lost);
        assert_eq!(d.amount.unwrap().minor, 150_050);
        assert_eq!(d.amount.unwrap().currency.as_str(), "USD");
        assert_eq!(d.close_reason.as_deref(), Some("Price"));
        assert_eq!(d.contacts.len(), 1);
        assert_eq!(d.campaign.as_ref().unwrap().object, ObjectType::Campaign);
        assert_eq!(learnt.stages["Closed Lost"], (true, false));
    }

    #[test]
    fn amounts_that_are_not_numbers_are_rejected() {
        let s = settings();
        let err = opportunity(
            &ctx(&s),
            &opp("Prospecting", false, false, json!("12,5")),
            &mut StageFlags::default(),
        );
        assert_eq!(err.unwrap_err(), "Opportunity.Amount is a string, expected a number");
        let err = opportunity(
            &ctx(&s),
            &opp("Prospecting", false, false, json!(1e300)),
            &mut StageFlags::default(),
        );
        assert!(err.unwrap_err().starts_with("Opportunity.Amount: amount"));
    }

    #[test]
    fn history_rows_take_learnt_flags_or_read_the_forecast_category() {
        let s = settings();
        let h = |stage: &str, forecast: &str, p: f64| {
            row(json!({
                "Id": "0085g0000000001", "IsDeleted": false, "OpportunityId": "0065g0000000001",
                "StageName": stage, "Amount": 900, "Probability": p, "ForecastCategory": forecast,
                "CreatedDate": "2024-03-05T10:00:00.000+0000", "SystemModstamp": "2024-03-05T10:00:00.000+0000",
            }))
        };
        let status = |out: Converted| match out.records.first() {
            Some(Record::StageChange(StageChange {
                value: StageValue::DealStage { status, amount, .. },
                ..
            })) => (*status, amount.map(|a| a.minor)),
            other => panic!("{other:?}"),
        };
        let empty = StageFlags::default();
        assert_eq!(
            status(history(&ctx(&s), &h("Closed Won", "Closed", 100.0), &empty, false).unwrap()),
            (DealStatus::Won, Some(90_000))
        );
        assert_eq!(
            status(history(&ctx(&s), &h("Closed Lost", "Omitted", 0.0), &empty, false).unwrap()),
            (DealStatus::Lost, Some(90_000))
        );
        assert_eq!(
            status(history(&ctx(&s), &h("Prospecting", "Pipeline", 10.0), &empty, false).unwrap()).0,
            DealStatus::Open
        );
        let mut learnt = StageFlags::default();
        learnt.stages.insert("Signed".into(), (true, true));
        assert_eq!(
            status(history(&ctx(&s), &h("Signed", "Commit", 90.0), &learnt, false).unwrap()).0,
            DealStatus::Won
        );
        // Multi-currency, opportunity not read yet: no amount rather than a wrong one.
        assert_eq!(
            status(history(&ctx(&s), &h("Prospecting", "Pipeline", 10.0), &empty, true).unwrap()).1,
            None
        );
    }

    #[test]
    fn contact_roles_tie_contacts_to_deals() {
        let r = row(
            json!({"Id": "00K5g0000000001", "IsDeleted": false, "OpportunityId": "0065g0000000001", "ContactId": "0035g0000000001"}),
        );
        let out = contact_role(&r).unwrap();
        assert!(matches!(out.records.as_slice(), [Record::DealContact { .. }]));
        let gone = row(
            json!({"Id": "00K5g0000000001", "IsDeleted": true, "OpportunityId": "0065g0000000001", "ContactId": "0035g0000000001"}),
        );
        assert!(contact_role(&gone).unwrap().records.is_empty());
    }

    #[test]
    fn every_standard_field_list_is_valid() {
        for list in [OPPORTUNITY_FIELDS, HISTORY_FIELDS, CONTACT_ROLE_FIELDS] {
            assert_eq!(names(list).len(), list.len());
        }
    }
}
