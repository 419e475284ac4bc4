//! Supplier names as people type them ("Capita plc", "CAPITA", "Capita  Ltd") reduced to one
//! key, so concentration counts one supplier once.

/// Legal-form and country words that do not distinguish one supplier from another.
const SUFFIXES: &[&str] = &[
    "ltd",
    "limited",
    "plc",
    "llp",
    "lp",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "uk",
    "gb",
    "(uk)",
    "&",
];

/// A supplier as an assessment names it, with its [`normalise`]d key: made once, when the
/// assessment is read or its stored digest decoded, and shared (not normalised again) by every
/// aggregate that folds it.
#[derive(Debug, PartialEq, Eq)]
pub struct Named {
    /// As written (trimmed).
    pub name: String,
    /// [`normalise`] of the name; empty when nothing distinguishing is left.
    pub key: String,
}

impl Named {
    pub fn new(name: impl Into<String>) -> std::sync::Arc<Named> {
        let name = name.into();
        let key = normalise(&name);
        std::sync::Arc::new(Named { name, key })
    }
}

/// Lower case, punctuation other than `&` and `-` dropped, whitespace collapsed, and trailing
/// legal-form or country words removed ("Microsoft UK Ltd." → "microsoft").
pub fn normalise(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '&' || c == '-' || c == '(' || c == ')' {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    while words.len() > 1 && words.last().is_some_and(|w| SUFFIXES.contains(w)) {
        words.pop();
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn variants_of_one_supplier_share_a_key() {
        for variant in [
            "Capita plc",
            "CAPITA",
            "  capita   Ltd ",
            "Capita Limited",
            "Capita (UK) Ltd.",
            "Capita UK plc",
        ] {
            assert_eq!(normalise(variant), "capita", "{variant}");
        }
        assert_eq!(normalise("Marks & Spencer plc"), "marks & spencer");
        assert_eq!(normalise("Civica UK Limited"), "civica");
        // A name made only of a suffix word is kept rather than emptied.
        assert_eq!(normalise("UK"), "uk");
        assert_ne!(normalise("Agilisys"), normalise("Agile Systems"));
    }
}
