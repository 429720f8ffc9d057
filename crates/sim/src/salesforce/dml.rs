//! Creating, updating, upserting and deleting records the way Salesforce validates them.
//!
//! State: none of its own; a [`Writer`] borrows the org and the request's undo log. Every API
//! write (single sObject, collections, conversions done through the admin handle) goes through
//! here, so validation is uniform: unknown fields, read-only fields, type coercion, required
//! fields, restricted picklists, text lengths, email syntax, lookups (type, existence, deletion),
//! unique values, converted leads, record locks and the org's validation rules, each failing with
//! Salesforce's status code and message.

use super::derive;
use super::errors::RecordError;
use super::ids::SfId;
use super::schema::{FieldDef, FieldType, ObjectSchema};
use super::state::{LockState, Org, Txn};
use super::value::{CoerceError, Val, coerce};
use serde_json::{Map, Value};
use std::sync::Arc;

/// Applies writes to the org at one instant, as one user.
pub struct Writer<'a> {
    /// The org.
    pub org: &'a mut Org,
    /// The request's undo log.
    pub txn: &'a mut Txn,
    /// The write time (whole seconds).
    pub now: i64,
    /// The acting user.
    pub user: SfId,
}

/// The parsed assignments of one record.
struct Assignments {
    values: Vec<(usize, Val)>,
    probability_given: bool,
}

