//! Checking one migration file: split it, read its directives, parse every statement, run the rules.

use std::ops::Range;

use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::directive::{self, Directive};
use crate::gaps;
use crate::rules;
use crate::source::{Cursor, SourceFile};
use crate::split::{RawStatement, Split, split};

/// Which side of a migration a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The up migration (`.up.sql` or a plain `.sql`).
    Up,
    /// The down migration (`.down.sql`).
    Down,
}

/// How far the checker could check a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Parsed and checked by every rule.
    Parsed,
    /// Not parsed: let through by `-- migrate:unchecked`.
    UncheckedByDirective,
    /// Not parsed: a form the parser does not support (see [`crate::gaps`]).
    UncheckedParserGap,
    /// Reported as an error.
    Invalid,
}

/// A statement of a checked file.
#[derive(Clone, Debug)]
pub struct Statement {
    /// Byte range in the file's text (after any byte-order mark), from the first keyword to the
    /// `;` inclusive.
    pub bytes: Range<usize>,
    /// 1-based line of the first keyword.
    pub line: u32,
    /// 1-based column, in characters, of the first keyword.
    pub column: u32,
    /// What the checker made of it.
    pub check: Check,
}

/// A checked migration file.
#[derive(Clone, Debug)]
pub struct Script {
    /// The file.
    pub source: SourceFile,
    /// False when the file starts with `-- migrate:no-transaction`.
    pub transaction: bool,
    /// Its statements, in order.
    pub statements: Vec<Statement>,
}

impl Script {
    /// `[start, end, line, column]` of each statement, as the runtime's `Script` takes them: the
    /// byte range in the file as stored (a byte-order mark included, as `include_str!` sees it),
    /// then the line and column of the first keyword.
    pub fn statement_positions(&self) -> impl Iterator<Item = [u32; 4]> + '_ {
        let bom = self.source.bom_len;
        self.statements.iter().map(move |s| {
            let [start, end] = [s.bytes.start + bom, s.bytes.end + bom]
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            [start, end, s.line, s.column]
        })
    }
}

/// Checks one file, adding what it finds to `out`.
pub(crate) fn check_script(
    source: SourceFile,
    dialect: Dialect,
    role: Role,
    out: &mut Vec<Diagnostic>,
) -> Script {
    let split = match split(&source.text, dialect) {
        Ok(split) => split,
        Err(error) => {
            let at = Cursor::new(&source.text).offset_of(error.location);
            let width = source.text[at..].chars().next().map_or(0, char::len_utf8);
            out.push(
                Diagnostic::error(format!("syntax error: {}", lower_first(&error.message)))
                    .at(Location::span(&source, at..at + width)),
            );
            return Script {
                source,
                transaction: true,
                statements: Vec::new(),
            };
        }
    };
    let directives = read_directives(&source, &split, out);
    if split.statements.is_empty() {
        out.push(empty_file(&source, role));
    }
    let statements = split
        .statements
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let marked = directives
                .unchecked
                .iter()
                .find(|(s, _)| *s == i)
                .map(|(_, r)| r);
            check_statement(
                &source,
                &split,
                raw,
                marked,
                dialect,
                directives.transaction,
                out,
            )
        })
        .collect();
    Script {
        source,
        transaction: directives.transaction,
        statements,
    }
}

/// Checks SQL text as an up migration named `test.sql`.
#[cfg(test)]
pub(crate) fn check_text(sql: &str, dialect: Dialect, role: Role) -> (Script, Vec<Diagnostic>) {
    let source = SourceFile::new("test.sql".into(), "test.sql".into(), sql);
    let mut out = Vec::new();
    let script = check_script(source, dialect, role, &mut out);
    (script, out)
}

fn empty_file(source: &SourceFile, role: Role) -> Diagnostic {
    let at = Location::file(&source.display);
    match role {
        Role::Up => Diagnostic::error("migration has no statements")
            .at(at)
            .help(
                "write the migration's SQL, or delete the file; a migration kept only to hold \
                 its version (say, to match another database's set) needs a statement such as \
                 `SELECT 1;`",
            ),
        Role::Down => Diagnostic::warning("down migration has no statements: reverting it changes nothing")
            .at(at)
            .help("write the statements that undo the up migration, or delete the file to make the migration irreversible"),
    }
}

struct Directives {
    transaction: bool,
    /// Statements marked `-- migrate:unchecked`, with the directive's byte range.
    unchecked: Vec<(usize, Range<usize>)>,
}

