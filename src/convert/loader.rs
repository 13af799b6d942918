//! Which anomalib 2.x datamodule call loads a converted project, decided from what was written (pure: the
//! [`Facts`] of the project's files, which `outputs.rs` gathers from the report rows; no I/O). The call goes into the project's `README.txt`, between a
//! ```` ```python ```` line and a ```` ``` ```` line, so a script can run it as it is.
//!
//! The rules follow anomalib 2.7.0's loaders:
//! - Both train on normal images: without a normal train image (`good/`, `train/good/`) nothing loads it.
//! - `Folder` reads only the directories it is given, and each must exist: the call names only the
//!   directories that hold files. With `mask_dir`, it pairs every anomaly with a mask by sorted position, so
//!   `mask_dir` is passed only when every anomaly has a mask.
//! - `MVTecAD(root, category)` reads every `.png` under `root/category` and pairs every anomaly under
//!   `test/<class>/` with a mask under `ground_truth/`: it cannot load a project where an anomaly has no mask.
//!   For such a project the call is `Folder` over the same directories (no `mask_dir`), and the reason is
//!   given. A `category` that is not a directory under `root` makes MVTecAD download MVTec AD itself, so the
//!   call names the converted one exactly.

use std::collections::BTreeSet;

use super::layout::Layout;

/// What was written for one project, relative to its directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// Directories holding normal images.
    pub normal_dirs: BTreeSet<String>,
    /// Directories holding anomalies.
    pub anomaly_dirs: BTreeSet<String>,
    /// Directories holding binary masks.
    pub mask_dirs: BTreeSet<String>,
    /// Anomalies written.
    pub anomalies: u64,
    /// Anomalies written with their mask.
    pub masked: u64,
}

/// How a project loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loader {
    /// The Python that defines `datamodule`, if any datamodule loads the project.
    pub call: Option<String>,
    /// Why the layout's own datamodule (`Folder` for `folder`, `MVTecAD` for `mvtec`) cannot load it.
    pub cannot: Option<String>,
}