impl Writer<'_> {
    /// Inserts a record of `table` from JSON fields (`attributes` ignored).
    pub fn create(&mut self, table: usize, input: &Map<String, Value>) -> Result<SfId, RecordError> {
        let schema = Arc::clone(self.org.object(table));
        if !schema.createable {
            return Err(unsupported(&schema, "insert"));
        }
        if input.keys().any(|k| k.eq_ignore_ascii_case("id")) {
            return Err(RecordError::new(
                "INVALID_FIELD",
                "cannot specify Id in an insert call",
                vec![],
            ));
        }
        let assigned = parse(&schema, input, true)?;
        let mut vals = derive::blank(&schema);
        for (c, v) in &assigned.values {
            vals[*c] = v.clone();
        }
        derive::defaults(&self.org.config, &schema, &mut vals, self.user);
        derive::derived(self.org, &schema, &mut vals, None, assigned.probability_given, self.now);
        self.validate(table, &schema, &vals, None, &assigned)?;
        derive::stamp_created(&schema, &mut vals, self.now, self.user);
        let (_, id) = self.org.insert(self.txn, table, vals.clone());
        vals[0] = Val::Id(id);
        self.after_save(&schema, &vals, None);
        Ok(id)
    }

    /// Updates a record of `table`.
    pub fn update(&mut self, table: usize, id: SfId, input: &Map<String, Value>) -> Result<(), RecordError> {
        let schema = Arc::clone(self.org.object(table));
        if !schema.updateable {
            return Err(unsupported(&schema, "update"));
        }
        let row = self.target(table, &schema, id)?;
        if schema.name == "Lead"
            && derive::get(&schema, &self.org.tables[table].row(row).vals, "IsConverted").as_bool() == Some(true)
        {
            return Err(RecordError::new(
                "CANNOT_UPDATE_CONVERTED_LEAD",
                "cannot reference converted lead",
                vec![],
            ));
        }
        let assigned = parse(&schema, input, false)?;
        let old = self.org.tables[table].row(row).vals.clone();
        let mut vals = old.to_vec();
        for (c, v) in &assigned.values {
            vals[*c] = v.clone();
        }
        derive::derived(
            self.org,
            &schema,
            &mut vals,
            Some(&old),
            assigned.probability_given,
            self.now,
        );
        self.validate(table, &schema, &vals, Some(row), &assigned)?;
        derive::stamp_modified(&schema, &mut vals, self.now, self.user);
        self.org.replace(self.txn, table, row, vals.clone().into_boxed_slice());
        self.after_save(&schema, &vals, Some(&old));
        Ok(())
    }

    /// Creates or updates by an External ID field; returns the id and whether it was created.
    pub fn upsert(
        &mut self,
        table: usize,
        key_column: usize,
        input: &Map<String, Value>,
    ) -> Result<(SfId, bool), RecordError> {
        let schema = Arc::clone(self.org.object(table));
        let field = schema.field(key_column);
        let key = input
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&field.name))
            .map(|(_, v)| coerce(field, v))
            .transpose()
            .map_err(|e| coerce_error(field, e))?
            .and_then(|v| v.to_text());
        let Some(key) = key else {
            return Err(RecordError::new(
                "MISSING_ARGUMENT",
                format!("{} not specified", field.name),
                vec![field.name.clone()],
            ));
        };
        let matches = self.org.tables[table].key_lookup(key_column, &key).to_vec();
        match matches.as_slice() {
            [] => self.create(table, input).map(|id| (id, true)),
            [row] => {
                let id = self.org.tables[table].row(*row).id;
                let mut rest = input.clone();
                rest.retain(|k, _| !k.eq_ignore_ascii_case("id"));
                self.update(table, id, &rest).map(|_| (id, false))
            }
            many => {
                let ids: Vec<String> = many
                    .iter()
                    .map(|r| self.org.tables[table].row(*r).id.to_string())
                    .collect();
                Err(RecordError::new(
                    "DUPLICATE_EXTERNAL_ID",
                    format!(
                        "{}: more than one record found for external id field: [{}]",
                        field.name,
                        ids.join(", ")
                    ),
                    vec![field.name.clone()],
                ))
            }
        }
    }

    /// Deletes a record (to the recycle bin), cascading to the records that cannot outlive it.
    pub fn delete(&mut self, table: usize, id: SfId) -> Result<(), RecordError> {
        let schema = Arc::clone(self.org.object(table));
        if !schema.deletable {
            return Err(unsupported(&schema, "delete"));
        }
        let row = self.target(table, &schema, id)?;
        self.delete_row(table, row, None);
        Ok(())
    }

    /// Marks a row deleted at `now`; `master` is set on merged-away records.
    pub fn delete_row(&mut self, table: usize, row: u32, master: Option<SfId>) {
        let schema = Arc::clone(self.org.object(table));
        let id = self.org.tables[table].row(row).id;
        let mut vals = self.org.tables[table].row(row).vals.to_vec();
        if let Some(c) = schema.sys.is_deleted {
            vals[c] = Val::Bool(true);
        }
        if let (Some(c), Some(master)) = (schema.sys.master_record, master) {
            vals[c] = Val::Id(master);
        }
        derive::stamp_modified(&schema, &mut vals, self.now, self.user);
        self.org.replace(self.txn, table, row, vals.into_boxed_slice());
        self.org.set_deleted(self.txn, table, row, Some(self.now));
        if master.is_none() {
            for (child, column) in cascade(&schema.name) {
                for child_row in self.referencing(child, column, id) {
                    self.delete_row(self.org.std_table(child), child_row, None);
                }
            }
        }
    }

    /// Live rows of `object` whose `column` points at `id`.
    pub fn referencing(&self, object: &str, column: &str, id: SfId) -> Vec<u32> {
        let Some(table) = self.org.table_index(object) else {
            return Vec::new();
        };
        let t = &self.org.tables[table];
        let Some(c) = t.schema.column(column) else {
            return Vec::new();
        };
        (0..t.len() as u32)
            .filter(|r| t.get(*r, c).as_id() == Some(id) && !self.org.is_deleted(table, *r))
            .collect()
    }

    /// The row a write targets: it must exist, be live and not be locked.
    fn target(&mut self, table: usize, schema: &ObjectSchema, id: SfId) -> Result<u32, RecordError> {
        if id.prefix() != schema.key_prefix {
            return Err(RecordError::new(
                "MALFORMED_ID",
                format!("{} ID: id value of incorrect type: {id}", schema.label),
                vec!["Id".into()],
            ));
        }
        let Some(row) = self.org.tables[table].find(id) else {
            return Err(RecordError::new(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                vec![],
            ));
        };
        if self.org.is_deleted(table, row) {
            return Err(RecordError::new("ENTITY_IS_DELETED", "entity is deleted", vec![]));
        }
        check_lock(self.org, id)?;
        Ok(row)
    }

    fn validate(
        &self,
        table: usize,
        schema: &ObjectSchema,
        vals: &[Val],
        row: Option<u32>,
        assigned: &Assignments,
    ) -> Result<(), RecordError> {
        required(schema, vals)?;
        for (c, _) in &assigned.values {
            let field = schema.field(*c);
            check_value(self.org, field, &vals[*c])?;
        }
        let t = &self.org.tables[table];
        for (c, field) in schema.fields.iter().enumerate().filter(|(_, f)| f.unique) {
            let Some(text) = vals[c].to_text() else { continue };
            if let Some(other) = t.key_lookup(c, &text).iter().find(|r| Some(**r) != row) {
                return Err(RecordError::new(
                    "DUPLICATE_VALUE",
                    format!(
                        "duplicate value found: {} duplicates value on record with id: {}",
                        field.name,
                        t.row(*other).id
                    ),
                    vec![field.name.clone()],
                ));
            }
        }
        if schema.name == "CampaignMember" && row.is_none() {
            self.unique_membership(schema, vals)?;
        }
        for rule in self
            .org
            .rules
            .iter()
            .filter(|r| r.object.eq_ignore_ascii_case(&schema.name))
        {
            if rule.when.iter().all(|cond| condition_holds(schema, vals, cond)) {
                let fields = rule.error_field.iter().cloned().collect();
                return Err(RecordError::new(
                    "FIELD_CUSTOM_VALIDATION_EXCEPTION",
                    rule.message.clone(),
                    fields,
                ));
            }
        }
        Ok(())
    }

    fn unique_membership(&self, schema: &ObjectSchema, vals: &[Val]) -> Result<(), RecordError> {
        let campaign = derive::get(schema, vals, "CampaignId").as_id();
        let who = derive::get(schema, vals, "LeadOrContactId").as_id();
        let table = self.org.std_table("CampaignMember");
        let t = &self.org.tables[table];
        let (Some(cc), Some(wc)) = (schema.column("CampaignId"), schema.column("LeadOrContactId")) else {
            return Ok(());
        };
        let duplicate = (0..t.len() as u32)
            .any(|r| !self.org.is_deleted(table, r) && t.get(r, cc).as_id() == campaign && t.get(r, wc).as_id() == who);
        if duplicate {
            return Err(RecordError::new(
                "DUPLICATE_VALUE",
                "Already a campaign member.",
                vec![],
            ));
        }
        Ok(())
    }

    /// Field history and other records a save produces.
    fn after_save(&mut self, schema: &ObjectSchema, vals: &[Val], old: Option<&[Val]>) {
        let Some(id) = vals[0].as_id() else { return };
        match schema.name.as_str() {
            "Lead" => {
                let status = |v: &[Val]| derive::get(schema, v, "Status").to_text();
                let row = match old {
                    None => Some(derive::lead_history(
                        self.org, id, "created", None, None, self.now, self.user,
                    )),
                    Some(old) if status(old) != status(vals) => Some(derive::lead_history(
                        self.org,
                        id,
                        "Status",
                        status(old),
                        status(vals),
                        self.now,
                        self.user,
                    )),
                    Some(_) => None,
                };
                if let Some(row) = row {
                    let t = self.org.std_table("LeadHistory");
                    self.org.insert(self.txn, t, row);
                }
            }
            "Opportunity" => {
                let tracked = ["StageName", "Amount", "CloseDate", "Probability"];
                let changed = old.is_none_or(|old| {
                    tracked
                        .iter()
                        .any(|f| derive::get(schema, old, f) != derive::get(schema, vals, f))
                });
                if changed {
                    let row = derive::opportunity_history(self.org, schema, vals, self.now, self.user);
                    let t = self.org.std_table("OpportunityHistory");
                    self.org.insert(self.txn, t, row);
                }
            }
            _ => {}
        }
    }
}

