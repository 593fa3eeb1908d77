//! The words each command must start with, from the synopses of each database's reference
//! ("SQL Commands" of PostgreSQL 18, "SQL As Understood By SQLite"): `INSERT` is followed by
//! `INTO`, a `DROP TABLE` by its names and nothing else, an `ALTER TABLE`'s name by an action.
//! A statement whose words leave every path of its command's synopsis is no statement of the
//! dialect, whatever the database holds.
//!
//! Each synopsis is written as a pattern of its first words, up to where the command becomes
//! open-ended (`...`) or must end (`$`). A pattern may accept more than the database does, never
//! less: where a synopsis is not followed to its end, `...` accepts the rest. Every statement is
//! held to its pattern, read by the SQL parser or not (the parser accepts what neither database
//! does, `INSERT t` without `INTO`); the corpus of real migrations keeps the patterns honest (no
//! error on a file its database accepts).
//!
//! Pattern syntax: an upper-case word is a keyword; `name` is an identifier (quoted or not; in
//! SQLite also a string); `qname` is a name with its schema (`s.t`); `'...'` is a string (quoted
//! or dollar-quoted); `(...)` is a parenthesised group; `(`, `*` and `,` are themselves;
//! `[ ... ]` is optional; `{ a | b }` is a choice; `+,` after an element repeats it after
//! commas; `...` accepts the rest; `$` is the statement's end; `function-options` is what
//! follows a function's arguments (its return type and options, in any order, to the end).

use std::cell::{Cell, RefCell};
use std::sync::OnceLock;

use sqlparser::tokenizer::Token;

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::source::SourceFile;
use crate::split::{RawStatement, Split};

const OR_CONFLICT: &str = "[ OR { ABORT | FAIL | IGNORE | REPLACE | ROLLBACK } ]";
const DEFAULT_OBJECTS: &str =
    "{ TABLES | SEQUENCES | FUNCTIONS | ROUTINES | SCHEMAS | TYPES | LARGE OBJECTS }";
/// The roles and schemas `ALTER DEFAULT PRIVILEGES` applies to, in either order.
const DEFAULT_TARGET: &str = "{ FOR { ROLE | USER } name +, | IN SCHEMA name +, }";

