//! Writing normalised records inside a page transaction.
//!
//! State: none; every function takes the open transaction. Each write is an idempotent upsert
//! (re-reading a page changes nothing), an older read never overwrites a newer one (the
//! `updated_at`/`modified_at` guard), and each write marks the person records whose facts
//! changed as dirty, so reconcile only revisits those.

use crate::error::StoreError;
use crate::time::{date_to_text, to_ms};
use closedloop_core::ExternalId;
use closedloop_core::activity::SalesActivity;
use closedloop_core::catalog::{Campaign, ContentAsset, Owner, Pipeline};
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::page::Record;
use closedloop_core::records::{CrmContact, CrmLead, MarketingContact};
use closedloop_core::touchpoint::{Depth, Touchpoint};
use sqlx::SqliteConnection;
use std::collections::BTreeMap;

/// Writes one record and marks what it makes dirty.
pub(crate) async fn write_record(tx: &mut SqliteConnection, record: &Record, now: i64) -> Result<(), StoreError> {
    match record {
        Record::MarketingContact(c) => write_marketing_contact(tx, c, now).await,
        Record::CrmLead(l) => write_crm_lead(tx, l, now).await,
        Record::CrmContact(c) => write_crm_contact(tx, c, now).await,
        Record::Deal(d) => write_deal(tx, d, now).await,
        Record::StageChange(s) => write_stage_change(tx, s, now).await,
        Record::Touchpoint(t) => write_touchpoint(tx, t, now).await,
        Record::Activity(a) => write_activity(tx, a, now).await,
        Record::Campaign(c) => write_campaign(tx, c).await,
        Record::Content(c) => write_content(tx, c).await,
        Record::Owner(o) => write_owner(tx, o).await,
        Record::Pipeline(p) => write_pipeline(tx, p).await,
        Record::DealContact { deal, contact } => write_deal_contact(tx, deal, contact, now).await,
        Record::Tombstone { key, at } => write_tombstone(tx, key, at.map(to_ms), now).await,
        Record::Merge { survivor, merged, at } => write_merge(tx, survivor, merged, at.map(to_ms), now).await,
    }
}

