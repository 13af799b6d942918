//! The plan as a file: parse either format, load (parse, validate, check the clock), seal and save.

use std::path::Path;

use chrono::Utc;
use serde::Deserialize;

use super::counts::counts;
use super::digest::digest;
use super::format::{FORMAT_V1, Plan};
use super::v1;
use super::validate::check_created_at;
use crate::error::{Error, Result};

impl Plan {
    /// Compute the summary (from [`counts`], keeping `projects_seen`) and the digest from the other fields.
    pub fn seal(&mut self) {
        let c = counts(self);
        self.summary.targets = c.targets;
        self.summary.projects_planned = c.projects_planned;
        self.summary.items = c.items;
        self.summary.items_by_kind = c.items_by_kind;
        self.summary.items_by_type = c.items_by_type;
        self.summary.skipped_by_reason = c.skipped_by_reason;
        self.digest = digest(self);
    }

    /// Parse a plan file of either format ([`super::format::FORMAT`] or [`FORMAT_V1`]), without validating it.
    pub fn parse(text: &str) -> std::result::Result<Plan, String> {
        #[derive(Deserialize)]
        struct Head {
            format: Option<String>,
        }
        let head: Head = serde_json::from_str(text).map_err(|e| format!("not a plan: {e}"))?;
        match head.format.as_deref() {
            Some(FORMAT_V1) => v1::parse(text),
            _ => serde_json::from_str(text).map_err(|e| format!("not a plan: {e}")),
        }
    }

    /// Read a plan file of either format, [`Plan::validate`] it and [`check_created_at`] against this
    /// machine's clock (errors exit 2).
    pub fn load(path: &Path) -> Result<Plan> {
        let invalid = |reason: String| Error::InvalidPlan { path: path.to_path_buf(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| invalid(format!("cannot read: {e}")))?;
        let plan = Plan::parse(&text).map_err(&invalid)?;
        plan.validate().map_err(&invalid)?;
        check_created_at(plan.created_at, Utc::now()).map_err(invalid)?;
        Ok(plan)
    }

    /// Write atomically and owner-only ([`lfv_fs::write_atomic`]). Refuses to replace an existing file
    /// unless `force`.
    pub fn save(&self, path: &Path, force: bool) -> Result<()> {
        if !force && path.exists() {
            return Err(Error::Usage(format!("{} already exists; pass --force to replace it", path.display())));
        }
        let mut bytes = serde_json::to_vec_pretty(self).expect("plan serialises");
        bytes.push(b'\n');
        lfv_fs::write_atomic(path, &bytes).map_err(|e| Error::io("write", path, e))
    }
}
