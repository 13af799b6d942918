//! Where each entry goes: the layout decisions as pure functions, tested by tables.
//!
//! Per project directory (`OUT_DIR/<project>/`):
//!
//! | layout | train normal | train anomaly | test normal | test anomaly | mask of an anomaly | unlabeled |
//! |---|---|---|---|---|---|---|
//! | `folder` | `good/` | `defect/` | `test_good/` | `test_defect/` | `mask/` (`test_mask/`), `<stem>.png` | `unlabeled/` |
//! | `mvtec` | `train/good/` | `test/<class>/` | `test/good/` | `test/<class>/` | `ground_truth/<class>/<stem>_mask.png` | `unlabeled/` |
//!
//! MVTec AD trains on normal images only, so a `train` anomaly goes to `test/<class>/` with the test ones.
//! `<class>` is the colour map's one anomaly class, `combined` if it has several (MVTec AD's own name for
//! images with several defect types), else `anomaly-label-metadata.class-name`, else `anomaly`; `good` as
//! a class becomes `good_anomaly` so it never mixes with normal images.
//!
//! File names: the key's last segment, characters outside `[A-Za-z0-9._-]` replaced by `_`, a leading `.`
//! replaced by `_`, the stem cut to 100 characters, the extension kept (lowercased) if it is 1-8 ASCII
//! letters or digits (else `img`). Two entries whose names collide in one directory: the later one (in
//! manifest order, train before test) gets `-<line>` appended to its stem.

use std::collections::HashSet;

use super::manifest::{Entry, Label};

/// An output layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// anomalib's Folder datamodule: `good/`, `defect/`, `mask/`, and `test_*` twins.
    Folder,
    /// MVTec AD: `train/good/`, `test/good/`, `test/<class>/`, `ground_truth/<class>/`.
    Mvtec,
}

impl Layout {
    /// `folder` or `mvtec`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Folder => "folder",
            Layout::Mvtec => "mvtec",
        }
    }
}

/// Where one entry's files go, relative to its project directory (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The image.
    pub image: String,
    /// The binary mask, for an anomaly with a mask.
    pub mask: Option<String>,
}

/// Replace what is not `[A-Za-z0-9._-]` by `_`, a leading `.` by `_`, cut to `max` characters; never empty.
pub fn sanitize(s: &str, max: usize) -> String {
    let mut out: String =
        s.chars().take(max).map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    if out.starts_with('.') {
        out.replace_range(0..1, "_");
    }
    if out.is_empty() { "_".to_string() } else { out }
}

/// (stem, extension) of a key's last segment, sanitised.
pub fn file_parts(key: &str) -> (String, String) {
    let name = key.rsplit('/').next().unwrap_or(key);
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && (1..=8).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            (s, e.to_ascii_lowercase())
        }
        _ => (name, "img".to_string()),
    };
    (sanitize(stem, 100), ext)
}

/// The MVTec class directory of an anomaly.
pub fn mvtec_class(entry: &Entry) -> String {
    let raw = match entry.mask.as_ref().map(|m| m.classes.as_slice()) {
        Some([(one, _)]) => one.clone(),
        Some([_, _, ..]) => "combined".to_string(),
        _ => entry.class_name.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| "anomaly".to_string()),
    };
    let class = sanitize(&raw.to_ascii_lowercase(), 64);
    if class == "good" { "good_anomaly".to_string() } else { class }
}

/// The image directory of an entry.
pub fn image_dir(layout: Layout, dataset_type: &str, entry: &Entry) -> String {
    let test = dataset_type == "test";
    match (layout, entry.label) {
        (_, Label::Unlabeled) => "unlabeled".into(),
        (Layout::Folder, Label::Normal) => if test { "test_good" } else { "good" }.into(),
        (Layout::Folder, Label::Anomaly) => if test { "test_defect" } else { "defect" }.into(),
        (Layout::Mvtec, Label::Normal) => if test { "test/good" } else { "train/good" }.into(),
        (Layout::Mvtec, Label::Anomaly) => format!("test/{}", mvtec_class(entry)),
    }
}

/// The mask path of an anomaly whose image stem is `stem`.
pub fn mask_path(layout: Layout, dataset_type: &str, entry: &Entry, stem: &str) -> String {
    match layout {
        Layout::Folder => format!("{}/{stem}.png", if dataset_type == "test" { "test_mask" } else { "mask" }),
        Layout::Mvtec => format!("ground_truth/{}/{stem}_mask.png", mvtec_class(entry)),
    }
}

/// Names handed out in one project directory, so that no two entries share a file.
#[derive(Debug, Default)]
pub struct Namer {
    taken: HashSet<(String, String)>,
}

