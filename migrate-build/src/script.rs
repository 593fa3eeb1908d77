//! Checking one migration file as one dialect: split it, read its directives, classify and parse
//! every statement, run the rules, and decide how the engine check will run it.
//!
//! A statement whose head is a command of the dialect but that the parser cannot read is not an
//! error here: it is *unchecked by the parser*, and the engine check (see [`crate::engine`])
//! judges it. What is still unchecked once the engine has run is reported then.

use migrate_core::{StatementPosition, encode_positions};
use std::ops::Range;

use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::directive::{self, Directive};
use crate::effects::{self, Effects};
use crate::engine::{self, Plan, Verdict};
use crate::grammar;
use crate::heads::{self, Head};
use crate::rules;
use crate::rules::requires_no_transaction::refused_in_transaction;
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
    /// Parsed and checked by every rule (and run by the engine check, where it ran).
    Parsed,
    /// The parser could not read it, and the database ran it without complaint.
    Engine,
    /// Neither the parser nor a database checked it: it is reported as unchecked.
    Unchecked,
    /// Not looked at: marked `-- migrate:unchecked`.
    UncheckedByDirective,
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
    /// The parser's message, when it could not read the statement.
    pub(crate) parser_message: Option<String>,
    /// How the engine check runs it.
    pub(crate) plan: Plan,
    /// What the engine check made of it.
    pub(crate) verdict: Verdict,
    /// Its command, as the dialect's table writes it (`CREATE TABLE`); `None` when its head is
    /// no command of the dialect.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) command: Option<&'static str>,
    /// What it may change, by its command: what the scratch database lacks when it is refused
    /// or not run.
    pub(crate) effects: Effects,
    /// The syntax tree, when the parser read it, for the schema model (an `INSERT`'s rows
    /// left out: the model needs only its table and columns).
    pub(crate) ast: Option<Box<sqlparser::ast::Statement>>,
    /// Whether the file runs this statement on into the next: they are one statement missing
    /// its `;`, checked as the two it means.
    pub(crate) glued: bool,
}

/// Findings silenced by `-- migrate:allow(...)`.
#[derive(Clone, Debug)]
pub(crate) struct Allow {
    /// The bytes of the statement it precedes; `None` for the whole file (a file without
    /// statements).
    pub statement: Option<Range<usize>>,
    pub codes: Vec<Code>,
}

/// sqlx's directive, at the start of a file: it runs outside a transaction.
pub(crate) const SQLX_NO_TRANSACTION: &str = "-- no-transaction";

/// What runs a file outside a transaction besides `-- migrate:no-transaction`: its layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Outside {
    /// Nothing.
    #[default]
    Never,
    /// The layout says so (diesel's `run_in_transaction = false`, dbmate's
    /// `transaction:false`).
    Always,
    /// The file starts with sqlx's `-- no-transaction`.
    WhenMarked,
    /// A statement that cannot run inside one, as Flyway decides on PostgreSQL.
    WhenRefused,
}

/// A checked migration file.
#[derive(Clone, Debug)]
pub struct Script {
    /// The file.
    pub source: SourceFile,
    /// False when the file starts with `-- migrate:no-transaction`.
    pub transaction: bool,
    /// True when the file starts with `-- migrate:foreign-keys-off`.
    pub foreign_keys_off: bool,
    /// The reason given by `-- migrate:irreversible <reason>`, if the file has one.
    pub irreversible: Option<String>,
    /// Its statements, in order.
    pub statements: Vec<Statement>,
    pub(crate) allows: Vec<Allow>,
    /// Whether a statement sets, releases or rolls back to a savepoint of its own.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) savepoints: bool,
    /// False when the file could not be cut into statements (an unterminated string or comment).
    pub(crate) readable: bool,
}

impl Script {
    /// The statements' positions as the runtime's `Script` takes them: for each, the byte range
    /// in the file as stored (a byte-order mark included, as `include_str!` sees it), then the
    /// line and column of the first keyword, each a little-endian `u32`.
    pub fn statement_positions(&self) -> Vec<u8> {
        let bom = self.source.bom_len;
        let at = |n: usize| u32::try_from(n + bom).unwrap_or(u32::MAX);
        let positions: Vec<StatementPosition> = self
            .statements
            .iter()
            .map(|s| StatementPosition {
                start: at(s.bytes.start),
                end: at(s.bytes.end),
                line: s.line,
                column: s.column,
            })
            .collect();
        encode_positions(&positions)
    }

    /// The SQL text of a statement.
    pub fn text(&self, statement: &Statement) -> &str {
        &self.source.text[statement.bytes.clone()]
    }