/// PostgreSQL's commands, by the dialect's table of commands ([`crate::heads`]).
const POSTGRES: &[(&str, &str)] = &[
    (
        "INSERT",
        "INSERT INTO qname { AS | ( | OVERRIDING | DEFAULT | VALUES | SELECT | WITH | TABLE } ...",
    ),
    ("DELETE", "DELETE FROM ..."),
    (
        "UPDATE",
        "UPDATE [ ONLY ] qname [ * ] [ [ AS ] name ] SET ...",
    ),
    (
        "CREATE TABLE",
        "CREATE [ { GLOBAL | LOCAL } ] [ { TEMPORARY | TEMP | UNLOGGED } ] TABLE \
         [ IF NOT EXISTS ] qname \
         { ( | OF | PARTITION | USING | WITH | WITHOUT | ON | TABLESPACE | AS } ...",
    ),
    (
        "CREATE INDEX",
        "CREATE [ UNIQUE ] INDEX [ CONCURRENTLY ] [ [ IF NOT EXISTS ] name ] ON [ ONLY ] qname \
         [ * ] { USING | ( } ...",
    ),
    (
        "CREATE VIEW",
        "CREATE [ OR REPLACE ] [ { TEMP | TEMPORARY } ] [ RECURSIVE ] VIEW qname [ (...) ] \
         [ WITH (...) ] AS ...",
    ),
    (
        "CREATE MATERIALIZED VIEW",
        "CREATE MATERIALIZED VIEW [ IF NOT EXISTS ] qname [ (...) ] [ USING name ] \
         [ WITH (...) ] [ TABLESPACE name ] AS ...",
    ),
    (
        "CREATE SEQUENCE",
        "CREATE [ { TEMPORARY | TEMP | UNLOGGED } ] SEQUENCE [ IF NOT EXISTS ] qname ...",
    ),
    ("CREATE TYPE", "CREATE TYPE qname { AS ... | ( ... | $ }"),
    ("CREATE DOMAIN", "CREATE DOMAIN qname ..."),
    (
        "CREATE EXTENSION",
        "CREATE EXTENSION [ IF NOT EXISTS ] name ...",
    ),
    (
        "CREATE FUNCTION",
        "CREATE [ OR REPLACE ] FUNCTION qname (...) function-options",
    ),
    (
        "CREATE PROCEDURE",
        "CREATE [ OR REPLACE ] PROCEDURE qname (...) function-options",
    ),
    (
        "DO",
        "DO [ LANGUAGE { name | '...' } ] '...' [ LANGUAGE { name | '...' } ] $",
    ),
    (
        "ALTER DEFAULT PRIVILEGES",
        "ALTER DEFAULT PRIVILEGES [ DEFAULT_TARGET ] [ DEFAULT_TARGET ] \
         { GRANT { ALL [ PRIVILEGES ] | name +, } ON DEFAULT_OBJECTS \
         TO { [ GROUP ] name } +, [ WITH GRANT OPTION ] \
         | REVOKE [ GRANT OPTION FOR ] { ALL [ PRIVILEGES ] | name +, } ON DEFAULT_OBJECTS \
         FROM { [ GROUP ] name } +, [ { CASCADE | RESTRICT } ] } $",
    ),
    (
        "CREATE TRIGGER",
        "CREATE [ OR REPLACE ] [ CONSTRAINT ] TRIGGER name { BEFORE | AFTER | INSTEAD OF } \
         { INSERT | UPDATE | DELETE | TRUNCATE } ...",
    ),
    (
        "ALTER TABLE",
        "ALTER TABLE { ALL IN TABLESPACE ... | [ IF EXISTS ] [ ONLY ] qname [ * ] \
         { ADD | DROP | ALTER | VALIDATE | DISABLE | ENABLE | FORCE | NO | CLUSTER | SET | RESET \
         | INHERIT | OF | NOT | OWNER | REPLICA | RENAME | ATTACH | DETACH | SPLIT | MERGE } ... }",
    ),
    (
        "ALTER INDEX",
        "ALTER INDEX { ALL IN TABLESPACE ... | [ IF EXISTS ] qname \
         { RENAME | SET | RESET | ALTER | ATTACH | DEPENDS | NO } ... }",
    ),
    (
        "ALTER SEQUENCE",
        "ALTER SEQUENCE [ IF EXISTS ] qname { AS | INCREMENT | MINVALUE | NO | MAXVALUE | START \
         | RESTART | CACHE | CYCLE | OWNED | OWNER | RENAME | SET | $ } ...",
    ),
    (
        "ALTER TYPE",
        "ALTER TYPE qname { OWNER | RENAME | SET | ADD | DROP | ALTER } ...",
    ),
    (
        "ALTER VIEW",
        "ALTER VIEW [ IF EXISTS ] qname { ALTER | OWNER | RENAME | SET | RESET } ...",
    ),
    (
        "DROP TABLE",
        "DROP TABLE [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP VIEW",
        "DROP VIEW [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP MATERIALIZED VIEW",
        "DROP MATERIALIZED VIEW [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP INDEX",
        "DROP INDEX [ CONCURRENTLY ] [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP SEQUENCE",
        "DROP SEQUENCE [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP TYPE",
        "DROP TYPE [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP DOMAIN",
        "DROP DOMAIN [ IF EXISTS ] qname +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP SCHEMA",
        "DROP SCHEMA [ IF EXISTS ] name +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP EXTENSION",
        "DROP EXTENSION [ IF EXISTS ] name +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP FUNCTION",
        "DROP FUNCTION [ IF EXISTS ] { qname [ (...) ] } +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP PROCEDURE",
        "DROP PROCEDURE [ IF EXISTS ] { qname [ (...) ] } +, [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "DROP TRIGGER",
        "DROP TRIGGER [ IF EXISTS ] name ON qname [ { CASCADE | RESTRICT } ] $",
    ),
    (
        "TRUNCATE",
        "TRUNCATE [ TABLE ] { [ ONLY ] qname [ * ] } +, [ { RESTART | CONTINUE } IDENTITY ] \
         [ { CASCADE | RESTRICT } ] $",
    ),
];

