//! One CRM object (contact, company or deal) and the history of each of its property values.
//!
//! State: a [`Record`] holds its id, timestamps and, per property it has a value for, every
//! value it ever had with when and by whom it was set (HubSpot's `propertiesWithHistory`).
//! Properties are referred to by [`PropId`], an index into the object type's
//! [`Schema`](super::schema::Schema), which keeps a million records compact.

use super::clock::Millis;
use serde::Serialize;

/// Index of a property definition in its object type's schema.
pub type PropId = u32;

/// The three CRM object types the simulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ObjectKind {
    /// `contacts`, `0-1`.
    Contact,
    /// `companies`, `0-2`.
    Company,
    /// `deals`, `0-3`.
    Deal,
}

impl ObjectKind {
    /// All kinds.
    pub const ALL: [ObjectKind; 3] = [ObjectKind::Contact, ObjectKind::Company, ObjectKind::Deal];

    /// Parses a path segment as HubSpot does: plural or singular name, or the type id.
    pub fn parse(segment: &str) -> Option<ObjectKind> {
        match segment.to_ascii_lowercase().as_str() {
            "contacts" | "contact" | "0-1" => Some(ObjectKind::Contact),
            "companies" | "company" | "0-2" => Some(ObjectKind::Company),
            "deals" | "deal" | "0-3" => Some(ObjectKind::Deal),
            _ => None,
        }
    }

    /// `0-1`, `0-2`, `0-3`.
    pub fn type_id(self) -> &'static str {
        match self {
            ObjectKind::Contact => "0-1",
            ObjectKind::Company => "0-2",
            ObjectKind::Deal => "0-3",
        }
    }

    /// `contacts`, `companies`, `deals`.
    pub fn plural(self) -> &'static str {
        match self {
            ObjectKind::Contact => "contacts",
            ObjectKind::Company => "companies",
            ObjectKind::Deal => "deals",
        }
    }

    /// `contact`, `company`, `deal`.
    pub fn singular(self) -> &'static str {
        match self {
            ObjectKind::Contact => "contact",
            ObjectKind::Company => "company",
            ObjectKind::Deal => "deal",
        }
    }

    /// `CONTACT`, `COMPANY`, `DEAL`, as HubSpot names types in error messages.
    pub fn upper(self) -> &'static str {
        match self {
            ObjectKind::Contact => "CONTACT",
            ObjectKind::Company => "COMPANY",
            ObjectKind::Deal => "DEAL",
        }
    }

    /// The property that mirrors `updatedAt`.
    pub fn modified_property(self) -> &'static str {
        match self {
            ObjectKind::Contact => "lastmodifieddate",
            ObjectKind::Company | ObjectKind::Deal => "hs_lastmodifieddate",
        }
    }
}

/// Who or what set a value: HubSpot's `sourceType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    /// A human in HubSpot's UI (`sourceId` `userId:N`).
    CrmUi,
    /// An app's API call (`sourceId` the app id).
    Integration,
    /// A legacy API-key call.
    Api,
    /// A CSV import.
    Import,
    /// HubSpot's analytics (source properties).
    Analytics,
    /// Computed by HubSpot.
    Calculated,
    /// A workflow.
    AutomationPlatform,
    /// A form submission.
    Form,
}

impl SourceType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceType::CrmUi => "CRM_UI",
            SourceType::Integration => "INTEGRATION",
            SourceType::Api => "API",
            SourceType::Import => "IMPORT",
            SourceType::Analytics => "ANALYTICS",
            SourceType::Calculated => "CALCULATED",
            SourceType::AutomationPlatform => "AUTOMATION_PLATFORM",
            SourceType::Form => "FORM",
        }
    }
}

/// Where a write comes from: a source type and the user or app behind it (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Author {
    /// The source type.
    pub source: SourceType,
    /// The user id (`CRM_UI`) or app id (`INTEGRATION`), 0 when there is none.
    pub actor: u64,
}

impl Author {
    /// An author with no user or app behind it.
    pub const fn system(source: SourceType) -> Author {
        Author { source, actor: 0 }
    }
}

/// One value a property had.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The value, always a string as HubSpot keeps it ("" for a cleared value).
    pub value: Box<str>,
    /// When it was set.
    pub at_ms: Millis,
    /// Who set it.
    pub author: Author,
}

