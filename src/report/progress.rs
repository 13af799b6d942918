//! The human progress display: consumes `exec::events` and draws on stderr. On a terminal (and not under
//! CI, `--color never`, `NO_COLOR` or `--quiet`: see [`fancy`]) an indicatif bar shows done/total, rate, ETA,
//! throttled and failed counts; otherwise a plain line is printed every 5 s and at each phase's end. Both add
//! the items finished so far per kind once a plan item of a kind other than `delete_dataset` has finished
//! (`kinds: stop_model 2, delete_model 4, ...`). Notes are printed as their own lines. Under `--quiet` nothing
//! is printed but why a run stopped early. Text from events goes through [`crate::escape`] (notes quote plan
//! fields and service answers).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinHandle;

use crate::escape::{escape, escape_lines};
use crate::exec::events::{Event, Waiting};
use crate::plan::Kind;

/// Interval of plain progress lines.
pub const PLAIN_INTERVAL: Duration = Duration::from_secs(5);

/// True if a bar should be drawn: stderr is a terminal, not under CI, escape sequences allowed
/// ([`crate::term`]: not `--color never`, not `NO_COLOR`) and not `--quiet`.
pub fn fancy() -> bool {
    let o = crate::term::output();
    o.color && !o.quiet && std::io::stderr().is_terminal() && std::env::var_os("CI").is_none()
}

/// The per-kind part of a progress line: `; kinds: stop_model 2, delete_model 4` in [`Kind::ALL`] order, or
/// empty while only `delete_dataset` items have finished (a datasets-only run's line stays as it was).
pub fn kinds_text(done: &BTreeMap<Kind, u64>) -> String {
    if done.keys().all(|k| *k == Kind::DeleteDataset) {
        return String::new();
    }
    let parts: Vec<String> = Kind::ALL.iter().filter_map(|k| done.get(k).map(|n| format!("{k} {n}"))).collect();
    format!("; kinds: {}", parts.join(", "))
}

struct Plain {
    kinds: BTreeMap<Kind, u64>,
    name: String,
    total: u64,
    done: u64,
    failed: u64,
    throttled: u64,
    started: Instant,
    last: Instant,
}

impl Plain {
    fn line(&self) {
        if self.name.is_empty() {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let pct = if self.total > 0 {
            format!(" ({:.0}%)", 100.0 * self.done as f64 / self.total as f64)
        } else {
            String::new()
        };
        eprintln!(
            "{}: {}/{}{pct}, {:.1}/s, throttled {}, failed {}{}",
            escape(&self.name),
            self.done,
            self.total,
            self.done as f64 / secs,
            self.throttled,
            self.failed,
            kinds_text(&self.kinds)
        );
    }
}

/// The line shown for a wait: `waiting for REGION/PROJECT/train dataset SEQ: STATUS` for a dataset,
/// `waiting for REGION/PROJECT/KIND RESOURCE SEQ: STATUS` for the other kinds.
fn waiting_line(w: &Waiting) -> String {
    let Waiting { seq, region, project, kind, resource, status } = w;
    match kind {
        Kind::DeleteDataset => format!("waiting for {region}/{project}/{resource} dataset {seq}: {status}"),
        _ => format!("waiting for {region}/{project}/{kind} {resource} {seq}: {status}"),
    }
}

/// Spawn the display; it ends when every sender is dropped.
pub fn spawn(rx: UnboundedReceiver<Event>) -> JoinHandle<()> {
    tokio::spawn(async move {
        if crate::term::output().quiet {
            quiet(rx).await
        } else if fancy() {
            bar(rx).await
        } else {
            plain(rx).await
        }
    })
}

/// `--quiet`: nothing but why a run stopped early.
async fn quiet(mut rx: UnboundedReceiver<Event>) {
    while let Some(e) = rx.recv().await {
        if let Event::Stopping(stop) = e {
            eprintln!("{}", escape_lines(&stop.to_string()));
        }
    }
}

/// On a terminal: one progress bar per phase, notes printed above it.
async fn bar(mut rx: UnboundedReceiver<Event>) {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    // About 75 columns, so it fits an 80-column terminal without wrapping.
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:20}] {pos}/{len} {rate} ETA {eta} {msg}")
            .expect("template")
            .with_key("rate", |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.1}/s", s.per_sec());
            })
            .progress_chars("=> "),
    );
    let (mut throttled, mut failed) = (0u64, 0u64);
    let mut kinds = BTreeMap::new();
    while let Some(e) = rx.recv().await {
        match e {
            Event::Phase { name, total } => {
                bar.reset();
                bar.set_prefix(escape(&name).into_owned());
                bar.set_length(total);
            }
            Event::AddTotal(n) => bar.inc_length(n),
            Event::Done { failed: f } => {
                failed += u64::from(f);
                bar.inc(1);
            }
            Event::Finished { kind, .. } => *kinds.entry(kind).or_insert(0) += 1,
            Event::Throttled => throttled += 1,
            Event::Record(_) => {}
            Event::Waiting(w) => bar.println(escape_lines(&waiting_line(&w))),
            Event::Note(n) => bar.println(escape_lines(&n)),
            Event::Stopping(stop) => bar.println(escape_lines(&stop.to_string())),
        }
        bar.set_message(format!("throttled {throttled} failed {failed}{}", kinds_text(&kinds)));
    }
    bar.finish_and_clear();
}

