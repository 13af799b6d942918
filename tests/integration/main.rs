//! The integration test binary: the emulator in-process, the SDK and the real binary against it.

mod apply;
mod crash;
mod plan;
mod support;
