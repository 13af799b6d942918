//! Validation of seed files: [`validate`], re-exported as `seed::validate`, the one place that checks a seed's
//! values before the emulator starts on it, with its bounds. Pure: no I/O, no clock.

use std::collections::BTreeSet;

use super::model::{check_jobs, check_model, check_tags};
use super::types::{MAX_CREATED_SECS, MAX_DELAY_MS, MAX_ENTRIES_PER_DATASET, MAX_ENTRIES_PER_SEED, Seed, SeedProject};
use crate::status::{DatasetStatus, ModelStatus};
use crate::validate::valid_project_name;
use crate::wire::Op;

fn account_ok(a: &str) -> bool {
    a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())
}

/// The AWS region pattern: `xx-word(-word)*-N`. The CLI's `--region` checks the same pattern in its own
/// module, since the emulator imports nothing of the tool.
fn region_ok(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    let word = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    r.len() <= 32
        && parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(word)
        && parts.last().is_some_and(|p| (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

fn time_ok(t: f64) -> bool {
    t.is_finite() && (0.0..=MAX_CREATED_SECS).contains(&t)
}

fn status_ok(s: &str, allowed: &[&str], settle: Option<u64>, to: &Option<String>) -> Result<(), String> {
    if !allowed.contains(&s) {
        return Err(format!("unknown status `{s}`: expected one of {}", allowed.join(", ")));
    }
    if settle.is_some_and(|ms| ms > MAX_DELAY_MS) {
        return Err(format!("settle_after_ms over {MAX_DELAY_MS} (10 years)"));
    }
    match to {
        Some(t) if !allowed.contains(&t.as_str()) => Err(format!("unknown settles_to `{t}`")),
        Some(_) if settle.is_none() => Err("settles_to without settle_after_ms".into()),
        _ => Ok(()),
    }
}

/// Check a seed's values; the error names the entry (`accounts[0].regions[1].projects[2] (name)`) and what is
/// wrong. Refused: accounts that are not 12 digits, regions off the AWS pattern, project names off the service's
/// pattern, dataset types other than `train`/`test`, statuses the API does not have, creation times outside 0 to
/// [`MAX_CREATED_SECS`] (or NaN), delays over [`MAX_DELAY_MS`], entries that are not one-line JSON objects, more
/// than [`MAX_ENTRIES_PER_DATASET`] entries in a dataset or [`MAX_ENTRIES_PER_SEED`] in all, model versions off
/// `[1-9][0-9]*` (at most 9 digits), invalid tags, `deny` names that are not operations, and every duplicate
/// (account, region in an account, project in a region, dataset type or model version in a project): a later
/// duplicate would silently replace the earlier one.
pub fn validate(seed: &Seed) -> Result<(), String> {
    if let Some(a) = seed.default_account.as_deref().filter(|a| !account_ok(a)) {
        return Err(format!("default_account `{a}`: expected a 12-digit account id"));
    }
    for (key, k) in &seed.access_keys {
        let at = format!("access_keys `{key}`");
        if key.is_empty() || key.len() > 128 || !key.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("{at}: expected 1-128 letters and digits"));
        }
        if !account_ok(&k.account) {
            return Err(format!("{at}: account `{}` is not a 12-digit account id", k.account));
        }
        if let Some(op) = k.deny.iter().find(|o| !Op::is_api_name(o)) {
            return Err(format!("{at}: unknown operation `{op}` in deny: expected {}", Op::api_names(", ")));
        }
    }
    let mut accounts = BTreeSet::new();
    let mut total: u64 = 0;
    for (ai, a) in seed.accounts.iter().enumerate() {
        let at = format!("accounts[{ai}] ({})", a.account);
        if !account_ok(&a.account) {
            return Err(format!("{at}: expected a 12-digit account id"));
        }
        if !accounts.insert(&a.account) {
            return Err(format!("{at}: duplicate account"));
        }
        let mut regions = BTreeSet::new();
        for (ri, r) in a.regions.iter().enumerate() {
            let at = format!("{at}.regions[{ri}] ({})", r.region);
            if !region_ok(&r.region) {
                return Err(format!("{at}: expected an AWS region name like us-east-1"));
            }
            if !regions.insert(&r.region) {
                return Err(format!("{at}: duplicate region in this account"));
            }
            let mut names = BTreeSet::new();
            for (pi, p) in r.projects.iter().enumerate() {
                let at = format!("{at}.projects[{pi}] ({})", p.name);
                check_project(p).map_err(|e| format!("{at}: {e}"))?;
                if !names.insert(&p.name) {
                    return Err(format!("{at}: duplicate project name in this account and region"));
                }
                total +=
                    p.datasets.iter().map(|d| d.entries.len() as u64 + d.generate_entries.unwrap_or(0)).sum::<u64>();
                if total > MAX_ENTRIES_PER_SEED {
                    return Err(format!("{at}: the seed has more than {MAX_ENTRIES_PER_SEED} entries in all"));
                }
            }
        }
    }
    Ok(())
}

fn check_project(p: &SeedProject) -> Result<(), String> {
    if !valid_project_name(&p.name) {
        return Err(
            "expected a project name of 1-255 letters, digits, `_` and `-`, starting with a letter or digit".into()
        );
    }
    if !time_ok(p.created) {
        return Err(format!("created {:?} is not epoch seconds from 0 to {MAX_CREATED_SECS}", p.created));
    }
    if p.listed_after_delete_ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
        return Err(format!("listed_after_delete_ms over {MAX_DELAY_MS} (10 years)"));
    }
    check_tags(&p.tags)?;
    check_jobs(p)?;
    let mut types = BTreeSet::new();
    for (di, d) in p.datasets.iter().enumerate() {
        let at = format!("datasets[{di}] ({})", d.dataset_type);
        if d.dataset_type != "train" && d.dataset_type != "test" {
            return Err(format!("{at}: expected type `train` or `test`"));
        }
        if !types.insert(&d.dataset_type) {
            return Err(format!("{at}: duplicate dataset type in this project"));
        }
        // An empty status is `Default`'s and means CREATE_COMPLETE.
        let status = if d.status.is_empty() { DatasetStatus::CreateComplete.as_str() } else { &d.status };
        let allowed = DatasetStatus::ALL.map(DatasetStatus::as_str);
        status_ok(status, &allowed, d.settle_after_ms, &d.settles_to).map_err(|e| format!("{at}: {e}"))?;
        if !time_ok(d.created) {
            return Err(format!("{at}: created {:?} is not epoch seconds from 0 to {MAX_CREATED_SECS}", d.created));
        }
        let n = d.entries.len() as u64 + d.generate_entries.unwrap_or(0);
        if n > MAX_ENTRIES_PER_DATASET {
            return Err(format!("{at}: {n} entries, more than {MAX_ENTRIES_PER_DATASET}"));
        }
        if let Some(i) = d.entries.iter().position(|e| {
            e.contains('\n') || serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(e).is_err()
        }) {
            return Err(format!("{at}: entries[{i}] is not a one-line JSON object"));
        }
    }
    let mut versions = BTreeSet::new();
    for (mi, m) in p.models.iter().enumerate() {
        let at = format!("models[{mi}] ({})", m.version);
        let digits = m.version.bytes().all(|b| b.is_ascii_digit());
        if !digits || m.version.is_empty() || m.version.len() > 9 || m.version.starts_with('0') {
            return Err(format!("{at}: expected a version number like 1 (at most 9 digits)"));
        }
        if !versions.insert(&m.version) {
            return Err(format!("{at}: duplicate model version in this project"));
        }
        let allowed = ModelStatus::ALL.map(ModelStatus::as_str);
        status_ok(&m.status, &allowed, m.settle_after_ms, &m.settles_to).map_err(|e| format!("{at}: {e}"))?;
        if !time_ok(m.created) {
            return Err(format!("{at}: created {:?} is not epoch seconds from 0 to {MAX_CREATED_SECS}", m.created));
        }
        check_model(m).map_err(|e| format!("{at}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::seed::{AccessKey, GenSpec, SeedAccount, SeedDataset, SeedModel, SeedRegion};

    fn valid() -> Seed {
        let dataset = |t: &str| SeedDataset {
            dataset_type: t.into(),
            status: "CREATE_COMPLETE".into(),
            created: 1.7e9,
            entries: vec![r#"{"source-ref":"s3://b/k.jpg"}"#.into()],
            generate_entries: Some(10),
            ..SeedDataset::default()
        };
        let project = |n: &str| SeedProject {
            name: n.into(),
            created: 1.6e9,
            datasets: vec![dataset("train"), dataset("test")],
            models: vec![SeedModel {
                version: "1".into(),
                status: "TRAINED".into(),
                created: 1.7e9,
                ..Default::default()
            }],
            tags: BTreeMap::from([("team".to_string(), "qa line:1".to_string())]),
            ..SeedProject::default()
        };
        Seed {
            missing_objects: Vec::new(),
            jpeg_images: false,
            organization: None,
            roles: Vec::new(),
            disabled_regions: BTreeMap::new(),
            default_account: Some("111122223333".into()),
            access_keys: BTreeMap::from([(
                "AKIDX".to_string(),
                AccessKey { account: "111122223333".into(), deny: vec!["DeleteDataset".into()] },
            )]),
            accounts: vec![SeedAccount {
                account: "111122223333".into(),
                regions: vec![SeedRegion { region: "us-east-1".into(), projects: vec![project("a"), project("b")] }],
            }],
        }
    }

    fn p(s: &mut Seed) -> &mut SeedProject {
        &mut s.accounts[0].regions[0].projects[1]
    }

    #[test]
    fn validate_refuses_each_bad_value_naming_the_entry() {
        assert_eq!(validate(&valid()), Ok(()));
        assert_eq!(validate(&Seed::generate(&GenSpec { projects: 30, ..GenSpec::default() })), Ok(()));
        type Mutation = fn(&mut Seed);
        let cases: &[(Mutation, &str)] = &[
            (|s| s.default_account = Some("1234".into()), "default_account `1234`"),
            (|s| s.access_keys.get_mut("AKIDX").unwrap().account = "x".into(), "access_keys `AKIDX`: account `x`"),
            (|s| s.access_keys.get_mut("AKIDX").unwrap().deny = vec!["NoSuchOp".into()], "`NoSuchOp`"),
            (|s| s.accounts[0].account = "11112222333a".into(), "accounts[0] (11112222333a)"),
            (|s| s.accounts.push(s.accounts[0].clone()), "accounts[1] (111122223333): duplicate account"),
            (|s| s.accounts[0].regions[0].region = "us east 1".into(), "regions[0] (us east 1)"),
            (|s| s.accounts[0].regions[0].region = String::new(), "regions[0] ()"),
            (
                |s| s.accounts[0].regions.push(SeedRegion { region: "us-east-1".into(), projects: vec![] }),
                "regions[1] (us-east-1): duplicate",
            ),
            (|s| p(s).name = "a".into(), "projects[1] (a): duplicate project"),
            (|s| p(s).name = "../x".into(), "projects[1] (../x): expected a project name"),
            (|s| p(s).name = String::new(), "projects[1] (): expected a project name"),
            (|s| p(s).name = "x".repeat(256), "expected a project name"),
            (|s| p(s).created = f64::NAN, "projects[1] (b): created NaN"),
            (|s| p(s).created = -1.0, "created -1"),
            (|s| p(s).created = 1e300, "created 1e300"),
            (|s| p(s).listed_after_delete_ms = Some(u64::MAX), "listed_after_delete_ms"),
            (|s| p(s).tags.insert(String::new(), "v".into()).map_or((), drop), "invalid tag"),
            (|s| p(s).tags.insert("k".into(), "\u{1b}[8m".into()).map_or((), drop), "invalid tag"),
            (|s| p(s).datasets[1].dataset_type = "train".into(), "datasets[1] (train): duplicate dataset type"),
            (|s| p(s).datasets[0].dataset_type = "validation".into(), "datasets[0] (validation): expected type"),
            (|s| p(s).datasets[0].status = "DONE".into(), "datasets[0] (train): unknown status `DONE`"),
            (|s| p(s).datasets[0].settles_to = Some("CREATE_COMPLETE".into()), "settles_to without settle_after_ms"),
            (|s| p(s).datasets[0].settle_after_ms = Some(u64::MAX), "settle_after_ms over"),
            (|s| p(s).datasets[0].created = f64::INFINITY, "datasets[0] (train): created inf"),
            (|s| p(s).datasets[0].generate_entries = Some(10_000_000_000), "more than 100000"),
            (|s| p(s).datasets[0].entries = vec!["not json".into()], "entries[0] is not a one-line JSON object"),
            (|s| p(s).datasets[0].entries = vec!["[1]".into()], "entries[0]"),
            (
                |s| p(s).models.push(SeedModel { version: "1".into(), ..Default::default() }),
                "models[1] (1): duplicate model version",
            ),
            (|s| p(s).models[0].version = "01".into(), "models[0] (01): expected a version"),
            (|s| p(s).models[0].version = "9999999999".into(), "models[0] (9999999999)"),
            (|s| p(s).models[0].status = "ONLINE".into(), "models[0] (1): unknown status `ONLINE`"),
            (|s| p(s).models[0].settles_to = Some("GONE".into()), "unknown settles_to `GONE`"),
            (|s| p(s).models[0].created = f64::NAN, "models[0] (1): created NaN"),
        ];
        for (i, (mutate, fragment)) in cases.iter().enumerate() {
            let mut s = valid();
            mutate(&mut s);
            match validate(&s) {
                Ok(()) => panic!("case {i} ({fragment}) accepted"),
                Err(e) => assert!(e.contains(fragment), "case {i}: {e:?} lacks {fragment:?}"),
            }
        }
    }

    #[test]
    fn validate_bounds_the_entries_of_a_whole_seed() {
        let mut s = valid();
        let region = &mut s.accounts[0].regions[0];
        let template = region.projects[0].clone();
        region.projects = (0..60)
            .map(|i| {
                let mut p = template.clone();
                p.name = format!("p{i}");
                for d in &mut p.datasets {
                    d.entries.clear();
                    d.generate_entries = Some(MAX_ENTRIES_PER_DATASET);
                }
                p
            })
            .collect();
        let e = validate(&s).unwrap_err();
        assert!(e.contains("projects[50] (p50): the seed has more than 10000000 entries"), "{e}");
    }
}
