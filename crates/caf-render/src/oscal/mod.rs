//! NIST OSCAL (JSON) renderings: the report as assessment results and as a plan of action and
//! milestones, and a framework as a catalog, so that an auditor's OSCAL tooling can read a CAF
//! assessment without re-keying it.
//!
//! Everything CAF-specific that OSCAL has no field for (the four-valued status, the target, the
//! statement levels) is carried as a property in this project's namespace [`NS`], documented in
//! `docs/oscal.md`. Identifiers are name-based (UUID v5) from stable names, so the same input
//! always gives byte-identical output and a finding keeps its UUID between the assessment
//! results and the POA&M that points at it.

mod catalog;
mod results;

pub use catalog::catalog;
pub use results::{assessment_results, poam};

use serde_json::{Value, json};
use uuid::Uuid;

/// The namespace of this project's OSCAL properties and part names (a name, not a web page).
pub const NS: &str = "urn:caf:oscal:1";

/// The OSCAL release whose schema the output is validated against.
pub const OSCAL_VERSION: &str = "1.2.3";

/// The UUID of the thing called `name`: the same name always gives the same UUID.
fn uuid(name: &str) -> String {
    let project = Uuid::new_v5(&Uuid::NAMESPACE_URL, NS.as_bytes());
    Uuid::new_v5(&project, name.as_bytes()).to_string()
}

/// A property in this project's namespace.
fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": one_line(value) })
}

/// A property qualified by a class (which profile a target belongs to, for example).
fn prop_with_class(name: &str, class: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "class": class, "value": one_line(value) })
}

/// OSCAL strings and lines allow no leading or trailing white space, no line breaks in a
/// line, and no empty value: free text from an assessment file is folded to fit.
fn one_line(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        "-".to_string()
    } else {
        folded
    }
}

/// A timestamp from an assessment date (midnight UTC); without a date the Unix epoch, so that
/// the document does not change with the clock.
fn timestamp(date: Option<&str>) -> String {
    let date = date
        .filter(|d| caf_core::assessment::Date::parse(d).is_some())
        .unwrap_or("1970-01-01");
    format!("{date}T00:00:00Z")
}

/// Inserts `key: items` only when there are items: OSCAL arrays may not be empty.
fn put_list(object: &mut Value, key: &str, items: Vec<Value>) {
    if !items.is_empty() {
        object[key] = Value::Array(items);
    }
}