fn read_directives(source: &SourceFile, split: &Split, out: &mut Vec<Diagnostic>) -> Directives {
    let mut found = Directives {
        transaction: true,
        unchecked: Vec::new(),
    };
    let first = split.statements.first().map(|s| s.tokens.start);
    for (token, comment) in split.line_comments() {
        let range = split.ranges[token].clone();
        let at = Location::span(source, range.clone());
        match directive::parse(comment) {
            directive::Parsed::None => {}
            directive::Parsed::Unknown(word) => {
                let help = match directive::suggest(word) {
                    Some(d) => format!("did you mean `-- migrate:{}`?", d.word()),
                    None => format!(
                        "the directives are {}",
                        Directive::ALL
                            .map(|d| format!("`-- migrate:{}`", d.word()))
                            .join(" and ")
                    ),
                };
                out.push(
                    Diagnostic::error(format!("unknown directive `migrate:{word}`"))
                        .at(at)
                        .label("not a directive")
                        .help(help),
                );
            }
            directive::Parsed::Known(Directive::NoTransaction) => {
                if first.is_some_and(|first| token > first) {
                    out.push(
                        Diagnostic::error(
                            "`-- migrate:no-transaction` must come before the first statement",
                        )
                        .at(at)
                        .label("after a statement")
                        .help("move it to the top of the file"),
                    );
                } else {
                    found.transaction = false;
                }
            }
            directive::Parsed::Known(Directive::Unchecked) => {
                let next = split.statements.iter().position(|s| s.tokens.start > token);
                let line_start = source.text[..range.start].rfind('\n').map_or(0, |i| i + 1);
                let own_line = source.text[line_start..range.start].trim().is_empty();
                let inside = split.statements.iter().any(|s| s.tokens.contains(&token));
                match next {
                    Some(next) if own_line && !inside => found.unchecked.push((next, range)),
                    _ => out.push(
                        Diagnostic::error("`-- migrate:unchecked` must be on a line of its own before a statement")
                            .at(at)
                            .label(if inside || !own_line {
                                "not on a line of its own"
                            } else {
                                "no statement follows"
                            })
                            .help("put it on the line before the statement it applies to"),
                    ),
                }
            }
        }
    }
    found
}

fn check_statement(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
    marked_unchecked: Option<&Range<usize>>,
    dialect: Dialect,
    transaction: bool,
    out: &mut Vec<Diagnostic>,
) -> Statement {
    let (line, column) = source.line_col(raw.bytes.start);
    let first_token = Location::span(source, split.ranges[raw.tokens.start].clone());
    let words = split.leading_words(raw, 4);
    let all_words = split.words(raw, 16);
    let check = match parse(split, raw, dialect) {
        Ok(ast) => {
            if let Some(directive) = marked_unchecked {
                out.push(
                    Diagnostic::warning(
                        "`-- migrate:unchecked` is not needed: the statement parses",
                    )
                    .at(Location::span(source, directive.clone()))
                    .label("unnecessary")
                    .help("remove it, so that the statement is checked"),
                );
            }
            let cx = rules::Context {
                dialect,
                transaction,
                words: &words,
                at: first_token,
            };
            let before = out.iter().filter(|d| d.is_error()).count();
            rules::check(&ast, &cx, out);
            rules::requires_no_transaction::check(&all_words, &cx, out);
            if out.iter().filter(|d| d.is_error()).count() > before {
                Check::Invalid
            } else {
                Check::Parsed
            }
        }
        Err(error) => {
            let failure = Failure::new(source, split, raw, &error);
            if marked_unchecked.is_some() {
                out.push(
                    Diagnostic::warning("statement not checked (`-- migrate:unchecked`)")
                        .at(first_token)
                        .label("runs as written")
                        .note(format!("the parser says: {}", failure.message)),
                );
                Check::UncheckedByDirective
            } else if let Some(gap) = failure.gap(dialect, &all_words) {
                // Not parsed, but what it is is known from its words.
                let cx = rules::Context {
                    dialect,
                    transaction,
                    words: &words,
                    at: first_token.clone(),
                };
                let before = out.iter().filter(|d| d.is_error()).count();
                rules::requires_no_transaction::check(&all_words, &cx, out);
                let invalid = out.iter().filter(|d| d.is_error()).count() > before;
                out.push(
                    Diagnostic::warning(format!(
                        "statement not checked: the SQL parser does not support {}",
                        gap
                    ))
                    .at(first_token)
                    .label("runs as written")
                    .note(format!("the parser says: {}", failure.message)),
                );
                if invalid {
                    Check::Invalid
                } else {
                    Check::UncheckedParserGap
                }
            } else {
                out.push(
                    Diagnostic::error(format!("syntax error: {}", failure.message))
                        .at(Location::span(source, failure.span))
                        .label(failure.label)
                        .help("if the database accepts this statement, put `-- migrate:unchecked` on the line before it"),
                );
                Check::Invalid
            }
        }
    };
    Statement {
        bytes: raw.bytes.clone(),
        line,
        column,
        check,
    }
}

