//! Parentheses and brackets must balance within a statement: every `(` is closed by a `)`, every
//! `[` by a `]`, in order. The tokens are the lexer's, so what is inside strings, quoted names,
//! comments and dollar-quoted bodies does not count (SQLite's `[name]` is a quoted name).

use sqlparser::tokenizer::Token;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::source::SourceFile;
use crate::split::{RawStatement, Split};

/// The error for a statement whose parentheses or brackets do not balance, at the first place
/// that shows it.
pub(crate) fn unbalanced(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
) -> Option<Diagnostic> {
    let mut open: Vec<(char, usize)> = Vec::new();
    let at = |i: usize| {
        let (line, column) = source.line_col(split.ranges[i].start);
        format!("line {line}, column {column}")
    };
    for i in raw.tokens.clone() {
        let (opens, closes) = match split.tokens[i].token {
            Token::LParen => (Some('('), None),
            Token::LBracket => (Some('['), None),
            Token::RParen => (None, Some(('(', ')'))),
            Token::RBracket => (None, Some(('[', ']'))),
            _ => (None, None),
        };
        if let Some(c) = opens {
            open.push((c, i));
        }
        let Some((wanted, close)) = closes else {
            continue;
        };
        let here = Location::span(source, split.ranges[i].clone());
        match open.pop() {
            Some((c, _)) if c == wanted => {}
            Some((c, opened)) => {
                let other = closer(c);
                return Some(
                    Diagnostic::new(
                        Code::Syntax,
                        format!("`{close}` closes the `{c}` at {}", at(opened)),
                    )
                    .at(here)
                    .label(format!("expected `{other}` here"))
                    .help(format!("close the `{c}` with `{other}` first")),
                );
            }
            None => {
                return Some(
                    Diagnostic::new(
                        Code::Syntax,
                        format!("`{close}` without a matching `{wanted}`"),
                    )
                    .at(here)
                    .label("nothing to close here")
                    .help(format!(
                        "remove it, or open it with `{wanted}` where it belongs"
                    )),
                );
            }
        }
    }
    let &(c, opened) = open.last()?;
    let close = closer(c);
    // Where the statement ends: its `;`, or just after its last token.
    let last = raw.tokens.end - 1;
    let end = if split.tokens[last].token == Token::SemiColon {
        split.ranges[last].clone()
    } else {
        raw.bytes.end..raw.bytes.end
    };
    Some(
        Diagnostic::new(
            Code::Syntax,
            format!(
                "the statement ends with the `{c}` at {} still open",
                at(opened)
            ),
        )
        .at(Location::span(source, end))
        .label(format!("expected `{close}` before here"))
        .help(format!("close it with `{close}`")),
    )
}

/// What closes `open`: `)` for `(`, `]` for `[`.
fn closer(open: char) -> char {
    if open == '(' { ')' } else { ']' }
}

#[cfg(test)]
mod tests {
    use crate::codes::Code;
    use crate::dialect::Dialect::{self, Postgres, Sqlite};
    use crate::script::{Role, check_text};

    /// The syntax findings of `sql`: position and message.
    fn syntax(sql: &str, dialect: Dialect) -> Vec<(String, String)> {
        check_text(sql, dialect, Role::Up)
            .1
            .into_iter()
            .filter(|d| d.code == Code::Syntax)
            .map(|d| (d.position().unwrap_or_default(), d.message))
            .collect()
    }

    #[test]
    fn bad() {
        for dialect in [Sqlite, Postgres] {
            assert_eq!(
                syntax(
                    "CREATE TABLE notes (\n  id INTEGER PRIMARY KEY,\n  title TEXT\n;\n",
                    dialect
                ),
                [(
                    "test.sql:4:1".to_owned(),
                    "the statement ends with the `(` at line 1, column 20 still open".to_owned()
                )],
                "{dialect}"
            );
            assert_eq!(
                syntax("SELECT (1 + 2));", dialect),
                [(
                    "test.sql:1:15".to_owned(),
                    "`)` without a matching `(`".to_owned()
                )]
            );
        }
        assert_eq!(
            syntax("SELECT ARRAY[1, (2];", Postgres),
            [(
                "test.sql:1:19".to_owned(),
                "`]` closes the `(` at line 1, column 17".to_owned()
            )]
        );
        // The last statement of a file needs no `;`.
        assert_eq!(
            syntax("CREATE TABLE t (a INT", Postgres),
            [(
                "test.sql:1:22".to_owned(),
                "the statement ends with the `(` at line 1, column 16 still open".to_owned()
            )]
        );
    }

    #[test]
    fn good() {
        // What is inside strings, quoted names, comments and bodies does not count.
        for (sql, dialect) in [
            ("SELECT '(', \")(\", 1 -- (\n;", Sqlite),
            ("SELECT [a(b] FROM t;", Sqlite),
            ("/* ( */ SELECT 1;", Postgres),
            (
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT ((1) $$ LANGUAGE sql;",
                Postgres,
            ),
            ("SELECT ARRAY[1, 2][1], (3);", Postgres),
        ] {
            assert_eq!(syntax(sql, dialect), Vec::new(), "{sql}");
        }
    }
}
