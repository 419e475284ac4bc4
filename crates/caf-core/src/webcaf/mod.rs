//! Interchange with WebCAF, the UK Government's GovAssure CAF self-assessment service: reading
//! its assessment data into an assessment file ([`import()`]), and the statement numbering both
//! directions share ([`ids`]). The analytics-export shape `caf report --format webcaf-json`
//! writes is drawn by `caf-render` from the report model; its field names are [`export`]'s.
//!
//! WebCAF numbers an outcome's statements once across all three levels (`A1.a.1` …, not
//! achieved first) and keys each answer `<level>_<id>`; this project numbers them within their
//! level (`A1.a.NA.1`). The numbering has defects in WebCAF's v4.0 data, which [`ids`] repairs.

pub mod export;
pub mod ids;
pub mod import;

pub use ids::WebcafIds;
pub use import::{Imported, import};
