//! The state every request handler shares.
//!
//! State: the org behind a read-write lock (queries read concurrently, writes are serialized),
//! the clock, OAuth sessions, the daily API quota, open query cursors, the org's connection
//! settings from the scenario, and the fault-injection state. Locks are std locks held only for
//! the synchronous part of a request; a poisoned lock keeps serving (the data is plain values).

use super::cursors::Cursors;
use super::dml::Writer;
use super::limits::Quota;
use super::sessions::Sessions;
use super::state::{Org, Txn};
use super::time::Clock;
use crate::faults::FaultState;
use crate::scenario::SalesforceSettings;
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Everything the handlers share.
pub struct Shared {
    /// The org's data.
    pub org: RwLock<Org>,
    /// The clock.
    pub clock: Clock,
    /// Valid sessions.
    pub sessions: Sessions,
    /// The daily API request quota.
    pub quota: Quota,
    /// Open query cursors.
    pub cursors: Mutex<Cursors>,
    /// The scenario's org settings (credentials, limits, batch sizes).
    pub settings: SalesforceSettings,
    /// Fault injection and request counters.
    pub faults: FaultState,
}

impl Shared {
    /// Reads the org.
    pub fn read(&self) -> RwLockReadGuard<'_, Org> {
        self.org.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes the org.
    pub fn write(&self) -> RwLockWriteGuard<'_, Org> {
        self.org.write().unwrap_or_else(|p| p.into_inner())
    }

    /// The cursor store.
    pub fn cursors(&self) -> MutexGuard<'_, Cursors> {
        self.cursors.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one write as the API user at the current second; on error every change it made is
    /// undone.
    pub fn transact<T, E>(&self, f: impl FnOnce(&mut Writer<'_>) -> Result<T, E>) -> Result<T, E> {
        let mut org = self.write();
        let mut txn = Txn::default();
        let user = org.api_user;
        let result = f(&mut Writer {
            org: &mut org,
            txn: &mut txn,
            now: self.clock.stamp(),
            user,
        });
        if result.is_err() {
            org.rollback_to(&mut txn, 0);
        }
        result
    }
}