    /// Whether a finding with `code` at byte `offset` (or on the whole file) is silenced by a
    /// `-- migrate:allow(...)`.
    pub(crate) fn allows(&self, code: Code, offset: Option<usize>) -> bool {
        self.allows.iter().any(|allow| {
            allow.codes.contains(&code)
                && match (&allow.statement, offset) {
                    (None, _) => true,
                    // A finding at the end of the statement (a missing token) counts too.
                    (Some(bytes), Some(offset)) => bytes.start <= offset && offset <= bytes.end,
                    (Some(_), None) => false,
                }
        })
    }
}

/// Checks one file, adding what it finds to `out`.
pub(crate) fn check_script(
    source: SourceFile,
    dialect: Dialect,
    role: Role,
    outside: Outside,
    out: &mut Vec<Diagnostic>,
) -> Script {
    let split = match split(&source.text, dialect) {
        Ok(split) => split,
        Err(error) => {
            out.push(tokenizer_error(&source, dialect, &error.message));
            return Script {
                source,
                transaction: true,
                foreign_keys_off: false,
                irreversible: None,
                statements: Vec::new(),
                allows: Vec::new(),
                savepoints: false,
                readable: false,
            };
        }
    };
    let mut directives = read_directives(&source, &split, out);
    // What the layout says of the file (diesel's `metadata.toml`, sqlx's `-- no-transaction`,
    // Flyway's detection).
    directives.transaction &= match outside {
        Outside::Never => true,
        Outside::Always => false,
        // As sqlx reads it: the file's first bytes, a byte-order mark included.
        Outside::WhenMarked => {
            !(source.bom_len == 0 && source.text.starts_with(SQLX_NO_TRANSACTION))
        }
        Outside::WhenRefused => !split
            .statements
            .iter()
            .any(|raw| refused_in_transaction(dialect, &split.words(raw, 24)).is_some()),
    };
    if role == Role::Down && directives.irreversible.is_some() {
        out.push(
            Diagnostic::new(
                Code::Directive,
                "`-- migrate:irreversible` belongs in the up migration",
            )
            .at(Location::file(&source.display))
            .help("move it to the up file, and delete this down file: an irreversible migration has none"),
        );
    }
    if split.statements.is_empty() {
        out.push(empty_file(&source, role));
    }
    let mut statements = Vec::with_capacity(split.statements.len());
    for (i, raw) in split.statements.iter().enumerate() {
        let allowed = |code: Code| {
            directives
                .allows
                .iter()
                .any(|a| a.statement.as_ref() == Some(&raw.bytes) && a.codes.contains(&code))
        };
        // A statement missing its `;` is checked as the statements it runs together.
        let mut next = Some(raw.clone());
        let mut marked = directives.unchecked.contains(&i);
        while let Some(raw) = next.take() {
            let before = out.len();
            let (mut statement, rest) = check_statement(
                &source,
                &split,
                &raw,
                marked,
                dialect,
                directives.transaction,
                out,
            );
            marked = false;
            // A rule's error silenced by `-- migrate:allow` does not make the statement invalid.
            if statement.check == Check::Invalid
                && rest.is_none()
                && !out[before..]
                    .iter()
                    .any(|d| d.is_error() && !allowed(d.code))
            {
                statement.check = if statement.parser_message.is_some() {
                    Check::Unchecked
                } else {
                    Check::Parsed
                };
            }
            statement.glued = rest.is_some();
            statements.push(statement);
            next = rest;
        }
    }
    let savepoints = split.statements.iter().any(|raw| {
        let words = split.leading_words(raw, 2);
        matches!(
            words.first().map(String::as_str),
            Some("SAVEPOINT" | "RELEASE")
        ) || (words.first().is_some_and(|w| w == "ROLLBACK")
            && split.words(raw, 4).iter().any(|w| w == "TO"))
    });
    Script {
        source,
        transaction: directives.transaction,
        foreign_keys_off: directives.foreign_keys_off,
        irreversible: directives.irreversible,
        statements,
        allows: directives.allows,
        savepoints,
        readable: true,
    }
}

/// Checks SQL text as a file named `test.sql`.
#[cfg(test)]
pub(crate) fn check_text(sql: &str, dialect: Dialect, role: Role) -> (Script, Vec<Diagnostic>) {
    let source = SourceFile::new("test.sql".into(), "test.sql".into(), sql);
    let mut out = Vec::new();
    let script = check_script(source, dialect, role, Outside::Never, &mut out);
    (script, out)
}