/// Parses the tokens of one statement; anything after it but a `;` is an error.
fn parse(
    split: &Split,
    raw: &RawStatement,
    dialect: Dialect,
) -> Result<sqlparser::ast::Statement, ParserError> {
    let tokens = split.tokens[raw.tokens.clone()].to_vec();
    let mut parser = Parser::new(dialect.parser_dialect()).with_tokens_with_locations(tokens);
    let statement = parser.parse_statement()?;
    let _ = parser.consume_token(&Token::SemiColon);
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return parser.expected("end of statement", next);
    }
    Ok(statement)
}

/// A parser error, translated into a message and a span of the file.
struct Failure {
    message: String,
    label: String,
    span: Range<usize>,
    too_deep: bool,
}

impl Failure {
    fn new(source: &SourceFile, split: &Split, raw: &RawStatement, error: &ParserError) -> Failure {
        let text = match error {
            ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
            ParserError::RecursionLimitExceeded => {
                return Failure {
                    message: "statement nested too deeply to parse".into(),
                    label: "too deep".into(),
                    span: split.ranges[raw.tokens.start].clone(),
                    too_deep: true,
                };
            }
        };
        let (text, location) = split_location(text);
        let span = match location {
            Some(location) => {
                let at = Cursor::new(&source.text).offset_of(location);
                raw.tokens
                    .clone()
                    .map(|i| split.ranges[i].clone())
                    .find(|r| r.start == at)
                    .unwrap_or(at..at)
            }
            // No position: the parser ran out of tokens.
            None => raw.bytes.end..raw.bytes.end,
        };
        let (message, label) = match text
            .strip_prefix("Expected: ")
            .and_then(|t| t.split_once(", found: "))
        {
            Some((expected, found)) => {
                let found = if found == "EOF" {
                    "the end of the statement".to_owned()
                } else {
                    format!("`{found}`")
                };
                (
                    format!("expected {expected}, found {found}"),
                    format!("expected {expected}"),
                )
            }
            None => (lower_first(text), "here".to_owned()),
        };
        Failure {
            message,
            label,
            span,
            too_deep: false,
        }
    }

    fn gap(&self, dialect: Dialect, words: &[String]) -> Option<&'static str> {
        if self.too_deep {
            return Some("statements nested this deeply");
        }
        gaps::find(dialect, words).map(|g| g.what)
    }
}

