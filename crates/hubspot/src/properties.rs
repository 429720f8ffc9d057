//! The contact properties that exist, and creating the custom ones closedloop writes.
//!
//! State: the set of existing contact properties, cached in the connector once read (a push
//! that HubSpot refuses for a missing property clears it). Properties are created on first use,
//! in the configured property group (created too when missing), with the type the mapping says:
//!
//! | mapping kind | HubSpot `type` | `fieldType` |
//! |---|---|---|
//! | text | `string` | `text` |
//! | number | `number` | `number` |
//! | date | `date` | `date` |
//! | datetime | `datetime` | `date` |
//! | bool | `bool` | `booleancheckbox` |

use crate::client::{PROPERTIES, PROPERTY_CREATE};
use crate::connector::Shared;
use crate::error::HubSpotError;
use crate::wire;
use closedloop_core::fields::FieldKind;
use serde_json::{Value, json};
use std::collections::HashMap;

/// HubSpot's property type and field type for a mapping's kind.
pub fn hubspot_type(kind: FieldKind) -> (&'static str, &'static str) {
    match kind {
        FieldKind::Text => ("string", "text"),
        FieldKind::Number => ("number", "number"),
        FieldKind::Date => ("date", "date"),
        FieldKind::DateTime => ("datetime", "date"),
        FieldKind::Bool => ("bool", "booleancheckbox"),
    }
}

/// Whether an existing property's type holds values of `kind` (enumerations hold text).
pub fn type_fits(hubspot: &str, kind: FieldKind) -> bool {
    match kind {
        FieldKind::Text => matches!(hubspot, "string" | "enumeration" | "phone_number"),
        FieldKind::Number => hubspot == "number",
        FieldKind::Date => matches!(hubspot, "date" | "datetime"),
        FieldKind::DateTime => matches!(hubspot, "datetime" | "date"),
        FieldKind::Bool => matches!(hubspot, "bool" | "enumeration"),
    }
}

/// A label for a property closedloop creates: `closedloop_sql_date` → `closedloop SQL date`.
pub fn label(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| match w {
            "sql" | "mql" | "sla" | "crm" | "id" => w.to_ascii_uppercase(),
            _ => w.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The contact properties that exist, by name (read once, then from the cache).
pub(crate) async fn existing(
    shared: &Shared,
    refresh: bool,
) -> Result<HashMap<String, wire::PropertyDefinition>, HubSpotError> {
    let mut cache = shared.properties.lock().await;
    if let Some(known) = cache.as_ref()
        && !refresh
    {
        return Ok(known.clone());
    }
    let list: wire::Results<wire::PropertyDefinition> = shared
        .client
        .get("/crm/v3/properties/contacts", PROPERTIES)
        .send_json()
        .await?;
    let known: HashMap<String, wire::PropertyDefinition> =
        list.results.into_iter().map(|p| (p.name.clone(), p)).collect();
    *cache = Some(known.clone());
    Ok(known)
}

/// Forgets the cached property list (a write named a property HubSpot no longer has).
pub(crate) async fn forget(shared: &Shared) {
    *shared.properties.lock().await = None;
}

/// Whether the property group exists.
pub(crate) async fn group_exists(shared: &Shared, group: &str) -> Result<bool, HubSpotError> {
    let groups: wire::Results<wire::PropertyGroup> = shared
        .client
        .get("/crm/v3/properties/contacts/groups", PROPERTIES)
        .send_json()
        .await?;
    Ok(groups.results.iter().any(|g| g.name == group))
}

async fn ensure_group(shared: &Shared) -> Result<(), HubSpotError> {
    let group = &shared.settings.property_group;
    if group_exists(shared, group).await? {
        return Ok(());
    }
    let body = json!({ "name": group, "label": label(group), "displayOrder": -1 });
    match shared
        .client
        .post("/crm/v3/properties/contacts/groups", PROPERTY_CREATE)
        .json(&body)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.status().map(|s| s.as_u16()) == Some(409) => Ok(()),
        Err(e) => Err(HubSpotError::PropertyGroup {
            group: group.clone(),
            detail: e.to_string(),
        }),
    }
}

/// Creates the properties among `names` that do not exist yet; returns the ones it created.
pub(crate) async fn ensure(shared: &Shared, names: &[String]) -> Result<Vec<String>, HubSpotError> {
    let known = existing(shared, false).await?;
    let mut missing: Vec<&String> = names.iter().filter(|n| !known.contains_key(*n)).collect();
    missing.sort();
    missing.dedup();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    ensure_group(shared).await?;
    let mut created = Vec::new();
    for name in missing {
        let kind = shared.settings.fields.write_kind(name).unwrap_or(FieldKind::Text);
        let (kind_name, field_type) = hubspot_type(kind);
        let mut body = json!({
            "name": name,
            "label": label(name),
            "type": kind_name,
            "fieldType": field_type,
            "groupName": shared.settings.property_group,
            "description": "Maintained by closedloop from the CRM and marketing data it reconciles.",
        });
        if kind == FieldKind::Bool
            && let Some(map) = body.as_object_mut()
        {
            map.insert(
                "options".into(),
                Value::Array(vec![
                    json!({ "label": "Yes", "value": "true", "displayOrder": 0 }),
                    json!({ "label": "No", "value": "false", "displayOrder": 1 }),
                ]),
            );
        }
        match shared
            .client
            .post("/crm/v3/properties/contacts", PROPERTY_CREATE)
            .json(&body)
            .send()
            .await
        {
            Ok(_) => {
                tracing::info!(property = %name, kind = kind_name, "created hubspot contact property");
                created.push(name.clone());
            }
            // Created meanwhile (another process, or an attempt whose answer was lost).
            Err(e) if e.status().map(|s| s.as_u16()) == Some(409) => {}
            Err(e) if e.is_quota_exhausted() || e.is_retriable() => return Err(e.into()),
            Err(e) => {
                return Err(HubSpotError::PropertyCreation {
                    name: name.clone(),
                    detail: e.to_string(),
                });
            }
        }
    }
    existing(shared, true).await?;
    Ok(created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_labels() {
        assert_eq!(hubspot_type(FieldKind::DateTime), ("datetime", "date"));
        assert!(type_fits("enumeration", FieldKind::Text));
        assert!(!type_fits("string", FieldKind::Number));
        assert_eq!(label("closedloop_sql_date"), "closedloop SQL date");
    }
}
