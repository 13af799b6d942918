//! The planner's filters: project-name globs (exclude wins over include), dataset type and a creation-time
//! window on the dataset's CreationTimestamp. Each rejection carries a reason code and a detail for the
//! plan's `skipped` list.

use chrono::{DateTime, NaiveDate, Utc};
use globset::{Glob, GlobSet, GlobSetBuilder};

use super::types::{DatasetType, SkipReason};
use crate::error::{Error, Result};

/// Why something was left out: (reason code, detail).
pub type Rejection = (SkipReason, String);

/// Compiled filters.
#[derive(Debug, Clone)]
pub struct Filter {
    include: Vec<(String, GlobSet)>,
    exclude: Vec<(String, GlobSet)>,
    dataset_type: Option<DatasetType>,
    before: Option<DateTime<Utc>>,
    after: Option<DateTime<Utc>>,
}

fn compile(flag: &str, patterns: &[String]) -> Result<Vec<(String, GlobSet)>> {
    patterns
        .iter()
        .map(|p| {
            let glob = Glob::new(p).map_err(|e| Error::Usage(format!("invalid {flag} glob {p:?}: {e}")))?;
            let set =
                GlobSetBuilder::new().add(glob).build().map_err(|e| Error::Usage(format!("{flag} {p:?}: {e}")))?;
            Ok((p.clone(), set))
        })
        .collect()
}

impl Filter {
    /// Compile the flags. `dataset_type` `None` selects both.
    pub fn new(
        include: &[String],
        exclude: &[String],
        dataset_type: Option<DatasetType>,
        before: Option<DateTime<Utc>>,
        after: Option<DateTime<Utc>>,
    ) -> Result<Self> {
        if let (Some(b), Some(a)) = (before, after)
            && b <= a
        {
            return Err(Error::Usage(format!(
                "--created-before {b} is not after --created-after {a}: nothing can match"
            )));
        }
        Ok(Self {
            include: compile("--include", include)?,
            exclude: compile("--exclude", exclude)?,
            dataset_type,
            before,
            after,
        })
    }

    /// Is this project selected?
    pub fn project(&self, name: &str) -> std::result::Result<(), Rejection> {
        if let Some((p, _)) = self.exclude.iter().find(|(_, g)| g.is_match(name)) {
            return Err((SkipReason::Excluded, format!("project name matches --exclude {p:?}")));
        }
        if !self.include.is_empty() && !self.include.iter().any(|(_, g)| g.is_match(name)) {
            let pats: Vec<&str> = self.include.iter().map(|(p, _)| p.as_str()).collect();
            return Err((SkipReason::NotIncluded, format!("project name matches no --include ({})", pats.join(", "))));
        }
        Ok(())
    }

    /// `--scope all`: is a project created at `created` inside the `--created-before/--created-after` window?
    pub fn project_created(&self, created: Option<DateTime<Utc>>) -> std::result::Result<(), Rejection> {
        window(self.before, self.after, created)
    }

    /// Is the dataset of this type (the service's spelling) and CreationTimestamp selected? (Plain values, so
    /// that plan data imports nothing from `cloud`.)
    pub fn dataset(&self, dataset_type: &str, created: Option<DateTime<Utc>>) -> std::result::Result<(), Rejection> {
        if let Some(t) = self.dataset_type
            && dataset_type != t.as_str()
        {
            return Err((SkipReason::DatasetType, format!("--dataset-type {t}")));
        }
        window(self.before, self.after, created)
    }
}

/// Is `created` strictly before `before` and at or after `after` (each when given)?
fn window(
    before: Option<DateTime<Utc>>,
    after: Option<DateTime<Utc>>,
    created: Option<DateTime<Utc>>,
) -> std::result::Result<(), Rejection> {
    if let Some(before) = before {
        match created {
            Some(c) if c < before => {}
            Some(c) => return Err((SkipReason::CreatedBefore, format!("created {c}, not before {before}"))),
            None => return Err((SkipReason::CreatedBefore, "no CreationTimestamp".to_string())),
        }
    }
    if let Some(after) = after {
        match created {
            Some(c) if c >= after => {}
            Some(c) => return Err((SkipReason::CreatedAfter, format!("created {c}, before {after}"))),
            None => return Err((SkipReason::CreatedAfter, "no CreationTimestamp".to_string())),
        }
    }
    Ok(())
}

/// Parse a `--created-before/--created-after` value: RFC 3339 (`2024-03-01T00:00:00Z`) or a date
/// (`2024-03-01`, midnight UTC).
pub fn parse_time(s: &str) -> std::result::Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(format!("{s:?} is neither RFC 3339 (2024-03-01T00:00:00Z) nor a date (2024-03-01)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The filter's verdict on a dataset of type `t` created at `created`.
    fn ds(f: &Filter, t: &str, created: &str) -> std::result::Result<(), Rejection> {
        f.dataset(t, Some(parse_time(created).unwrap()))
    }

    #[test]
    fn exclude_wins_over_include() {
        let f = Filter::new(&["pcb-*".into()], &["*-keep".into()], None, None, None).unwrap();
        assert!(f.project("pcb-a").is_ok());
        assert_eq!(f.project("pcb-keep").unwrap_err().0, "excluded");
        assert_eq!(f.project("other").unwrap_err().0, "not_included");
    }

    #[test]
    fn type_and_window() {
        let f = Filter::new(&[], &[], Some(DatasetType::Test), Some(parse_time("2024-01-01").unwrap()), None).unwrap();
        assert!(ds(&f, "test", "2023-06-01").is_ok());
        assert_eq!(ds(&f, "train", "2023-06-01").unwrap_err().0, "dataset_type");
        assert_eq!(ds(&f, "test", "2024-06-01").unwrap_err().0, "created_before");
        let f = Filter::new(&[], &[], None, None, Some(parse_time("2024-01-01T00:00:00Z").unwrap())).unwrap();
        assert_eq!(ds(&f, "test", "2023-06-01").unwrap_err().0, "created_after");
        assert!(ds(&f, "test", "2024-01-01").is_ok());
    }

    #[test]
    fn bad_inputs_name_the_flag() {
        assert!(Filter::new(&["[".into()], &[], None, None, None).unwrap_err().to_string().contains("--include"));
        assert!(parse_time("yesterday").is_err());
    }
}
