//! Associations between CRM objects (contact↔deal, contact↔company, deal↔company).
//!
//! State: for each pair of object types, each object's associated ids in both directions, with
//! whether the association is the primary one (contact→company, deal→company). HubSpot's
//! association type ids are derived from the pair and the primary flag, not stored.

use super::record::ObjectKind;
use std::collections::HashMap;

/// One association from an object to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    /// The associated object's id.
    pub to: u64,
    /// The primary association (to a company).
    pub primary: bool,
}

/// A HubSpot-defined association type between two object types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssocType {
    /// From this type.
    pub from: ObjectKind,
    /// To this type.
    pub to: ObjectKind,
    /// The primary label (`Primary`) rather than the unlabeled association.
    pub primary: bool,
}

impl AssocType {
    /// HubSpot's `associationTypeId`.
    pub fn type_id(self) -> u32 {
        use ObjectKind::*;
        match (self.from, self.to, self.primary) {
            (Contact, Company, true) => 1,
            (Company, Contact, true) => 2,
            (Deal, Contact, _) => 3,
            (Contact, Deal, _) => 4,
            (Deal, Company, true) => 5,
            (Company, Deal, true) => 6,
            (Contact, Company, false) => 279,
            (Company, Contact, false) => 280,
            (Deal, Company, false) => 341,
            (Company, Deal, false) => 342,
            // Same-type associations are not served; `from_type_id` never yields them.
            _ => 0,
        }
    }

    /// The type for an id, if it is one of the HubSpot-defined types served here.
    pub fn from_type_id(id: u32) -> Option<AssocType> {
        use ObjectKind::*;
        let (from, to, primary) = match id {
            1 => (Contact, Company, true),
            2 => (Company, Contact, true),
            3 => (Deal, Contact, false),
            4 => (Contact, Deal, false),
            5 => (Deal, Company, true),
            6 => (Company, Deal, true),
            279 => (Contact, Company, false),
            280 => (Company, Contact, false),
            341 => (Deal, Company, false),
            342 => (Company, Deal, false),
            _ => return None,
        };
        Some(AssocType { from, to, primary })
    }

    /// The v3 `type` name (`contact_to_deal`, `contact_to_company_unlabeled`...).
    pub fn v3_name(self) -> String {
        let base = format!("{}_to_{}", self.from.singular(), self.to.singular());
        // Pairs with a company have a primary label; their plain association is "unlabeled".
        let has_primary = self.from == ObjectKind::Company || self.to == ObjectKind::Company;
        if has_primary && !self.primary {
            format!("{base}_unlabeled")
        } else {
            base
        }
    }

    /// The types an edge carries, as listed in v4 responses (primary first).
    pub fn of_edge(from: ObjectKind, to: ObjectKind, edge: Edge) -> Vec<AssocType> {
        let unlabeled = AssocType {
            from,
            to,
            primary: false,
        };
        let primary = AssocType {
            from,
            to,
            primary: true,
        };
        if edge.primary && primary.type_id() != unlabeled.type_id() {
            vec![primary, unlabeled]
        } else {
            vec![unlabeled]
        }
    }
}

/// Every association.
#[derive(Debug, Default)]
pub struct Links {
    map: HashMap<(ObjectKind, ObjectKind), HashMap<u64, Vec<Edge>>>,
}

impl Links {
    /// Associates `a` with `b` (both directions); `primary` marks the primary company.
    pub fn add(&mut self, a_kind: ObjectKind, a: u64, b_kind: ObjectKind, b: u64, primary: bool) {
        let forward_primary = primary && b_kind == ObjectKind::Company;
        let backward_primary = primary && a_kind == ObjectKind::Company;
        upsert(
            self.map.entry((a_kind, b_kind)).or_default().entry(a).or_default(),
            Edge {
                to: b,
                primary: forward_primary,
            },
        );
        upsert(
            self.map.entry((b_kind, a_kind)).or_default().entry(b).or_default(),
            Edge {
                to: a,
                primary: backward_primary,
            },
        );
    }

