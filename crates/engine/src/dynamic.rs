//! Type-erased streams and targets, so the engine can hold every connector's streams in one list.
//!
//! Holds no state. `PullStream` and `PushTarget` use `impl Future` (not object safe); these
//! wrappers box the drivers' futures once per call, which is nothing next to an HTTP request.

use crate::error::EngineError;
use crate::pull::{PageObserver, StreamOutcome, drive_stream};
use crate::push::{PushSettings, PushSummary, push_target};
use closedloop_core::System;
use closedloop_core::cursor::StreamName;
use closedloop_core::sync::{PullMode, PullStream, PushTarget};
use closedloop_store::Store;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

/// A stream the engine can drive without knowing its cursor type.
pub trait DynStream: Send + Sync {
    /// The stream's name.
    fn name(&self) -> StreamName;
    /// Drives it (see [`drive_stream`]).
    fn drive<'a>(
        &'a self,
        store: &'a Store,
        mode: PullMode,
        max_pages: Option<u64>,
        cancel: &'a CancellationToken,
        observer: &'a dyn PageObserver,
    ) -> BoxFuture<'a, Result<StreamOutcome, EngineError>>;
}

impl<S: PullStream + 'static> DynStream for S {
    fn name(&self) -> StreamName {
        PullStream::name(self)
    }

    fn drive<'a>(
        &'a self,
        store: &'a Store,
        mode: PullMode,
        max_pages: Option<u64>,
        cancel: &'a CancellationToken,
        observer: &'a dyn PageObserver,
    ) -> BoxFuture<'a, Result<StreamOutcome, EngineError>> {
        Box::pin(drive_stream(store, self, mode, max_pages, cancel, observer))
    }
}

/// A push target the engine can drive without knowing its error type.
pub trait DynTarget: Send + Sync {
    /// The system written to.
    fn system(&self) -> System;
    /// Pushes every due item (see [`push_target`]).
    fn push<'a>(
        &'a self,
        store: &'a Store,
        settings: &'a PushSettings,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<PushSummary, EngineError>>;
}

impl<T: PushTarget + 'static> DynTarget for T {
    fn system(&self) -> System {
        PushTarget::system(self)
    }

    fn push<'a>(
        &'a self,
        store: &'a Store,
        settings: &'a PushSettings,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<PushSummary, EngineError>> {
        Box::pin(push_target(store, self, settings, cancel))
    }
}
