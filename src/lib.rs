//! lfv-sunset
#![expect(missing_docs, reason = "skeleton")]
pub mod emulator;
