//! Converting one entry: skip it if an earlier run's files of the same source still verify, else fetch the
//! image (and mask) with the tool's limiter and retry, verify them, name the image by its content (PNG or JPEG,
//! converted to PNG where the layout needs it: [`super::encode`]), turn the colour mask binary, and write both
//! atomically.
//!
//! Verification of a fetched object: its length equals `Content-Length`; for a single-part object (an
//! ETag of 32 hex digits) its MD5 equals the ETag; if S3 sent `x-amz-checksum-sha256`, its SHA-256 equals it
//! (the SDK has checked that too). A multipart ETag (`...-N`) is not an MD5 and is not compared.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine;
use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::discover::Item;
use super::encode;
use super::layout::Placement;
use super::manifest::{Entry, S3Ref};
use super::mask::binary_mask_png;
use super::outputs::{Outcome, Row};
use super::safe_fs::{Done, Journal, verified, write_atomic};
use crate::cloud::{CallError, ErrorKind, S3Client, S3Object};
use crate::exec::events::{Event, EventSink};
use crate::exec::retry::{Attempt, AttemptStats, Cancel, Retried};
use crate::service::{LimitKey, Op, Pace};

/// What every entry's task shares.
#[derive(Debug)]
pub struct Ctx {
    /// OUT_DIR.
    pub out: PathBuf,
    /// S3 clients by region.
    pub clients: HashMap<String, S3Client>,
    /// The command's pace (limiters, retry policy, counts).
    pub pace: Arc<Pace>,
    /// Cancellation.
    pub cancel: Cancel,
    /// The resume journal.
    pub journal: Journal,
    /// What earlier runs converted, by image path without its extension ([`Placement::stem_path`]).
    pub done: HashMap<String, Done>,
    /// Progress events.
    pub events: EventSink,
}

/// Where an entry came from.
#[derive(Debug, Clone)]
pub struct Origin {
    /// The pace's target of its calls: one per (account of the backup tree, S3 region).
    pub target: usize,
    /// The S3 region: `--region`, else the backup tree's.
    pub region: String,
    /// Output project directory name.
    pub out_name: String,
}

enum Stop {
    Failed(String),
    Cancelled,
}

/// Check a fetched object against what S3 said about it; returns its SHA-256 (hex).
pub fn verify_object(obj: &S3Object) -> Result<String, String> {
    let len = obj.bytes.len() as u64;
    if let Some(cl) = obj.content_length
        && cl != len
    {
        return Err(format!("read {len} bytes but Content-Length is {cl}"));
    }
    if let Some(etag) = &obj.etag
        && etag.len() == 32
        && etag.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let md5 = hex::encode(Md5::digest(&obj.bytes));
        if !md5.eq_ignore_ascii_case(etag) {
            return Err(format!("MD5 {md5} differs from ETag {etag}"));
        }
    }
    let digest = Sha256::digest(&obj.bytes);
    if let Some(sum) = &obj.checksum_sha256 {
        let got = base64::engine::general_purpose::STANDARD.encode(digest);
        if &got != sum {
            return Err(format!("SHA-256 {got} differs from x-amz-checksum-sha256 {sum}"));
        }
    }
    Ok(hex::encode(digest))
}

async fn fetch(ctx: &Ctx, origin: &Origin, what: &str, obj: &S3Ref) -> Result<(S3Object, String), Stop> {
    let region = &origin.region;
    let client = ctx.clients.get(region).ok_or_else(|| Stop::Failed(format!("no S3 client for region {region}")))?;
    let key = LimitKey { target: origin.target, op: Op::GetObject };
    let mut stats = AttemptStats::default();
    let on_attempt = |a: &Attempt| {
        if a.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Throttling) {
            ctx.events.send(Event::Throttled);
        }
    };
    let call = || client.get_object(&obj.bucket, &obj.key);
    match ctx.pace.call(key, Some(&ctx.cancel), &mut stats, on_attempt, call).await {
        Retried::Ok(o) => {
            let sha = verify_object(&o).map_err(|m| Stop::Failed(format!("{what} {} not verified: {m}", obj.uri())))?;
            Ok((o, sha))
        }
        Retried::Failed(e) => Err(Stop::Failed(describe(what, obj, &e, stats.attempts))),
        Retried::Cancelled => Err(Stop::Cancelled),
    }
}

fn describe(what: &str, obj: &S3Ref, e: &CallError, attempts: u32) -> String {
    match e.kind {
        ErrorKind::NotFound => format!("{what} {} is missing: {e}", obj.uri()),
        _ => format!("{what} {} failed after {attempts} attempt(s): {e}", obj.uri()),
    }
}

