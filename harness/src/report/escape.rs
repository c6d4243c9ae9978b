//! Escaping for the two text formats written by hand (JUnit goes through quick-junit).

/// Escapes text for HTML element content and double- or single-quoted attributes.
pub(super) fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Makes text safe inside one Markdown table cell or list line: one line,
/// with Markdown punctuation backslash-escaped and `<`, `>`, `&` as entities
/// (GitHub renders inline HTML in Markdown). Quotes and `_` stay readable.
pub(super) fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '\\' | '|' | '*' | '`' | '[' | ']' => {
                    out.push('\\');
                    out.push(c);
                }
                _ => out.push(c),
            }
        }
    }
    out
}

/// Text inside a Markdown code span: backticks cannot be escaped, so a
/// fence one longer than the longest run of backticks inside is used.
pub(super) fn md_code(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let longest = one_line
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if one_line.starts_with('`') || one_line.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", one_line.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            super::html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn md_keeps_cells_on_one_line() {
        assert_eq!(
            super::md("a|b\n<c> it's *x*"),
            "a\\|b &lt;c&gt; it's \\*x\\*"
        );
        assert_eq!(super::md_code("x `y`"), "`` x `y` ``");
        assert_eq!(super::md_code("plain"), "`plain`");
    }
}