/// A tokenizer error, pointed at where the unterminated string, quoted name or comment starts
/// (the tokenizer itself reports some of them at the end of the file).
fn tokenizer_error(source: &SourceFile, dialect: Dialect, message: &str) -> Diagnostic {
    let mut tokens: Vec<TokenWithSpan> = Vec::new();
    let _ = Tokenizer::new(dialect.parser_dialect(), &source.text)
        .with_unescape(false)
        .tokenize_with_location_into_buf(&mut tokens);
    let mut cursor = Cursor::new(&source.text);
    let at = tokens
        .last()
        .map_or(0, |t| cursor.range_of(t.span).end)
        .min(source.text.len());
    let rest = &source.text[at..];
    let at = at + (rest.len() - rest.trim_start().len());
    let width = source.text[at..].chars().next().map_or(0, char::len_utf8);
    let what = if source.text[at..].starts_with("/*") {
        "comment"
    } else if source.text[at..].starts_with('"') || source.text[at..].starts_with('`') {
        "quoted name"
    } else {
        "string"
    };
    let (message, _) = split_location(message);
    Diagnostic::new(
        Code::Syntax,
        format!("unterminated {what}: it runs to the end of the file"),
    )
    .at(Location::span(source, at..at + width))
    .label(format!("this {what} is never closed"))
    .note(format!("the tokenizer says: {}", lower_first(message)))
}

fn empty_file(source: &SourceFile, role: Role) -> Diagnostic {
    let at = Location::file(&source.display);
    match role {
        Role::Up => Diagnostic::new(Code::EmptyUp, "up migration has no statements")
            .at(at)
            .help(
                "write the migration's SQL, or delete the file; if it is kept on purpose (say, \
                 to give another database's set the same versions), add \
                 `-- migrate:allow(empty-up)`",
            ),
        Role::Down => Diagnostic::new(
            Code::EmptyDown,
            "down migration has no statements: reverting it changes nothing, so the migration is irreversible in practice",
        )
        .at(at)
        .help("write the statements that undo the up migration, or delete the file and mark the up `-- migrate:irreversible <reason>`"),
    }
}

struct Directives {
    transaction: bool,
    foreign_keys_off: bool,
    irreversible: Option<String>,
    /// Statements marked `-- migrate:unchecked`.
    unchecked: Vec<usize>,
    allows: Vec<Allow>,
}

fn read_directives(source: &SourceFile, split: &Split, out: &mut Vec<Diagnostic>) -> Directives {
    let mut found = Directives {
        transaction: true,
        foreign_keys_off: false,
        irreversible: None,
        unchecked: Vec::new(),
        allows: Vec::new(),
    };
    let first = split.statements.first().map(|s| s.tokens.start);
    for (token, comment) in split.line_comments() {
        let range = split.ranges[token].clone();
        let at = || Location::span(source, range.clone());
        let error = |message: String| Diagnostic::new(Code::Directive, message).at(at());
        let directive = match directive::parse(comment) {
            directive::Parsed::None => continue,
            directive::Parsed::Bad {
                problem,
                suggestion,
            } => {
                let word = comment.trim().get(8..).unwrap_or_default();
                let dbmate = ["up", "down"]
                    .iter()
                    .any(|w| word.split_whitespace().next() == Some(*w));
                let help = match suggestion {
                    // dbmate's sections: the file is in dbmate's layout.
                    _ if dbmate => "this is dbmate's section marker: read the directory as \
                                    dbmate lays it out, with `layout = \"dbmate\"` in \
                                    `[package.metadata.migrate]`"
                        .to_owned(),
                    Some(meant) => format!("write `{meant}`, alone on its line"),
                    None => format!(
                        "the directives are {}",
                        Directive::ALL
                            .map(|d| format!("`{}`", d.usage()))
                            .join(", ")
                    ),
                };
                out.push(error(problem).label("not a directive").help(help));
                continue;
            }
            directive::Parsed::Irreversible(reason) => {
                if first.is_some_and(|first| token > first) {
                    out.push(
                        error(
                            "`-- migrate:irreversible` must come before the first statement"
                                .to_owned(),
                        )
                        .label("after a statement")
                        .help("move it to the top of the file"),
                    );
                } else {
                    found.irreversible = Some(reason.to_owned());
                }
                continue;
            }
            directive::Parsed::Known(directive) => (directive, Vec::new()),
            directive::Parsed::Allow(codes) => (Directive::Allow, codes),
        };
        match directive {
            (d @ (Directive::NoTransaction | Directive::ForeignKeysOff), _) => {
                if first.is_some_and(|first| token > first) {
                    out.push(
                        error(format!(
                            "`{}` must come before the first statement",
                            d.usage()
                        ))
                        .label("after a statement")
                        .help("move it to the top of the file"),
                    );
                } else if d == Directive::NoTransaction {
                    found.transaction = false;
                } else {
                    found.foreign_keys_off = true;
                }
            }
            (Directive::Irreversible, _) => {}
            (d @ (Directive::Unchecked | Directive::Allow), codes) => {
                let next = split.statements.iter().position(|s| s.tokens.start > token);
                let line_start = source.text[..range.start].rfind('\n').map_or(0, |i| i + 1);
                let own_line = source.text[line_start..range.start].trim().is_empty();
                let inside = split.statements.iter().any(|s| s.tokens.contains(&token));
                let file_wide = d == Directive::Allow && split.statements.is_empty();
                let statement = match next {
                    Some(next) if own_line && !inside => Some(next),
                    _ if file_wide => None,
                    _ => {
                        out.push(
                            error(format!(
                                "`{}` must be on a line of its own before a statement",
                                d.usage()
                            ))
                            .label(if inside || !own_line {
                                "not on a line of its own"
                            } else {
                                "no statement follows"
                            })
                            .help("put it on the line before the statement it applies to"),
                        );
                        continue;
                    }
                };
                if d == Directive::Unchecked {
                    found.unchecked.extend(statement);
                    continue;
                }
                let mut known = Vec::new();
                for code in codes {
                    match Code::from_name(code) {
                        Some(code) if code.is_fatal() => out.push(
                            error(format!("`{code}` cannot be allowed"))
                                .label("a fatal finding")
                                .note("it means the migrations cannot be built, or the database refuses them"),
                        ),
                        Some(code) => known.push(code),
                        None => {
                            let diagnostic = error(format!("unknown code `{code}`"))
                                .label("not a code");
                            out.push(match Code::suggest(code) {
                                Some(meant) => diagnostic.help(format!("did you mean `{meant}`?")),
                                None => diagnostic
                                    .note("the codes are listed in docs/diagnostics.md"),
                            });
                        }
                    }
                }
                found.allows.push(Allow {
                    statement: statement.map(|i| split.statements[i].bytes.clone()),
                    codes: known,
                });
            }
        }
    }
    found
}

