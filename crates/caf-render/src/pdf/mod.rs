//! PDF (printpdf): the assessment report as an A4 board paper and the aggregate as a paper for
//! a central unit, both drawn with the layout primitives in [`layout`].

pub mod aggregate;
pub mod call;
mod layout;
pub mod report;
