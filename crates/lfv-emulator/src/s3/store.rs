//! The emulated S3 objects: an index built once at start from every dataset entry of the world, and the
//! deterministic bytes of each object.
//!
//! - Every `source-ref` (`s3://bucket/key`) is an image: a 32x32 (`EmulatorConfig::s3_image_side`) 8-bit RGB PNG whose pixels are a function of
//!   the key alone (FNV-1a of the key, then SplitMix64 per pixel), whatever the key's extension; with the seed's
//!   `jpeg_images`, a key ending in `.jpg` or `.jpeg` (any case) is a baseline JPEG (quality 90) of those pixels.
//! - Every `anomaly-mask-ref` is a colour mask: an RGB PNG of the same size filled with the entry's BACKGROUND colour
//!   (white `#ffffff` if its `internal-color-map` names none) with one rectangle per anomaly class of the
//!   colour map, each in its class's `hex-color`, at positions drawn from the key's hash (class `i` of `n` in
//!   row band `i`, so every class shows at least 12 pixels and none overlaps another).
//! - URIs listed in the seed's `missing_objects` are absent (a deleted image): GetObject answers NoSuchKey.
//!
//! The index never changes while the emulator runs: deleting a dataset deletes labels, not images (as on AWS).
//! Bytes, MD5 and SHA-256 are computed on first use and kept.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use base64::Engine;
use md5::{Digest as _, Md5};
use sha2::Sha256;

use crate::seed::generate::{EntryKey, fnv1a, splitmix64};
use crate::state::World;

/// Default side of every emulated image and mask, in pixels (a 32x32 noise PNG is about 3 KiB).
pub const DEFAULT_SIDE: u32 = 32;

/// What an object is, which decides its bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ObjSpec {
    /// An image, drawn from its key: a PNG.
    Image,
    /// The same pixels as a JPEG.
    Jpeg,
    /// A colour mask: background colour, then one colour per anomaly class.
    Mask { background: [u8; 3], classes: Vec<[u8; 3]> },
}

/// The bytes of an object and their digests.
#[derive(Debug)]
pub(crate) struct Rendered {
    pub(crate) bytes: bytes::Bytes,
    /// Lowercase hex MD5 (the ETag of a single-part object, without quotes).
    pub(crate) md5_hex: String,
    /// Base64 SHA-256 (`x-amz-checksum-sha256`).
    pub(crate) sha256_b64: String,
}

/// One object.
#[derive(Debug)]
pub(crate) struct Obj {
    pub(crate) spec: ObjSpec,
    rendered: OnceLock<Rendered>,
}

impl Obj {
    fn new(spec: ObjSpec) -> Obj {
        Obj { spec, rendered: OnceLock::new() }
    }
    /// Bytes and digests, computed once.
    pub(crate) fn rendered(&self, key: &str, side: u32) -> &Rendered {
        self.rendered.get_or_init(|| {
            let bytes = render(key, &self.spec, side);
            Rendered {
                md5_hex: hex::encode(Md5::digest(&bytes)),
                sha256_b64: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&bytes)),
                bytes: bytes::Bytes::from(bytes),
            }
        })
    }
}

/// bucket -> key -> object.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) buckets: BTreeMap<String, BTreeMap<String, Obj>>,
    /// Side of every image and mask in pixels (at least 16).
    pub(crate) side: u32,
}

/// Split `s3://bucket/key` into (bucket, key); `None` if it is not one.
pub(crate) fn split_uri(uri: &str) -> Option<(&str, &str)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// `#rrggbb` as bytes.
pub(crate) fn parse_hex_color(s: &str) -> Option<[u8; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

/// The mask spec of an entry's `anomaly-mask-ref-metadata.internal-color-map`.
fn mask_spec(entry: &serde_json::Value) -> ObjSpec {
    let mut background = [255, 255, 255];
    let mut classes = Vec::new();
    let map = entry.pointer("/anomaly-mask-ref-metadata/internal-color-map").and_then(|m| m.as_object());
    let mut items: Vec<(&String, &serde_json::Value)> = map.map(|m| m.iter().collect()).unwrap_or_default();
    items.sort_by_key(|(k, _)| k.parse::<u64>().unwrap_or(u64::MAX));
    for (_, v) in items {
        let Some(color) = v.get("hex-color").and_then(|c| c.as_str()).and_then(parse_hex_color) else {
            continue;
        };
        let name = v.get("class-name").and_then(|c| c.as_str()).unwrap_or_default();
        if name.eq_ignore_ascii_case("background") {
            background = color;
        } else {
            classes.push(color);
        }
    }
    ObjSpec::Mask { background, classes }
}

impl Store {
    /// Index every `source-ref` and `anomaly-mask-ref` of the world's datasets, less `missing` URIs.
    pub(crate) fn from_world(world: &World, missing: &[String], side: u32, jpeg: bool) -> Store {
        let missing: BTreeSet<&str> = missing.iter().map(String::as_str).collect();
        let mut store = Store { side: side.max(16), ..Store::default() };
        for (account, regions) in &world.accounts {
            for (region, rs) in regions {
                for p in rs.projects.values() {
                    for d in p.datasets.values() {
                        let key = EntryKey {
                            account,
                            region,
                            project: &p.name,
                            dataset_type: &d.dataset_type,
                            bucket: &d.bucket,
                            created: d.created,
                        };
                        for i in 0..d.entry_count() {
                            store.add_entry(&d.entry(&key, i), &missing, jpeg);
                        }
                    }
                }
            }
        }
        store
    }

    fn add_entry(&mut self, line: &str, missing: &BTreeSet<&str>, jpeg: bool) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else { return };
        let mut add = |field: &str, spec: ObjSpec| {
            let Some(uri) = v.get(field).and_then(|s| s.as_str()) else { return };
            let Some((bucket, key)) = split_uri(uri) else { return };
            let objects = self.buckets.entry(bucket.to_string()).or_default();
            if !missing.contains(uri) {
                objects.insert(key.to_string(), Obj::new(spec));
            }
        };
        let src = v.get("source-ref").and_then(|s| s.as_str()).unwrap_or_default().to_ascii_lowercase();
        let is_jpeg = jpeg && (src.ends_with(".jpg") || src.ends_with(".jpeg"));
        add("source-ref", if is_jpeg { ObjSpec::Jpeg } else { ObjSpec::Image });
        add("anomaly-mask-ref", mask_spec(&v));
    }
}