/// Children deleted with their parent: (object, lookup column).
fn cascade(object: &str) -> &'static [(&'static str, &'static str)] {
    match object {
        "Lead" => &[("CampaignMember", "LeadId"), ("Task", "WhoId"), ("Event", "WhoId")],
        "Contact" => &[
            ("CampaignMember", "ContactId"),
            ("Task", "WhoId"),
            ("Event", "WhoId"),
            ("OpportunityContactRole", "ContactId"),
        ],
        "Account" => &[("Contact", "AccountId"), ("Opportunity", "AccountId")],
        "Opportunity" => &[
            ("OpportunityContactRole", "OpportunityId"),
            ("Task", "WhatId"),
            ("Event", "WhatId"),
        ],
        "Campaign" => &[("CampaignMember", "CampaignId")],
        _ => &[],
    }
}

fn unsupported(schema: &ObjectSchema, verb: &str) -> RecordError {
    RecordError::new(
        "INVALID_TYPE_FOR_OPERATION",
        format!("entity type {} does not support {verb}", schema.name),
        vec![],
    )
}

/// Fails a write to a locked record, counting down limited locks.
pub fn check_lock(org: &mut Org, id: SfId) -> Result<(), RecordError> {
    let locked = match org.locks.get(&id).copied() {
        None => false,
        Some(LockState::UntilUnlocked) => true,
        Some(LockState::Writes(n)) => {
            if n <= 1 {
                org.locks.remove(&id);
            } else {
                org.locks.insert(id, LockState::Writes(n - 1));
            }
            n > 0
        }
    };
    if locked {
        return Err(RecordError::new(
            "UNABLE_TO_LOCK_ROW",
            format!("unable to obtain exclusive access to this record or 1 records: {id}"),
            vec![],
        ));
    }
    Ok(())
}

