//! How close `convert` gets to the S3 rate it is given, and whether its memory stays flat: 5,000 normal images
//! of about 64 KiB (148x148 noise PNGs) in one project's `train` manifest, an emulator S3 quota of 500/s per
//! operation (bucket of 500), `convert --layout folder --rate 500 --concurrency 64`. The ideal is
//! 5,000 / 500 = 10 s; goal: within 1.2x of it. Peak RSS is printed (goal: under 256 MiB, far below the
//! 320 MiB the images add up to, so nothing holds them all). Fails only if `convert` fails.

mod common;

use std::time::Duration;

use common::{Verdicts, Workspace};
use lfv_emulator::Seed;
use lfv_emulator::seed::{SeedAccount, SeedDataset, SeedProject, SeedRegion};

const IMAGES: usize = 5000;
const RATE: f64 = 500.0;
const SIDE: u32 = 148;
const GOAL_RATIO: f64 = 1.2;
const GOAL_RSS_MIB: f64 = 256.0;

fn main() {
    let rt = common::runtime();
    let mut ws = Workspace::new();
    let mut verdicts = Verdicts::default();
    let entries: Vec<String> = (0..IMAGES)
        .map(|i| format!(r#"{{"source-ref":"s3://bench-bucket/img/{i:05}.png","anomaly-label":0}}"#))
        .collect();
    let dataset = SeedDataset {
        dataset_type: "train".into(),
        created: 1.7e9,
        entries: entries.clone(),
        ..SeedDataset::default()
    };
    let project =
        SeedProject { name: "bench".into(), created: 1.7e9, datasets: vec![dataset], ..SeedProject::default() };
    let seed = Seed {
        accounts: vec![SeedAccount {
            account: "123456789012".into(),
            regions: vec![SeedRegion { region: "us-east-1".into(), projects: vec![project] }],
        }],
        ..Seed::default()
    };
    let mut config = common::config(seed, RATE);
    config.rate = None;
    config.s3_rate = Some(RATE);
    config.s3_image_side = SIDE;
    let emu = common::start(&rt, config);
    let dir = ws.subdir("convert");
    let manifest_dir = dir.join("backups/123456789012/us-east-1/bench");
    std::fs::create_dir_all(&manifest_dir).expect("create backup tree");
    std::fs::write(manifest_dir.join("train.manifest.jsonl"), entries.join("\n") + "\n").expect("write manifest");
    println!(
        "convert_throughput: {IMAGES} images of {SIDE}x{SIDE} noise PNG (~64 KiB), emulator S3 quota {RATE}/s, \
         convert --rate {RATE} --concurrency 64; load average {}",
        common::loadavg()
    );
    let args = [
        "convert",
        "--from",
        &dir.join("backups").display().to_string(),
        "--to",
        &dir.join("out").display().to_string(),
        "--layout",
        "folder",
        "--rate",
        "500",
        "--concurrency",
        "64",
        "--endpoint-url",
        &emu.endpoint(),
    ]
    .map(str::to_string);
    let before = emu.stats();
    let run = ws.run("convert", &args, Duration::from_secs(120));
    let ok = ws.expect_success(&run);
    let counts = common::op_counts(&emu.stats(), &before);
    let summary = run.json().unwrap_or_default();
    let ideal = IMAGES as f64 / RATE;
    let secs = run.wall.as_secs_f64();
    let ratio = secs / ideal;
    let rss = run.peak_rss_kib.unwrap_or(0) as f64 / 1024.0;
    let bytes = summary["bytes_written"].as_u64().unwrap_or(0);
    println!(
        "convert_{IMAGES}_images: {secs:.2} s, ideal {ideal:.2} s, ratio {ratio:.3} (goal <= {GOAL_RATIO}); exit {}; \
         peak RSS {rss:.1} MiB; {:.1} MiB written ({:.0} KiB per image); converted {}, throttled in emulator {}",
        run.exit(),
        bytes as f64 / 1048576.0,
        bytes as f64 / 1024.0 / IMAGES as f64,
        summary["converted"],
        emu.stats().throttled.get("GetObject").copied().unwrap_or(0)
    );
    common::print_op_counts("convert", &counts, run.wall);
    verdicts.goal(
        "convert_wall_time_within_1_2x",
        ok && ratio <= GOAL_RATIO,
        format!("{secs:.2} s / ideal {ideal:.2} s = {ratio:.3}, goal <= {GOAL_RATIO}"),
    );
    verdicts.goal("convert_memory_flat", rss > 0.0 && rss <= GOAL_RSS_MIB, format!("peak RSS {rss:.1} MiB"));
    verdicts.goal(
        "convert_all_converted",
        summary["converted"].as_u64() == Some(IMAGES as u64),
        format!("converted {} of {IMAGES}", summary["converted"]),
    );
    verdicts.print();
    rt.block_on(emu.shutdown());
    ws.finish();
}