/// The RGB pixels (row-major, `side * side * 3` bytes) of an object.
pub(crate) fn pixels(key: &str, spec: &ObjSpec, side: u32) -> Vec<u8> {
    let seed = fnv1a(&[key]);
    let n = (side * side) as usize;
    match spec {
        ObjSpec::Image | ObjSpec::Jpeg => {
            let mut px = Vec::with_capacity(n * 3 + 8);
            for i in 0..(n as u64 * 3).div_ceil(8) {
                px.extend_from_slice(&splitmix64(seed ^ i).to_le_bytes());
            }
            px.truncate(n * 3);
            px
        }
        ObjSpec::Mask { background, classes } => {
            let mut px: Vec<[u8; 3]> = vec![*background; n];
            let bands = classes.len().max(1) as u32;
            let band = side / bands;
            for (i, color) in classes.iter().enumerate() {
                let r = splitmix64(seed ^ (i as u64 + 1));
                let h = (band / 2).max(3).min(band);
                let w = 4 + (r % 12) as u32;
                let top = i as u32 * band + ((r >> 8) % u64::from(band - h + 1)) as u32;
                let left = ((r >> 16) % u64::from(side - w + 1)) as u32;
                for y in top..top + h {
                    for x in left..left + w {
                        px[(y * side + x) as usize] = *color;
                    }
                }
            }
            px.into_iter().flatten().collect()
        }
    }
}

/// PNG (or JPEG) bytes of an object.
fn render(key: &str, spec: &ObjSpec, side: u32) -> Vec<u8> {
    let mut out = Vec::new();
    if *spec == ObjSpec::Jpeg {
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        if let Err(e) =
            image::ImageEncoder::write_image(enc, &pixels(key, spec, side), side, side, image::ExtendedColorType::Rgb8)
        {
            tracing::error!("failed to render emulated object {key}: {e}");
        }
        return out;
    }
    let mut enc = png::Encoder::new(&mut out, side, side);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Noise does not compress: store it (and keep rendering cheap for benchmarks of many large images).
    enc.set_compression(png::Compression::NoCompression);
    let written = enc.write_header().and_then(|mut w| {
        w.write_image_data(&pixels(key, spec, side))?;
        w.finish()
    });
    if let Err(e) = written {
        tracing::error!("failed to render emulated object {key}: {e}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_show_every_class_and_images_differ_by_key() {
        let spec = ObjSpec::Mask { background: [255, 255, 255], classes: vec![[1, 2, 3], [4, 5, 6], [7, 8, 9]] };
        let px = pixels("p/train/masks/000001.png", &spec, 32);
        for c in [[1u8, 2, 3], [4, 5, 6], [7, 8, 9]] {
            let count = px.chunks(3).filter(|p| *p == c).count();
            assert!(count >= 12, "class {c:?} has {count} pixels");
        }
        assert!(px.chunks(3).any(|p| p == [255, 255, 255]));
        assert_ne!(pixels("a.png", &ObjSpec::Image, 32), pixels("b.png", &ObjSpec::Image, 32));
        assert_eq!(pixels("a.png", &ObjSpec::Image, 32), pixels("a.png", &ObjSpec::Image, 32));
    }

    #[test]
    fn jpeg_keys_are_jpeg_only_when_the_seed_asks() {
        let line = r#"{"source-ref":"s3://b/p/a.JPG","anomaly-label":0}"#;
        for (jpeg, want) in [(false, ObjSpec::Image), (true, ObjSpec::Jpeg)] {
            let mut store = Store::default();
            store.add_entry(line, &BTreeSet::new(), jpeg);
            assert_eq!(store.buckets["b"]["p/a.JPG"].spec, want);
        }
        let jpg = render("p/a.JPG", &ObjSpec::Jpeg, 32);
        assert!(jpg.starts_with(&[0xff, 0xd8, 0xff]), "{:?}", &jpg[..4]);
        assert!(render("p/a.JPG", &ObjSpec::Image, 32).starts_with(b"\x89PNG"));
        let mut store = Store::default();
        store.add_entry(r#"{"source-ref":"s3://b/p/a.png"}"#, &BTreeSet::new(), true);
        assert_eq!(store.buckets["b"]["p/a.png"].spec, ObjSpec::Image);
    }

    #[test]
    fn uris_and_colors() {
        assert_eq!(split_uri("s3://b/k/x.png"), Some(("b", "k/x.png")));
        assert_eq!(split_uri("s3://b/"), None);
        assert_eq!(split_uri("https://b/k"), None);
        assert_eq!(parse_hex_color("#2ca02c"), Some([0x2c, 0xa0, 0x2c]));
        assert_eq!(parse_hex_color("2ca02c"), None);
    }
}
