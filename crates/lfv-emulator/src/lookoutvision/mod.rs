//! Lookout for Vision's operations, behind the one request pipeline (`pipeline.rs`: scope -> service, SigV4,
//! auth, quota, faults, metrics, delay): `service.rs` is the service the pipeline calls (routing, what the log
//! records, refusals), `ops.rs` dispatches each API request and holds the project and dataset
//! mutations, `mutate.rs` the idempotent mutation frame, `queries.rs` the project and dataset reads,
//! `models.rs` StopModel, DeleteModel, ListModels and DescribeModel, `tags.rs` ListTagsForResource,
//! TagResource and UntagResource, `packaging.rs` ListModelPackagingJobs and DescribeModelPackagingJob.
//! The world they act on (`state.rs`, `model_state.rs`) and the wire (`wire.rs`, `validate.rs`, `paging.rs`)
//! are shared with the other services and stay at the crate's root.

mod models;
mod mutate;
mod ops;
mod packaging;
mod queries;
mod service;
mod tags;

pub(crate) use service::LookoutVision;