/// Checks one statement. When it is two statements run together (a missing `;`), the first is
/// checked as it reads and the rest is returned, to be checked as the next statement: each is
/// what its author meant, so later statements see what it makes.
fn check_statement(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
    marked_unchecked: bool,
    dialect: Dialect,
    transaction: bool,
    out: &mut Vec<Diagnostic>,
) -> (Statement, Option<RawStatement>) {
    let (line, column) = source.line_col(raw.bytes.start);
    let first_token = Location::span(source, split.ranges[raw.tokens.start].clone());
    let leading = split.leading_words(raw, 6);
    let words = split.words(raw, 24);
    let parenthesis = split.tokens[raw.tokens.start].token == Token::LParen;
    let head = heads::classify(dialect, &leading, parenthesis);
    let command = match head {
        Head::Command(command) | Head::Foreign { command, .. } => Some(command),
        Head::Unknown { .. } => None,
    };
    let effects = statement_effects(dialect, command, split, raw, &words);
    let mut statement = Statement {
        bytes: raw.bytes.clone(),
        line,
        column,
        check: Check::Parsed,
        parser_message: None,
        plan: Plan::Run,
        verdict: Verdict::NotRun,
        command: command.filter(|_| matches!(head, Head::Command(_))),
        effects,
        ast: None,
        glued: false,
    };
    if marked_unchecked {
        statement.check = Check::UncheckedByDirective;
        statement.plan = Plan::Skip {
            why: "it is marked `-- migrate:unchecked`",
            taints: true,
            say: false,
        };
        return (statement, None);
    }
    let command = match head {
        Head::Command(command) => command,
        head => {
            let meant = match &head {
                Head::Unknown {
                    suggestion: Some(meant),
                } => Some(meant.clone()),
                _ => None,
            };
            out.push(rules::unknown_statement::head(
                dialect,
                head,
                &leading,
                first_token,
            ));
            statement.check = Check::Invalid;
            statement.plan = Plan::Skip {
                why: "it is no statement of the dialect",
                taints: true,
                say: false,
            };
            // A misspelt command: the statement as meant, for what comes after it.
            if let Some(meant) = meant {
                as_meant(source, split, raw, dialect, &meant, &mut statement);
            }
            return (statement, None);
        }
    };
    let cx = rules::Context {
        dialect,
        transaction,
        command,
        leading: &leading,
        words: &words,
        at: first_token,
        source,
        tokens: &split.tokens[raw.tokens.clone()],
        ranges: &split.ranges[raw.tokens.clone()],
    };
    let before = out.len();
    match parse(split.tokens[raw.tokens.clone()].to_vec(), dialect) {
        Ok(ast) => {
            rules::check(Some(&ast), &cx, out);
            // The parser accepts more than either database (`INSERT t` without `INTO`); where
            // a rule says why already, that is enough.
            if !out[before..].iter().any(Diagnostic::is_error) {
                out.extend(grammar::prefix::impossible(
                    source, split, raw, dialect, command,
                ));
            }
            statement.ast = Some(syntax_tree(ast));
        }
        Err(error) => {
            let failure = Failure::new(source, split, raw, &error);
            if let Some((missing, first, rest)) =
                missing_semicolon(source, split, raw, dialect, &failure)
            {
                out.push(missing);
                let (mut first, _) =
                    check_statement(source, split, &first, false, dialect, transaction, out);
                first.check = Check::Invalid;
                return (first, Some(rest));
            }
            rules::check(None, &cx, out);
            statement.check = Check::Unchecked;
            if let Some(certain) = grammar::certain_error(source, split, raw, dialect, command) {
                out.push(certain.note(format!("the SQL parser says: {}", failure.message)));
            }
            statement.parser_message = Some(failure.message);
        }
    }
    if out[before..].iter().any(Diagnostic::is_error) {
        statement.check = Check::Invalid;
    }
    statement.plan = engine::plan(dialect, command, &words, split, raw, &source.text);
    (statement, None)
}

