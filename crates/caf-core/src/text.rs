//! Words for numbers in messages and documents, so "1 assessment" and "3 assessments" are
//! both right wherever a count is written.

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