/// Queues a person record for reconcile.
pub(crate) async fn mark_dirty(tx: &mut SqliteConnection, key: &ExternalId, now: i64) -> Result<(), StoreError> {
    let (system, object) = (key.system.as_str(), key.object.as_str());
    sqlx::query!(
        "INSERT INTO dirty_records (system, object_type, external_id, marked_at) VALUES (?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
        system,
        object,
        key.id,
        now
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Queues `key` when the write before it changed a row (an insert, or an update that altered a value).
async fn mark_if_changed(tx: &mut SqliteConnection, rows: u64, key: &ExternalId, now: i64) -> Result<(), StoreError> {
    if rows == 0 {
        Ok(())
    } else {
        mark_dirty(tx, key, now).await
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    Ok(serde_json::to_string(value)?)
}

async fn write_marketing_contact(tx: &mut SqliteConnection, c: &MarketingContact, now: i64) -> Result<(), StoreError> {
    let key = c.key();
    let system = key.system.as_str();
    let email = c.email.as_ref().map(|e| e.as_str());
    let stage = c.lifecycle_stage.map(|s| s.hubspot_value());
    let lead_status = c.lead_status.map(|s| s.as_str());
    let orig = c.original_source.channel.map(|ch| ch.as_str());
    let latest = c.latest_source.channel.map(|ch| ch.as_str());
    let dates: BTreeMap<&str, i64> = c
        .lifecycle_dates
        .iter()
        .map(|(stage, at)| (stage.hubspot_value(), to_ms(*at)))
        .collect();
    let dates = json(&dates)?;
    let merged: Vec<&str> = c.merged_ids.iter().map(|id| id.as_str()).collect();
    let merged = json(&merged)?;
    let fields = json(&c.fields)?;
    let (created, updated) = (to_ms(c.created_at), to_ms(c.updated_at));
    sqlx::query!(
        r#"INSERT INTO marketing_contacts (system, id, email, first_name, last_name, lifecycle_stage, lead_status,
               original_source, original_source_detail_1, original_source_detail_2,
               latest_source, latest_source_detail_1, latest_source_detail_2, owner_id,
               lifecycle_dates, merged_ids, fields, created_at, updated_at, archived)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET
               email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
               lifecycle_stage = excluded.lifecycle_stage, lead_status = excluded.lead_status,
               original_source = excluded.original_source,
               original_source_detail_1 = excluded.original_source_detail_1,
               original_source_detail_2 = excluded.original_source_detail_2,
               latest_source = excluded.latest_source,
               latest_source_detail_1 = excluded.latest_source_detail_1,
               latest_source_detail_2 = excluded.latest_source_detail_2,
               owner_id = excluded.owner_id, lifecycle_dates = excluded.lifecycle_dates,
               merged_ids = excluded.merged_ids, fields = excluded.fields,
               created_at = excluded.created_at, updated_at = excluded.updated_at, archived = excluded.archived
           WHERE excluded.updated_at >= marketing_contacts.updated_at"#,
        system,
        key.id,
        email,
        c.first_name,
        c.last_name,
        stage,
        lead_status,
        orig,
        c.original_source.detail_1,
        c.original_source.detail_2,
        latest,
        c.latest_source.detail_1,
        c.latest_source.detail_2,
        c.owner_id,
        dates,
        merged,
        fields,
        created,
        updated,
        c.archived,
    )
    .execute(&mut *tx)
    .await?;
    for merged_id in &c.merged_ids {
        let merged_key = ExternalId::hubspot(key.object, merged_id);
        write_merge(tx, &key, &merged_key, None, now).await?;
    }
    mark_dirty(tx, &key, now).await
}

async fn write_crm_lead(tx: &mut SqliteConnection, l: &CrmLead, now: i64) -> Result<(), StoreError> {
    let key = l.key();
    let system = key.system.as_str();
    let email = l.email.as_ref().map(|e| e.as_str());
    let status = l.status.map(|s| s.as_str());
    let conv_contact = l
        .conversion
        .as_ref()
        .and_then(|c| c.contact_id.as_ref())
        .map(|id| id.as_str());
    let conv_opp = l
        .conversion
        .as_ref()
        .and_then(|c| c.opportunity_id.as_ref())
        .map(|id| id.as_str());
    let conv_at = l.conversion.as_ref().and_then(|c| c.converted_at).map(to_ms);
    let merged_into = l.merged_into.as_ref().map(|id| id.as_str());
    let fields = json(&l.fields)?;
    let (created, modified) = (to_ms(l.created_at), to_ms(l.modified_at));
    sqlx::query!(
        r#"INSERT INTO crm_leads (system, id, email, first_name, last_name, company, status_raw, status,
               disqualification_reason, lead_source, owner_id, converted_contact_id, converted_opportunity_id,
               converted_at, fields, created_at, modified_at, deleted, merged_into)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET
               email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
               company = excluded.company, status_raw = excluded.status_raw, status = excluded.status,
               disqualification_reason = excluded.disqualification_reason, lead_source = excluded.lead_source,
               owner_id = excluded.owner_id, converted_contact_id = excluded.converted_contact_id,
               converted_opportunity_id = excluded.converted_opportunity_id, converted_at = excluded.converted_at,
               fields = excluded.fields, created_at = excluded.created_at, modified_at = excluded.modified_at,
               deleted = excluded.deleted, merged_into = excluded.merged_into
           WHERE excluded.modified_at >= crm_leads.modified_at"#,
        system,
        key.id,
        email,
        l.first_name,
        l.last_name,
        l.company,
        l.status_raw,
        status,
        l.disqualification_reason,
        l.lead_source,
        l.owner_id,
        conv_contact,
        conv_opp,
        conv_at,
        fields,
        created,
        modified,
        l.deleted,
        merged_into,
    )
    .execute(&mut *tx)
    .await?;
    if let Some(survivor) = &l.merged_into {
        let survivor = ExternalId::salesforce(key.object, survivor);
        write_merge(tx, &survivor, &key, Some(modified), now).await?;
    }
    mark_dirty(tx, &key, now).await
}

async fn write_crm_contact(tx: &mut SqliteConnection, c: &CrmContact, now: i64) -> Result<(), StoreError> {
    let key = c.key();
    let system = key.system.as_str();
    let email = c.email.as_ref().map(|e| e.as_str());
    let account = c.account_id.as_ref().map(|id| id.as_str());
    let merged_into = c.merged_into.as_ref().map(|id| id.as_str());
    let fields = json(&c.fields)?;
    let (created, modified) = (to_ms(c.created_at), to_ms(c.modified_at));
    sqlx::query!(
        r#"INSERT INTO crm_contacts (system, id, email, first_name, last_name, account_id, lead_source, owner_id,
               fields, created_at, modified_at, deleted, merged_into)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET
               email = excluded.email, first_name = excluded.first_name, last_name = excluded.last_name,
               account_id = excluded.account_id, lead_source = excluded.lead_source, owner_id = excluded.owner_id,
               fields = excluded.fields, created_at = excluded.created_at, modified_at = excluded.modified_at,
               deleted = excluded.deleted, merged_into = excluded.merged_into
           WHERE excluded.modified_at >= crm_contacts.modified_at"#,
        system,
        key.id,
        email,
        c.first_name,
        c.last_name,
        account,
        c.lead_source,
        c.owner_id,
        fields,
        created,
        modified,
        c.deleted,
        merged_into,
    )
    .execute(&mut *tx)
    .await?;
    if let Some(survivor) = &c.merged_into {
        let survivor = ExternalId::salesforce(key.object, survivor);
        write_merge(tx, &survivor, &key, Some(modified), now).await?;
    }
    mark_dirty(tx, &key, now).await
}

