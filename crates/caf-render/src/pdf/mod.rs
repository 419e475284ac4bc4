//! PDF: the assessment report as an A4 board paper and the aggregate as a paper for a central
//! unit, both drawn with the layout primitives in [`layout`], tagged for accessibility
//! ([`tagged`]) and written as PDF/UA-1 by krilla.

pub mod aggregate;
pub mod call;
mod font;
mod layout;
pub mod report;
pub mod review;
mod tagged;
