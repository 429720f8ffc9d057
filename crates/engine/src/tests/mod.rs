//! Engine tests with a fake source and a fake target that fail on purpose.

mod fakes;
mod pull_tests;
mod push_tests;
