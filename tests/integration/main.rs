//! The integration test binary: the emulator in-process on 127.0.0.1:0, the real SDK and the real binary
//! against it.

mod apply;
mod convert;
mod crash;
mod demo;
mod emulator_cli;
mod emulator_helpers;
mod export;
mod files;
mod flags;
mod gone;
mod habits;
mod identity;
mod layout;
mod organization;
mod outputs;
mod packaging;
mod plan;
mod plan_formats;
mod plans_dir;
mod policies;
mod preserve;
mod reach;
mod readme;
mod redaction;
mod review;
mod round_trip;
mod snapshots;
mod support;
mod sweep;
mod sweep_guard;
mod targets;
mod teardown;
mod teardown_reports;
mod verify;
