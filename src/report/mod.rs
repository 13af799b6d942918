//! Consumers of the executor's results: progress display, CSV audit, JSON summary (its count maps keyed by
//! `tally`), `leftovers.csv`; and what every JSON document says about itself (`about`).
pub mod about;
pub mod audit;
pub mod csv_cells;
pub mod leftovers;
pub mod leftovers_run;
pub mod metrics;
pub mod progress;
pub mod summary;
pub mod tally;