/// What a statement of `command` may change ([`effects::of_command`]), from its first `words`,
/// or all of them where the last ones matter (a `DROP`'s `CASCADE`, a `SET`'s value).
fn statement_effects(
    dialect: Dialect,
    command: Option<&str>,
    split: &Split,
    raw: &RawStatement,
    words: &[String],
) -> Effects {
    match command {
        Some(c) if c.starts_with("DROP ") || c == "SET" || c == "RESET" => {
            effects::of_command(dialect, command, &split.words(raw, usize::MAX))
        }
        _ => effects::of_command(dialect, command, words),
    }
}

/// A statement's syntax tree, as kept for the model: an `INSERT`'s rows left out.
fn syntax_tree(mut ast: sqlparser::ast::Statement) -> Box<sqlparser::ast::Statement> {
    if let sqlparser::ast::Statement::Insert(insert) = &mut ast {
        insert.source = None;
    }
    Box::new(ast)
}

/// A statement whose command is misspelt (`CRATE TABLE`), read with the command `meant`: if it
/// parses so, the model applies it and the engine check runs it as meant, so that what follows
/// sees the table it makes. The error stands.
fn as_meant(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
    dialect: Dialect,
    meant: &str,
    statement: &mut Statement,
) {
    let replacements: Vec<&str> = meant.split(' ').collect();
    let mut tokens = split.tokens[raw.tokens.clone()].to_vec();
    let mut edits = Vec::new();
    let words = tokens
        .iter_mut()
        .zip(raw.tokens.clone())
        .filter(|(t, _)| !matches!(t.token, Token::Whitespace(_)))
        .take(replacements.len());
    for ((token, i), word) in words.zip(&replacements) {
        let Token::Word(written) = &token.token else {
            return;
        };
        if !written.value.eq_ignore_ascii_case(word) {
            let range = &split.ranges[i];
            edits.push((
                range.start - raw.bytes.start..range.end - raw.bytes.start,
                (*word).to_owned(),
            ));
            token.token = Token::make_keyword(word);
        }
    }
    let Ok(ast) = parse(tokens, dialect) else {
        return;
    };
    let leading: Vec<String> = replacements.iter().map(|w| (*w).to_owned()).collect();
    let Some(command) = heads::command(dialect, &leading, false) else {
        return;
    };
    // Its words, as meant: how the engine check runs it depends on them (`CONCURRENTLY`).
    let mut words = split.words(raw, 24);
    for (word, meant) in words.iter_mut().zip(&leading) {
        *word = meant.clone();
    }
    statement.command = Some(command);
    statement.effects = statement_effects(dialect, Some(command), split, raw, &words);
    statement.ast = Some(syntax_tree(ast));
    statement.plan = match engine::plan(dialect, command, &words, split, raw, &source.text) {
        Plan::Run => Plan::Edit(edits),
        Plan::Edit(more) => Plan::Edit(edits.into_iter().chain(more).collect()),
        other => other,
    };
}

/// Parses the tokens of one statement; anything after it but a `;` is an error.
fn parse(
    tokens: Vec<TokenWithSpan>,
    dialect: Dialect,
) -> Result<sqlparser::ast::Statement, ParserError> {
    let mut parser = Parser::new(dialect.parser_dialect()).with_tokens_with_locations(tokens);
    let statement = parser.parse_statement()?;
    let _ = parser.consume_token(&Token::SemiColon);
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return parser.expected("end of statement", next);
    }
    Ok(statement)
}

