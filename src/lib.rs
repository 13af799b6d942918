//! lfv-sunset
#![expect(missing_docs, reason = "skeleton")]
pub mod cloud;
pub mod emulator;
pub mod error;
pub mod exec;
pub mod plan;
pub mod report;