/// Splits sqlparser's ` at Line: L, Column: C` suffix off an error message.
fn split_location(text: &str) -> (&str, Option<sqlparser::tokenizer::Location>) {
    let Some(at) = text.rfind(" at Line: ") else {
        return (text, None);
    };
    let numbers = &text[at + " at Line: ".len()..];
    let parsed = numbers.split_once(", Column: ").and_then(|(line, column)| {
        Some(sqlparser::tokenizer::Location {
            line: line.parse().ok()?,
            column: column.parse().ok()?,
        })
    });
    match parsed {
        Some(location) => (&text[..at], Some(location)),
        None => (text, None),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(sql: &str) -> (Script, Vec<Diagnostic>) {
        check_text(sql, Dialect::Sqlite, Role::Up)
    }

    #[test]
    fn syntax_error_points_at_the_offending_token() {
        let (script, diags) = check("CREATE TABLE a (id INT);\nCREATE TABLE b (\n  id INT,\n);\n");
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(
            diags[0].message,
            "syntax error: expected column name or constraint definition, found `)`"
        );
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:4:1"));
        assert_eq!(script.statements[0].check, Check::Parsed);
        assert_eq!(script.statements[1].check, Check::Invalid);
    }

    #[test]
    fn every_broken_statement_is_reported() {
        let (_, diags) = check("CRATE TABLE a (x INT);\nSELECT 1;\nSELECT FROM WHERE;\n");
        let positions: Vec<_> = diags.iter().filter_map(Diagnostic::position).collect();
        assert_eq!(positions, ["test.sql:1:1", "test.sql:3:13"]);
    }

    #[test]
    fn missing_semicolon_between_statements() {
        let (_, diags) = check("DROP INDEX a\nCREATE INDEX b ON t (c);");
        assert_eq!(
            diags[0].message,
            "syntax error: expected end of statement, found `CREATE`"
        );
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:2:1"));
    }

    #[test]
    fn error_at_end_of_input_points_after_the_statement() {
        let (_, diags) = check("SELECT 1;\nSELECT a FROM");
        assert_eq!(
            diags[0].message,
            "syntax error: expected identifier, found the end of the statement"
        );
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:2:14"));
    }

    #[test]
    fn positions_count_characters_after_multibyte_text_and_crlf() {
        let (script, diags) =
            check("-- größe\r\nINSERT INTO t VALUES ('ü');\r\nINSERT INTO t VALUES ('é',);\r\n");
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:3:27"));
        assert_eq!(
            (script.statements[1].line, script.statements[1].column),
            (3, 1)
        );
    }

    #[test]
    fn tokenizer_errors_are_positioned() {
        let (_, diags) = check("SELECT 1;\nSELECT 'unterminated;\n");
        assert_eq!(diags.len(), 1);
        assert!(
            diags[0]
                .message
                .starts_with("syntax error: unterminated string literal"),
            "{}",
            diags[0].message
        );
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:2:8"));
    }

    #[test]
    fn bom_does_not_shift_positions() {
        let (script, diags) = check("\u{feff}SELECT 1;\nSELEC 2;");
        assert_eq!(script.source.bom_len, 3);
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:2:1"));
        assert_eq!(script.statements[0].bytes, 0..9);
    }

    #[test]
    fn no_transaction_directive() {
        let (script, diags) = check("-- migrate:no-transaction\nVACUUM;");
        assert!(diags.is_empty(), "{diags:?}");
        assert!(!script.transaction);
        let (script, diags) = check("SELECT 1;\n-- migrate:no-transaction\n");
        assert!(script.transaction);
        assert_eq!(
            diags[0].message,
            "`-- migrate:no-transaction` must come before the first statement"
        );
    }

    #[test]
    fn unknown_directive_is_an_error_with_a_suggestion() {
        let (_, diags) = check("-- migrate:no-transactions\nSELECT 1;");
        assert_eq!(
            diags[0].message,
            "unknown directive `migrate:no-transactions`"
        );
        assert_eq!(
            diags[0].help.as_deref(),
            Some("did you mean `-- migrate:no-transaction`?")
        );
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:1:1"));
    }

    #[test]
    fn unchecked_directive_lets_one_statement_through_and_reports_it() {
        let sql = "-- migrate:unchecked\nFROBNICATE TABLE a;\nFROBNICATE TABLE b;";
        let (script, diags) = check(sql);
        let checks: Vec<_> = script.statements.iter().map(|s| s.check).collect();
        assert_eq!(checks, [Check::UncheckedByDirective, Check::Invalid]);
        assert_eq!(diags.len(), 2);
        assert!(!diags[0].is_error() && diags[0].message.contains("not checked"));
        assert!(diags[1].is_error());
    }

    #[test]
    fn unnecessary_unchecked_directive_is_a_warning() {
        let (script, diags) = check("-- migrate:unchecked\nSELECT 1;");
        assert_eq!(script.statements[0].check, Check::Parsed);
        assert_eq!(diags.len(), 1);
        assert!(!diags[0].is_error());
    }

    #[test]
    fn misplaced_unchecked_directive() {
        let (_, diags) = check("SELECT 1;\n-- migrate:unchecked\n");
        assert_eq!(
            diags[0].message,
            "`-- migrate:unchecked` must be on a line of its own before a statement"
        );
        let (_, diags) = check("SELECT\n-- migrate:unchecked\n1;");
        assert!(diags[0].is_error());
        // After a statement on the same line, it would silently apply to the next one.
        let (script, diags) = check("SELECT 1; -- migrate:unchecked\nFROBNICATE;");
        assert_eq!(
            diags[0].message,
            "`-- migrate:unchecked` must be on a line of its own before a statement"
        );
        assert_eq!(script.statements[1].check, Check::Invalid);
    }

    #[test]
    fn known_parser_gaps_go_through_as_unchecked() {
        let (script, diags) = check(
            "PRAGMA foreign_keys = OFF;\nCREATE TRIGGER IF NOT EXISTS t AFTER INSERT ON a BEGIN SELECT 1; END;",
        );
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        assert!(
            script
                .statements
                .iter()
                .all(|s| s.check == Check::UncheckedParserGap)
        );
    }

    #[test]
    fn empty_files() {
        let (_, diags) = check("-- nothing here\n");
        assert_eq!(diags[0].message, "migration has no statements");
        assert!(diags[0].is_error());
        let (_, diags) = check_text("\n", Dialect::Sqlite, Role::Down);
        assert!(!diags[0].is_error());
    }

    #[test]
    fn split_location_reads_sqlparser_suffixes() {
        let (text, at) = split_location("Expected: x, found: y at Line: 3, Column: 14");
        assert_eq!(text, "Expected: x, found: y");
        assert_eq!(at.map(|l| (l.line, l.column)), Some((3, 14)));
        assert_eq!(split_location("Expected: identifier, found: EOF").1, None);
    }
}
