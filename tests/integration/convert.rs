//! `convert`: backups (written by the real `export`) into anomalib Folder and MVTec AD layouts with images and
//! binary masks fetched from the emulator's S3; a missing image; resume after SIGKILL; unsafe keys and names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use lfv_emulator::seed::SeedDataset;
use lfv_emulator::{EmulatorConfig, Seed};

use crate::plan::{one_region, project};
use crate::support::{Env, fast, read_csv, sha256_file};

const BG: &str = r##""0":{"class-name":"BACKGROUND","hex-color":"#ffffff"}"##;

fn anomaly(key: &str, classes: &[(&str, &str)]) -> String {
    let map: Vec<String> = classes
        .iter()
        .enumerate()
        .map(|(i, (n, c))| format!(r#""{}":{{"class-name":"{n}","hex-color":"{c}"}}"#, i + 1))
        .collect();
    format!(
        r#"{{"source-ref":"s3://bucket/{key}.png","anomaly-label":1,"anomaly-label-metadata":{{"class-name":"anomaly"}},"anomaly-mask-ref":"s3://bucket/masks/{key}.png","anomaly-mask-ref-metadata":{{"internal-color-map":{{{BG},{}}}}}}}"#,
        map.join(",")
    )
}

fn normal(key: &str) -> String {
    format!(r#"{{"source-ref":"s3://bucket/{key}.png","anomaly-label":0}}"#)
}

fn ds(t: &str, entries: Vec<String>, generate: u64) -> SeedDataset {
    SeedDataset {
        dataset_type: t.into(),
        created: 1_672_531_200.0,
        entries,
        generate_entries: Some(generate),
        ..SeedDataset::default()
    }
}

/// Project `pcb`: train has a normal, a two-class anomaly, an unlabeled image and 30 generated entries;
/// test has a normal, a three-class anomaly, a one-class anomaly and 10 generated entries.
fn pcb_seed() -> Seed {
    let train = vec![
        normal("train/n1"),
        anomaly("train/a1", &[("scratch", "#2ca02c"), ("dent", "#1f77b4")]),
        r#"{"source-ref":"s3://bucket/train/u1.png"}"#.to_string(),
    ];
    let test = vec![
        normal("test/n1"),
        anomaly("test/a3", &[("scratch", "#2ca02c"), ("dent", "#1f77b4"), ("crack", "#d62728")]),
        anomaly("test/a1", &[("crack", "#d62728")]),
    ];
    one_region(vec![project("pcb", vec![ds("train", train, 30), ds("test", test, 10)])])
}

async fn backed_up(config: EmulatorConfig) -> Env {
    let env = Env::new(config).await;
    env.plan("plan.json", &[]).await;
    env.run(&["export", "plan.json", "--backup-dir", "backups"]).await.ok();
    env
}

fn convert_args<'a>(env: &'a Env, endpoint: &'a str, out: &'a str, layout: &'a str) -> Vec<&'a str> {
    let _ = env;
    vec!["convert", "--from", "backups", "--to", out, "--layout", layout, "--endpoint-url", endpoint, "--rate", "2000"]
}

async fn s3_object(env: &Env, uri: &str) -> Vec<u8> {
    let (bucket, key) = uri.strip_prefix("s3://").unwrap().split_once('/').unwrap();
    let c = crate::emulator_helpers::s3(&env.emu, "AKIDTEST").await;
    c.get_object().bucket(bucket).key(key).send().await.unwrap().body.collect().await.unwrap().into_bytes().to_vec()
}

fn decode(bytes: &[u8]) -> (u32, u32, png::ColorType, Vec<u8>) {
    let mut r = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size().unwrap()];
    let info = r.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, info.color_type, buf)
}

fn manifest_line(env: &Env, dataset_type: &str, line: usize) -> serde_json::Value {
    let p = env.path(&format!("backups/123456789012/us-east-1/pcb/{dataset_type}.manifest.jsonl"));
    let text = std::fs::read_to_string(p).unwrap();
    serde_json::from_str(text.lines().nth(line - 1).unwrap()).unwrap()
}

/// Every mask row: the binary mask equals, pixel for pixel, 255 where the colour mask has an anomaly colour of
/// the entry's colour map and 0 elsewhere; same size as the image. Returns the number of masks checked.
async fn check_masks(env: &Env, out: &Path, rows: &[BTreeMap<String, String>]) -> usize {
    let mut checked = 0;
    for r in rows.iter().filter(|r| !r["mask_destination"].is_empty()) {
        let entry = manifest_line(env, &r["dataset_type"], r["line"].parse().unwrap());
        let colours = crate::emulator_helpers::anomaly_colours(&entry);
        let colour = decode(&s3_object(env, entry["anomaly-mask-ref"].as_str().unwrap()).await);
        let binary = decode(&std::fs::read(out.join(&r["mask_destination"])).unwrap());
        let image = decode(&std::fs::read(out.join(&r["destination"])).unwrap());
        assert_eq!((binary.0, binary.1), (image.0, image.1), "mask and image sizes");
        assert_eq!(binary.2, png::ColorType::Grayscale);
        let expected: Vec<u8> =
            colour.3.chunks(3).map(|p| if colours.contains(&[p[0], p[1], p[2]]) { 255 } else { 0 }).collect();
        assert_eq!(binary.3, expected, "{}", r["mask_destination"]);
        assert!(expected.contains(&255) && expected.contains(&0));
        checked += 1;
    }
    checked
}

fn files_under(dir: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn folder_layout_with_binary_masks_then_a_rerun_fetches_nothing() {
    let env = backed_up(fast(pcb_seed())).await;
    let endpoint = env.emu.endpoint();
    let run = env.run(&convert_args(&env, &endpoint, "out", "folder")).await;
    run.ok();
    let summary = run.json();
    let out = env.path("out");
    let rows = read_csv(&out.join("convert.csv"));
    assert_eq!(rows.len(), 46, "one row per entry");
    assert_eq!(summary["entries"], 46);
    assert!(rows.iter().all(|r| r["outcome"] == "converted"), "{rows:?}");
    let files = files_under(&out.join("pcb"));
    for f in ["good/n1.png", "defect/a1.png", "mask/a1.png", "unlabeled/u1.png", "test_good/n1.png"] {
        assert!(files.contains(f), "{f} in {files:?}");
    }
    for f in ["test_defect/a3.png", "test_mask/a3.png", "test_defect/a1.png", "test_mask/a1.png"] {
        assert!(files.contains(f), "{f} in {files:?}");
    }
    assert!(files.contains("README.txt") && files.contains("manifest.csv"));
    // Every mask has an image of the same stem in the matching defect directory, and every file is a row's.
    for f in files.iter().filter(|f| f.starts_with("mask/") || f.starts_with("test_mask/")) {
        let image = f.replacen("mask/", "defect/", 1);
        assert!(files.contains(&image), "{f} has no {image}");
    }
    let row_files: BTreeSet<String> = rows
        .iter()
        .flat_map(|r| [r["destination"].clone(), r["mask_destination"].clone()])
        .filter(|p| !p.is_empty())
        .map(|p| p.strip_prefix("pcb/").unwrap().to_string())
        .collect();
    assert_eq!(row_files, files.iter().filter(|f| !f.ends_with(".csv") && !f.ends_with(".txt")).cloned().collect());
    // Images are S3's bytes; sha256 column is the file's.
    for r in rows.iter().take(5) {
        let bytes = std::fs::read(out.join(&r["destination"])).unwrap();
        assert_eq!(bytes, s3_object(&env, &r["source_uri"]).await);
        assert_eq!(sha256_file(&out.join(&r["destination"])), r["sha256"]);
    }
    let masks = check_masks(&env, &out, &rows).await;
    assert_eq!(summary["masks"], masks as u64);
    assert!(masks >= 3);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(out.join("pcb/good/n1.png")).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(out.join("pcb/good")).unwrap().permissions().mode() & 0o777, 0o700);
    let manifest = read_csv(&out.join("pcb/manifest.csv"));
    assert_eq!(manifest.len(), 46 + masks);
    assert!(manifest.iter().any(|m| m["output_path"] == "mask/a1.png" && m["kind"] == "mask" && m["line"] == "2"));

    // A second run fetches nothing and reports every entry already converted.
    let gets = env.emu.stats().calls("GetObject");
    let again = env.run(&convert_args(&env, &endpoint, "out", "folder")).await;
    again.ok();
    assert_eq!(env.emu.stats().calls("GetObject"), gets);
    assert_eq!(again.json()["already_converted"], 46);
    // A tampered file is fetched again.
    std::fs::write(out.join("pcb/good/n1.png"), b"tampered").unwrap();
    env.run(&convert_args(&env, &endpoint, "out", "folder")).await.ok();
    assert_eq!(env.emu.stats().calls("GetObject"), gets + 1);
    assert_eq!(std::fs::read(out.join("pcb/good/n1.png")).unwrap(), s3_object(&env, "s3://bucket/train/n1.png").await);
}

/// (manifest, line) of every file of a project, from its `manifest.csv` (paths relative to the project).
fn origins(project_dir: &Path) -> BTreeMap<String, (String, String)> {
    read_csv(&project_dir.join("manifest.csv"))
        .into_iter()
        .map(|m| (m["output_path"].clone(), (m["source_manifest"].clone(), m["line"].clone())))
        .collect()
}

/// anomalib's pairing (`make_folder_dataset`, `make_mvtec_ad_dataset`): the anomalies' image paths sorted, the
/// mask paths sorted, zipped. Asserts the counts match and every pair comes from one manifest line; returns
/// the number of pairs.
fn anomalib_pairs(project_dir: &Path, images: &dyn Fn(&str) -> bool, masks: &dyn Fn(&str) -> bool) -> usize {
    let files = files_under(project_dir);
    let imgs: Vec<&String> = files.iter().filter(|f| images(f)).collect();
    let msks: Vec<&String> = files.iter().filter(|f| masks(f)).collect();
    assert_eq!(imgs.len(), msks.len(), "{imgs:?} {msks:?}");
    let from = origins(project_dir);
    for (i, m) in imgs.iter().zip(&msks) {
        assert_eq!(from[*i], from[*m], "{i} is paired with {m}");
    }
    imgs.len()
}

fn is_mvtec_anomaly(f: &str) -> bool {
    f.starts_with("test/") && !f.starts_with("test/good/")
}

#[tokio::test(flavor = "multi_thread")]
async fn mvtec_layout_puts_anomalies_under_their_class_with_ground_truth_masks() {
    let env = backed_up(fast(pcb_seed())).await;
    let endpoint = env.emu.endpoint();
    let run = env.run(&convert_args(&env, &endpoint, "mv", "mvtec")).await;
    run.ok();
    let out = env.path("mv");
    let files = files_under(&out.join("pcb"));
    let from = origins(&out.join("pcb"));
    let train = "backups/123456789012/us-east-1/pcb/train.manifest.jsonl";
    let test = "backups/123456789012/us-east-1/pcb/test.manifest.jsonl";
    let at = |f: &str| {
        let (m, line) = &from[f];
        (m.rsplit_once("/pcb/").unwrap().1.to_string(), line.clone())
    };
    // Sequential names per folder in manifest order (train, then test), mapped back by manifest.csv.
    assert_eq!(at("train/good/000.png"), ("train.manifest.jsonl".to_string(), "1".to_string()));
    assert_eq!(at("test/combined/000.png"), ("train.manifest.jsonl".to_string(), "2".to_string()));
    assert_eq!(at("ground_truth/combined/000_mask.png"), at("test/combined/000.png"));
    assert_eq!(at("test/good/000.png"), ("test.manifest.jsonl".to_string(), "1".to_string()));
    assert_eq!(at("test/crack/000.png"), ("test.manifest.jsonl".to_string(), "3".to_string()));
    assert!(files.contains("ground_truth/crack/000_mask.png"), "{files:?}");
    assert!(from.values().all(|(m, _)| m.ends_with(train) || m.ends_with(test)));
    // Only PNG under the category, MVTec AD's names only, and unlabeled images outside it.
    for f in files.iter().filter(|f| !matches!(f.as_str(), "README.txt" | "manifest.csv")) {
        let (dir, name) = f.rsplit_once('/').unwrap();
        let stem = name.strip_suffix("_mask.png").or_else(|| name.strip_suffix(".png"));
        assert!(stem.is_some_and(|s| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())), "{f}");
        assert!(dir.starts_with("train/good") || dir.starts_with("test/") || dir.starts_with("ground_truth/"), "{f}");
        assert_eq!(&std::fs::read(out.join("pcb").join(f)).unwrap()[..4], b"\x89PNG", "{f}");
    }
    assert!(files.iter().all(|f| !f.starts_with("unlabeled")), "{files:?}");
    let unlabeled = files_under(&out.join("_unlabeled/pcb"));
    assert!(unlabeled.contains("000.png"), "{unlabeled:?}");
    assert_eq!(from["../_unlabeled/pcb/000.png"].1, "3");
    let pairs = anomalib_pairs(&out.join("pcb"), &|f| is_mvtec_anomaly(f), &|f| f.starts_with("ground_truth/"));
    let rows = read_csv(&out.join("convert.csv"));
    assert_eq!(check_masks(&env, &out, &rows).await, pairs);
    let readme = std::fs::read_to_string(out.join("pcb/README.txt")).unwrap();
    let root = std::fs::canonicalize(&out).unwrap();
    assert!(
        readme.contains(&format!("datamodule = MVTecAD(\n    root=\"{}\",\n    category=\"pcb\",\n)", root.display())),
        "{readme}"
    );
    assert_eq!(run.json()["cannot_load"], serde_json::json!([]));
}