/// Turns JSON fields into column assignments, rejecting unknown and read-only fields.
fn parse(schema: &ObjectSchema, input: &Map<String, Value>, creating: bool) -> Result<Assignments, RecordError> {
    let mut values = Vec::new();
    let mut read_only = Vec::new();
    for (key, value) in input {
        if key == "attributes" || (!creating && key.eq_ignore_ascii_case("id")) {
            continue;
        }
        let Some(c) = schema.column(key) else {
            return Err(RecordError::new(
                "INVALID_FIELD",
                format!("No such column '{key}' on sobject of type {}", schema.name),
                vec![],
            ));
        };
        let field = schema.field(c);
        if !(if creating { field.createable } else { field.updateable }) {
            read_only.push(field.name.clone());
            continue;
        }
        values.push((c, coerce(field, value).map_err(|e| coerce_error(field, e))?));
    }
    if !read_only.is_empty() {
        return Err(RecordError::new(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            format!(
                "Unable to create/update fields: {}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                read_only.join(", ")
            ),
            read_only,
        ));
    }
    let probability_given = schema
        .column("Probability")
        .is_some_and(|p| values.iter().any(|(c, _)| *c == p));
    Ok(Assignments {
        values,
        probability_given,
    })
}

fn coerce_error(field: &FieldDef, error: CoerceError) -> RecordError {
    match error {
        CoerceError::WrongType { expected, token, value } => RecordError {
            code: "INVALID_TYPE_ON_FIELD_IN_RECORD",
            message: format!("{}: value not of required type: {value}", field.label),
            fields: vec![field.name.clone()],
            parse_error: Some(format!(
                "Cannot deserialize instance of {expected} from {token} value {value} or request may be missing a required field"
            )),
        },
        CoerceError::MalformedId { value } => RecordError::new(
            "MALFORMED_ID",
            format!("{}: id value of incorrect type: {value}", field.label),
            vec![field.name.clone()],
        ),
    }
}

