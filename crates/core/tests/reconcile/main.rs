//! Integration tests of the reconcile logic: one test binary, one module per area.
//!
//! Expected numbers in the attribution tests are worked out by hand in the comments next to them.

mod attribution;
mod convergence;
mod fields;
mod gate;
mod identity;
mod person;
mod scale;
mod speed;
mod support;
mod timeline;
