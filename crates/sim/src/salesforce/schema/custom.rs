//! Custom (`__c`) fields: from the scenario's declarations, and the ones its data implies.
//!
//! Holds no state. A scenario declares custom fields per sObject with a closedloop-neutral type
//! name (`string`, `number`, `enumeration`...); this module maps them to Salesforce field types,
//! applies the External ID and Unique flags, and adds fields the scenario's data needs but did not
//! declare (`Loss_Reason__c` for opportunities' close reasons, extra fields in `fields` maps).

use super::{FieldDef, FieldType, ObjectSchema};
use crate::scenario::{PropertySpec, SalesforceSettings};
use std::collections::BTreeMap;

/// Maps a scenario type name to a Salesforce type.
pub fn field_type(kind: &str) -> Option<FieldType> {
    Some(match kind {
        "string" | "text" => FieldType::String,
        "textarea" => FieldType::TextArea,
        "number" | "double" => FieldType::Double,
        "integer" | "int" => FieldType::Int,
        "currency" => FieldType::Currency,
        "percent" => FieldType::Percent,
        "datetime" => FieldType::DateTime,
        "date" => FieldType::Date,
        "enumeration" | "picklist" => FieldType::Picklist,
        "bool" | "boolean" => FieldType::Boolean,
        "email" => FieldType::Email,
        "phone" => FieldType::Phone,
        "url" => FieldType::Url,
        _ => return None,
    })
}

/// True for a valid custom field API name: letters, digits and single underscores, ending `__c`.
pub fn is_custom_name(name: &str) -> bool {
    let Some(stem) = name.strip_suffix("__c") else {
        return false;
    };
    !stem.is_empty()
        && stem.starts_with(|c: char| c.is_ascii_alphabetic())
        && !stem.ends_with('_')
        && !stem.contains("__")
        && stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Builds a field from its scenario declaration.
pub fn from_spec(object: &str, spec: &PropertySpec) -> Result<FieldDef, String> {
    if !is_custom_name(&spec.name) {
        return Err(format!(
            "custom field {object}.{} must be a valid API name ending in __c",
            spec.name
        ));
    }
    let kind = field_type(&spec.kind)
        .ok_or_else(|| format!("custom field {object}.{} has unknown type {:?}", spec.name, spec.kind))?;
    let mut field = FieldDef::new(&spec.name, &spec.label, kind);
    if kind == FieldType::Picklist {
        let values: Vec<&str> = spec.options.iter().map(String::as_str).collect();
        field = field.values(&values, true);
    }
    Ok(field)
}

/// Adds the scenario's declared custom fields to the standard objects, then the implied ones.
pub fn apply(
    objects: &mut [ObjectSchema],
    settings: &SalesforceSettings,
    implied: &BTreeMap<String, Vec<FieldDef>>,
) -> Result<(), String> {
    for (object_name, specs) in &settings.custom_fields {
        let object = find(objects, object_name)?;
        for spec in specs {
            if object.column(&spec.name).is_some() {
                return Err(format!("custom field {object_name}.{} is declared twice", spec.name));
            }
            object.push_field(from_spec(object_name, spec)?);
        }
    }
    for (object_name, fields) in implied {
        let object = find(objects, object_name)?;
        for field in fields {
            if object.column(&field.name).is_none() {
                object.push_field(field.clone());
            }
        }
    }
    flag(objects, &settings.external_id_fields, "external_id_fields", |f| {
        f.external_id = true
    })?;
    flag(objects, &settings.unique_fields, "unique_fields", |f| f.unique = true)?;
    Ok(())
}

fn find<'a>(objects: &'a mut [ObjectSchema], name: &str) -> Result<&'a mut ObjectSchema, String> {
    objects
        .iter_mut()
        .find(|o| o.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| format!("custom fields declared on unknown sObject {name:?}"))
}

fn flag(
    objects: &mut [ObjectSchema],
    map: &BTreeMap<String, Vec<String>>,
    what: &str,
    set: impl Fn(&mut FieldDef),
) -> Result<(), String> {
    for (object_name, names) in map {
        let object = find(objects, object_name)?;
        for name in names {
            let column = object
                .column(name)
                .filter(|c| object.fields[*c].custom)
                .ok_or_else(|| format!("{what}: {object_name}.{name} is not a declared custom field"))?;
            let field = &mut object.fields[column];
            if !matches!(
                field.kind,
                FieldType::String | FieldType::Email | FieldType::Int | FieldType::Double
            ) {
                return Err(format!("{what}: {object_name}.{name} must be text, email or number"));
            }
            set(field);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_names_follow_salesforce_rules() {
        for good in ["Unqualified_Reason__c", "A__c", "x1_y2__c"] {
            assert!(is_custom_name(good), "{good}");
        }
        for bad in ["Reason", "__c", "_A__c", "A___c", "A__b__c", "1A__c", "A-b__c", "A__C"] {
            assert!(!is_custom_name(bad), "{bad}");
        }
    }
}
