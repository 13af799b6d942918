//! Where each entry goes: the layout decisions as pure functions, tested by tables.
//!
//! Paths are relative to OUT_DIR; `<p>` is the project's output directory name:
//!
//! | layout | train normal | train anomaly | test normal | test anomaly | mask of an anomaly | unlabeled |
//! |---|---|---|---|---|---|---|
//! | `folder` | `<p>/good/` | `<p>/defect/` | `<p>/test_good/` | `<p>/test_defect/` | `<p>/mask/` (`test_mask/`), `<stem>.png` | `<p>/unlabeled/` |
//! | `mvtec` | `<p>/train/good/` | `<p>/test/<class>/` | `<p>/test/good/` | `<p>/test/<class>/` | `<p>/ground_truth/<class>/<n>_mask.png` | `_unlabeled/<p>/` |
//!
//! MVTec AD trains on normal images only, so a `train` anomaly goes to `test/<class>/` with the test ones.
//! `<class>` is the colour map's one anomaly class, `combined` if it has several (MVTec AD's own name for
//! images with several defect types), else `anomaly-label-metadata.class-name`, else `anomaly`; `good` as
//! a class becomes `good_anomaly` so it never mixes with normal images. Unlabeled images of the MVTec layout
//! stay outside the category folder (anomalib's MVTecAD reads every `.png` under it as a sample; a project
//! name never starts with `_`, so `_unlabeled` is never a category).
//!
//! File names:
//! - `folder`: the key's last segment without its extension (a final `.` and 1-8 ASCII letters or digits),
//!   every character outside `[A-Za-z0-9_-]` replaced by `_`, cut to 100 characters. `.` is replaced too: with
//!   a dot in a stem, `a.jpg` sorts before `a.k.png` while their masks `a.png` and `a.k.png` sort the other
//!   way round. Two entries whose stems collide in one directory: the later one (in manifest order, train
//!   before test) gets `-<line>` appended. The extension comes from the content when fetched (`.png`, `.jpg`).
//! - `mvtec`: sequential per directory in manifest order (train before test), zero-padded to 3 digits, or to
//!   as many as the directory's last number needs (`000.png` ... `999.png`, `0000.png` ... for 1,001-10,000),
//!   always `.png` (a JPEG is converted: anomalib's MVTecAD reads only `.png`); the mask of `test/<class>/<n>.png`
//!   is `ground_truth/<class>/<n>_mask.png`. [`crate::convert`]'s `manifest.csv` maps each name to its source.
//!
//! anomalib pairs masks by position: it sorts the anomalies' image paths and the mask paths and zips them.
//! Both naming rules keep the two sorts in step, so every anomaly meets its own mask (tested below).

use std::collections::{HashMap, HashSet};

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

/// How an image is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The fetched bytes as they are, named `.png` or `.jpg` by their content.
    AsFetched,
    /// PNG: a JPEG is decoded and re-encoded, a PNG kept as it is.
    Png,
}

/// Where one entry's files go, relative to OUT_DIR (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The image path without its extension (`pcb/good/a`, `pcb/test/scratch/000`).
    pub stem_path: String,
    /// How the image is written, which decides its extension.
    pub encoding: Encoding,
    /// The binary mask, for an anomaly with a mask.
    pub mask: Option<String>,
}

impl Placement {
    /// The image path with extension `ext` (`png` or `jpg`).
    pub fn image(&self, ext: &str) -> String {
        format!("{}.{ext}", self.stem_path)
    }
}

/// Replace what is not `[A-Za-z0-9_-]` by `_`, cut to `max` characters; never empty.
pub fn sanitize(s: &str, max: usize) -> String {
    let out: String =
        s.chars().take(max).map(|c| if c.is_ascii_alphanumeric() || "_-".contains(c) { c } else { '_' }).collect();
    if out.is_empty() { "_".to_string() } else { out }
}

/// The `folder` layout's stem of a key: its last segment without a 1-8 character extension, sanitised.
pub fn folder_stem(key: &str) -> String {
    let name = key.rsplit('/').next().unwrap_or(key);
    let stem = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && (1..=8).contains(&e.len()) && e.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            s
        }
        _ => name,
    };
    sanitize(stem, 100)
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

