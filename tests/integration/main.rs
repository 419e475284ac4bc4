//! All integration tests build as one binary, one module per area. See tests/README.md.

mod support;

mod aggregate;
mod assess;
mod calls;
mod carry;
mod cli;
mod disclosure;
mod hygiene;
mod oscal;
mod overrides;
mod plan;
mod polish;
mod profiles;
mod publish;
mod reconcile;
mod reference;
mod report;
mod review;
mod robustness;
mod server;
mod server_aggregate;
mod server_digest;
mod server_faults;
mod server_limits;
mod server_pg;
mod server_reviews;
mod server_tips;
mod service;
mod synth;
mod tip;
mod webcaf;
