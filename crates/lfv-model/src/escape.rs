//! Terminal-safe text: the one function every human output (show, apply's confirmation and summary, the dry
//! run, verify's table, progress lines, warnings and error messages) passes untrusted text through.
//!
//! Plan fields, journal lines and service answers can hold control characters; printed raw, `ESC[8m` hides
//! the rest of the output and `\r` overwrites a line the reviewer is reading. Every control character
//! (Unicode `Cc`: C0, DEL and C1) and every bidirectional formatting character (U+061C, U+200E, U+200F,
//! U+202A-U+202E, U+2066-U+2069, which reorder what a terminal shows) is written as a Rust-style
//! `\u{..}` escape in lowercase hex (`ESC` becomes `\u{1b}`, a newline `\u{a}`). Everything else, including
//! backslashes, is left as it is. This module must stay free of I/O and of imports from the rest of the crate.

use std::borrow::Cow;

/// True for the characters [`escape`] rewrites: control characters and bidirectional formatting characters.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && !keep(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control and bidirectional formatting character written as `\u{..}` (see the module docs).
/// Use it on any single field: a name, a status, a message, a path.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// Like [`escape`] but keeps `\n`: for whole messages the tool composed itself over several lines (an error
/// chain, a note) whose fields may still be untrusted. A field that must stay on one line is escaped with
/// [`escape`] where the message is built.
pub fn escape_lines(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n')
}

/// `s` in double quotes, escaped as [`escape`] does: for quoting a field in an error message.
pub fn quoted(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_control_and_bidi_characters_only() {
        let cases: &[(&str, &str)] = &[
            ("plain text-1_2", "plain text-1_2"),
            ("", ""),
            ("a\u{1b}[8mhidden", "a\\u{1b}[8mhidden"),
            ("\u{1b}]0;title\u{7}", "\\u{1b}]0;title\\u{7}"),
            ("line\rover", "line\\u{d}over"),
            ("two\nlines", "two\\u{a}lines"),
            ("tab\there", "tab\\u{9}here"),
            ("nul\0", "nul\\u{0}"),
            ("del\u{7f}", "del\\u{7f}"),
            ("csi\u{9b}2J", "csi\\u{9b}2J"),
            ("rtl\u{202e}txt.exe", "rtl\\u{202e}txt.exe"),
            ("isolate\u{2066}x\u{2069}", "isolate\\u{2066}x\\u{2069}"),
            ("mark\u{200f}", "mark\\u{200f}"),
            ("unicode é ü 日本", "unicode é ü 日本"),
            ("back\\slash", "back\\slash"),
        ];
        for (input, want) in cases {
            assert_eq!(escape(input), *want, "escape({input:?})");
            assert!(!escape(input).chars().any(is_unsafe), "{input:?}");
        }
    }

    #[test]
    fn escape_lines_keeps_only_newlines() {
        assert_eq!(escape_lines("a\nb\u{1b}c\rd"), "a\nb\\u{1b}c\\u{d}d");
        assert!(matches!(escape("clean"), Cow::Borrowed(_)), "no copy when nothing changes");
    }
}
