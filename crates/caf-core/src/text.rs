//! Words for numbers in messages and documents, so "1 assessment" and "3 assessments" are
//! both right wherever a count is written; and the one rule for identifiers that users type.

/// `n` and the noun, plural unless `n` is 1: `plural(1, "organisation")` is
/// "1 organisation", `plural(3, "organisation")` "3 organisations". For nouns whose plural
/// adds an "s" (every noun the reports count); others use [`plural_as`].
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// [`plural`] for a noun with an irregular plural.
pub fn plural_as(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// "A", "A and B", "A, B and C".
pub fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [init @ .., last] => {
            let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", init.join(", "), last.as_ref())
        }
    }
}

/// Identifiers of organisations, sectors, regions, parents, calls and questions: letters,
/// digits, `.`, `_`, `-`, 1 to 64 characters, starting with a letter or digit. They appear in
/// URLs and in answer files' keys, so nothing that could walk a path (`/`, `..`) or need
/// escaping is allowed.
pub fn valid_identifier(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        && !id.contains("..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(plural(1, "assessment"), "1 assessment");
        assert_eq!(plural(0, "assessment"), "0 assessments");
        assert_eq!(plural(2, "organisation"), "2 organisations");
        assert_eq!(plural_as(1, "supply", "supplies"), "1 supply");
        assert_eq!(plural_as(11, "supply", "supplies"), "11 supplies");
    }
}