/// Convert one item into its report row.
pub async fn convert_one(ctx: Arc<Ctx>, origin: Origin, item: Item) -> Row {
    let mut row = Row {
        project: origin.out_name.clone(),
        dataset_type: item.dataset_type.to_string(),
        line: item.line,
        source_uri: item.source_uri.clone(),
        destination: String::new(),
        label: String::new(),
        mask_destination: String::new(),
        bytes: None,
        sha256: String::new(),
        outcome: Outcome::Refused.as_str(),
        message: String::new(),
    };
    let (entry, place) = match &item.plan {
        Ok(p) => p,
        Err(e) => {
            row.message = e.to_string();
            ctx.events.send(Event::Done { failed: true });
            return row;
        }
    };
    row.label = entry.label.as_str().to_string();
    row.mask_destination = place.mask.clone().unwrap_or_default();
    let result = match previous(&ctx, place, &row) {
        Some(d) => Ok((Outcome::AlreadyConverted, d)),
        None => run_one(&ctx, &origin, entry, place, &row).await.map(|d| (Outcome::Converted, d)),
    };
    match result {
        Ok((outcome, d)) => {
            row.outcome = outcome.as_str();
            row.destination = d.image.clone();
            row.bytes = Some(d.bytes);
            row.sha256 = d.sha256;
            if entry.label == super::manifest::Label::Anomaly && entry.mask.is_none() {
                row.message = "anomaly without anomaly-mask-ref: no binary mask".into();
            }
        }
        Err(Stop::Failed(m)) => {
            row.outcome = Outcome::Failed.as_str();
            row.message = m;
        }
        Err(Stop::Cancelled) => {
            row.outcome = Outcome::Cancelled.as_str();
            row.message = "interrupted before this entry was converted".into();
        }
    }
    let failed = !matches!(row.outcome, "converted" | "already_converted");
    ctx.events.send(Event::Done { failed });
    row
}

/// An earlier run's record of this entry (same place, same source), if its files still verify.
fn previous(ctx: &Ctx, place: &Placement, row: &Row) -> Option<Done> {
    let d = ctx.done.get(&place.stem_path)?;
    if d.source.as_deref() != Some(row.source_uri.as_str()) {
        return None;
    }
    let mask_ok = match (&d.mask, &d.mask_sha256) {
        (None, None) => row.mask_destination.is_empty(),
        (Some(m), Some(sha)) => *m == row.mask_destination && verified(&ctx.out, m, sha),
        _ => false,
    };
    (mask_ok && verified(&ctx.out, &d.image, &d.sha256)).then(|| d.clone())
}

async fn run_one(ctx: &Ctx, origin: &Origin, entry: &Entry, place: &Placement, row: &Row) -> Result<Done, Stop> {
    let (image, image_sha) = fetch(ctx, origin, "image", &entry.image).await?;
    let format = encode::sniff(&image.bytes).map_err(|m| Stop::Failed(format!("image {} {m}", entry.image.uri())))?;
    let mask = match (&entry.mask, &place.mask) {
        (Some(m), Some(_)) => {
            let (colour, _) = fetch(ctx, origin, "mask", &m.object).await?;
            let size = encode::size(&image.bytes, format).ok();
            let colors: Vec<[u8; 3]> = m.classes.iter().map(|(_, c)| *c).collect();
            let bin = binary_mask_png(&colour.bytes, &colors, size)
                .map_err(|e| Stop::Failed(format!("mask {}: {e}", m.object.uri())))?;
            Some(bin)
        }
        _ => None,
    };
    let converted = encode::output(&image.bytes, format, place.encoding)
        .map_err(|e| Stop::Failed(format!("image {}: {e}", entry.image.uri())))?;
    let (bytes, sha256, ext) = match &converted {
        Some(png) => (png.as_slice(), lfv_model::sha256::hex(png), encode::Format::Png.ext()),
        None => (&image.bytes[..], image_sha, format.ext()),
    };
    let destination = place.image(ext);
    let io = |what: &str, e: std::io::Error| Stop::Failed(format!("failed to write {what}: {e}"));
    write_atomic(&ctx.out, &destination, bytes).map_err(|e| io(&destination, e))?;
    let mut done = Done {
        image: destination,
        sha256,
        bytes: bytes.len() as u64,
        mask: None,
        mask_sha256: None,
        source: Some(row.source_uri.clone()),
    };
    if let Some(bin) = mask {
        write_atomic(&ctx.out, &row.mask_destination, &bin).map_err(|e| io(&row.mask_destination, e))?;
        done.mask = Some(row.mask_destination.clone());
        done.mask_sha256 = Some(lfv_model::sha256::hex(&bin));
    }
    ctx.journal.record(&done).map_err(|e| io("the convert journal", e))?;
    Ok(done)
}