    /// Removes the association between `a` and `b`; returns whether there was one.
    pub fn remove(&mut self, a_kind: ObjectKind, a: u64, b_kind: ObjectKind, b: u64) -> bool {
        let mut removed = false;
        for (from_kind, from, to_kind, to) in [(a_kind, a, b_kind, b), (b_kind, b, a_kind, a)] {
            if let Some(edges) = self.map.get_mut(&(from_kind, to_kind)).and_then(|m| m.get_mut(&from)) {
                let before = edges.len();
                edges.retain(|e| e.to != to);
                removed |= edges.len() != before;
            }
        }
        removed
    }

    /// The objects of type `to_kind` associated with `from`.
    pub fn get(&self, from_kind: ObjectKind, from: u64, to_kind: ObjectKind) -> &[Edge] {
        self.map
            .get(&(from_kind, to_kind))
            .and_then(|m| m.get(&from))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Moves every association of `from` to `to` (a merge), keeping the survivor's primary
    /// associations when both had one.
    pub fn move_all(&mut self, kind: ObjectKind, from: u64, to: u64) {
        for other in ObjectKind::ALL {
            if other == kind {
                continue;
            }
            let edges = self
                .map
                .get_mut(&(kind, other))
                .and_then(|m| m.remove(&from))
                .unwrap_or_default();
            let survivor_has_primary = self.get(kind, to, other).iter().any(|e| e.primary);
            for edge in edges {
                if let Some(back) = self.map.get_mut(&(other, kind)).and_then(|m| m.get_mut(&edge.to)) {
                    back.retain(|e| e.to != from);
                }
                self.add(kind, to, other, edge.to, edge.primary && !survivor_has_primary);
            }
        }
    }
}

fn upsert(edges: &mut Vec<Edge>, edge: Edge) {
    match edges.iter_mut().find(|e| e.to == edge.to) {
        Some(existing) => existing.primary |= edge.primary,
        None => edges.push(edge),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ObjectKind::*;

    #[test]
    fn type_ids_match_hubspot() {
        assert_eq!(
            AssocType {
                from: Contact,
                to: Deal,
                primary: false
            }
            .type_id(),
            4
        );
        assert_eq!(
            AssocType {
                from: Deal,
                to: Contact,
                primary: false
            }
            .type_id(),
            3
        );
        for id in [1, 2, 3, 4, 5, 6, 279, 280, 341, 342] {
            assert_eq!(AssocType::from_type_id(id).map(|t| t.type_id()), Some(id));
        }
        assert_eq!(
            AssocType {
                from: Contact,
                to: Deal,
                primary: false
            }
            .v3_name(),
            "contact_to_deal"
        );
        assert_eq!(
            AssocType {
                from: Contact,
                to: Company,
                primary: false
            }
            .v3_name(),
            "contact_to_company_unlabeled"
        );
        assert_eq!(
            AssocType {
                from: Contact,
                to: Company,
                primary: true
            }
            .v3_name(),
            "contact_to_company"
        );
    }

    #[test]
    fn merge_moves_associations() {
        let mut l = Links::default();
        l.add(Contact, 1, Deal, 10, false);
        l.add(Contact, 2, Deal, 11, false);
        l.add(Contact, 2, Company, 20, true);
        l.move_all(Contact, 2, 1);
        let deals: Vec<u64> = l.get(Contact, 1, Deal).iter().map(|e| e.to).collect();
        assert_eq!(deals, [10, 11]);
        assert_eq!(l.get(Deal, 11, Contact), [Edge { to: 1, primary: false }]);
        assert!(l.get(Contact, 2, Deal).is_empty());
        assert_eq!(l.get(Contact, 1, Company), [Edge { to: 20, primary: true }]);
        assert!(l.remove(Contact, 1, Deal, 10));
        assert!(l.get(Deal, 10, Contact).is_empty());
    }
}