/// The image directory of an entry, relative to OUT_DIR.
pub fn image_dir(layout: Layout, project: &str, dataset_type: &str, entry: &Entry) -> String {
    let test = dataset_type == "test";
    let dir = match (layout, entry.label) {
        (Layout::Folder, Label::Unlabeled) => "unlabeled".into(),
        (Layout::Mvtec, Label::Unlabeled) => return format!("_unlabeled/{project}"),
        (Layout::Folder, Label::Normal) => if test { "test_good" } else { "good" }.into(),
        (Layout::Folder, Label::Anomaly) => if test { "test_defect" } else { "defect" }.into(),
        (Layout::Mvtec, Label::Normal) => if test { "test/good" } else { "train/good" }.into(),
        (Layout::Mvtec, Label::Anomaly) => format!("test/{}", mvtec_class(entry)),
    };
    format!("{project}/{dir}")
}

/// The mask path of an anomaly whose image file stem is `stem`, relative to OUT_DIR.
pub fn mask_path(layout: Layout, project: &str, dataset_type: &str, entry: &Entry, stem: &str) -> String {
    match layout {
        Layout::Folder => {
            format!("{project}/{}/{stem}.png", if dataset_type == "test" { "test_mask" } else { "mask" })
        }
        Layout::Mvtec => format!("{project}/ground_truth/{}/{stem}_mask.png", mvtec_class(entry)),
    }
}

/// One entry to place: its dataset type, 1-based manifest line and the entry.
pub type ToPlace<'a> = (&'a str, u64, &'a Entry);