/// SQLite's commands.
const SQLITE: &[(&str, &str)] = &[
    (
        "ALTER TABLE",
        "ALTER TABLE qname { RENAME | ADD | DROP } ...",
    ),
    (
        "CREATE INDEX",
        "CREATE [ UNIQUE ] INDEX [ IF NOT EXISTS ] qname ON name ( ...",
    ),
    (
        "CREATE TABLE",
        "CREATE [ { TEMP | TEMPORARY } ] TABLE [ IF NOT EXISTS ] qname { ( | AS } ...",
    ),
    (
        "CREATE TRIGGER",
        "CREATE [ { TEMP | TEMPORARY } ] TRIGGER [ IF NOT EXISTS ] qname \
         [ { BEFORE | AFTER | INSTEAD OF } ] { DELETE | INSERT | UPDATE } ...",
    ),
    (
        "CREATE VIEW",
        "CREATE [ { TEMP | TEMPORARY } ] VIEW [ IF NOT EXISTS ] qname [ (...) ] AS ...",
    ),
    (
        "CREATE VIRTUAL TABLE",
        "CREATE VIRTUAL TABLE [ IF NOT EXISTS ] qname USING name ...",
    ),
    ("DELETE", "DELETE FROM ..."),
    ("DROP INDEX", "DROP INDEX [ IF EXISTS ] qname $"),
    ("DROP TABLE", "DROP TABLE [ IF EXISTS ] qname $"),
    ("DROP TRIGGER", "DROP TRIGGER [ IF EXISTS ] qname $"),
    ("DROP VIEW", "DROP VIEW [ IF EXISTS ] qname $"),
    ("INSERT", "INSERT OR_CONFLICT INTO ..."),
    ("REPLACE", "REPLACE INTO ..."),
    (
        "UPDATE",
        "UPDATE OR_CONFLICT qname { SET | AS | INDEXED | NOT } ...",
    ),
];

/// A pattern, parsed.
#[derive(Debug)]
enum Pattern {
    Keyword(&'static str),
    Name,
    Text,
    Number,
    /// Tokens up to a function option's first word: a type, a list of values.
    Words,
    FunctionOptions,
    QualifiedName,
    Group,
    Punct(char),
    Rest,
    End,
    Sequence(Vec<Pattern>),
    Optional(Box<Pattern>),
    Choice(Vec<Pattern>),
    /// The element, then any number of `,` and the element again.
    List(Box<Pattern>),
}

/// The patterns of `dialect`, parsed once.
fn patterns(dialect: Dialect) -> &'static [(&'static str, Pattern)] {
    static SQLITE_PATTERNS: OnceLock<Vec<(&str, Pattern)>> = OnceLock::new();
    static POSTGRES_PATTERNS: OnceLock<Vec<(&str, Pattern)>> = OnceLock::new();
    let (cell, table) = match dialect {
        Dialect::Sqlite => (&SQLITE_PATTERNS, SQLITE),
        Dialect::Postgres => (&POSTGRES_PATTERNS, POSTGRES),
    };
    cell.get_or_init(|| {
        table
            .iter()
            .map(|(command, text)| {
                let words: Vec<&'static str> = text
                    .split_whitespace()
                    .flat_map(|w| match w {
                        "OR_CONFLICT" => OR_CONFLICT.split_whitespace().collect(),
                        "DEFAULT_OBJECTS" => DEFAULT_OBJECTS.split_whitespace().collect(),
                        "DEFAULT_TARGET" => DEFAULT_TARGET.split_whitespace().collect(),
                        w => vec![w],
                    })
                    .collect();
                let mut at = 0;
                let pattern = sequence(&words, &mut at, &[]);
                debug_assert_eq!(at, words.len(), "{command}: {text}");
                (*command, pattern)
            })
            .collect()
    })
}

/// The pattern of what follows each function option's first word ([`FUNCTION_OPTIONS`]),
/// parsed once.
fn function_options() -> &'static [(&'static str, Pattern)] {
    static OPTIONS: OnceLock<Vec<(&str, Pattern)>> = OnceLock::new();
    OPTIONS.get_or_init(|| {
        FUNCTION_OPTIONS
            .iter()
            .map(|(word, rest)| {
                let words: Vec<&'static str> = rest.split_whitespace().collect();
                (*word, sequence(&words, &mut 0, &[]))
            })
            .collect()
    })
}

