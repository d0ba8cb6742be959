//! Drift between two cohorts of decisions: which inputs and outputs shifted, by how much, with
//! which test, and whether the data, the model or the retrieval moved. `stats` holds the
//! statistics themselves; cohorts, the per-column tests, attribution and reports build on it.

pub mod stats;
