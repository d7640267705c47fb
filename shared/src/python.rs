//! Values printed as Python prints them, where a lesson prints what the course's script
//! prints: `{'cisco3': 'cisco3#'}`, not Rust's `{"cisco3": "cisco3#"}`.

use std::fmt::Write as _;

/// Python's `repr()` of a string: single quotes, unless the text holds a single quote and
/// no double one.
pub fn repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A dict of strings as Python prints it: `{'cisco3': 'cisco3#'}`.
pub fn dict<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    dict_of(entries.into_iter().map(|(k, v)| (repr(k), repr(v))))
}

/// A dict whose keys and values are already in Python's notation.
pub fn dict_of(entries: impl IntoIterator<Item = (String, String)>) -> String {
    let entries: Vec<String> = entries
        .into_iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    format!("{{{}}}", entries.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_dicts_print_as_in_python() {
        assert_eq!(repr("cisco3#"), "'cisco3#'");
        assert_eq!(repr("it's"), "\"it's\"");
        assert_eq!(repr("a'b\"c"), "'a\\'b\"c'");
        assert_eq!(repr("a\\b\n"), "'a\\\\b\\n'");
        assert_eq!(dict([("cisco3", "cisco3#")]), "{'cisco3': 'cisco3#'}");
        assert_eq!(
            dict_of([(repr("pid"), 19185.to_string())]),
            "{'pid': 19185}"
        );
    }
}