/// Parses pattern words from `at` until one of `stops` (not consumed) or the end.
fn sequence(words: &[&'static str], at: &mut usize, stops: &[&str]) -> Pattern {
    let mut items = Vec::new();
    while let Some(&word) = words.get(*at) {
        if stops.contains(&word) {
            break;
        }
        *at += 1;
        let item = match word {
            "[" => {
                let inner = sequence(words, at, &["]"]);
                *at += 1;
                Pattern::Optional(Box::new(inner))
            }
            "{" => {
                let mut choices = vec![sequence(words, at, &["|", "}"])];
                while words.get(*at) == Some(&"|") {
                    *at += 1;
                    choices.push(sequence(words, at, &["|", "}"]));
                }
                *at += 1;
                Pattern::Choice(choices)
            }
            "+," => {
                let last = items.pop().expect("`+,` follows an element");
                Pattern::List(Box::new(last))
            }
            "name" => Pattern::Name,
            "'...'" => Pattern::Text,
            "number" => Pattern::Number,
            "words" => Pattern::Words,
            "function-options" => Pattern::FunctionOptions,
            "qname" => Pattern::QualifiedName,
            "(...)" => Pattern::Group,
            "..." => Pattern::Rest,
            "$" => Pattern::End,
            "(" => Pattern::Punct('('),
            "," => Pattern::Punct(','),
            "*" => Pattern::Punct('*'),
            keyword => Pattern::Keyword(keyword),
        };
        items.push(item);
    }
    Pattern::Sequence(items)
}

/// A significant token of the statement, as the patterns see it.
#[derive(Debug)]
enum Tok<'a> {
    /// A word as written: compared with keywords without regard to case.
    Word {
        value: &'a str,
        quoted: bool,
    },
    Str,
    Number,
    Punct(char),
    Other,
}

/// What may start each option of `CREATE FUNCTION` and `CREATE PROCEDURE` after the arguments
/// (PostgreSQL's synopsis), with what follows it.
const FUNCTION_OPTIONS: &[(&str, &str)] = &[
    ("RETURNS", "{ NULL ON NULL INPUT | words }"),
    ("LANGUAGE", "{ name | '...' }"),
    ("TRANSFORM", "words"),
    ("WINDOW", ""),
    ("IMMUTABLE", ""),
    ("STABLE", ""),
    ("VOLATILE", ""),
    ("NOT", "LEAKPROOF"),
    ("LEAKPROOF", ""),
    ("CALLED", "ON NULL INPUT"),
    ("STRICT", ""),
    ("EXTERNAL", "SECURITY { INVOKER | DEFINER }"),
    ("SECURITY", "{ INVOKER | DEFINER }"),
    ("PARALLEL", "{ UNSAFE | RESTRICTED | SAFE }"),
    ("COST", "number"),
    ("ROWS", "number"),
    ("SUPPORT", "qname"),
    ("SET", "name { FROM CURRENT | words }"),
    ("AS", "'...' [ , '...' ]"),
    ("RETURN", "..."),
    ("BEGIN", "..."),
    ("WITH", "(...)"),
];

/// Where matching got furthest before failing, and what it expected there.
#[derive(Default)]
struct Furthest {
    at: usize,
    expected: Vec<String>,
}

impl Furthest {
    fn expected(&mut self, at: usize, what: impl FnOnce() -> String) {
        if at > self.at {
            self.at = at;
            self.expected.clear();
        }
        if at == self.at {
            let what = what();
            if !self.expected.contains(&what) {
                self.expected.push(what);
            }
        }
    }
}

/// A position meaning "the rest is accepted".
const ACCEPTED: usize = usize::MAX;

struct Matcher<'a> {
    split: &'a Split,
    raw: &'a RawStatement,
    /// The statement's significant tokens (no whitespace, comment or final `;`), as indices of
    /// the split's, found as the patterns ask for them: a long `INSERT` costs its first words.
    indices: RefCell<Vec<usize>>,
    /// The split's token to look at next for them.
    next: Cell<usize>,
    dialect: Dialect,
    furthest: Furthest,
}