/// Anomalies `img1` ... `img12` (which sort differently as numbers and as strings), JPEG images, an anomaly
/// without a mask in one project and a classification-only project: both layouts pair every anomaly with
/// its own mask under anomalib's sorted pairing, name images by their content, and say which loader loads
/// each project.
#[tokio::test(flavor = "multi_thread")]
async fn both_layouts_pair_each_anomaly_with_its_own_mask_and_say_how_to_load() {
    let classes = [("scratch", "#2ca02c"), ("dent", "#1f77b4")];
    let mut train: Vec<String> = (1..=12).map(|i| normal(&format!("good/img{i}"))).collect();
    train.extend((1..=12).map(|i| anomaly(&format!("bad/img{i}"), &classes[..1 + i % 2])));
    let test: Vec<String> = (1..=12).map(|i| anomaly(&format!("test/img{i}"), &classes[..1])).collect();
    let jpeg = |key: &str, label: u8| format!(r#"{{"source-ref":"s3://bucket/{key}","anomaly-label":{label}}}"#);
    let jpg_train = vec![jpeg("j/n1.jpg", 0), jpeg("j/n2.JPEG", 0), jpeg("j/a1.jpg", 1)];
    let class_only = vec![normal("c/n1"), jpeg("c/a1.png", 1), normal("c/n2")];
    let mut seed = one_region(vec![
        project("names", vec![ds("train", train, 0), ds("test", test, 0)]),
        project("jpegs", vec![ds("train", jpg_train, 0)]),
        project("classification", vec![ds("train", class_only, 0)]),
    ]);
    seed.jpeg_images = true;
    let env = backed_up(fast(seed)).await;
    let endpoint = env.emu.endpoint();
    let folder = env.run(&convert_args(&env, &endpoint, "f", "folder")).await;
    folder.ok();
    let mvtec = env.run(&convert_args(&env, &endpoint, "m", "mvtec")).await;
    mvtec.ok();
    let (f, m) = (env.path("f"), env.path("m"));

    let in_dirs = |dirs: &'static [&'static str]| move |p: &str| dirs.iter().any(|d| p.starts_with(d));
    let folder_pairs =
        anomalib_pairs(&f.join("names"), &in_dirs(&["defect/", "test_defect/"]), &in_dirs(&["mask/", "test_mask/"]));
    assert_eq!(folder_pairs, 24);
    let mvtec_pairs = anomalib_pairs(&m.join("names"), &|p| is_mvtec_anomaly(p), &|p| p.starts_with("ground_truth/"));
    assert_eq!(mvtec_pairs, 24);
    assert!(files_under(&m.join("names")).contains("test/scratch/017.png"), "18 one-class anomalies");

    // JPEG: the folder layout keeps S3's bytes as .jpg; MVTec holds PNGs of the same pixels.
    let fj = files_under(&f.join("jpegs"));
    assert!(fj.contains("good/n1.jpg") && fj.contains("good/n2.jpg") && fj.contains("defect/a1.jpg"), "{fj:?}");
    let original = s3_object(&env, "s3://bucket/j/n2.JPEG").await;
    assert_eq!(&original[..3], &[0xff, 0xd8, 0xff]);
    assert_eq!(std::fs::read(f.join("jpegs/good/n2.jpg")).unwrap(), original);
    let png = std::fs::read(m.join("jpegs/train/good/001.png")).unwrap();
    let (w, h, colour, pixels) = decode(&png);
    let want = image::load_from_memory(&original).unwrap().to_rgb8();
    assert_eq!((w, h, colour, pixels), (want.width(), want.height(), png::ColorType::Rgb, want.into_raw()));
    let rows = read_csv(&m.join("convert.csv"));
    let row = rows.iter().find(|r| r["destination"] == "jpegs/train/good/001.png").unwrap();
    assert_eq!(row["sha256"], sha256_file(&m.join("jpegs/train/good/001.png")), "the written file's SHA-256");

    // How each project loads: MVTecAD cannot load the projects with unmasked anomalies; Folder can.
    let readme = |dir: &Path, p: &str| std::fs::read_to_string(dir.join(p).join("README.txt")).unwrap();
    let fr = readme(&f, "names");
    assert!(
        fr.contains("abnormal_dir=[\"defect\", \"test_defect\"],\n    mask_dir=[\"mask\", \"test_mask\"],"),
        "{fr}"
    );
    assert!(!fr.contains("normal_test_dir"), "no test normals: {fr}");
    let fc = readme(&f, "classification");
    assert!(fc.contains("abnormal_dir=[\"defect\"]") && !fc.contains("mask_dir"), "{fc}");
    let mc = readme(&m, "classification");
    assert!(mc.contains("MVTecAD cannot load it: 1 of 1 anomalies have no mask"), "{mc}");
    assert!(mc.contains("normal_dir=\"train/good\",\n    abnormal_dir=[\"test/anomaly\"],\n)"), "{mc}");
    let cannot = mvtec.json()["cannot_load"].clone();
    let names: Vec<&str> = cannot.as_array().unwrap().iter().map(|c| c["project"].as_str().unwrap()).collect();
    assert_eq!(names, ["classification", "jpegs"]);
    assert_eq!(folder.json()["cannot_load"], serde_json::json!([]));
    mvtec.stderr_has("convert: project classification: MVTecAD cannot load it");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_image_is_a_failed_row_and_exit_3() {
    let mut seed = pcb_seed();
    seed.missing_objects = vec!["s3://bucket/train/n1.png".into()];
    let env = backed_up(fast(seed)).await;
    let endpoint = env.emu.endpoint();
    let run = env.run(&convert_args(&env, &endpoint, "out", "folder")).await;
    run.code(3);
    assert_eq!(run.json()["labeled_not_converted"], 1);
    let rows = read_csv(&env.path("out/convert.csv"));
    let failed: Vec<_> = rows.iter().filter(|r| r["outcome"] != "converted").collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!((failed[0]["outcome"].as_str(), failed[0]["line"].as_str()), ("failed", "1"));
    assert!(failed[0]["message"].contains("s3://bucket/train/n1.png is missing"), "{}", failed[0]["message"]);
    assert!(!env.path("out/pcb/good/n1.png").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn path_escaping_keys_and_names_are_refused_and_nothing_lands_outside() {
    let env = Env::new(fast(pcb_seed())).await;
    let proj = env.path("backups/123456789012/us-east-1/safe");
    std::fs::create_dir_all(&proj).unwrap();
    let lines = [
        normal("train/n1"),
        r#"{"source-ref":"s3://bucket/../../../etc/passwd","anomaly-label":0}"#.to_string(),
        r#"{"source-ref":"s3://bucket//tmp/abs.png","anomaly-label":0}"#.to_string(),
        r#"{"source-ref":"s3://bucket/train/n1.png","anomaly-label":1,"anomaly-mask-ref":"s3://bucket/a/../../m.png"}"#
            .to_string(),
    ];
    std::fs::write(proj.join("train.manifest.jsonl"), lines.join("\n") + "\n").unwrap();
    for bad in ["..evil", "a b", "-dash"] {
        let dir = env.path(&format!("backups/123456789012/us-east-1/{bad}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("train.manifest.jsonl"), normal("train/n1") + "\n").unwrap();
    }
    let endpoint = env.emu.endpoint();
    let run = env.run(&convert_args(&env, &endpoint, "out", "folder")).await;
    run.code(3);
    let rows = read_csv(&env.path("out/convert.csv"));
    let by: BTreeMap<(String, String), String> =
        rows.iter().map(|r| ((r["project"].clone(), r["line"].clone()), r["outcome"].clone())).collect();
    assert_eq!(by[&("safe".into(), "1".into())], "converted");
    for line in ["2", "3", "4"] {
        assert_eq!(by[&("safe".into(), line.into())], "refused", "line {line}");
    }
    let msg =
        |line: &str| rows.iter().find(|r| r["project"] == "safe" && r["line"] == line).unwrap()["message"].clone();
    assert!(
        msg("2").contains("refused: key of \"s3://bucket/../../../etc/passwd\" has an empty, . or .. segment"),
        "{}",
        msg("2")
    );
    assert!(msg("3").contains("is absolute"), "{}", msg("3"));
    for bad in ["..evil", "a b", "-dash"] {
        assert_eq!(by[&(bad.to_string(), "1".into())], "refused", "{bad}");
    }
    assert_eq!(env.emu.stats().calls("GetObject"), 1, "only the safe entry was fetched");
    let out_files = files_under(&env.path("out"));
    assert!(
        out_files.iter().all(|f| f.starts_with("safe/") || f.starts_with(".lfv") || f == "convert.csv"),
        "{out_files:?}"
    );

    // A symlink planted in OUT_DIR is never followed.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(env.path("out2")).unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), env.path("out2/safe")).unwrap();
    env.run(&convert_args(&env, &endpoint, "out2", "folder")).await.code(3);
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    // The output may not be inside the (read-only) input.
    env.run(&convert_args(&env, &endpoint, "backups/out", "folder")).await.code(2).stderr_has("inside --from");
}

fn journal_lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map(|t| t.lines().count()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn resume_after_sigkill_converts_each_entry_once() {
    let mut seed = pcb_seed();
    seed.accounts[0].regions[0].projects[0].datasets[0].generate_entries = Some(300);
    let env = backed_up(fast(seed)).await;
    let endpoint = env.emu.endpoint();
    let mut args = convert_args(&env, &endpoint, "out", "folder");
    args.truncate(args.len() - 2);
    args.extend(["--concurrency", "4", "--rate", "60"]);
    let journal = env.path("out/.lfv-convert-journal.jsonl");
    let mut child = env.command(&args).spawn().unwrap();
    // Wait for real progress (bounded by count and time), then SIGKILL.
    let start = Instant::now();
    while journal_lines(&journal) < 20 && start.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.start_kill().unwrap();
    assert_eq!(child.wait().await.unwrap().code(), None, "killed by a signal");
    let done_before = journal_lines(&journal);
    assert!(done_before >= 20, "progress before the kill: {done_before}");
    let gets_before = env.emu.stats().calls("GetObject");
    let total = 316;
    assert!(done_before < total, "the kill landed before the end");
    args.truncate(args.len() - 4);
    args.extend(["--rate", "2000"]);
    let run = env.run(&args).await;
    run.ok();
    let s = run.json();
    assert_eq!(s["entries"], total);
    assert_eq!(s["already_converted"].as_u64().unwrap() + s["converted"].as_u64().unwrap(), total as u64);
    assert!(s["already_converted"].as_u64().unwrap() >= done_before as u64 - 1);
    let gets_after = env.emu.stats().calls("GetObject") - gets_before;
    let files = files_under(&env.path("out/pcb"));
    assert!(files.iter().all(|f| !f.contains(".tmp-")), "no temporary file left: {files:?}");
    let rows = read_csv(&env.path("out/convert.csv"));
    assert_eq!(rows.len(), total);
    // Each entry the killed run recorded costs the rerun no GetObject (an image, and a mask for anomalies).
    let objects = total + rows.iter().filter(|r| !r["mask_destination"].is_empty()).count();
    assert!(
        gets_after as usize <= objects - done_before,
        "the rerun fetched {gets_after} of {objects} objects though {done_before} entries were done"
    );
    assert!(rows.iter().all(|r| r["outcome"] == "converted" || r["outcome"] == "already_converted"));
}

#[tokio::test(flavor = "multi_thread")]
async fn slowdown_is_retried_slowed_down_and_counted() {
    let env = backed_up(EmulatorConfig { s3_rate: Some(25.0), ..fast(pcb_seed()) }).await;
    let endpoint = env.emu.endpoint();
    let run = env.run(&convert_args(&env, &endpoint, "out", "folder")).await;
    run.ok();
    let s = run.json();
    let throttled = env.emu.stats().throttled.get("GetObject").copied().unwrap_or(0);
    assert!(throttled > 0, "a --rate of 2000 against an S3 quota of 25/s meets SlowDown");
    assert_eq!(s["throttled"], throttled, "every SlowDown is counted once");
    assert_eq!(s["converted"], 46);
}
