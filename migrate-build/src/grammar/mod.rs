//! Syntax errors certain without a database: what the lexer and each dialect's grammar rule out,
//! whatever the database holds and whatever the SQL parser has or has not learned.
//!
//! The SQL parser's refusal alone is never an error: it does not know all of either dialect.
//! But some mistakes are certain from the tokens alone, in every dialect:
//!
//! - an unbalanced parenthesis or bracket outside strings, quoted names, comments and dollar
//!   quotes ([`delimiters`]), and a trigger's `BEGIN ... END` body the file ends inside; an
//!   unterminated string, quoted name or comment is the lexer's own error, reported where the
//!   file is split;
//! - first words that no statement of the dialect starts with ([`prefix`]): the command itself
//!   (`CREATE TABEL`, [`crate::heads`]), and the words its synopsis requires next (`INSERT
//!   INOT`, `DROP INDEX i ON t`), from each database's own grammar.
//!
//! The first words are checked on every statement, read by the parser or not: the parser
//! accepts more than either database (`INSERT t VALUES ...` without `INTO`, as MySQL does). A
//! database check, when there is one, only confirms what these find.

mod delimiters;
pub(crate) mod prefix;
pub(crate) mod semicolon;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::source::SourceFile;
use crate::split::{RawStatement, Split};

/// The certain syntax error of a statement of `command` that the parser could not read, if it
/// has one: delimiters first, then the first words.
pub(crate) fn certain_error(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
    dialect: Dialect,
    command: &str,
) -> Option<Diagnostic> {
    unclosed_body(source, split, raw)
        .or_else(|| delimiters::unbalanced(source, split, raw))
        .or_else(|| prefix::impossible(source, split, raw, dialect, command))
}

/// A trigger's or function's `BEGIN ... END` body that the file ends inside: the statement has
/// swallowed every one after it.
fn unclosed_body(source: &SourceFile, split: &Split, raw: &RawStatement) -> Option<Diagnostic> {
    let begin = split.unclosed_body.filter(|b| raw.tokens.contains(b))?;
    Some(
        Diagnostic::new(
            Code::Syntax,
            "this `BEGIN` opens a body that is never closed: the file ends inside it",
        )
        .at(Location::span(source, split.ranges[begin].clone()))
        .label("no `END` closes this")
        .help("end the body with `END;` (each statement inside it ends with `;` too)"),
    )
}

#[cfg(test)]
mod tests {
    use crate::codes::Code;
    use crate::dialect::Dialect;
    use crate::script::{Role, check_text};

    #[test]
    fn a_body_the_file_ends_inside_is_an_error_at_its_begin() {
        let sql = "CREATE TABLE t (a INT);\n\
                   CREATE TRIGGER t_a AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 1;\n\
                   CREATE INDEX t_a ON t (a);\n";
        let (script, diags) = check_text(sql, Dialect::Sqlite, Role::Up);
        assert_eq!(script.statements.len(), 2);
        let syntax: Vec<_> = diags.iter().filter(|d| d.code == Code::Syntax).collect();
        assert_eq!(syntax.len(), 1, "{diags:#?}");
        assert_eq!(syntax[0].position().as_deref(), Some("test.sql:2:38"));
        // Closed, it is one statement and no error.
        let (_, diags) = check_text(
            "CREATE TRIGGER t_a AFTER INSERT ON t BEGIN\n  UPDATE t SET a = 1;\nEND;\n",
            Dialect::Sqlite,
            Role::Up,
        );
        assert!(diags.is_empty(), "{diags:#?}");
    }
}
