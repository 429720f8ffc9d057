//! Users: the reps and marketers who own records.
//!
//! Holds no state. A User becomes an `Owner` (inactive when deactivated); its email joins it to
//! the marketing platform's owner of the same person. Users are never deleted in Salesforce, only
//! deactivated, so they are read with `query`, not `queryAll`.

use super::row::{MAX_TEXT_CHARS, RowReader};
use super::{Converted, names};
use crate::soql::ApiName;
use crate::wire::Row;
use closedloop_core::catalog::Owner;
use closedloop_core::page::Record;
use closedloop_core::{ExternalId, ObjectType};

const USER_FIELDS: &[&str] = &["Id", "Name", "Email", "IsActive", "SystemModstamp"];

/// The SELECT list of users.
pub(crate) fn user_select() -> Vec<ApiName> {
    names(USER_FIELDS)
}

/// A User row.
pub(crate) fn user(row: &Row) -> Result<Converted, String> {
    let r = RowReader::new(row, "User");
    let id = r.id("Id")?;
    let key = ExternalId::salesforce(ObjectType::Owner, &id);
    let owner = Owner {
        id: key.clone(),
        email: r.email("Email")?,
        name: r.text("Name", MAX_TEXT_CHARS)?,
        active: r.flag("IsActive")?,
    };
    let modified = r.required_datetime("SystemModstamp")?;
    Ok(Converted::with_snapshot(
        vec![Record::Owner(owner)],
        key,
        row,
        Some(modified),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::row;
    use super::*;
    use serde_json::json;

    #[test]
    fn users_are_owners() {
        let r = row(
            json!({"Id": "0055g0000000001", "Name": "Sam Rep", "Email": "Sam@Acme.io",
            "IsActive": false, "SystemModstamp": "2024-03-01T10:05:00.000+0000"}),
        );
        let out = user(&r).unwrap();
        let Some(Record::Owner(o)) = out.records.first() else {
            panic!()
        };
        assert!(!o.active);
        assert_eq!(o.email.as_ref().unwrap().as_str(), "sam@acme.io");
        assert_eq!(names(USER_FIELDS).len(), USER_FIELDS.len());
    }
}