/// A property's current value and the values before it.
#[derive(Debug, Clone)]
struct Slot {
    prop: PropId,
    current: Version,
    /// Older values, oldest first; boxed so a never-changed value costs one pointer.
    older: Option<Box<[Version]>>,
}

/// One CRM object.
#[derive(Debug, Clone)]
pub struct Record {
    /// The object id (`hs_object_id`).
    pub id: u64,
    /// `createdAt`.
    pub created_ms: Millis,
    /// `updatedAt` (and `lastmodifieddate` / `hs_lastmodifieddate`).
    pub updated_ms: Millis,
    /// `archivedAt`, when archived.
    pub archived_ms: Option<Millis>,
    /// Sorted by property id.
    slots: Vec<Slot>,
}

impl Record {
    /// A record with no property values yet.
    pub fn new(id: u64, created_ms: Millis) -> Record {
        Record {
            id,
            created_ms,
            updated_ms: created_ms,
            archived_ms: None,
            slots: Vec::new(),
        }
    }

    fn slot(&self, prop: PropId) -> Option<&Slot> {
        self.slots
            .binary_search_by_key(&prop, |s| s.prop)
            .ok()
            .map(|i| &self.slots[i])
    }

    /// The current value of a stored property.
    pub fn get(&self, prop: PropId) -> Option<&Version> {
        self.slot(prop).map(|s| &s.current)
    }

    /// The current value as text, `None` when never set.
    pub fn value(&self, prop: PropId) -> Option<&str> {
        self.get(prop).map(|v| &*v.value)
    }

    /// Every value the property had, newest first (HubSpot's order).
    pub fn history(&self, prop: PropId) -> Vec<&Version> {
        match self.slot(prop) {
            None => Vec::new(),
            Some(slot) => std::iter::once(&slot.current)
                .chain(slot.older.iter().flat_map(|o| o.iter().rev()))
                .collect(),
        }
    }

    /// When the latest of its values was set.
    pub fn latest_change(&self) -> Option<Millis> {
        self.slots
            .iter()
            .map(|s| {
                s.current.at_ms.max(
                    s.older
                        .iter()
                        .flat_map(|o| o.iter())
                        .map(|v| v.at_ms)
                        .max()
                        .unwrap_or(i64::MIN),
                )
            })
            .max()
    }

    /// The property ids this record has values for.
    pub fn props(&self) -> impl Iterator<Item = PropId> + '_ {
        self.slots.iter().map(|s| s.prop)
    }

    /// Sets a value; returns false (and records nothing) when it equals the current one, as
    /// HubSpot adds no history entry for a write that changes nothing.
    pub fn set(&mut self, prop: PropId, value: &str, at_ms: Millis, author: Author) -> bool {
        let version = Version {
            value: value.into(),
            at_ms,
            author,
        };
        match self.slots.binary_search_by_key(&prop, |s| s.prop) {
            Ok(i) => {
                let slot = &mut self.slots[i];
                if *slot.current.value == *value {
                    return false;
                }
                let previous = std::mem::replace(&mut slot.current, version);
                let mut older: Vec<Version> = slot.older.take().map(Vec::from).unwrap_or_default();
                older.push(previous);
                slot.older = Some(older.into_boxed_slice());
                true
            }
            Err(i) => {
                if value.is_empty() {
                    return false;
                }
                self.slots.insert(
                    i,
                    Slot {
                        prop,
                        current: version,
                        older: None,
                    },
                );
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UI: Author = Author {
        source: SourceType::CrmUi,
        actor: 7,
    };

    #[test]
    fn history_is_newest_first_and_skips_no_op_writes() {
        let mut r = Record::new(1, 0);
        assert!(r.set(3, "lead", 10, UI));
        assert!(!r.set(3, "lead", 20, UI), "same value, no new version");
        assert!(r.set(3, "customer", 30, Author::system(SourceType::Integration)));
        assert!(r.set(1, "a@b.c", 5, UI));
        let h: Vec<&str> = r.history(3).iter().map(|v| &*v.value).collect();
        assert_eq!(h, ["customer", "lead"]);
        assert_eq!(r.value(1), Some("a@b.c"));
        assert_eq!(r.props().collect::<Vec<_>>(), [1, 3]);
        assert_eq!(
            r.latest_change(),
            Some(30),
            "the newest value of any property, older ones included"
        );
        assert!(!r.set(9, "", 40, UI), "clearing an unset value records nothing");
    }
}