/// Two statements run together: the parser failed, and at some line at or before the failure
/// a command of the dialect starts, with a complete statement before it. PostgreSQL's
/// `CREATE SCHEMA ... CREATE TABLE ...` (schema elements) is one statement, so it is left alone.
fn missing_semicolon(
    source: &SourceFile,
    split: &Split,
    raw: &RawStatement,
    dialect: Dialect,
    failure: &Failure,
) -> Option<(Diagnostic, RawStatement, RawStatement)> {
    if split.leading_words(raw, 2) == ["CREATE", "SCHEMA"] {
        return None;
    }
    // The unquoted words that begin a line, up to where the parser failed.
    let mut line_start = false;
    let mut candidates = Vec::new();
    for k in raw.tokens.clone() {
        match &split.tokens[k].token {
            Token::Whitespace(Whitespace::Newline | Whitespace::SingleLineComment { .. }) => {
                line_start = true;
            }
            Token::Whitespace(_) => {}
            token => {
                if line_start
                    && k > raw.tokens.start
                    && split.ranges[k].start <= failure.span.start
                    && matches!(token, Token::Word(w) if w.quote_style.is_none())
                {
                    candidates.push(k);
                }
                line_start = false;
            }
        }
    }
    let rest = |k: usize| RawStatement {
        tokens: k..raw.tokens.end,
        bytes: split.ranges[k].start..raw.bytes.end,
    };
    let second = candidates.into_iter().rev().find(|&k| {
        heads::command(dialect, &split.leading_words(&rest(k), 6), false).is_some()
            && parse(split.tokens[raw.tokens.start..k].to_vec(), dialect).is_ok()
    })?;
    let last_before = (raw.tokens.start..second)
        .rev()
        .find(|&i| !matches!(split.tokens[i].token, Token::Whitespace(_)))?;
    let end = split.ranges[last_before].end;
    let first = RawStatement {
        tokens: raw.tokens.start..last_before + 1,
        bytes: raw.bytes.start..end,
    };
    let diagnostic = grammar::semicolon::missing(
        source,
        end,
        split.ranges[second].start,
        format!("the parser says: {}", failure.message),
    );
    Some((diagnostic, first, rest(second)))
}

/// A parser error, translated into a message and a span of the file.
struct Failure {
    message: String,
    span: Range<usize>,
}