async fn write_deal(tx: &mut SqliteConnection, d: &Deal, now: i64) -> Result<(), StoreError> {
    let system = d.id.system.as_str();
    let status = d.status.as_str();
    let amount = d.amount.map(|m| m.minor);
    let currency = d.amount.map(|m| m.currency.as_str().to_owned());
    let close_date = d.close_date.map(date_to_text);
    let campaign_system = d.campaign.as_ref().map(|c| c.system.as_str());
    let campaign_id = d.campaign.as_ref().map(|c| c.id.as_str());
    let (created, updated) = (to_ms(d.created_at), to_ms(d.updated_at));
    let result = sqlx::query!(
        r#"INSERT INTO deals (system, id, name, pipeline, stage_id, status, amount_minor, currency, close_date,
               close_reason, lead_source, campaign_system, campaign_id, created_at, updated_at, deleted)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET
               name = excluded.name, pipeline = excluded.pipeline, stage_id = excluded.stage_id,
               status = excluded.status, amount_minor = excluded.amount_minor, currency = excluded.currency,
               close_date = excluded.close_date, close_reason = excluded.close_reason,
               lead_source = excluded.lead_source, campaign_system = excluded.campaign_system,
               campaign_id = excluded.campaign_id, created_at = excluded.created_at,
               updated_at = excluded.updated_at, deleted = excluded.deleted
           WHERE excluded.updated_at >= deals.updated_at"#,
        system,
        d.id.id,
        d.name,
        d.stage.pipeline,
        d.stage.id,
        status,
        amount,
        currency,
        close_date,
        d.close_reason,
        d.lead_source,
        campaign_system,
        campaign_id,
        created,
        updated,
        d.deleted,
    )
    .execute(&mut *tx)
    .await?;
    if result.rows_affected() == 0 {
        // An older read of the deal: its associations are older too.
        return Ok(());
    }
    // The deal's contact list is authoritative when the source sends one. Whoever was on the old
    // list is queued too: a person removed from a deal loses its funnel steps.
    if !d.contacts.is_empty() {
        mark_deal_people_dirty(tx, &d.id, now).await?;
        sqlx::query!(
            "DELETE FROM deal_contacts WHERE deal_system = ? AND deal_id = ?",
            system,
            d.id.id
        )
        .execute(&mut *tx)
        .await?;
        for contact in &d.contacts {
            write_deal_contact(tx, &d.id, contact, now).await?;
        }
    }
    mark_deal_people_dirty(tx, &d.id, now).await
}

