//! Consumers of the executor's results: progress display, CSV audit, JSON summary.
pub mod audit;
pub mod csv_cells;
pub mod progress;
pub mod summary;