/// A Python string literal of `s`.
pub fn py_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.push_str(&format!("\\U{:08x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn py_list(items: &BTreeSet<String>) -> String {
    format!("[{}]", items.iter().map(|s| py_str(s)).collect::<Vec<_>>().join(", "))
}

/// The `Folder(...)` call over a project directory `root` (absolute) with normal train images in `normal`
/// and normal test images in `normal_test`; `mask_dir` only when every anomaly has a mask.
fn folder_call(project: &str, root: &str, facts: &Facts, normal: &str, normal_test: &str) -> String {
    let mut args = vec![
        format!("name={}", py_str(project)),
        format!("root={}", py_str(root)),
        format!("normal_dir={}", py_str(normal)),
    ];
    if facts.normal_dirs.contains(normal_test) {
        args.push(format!("normal_test_dir={}", py_str(normal_test)));
    }
    if !facts.anomaly_dirs.is_empty() {
        args.push(format!("abnormal_dir={}", py_list(&facts.anomaly_dirs)));
    }
    if facts.anomalies > 0 && facts.masked == facts.anomalies {
        args.push(format!("mask_dir={}", py_list(&facts.mask_dirs)));
    }
    format!(
        "from anomalib.data import Folder\n\ndatamodule = Folder(\n{})\n",
        args.iter().map(|a| format!("    {a},\n")).collect::<String>()
    )
}

/// The loader of project `project` converted with `layout` under OUT_DIR `out` (absolute).
pub fn loader(layout: Layout, out: &str, project: &str, facts: &Facts) -> Loader {
    let root = format!("{}/{project}", out.trim_end_matches('/'));
    let (normal, normal_test, own) = match layout {
        Layout::Folder => ("good", "test_good", "Folder"),
        Layout::Mvtec => ("train/good", "test/good", "MVTecAD"),
    };
    if !facts.normal_dirs.contains(normal) {
        let why = format!(
            "it has no normal train image ({normal}/ is empty) and anomalib's models train on normal images; \
             no layout can train on it"
        );
        return Loader { call: None, cannot: Some(format!("{own} cannot load it: {why}")) };
    }
    let folder = folder_call(project, &root, facts, normal, normal_test);
    match layout {
        Layout::Folder => Loader { call: Some(folder), cannot: None },
        Layout::Mvtec if facts.masked < facts.anomalies => Loader {
            call: Some(folder),
            cannot: Some(format!(
                "MVTecAD cannot load it: {} of {} anomalies have no mask and MVTecAD pairs every anomaly under \
                 test/ with a mask under ground_truth/; anomalib's Folder datamodule loads these same directories \
                 (as does --layout folder)",
                facts.anomalies - facts.masked,
                facts.anomalies
            )),
        },
        Layout::Mvtec => Loader {
            call: Some(format!(
                "from anomalib.data import MVTecAD\n\ndatamodule = MVTecAD(\n    root={},\n    category={},\n)\n",
                py_str(out.trim_end_matches('/')),
                py_str(project)
            )),
            cannot: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn facts(normal: &[&str], anomaly: &[&str], mask: &[&str], anomalies: u64, masked: u64) -> Facts {
        Facts { normal_dirs: set(normal), anomaly_dirs: set(anomaly), mask_dirs: set(mask), anomalies, masked }
    }

    #[test]
    fn the_call_names_only_what_exists() {
        let all = facts(&["good", "test_good"], &["defect", "test_defect"], &["mask", "test_mask"], 4, 4);
        let l = loader(Layout::Folder, "/o/", "p", &all);
        assert_eq!(l.cannot, None);
        assert_eq!(
            l.call.unwrap(),
            "from anomalib.data import Folder\n\ndatamodule = Folder(\n    name=\"p\",\n    root=\"/o/p\",\n    \
             normal_dir=\"good\",\n    normal_test_dir=\"test_good\",\n    abnormal_dir=[\"defect\", \"test_defect\"],\n    \
             mask_dir=[\"mask\", \"test_mask\"],\n)\n"
        );
        // Train only, one anomaly without a mask: no normal_test_dir, no mask_dir.
        let call = loader(Layout::Folder, "/o", "p", &facts(&["good"], &["defect"], &["mask"], 2, 1)).call.unwrap();
        assert!(call.contains("abnormal_dir=[\"defect\"]") && !call.contains("mask_dir") && !call.contains("test_"));
        // A test set of normals only: no abnormal_dir.
        let call = loader(Layout::Folder, "/o", "p", &facts(&["good", "test_good"], &[], &[], 0, 0)).call.unwrap();
        assert!(call.contains("normal_test_dir=\"test_good\"") && !call.contains("abnormal_dir"), "{call}");
    }

    #[test]
    fn mvtec_loads_with_every_mask_else_folder_says_why() {
        let ok = facts(&["train/good", "test/good"], &["test/scratch"], &["ground_truth/scratch"], 3, 3);
        let l = loader(Layout::Mvtec, "/o", "p", &ok);
        assert_eq!(l.cannot, None);
        assert_eq!(
            l.call.unwrap(),
            "from anomalib.data import MVTecAD\n\ndatamodule = MVTecAD(\n    root=\"/o\",\n    category=\"p\",\n)\n"
        );
        assert!(loader(Layout::Mvtec, "/o", "p", &facts(&["train/good"], &[], &[], 0, 0)).cannot.is_none());
        let partial = facts(&["train/good"], &["test/anomaly", "test/scratch"], &["ground_truth/scratch"], 3, 1);
        let l = loader(Layout::Mvtec, "/o", "p", &partial);
        assert!(l.cannot.unwrap().contains("2 of 3 anomalies have no mask"));
        let call = l.call.unwrap();
        assert!(call.contains("normal_dir=\"train/good\"") && call.contains("[\"test/anomaly\", \"test/scratch\"]"));
        assert!(!call.contains("mask_dir") && !call.contains("normal_test_dir"), "{call}");
        for layout in [Layout::Folder, Layout::Mvtec] {
            let l = loader(layout, "/o", "p", &facts(&["test/good", "test_good"], &["defect"], &[], 1, 0));
            assert_eq!(l.call, None);
            assert!(l.cannot.unwrap().contains("no normal train image"));
        }
    }

    #[test]
    fn python_strings_are_escaped() {
        assert_eq!(py_str(r#"/a "b" \c"#), r#""/a \"b\" \\c""#);
        assert_eq!(py_str("x\ny"), "\"x\\U0000000ay\"");
        assert_eq!(py_str("é"), "\"é\"");
    }
}