/// Marks every person record tied to a deal as dirty: a deal's change changes their funnel.
async fn mark_deal_people_dirty(tx: &mut SqliteConnection, deal: &ExternalId, now: i64) -> Result<(), StoreError> {
    let system = deal.system.as_str();
    sqlx::query!(
        "INSERT INTO dirty_records (system, object_type, external_id, marked_at)
         SELECT contact_system, contact_object, contact_id, ? FROM deal_contacts WHERE deal_system = ? AND deal_id = ?
         ON CONFLICT DO NOTHING",
        now,
        system,
        deal.id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn write_deal_contact(
    tx: &mut SqliteConnection,
    deal: &ExternalId,
    contact: &ExternalId,
    now: i64,
) -> Result<(), StoreError> {
    let (ds, cs, co) = (deal.system.as_str(), contact.system.as_str(), contact.object.as_str());
    let inserted = sqlx::query!(
        "INSERT INTO deal_contacts (deal_system, deal_id, contact_system, contact_object, contact_id)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        ds,
        deal.id,
        cs,
        co,
        contact.id
    )
    .execute(&mut *tx)
    .await?;
    mark_if_changed(tx, inserted.rows_affected(), contact, now).await
}

async fn write_stage_change(tx: &mut SqliteConnection, s: &StageChange, now: i64) -> Result<(), StoreError> {
    let (ss, so) = (s.subject.system.as_str(), s.subject.object.as_str());
    let kind = s.value.kind();
    let (value, raw, reason, pipeline, deal_status, amount, currency) = match &s.value {
        StageValue::Lifecycle { stage } => (stage.hubspot_value().to_owned(), None, None, None, None, None, None),
        StageValue::LeadStatus { status, raw, reason } => (
            status.as_str().to_owned(),
            Some(raw.clone()),
            reason.clone(),
            None,
            None,
            None,
            None,
        ),
        StageValue::DealStage { stage, status, amount } => (
            stage.id.clone(),
            None,
            None,
            Some(stage.pipeline.clone()),
            Some(status.as_str()),
            amount.map(|m| m.minor),
            amount.map(|m| m.currency.as_str().to_owned()),
        ),
    };
    let at = to_ms(s.at);
    let source = s.source.as_str();
    let changed = sqlx::query!(
        r#"INSERT INTO stage_changes (subject_system, subject_object, subject_id, kind, value, raw, reason, pipeline,
               deal_status, amount_minor, currency, occurred_at, source_system, source_ref)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (subject_system, subject_object, subject_id, kind, value, occurred_at) DO UPDATE SET
               raw = excluded.raw, reason = excluded.reason, deal_status = excluded.deal_status,
               amount_minor = excluded.amount_minor, currency = excluded.currency, source_ref = excluded.source_ref
           WHERE stage_changes.raw IS NOT excluded.raw OR stage_changes.reason IS NOT excluded.reason
               OR stage_changes.deal_status IS NOT excluded.deal_status
               OR stage_changes.amount_minor IS NOT excluded.amount_minor
               OR stage_changes.currency IS NOT excluded.currency
               OR stage_changes.source_ref IS NOT excluded.source_ref"#,
        ss,
        so,
        s.subject.id,
        kind,
        value,
        raw,
        reason,
        pipeline,
        deal_status,
        amount,
        currency,
        at,
        source,
        s.source_ref,
    )
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Ok(());
    }
    if s.subject.object == closedloop_core::ObjectType::Deal {
        mark_deal_people_dirty(tx, &s.subject, now).await
    } else {
        mark_dirty(tx, &s.subject, now).await
    }
}