/// Elsewhere (a file, a pipe, CI): a line every [`PLAIN_INTERVAL`] and at the end of each phase.
async fn plain(mut rx: UnboundedReceiver<Event>) {
    let now = Instant::now();
    let mut p = Plain {
        kinds: BTreeMap::new(),
        name: String::new(),
        total: 0,
        done: 0,
        failed: 0,
        throttled: 0,
        started: now,
        last: now,
    };
    while let Some(e) = rx.recv().await {
        match e {
            Event::Phase { name, total } => {
                if p.done > 0 {
                    p.line();
                }
                p = Plain { name, total, started: Instant::now(), last: Instant::now(), ..p };
                p.done = 0;
            }
            Event::AddTotal(n) => p.total += n,
            Event::Done { failed } => {
                p.done += 1;
                p.failed += u64::from(failed);
            }
            Event::Finished { kind, .. } => *p.kinds.entry(kind).or_insert(0) += 1,
            Event::Throttled => p.throttled += 1,
            Event::Record(_) => {}
            Event::Waiting(w) => eprintln!("{}", escape_lines(&waiting_line(&w))),
            Event::Note(n) => eprintln!("{}", escape_lines(&n)),
            Event::Stopping(stop) => eprintln!("{}", escape_lines(&stop.to_string())),
        }
        if p.last.elapsed() >= PLAIN_INTERVAL {
            p.line();
            p.last = Instant::now();
        }
    }
    if p.done > 0 {
        p.line();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_lines_name_the_item_and_status() {
        let w = |kind, resource: &str| Waiting {
            seq: 7,
            region: "eu-west-1".into(),
            project: "p".into(),
            kind,
            resource: resource.into(),
            status: "CREATE_IN_PROGRESS".into(),
        };
        let cases = [
            (w(Kind::DeleteDataset, "train"), "waiting for eu-west-1/p/train dataset 7: CREATE_IN_PROGRESS"),
            (w(Kind::StopModel, "2"), "waiting for eu-west-1/p/stop_model 2 7: CREATE_IN_PROGRESS"),
            (w(Kind::DeleteProject, "p"), "waiting for eu-west-1/p/delete_project p 7: CREATE_IN_PROGRESS"),
        ];
        for (w, want) in cases {
            assert_eq!(waiting_line(&w), want);
        }
    }

    #[test]
    fn kinds_text_names_each_kind_seen_in_execution_order() {
        let m = |pairs: &[(Kind, u64)]| pairs.iter().copied().collect::<BTreeMap<_, _>>();
        let cases: [(&[(Kind, u64)], &str); 4] = [
            (&[], ""),
            (&[(Kind::DeleteDataset, 40)], ""),
            (&[(Kind::DeleteProject, 1), (Kind::StopModel, 2)], "; kinds: stop_model 2, delete_project 1"),
            (
                &[(Kind::DeleteDataset, 4), (Kind::DeleteModel, 9), (Kind::StopModel, 3), (Kind::DeleteProject, 2)],
                "; kinds: stop_model 3, delete_model 9, delete_dataset 4, delete_project 2",
            ),
        ];
        for (done, want) in cases {
            assert_eq!(kinds_text(&m(done)), want, "{done:?}");
        }
    }
}