/// Place every entry of project `project` (in manifest order, train before test): the names of one
/// directory depend on all of its entries.
pub fn place_all(layout: Layout, project: &str, entries: &[ToPlace<'_>]) -> Vec<Placement> {
    let dirs: Vec<String> = entries.iter().map(|(t, _, e)| image_dir(layout, project, t, e)).collect();
    let stems: Vec<String> = match layout {
        Layout::Folder => {
            let mut taken: HashSet<(&str, String)> = HashSet::new();
            entries
                .iter()
                .zip(&dirs)
                .map(|((_, line, e), dir)| {
                    let stem = folder_stem(&e.image.key);
                    let mut candidate = stem.clone();
                    let mut n = 1;
                    while !taken.insert((dir, candidate.clone())) {
                        candidate = if n == 1 { format!("{stem}-{line}") } else { format!("{stem}-{line}-{n}") };
                        n += 1;
                    }
                    candidate
                })
                .collect()
        }
        Layout::Mvtec => {
            let mut count: HashMap<&str, usize> = HashMap::new();
            for d in &dirs {
                *count.entry(d).or_default() += 1;
            }
            let mut next: HashMap<&str, usize> = HashMap::new();
            dirs.iter()
                .map(|d| {
                    let width = count[d.as_str()].saturating_sub(1).to_string().len().max(3);
                    let n = next.entry(d).or_default();
                    *n += 1;
                    format!("{:0width$}", *n - 1)
                })
                .collect()
        }
    };
    let encoding = match layout {
        Layout::Folder => Encoding::AsFetched,
        Layout::Mvtec => Encoding::Png,
    };
    entries
        .iter()
        .zip(dirs.iter().zip(stems))
        .map(|((t, _, e), (dir, stem))| Placement {
            mask: (e.label == Label::Anomaly && e.mask.is_some()).then(|| mask_path(layout, project, t, e, &stem)),
            stem_path: format!("{dir}/{stem}"),
            encoding,
        })
        .collect()
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

    fn one(layout: Layout, dataset_type: &str, line: &str) -> Placement {
        let e = parse_entry(line).unwrap();
        place_all(layout, "p", &[(dataset_type, 1, &e)]).remove(0)
    }

    #[test]
    fn placements_by_table() {
        let cases: &[(Layout, &str, &str, &str, Option<&str>)] = &[
            (Layout::Folder, "train", NORMAL, "p/good/000001", None),
            (Layout::Folder, "test", NORMAL, "p/test_good/000001", None),
            (Layout::Folder, "train", ONE, "p/defect/a", Some("p/mask/a.png")),
            (Layout::Folder, "test", TWO, "p/test_defect/a", Some("p/test_mask/a.png")),
            (Layout::Folder, "train", UNLABELED, "p/unlabeled/u_1", None),
            (Layout::Folder, "train", NOMASK, "p/defect/_hidden", None),
            (Layout::Mvtec, "train", NORMAL, "p/train/good/000", None),
            (Layout::Mvtec, "test", NORMAL, "p/test/good/000", None),
            (Layout::Mvtec, "train", ONE, "p/test/scratch/000", Some("p/ground_truth/scratch/000_mask.png")),
            (Layout::Mvtec, "test", TWO, "p/test/combined/000", Some("p/ground_truth/combined/000_mask.png")),
            (Layout::Mvtec, "test", NOMASK, "p/test/good_anomaly/000", None),
            (Layout::Mvtec, "test", UNLABELED, "_unlabeled/p/000", None),
        ];
        for (layout, dtype, line, stem, mask) in cases {
            let p = one(*layout, dtype, line);
            assert_eq!((p.stem_path.as_str(), p.mask.as_deref()), (*stem, *mask), "{layout:?} {dtype} {line}");
            let want = if *layout == Layout::Mvtec { Encoding::Png } else { Encoding::AsFetched };
            assert_eq!(p.encoding, want);
        }
    }

    #[test]
    fn collisions_get_the_line_number_and_masks_follow_their_image() {
        let e = parse_entry(ONE).unwrap();
        let entries = [("train", 3, &e), ("train", 9, &e), ("train", 9, &e), ("test", 3, &e)];
        let p = place_all(Layout::Folder, "p", &entries);
        assert_eq!(p[0].stem_path, "p/defect/a");
        assert_eq!((p[1].stem_path.as_str(), p[1].mask.as_deref()), ("p/defect/a-9", Some("p/mask/a-9.png")));
        assert_eq!(p[2].stem_path, "p/defect/a-9-2");
        // Another directory does not collide.
        assert_eq!(p[3].stem_path, "p/test_defect/a");
    }

    #[test]
    fn names_are_sanitised() {
        assert_eq!(folder_stem("a/b/..x"), "_");
        assert_eq!(folder_stem("k/ü ber.PnG"), "__ber");
        assert_eq!(folder_stem("k/noext"), "noext");
        assert_eq!(folder_stem("k/a.k.jpg"), "a_k");
        assert_eq!(folder_stem("k/a.toolongext"), "a_toolongext");
        assert_eq!(sanitize("", 5), "_");
        assert_eq!(sanitize("abcdefgh", 3), "abc");
        assert_eq!(sanitize("a.b/c", 9), "a_b_c");
    }

    #[test]
    fn mvtec_names_are_sequential_and_padded_to_the_directory_count() {
        let n = parse_entry(NORMAL).unwrap();
        let a = parse_entry(ONE).unwrap();
        let mut entries: Vec<ToPlace<'_>> = (1..=1001).map(|i| ("train", i, &n)).collect();
        entries.push(("test", 1, &a));
        entries.push(("test", 2, &n));
        let p = place_all(Layout::Mvtec, "p", &entries);
        assert_eq!(p[0].stem_path, "p/train/good/0000");
        assert_eq!(p[1000].stem_path, "p/train/good/1000");
        assert_eq!(p[1001].stem_path, "p/test/scratch/000");
        assert_eq!(p[1002].stem_path, "p/test/good/000");
        let names: HashSet<&str> = p.iter().map(|p| p.stem_path.as_str()).collect();
        assert_eq!(names.len(), p.len(), "no two entries share a name");
        for p in &p {
            assert!(super::super::safe_fs::check_rel(&p.image("png")).is_ok(), "{}", p.stem_path);
        }
    }

    /// anomalib's pairing: the anomalies' image paths sorted, the masks' sorted, zipped. Returns, per pair,
    /// the indexes of the entries whose image and mask they are.
    fn anomalib_pairs(layout: Layout, placed: &[Placement], exts: &[&str]) -> Vec<(usize, usize)> {
        let is_anomaly = |p: &str| match layout {
            Layout::Folder => p.starts_with("p/defect/") || p.starts_with("p/test_defect/"),
            Layout::Mvtec => p.starts_with("p/test/") && !p.starts_with("p/test/good/"),
        };
        let mut images: Vec<(String, usize)> = placed
            .iter()
            .enumerate()
            .map(|(i, p)| (p.image(if p.encoding == Encoding::Png { "png" } else { exts[i] }), i))
            .filter(|(path, _)| is_anomaly(path))
            .collect();
        let mut masks: Vec<(String, usize)> =
            placed.iter().enumerate().filter_map(|(i, p)| p.mask.clone().map(|m| (m, i))).collect();
        images.sort();
        masks.sort();
        assert_eq!(images.len(), masks.len());
        images.into_iter().zip(masks).map(|((_, i), (_, m))| (i, m)).collect()
    }

    fn masked(key: &str, classes: usize) -> String {
        let map: Vec<String> = ["a", "b", "c"][..classes]
            .iter()
            .enumerate()
            .map(|(i, c)| format!(r##""{}":{{"class-name":"{c}","hex-color":"#00000{}"}}"##, i + 1, i + 1))
            .collect();
        format!(
            r#"{{"source-ref":"s3://b/{key}","anomaly-label":1,"anomaly-mask-ref":"s3://b/m/{key}","anomaly-mask-ref-metadata":{{"internal-color-map":{{{}}}}}}}"#,
            map.join(",")
        )
    }

    #[test]
    fn every_anomaly_meets_its_own_mask_when_names_sort_differently_as_numbers() {
        // img1 ... img12 sort img1, img10, img11, img12, img2 as strings; img1_mask after img10_mask.
        // 12 one-class anomalies share MVTec's test/a/ (past 10: two-digit numbers), 12 more spread over classes.
        let lines: Vec<String> = (1..=24)
            .map(|i| masked(&format!("k/img{}.png", (i - 1) % 12 + 1), if i <= 12 { 1 } else { 1 + i % 3 }))
            .collect();
        let entries: Vec<Entry> = lines.iter().map(|l| parse_entry(l).unwrap()).collect();
        let to_place: Vec<ToPlace<'_>> =
            entries.iter().enumerate().map(|(i, e)| (["train", "test"][i % 2], i as u64 + 1, e)).collect();
        for layout in [Layout::Folder, Layout::Mvtec] {
            let placed = place_all(layout, "p", &to_place);
            let pairs = anomalib_pairs(layout, &placed, &["png"; 24]);
            assert_eq!(pairs.len(), 24);
            assert!(pairs.iter().all(|(i, m)| i == m), "{layout:?}: {pairs:?}");
        }
        // A JPEG `a` and a PNG `a.k`: with the dot kept, a.jpg < a.k.png but a.png > a.k.png.
        let lines = [masked("k/a.jpg", 1), masked("k/a.k.png", 1)];
        let entries: Vec<Entry> = lines.iter().map(|l| parse_entry(l).unwrap()).collect();
        let placed = place_all(Layout::Folder, "p", &[("train", 1, &entries[0]), ("train", 2, &entries[1])]);
        assert_eq!(anomalib_pairs(Layout::Folder, &placed, &["jpg", "png"]), [(0, 0), (1, 1)]);
    }

    proptest::proptest! {
        /// Any stems (with dots, dashes, digits, collisions), any mix of PNG and JPEG content. The alphabet is
        /// small so that names share prefixes, and holds `k`, which sorts between `jpg` and `png`.
        #[test]
        fn pairs_hold_for_any_names(
            names in proptest::collection::vec("[ak0_-][ak0._-]{0,3}(\\.(png|jpg|k))?", 1..40),
            jpeg in proptest::collection::vec(proptest::bool::ANY, 40),
        ) {
            let lines: Vec<String> = names.iter().map(|n| masked(&format!("k/{n}"), 1)).collect();
            let entries: Vec<Entry> = lines.iter().map(|l| parse_entry(l).unwrap()).collect();
            let to_place: Vec<ToPlace<'_>> =
                entries.iter().enumerate().map(|(i, e)| (["train", "test"][i % 2], i as u64 + 1, e)).collect();
            let exts: Vec<&str> = jpeg.iter().map(|j| if *j { "jpg" } else { "png" }).collect();
            for layout in [Layout::Folder, Layout::Mvtec] {
                let placed = place_all(layout, "p", &to_place);
                let pairs = anomalib_pairs(layout, &placed, &exts);
                proptest::prop_assert_eq!(pairs.len(), names.len());
                proptest::prop_assert!(pairs.iter().all(|(i, m)| i == m), "{:?}: {:?} {:?}", layout, names, pairs);
            }
        }
    }
}