async fn write_touchpoint(tx: &mut SqliteConnection, t: &Touchpoint, now: i64) -> Result<(), StoreError> {
    let source = t.source.as_str();
    let (ss, so) = (t.subject.system.as_str(), t.subject.object.as_str());
    let kind = t.kind.as_str();
    let at = to_ms(t.occurred_at);
    let channel = t.channel.map(|c| c.as_str());
    let campaign_system = t.campaign.as_ref().map(|c| c.system.as_str());
    let campaign_id = t.campaign.as_ref().map(|c| c.id.as_str());
    let content = t.content.as_ref().map(|c| c.0.as_str());
    let (depth_kind, seconds, percent, count) = match t.depth {
        None => (None, None, None, None),
        Some(Depth::Watched { seconds, percent }) => (
            Some("watched"),
            Some(i64::from(seconds)),
            percent.map(|p| i64::from(p.hundredths())),
            None,
        ),
        Some(Depth::Share { percent }) => (Some("share"), None, Some(i64::from(percent.hundredths())), None),
        Some(Depth::Count { count }) => (Some("count"), None, None, Some(i64::from(count))),
    };
    let changed = sqlx::query!(
        r#"INSERT INTO touchpoints (source_system, source_event_id, subject_system, subject_object, subject_id, kind,
               occurred_at, channel, campaign_system, campaign_id, content_key, depth_kind, depth_seconds,
               depth_percent_hundredths, depth_count, detail)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (source_system, source_event_id) DO UPDATE SET
               subject_system = excluded.subject_system, subject_object = excluded.subject_object,
               subject_id = excluded.subject_id, kind = excluded.kind, occurred_at = excluded.occurred_at,
               channel = excluded.channel, campaign_system = excluded.campaign_system,
               campaign_id = excluded.campaign_id, content_key = excluded.content_key,
               depth_kind = excluded.depth_kind, depth_seconds = excluded.depth_seconds,
               depth_percent_hundredths = excluded.depth_percent_hundredths, depth_count = excluded.depth_count,
               detail = excluded.detail
           WHERE touchpoints.subject_system IS NOT excluded.subject_system
               OR touchpoints.subject_object IS NOT excluded.subject_object
               OR touchpoints.subject_id IS NOT excluded.subject_id OR touchpoints.kind IS NOT excluded.kind
               OR touchpoints.occurred_at IS NOT excluded.occurred_at OR touchpoints.channel IS NOT excluded.channel
               OR touchpoints.campaign_system IS NOT excluded.campaign_system
               OR touchpoints.campaign_id IS NOT excluded.campaign_id
               OR touchpoints.content_key IS NOT excluded.content_key
               OR touchpoints.depth_kind IS NOT excluded.depth_kind
               OR touchpoints.depth_seconds IS NOT excluded.depth_seconds
               OR touchpoints.depth_percent_hundredths IS NOT excluded.depth_percent_hundredths
               OR touchpoints.depth_count IS NOT excluded.depth_count OR touchpoints.detail IS NOT excluded.detail"#,
        source,
        t.source_event_id,
        ss,
        so,
        t.subject.id,
        kind,
        at,
        channel,
        campaign_system,
        campaign_id,
        content,
        depth_kind,
        seconds,
        percent,
        count,
        t.detail,
    )
    .execute(&mut *tx)
    .await?;
    // A touchpoint moved to another record only moves when the source merged the two, and the
    // merge marks both records itself.
    mark_if_changed(tx, changed.rows_affected(), &t.subject, now).await
}

