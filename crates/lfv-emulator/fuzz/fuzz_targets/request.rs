//! Fuzz the emulator's request handling without a socket: each input is up to 8 requests, separated by a
//! line `=====`, each written as
//!
//! ```text
//! METHOD TARGET
//! Name: value
//! ...
//!
//! body bytes
//! ```
//!
//! and answered in order by one `emulator::Handler` over a generated seed of 10 projects (every kind of
//! project, including in-progress datasets and hosted models). Inputs that hyper itself would refuse (an
//! invalid method, target or header) are skipped: they never reach the emulator.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use lfv_emulator::{EmulatorConfig, GenSpec, Handler, Seed};

/// No latency or faults are configured, so nothing sleeps on it.
static RT: LazyLock<tokio::runtime::Runtime> =
    LazyLock::new(|| tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap());

static SEED: LazyLock<Seed> = LazyLock::new(|| Seed::generate(&GenSpec::default()));

fn split<'a>(data: &'a [u8], sep: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        out.push(&rest[..i]);
        rest = &rest[i + sep.len()..];
    }
    out.push(rest);
    out
}

fn request(raw: &[u8]) -> Option<hyper::Request<bytes::Bytes>> {
    let (head, body) = match raw.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&raw[..i], &raw[i + 2..]),
        None => (raw, &[][..]),
    };
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split('\n');
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut b = hyper::Request::builder().method(method).uri(target);
    for line in lines {
        let (name, value) = line.split_once(':')?;
        b = b.header(name.trim(), value.trim());
    }
    b.body(bytes::Bytes::copy_from_slice(body)).ok()
}

fuzz_target!(|data: &[u8]| {
    let config = EmulatorConfig { seed: SEED.clone(), rate: None, ..EmulatorConfig::default() };
    let handler = Handler::new(config).expect("the emulator starts from a generated seed");
    RT.block_on(async {
        for raw in split(data, b"\n=====\n").into_iter().take(8) {
            if let Some(req) = request(raw) {
                handler.handle(req).await;
            }
        }
    });
});