impl<'a> Matcher<'a> {
    fn new(split: &'a Split, raw: &'a RawStatement, dialect: Dialect) -> Matcher<'a> {
        Matcher {
            split,
            raw,
            indices: RefCell::new(Vec::new()),
            next: Cell::new(raw.tokens.start),
            dialect,
            furthest: Furthest::default(),
        }
    }

    /// The split's index of the statement's `i`-th significant token.
    fn index(&self, i: usize) -> Option<usize> {
        let mut indices = self.indices.borrow_mut();
        while indices.len() <= i {
            let next = self.next.get();
            if next >= self.raw.tokens.end {
                return None;
            }
            self.next.set(next + 1);
            match self.split.tokens[next].token {
                Token::Whitespace(_) => {}
                Token::SemiColon if next + 1 == self.raw.tokens.end => {}
                _ => indices.push(next),
            }
        }
        Some(indices[i])
    }

    /// The statement's `i`-th significant token, as the patterns see it.
    fn tok(&self, i: usize) -> Option<Tok<'a>> {
        let index = self.index(i)?;
        Some(match &self.split.tokens[index].token {
            Token::Word(w) => Tok::Word {
                value: &w.value,
                quoted: w.quote_style.is_some(),
            },
            Token::SingleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::DoubleQuotedString(_) => Tok::Str,
            Token::Number(..) => Tok::Number,
            Token::Eq => Tok::Punct('='),
            Token::LParen => Tok::Punct('('),
            Token::RParen => Tok::Punct(')'),
            Token::Period => Tok::Punct('.'),
            Token::Comma => Tok::Punct(','),
            Token::Mul => Tok::Punct('*'),
            _ => Tok::Other,
        })
    }

    /// The positions `pattern` can end at when it starts at `at`.
    fn ends(&mut self, pattern: &Pattern, at: usize) -> Vec<usize> {
        let mut out = Vec::new();
        self.ends_into(pattern, at, &mut out);
        out
    }

    /// [`Matcher::ends`], added to `out` (each position once): the common patterns then need no
    /// allocation of their own.
    fn ends_into(&mut self, pattern: &Pattern, at: usize, out: &mut Vec<usize>) {
        let push = |out: &mut Vec<usize>, end: usize| {
            if !out.contains(&end) {
                out.push(end);
            }
        };
        if at == ACCEPTED {
            return push(out, ACCEPTED);
        }
        let token = self.tok(at);
        match pattern {
            Pattern::Keyword(keyword) => match token {
                Some(Tok::Word {
                    value,
                    quoted: false,
                }) if value.eq_ignore_ascii_case(keyword) => push(out, at + 1),
                _ => self.furthest.expected(at, || format!("`{keyword}`")),
            },
            Pattern::Name => match token {
                Some(Tok::Word { .. }) => push(out, at + 1),
                Some(Tok::Str) if self.dialect == Dialect::Sqlite => push(out, at + 1),
                _ => self.furthest.expected(at, || "a name".to_owned()),
            },
            Pattern::QualifiedName => {
                let name = matches!(token, Some(Tok::Word { .. }))
                    || (self.dialect == Dialect::Sqlite && matches!(token, Some(Tok::Str)));
                if !name {
                    return self.furthest.expected(at, || "a name".to_owned());
                }
                let mut end = at + 1;
                while matches!(self.tok(end), Some(Tok::Punct('.'))) {
                    if !matches!(self.tok(end + 1), Some(Tok::Word { .. })) {
                        self.furthest.expected(end + 1, || "a name".to_owned());
                        break;
                    }
                    end += 2;
                }
                push(out, end);
            }
            Pattern::Text => match token {
                Some(Tok::Str) => push(out, at + 1),
                _ => self.furthest.expected(at, || "a string".to_owned()),
            },
            Pattern::Number => match token {
                Some(Tok::Number) => push(out, at + 1),
                _ => self.furthest.expected(at, || "a number".to_owned()),
            },
            Pattern::Words => {
                // Anything up to an option's first word, at least one token: a type (`timestamp
                // with time zone`, `s.rows`, a type named `cost`) or a list of values.
                let word = |i: usize| match self.tok(i) {
                    Some(Tok::Word {
                        value,
                        quoted: false,
                    }) => value,
                    _ => "",
                };
                let mut depth = 0usize;
                let mut end = at;
                while let Some(token) = self.tok(end) {
                    match token {
                        Tok::Punct('(') => depth += 1,
                        Tok::Punct(')') if depth == 0 => break,
                        Tok::Punct(')') => depth -= 1,
                        Tok::Word {
                            value,
                            quoted: false,
                        } if depth == 0
                            && end > at
                            && !matches!(self.tok(end - 1), Some(Tok::Punct('.')))
                            && !((value.eq_ignore_ascii_case("WITH")
                                || value.eq_ignore_ascii_case("WITHOUT"))
                                && word(end + 1).eq_ignore_ascii_case("TIME"))
                            && FUNCTION_OPTIONS
                                .iter()
                                .any(|(w, _)| w.eq_ignore_ascii_case(value)) =>
                        {
                            break;
                        }
                        _ => {}
                    }
                    end += 1;
                }
                if end == at {
                    return self
                        .furthest
                        .expected(at, || "a type or a value".to_owned());
                }
                push(out, end);
            }
            Pattern::FunctionOptions => {
                let mut positions = vec![at];
                while let Some(position) = positions.pop() {
                    let token = match position {
                        ACCEPTED => None,
                        _ => self.tok(position),
                    };
                    let Some(token) = token else {
                        push(out, position);
                        continue;
                    };
                    let option = match token {
                        Tok::Word {
                            value,
                            quoted: false,
                        } => function_options()
                            .iter()
                            .find(|(w, _)| w.eq_ignore_ascii_case(value)),
                        _ => None,
                    };
                    let Some((_, rest)) = option else {
                        self.furthest.expected(position, || {
                            "a function option (`LANGUAGE`, `AS`, `RETURNS`, ...)".to_owned()
                        });
                        continue;
                    };
                    for next in self.ends(rest, position + 1) {
                        if next == ACCEPTED || next > position {
                            positions.push(next);
                        }
                    }
                }
            }
            Pattern::Group => {
                if !matches!(token, Some(Tok::Punct('('))) {
                    return self.furthest.expected(at, || "`(`".to_owned());
                }
                let mut depth = 0;
                let mut i = at;
                while let Some(token) = self.tok(i) {
                    match token {
                        Tok::Punct('(') => depth += 1,
                        Tok::Punct(')') => {
                            depth -= 1;
                            if depth == 0 {
                                return push(out, i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            Pattern::Punct(c) => match token {
                Some(Tok::Punct(p)) if p == *c => push(out, at + 1),
                _ => self.furthest.expected(at, || format!("`{c}`")),
            },
            Pattern::Rest => push(out, ACCEPTED),
            Pattern::End if token.is_none() => push(out, at),
            Pattern::End => self
                .furthest
                .expected(at, || "the end of the statement".to_owned()),
            Pattern::Sequence(items) => {
                let mut positions = vec![at];
                let mut next = Vec::new();
                for item in items {
                    next.clear();
                    for &position in &positions {
                        self.ends_into(item, position, &mut next);
                    }
                    if next.is_empty() {
                        return;
                    }
                    std::mem::swap(&mut positions, &mut next);
                }
                for position in positions {
                    push(out, position);
                }
            }
            Pattern::Optional(inner) => {
                self.ends_into(inner, at, out);
                push(out, at);
            }
            Pattern::Choice(choices) => {
                for choice in choices {
                    self.ends_into(choice, at, out);
                }
            }
            Pattern::List(item) => {
                let mut frontier = self.ends(item, at);
                // Its own ends, not `out`'s: what another alternative put there may still
                // continue this list.
                let mut seen = Vec::new();
                while let Some(end) = frontier.pop() {
                    if seen.contains(&end) {
                        continue;
                    }
                    seen.push(end);
                    push(out, end);
                    if !matches!(self.tok(end), Some(Tok::Punct(','))) {
                        self.furthest.expected(end, || "`,`".to_owned());
                        continue;
                    }
                    self.ends_into(item, end + 1, &mut frontier);
                }
            }
        }
    }
}

/// The error for a statement of `command` whose first words leave its synopsis, if they do.
pub(crate) fn impossible(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
    dialect: Dialect,
    command: &str,
) -> Option<Diagnostic> {
    let (_, pattern) = patterns(dialect).iter().find(|(c, _)| *c == command)?;
    let mut matcher = Matcher::new(split, raw, dialect);
    let ends = matcher.ends(pattern, 0);
    // Accepted, or a path that read every token.
    if ends
        .iter()
        .any(|&end| end == ACCEPTED || matcher.tok(end).is_none())
    {
        return None;
    }
    let found_token = matcher.tok(matcher.furthest.at);
    let failed_at = matcher.index(matcher.furthest.at);
    let expected = matcher.furthest.expected;
    // A new statement where this one cannot go on: its `;` is missing.
    if let Some(i) = failed_at {
        let next = split.ranges[i].start;
        if let Some(end) = super::semicolon::runs_on(source, dialect, raw.bytes.clone(), next) {
            let found = &source.text[split.ranges[i].clone()];
            return Some(super::semicolon::missing(
                source,
                end,
                next,
                format!(
                    "a {} `{command}` cannot go on at `{found}`",
                    dialect.title()
                ),
            ));
        }
    }
    let (span, found) = match failed_at {
        Some(i) => (
            split.ranges[i].clone(),
            format!("`{}`", &source.text[split.ranges[i].clone()]),
        ),
        None => (
            raw.bytes.end..raw.bytes.end,
            "the end of the statement".to_owned(),
        ),
    };
    let list = match expected.as_slice() {
        [] => "something else".to_owned(),
        [one] => one.clone(),
        many if many.len() > 6 => format!("{}, ... ({} in all)", many[..5].join(", "), many.len()),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    };
    let mut diagnostic =
        Diagnostic::new(Code::Syntax, format!("expected {list} here, found {found}"))
            .at(Location::span(source, span))
            .label(format!(
                "a {} `{command}` cannot go on like this",
                dialect.title()
            ));
    let word = matches!(found_token, Some(Tok::Word { quoted: false, .. }))
        .then(|| found.trim_matches('`').to_ascii_uppercase());
    let keywords = expected
        .iter()
        .filter(|e| e.starts_with('`') && e.len() > 3)
        .map(|e| e.trim_matches('`'));
    if let Some(meant) = word.and_then(|w| crate::source::closest(&w, keywords.map(|k| (k, k)))) {
        diagnostic = diagnostic.help(format!("did you mean `{meant}`?"));
    }
    Some(diagnostic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::{Role, check_text};

    /// The syntax finding of `sql`, as position, message and help.
    fn finding(sql: &str, dialect: Dialect) -> Option<(String, String, Option<String>)> {
        check_text(sql, dialect, Role::Up)
            .1
            .into_iter()
            .find(|d| d.code == Code::Syntax)
            .map(|d| (d.position().unwrap_or_default(), d.message, d.help))
    }

    #[test]
    fn every_pattern_parses_and_names_a_command_of_its_dialect() {
        for dialect in Dialect::ALL {
            for (command, pattern) in patterns(dialect) {
                let words: Vec<String> = command.split(' ').map(str::to_owned).collect();
                assert_eq!(
                    crate::heads::command(dialect, &words, false),
                    Some(*command),
                    "{dialect}: {command}"
                );
                assert!(
                    matches!(pattern, Pattern::Sequence(items) if !items.is_empty()),
                    "{command}"
                );
            }
        }
    }

    #[test]
    fn bad() {
        for (sql, dialect, position, message, help) in [
            (
                "INSERT INOT notes (title) VALUES ('a');",
                Dialect::Sqlite,
                "test.sql:1:8",
                "expected `OR` or `INTO` here, found `INOT`",
                Some("did you mean `INTO`?"),
            ),
            (
                "INSERT INOT notes (title) VALUES ('a');",
                Dialect::Postgres,
                "test.sql:1:8",
                "expected `INTO` here, found `INOT`",
                Some("did you mean `INTO`?"),
            ),
            (
                "DROP INDEX job_group_id ON jobs;",
                Dialect::Postgres,
                "test.sql:1:25",
                "expected `,`, `CASCADE`, `RESTRICT` or the end of the statement here, found `ON`",
                None,
            ),
            (
                "ALTER TABLE users MODIFY name TEXT NOT NULL;",
                Dialect::Postgres,
                "test.sql:1:19",
                "expected `*`, `ADD`, `DROP`, `ALTER`, `VALIDATE`, ... (22 in all) here, found \
                 `MODIFY`",
                None,
            ),
            (
                "UPDATE users u SET name = 'a' WHERE id = 1 AND u.x = ANY(1);",
                Dialect::Sqlite,
                "test.sql:1:14",
                "expected `SET`, `AS`, `INDEXED` or `NOT` here, found `u`",
                None,
            ),
            (
                "CREATE TABLE IF NOT EXIST users (id INT);",
                Dialect::Postgres,
                "test.sql:1:21",
                "expected `EXISTS` here, found `EXIST`",
                Some("did you mean `EXISTS`?"),
            ),
            (
                "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql IMUTABLE;",
                Dialect::Postgres,
                "test.sql:1:64",
                "expected a function option (`LANGUAGE`, `AS`, `RETURNS`, ...) here, found \
                 `IMUTABLE`",
                None,
            ),
            // The parser cannot read `COST`: the synopsis finds the `;` missing before the next
            // statement.
            (
                "CREATE FUNCTION f() RETURNS trigger AS $f$ BEGIN RETURN NEW; END $f$\n\
                 LANGUAGE plpgsql VOLATILE COST 100 -- the default\n\
                 CREATE TRIGGER t AFTER INSERT ON x FOR EACH ROW EXECUTE FUNCTION f();",
                Dialect::Postgres,
                "test.sql:2:35",
                "missing `;` at the end of line 2?",
                Some("end the statement on line 2 with `;`"),
            ),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT ALL ON SEQUENCES TO app\n\
                 ALTER TABLE t ADD COLUMN a INT;",
                Dialect::Postgres,
                "test.sql:1:67",
                "missing `;` at the end of line 1?",
                Some("end the statement on line 1 with `;`"),
            ),
            (
                "DO $$ BEGIN PERFORM 1; END $$\nCREATE TABLE t (a INT);",
                Dialect::Postgres,
                "test.sql:1:30",
                "missing `;` at the end of line 1?",
                Some("end the statement on line 1 with `;`"),
            ),
        ] {
            let found = finding(sql, dialect);
            assert_eq!(
                found,
                Some((
                    position.to_owned(),
                    message.to_owned(),
                    help.map(str::to_owned)
                )),
                "{dialect}: {sql}"
            );
        }
    }

    #[test]
    fn good() {
        // Valid statements the parser cannot read: the patterns let them through.
        for (sql, dialect) in [
            (
                "CREATE TABLE t (a INT) PARTITION BY RANGE (a) TABLESPACE fast;",
                Dialect::Postgres,
            ),
            (
                "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON ONLY t USING gin (a);",
                Dialect::Postgres,
            ),
            (
                "CREATE INDEX ON only (a) WITH (fillfactor = 70) WHERE a > 0;",
                Dialect::Postgres,
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS a, s.b CASCADE;",
                Dialect::Postgres,
            ),
            (
                "DROP FUNCTION IF EXISTS f(int, text), g CASCADE;",
                Dialect::Postgres,
            ),
            (
                "ALTER TABLE ONLY t ALTER CONSTRAINT c DEFERRABLE;",
                Dialect::Postgres,
            ),
            ("ALTER SEQUENCE s RENAME TO t;", Dialect::Postgres),
            ("CREATE TYPE mood;", Dialect::Postgres),
            ("DELETE FROM t NOT INDEXED WHERE a = 1;", Dialect::Sqlite),
            (
                "UPDATE OR IGNORE t AS x SET a = 1 WHERE x.a IN (SELECT 1 FROM t INDEXED BY i);",
                Dialect::Sqlite,
            ),
            (
                "CREATE TABLE 'quoted' (a INT) STRICT, WITHOUT ROWID, WITH (x);",
                Dialect::Sqlite,
            ),
            (
                "CREATE OR REPLACE FUNCTION s.f(a int, b text DEFAULT 'x') RETURNS TABLE (id int) \
                 LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL SAFE COST 10 ROWS 5 \
                 SET search_path = public, pg_temp AS $$ BEGIN RETURN; END $$;",
                Dialect::Postgres,
            ),
            (
                "CREATE FUNCTION f(int) RETURNS NULL ON NULL INPUT RETURNS setof text \
                 EXTERNAL SECURITY INVOKER LANGUAGE 'c' AS 'lib', 'sym' SET work_mem FROM CURRENT;",
                Dialect::Postgres,
            ),
            (
                "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE RETURN a + b;",
                Dialect::Postgres,
            ),
            (
                "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); END;",
                Dialect::Postgres,
            ),
            ("DO LANGUAGE plpgsql $$ BEGIN END $$;", Dialect::Postgres),
            ("DO $$ BEGIN END $$ LANGUAGE 'plpgsql';", Dialect::Postgres),
            (
                "ALTER DEFAULT PRIVILEGES IN SCHEMA s FOR ROLE r GRANT SELECT ON TABLES TO app;",
                Dialect::Postgres,
            ),
            (
                "CREATE FUNCTION now_utc() RETURNS timestamp with time zone AS $$ SELECT now() $$ \
                 LANGUAGE sql;",
                Dialect::Postgres,
            ),
            (
                "CREATE FUNCTION f() RETURNS SETOF time without time zone LANGUAGE sql \
                 AS 'SELECT now()::time';",
                Dialect::Postgres,
            ),
            (
                "CREATE FUNCTION f() RETURNS s.rows LANGUAGE sql AS 'SELECT NULL::s.rows';",
                Dialect::Postgres,
            ),
            (
                "CREATE FUNCTION f() RETURNS cost LANGUAGE sql AS 'SELECT NULL::cost';",
                Dialect::Postgres,
            ),
            (
                "ALTER DEFAULT PRIVILEGES FOR ROLE a, b IN SCHEMA s GRANT SELECT, UPDATE ON \
                 SEQUENCES TO GROUP c, PUBLIC WITH GRANT OPTION;",
                Dialect::Postgres,
            ),
            (
                "ALTER DEFAULT PRIVILEGES REVOKE GRANT OPTION FOR ALL PRIVILEGES ON LARGE OBJECTS \
                 FROM app CASCADE;",
                Dialect::Postgres,
            ),
            ("DO 'BEGIN END' LANGUAGE plpgsql;", Dialect::Postgres),
        ] {
            assert_eq!(finding(sql, dialect), None, "{dialect}: {sql}");
        }
    }
}
