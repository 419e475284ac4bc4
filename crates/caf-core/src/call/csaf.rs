//! A CSAF 2.0 advisory (OASIS Common Security Advisory Framework, the JSON vendors and
//! national CERTs publish) turned into a draft call.
//!
//! The advisory is read into a strict model of the CSAF 2.0 JSON schema: every object that
//! schema closes (`additionalProperties: false`) refuses unknown members here too, required
//! members and their types are enforced, and the schema's enumerations (document status,
//! publisher and branch categories) are checked. Of the schema's nested detail, only what a
//! call needs is typed; the rest (notes, scores, threats, ...) is kept as JSON and not looked
//! into. On top of the schema, CSAF's first mandatory test (6.1.1) applies: every product id
//! a vulnerability names must be defined in the product tree. Every problem is located
//! (line and column) in the advisory.
//!
//! The draft asks the standard exposure questions (do you run it, which products, patched,
//! internet-facing, signs of compromise) and carries the rule
//! `uses = "yes" and patched != "patched"`. It is written through `toml`'s serializer, so no
//! text from the advisory can break out of its string, and read back through the call
//! reader before it is returned.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::diagnostic::{Code, Diagnostic, SourceFile};

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advisory {
    document: Document,
    #[serde(default)]
    product_tree: Option<ProductTree>,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    category: String,
    csaf_version: String,
    publisher: Publisher,
    title: String,
    tracking: Tracking,
    #[serde(default)]
    aggregate_severity: Option<AggregateSeverity>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    notes: Vec<Note>,
    #[serde(default)]
    acknowledgments: Option<Json>,
    #[serde(default)]
    distribution: Option<Json>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    source_lang: Option<String>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Publisher {
    category: PublisherCategory,
    name: String,
    namespace: String,
    #[serde(default)]
    contact_details: Option<String>,
    #[serde(default)]
    issuing_authority: Option<String>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum PublisherCategory {
    Coordinator,
    Discoverer,
    Other,
    Translator,
    User,
    Vendor,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Tracking {
    id: String,
    current_release_date: String,
    initial_release_date: String,
    revision_history: Vec<Revision>,
    status: TrackingStatus,
    version: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    generator: Option<Json>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Revision {
    date: String,
    number: String,
    summary: String,
    #[serde(default)]
    legacy_version: Option<String>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum TrackingStatus {
    Draft,
    Final,
    Interim,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregateSeverity {
    text: String,
    #[serde(default)]
    namespace: Option<String>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    summary: String,
    url: String,
    #[serde(default)]
    category: Option<String>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    category: String,
    text: String,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    title: Option<String>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductTree {
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    full_product_names: Vec<FullProductName>,
    #[serde(default)]
    product_groups: Vec<Json>,
    #[serde(default)]
    relationships: Vec<Relationship>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Branch {
    category: BranchCategory,
    name: String,
    #[serde(default)]
    branches: Vec<Branch>,
    #[serde(default)]
    product: Option<FullProductName>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize, PartialEq, Eq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum BranchCategory {
    Architecture,
    HostName,
    Language,
    Legacy,
    PatchLevel,
    ProductFamily,
    ProductName,
    ProductVersion,
    ProductVersionRange,
    ServicePack,
    Specification,
    Vendor,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FullProductName {
    name: String,
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<Json>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Relationship {
    category: String,
    full_product_name: FullProductName,
    product_reference: String,
    relates_to_product_reference: String,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vulnerability {
    #[serde(default)]
    cve: Option<String>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    product_status: Option<ProductStatus>,
    #[serde(default)]
    remediations: Vec<Remediation>,
    #[serde(default)]
    scores: Vec<Score>,
    #[serde(default)]
    notes: Vec<Note>,
    #[serde(default)]
    references: Vec<Reference>,
    #[serde(default)]
    acknowledgments: Option<Json>,
    #[serde(default)]
    cwe: Option<Json>,
    #[serde(default)]
    discovery_date: Option<String>,
    #[serde(default)]
    flags: Option<Json>,
    #[serde(default)]
    ids: Option<Json>,
    #[serde(default)]
    involvements: Option<Json>,
    #[serde(default)]
    release_date: Option<String>,
    #[serde(default)]
    threats: Option<Json>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProductStatus {
    #[serde(default)]
    first_affected: Vec<String>,
    #[serde(default)]
    first_fixed: Vec<String>,
    #[serde(default)]
    fixed: Vec<String>,
    #[serde(default)]
    known_affected: Vec<String>,
    #[serde(default)]
    known_not_affected: Vec<String>,
    #[serde(default)]
    last_affected: Vec<String>,
    #[serde(default)]
    recommended: Vec<String>,
    #[serde(default)]
    under_investigation: Vec<String>,
}

impl ProductStatus {
    fn affected(&self) -> impl Iterator<Item = &String> {
        self.known_affected
            .iter()
            .chain(&self.first_affected)
            .chain(&self.last_affected)
    }

    fn all(&self) -> impl Iterator<Item = &String> {
        self.affected()
            .chain(&self.first_fixed)
            .chain(&self.fixed)
            .chain(&self.known_not_affected)
            .chain(&self.recommended)
            .chain(&self.under_investigation)
    }
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Remediation {
    category: String,
    details: String,
    #[serde(default)]
    product_ids: Vec<String>,
    #[serde(default)]
    group_ids: Vec<String>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    entitlements: Option<Json>,
    #[serde(default)]
    restart_required: Option<Json>,
}

// Members the schema defines are read to check them, whether or not the draft uses them.
#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Score {
    products: Vec<String>,
    #[serde(default)]
    cvss_v2: Option<Json>,
    #[serde(default)]
    cvss_v3: Option<Json>,
}

/// A product of the tree: its vendor, product name and version, from the branches above it.
#[derive(Default, Clone)]
struct Place {
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
}

fn walk(
    branches: &[Branch],
    place: &Place,
    out: &mut BTreeMap<String, (String, Place)>,
    depth: usize,
) {
    if depth > 30 {
        return;
    }
    for b in branches {
        let mut here = place.clone();
        match b.category {
            BranchCategory::Vendor => here.vendor = Some(b.name.clone()),
            BranchCategory::ProductName | BranchCategory::ProductFamily => {
                here.product = Some(b.name.clone())
            }
            BranchCategory::ProductVersion | BranchCategory::ProductVersionRange => {
                here.version = Some(b.name.clone())
            }
            _ => {}
        }
        if let Some(p) = &b.product {
            out.insert(p.product_id.clone(), (p.name.clone(), here.clone()));
        }
        walk(&b.branches, &here, out, depth + 1);
    }
}

/// The serialised draft: the call file's keys, in its order.
#[derive(Serialize)]
struct Draft {
    id: String,
    title: String,
    severity: String,
    deadline: String,
    summary: String,
    suppliers: Vec<String>,
    references: Vec<String>,
    exposed: String,
    audience: DraftAudience,
    products: Vec<crate::call::Product>,
    questions: Vec<DraftQuestion>,
}

#[derive(Serialize)]
struct DraftAudience {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppliers: Vec<String>,
}

#[derive(Serialize)]
struct DraftQuestion {
    id: &'static str,
    text: String,
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    choices: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    when: Option<&'static str>,
    required: bool,
}

/// The largest advisory read, in bytes.
pub const MAX_ADVISORY_BYTES: usize = 8 * 1024 * 1024;

/// A draft call (TOML text) from a CSAF 2.0 advisory; the deadline is `deadline`.
pub fn draft(
    source: &SourceFile,
    deadline: time::OffsetDateTime,
) -> Result<String, Vec<Diagnostic>> {
    let invalid = |message: String, line: usize, column: usize| {
        let offset = source.offset(line, column);
        vec![
            Diagnostic::error(Code::InvalidCsaf, message)
                .help("give a CSAF 2.0 advisory as its publisher issued it (the JSON file, not a web page)")
                .at(source, offset..offset + 1),
        ]
    };
    if source.text().len() > MAX_ADVISORY_BYTES {
        return Err(invalid(
            format!("the advisory is over {MAX_ADVISORY_BYTES} bytes"),
            1,
            1,
        ));
    }
    let advisory: Advisory = serde_json::from_str(source.text()).map_err(|e| {
        invalid(
            crate::diagnostic::clip(&e.to_string(), 300).into_owned(),
            e.line(),
            e.column(),
        )
    })?;
    let doc = &advisory.document;
    let at_document = || {
        let offset = source.text().find("\"document\"").unwrap_or(0);
        let l = source.locate(offset..offset + 1);
        (l.line, l.column)
    };
    if doc.csaf_version != "2.0" {
        let offset = source.text().find("\"csaf_version\"").unwrap_or(0);
        let l = source.locate(offset..offset + 1);
        return Err(invalid(
            format!(
                "csaf_version is {:?}; this reads CSAF 2.0",
                crate::diagnostic::clip(&doc.csaf_version, 20)
            ),
            l.line,
            l.column,
        ));
    }
    let mut products = BTreeMap::new();
    let tree = advisory.product_tree.as_ref();
    if let Some(tree) = tree {
        walk(&tree.branches, &Place::default(), &mut products, 0);
        for p in &tree.full_product_names {
            products.insert(p.product_id.clone(), (p.name.clone(), Place::default()));
        }
        for r in &tree.relationships {
            let p = &r.full_product_name;
            let place = products
                .get(&r.product_reference)
                .map(|(_, pl)| pl.clone())
                .unwrap_or_default();
            products.insert(p.product_id.clone(), (p.name.clone(), place));
        }
    }
    // Mandatory test 6.1.1: every product id used is defined.
    let mut affected = BTreeSet::new();
    for v in &advisory.vulnerabilities {
        let status = v.product_status.as_ref();
        let used = status
            .into_iter()
            .flat_map(ProductStatus::all)
            .chain(v.remediations.iter().flat_map(|r| &r.product_ids))
            .chain(v.scores.iter().flat_map(|s| &s.products));
        for id in used {
            if !products.contains_key(id) {
                let offset = source.text().find(&format!("\"{id}\"")).unwrap_or(0);
                let l = source.locate(offset..offset + 1);
                return Err(invalid(
                    format!(
                        "product id {:?} is used but not defined in the product tree (CSAF mandatory test 6.1.1)",
                        crate::diagnostic::clip(id, 60)
                    ),
                    l.line,
                    l.column,
                ));
            }
        }
        affected.extend(
            status
                .into_iter()
                .flat_map(ProductStatus::affected)
                .cloned(),
        );
    }
    if affected.is_empty() {
        let (line, column) = at_document();
        return Err(invalid(
            "no product is named as affected (known_affected, first_affected or last_affected)"
                .to_string(),
            line,
            column,
        ));
    }

    let mut vendors = BTreeSet::new();
    let mut by_product: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for id in &affected {
        let (name, place) = &products[id];
        if let Some(v) = &place.vendor {
            vendors.insert(v.clone());
        }
        let product = place.product.clone().unwrap_or_else(|| name.clone());
        let versions = by_product.entry(product).or_default();
        if let Some(v) = &place.version {
            versions.insert(v.clone());
        }
    }
    let cves: Vec<String> = advisory
        .vulnerabilities
        .iter()
        .filter_map(|v| v.cve.clone())
        .collect();
    let severity = severity(doc, &advisory.vulnerabilities);
    let product_names: Vec<String> = by_product
        .keys()
        .take(crate::call::file::MAX_CHOICES)
        .cloned()
        .collect();
    let products_text = product_names.join(", ");
    let id = call_id(&doc.tracking.id);
    let mut references: Vec<String> = doc
        .references
        .iter()
        .map(|r| r.url.clone())
        .take(20)
        .collect();
    references.extend(
        cves.iter()
            .map(|c| format!("https://www.cve.org/CVERecord?id={c}"))
            .take(20),
    );
    let summary = format!(
        "Drafted from CSAF advisory {} ({}, version {}) by {}{}.",
        doc.tracking.id,
        doc.category,
        doc.tracking.version,
        doc.publisher.name,
        if cves.is_empty() {
            String::new()
        } else {
            format!("; {}", cves.join(", "))
        }
    );
    let draft = Draft {
        id,
        title: doc.title.clone(),
        severity: severity.to_string(),
        deadline: crate::call::rfc3339(deadline),
        summary,
        suppliers: vendors.iter().cloned().collect(),
        references,
        exposed: r#"uses = "yes" and patched != "patched""#.to_string(),
        audience: DraftAudience {
            suppliers: Vec::new(),
        },
        products: by_product
            .iter()
            .map(|(name, versions)| crate::call::Product {
                name: name.clone(),
                versions: versions.iter().cloned().collect(),
            })
            .collect(),
        questions: vec![
            DraftQuestion {
                id: "uses",
                text: format!("Do you run any of the affected products ({products_text})?"),
                kind: "yes-no",
                choices: Vec::new(),
                when: None,
                required: true,
            },
            DraftQuestion {
                id: "products",
                text: "Which of them?".to_string(),
                kind: "multi-choice",
                choices: product_names.clone(),
                when: Some(r#"uses = "yes""#),
                required: true,
            },
            DraftQuestion {
                id: "patched",
                text: "Have you applied the vendor's fix to every affected system?".to_string(),
                kind: "choice",
                choices: ["patched", "mitigated", "in-progress", "not-started"]
                    .map(String::from)
                    .to_vec(),
                when: Some(r#"uses = "yes""#),
                required: true,
            },
            DraftQuestion {
                id: "patched_on",
                text: "When was the last affected system patched?".to_string(),
                kind: "date",
                choices: Vec::new(),
                when: Some(r#"patched = "patched""#),
                required: false,
            },
            DraftQuestion {
                id: "internet_facing",
                text: "Is any affected system reachable from the internet?".to_string(),
                kind: "yes-no",
                choices: Vec::new(),
                when: Some(r#"uses = "yes""#),
                required: true,
            },
            DraftQuestion {
                id: "compromise",
                text: "Have you found signs of compromise?".to_string(),
                kind: "choice",
                choices: ["none-found", "investigating", "confirmed"]
                    .map(String::from)
                    .to_vec(),
                when: Some(r#"uses = "yes""#),
                required: true,
            },
            DraftQuestion {
                id: "notes",
                text: "Anything the central team should know?".to_string(),
                kind: "text",
                choices: Vec::new(),
                when: None,
                required: false,
            },
        ],
    };
    let mut text = format!(
        "# Draft data call from CSAF advisory {}: review the audience, deadline and questions, then\n# `caf call create` it.\n",
        crate::diagnostic::clip(&doc.tracking.id.replace(['\n', '\r'], " "), 100)
    );
    text.push_str(&toml::to_string(&draft).map_err(|e| invalid(e.to_string(), 1, 1))?);
    // What is handed back always reads as a call.
    crate::call::parse(&SourceFile::new("draft", text.clone())).map_err(|e| match e {
        crate::Error::Invalid(d) => d,
        other => invalid(other.to_string(), 1, 1),
    })?;
    Ok(text)
}

/// The advisory's own severity, or the highest CVSS v3 base severity.
fn severity(doc: &Document, vulns: &[Vulnerability]) -> &'static str {
    let from = |text: &str| match text.to_ascii_lowercase().as_str() {
        "critical" => Some("critical"),
        "high" | "important" => Some("high"),
        "medium" | "moderate" => Some("medium"),
        "low" | "none" => Some("low"),
        _ => None,
    };
    if let Some(s) = doc.aggregate_severity.as_ref().and_then(|a| from(&a.text)) {
        return s;
    }
    let rank = |s: &str| {
        ["low", "medium", "high", "critical"]
            .iter()
            .position(|r| *r == s)
            .unwrap_or(0)
    };
    vulns
        .iter()
        .flat_map(|v| &v.scores)
        .filter_map(|s| {
            s.cvss_v3
                .as_ref()?
                .get("baseSeverity")?
                .as_str()
                .and_then(from)
        })
        .max_by_key(|s| rank(s))
        .unwrap_or("high")
}

/// A call id from the advisory's tracking id: lower case, other characters as `-`.
fn call_id(tracking: &str) -> String {
    let mut id: String = tracking
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    while id.contains("..") {
        id = id.replace("..", ".");
    }
    let id = id
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string();
    if id.is_empty() {
        "advisory".to_string()
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADVISORY: &str =
        include_str!("../../../../tests/fixtures/csaf/ivanti-epmm-2026-001.json");

    fn deadline() -> time::OffsetDateTime {
        crate::call::from_unix_ms(1_796_403_600_000)
    }

    #[test]
    fn the_fixture_becomes_a_call_naming_products_and_versions() {
        let text = draft(&SourceFile::new("a.json", ADVISORY), deadline()).unwrap();
        let call = crate::call::parse(&SourceFile::new("c.toml", text.clone())).unwrap();
        assert_eq!(call.suppliers, ["Ivanti"]);
        assert_eq!(call.severity, crate::call::Severity::Critical);
        let products: Vec<_> = call
            .products
            .iter()
            .map(|p| (p.name.as_str(), p.versions.clone()))
            .collect();
        assert_eq!(products[0].0, "Endpoint Manager Mobile");
        assert_eq!(products[0].1, ["11.12.0.4", "12.5.0.0", "12.6.0.0"]);
        assert!(call.exposed.is_some());
        assert!(text.contains("CVE-2026-1281"), "{text}");
    }

    #[test]
    fn structure_problems_are_located() {
        let cases = [
            (
                ADVISORY.replace("\"csaf_version\": \"2.0\"", "\"csaf_version\": \"1.2\""),
                "csaf_version",
            ),
            (
                ADVISORY.replace("\"status\": \"final\"", "\"status\": \"done\""),
                "unknown variant",
            ),
            (
                ADVISORY.replace("\"namespace\"", "\"namespac\""),
                "unknown field",
            ),
            (
                ADVISORY.replace(
                    "\"known_affected\": [\"CSAFPID-0001\"",
                    "\"known_affected\": [\"CSAFPID-9999\"",
                ),
                "6.1.1",
            ),
            (
                ADVISORY.replacen("\"title\"", "\"titel\"", 1),
                "unknown field",
            ),
            ("[1, 2]".to_string(), "invalid type"),
            ("{\"document\": ".to_string(), "EOF"),
        ];
        for (text, expect) in cases {
            let diags = draft(&SourceFile::new("a.json", text), deadline()).unwrap_err();
            assert_eq!(diags[0].code, Code::InvalidCsaf);
            assert!(
                diags[0].message.contains(expect),
                "{expect}: {}",
                diags[0].message
            );
            assert!(diags[0].location.as_ref().unwrap().line >= 1);
        }
    }

    #[test]
    fn hostile_text_stays_inside_its_strings() {
        let text = ADVISORY.replace(
            "\"title\": \"Ivanti Endpoint Manager Mobile",
            "\"title\": \"x\\\"\\nexposed = \\\"\\\"\\n[[questions]]\\nid = \\\"y\\\"\\n Ivanti Endpoint Manager Mobile",
        );
        let out = draft(&SourceFile::new("a.json", text), deadline()).unwrap();
        let call = crate::call::parse(&SourceFile::new("c.toml", out)).unwrap();
        assert_eq!(call.questions.len(), 7);
        assert!(call.title.starts_with("x\"\nexposed"));
    }
}
