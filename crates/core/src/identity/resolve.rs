//! Clustering records into people, choosing primaries, reporting duplicates, and planning how
//! existing person ids move.
//!
//! Holds no state. Union-find over records, edges and emails: O(n log n) in the records given.

use super::rank::rank;
use super::record::{IdentityEdge, IdentityRecord, LinkReason, RecordState};
use crate::email::Email;
use crate::ids::{ExternalId, PersonId};
use crate::rules::{EmailChangePolicy, IdentityRules};
use crate::system::{ObjectType, System};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What identity resolution decided for a set of records.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IdentityPlan {
    /// One entry per human, ordered by their smallest record key.
    pub people: Vec<PersonPlan>,
    /// Existing person ids that merge into another (the older, smaller id survives).
    pub merges: Vec<PersonMerge>,
}

impl IdentityPlan {
    /// Every duplicate found, across people.
    pub fn duplicates(&self) -> impl Iterator<Item = &Duplicate> {
        self.people.iter().flat_map(|p| p.duplicates.iter())
    }
}

/// One human and the records that stand for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonPlan {
    /// The person id the records get; `None` for a new person (the caller assigns the id).
    pub person: Option<PersonId>,
    /// Person ids that merge into this one (listed in [`IdentityPlan::merges`] too).
    pub absorbed: Vec<PersonId>,
    /// The person's email: that of their best-ranked record that has one.
    pub email: Option<Email>,
    /// Every record, ordered by key.
    pub members: Vec<Member>,
    /// Active records beside the primary in the same system.
    pub duplicates: Vec<Duplicate>,
}

impl PersonPlan {
    /// The primary record in `system`, if the person has one there.
    pub fn primary(&self, system: System) -> Option<&Member> {
        self.members.iter().find(|m| m.primary && m.key.system == system)
    }

    /// Records whose person changes: new records, and records moving from another person id.
    pub fn moved(&self) -> impl Iterator<Item = &Member> {
        let person = self.person;
        self.members
            .iter()
            .filter(move |m| person.is_none() || m.previous != person)
    }

    /// True when the store must write anything for this person.
    pub fn changed(&self) -> bool {
        self.moved().next().is_some() || !self.absorbed.is_empty()
    }
}

/// One record of a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    /// The record.
    pub key: ExternalId,
    /// Its email.
    pub email: Option<Email>,
    /// Where it stands.
    pub state: RecordState,
    /// Why it belongs to the person (the strongest reason that applies).
    pub reason: LinkReason,
    /// The person it was linked to before, if any.
    pub previous: Option<PersonId>,
    /// The primary record of its system.
    pub primary: bool,
}

/// An active record beside the primary record of the same system: something to clean up in that
/// system, listed in `status` and the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// The system holding both.
    pub system: System,
    /// The record pushes go to.
    pub primary: ExternalId,
    /// The other active record.
    pub duplicate: ExternalId,
    /// What kind of duplicate.
    pub kind: DuplicateKind,
}

/// What kind of duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DuplicateKind {
    /// Two records of the same object (two Leads, two Contacts).
    SameObject,
    /// An unconverted Lead for someone who already has a Contact.
    LeadBesideContact,
}

/// An existing person id that stops being used: its records and history belong to `into` now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonMerge {
    /// The person id merged away.
    pub from: PersonId,
    /// The surviving, older person id.
    pub into: PersonId,
}

struct Node<'a> {
    key: &'a ExternalId,
    record: Option<&'a IdentityRecord>,
    merged_away: bool,
    by_conversion: bool,
    by_merge: bool,
    by_email: bool,
    by_kept: bool,
    previous: Option<PersonId>,
}

impl<'a> Node<'a> {
    fn state(&self) -> RecordState {
        match self.record {
            None => RecordState::Alias,
            Some(_) if self.merged_away => RecordState::MergedAway,
            Some(r) => r.state,
        }
    }

    fn reason(&self) -> LinkReason {
        if self.by_conversion {
            LinkReason::Conversion
        } else if self.by_merge {
            LinkReason::Merge
        } else if self.by_email {
            LinkReason::Email
        } else if self.by_kept {
            LinkReason::Kept
        } else {
            LinkReason::Own
        }
    }

    fn email(&self) -> Option<&'a Email> {
        self.record.and_then(|r| r.email.as_ref())
    }

    fn rank(&self) -> super::rank::RankKey<'_> {
        rank(self.key, self.state(), self.record.and_then(|r| r.created_at))
    }
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        // The smaller index becomes the root: deterministic, and keeps trees shallow enough with
        // path halving for the cluster sizes identity sees.
        if ra < rb {
            self.0[rb] = ra;
        } else if rb < ra {
            self.0[ra] = rb;
        }
    }
}