impl Failure {
    fn new(source: &SourceFile, split: &Split, raw: &RawStatement, error: &ParserError) -> Failure {
        let text = match error {
            ParserError::TokenizerError(s) | ParserError::ParserError(s) => s.as_str(),
            ParserError::RecursionLimitExceeded => {
                return Failure {
                    message: "the statement is nested too deeply to parse".into(),
                    span: split.ranges[raw.tokens.start].clone(),
                };
            }
        };
        let (text, location) = split_location(text);
        let span = match location {
            // The token the parser names, found by its position among the statement's.
            Some(location) => raw
                .tokens
                .clone()
                .find(|&i| split.tokens[i].span.start == location)
                .map(|i| split.ranges[i].clone())
                .unwrap_or_else(|| {
                    let at = Cursor::new(&source.text).offset_of(location);
                    at..at
                }),
            // No position: the parser ran out of tokens.
            None => raw.bytes.end..raw.bytes.end,
        };
        let message = match text
            .strip_prefix("Expected: ")
            .and_then(|t| t.split_once(", found: "))
        {
            Some((expected, found)) => {
                let found = if found == "EOF" {
                    "the end of the statement".to_owned()
                } else {
                    format!("`{found}`")
                };
                let (line, column) = source.line_col(span.start);
                format!("expected {expected}, found {found} (line {line}, column {column})")
            }
            None => lower_first(text),
        };
        Failure { message, span }
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

    fn pg(sql: &str) -> (Script, Vec<Diagnostic>) {
        check_text(sql, Dialect::Postgres, Role::Up)
    }

    fn checks(script: &Script) -> Vec<Check> {
        script.statements.iter().map(|s| s.check).collect()
    }

    #[test]
    fn a_statement_the_parser_cannot_read_is_left_to_the_engine() {
        // Valid PostgreSQL that sqlparser 0.63 does not read: no finding yet, the statement is
        // unchecked with the parser's message kept for the report.
        let (script, diags) = pg("CREATE TABLE t (a INT, b INT);\n\
             CREATE STATISTICS s ON a, b FROM t;\n\
             ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC;\n\
             GRANT pg_read_all_data TO CURRENT_USER;\n");
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(
            checks(&script),
            [
                Check::Parsed,
                Check::Unchecked,
                Check::Unchecked,
                Check::Unchecked
            ]
        );
        assert_eq!(
            script.statements[1].parser_message.as_deref(),
            Some("expected an object type after CREATE, found `STATISTICS` (line 2, column 8)")
        );
    }

    #[test]
    fn a_head_that_is_no_command_is_an_error_with_the_closest_one() {
        let (script, diags) = check("CRATE TABLE a (x INT);\nSELECT 1;\n");
        assert_eq!(checks(&script), [Check::Invalid, Check::Parsed]);
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].code, Code::UnknownStatement);
        assert_eq!(diags[0].message, "`CRATE TABLE` is not a SQLite statement");
        assert_eq!(
            diags[0].help.as_deref(),
            Some("did you mean `CREATE TABLE`?")
        );
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:1:1"));
    }

    #[test]
    fn missing_semicolon_between_statements() {
        // The error is where the `;` is missing; the statements run together are checked as
        // the ones meant, each with its own syntax tree.
        for (sql, position, line, parts) in [
            (
                "DROP INDEX a\nCREATE INDEX b ON t (c);",
                "test.sql:1:13",
                1,
                vec![Check::Invalid, Check::Parsed],
            ),
            (
                "CREATE TABLE a (id INT)\n\n  -- the index\nCREATE INDEX b ON a (id);",
                "test.sql:1:24",
                1,
                vec![Check::Invalid, Check::Parsed],
            ),
            (
                "SELECT 1;\nDELETE FROM t\nDELETE FROM u;",
                "test.sql:2:14",
                2,
                vec![Check::Parsed, Check::Invalid, Check::Parsed],
            ),
            (
                "CREATE TABLE a (id INT)\nCREATE TABLE b (id INT)\nCREATE INDEX c ON b (id);",
                "test.sql:1:24",
                1,
                vec![Check::Invalid, Check::Invalid, Check::Parsed],
            ),
        ] {
            let (script, diags) = check(sql);
            assert!(
                diags.iter().all(|d| d.code == Code::Syntax),
                "{sql}: {diags:#?}"
            );
            assert_eq!(
                diags[0].message,
                format!("missing `;` at the end of line {line}?")
            );
            assert_eq!(diags[0].position().as_deref(), Some(position), "{sql}");
            assert_eq!(checks(&script), parts, "{sql}");
            assert!(script.statements.iter().all(|s| s.ast.is_some()), "{sql}");
            let glued: Vec<bool> = script.statements.iter().map(|s| s.glued).collect();
            let expected: Vec<bool> = parts
                .iter()
                .enumerate()
                .map(|(i, c)| *c == Check::Invalid && i + 1 < parts.len())
                .collect();
            assert_eq!(glued, expected, "{sql}");
        }
        // Schema elements are part of `CREATE SCHEMA`.
        let (script, diags) = pg("CREATE SCHEMA s\n  CREATE TABLE t (a INT);\n");
        assert!(diags.is_empty(), "{diags:#?}");
        assert_eq!(checks(&script), [Check::Unchecked]);
    }

    #[test]
    fn a_misspelt_command_is_read_as_meant() {
        let (script, diags) = check("CRATE TABLE t (id INTEGER);\nCREATE TABEL u (id INTEGER);\n");
        assert_eq!(diags.len(), 2, "{diags:#?}");
        for (statement, edit) in script.statements.iter().zip(["CREATE", "TABLE"]) {
            assert_eq!(statement.check, Check::Invalid);
            assert!(statement.ast.is_some());
            assert_eq!(statement.command, Some("CREATE TABLE"));
            let Plan::Edit(edits) = &statement.plan else {
                panic!("{:?}", statement.plan);
            };
            assert_eq!(edits.len(), 1);
            assert_eq!(edits[0].1, edit);
        }
        assert_eq!(
            crate::engine::edited(script.text(&script.statements[1]), {
                let Plan::Edit(edits) = &script.statements[1].plan else {
                    unreachable!()
                };
                edits
            }),
            "CREATE TABLE u (id INTEGER);"
        );
        // No command close enough: nothing is guessed.
        let (script, _) = check("FROBNICATE TABLE t;\n");
        assert!(script.statements[0].ast.is_none());
        assert!(matches!(script.statements[0].plan, Plan::Skip { .. }));
    }

    #[test]
    fn positions_count_characters_after_multibyte_text_and_crlf() {
        let (script, diags) =
            check("-- größe\r\nINSERT INTO t VALUES ('ü');\r\nCRATE TABLE t (é INT);\r\n");
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:3:1"));
        assert_eq!(
            (script.statements[1].line, script.statements[1].column),
            (3, 1)
        );
    }

    #[test]
    fn tokenizer_errors_point_where_the_unterminated_text_starts() {
        for (sql, dialect, what, position) in [
            (
                "SELECT 1;\nSELECT 'unterminated;\n",
                Dialect::Sqlite,
                "string",
                "test.sql:2:8",
            ),
            (
                "SELECT \"abc;\n",
                Dialect::Sqlite,
                "quoted name",
                "test.sql:1:8",
            ),
            (
                "SELECT 1;\n/* a comment\nSELECT 2;\n",
                Dialect::Sqlite,
                "comment",
                "test.sql:2:1",
            ),
            (
                "SELECT $$abc;\nSELECT 2;\n",
                Dialect::Postgres,
                "string",
                "test.sql:1:8",
            ),
            (
                "SELECT 1; /* outer /* inner */\nSELECT 2;\n",
                Dialect::Postgres,
                "comment",
                "test.sql:1:11",
            ),
        ] {
            let (_, diags) = check_text(sql, dialect, Role::Up);
            assert_eq!(diags.len(), 1, "{sql}: {diags:#?}");
            assert_eq!(diags[0].code, Code::Syntax);
            assert_eq!(
                diags[0].message,
                format!("unterminated {what}: it runs to the end of the file"),
                "{sql}"
            );
            assert_eq!(diags[0].position().as_deref(), Some(position), "{sql}");
            assert_eq!(diags[0].help, None, "no `-- migrate:unchecked` advice");
        }
    }

    #[test]
    fn bom_does_not_shift_positions() {
        let (script, diags) = check("\u{feff}SELECT 1;\nSELEC 2;");
        assert_eq!(script.source.bom_len, 3);
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:2:1"));
        assert_eq!(script.statements[0].bytes, 0..9);
    }

    #[test]
    fn transaction_and_foreign_key_directives() {
        let (script, diags) = check("-- migrate:no-transaction\nVACUUM;");
        assert!(diags.is_empty(), "{diags:?}");
        assert!(!script.transaction);
        let (script, diags) = check("-- migrate:foreign-keys-off\nSELECT 1;");
        assert!(diags.is_empty(), "{diags:?}");
        assert!(script.foreign_keys_off && script.transaction);
        let (script, diags) = check("SELECT 1;\n-- migrate:no-transaction\n");
        assert!(script.transaction);
        assert_eq!(
            diags[0].message,
            "`-- migrate:no-transaction` must come before the first statement"
        );
    }

    #[test]
    fn near_miss_directives_are_errors_with_the_directive_meant() {
        for comment in [
            "-- MIGRATE:no-transaction",
            "-- migrate: no-transaction",
            "-- migrate:no-transaction please",
            "-- migrate:no-transactions",
        ] {
            let (script, diags) = check(&format!("{comment}\nVACUUM;"));
            assert!(script.transaction, "{comment}");
            let directive = diags.iter().find(|d| d.code == Code::Directive).unwrap();
            assert_eq!(
                directive.help.as_deref(),
                Some("write `-- migrate:no-transaction`, alone on its line"),
                "{comment}"
            );
            assert_eq!(directive.position().as_deref(), Some("test.sql:1:1"));
        }
    }

    #[test]
    fn unchecked_directive_keeps_one_statement_from_every_check() {
        let sql = "-- migrate:unchecked\nFROBNICATE TABLE a;\nFROBNICATE TABLE b;";
        let (script, diags) = check(sql);
        assert_eq!(
            checks(&script),
            [Check::UncheckedByDirective, Check::Invalid]
        );
        assert!(matches!(script.statements[0].plan, Plan::Skip { .. }));
        assert_eq!(diags.len(), 1);
        assert_eq!(diags[0].position().as_deref(), Some("test.sql:3:1"));
    }

    #[test]
    fn misplaced_line_directives() {
        for sql in [
            "SELECT 1;\n-- migrate:unchecked\n",
            "SELECT\n-- migrate:unchecked\n1;",
            // After a statement on the same line, it would silently apply to the next one.
            "SELECT 1; -- migrate:allow(unchecked)\nSELECT 2;",
        ] {
            let (_, diags) = check(sql);
            assert_eq!(diags.len(), 1, "{sql}: {diags:#?}");
            assert!(
                diags[0]
                    .message
                    .ends_with("must be on a line of its own before a statement"),
                "{sql}: {}",
                diags[0].message
            );
        }
    }

    #[test]
    fn allow_directives_name_known_lint_codes() {
        let (script, diags) = check(
            "-- migrate:allow(unchecked, empty-down)\nSELECT 1;\n-- migrate:allow(uncheked)\nSELECT 2;\n-- migrate:allow(rejected)\nSELECT 3;\n",
        );
        assert_eq!(script.allows.len(), 3);
        assert_eq!(script.allows[0].codes, [Code::Unchecked, Code::EmptyDown]);
        let [first, second, _] = &script.statements[..] else {
            panic!("three statements");
        };
        assert!(script.allows(Code::Unchecked, Some(first.bytes.start)));
        assert!(!script.allows(Code::Unchecked, Some(second.bytes.start)));
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            ["unknown code `uncheked`", "`rejected` cannot be allowed"]
        );
        assert_eq!(diags[0].help.as_deref(), Some("did you mean `unchecked`?"));
    }

    #[test]
    fn empty_files_are_warnings_and_can_be_allowed() {
        let (_, diags) = check("-- nothing here\n");
        assert_eq!(diags[0].code, Code::EmptyUp);
        assert!(!diags[0].is_error());
        let (_, diags) = check_text("\n", Dialect::Sqlite, Role::Down);
        assert_eq!(diags[0].code, Code::EmptyDown);
        let (script, _) = check("-- kept to align versions\n-- migrate:allow(empty-up)\n");
        assert!(script.allows(Code::EmptyUp, None));
        assert!(!script.allows(Code::EmptyDown, None));
    }

    #[test]
    fn split_location_reads_sqlparser_suffixes() {
        let (text, at) = split_location("Expected: x, found: y at Line: 3, Column: 14");
        assert_eq!(text, "Expected: x, found: y");
        assert_eq!(at.map(|l| (l.line, l.column)), Some((3, 14)));
        assert_eq!(split_location("Expected: identifier, found: EOF").1, None);
    }
}
