//! Reading one Ground Truth manifest line into an [`Entry`]: its image, label, class and mask. Pure: no I/O.
//!
//! Fields read: `source-ref` (`s3://bucket/key`, required), `anomaly-label` (0 normal, 1 anomaly, absent
//! unlabeled), `anomaly-label-metadata.class-name`, `anomaly-mask-ref` and
//! `anomaly-mask-ref-metadata.internal-color-map` (`{"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"},
//! "1": {"class-name": "scratch", "hex-color": "#2ca02c"}, ...}`). Every colour-map class except `BACKGROUND`
//! (any case) is an anomaly colour.
//!
//! A key is refused (never fetched, never named on disk) when it is empty, longer than 1,024 bytes, starts with
//! `/`, has an empty, `.` or `..` segment, or holds a backslash or a control character.

use serde_json::Value;

/// An entry's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    /// `anomaly-label: 0`.
    Normal,
    /// `anomaly-label: 1`.
    Anomaly,
    /// No `anomaly-label`.
    Unlabeled,
}

impl Label {
    /// `normal`, `anomaly` or `unlabeled`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Normal => "normal",
            Label::Anomaly => "anomaly",
            Label::Unlabeled => "unlabeled",
        }
    }
}

/// An object in S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Ref {
    /// Bucket.
    pub bucket: String,
    /// Key.
    pub key: String,
}

impl S3Ref {
    /// `s3://bucket/key`.
    pub fn uri(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// A mask reference and its anomaly colours.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskRef {
    /// Where the colour mask is.
    pub object: S3Ref,
    /// (class name, RGB) of every anomaly class of the colour map, in the map's key order.
    pub classes: Vec<(String, [u8; 3])>,
}

/// One manifest line, understood.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The image.
    pub image: S3Ref,
    /// The label.
    pub label: Label,
    /// `anomaly-label-metadata.class-name`, if present.
    pub class_name: Option<String>,
    /// The colour mask, if the entry has one.
    pub mask: Option<MaskRef>,
}

/// Why a line cannot be converted.
#[derive(Debug, Clone, PartialEq)]
pub enum EntryError {
    /// Not a JSON object, or no usable `source-ref`.
    Malformed(String),
    /// A key that could name a path outside the output (see the module docs).
    UnsafeKey(String),
}

impl std::fmt::Display for EntryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryError::Malformed(m) => write!(f, "malformed entry: {m}"),
            EntryError::UnsafeKey(m) => write!(f, "refused: {m}"),
        }
    }
}

/// Parse `s3://bucket/key`, refusing unsafe keys.
pub fn parse_s3_uri(uri: &str) -> Result<S3Ref, EntryError> {
    let rest =
        uri.strip_prefix("s3://").ok_or_else(|| EntryError::Malformed(format!("{uri:?} is not an s3:// uri")))?;
    let (bucket, key) = rest.split_once('/').ok_or_else(|| EntryError::Malformed(format!("{uri:?} has no key")))?;
    if bucket.is_empty() || !bucket.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b)) {
        return Err(EntryError::Malformed(format!("{uri:?} has an invalid bucket name")));
    }
    check_key(key).map_err(|why| EntryError::UnsafeKey(format!("key of {uri:?} {why}")))?;
    Ok(S3Ref { bucket: bucket.to_string(), key: key.to_string() })
}

/// `Ok` if a key is safe to fetch and to take a file name from; else why not.
pub fn check_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() || key.len() > 1024 {
        return Err("is empty or longer than 1,024 bytes");
    }
    if key.starts_with('/') {
        return Err("is absolute");
    }
    if key.chars().any(|c| c == '\\' || c.is_control()) {
        return Err("holds a backslash or a control character");
    }
    if key.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
        return Err("has an empty, . or .. segment");
    }
    Ok(())
}

fn hex_color(s: &str) -> Option<[u8; 3]> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some([(v >> 16) as u8, (v >> 8) as u8, v as u8])
}

