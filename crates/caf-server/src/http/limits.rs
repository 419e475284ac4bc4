//! Limits on what a request may make the server parse.
//!
//! serde_json stops at 128 levels and the TOML parser has no limit of its own, but an
//! assessment never needs more than a handful; a scan that counts brackets outside strings
//! refuses deeper input before any parser sees it, in time linear in the input.

/// The deepest nesting an assessment or request body needs is 4 (outcomes → answer →
/// evidence → table); 32 leaves room without letting a body recurse a parser to exhaustion.
pub const MAX_DEPTH: usize = 32;

/// Refuses a TOML file sent inside a request body, before anything parses it: over
/// `max_bytes` (413), or nested deeper than [`MAX_DEPTH`] (422). `what` names it in the
/// answer ("the review").
pub fn check_toml(text: &str, max_bytes: usize, what: &str) -> Result<(), super::ApiError> {
    if text.len() > max_bytes {
        return Err(super::ApiError::too_large(format!(
            "{what} is over the {max_bytes}-byte limit"
        )));
    }
    if toml_depth(text) > MAX_DEPTH {
        return Err(super::ApiError::unprocessable(format!(
            "{what} is nested more than {MAX_DEPTH} levels deep"
        )));
    }
    Ok(())
}

/// Nesting depth of JSON text: `[` and `{` outside strings.
pub fn json_depth(text: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in text {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Nesting depth of TOML text: inline arrays and tables outside strings and comments, plus
/// the dotted depth of `[table.headers]`. Conservative: it may over-count, never under-count.
pub fn toml_depth(text: &str) -> usize {
    let mut max = 0usize;
    let mut depth = 0usize;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if depth == 0 && trimmed.starts_with('[') {
            // A table header: its depth is the number of dotted keys.
            let header_depth = trimmed.matches('.').count() + 1;
            max = max.max(header_depth);
            continue;
        }
        let bytes = line.as_bytes();
        let mut i = 0;
        let mut quote: Option<u8> = None;
        while i < bytes.len() {
            let b = bytes[i];
            match quote {
                Some(q) => {
                    if q == b'"' && b == b'\\' {
                        i += 1;
                    } else if b == q {
                        quote = None;
                    }
                }
                None => match b {
                    b'"' | b'\'' => quote = Some(b),
                    b'#' => break,
                    b'[' | b'{' => {
                        depth += 1;
                        max = max.max(depth);
                    }
                    b']' | b'}' => depth = depth.saturating_sub(1),
                    _ => {}
                },
            }
            i += 1;
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_depth_ignores_brackets_in_strings() {
        assert_eq!(json_depth(br#"{"a": "[[[[", "b": [1, {"c": 2}]}"#), 3);
        assert_eq!(json_depth(br#"{"a": "\"[["}"#), 1);
        assert_eq!(json_depth("[".repeat(1000).as_bytes()), 1000);
    }

    #[test]
    fn toml_depth_counts_inline_nesting() {
        let example = "[outcomes.\"A1.a\"]\nselected = [\"A1.a.A.1\"] # [[[\nevidence = [{ title = \"x [y]\" }]\n";
        assert!(toml_depth(example) <= 3, "{}", toml_depth(example));
        let deep = format!("x = {}1{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(toml_depth(&deep), 100);
    }
}
