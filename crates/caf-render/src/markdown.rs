//! Escaping for the Markdown templates. Markdown passes raw HTML through to whatever renders it
//! (a Git forge, a wiki, an intranet page), so a comment holding `<script>` or a line that
//! starts with `#` would become markup in a report meant to show it. Every value a Markdown
//! template prints goes through [`text`] (the environment's auto-escape), and values shown as
//! code go through [`code`]; both keep what the user wrote visible, character for character.

/// A value as inert Markdown inline text: HTML's `&`, `<` and `>` become entities, characters
/// that start emphasis, code, links, headings or table cells are backslash-escaped, and line
/// breaks become `<br>` so that nothing the value holds can begin a block of its own (a
/// heading, a list, a table row).
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + value.len() / 8);
    // A value printed at the start of a template line could open a list (`- `, `+ `) or be a
    // setext heading's underline (`---`, `===`).
    let body = match value.chars().next() {
        Some(c @ ('-' | '+' | '='))
            if value[1..].starts_with([' ', '\t']) || value.trim_end().chars().all(|d| d == c) =>
        {
            out.push('\\');
            out.push(c);
            &value[1..]
        }
        _ => value,
    };
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => {
                chars.next_if_eq(&'\n');
                out.push_str("<br>");
            }
            '\n' => out.push_str("<br>"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    // `1. ` or `1) ` at the start of a line opens an ordered list; `3.2` does not.
    let digits = out.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0
        && matches!(out.as_bytes().get(digits), Some(b'.' | b')'))
        && matches!(out.as_bytes().get(digits + 1), None | Some(b' ' | b'\t'))
    {
        out.insert(digits, '\\');
    }
    out
}

/// A value as a Markdown code span: fenced with more backticks than any run inside it, on one
/// line, with `|` escaped so that a table cell holding it stays one cell (GitHub's tables
/// split cells on `|` even inside code).
pub fn code(value: &str) -> String {
    let line = value.replace(['\r', '\n'], " ").replace('|', "\\|");
    let longest_run = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    // A space keeps a backtick at either end from joining the fence; CommonMark strips it.
    let pad = if line.starts_with('`') || line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{line}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_entities() {
        assert_eq!(
            text("<script>alert(1)</script> & <img src=x onerror=alert(1)>"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"
        );
    }

    #[test]
    fn nothing_can_start_a_block() {
        assert_eq!(text("fine\n# Heading"), "fine<br>\\# Heading");
        assert_eq!(text("a\r\n| a | b |"), "a<br>\\| a \\| b \\|");
        assert_eq!(text("- item"), "\\- item");
        assert_eq!(text("12. item"), "12\\. item");
        assert_eq!(text("2026 budget"), "2026 budget");
        assert_eq!(text("3.2"), "3.2");
        assert_eq!(text("-5 days"), "-5 days");
        assert_eq!(text("---"), "\\---");
        assert_eq!(
            text("*bold* _em_ [link](x) `code`"),
            "\\*bold\\* \\_em\\_ \\[link\\](x) \\`code\\`"
        );
    }

    #[test]
    fn code_spans_cannot_be_closed_from_inside() {
        assert_eq!(code("a.toml"), "`a.toml`");
        assert_eq!(code("a`b``c"), "```a`b``c```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a|b\nc"), "`a\\|b c`");
    }
}