/// Required fields that are null, reported together.
fn required(schema: &ObjectSchema, vals: &[Val]) -> Result<(), RecordError> {
    let mut missing: Vec<String> = schema
        .fields
        .iter()
        .enumerate()
        .filter(|(c, f)| !f.nillable && (f.createable || f.updateable) && vals[*c].is_null())
        .map(|(_, f)| f.name.clone())
        .collect();
    match schema.name.as_str() {
        "Event" => {
            for name in ["ActivityDateTime", "DurationInMinutes"] {
                if derive::get(schema, vals, name).is_null() {
                    missing.push(name.to_owned());
                }
            }
        }
        "CampaignMember" if derive::get(schema, vals, "LeadOrContactId").is_null() => {
            missing.push("LeadId".into());
            missing.push("ContactId".into());
        }
        _ => {}
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(RecordError::new(
        "REQUIRED_FIELD_MISSING",
        format!("Required fields are missing: [{}]", missing.join(", ")),
        missing,
    ))
}

/// Checks one written value against its field: picklist, length, email, lookup.
fn check_value(org: &Org, field: &FieldDef, value: &Val) -> Result<(), RecordError> {
    let fields = || vec![field.name.clone()];
    match value {
        Val::Str(s) => {
            if field.restricted && !field.picklist.iter().any(|v| v == s.as_ref()) {
                return Err(RecordError::new(
                    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                    format!("{}: bad value for restricted picklist field: {s}", field.label),
                    fields(),
                ));
            }
            if field.length > 0 && s.chars().count() > field.length as usize {
                let shown: String = s.chars().take(40).collect();
                return Err(RecordError::new(
                    "STRING_TOO_LONG",
                    format!(
                        "{}: data value too large: {shown}... (max length={})",
                        field.label, field.length
                    ),
                    fields(),
                ));
            }
            if field.kind == FieldType::Email && !plausible_email(s) {
                return Err(RecordError::new(
                    "INVALID_EMAIL_ADDRESS",
                    format!("{}: invalid email address: {s}", field.label),
                    fields(),
                ));
            }
        }
        Val::Id(id) if field.kind == FieldType::Reference => {
            let target = org
                .schema
                .index_of_prefix(id.prefix())
                .map(|t| org.tables[t].schema.name.clone());
            if !target.is_some_and(|t| field.reference_to.contains(&t)) {
                return Err(RecordError::new(
                    "FIELD_INTEGRITY_EXCEPTION",
                    format!("{}: id value of incorrect type: {id}", field.label),
                    fields(),
                ));
            }
            match org.locate(*id) {
                None => {
                    return Err(RecordError::new(
                        "INVALID_CROSS_REFERENCE_KEY",
                        "invalid cross reference id",
                        fields(),
                    ));
                }
                Some((t, r)) if org.is_deleted(t, r) => {
                    return Err(RecordError::new("ENTITY_IS_DELETED", "entity is deleted", fields()));
                }
                Some(_) => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// Salesforce's email check: one `@`, something before it, a dotted domain, no spaces.
fn plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
}

fn condition_holds(schema: &ObjectSchema, vals: &[Val], cond: &crate::scenario::RuleConditionSpec) -> bool {
    let Some(c) = schema.column(&cond.field) else {
        return false;
    };
    let value = &vals[c];
    if let Some(blank) = cond.blank
        && value.is_null() != blank
    {
        return false;
    }
    if let Some(expected) = &cond.equals {
        let expected = coerce(schema.field(c), expected).ok();
        let equal = match (value, expected.as_ref()) {
            (Val::Str(a), Some(Val::Str(b))) => a.to_lowercase() == b.to_lowercase(),
            (a, Some(b)) => a == b,
            (_, None) => false,
        };
        if !equal {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_check_is_salesforce_like() {
        for good in ["a@b.co", "first.last+tag@example.com"] {
            assert!(plausible_email(good), "{good}");
        }
        for bad in ["", "a", "a@b", "@b.com", "a@@b.com", "a b@c.com", "a@.com", "a@b.com."] {
            assert!(!plausible_email(bad), "{bad}");
        }
    }
}