fn mask_classes(v: &Value) -> Result<Vec<(String, [u8; 3])>, EntryError> {
    let Some(map) = v.pointer("/anomaly-mask-ref-metadata/internal-color-map").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut items: Vec<(&String, &Value)> = map.iter().collect();
    items.sort_by_key(|(k, _)| (k.parse::<u64>().unwrap_or(u64::MAX), k.to_string()));
    let mut out = Vec::new();
    for (k, c) in items {
        let name = c.get("class-name").and_then(Value::as_str).unwrap_or_default();
        if name.eq_ignore_ascii_case("background") {
            continue;
        }
        let color = c
            .get("hex-color")
            .and_then(Value::as_str)
            .and_then(hex_color)
            .ok_or_else(|| EntryError::Malformed(format!("colour map entry {k:?} has no #rrggbb hex-color")))?;
        out.push((name.to_string(), color));
    }
    Ok(out)
}

/// Understand one manifest line.
pub fn parse_entry(line: &str) -> Result<Entry, EntryError> {
    let v: Value = serde_json::from_str(line).map_err(|e| EntryError::Malformed(format!("not JSON: {e}")))?;
    if !v.is_object() {
        return Err(EntryError::Malformed("not a JSON object".into()));
    }
    let src =
        v.get("source-ref").and_then(Value::as_str).ok_or_else(|| EntryError::Malformed("no source-ref".into()))?;
    let image = parse_s3_uri(src)?;
    let label = match v.get("anomaly-label") {
        None | Some(Value::Null) => Label::Unlabeled,
        Some(l) => match l.as_u64() {
            Some(0) => Label::Normal,
            Some(1) => Label::Anomaly,
            _ => return Err(EntryError::Malformed(format!("anomaly-label {l} is neither 0 nor 1"))),
        },
    };
    let class_name = v.pointer("/anomaly-label-metadata/class-name").and_then(Value::as_str).map(str::to_string);
    let mask = match v.get("anomaly-mask-ref").and_then(Value::as_str) {
        Some(uri) => Some(MaskRef { object: parse_s3_uri(uri)?, classes: mask_classes(&v)? }),
        None => None,
    };
    Ok(Entry { image, label, class_name, mask })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_keys_are_refused() {
        for bad in ["", "/etc/passwd", "a/../b", "../x.png", "a//b", "./a", "a/..", "a\\b", "a\nb", "a/./b"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
        for good in ["a.png", "p/train/images/000001.png", "a b+c.jpg", "x..y/z...png"] {
            assert!(check_key(good).is_ok(), "{good:?}");
        }
        assert!(matches!(parse_s3_uri("s3://b/../../etc/passwd"), Err(EntryError::UnsafeKey(_))));
        assert!(matches!(parse_s3_uri("s3://b//abs.png"), Err(EntryError::UnsafeKey(_))));
        assert!(matches!(parse_s3_uri("https://b/k"), Err(EntryError::Malformed(_))));
        assert!(matches!(parse_s3_uri("s3://b/k"), Ok(S3Ref { .. })));
    }

    #[test]
    fn entries_by_table() {
        let mask = r##"{"source-ref":"s3://b/i.png","anomaly-label":1,"anomaly-label-metadata":{"class-name":"anomaly"},"anomaly-mask-ref":"s3://b/m.png","anomaly-mask-ref-metadata":{"internal-color-map":{"10":{"class-name":"dent","hex-color":"#000010"},"0":{"class-name":"BACKGROUND","hex-color":"#ffffff"},"2":{"class-name":"scratch","hex-color":"#2ca02c"}}}}"##;
        let e = parse_entry(mask).unwrap();
        assert_eq!(e.label, Label::Anomaly);
        assert_eq!(e.class_name.as_deref(), Some("anomaly"));
        let m = e.mask.unwrap();
        assert_eq!(m.object.uri(), "s3://b/m.png");
        assert_eq!(m.classes, vec![("scratch".to_string(), [0x2c, 0xa0, 0x2c]), ("dent".to_string(), [0, 0, 0x10])]);
        let cases: &[(&str, Option<Label>)] = &[
            (r#"{"source-ref":"s3://b/i.png","anomaly-label":0}"#, Some(Label::Normal)),
            (r#"{"source-ref":"s3://b/i.png"}"#, Some(Label::Unlabeled)),
            (r#"{"source-ref":"s3://b/i.png","anomaly-label":2}"#, None),
            (r#"{"anomaly-label":0}"#, None),
            (r#"[1]"#, None),
            (r#"{"source-ref":"s3://b/i.png","anomaly-label":1,"anomaly-mask-ref":"s3://b/../m.png"}"#, None),
        ];
        for (line, want) in cases {
            assert_eq!(parse_entry(line).ok().map(|e| e.label), *want, "{line}");
        }
    }
}
