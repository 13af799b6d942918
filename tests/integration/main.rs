//! The integration test binary: every module drives the library or the emulator end to end.

mod emulator;
