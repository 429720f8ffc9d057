//! `GET sobjects`, `GET sobjects/{Type}` and `GET sobjects/{Type}/describe`.
//!
//! Holds no state. The field metadata is what a connector validates its configured fields
//! against: name, type, label, length, nillable, createable, updateable, picklist values (and
//! whether the picklist is restricted), externalId, unique, referenceTo, filterable, sortable.

use super::errors::{ApiError, json_response};
use super::gate::ApiVersion;
use super::schema::{FieldDef, FieldType, ObjectSchema};
use super::shared::Shared;
use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// `GET sobjects`: the global describe.
pub async fn list(State(sim): State<Arc<Shared>>, Extension(ApiVersion(version)): Extension<ApiVersion>) -> Response {
    let org = sim.read();
    let sobjects: Vec<Value> = org.schema.objects().iter().map(|o| summary(o, &version)).collect();
    json_response(
        StatusCode::OK,
        &json!({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}),
    )
}

/// `GET sobjects/{Type}`: basic information.
pub async fn basic(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    Path((_, object)): Path<(String, String)>,
) -> Response {
    let org = sim.read();
    match org.schema.object(&object) {
        Some(o) => json_response(
            StatusCode::OK,
            &json!({"objectDescribe": summary(o, &version), "recentItems": []}),
        ),
        None => ApiError::not_found().into_response(),
    }
}

/// `GET sobjects/{Type}/describe`.
pub async fn describe(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    Path((_, object)): Path<(String, String)>,
) -> Response {
    let org = sim.read();
    let Some(o) = org.schema.object(&object) else {
        return ApiError::not_found().into_response();
    };
    let mut body = summary(o, &version);
    if let Some(map) = body.as_object_mut() {
        map.insert("fields".into(), o.fields.iter().map(field).collect());
        map.insert("childRelationships".into(), json!([]));
        map.insert("recordTypeInfos".into(), json!([]));
        map.insert(
            "supportedScopes".into(),
            json!([{"label": "All", "name": "everything"}]),
        );
    }
    json_response(StatusCode::OK, &body)
}

fn summary(o: &ObjectSchema, version: &str) -> Value {
    let base = format!("/services/data/v{version}/sobjects/{}", o.name);
    json!({
        "activateable": false,
        "createable": o.createable,
        "custom": false,
        "customSetting": false,
        "deletable": o.deletable,
        "deprecatedAndHidden": false,
        "feedEnabled": false,
        "hasSubtypes": false,
        "isSubtype": false,
        "keyPrefix": o.key_prefix,
        "label": o.label,
        "labelPlural": o.label_plural,
        "layoutable": o.createable,
        "mergeable": o.sys.master_record.is_some(),
        "mruEnabled": false,
        "name": o.name,
        "queryable": true,
        "replicateable": o.replicateable,
        "retrieveable": true,
        "searchable": o.createable,
        "triggerable": o.createable,
        "undeletable": o.deletable,
        "updateable": o.updateable,
        "urls": {
            "sobject": base,
            "describe": format!("{base}/describe"),
            "rowTemplate": format!("{base}/{{ID}}"),
        },
    })
}

fn relationship_name(f: &FieldDef) -> Option<String> {
    if f.kind != FieldType::Reference {
        return None;
    }
    if let Some(stem) = f.name.strip_suffix("__c") {
        return Some(format!("{stem}__r"));
    }
    f.name.strip_suffix("Id").map(str::to_owned)
}

fn field(f: &FieldDef) -> Value {
    let text = f.kind.is_text() || f.kind.is_id();
    let picklist: Vec<Value> = f
        .picklist
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"active": true, "defaultValue": f.defaulted_on_create && i == 0, "label": v, "validFor": null, "value": v}))
        .collect();
    json!({
        "aggregatable": f.filterable(),
        "autoNumber": false,
        "byteLength": if text { f.length * 3 } else { 0 },
        "calculated": f.calculated,
        "caseSensitive": false,
        "createable": f.createable,
        "custom": f.custom,
        "defaultValue": null,
        "defaultedOnCreate": f.defaulted_on_create,
        "dependentPicklist": false,
        "digits": if f.kind == FieldType::Int { f.precision } else { 0 },
        "externalId": f.external_id,
        "filterable": f.filterable(),
        "groupable": f.filterable() && f.kind != FieldType::DateTime && !f.kind.is_number(),
        "idLookup": f.kind == FieldType::Id || f.external_id || (f.kind == FieldType::Email && !f.custom),
        "label": f.label,
        "length": if text { f.length } else { 0 },
        "name": f.name,
        "nameField": f.name == "Name",
        "nillable": f.nillable,
        "picklistValues": picklist,
        "precision": if matches!(f.kind, FieldType::Double | FieldType::Currency | FieldType::Percent) { f.precision } else { 0 },
        "referenceTo": f.reference_to,
        "relationshipName": relationship_name(f),
        "restrictedPicklist": f.restricted,
        "scale": if matches!(f.kind, FieldType::Double | FieldType::Currency | FieldType::Percent) { f.scale } else { 0 },
        "soapType": f.kind.soap_type(),
        "sortable": f.sortable(),
        "type": f.kind.describe_name(),
        "unique": f.unique,
        "updateable": f.updateable,
    })
}