async fn write_activity(tx: &mut SqliteConnection, a: &SalesActivity, now: i64) -> Result<(), StoreError> {
    let system = a.id.system.as_str();
    let (ws, wo) = (a.who.system.as_str(), a.who.object.as_str());
    let deal_system = a.deal.as_ref().map(|d| d.system.as_str());
    let deal_id = a.deal.as_ref().map(|d| d.id.as_str());
    let kind = a.kind.as_str();
    let at = to_ms(a.occurred_at);
    let changed = sqlx::query!(
        r#"INSERT INTO sales_activities (system, id, who_system, who_object, who_id, deal_system, deal_id, kind,
               occurred_at, owner_id, subject, outcome, deleted)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET
               who_system = excluded.who_system, who_object = excluded.who_object, who_id = excluded.who_id,
               deal_system = excluded.deal_system, deal_id = excluded.deal_id, kind = excluded.kind,
               occurred_at = excluded.occurred_at, owner_id = excluded.owner_id, subject = excluded.subject,
               outcome = excluded.outcome, deleted = excluded.deleted
           WHERE sales_activities.who_system IS NOT excluded.who_system
               OR sales_activities.who_object IS NOT excluded.who_object
               OR sales_activities.who_id IS NOT excluded.who_id
               OR sales_activities.deal_system IS NOT excluded.deal_system
               OR sales_activities.deal_id IS NOT excluded.deal_id OR sales_activities.kind IS NOT excluded.kind
               OR sales_activities.occurred_at IS NOT excluded.occurred_at
               OR sales_activities.owner_id IS NOT excluded.owner_id
               OR sales_activities.subject IS NOT excluded.subject
               OR sales_activities.outcome IS NOT excluded.outcome
               OR sales_activities.deleted IS NOT excluded.deleted"#,
        system,
        a.id.id,
        ws,
        wo,
        a.who.id,
        deal_system,
        deal_id,
        kind,
        at,
        a.owner_id,
        a.subject,
        a.outcome,
        a.deleted,
    )
    .execute(&mut *tx)
    .await?;
    mark_if_changed(tx, changed.rows_affected(), &a.who, now).await
}

