"""The two halves of scripts/anomalib-check.sh (run by it, with the venv's Python).

`seed WORK`: write WORK/seed.json (the emulator's estate) and WORK/backups/ (the backup tree convert reads,
the same manifest lines as the seed's entries).

`train WORK`: for every project of WORK/folder and WORK/mvtec, run the Python block of its README.txt, check
every anomaly's mask comes from the same manifest line as its image (manifest.csv), fit Patchcore one epoch on
CPU and test it. One line per project; exit 1 if any failed or a project's README.txt says the wrong thing.
"""

import csv
import json
import re
import sys
import time
import traceback
from pathlib import Path

BUCKET = "lfv-check"
ACCOUNT = "123456789012"
REGION = "us-east-1"
COLORS = {"scratch": "#2ca02c", "dent": "#1f77b4", "crack": "#d62728"}


def normal(key):
    return {"source-ref": f"s3://{BUCKET}/{key}", "anomaly-label": 0,
            "anomaly-label-metadata": {"class-name": "normal"}}


def anomaly(key, classes=None):
    line = {"source-ref": f"s3://{BUCKET}/{key}", "anomaly-label": 1,
            "anomaly-label-metadata": {"class-name": "anomaly"}}
    if classes:
        cmap = {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"}}
        for i, c in enumerate(classes, 1):
            cmap[str(i)] = {"class-name": c, "hex-color": COLORS[c]}
        line["anomaly-mask-ref"] = f"s3://{BUCKET}/masks/{key.rsplit('.', 1)[0]}.png"
        line["anomaly-mask-ref-metadata"] = {"internal-color-map": cmap}
    return line


def unlabeled(key):
    return {"source-ref": f"s3://{BUCKET}/{key}"}


def estate():
    """project -> {dataset type -> manifest lines}, and which layouts' own datamodule cannot load it."""
    def imgs(p, t, n, ext="png", prefix="img"):
        return [f"{p}/{t}/{prefix}{i}.{ext}" for i in range(1, n + 1)]

    cycle = [["scratch"], ["dent"], ["scratch", "dent"], ["crack", "dent", "scratch"]]
    p = {}
    # Names img1..img12 (and their masks) sort differently as numbers and as strings.
    p["train-test"] = {
        "train": [normal(k) for k in imgs("train-test", "train/good", 12)]
        + [anomaly(k, ["scratch"]) for k in imgs("train-test", "train/bad", 12)],
        "test": [normal(k) for k in imgs("train-test", "test/good", 6)]
        + [anomaly(k, ["scratch"]) for k in imgs("train-test", "test/bad", 12)],
    }
    p["train-only"] = {
        "train": [normal(k) for k in imgs("train-only", "good", 14)]
        + [anomaly(k, cycle[i % 4]) for i, k in enumerate(imgs("train-only", "bad", 6))],
    }
    p["unlabeled"] = {
        "train": [normal(k) for k in imgs("unlabeled", "train/good", 12)]
        + [unlabeled(k) for k in imgs("unlabeled", "train/new", 5)]
        + [anomaly(k, ["dent"]) for k in imgs("unlabeled", "train/bad", 4)],
        "test": [unlabeled(k) for k in imgs("unlabeled", "test/new", 3)]
        + [normal(k) for k in imgs("unlabeled", "test/good", 4)]
        + [anomaly(k, ["dent"]) for k in imgs("unlabeled", "test/bad", 3)],
    }
    p["multi-class"] = {
        "train": [normal(k) for k in imgs("multi-class", "train/good", 12)],
        "test": [normal(k) for k in imgs("multi-class", "test/good", 4)]
        + [anomaly(k, cycle[i % 4]) for i, k in enumerate(imgs("multi-class", "test/bad", 12))],
    }
    p["jpeg"] = {
        "train": [normal(k) for k in imgs("jpeg", "train/good", 12, "jpg")]
        + [anomaly(k, ["crack"]) for k in imgs("jpeg", "train/bad", 3, "jpeg")],
        "test": [normal(k) for k in imgs("jpeg", "test/good", 4, "JPG")]
        + [anomaly(k, ["crack", "dent"]) for k in imgs("jpeg", "test/bad", 4, "jpg")],
    }
    p["some-masks"] = {
        "train": [normal(k) for k in imgs("some-masks", "train/good", 12)],
        "test": [normal(k) for k in imgs("some-masks", "test/good", 4)]
        + [anomaly(k, ["scratch"]) for k in imgs("some-masks", "test/masked", 3)]
        + [anomaly(k) for k in imgs("some-masks", "test/unmasked", 3)],
    }
    p["normals-test"] = {
        "train": [normal(k) for k in imgs("normals-test", "train/good", 12)],
        "test": [normal(k) for k in imgs("normals-test", "test/good", 6)],
    }
    p["classification"] = {
        "train": [normal(k) for k in imgs("classification", "train/good", 12)]
        + [anomaly(k) for k in imgs("classification", "train/bad", 3)],
        "test": [normal(k) for k in imgs("classification", "test/good", 4)]
        + [anomaly(k) for k in imgs("classification", "test/bad", 4)],
    }
    # Projects whose anomalies are not all masked: MVTecAD cannot load them (their README.txt gives Folder).
    cannot = {"mvtec": {"some-masks", "classification"}, "folder": set()}
    return p, cannot


def seed(work):
    projects, _ = estate()
    seed_projects = []
    for name, datasets in projects.items():
        seed_projects.append({
            "name": name, "created": 1.7e9,
            "datasets": [{"type": t, "created": 1.7e9, "entries": [json.dumps(l) for l in lines]}
                         for t, lines in datasets.items()],
        })
        d = work / "backups" / ACCOUNT / REGION / name
        d.mkdir(parents=True, exist_ok=True)
        for t, lines in datasets.items():
            (d / f"{t}.manifest.jsonl").write_text("".join(json.dumps(l) + "\n" for l in lines))
    s = {"accounts": [{"account": ACCOUNT, "regions": [{"region": REGION, "projects": seed_projects}]}],
         "jpeg_images": True}
    (work / "seed.json").write_text(json.dumps(s, indent=1))


def readme_call(readme):
    m = re.search(r"^```python\n(.*?)^```$", readme, re.S | re.M)
    return m.group(1) if m else None


def check_pairs(datamodule, project_dir):
    """Every anomaly sample with a mask: the mask comes from the image's manifest line. Returns pairs checked."""
    origin = {}
    with open(project_dir / "manifest.csv", newline="") as f:
        for row in csv.DictReader(f):
            origin[(project_dir / row["output_path"]).resolve()] = (row["source_manifest"], row["line"])
    checked = set()
    for data in (datamodule.train_data, datamodule.val_data, datamodule.test_data):
        for _, s in data.samples.iterrows():
            if s.label_index == 1 and isinstance(s.mask_path, str) and s.mask_path:
                img, mask = origin[Path(s.image_path).resolve()], origin[Path(s.mask_path).resolve()]
                if img != mask:
                    raise AssertionError(f"{s.image_path} (line {img}) paired with {s.mask_path} (line {mask})")
                checked.add(s.image_path)
    return len(checked)


def readme_training(work, layout, name):
    """Run the README's training snippet as written on one project (datamodule from its README.txt)."""
    import os
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    snippet = next(b for b in re.findall(r"^```python\n(.*?)^```$", readme, re.S | re.M) if "engine.fit" in b)
    started = time.time()
    scope = {}
    exec(readme_call((work / layout / name / "README.txt").read_text()), scope)
    scope["datamodule"].num_workers = 0
    cwd = os.getcwd()
    os.chdir(work)  # Engine writes results/ in the working directory
    try:
        exec(snippet, scope)
    finally:
        os.chdir(cwd)
    print(f"{layout:6} {name:15} ok   README.md training snippet as written: {time.time() - started:.0f} s",
          flush=True)


def train(work):
    import torch
    from anomalib.engine import Engine
    from anomalib.models import Patchcore

    torch.set_num_threads(2)
    projects, cannot = estate()
    failures = 0
    for layout in ("folder", "mvtec"):
        for name in projects:
            started = time.time()
            project_dir = work / layout / name
            readme = (project_dir / "README.txt").read_text()
            said_cannot = "cannot load it" in readme
            prefix = f"{layout:6} {name:15}"
            if said_cannot != (name in cannot[layout]):
                print(f"{prefix} FAIL README.txt says cannot-load={said_cannot}, expected {not said_cannot}")
                failures += 1
                continue
            call = readme_call(readme)
            try:
                scope = {}
                exec(call, scope)
                datamodule = scope["datamodule"]
                loader = type(datamodule).__name__
                datamodule.num_workers = 0
                datamodule.setup()
                pairs = check_pairs(datamodule, project_dir)
                sizes = f"train {len(datamodule.train_data)} val {len(datamodule.val_data)} test {len(datamodule.test_data)}"
                # A coreset of 2% (default 10%) keeps the greedy selection, the slowest step on CPU, to seconds.
                model = Patchcore(backbone="resnet18", pre_trained=False, coreset_sampling_ratio=0.02, visualizer=False)
                engine = Engine(max_epochs=1, accelerator="cpu", devices=1, logger=False,
                                default_root_dir=str(work / "results" / layout / name), enable_progress_bar=False,
                                enable_model_summary=False)
                engine.fit(model=model, datamodule=datamodule)
                results = engine.test(model=model, datamodule=datamodule, verbose=False)
                metrics = ", ".join(f"{k} {v:.3f}" for k, v in sorted(results[0].items())) if results else "no metrics"
                note = " (README.txt: MVTecAD cannot load it; the call is Folder)" if said_cannot else ""
                print(f"{prefix} ok   {loader}{note}: {sizes}, {pairs} mask pairs checked, fit 1 epoch + test "
                      f"in {time.time() - started:.0f} s: {metrics}", flush=True)
            except Exception as e:  # noqa: BLE001 - every failure is reported and the run goes on
                failures += 1
                print(f"{prefix} FAIL {type(e).__name__}: {e}", flush=True)
                traceback.print_exc(file=sys.stderr)
    for layout, name in (("folder", "train-only"), ("mvtec", "train-test")):
        try:
            readme_training(work, layout, name)
        except Exception as e:  # noqa: BLE001
            failures += 1
            print(f"{layout:6} {name:15} FAIL README.md training snippet: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(file=sys.stderr)
    print(f"anomalib-check: {failures} failure(s) in {2 * len(projects)} project layouts and 2 README snippet runs")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    what, work = sys.argv[1], Path(sys.argv[2])
    {"seed": seed, "train": train}[what](work)