/// Resolves identity for `records`, given merges reported as separate events (`extra_edges`) and
/// the current links (`links`, one person id per record key).
///
/// A key given twice among `records` counts once (the first); a key linked twice keeps the
/// smaller person id. A link for a key that is neither a record nor named by an edge (an orphan)
/// stays with its person id: it joins the person that keeps that id, or keeps the id on its own
/// when none of that person's records is in the input, so an incomplete input never drops a link.
pub fn resolve(
    records: &[IdentityRecord],
    extra_edges: &[IdentityEdge],
    links: &[(ExternalId, PersonId)],
    rules: &IdentityRules,
) -> IdentityPlan {
    let mut index: HashMap<&ExternalId, usize> = HashMap::with_capacity(records.len() * 2);
    let mut nodes: Vec<Node<'_>> = Vec::with_capacity(records.len() * 2);
    fn add<'a>(
        index: &mut HashMap<&'a ExternalId, usize>,
        nodes: &mut Vec<Node<'a>>,
        key: &'a ExternalId,
        record: Option<&'a IdentityRecord>,
    ) -> usize {
        if let Some(&i) = index.get(key) {
            if nodes[i].record.is_none() && record.is_some() {
                nodes[i].record = record;
            }
            return i;
        }
        let i = nodes.len();
        nodes.push(Node {
            key,
            record,
            merged_away: false,
            by_conversion: false,
            by_merge: false,
            by_email: false,
            by_kept: false,
            previous: None,
        });
        index.insert(key, i);
        i
    }

    for r in records {
        if !index.contains_key(&r.key) {
            add(&mut index, &mut nodes, &r.key, Some(r));
        }
    }
    let edges: Vec<&IdentityEdge> = records.iter().flat_map(|r| r.edges.iter()).chain(extra_edges).collect();
    let mut pairs: Vec<(usize, usize)> = Vec::with_capacity(edges.len());
    for e in &edges {
        let a = add(&mut index, &mut nodes, &e.record, None);
        let b = add(&mut index, &mut nodes, &e.other, None);
        match e.reason {
            LinkReason::Conversion => {
                nodes[a].by_conversion = true;
                nodes[b].by_conversion = true;
            }
            _ => {
                nodes[a].by_merge = true;
                nodes[b].by_merge = true;
                nodes[a].merged_away = true;
            }
        }
        pairs.push((a, b));
    }
    for (key, person) in links {
        if let Some(&i) = index.get(key) {
            let prev = &mut nodes[i].previous;
            *prev = Some(prev.map_or(*person, |p| p.min(*person)));
        }
    }
    // Links for keys nobody mentioned (see the doc above), one per key.
    let mut orphans: Vec<(PersonId, &ExternalId)> = links
        .iter()
        .filter(|(k, _)| !index.contains_key(k))
        .map(|(k, p)| (*p, k))
        .collect();
    orphans.sort_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(&b.0)));
    orphans.dedup_by(|later, first| later.1 == first.1);
    let keep = rules.on_email_change == EmailChangePolicy::KeepLinks;
    let mentioned = nodes.len();
    for (person, key) in &orphans {
        let i = add(&mut index, &mut nodes, key, None);
        nodes[i].previous = Some(*person);
    }

    let mut uf = UnionFind((0..nodes.len()).collect());
    for &(a, b) in &pairs {
        uf.union(a, b);
    }
    let mut by_email: HashMap<&Email, usize> = HashMap::with_capacity(nodes.len());
    for i in 0..nodes.len() {
        if let Some(email) = nodes[i].email() {
            match by_email.get(email) {
                Some(&first) => {
                    uf.union(first, i);
                    nodes[first].by_email = true;
                    nodes[i].by_email = true;
                }
                None => {
                    by_email.insert(email, i);
                }
            }
        }
    }
    if keep {
        // Existing links are evidence too: everything once linked to one person stays together.
        let mut by_person: HashMap<PersonId, usize> = HashMap::new();
        for (i, node) in nodes.iter().enumerate() {
            if let Some(person) = node.previous {
                match by_person.get(&person) {
                    Some(&first) => uf.union(first, i),
                    None => {
                        by_person.insert(person, i);
                    }
                }
            }
        }
    }

    // Under `follow`, orphans wait until the mentioned records have their person ids.
    let clustered = if keep { nodes.len() } else { mentioned };
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..clustered {
        by_root.entry(uf.find(i)).or_default().push(i);
    }
    let mut clusters: Vec<Vec<usize>> = by_root.into_values().collect();
    let owners = assign_person_ids(&nodes, &clusters);
    let mut won: Vec<Vec<PersonId>> = vec![Vec::new(); clusters.len()];
    for (&p, &ci) in &owners {
        won[ci].push(p);
    }
    if !keep {
        let mut orphan_clusters: BTreeMap<PersonId, Vec<usize>> = BTreeMap::new();
        for (i, node) in nodes.iter().enumerate().skip(mentioned) {
            let Some(p) = node.previous else { continue };
            match owners.get(&p) {
                Some(&ci) => clusters[ci].push(i),
                None => orphan_clusters.entry(p).or_default().push(i),
            }
        }
        for (p, members) in orphan_clusters {
            clusters.push(members);
            won.push(vec![p]);
        }
    }
    // A record tied to its person only by its link.
    for cluster in &clusters {
        if cluster.len() > 1 {
            for &i in cluster {
                if nodes[i].previous.is_some() && (keep || i >= mentioned) {
                    nodes[i].by_kept = true;
                }
            }
        }
    }

    let mut people: Vec<(Vec<usize>, Vec<PersonId>)> = clusters.into_iter().zip(won).collect();
    for (cluster, ids) in &mut people {
        cluster.sort_by(|&a, &b| nodes[a].key.cmp(nodes[b].key));
        ids.sort();
    }
    people.sort_by(|a, b| nodes[a.0[0]].key.cmp(nodes[b.0[0]].key));

    let mut plan = IdentityPlan::default();
    for (cluster, ids) in &people {
        let person = ids.first().copied();
        let absorbed: Vec<PersonId> = ids.iter().skip(1).copied().collect();
        if let Some(into) = person {
            plan.merges
                .extend(absorbed.iter().map(|&from| PersonMerge { from, into }));
        }
        plan.people.push(person_plan(&nodes, cluster, person, absorbed));
    }
    plan.merges.sort_by_key(|m| (m.into, m.from));
    plan
}