async fn write_campaign(tx: &mut SqliteConnection, c: &Campaign) -> Result<(), StoreError> {
    let system = c.id.system.as_str();
    let channel = c.channel.map(|ch| ch.as_str());
    let starts = c.starts_on.map(date_to_text);
    let ends = c.ends_on.map(date_to_text);
    sqlx::query!(
        r#"INSERT INTO campaigns (system, id, name, channel, kind, starts_on, ends_on) VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET name = excluded.name, channel = excluded.channel,
               kind = excluded.kind, starts_on = excluded.starts_on, ends_on = excluded.ends_on"#,
        system,
        c.id.id,
        c.name,
        channel,
        c.kind,
        starts,
        ends
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn write_content(tx: &mut SqliteConnection, c: &ContentAsset) -> Result<(), StoreError> {
    let kind = c.kind.as_str();
    let campaign_system = c.campaign.as_ref().map(|x| x.system.as_str());
    let campaign_id = c.campaign.as_ref().map(|x| x.id.as_str());
    let duration = c.duration_seconds.map(i64::from);
    sqlx::query!(
        r#"INSERT INTO content_assets (key, kind, title, url, campaign_system, campaign_id, duration_seconds)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, title = excluded.title, url = excluded.url,
               campaign_system = excluded.campaign_system, campaign_id = excluded.campaign_id,
               duration_seconds = excluded.duration_seconds"#,
        c.key.0,
        kind,
        c.title,
        c.url,
        campaign_system,
        campaign_id,
        duration
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn write_owner(tx: &mut SqliteConnection, o: &Owner) -> Result<(), StoreError> {
    let system = o.id.system.as_str();
    let email = o.email.as_ref().map(|e| e.as_str());
    sqlx::query!(
        r#"INSERT INTO owners (system, id, email, name, active) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET email = excluded.email, name = excluded.name, active = excluded.active"#,
        system,
        o.id.id,
        email,
        o.name,
        o.active
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

async fn write_pipeline(tx: &mut SqliteConnection, p: &Pipeline) -> Result<(), StoreError> {
    let system = p.system.as_str();
    let updated = p.updated_at.map(to_ms);
    sqlx::query!(
        r#"INSERT INTO pipelines (system, id, label, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (system, id) DO UPDATE SET label = excluded.label, updated_at = excluded.updated_at"#,
        system,
        p.id,
        p.label,
        updated
    )
    .execute(&mut *tx)
    .await?;
    // The stage list is replaced whole: a stage removed in the source disappears here too.
    sqlx::query!(
        "DELETE FROM pipeline_stages WHERE system = ? AND pipeline_id = ?",
        system,
        p.id
    )
    .execute(&mut *tx)
    .await?;
    for s in &p.stages {
        sqlx::query!(
            r#"INSERT INTO pipeline_stages (system, pipeline_id, stage_id, label, display_order, probability,
                   is_closed, is_won) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"#,
            system,
            p.id,
            s.id,
            s.label,
            s.display_order,
            s.probability,
            s.is_closed,
            s.is_won
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

async fn write_tombstone(
    tx: &mut SqliteConnection,
    key: &ExternalId,
    at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    use closedloop_core::ObjectType;
    let system = key.system.as_str();
    let when = at.unwrap_or(now);
    // A tombstone wins over an older live read, never over a newer one (a restore in the source).
    match key.object {
        ObjectType::Contact if key.system == closedloop_core::System::HubSpot => {
            sqlx::query!(
                "UPDATE marketing_contacts SET archived = 1, updated_at = MAX(updated_at, ?) WHERE system = ? AND id = ? AND updated_at <= ?",
                when, system, key.id, when
            )
            .execute(&mut *tx)
            .await?;
        }
        ObjectType::Contact => {
            sqlx::query!(
                "UPDATE crm_contacts SET deleted = 1, modified_at = MAX(modified_at, ?) WHERE system = ? AND id = ? AND modified_at <= ?",
                when, system, key.id, when
            )
            .execute(&mut *tx)
            .await?;
        }
        ObjectType::Lead => {
            sqlx::query!(
                "UPDATE crm_leads SET deleted = 1, modified_at = MAX(modified_at, ?) WHERE system = ? AND id = ? AND modified_at <= ?",
                when, system, key.id, when
            )
            .execute(&mut *tx)
            .await?;
        }
        ObjectType::Deal => {
            sqlx::query!(
                "UPDATE deals SET deleted = 1, updated_at = MAX(updated_at, ?) WHERE system = ? AND id = ? AND updated_at <= ?",
                when, system, key.id, when
            )
            .execute(&mut *tx)
            .await?;
            return mark_deal_people_dirty(tx, key, now).await;
        }
        ObjectType::Activity => {
            sqlx::query!(
                "UPDATE sales_activities SET deleted = 1 WHERE system = ? AND id = ?",
                system,
                key.id
            )
            .execute(&mut *tx)
            .await?;
            let who = sqlx::query!(
                "SELECT who_system, who_object, who_id FROM sales_activities WHERE system = ? AND id = ?",
                system,
                key.id
            )
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(w) = who {
                sqlx::query!(
                    "INSERT INTO dirty_records (system, object_type, external_id, marked_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    w.who_system, w.who_object, w.who_id, now
                )
                .execute(&mut *tx)
                .await?;
            }
            return Ok(());
        }
        _ => return Ok(()),
    }
    mark_dirty(tx, key, now).await
}

async fn write_merge(
    tx: &mut SqliteConnection,
    survivor: &ExternalId,
    merged: &ExternalId,
    at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let (system, object) = (merged.system.as_str(), merged.object.as_str());
    let changed = sqlx::query!(
        r#"INSERT INTO record_merges (system, object_type, merged_id, survivor_id, merged_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (system, object_type, merged_id) DO UPDATE SET survivor_id = excluded.survivor_id,
               merged_at = COALESCE(excluded.merged_at, record_merges.merged_at)
           WHERE record_merges.survivor_id IS NOT excluded.survivor_id
               OR (excluded.merged_at IS NOT NULL AND record_merges.merged_at IS NOT excluded.merged_at)"#,
        system,
        object,
        merged.id,
        survivor.id,
        at
    )
    .execute(&mut *tx)
    .await?;
    if changed.rows_affected() == 0 {
        return Ok(());
    }
    mark_dirty(tx, survivor, now).await?;
    mark_dirty(tx, merged, now).await
}