impl Namer {
    /// Place entry `line` of a `dataset_type` manifest.
    pub fn place(&mut self, layout: Layout, dataset_type: &str, line: u64, entry: &Entry) -> Placement {
        let dir = image_dir(layout, dataset_type, entry);
        let (stem, ext) = file_parts(&entry.image.key);
        let mut candidate = stem.clone();
        let mut n = 1;
        while !self.taken.insert((dir.clone(), candidate.clone())) {
            candidate = if n == 1 { format!("{stem}-{line}") } else { format!("{stem}-{line}-{n}") };
            n += 1;
        }
        let mask = (entry.label == Label::Anomaly && entry.mask.is_some())
            .then(|| mask_path(layout, dataset_type, entry, &candidate));
        Placement { image: format!("{dir}/{candidate}.{ext}"), mask }
    }
}

#[cfg(test)]
mod tests {
    use super::super::manifest::parse_entry;
    use super::*;

    const NORMAL: &str = r#"{"source-ref":"s3://b/p/000001.PNG","anomaly-label":0}"#;
    const UNLABELED: &str = r#"{"source-ref":"s3://b/p/u 1.jpeg"}"#;
    const ONE: &str = r##"{"source-ref":"s3://b/p/a.png","anomaly-label":1,"anomaly-mask-ref":"s3://b/m/a.png","anomaly-mask-ref-metadata":{"internal-color-map":{"0":{"class-name":"BACKGROUND","hex-color":"#ffffff"},"1":{"class-name":"Scratch","hex-color":"#2ca02c"}}}}"##;
    const TWO: &str = r##"{"source-ref":"s3://b/p/a.png","anomaly-label":1,"anomaly-mask-ref":"s3://b/m/a.png","anomaly-mask-ref-metadata":{"internal-color-map":{"1":{"class-name":"dent","hex-color":"#000001"},"2":{"class-name":"scratch","hex-color":"#2ca02c"}}}}"##;
    const NOMASK: &str =
        r#"{"source-ref":"s3://b/p/.hidden","anomaly-label":1,"anomaly-label-metadata":{"class-name":"good"}}"#;

    #[test]
    fn placements_by_table() {
        let cases: &[(Layout, &str, &str, &str, Option<&str>)] = &[
            (Layout::Folder, "train", NORMAL, "good/000001.png", None),
            (Layout::Folder, "test", NORMAL, "test_good/000001.png", None),
            (Layout::Folder, "train", ONE, "defect/a.png", Some("mask/a.png")),
            (Layout::Folder, "test", TWO, "test_defect/a.png", Some("test_mask/a.png")),
            (Layout::Folder, "train", UNLABELED, "unlabeled/u_1.jpeg", None),
            (Layout::Folder, "train", NOMASK, "defect/_hidden.img", None),
            (Layout::Mvtec, "train", NORMAL, "train/good/000001.png", None),
            (Layout::Mvtec, "test", NORMAL, "test/good/000001.png", None),
            (Layout::Mvtec, "train", ONE, "test/scratch/a.png", Some("ground_truth/scratch/a_mask.png")),
            (Layout::Mvtec, "test", TWO, "test/combined/a.png", Some("ground_truth/combined/a_mask.png")),
            (Layout::Mvtec, "test", NOMASK, "test/good_anomaly/_hidden.img", None),
            (Layout::Mvtec, "test", UNLABELED, "unlabeled/u_1.jpeg", None),
        ];
        for (layout, dtype, line, image, mask) in cases {
            let e = parse_entry(line).unwrap();
            let p = Namer::default().place(*layout, dtype, 1, &e);
            assert_eq!((p.image.as_str(), p.mask.as_deref()), (*image, *mask), "{layout:?} {dtype} {line}");
        }
    }

    #[test]
    fn collisions_get_the_line_number_and_masks_follow_their_image() {
        let mut n = Namer::default();
        let e = parse_entry(ONE).unwrap();
        assert_eq!(n.place(Layout::Folder, "train", 3, &e).image, "defect/a.png");
        let p = n.place(Layout::Folder, "train", 9, &e);
        assert_eq!((p.image.as_str(), p.mask.as_deref()), ("defect/a-9.png", Some("mask/a-9.png")));
        assert_eq!(n.place(Layout::Folder, "train", 9, &e).image, "defect/a-9-2.png");
        // Another directory does not collide.
        assert_eq!(n.place(Layout::Folder, "test", 3, &e).image, "test_defect/a.png");
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(file_parts("a/b/..x"), ("_".to_string(), "x".to_string()));
        assert_eq!(file_parts("k/ü ber.PnG"), ("__ber".to_string(), "png".to_string()));
        assert_eq!(file_parts("k/noext"), ("noext".to_string(), "img".to_string()));
        assert_eq!(sanitize("", 5), "_");
        assert_eq!(sanitize("abcdefgh", 3), "abc");
    }
}