/// Which cluster keeps each existing person id: the one holding most of its records; on a tie,
/// the one with fewer other person ids to keep (so a record that moved to another person leaves
/// its old id with the records that stayed); then the one holding its smallest record key.
fn assign_person_ids(nodes: &[Node<'_>], clusters: &[Vec<usize>]) -> HashMap<PersonId, usize> {
    // person -> (cluster -> (count, smallest key))
    let mut tally: HashMap<PersonId, BTreeMap<usize, (usize, &ExternalId)>> = HashMap::new();
    let mut ids_per_cluster: Vec<usize> = Vec::with_capacity(clusters.len());
    for (ci, cluster) in clusters.iter().enumerate() {
        let mut ids: Vec<PersonId> = Vec::new();
        for &i in cluster {
            if let Some(p) = nodes[i].previous {
                ids.push(p);
                let entry = tally.entry(p).or_default().entry(ci).or_insert((0, nodes[i].key));
                entry.0 += 1;
                if nodes[i].key < entry.1 {
                    entry.1 = nodes[i].key;
                }
            }
        }
        ids.sort();
        ids.dedup();
        ids_per_cluster.push(ids.len());
    }
    tally
        .into_iter()
        .filter_map(|(p, per_cluster)| {
            per_cluster
                .into_iter()
                .min_by(|(ca, (na, ka)), (cb, (nb, kb))| {
                    nb.cmp(na)
                        .then_with(|| ids_per_cluster[*ca].cmp(&ids_per_cluster[*cb]))
                        .then_with(|| ka.cmp(kb))
                })
                .map(|(ci, _)| (p, ci))
        })
        .collect()
}

fn person_plan(nodes: &[Node<'_>], cluster: &[usize], person: Option<PersonId>, absorbed: Vec<PersonId>) -> PersonPlan {
    let person_object = |i: &usize| matches!(nodes[*i].key.object, ObjectType::Contact | ObjectType::Lead);
    let mut primaries: BTreeMap<System, usize> = BTreeMap::new();
    for &i in cluster.iter().filter(|i| person_object(i)) {
        primaries
            .entry(nodes[i].key.system)
            .and_modify(|best| {
                if nodes[i].rank() < nodes[*best].rank() {
                    *best = i;
                }
            })
            .or_insert(i);
    }
    let mut duplicates = Vec::new();
    for (&system, &p) in &primaries {
        if nodes[p].state() != RecordState::Active {
            continue;
        }
        for &i in cluster.iter().filter(|i| person_object(i)) {
            if i != p && nodes[i].key.system == system && nodes[i].state() == RecordState::Active {
                let kind = if nodes[p].key.object == ObjectType::Contact && nodes[i].key.object == ObjectType::Lead {
                    DuplicateKind::LeadBesideContact
                } else {
                    DuplicateKind::SameObject
                };
                duplicates.push(Duplicate {
                    system,
                    primary: nodes[p].key.clone(),
                    duplicate: nodes[i].key.clone(),
                    kind,
                });
            }
        }
    }
    let email = cluster
        .iter()
        .filter(|&&i| nodes[i].email().is_some())
        .min_by(|&&a, &&b| {
            nodes[a]
                .rank()
                .cmp(&nodes[b].rank())
                .then_with(|| nodes[a].key.system.cmp(&nodes[b].key.system))
        })
        .and_then(|&i| nodes[i].email().cloned());
    let members = cluster
        .iter()
        .map(|&i| {
            let n = &nodes[i];
            Member {
                key: n.key.clone(),
                email: n.email().cloned(),
                state: n.state(),
                reason: if cluster.len() == 1 {
                    LinkReason::Own
                } else {
                    n.reason()
                },
                previous: n.previous,
                primary: primaries.get(&n.key.system) == Some(&i),
            }
        })
        .collect();
    PersonPlan {
        person,
        absorbed,
        email,
        members,
        duplicates,
    }
}
