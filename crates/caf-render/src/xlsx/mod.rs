//! Excel workbooks (rust_xlsxwriter): the editable forms of the report and the aggregate.

pub mod aggregate;
pub mod plan;
pub mod report;
pub mod review;
