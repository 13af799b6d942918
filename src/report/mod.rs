//! Consumers of the executor's results: progress display, CSV audit, JSON summary, `leftovers.csv`.
pub mod audit;
pub mod csv_cells;
pub mod leftovers;
pub mod leftovers_run;
pub mod progress;
pub mod summary;
