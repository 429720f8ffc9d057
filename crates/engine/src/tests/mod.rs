//! Engine tests with a fake source and a fake target that fail on purpose.

mod cycle_tests;
mod fakes;
mod pull_tests;
mod push_tests;
mod reconcile_identity_tests;
mod reconcile_run_tests;
mod reconcile_scale;
mod reconcile_support;
