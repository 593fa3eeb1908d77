//! The engine check: the migrations run in a real database made for the check and thrown away.
//!
//! - SQLite (feature `sqlite`): in memory, in-process, with the SQLite the runtime bundles, on
//!   every build. The migrations never touch the disk: an `ATTACH` gets an in-memory database
//!   of the same name, and an authorizer refuses any other file. The build script keeps
//!   snapshots of the database between builds, so that a build replays only what changed (see
//!   [`cache`]).
//! - PostgreSQL (feature `postgres`): in a scratch database on the server named by
//!   `MIGRATE_DEV_DATABASE_URL`, created for the check and dropped after it (see [`postgres`]).
//!
//! The replay runs each migration's up, then its down, then its up again (as `redo` would), so a
//! down is judged in the state its own up left, and a down that does not undo its up is found
//! (`redo-fails`). Each step sits behind a savepoint. A failing down, or a failing second up, is
//! rolled back to the state the first up left, and the replay goes on from there. When both run,
//! the replay goes on from the state they leave, which is the first up's when the down undoes
//! it; rolling back there too would be exact, but costs SQLite a reread of its whole schema per
//! migration.
//!
//! A refused statement is undone alone (each statement sits behind a savepoint of its own on
//! PostgreSQL; SQLite undoes a failed statement by itself) and the rest of its file runs, so what
//! follows sees what the file meant to leave, all but the refused statement. From then on the
//! scratch database is *tainted* ([`taint`]): it lacks what that statement would have changed
//! ([`crate::effects`]). A later refusal that depends on what a failure could have changed
//! ([`refusal`]) may follow from it: it is not reported as an error, and its verdict names the
//! failure. One that depends on nothing an earlier failure could change (a syntax error, always)
//! is an error however much failed before. The same holds after a statement the check could not
//! run, and after one the scratch database lacked something for (an `environment` finding).
//! Statements the check does not run and that change nothing later statements depend on
//! (`VACUUM`, `CREATE DATABASE`, `ALTER SYSTEM`) leave no taint. Where the database undoes more
//! than the statement (a trigger's `RAISE(ROLLBACK)`), the rest of the file is not run.
//!
//! A statement is run as the runtime runs it: its own text, split as the runtime splits the
//! file. A few are run differently or not at all, as each statement's [`Plan`] says: transaction
//! control and statements that cannot run inside the check's transaction.

// Without an engine compiled in, only the plans are used.
#![cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]

use std::ops::Range;

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::Token;

use crate::codes::Code;
use crate::diagnostic::Diagnostic;
use crate::dialect::Dialect;
use crate::effects::Effects;
use crate::rules::requires_no_transaction::refused_in_transaction;
use crate::rules::transaction_control::is_transaction_control;
use crate::script::{Check, Script};
use crate::split::{RawStatement, Split};

// Only SQLite's state fits in a file; the code is plain Rust either way.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) mod cache;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod refusal;
mod replay;
pub(crate) mod run;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;
mod taint;

#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(unused_imports)
)]
pub(crate) use replay::replay;

/// How the engine check runs a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// As written.
    Run,
    /// With these edits, each a byte range of the statement and its replacement:
    /// `CONCURRENTLY` blanked out (PostgreSQL refuses it inside a transaction, and it changes
    /// nothing about the result), a misspelt command written as meant. Positions the database
    /// gives are mapped back to the file's.
    Edit(Vec<(Range<usize>, String)>),
    /// SQLite's `ATTACH ... AS name`: the check attaches an in-memory database of that name
    /// before it starts (`ATTACH` cannot run inside a transaction).
    Attach(String),
    /// Not run.
    Skip {
        /// Why, for the report.
        why: &'static str,
        /// Whether later statements may see a different schema because of it.
        taints: bool,
        /// Whether the output says so when the parser read it: a statement the database would
        /// judge (`CREATE DATABASE`), not one that changes nothing it could check (`VACUUM`).
        say: bool,
    },
}

/// What the engine check made of a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The check did not reach it: no engine for the dialect, or an earlier failure.
    NotRun,
    /// The database ran it.
    Accepted,
    /// The database refused it; an error was reported.
    Rejected,
    /// Not run, because of its plan.
    Skipped(&'static str),
    /// The database refused it, but the refusal may not be the statement's fault (the scratch
    /// database was tainted): why.
    Undecided(String),
    /// The scratch database lacked something for it; an `environment` warning says what.
    Environment,
}

/// How the engine check runs a statement, from its command and words.
pub(crate) fn plan(
    dialect: Dialect,
    command: &str,
    words: &[String],
    split: &Split,
    raw: &RawStatement,
    text: &str,
) -> Plan {
    const CONTROL: &str = "it controls the transaction, which the check keeps for itself";
    if is_transaction_control(command, words)
        || matches!(words, [first, second, ..] if (first == "COMMIT" || first == "ROLLBACK" || first == "PREPARE") && (second == "PREPARED" || second == "TRANSACTION"))
    {
        return Plan::Skip {
            why: CONTROL,
            taints: false,
            say: false,
        };
    }
    // What a statement that is not run would have checked: nothing (`quiet`), or something the
    // output mentions.
    let quiet = |why: &'static str| Plan::Skip {
        why,
        taints: false,
        say: false,
    };
    let skip = |why: &'static str, taints: bool| Plan::Skip {
        why,
        taints,
        say: true,
    };
    match dialect {
        Dialect::Sqlite => match command {
            "VACUUM" => quiet("`VACUUM` cannot run in the check's transaction"),
            "DETACH" => quiet("`DETACH` cannot run in the check's transaction"),
            "ATTACH" => attached_name(split, raw, text).map_or(
                skip("`ATTACH` cannot run in the check's transaction", true),
                Plan::Attach,
            ),
            _ => Plan::Run,
        },
        Dialect::Postgres => {
            let has = |word: &str| words.iter().any(|w| w == word);
            let concurrently = || {
                let ranges: Vec<(Range<usize>, String)> = raw
                    .tokens
                    .clone()
                    .filter(|&i| {
                        matches!(&split.tokens[i].token, Token::Word(w) if w.keyword == Keyword::CONCURRENTLY && w.quote_style.is_none())
                    })
                    .map(|i| {
                        let r = &split.ranges[i];
                        r.start - raw.bytes.start..r.end - raw.bytes.start
                    })
                    .take(1)
                    .map(|range| {
                        let blank = " ".repeat(range.len());
                        (range, blank)
                    })
                    .collect();
                Plan::Edit(ranges)
            };
            match (command, refused_in_transaction(dialect, words)) {
                ("CREATE INDEX" | "DROP INDEX", Some(_)) => concurrently(),
                ("ALTER TABLE", Some(_)) if has("FINALIZE") => quiet(
                    "`DETACH PARTITION ... FINALIZE` completes a detach the check never started",
                ),
                ("VACUUM" | "REINDEX", Some(_)) => {
                    quiet("PostgreSQL refuses it inside a transaction, and the check runs in one")
                }
                ("ALTER TABLE", Some(_)) => concurrently(),
                ("CREATE TABLESPACE", _) => skip(
                    "a tablespace is a directory on the server, outside the check",
                    true,
                ),
                (_, Some(_)) => skip(
                    "PostgreSQL refuses it inside a transaction, and the check runs in one",
                    false,
                ),
                ("ALTER TABLESPACE" | "DROP TABLESPACE", _) => skip(
                    "a tablespace is a directory on the server, outside the check",
                    false,
                ),
                ("CREATE SUBSCRIPTION" | "ALTER SUBSCRIPTION" | "DROP SUBSCRIPTION", _) => {
                    skip("a subscription connects to another server", false)
                }
                ("DISCARD", _) if has("ALL") => {
                    quiet("`DISCARD ALL` cannot run in the check's transaction")
                }
                ("COPY", _) => skip(
                    "`COPY` reads or writes files, programs or the client's data",
                    false,
                ),
                ("CHECKPOINT" | "LOAD", _) => quiet("it acts on the server, not on the schema"),
                _ => Plan::Run,
            }
        }
    }
}

/// A statement's text with its plan's edits made.
pub(crate) fn edited(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, replacement) in edits {
        out.push_str(&text[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Where a position in the edited text of a statement is in its text as written.
pub(crate) fn unedited(edits: &[(Range<usize>, String)], offset: usize) -> usize {
    let mut shift: isize = 0;
    for (range, replacement) in edits {
        let start = range.start.saturating_add_signed(shift);
        if offset < start + replacement.len() {
            // Inside a replacement: its start.
            return if offset < start {
                offset.saturating_add_signed(-shift)
            } else {
                range.start
            };
        }
        shift += replacement.len() as isize - range.len() as isize;
    }
    offset.saturating_add_signed(-shift)
}

/// The name in `ATTACH ... AS name`, as written.
fn attached_name(split: &Split, raw: &RawStatement, text: &str) -> Option<String> {
    let significant: Vec<usize> = raw
        .tokens
        .clone()
        .filter(|&i| {
            !matches!(
                split.tokens[i].token,
                Token::Whitespace(_) | Token::SemiColon
            )
        })
        .collect();
    let as_at = significant.iter().rposition(
        |&i| matches!(&split.tokens[i].token, Token::Word(w) if w.keyword == Keyword::AS && w.quote_style.is_none()),
    )?;
    let name = *significant.get(as_at + 1)?;
    let name = matches!(split.tokens[name].token, Token::Word(_))
        .then(|| text[split.ranges[name].clone()].to_owned())?;
    // `main` and `temp` are taken: SQLite refuses to attach under them.
    let bare = name.trim_matches(|c| matches!(c, '"' | '`' | '[' | ']'));
    (!bare.eq_ignore_ascii_case("main") && !bare.eq_ignore_ascii_case("temp")).then_some(name)
}

/// How a database's refusal is classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// The statement is wrong: an error.
    Rejected,
    /// The scratch database lacks something the real one has: a warning, and the replay is
    /// tainted.
    Environment,
    /// The check could not decide (a timeout, a limit of running every migration in one
    /// transaction): the statement stays unchecked, and the replay is tainted.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Undecided,
    /// The connection is gone: the replay stops.
    Broken,
}

/// A statement the database refused.
#[derive(Debug)]
pub(crate) struct Failure {
    /// The database's message.
    pub message: String,
    /// Where in the text sent, in bytes, if the database said.
    pub offset: Option<usize>,
    pub kind: Kind,
    /// What the refusal may depend on besides the statement ([`refusal`]): nothing for a
    /// syntax error.
    pub depends: Effects,
    /// Whether the database undid more than the statement: the whole transaction (a trigger's
    /// `RAISE(ROLLBACK)`), or the file back to its start.
    pub undone: bool,
    /// The finding's code when the refusal is reported: `rejected`, unless the engine knows a
    /// more precise one (`missing-object` for a function SQLite does not have).
    pub code: Code,
    /// What to do about it, when the engine knows.
    pub help: Option<String>,
}

impl Failure {
    /// A failure of the connection or of the check's own commands, not of a statement.
    pub(crate) fn broken(message: String) -> Failure {
        Failure {
            message,
            offset: None,
            kind: Kind::Broken,
            depends: Effects::ALL,
            undone: true,
            code: Code::Rejected,
            help: None,
        }
    }

    /// A refusal of a statement, classified by the engine.
    pub(crate) fn refused(
        message: String,
        offset: Option<usize>,
        kind: Kind,
        depends: Effects,
    ) -> Failure {
        Failure {
            message,
            offset,
            kind,
            depends,
            undone: false,
            code: Code::Rejected,
            help: None,
        }
    }
}

/// Something the database's state shows about a statement it ran: a finding of its own.
#[derive(Debug)]
pub(crate) struct Notice {
    pub code: Code,
    pub message: String,
    pub label: &'static str,
    pub note: Option<String>,
    pub help: String,
    /// Where in the statement, in bytes; its start when `None`.
    pub at: Option<Range<usize>>,
    /// What it depends on besides the statement: after a failure that could change that, it is
    /// not reported.
    pub depends: Effects,
}

/// A foreign key the database accepted but whose parent key does not exist when the migrations
/// end: every write to its table fails (SQLite checks foreign keys when rows change).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Dangling {
    /// The table with the foreign key, as the database names it.
    pub table: String,
    /// The table it refers to, as the foreign key writes it.
    pub parent: String,
    pub problem: DanglingKind,
    /// For a table that does not exist, the one of a close name that does.
    pub meant: Option<String>,
}

/// What is missing for a foreign key.
#[derive(Debug, PartialEq, Eq)]
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) enum DanglingKind {
    /// The parent table.
    Table,
    /// These columns of the parent table.
    Columns(Vec<String>),
    /// A primary key or unique index on these columns of the parent table.
    Unique(Vec<String>),
}

/// A database the replay runs in. Statements run behind the replay's savepoints; between steps
/// none is open.
pub(crate) trait Engine {
    /// The dialect.
    fn dialect(&self) -> Dialect;
    /// The dialect, for messages: `SQLite`, `PostgreSQL`.
    fn name(&self) -> &'static str {
        self.dialect().title()
    }
    /// Runs one statement. `script` is the file it comes from, for checks that depend on the
    /// file (its directives, what it did before).
    fn execute(&mut self, sql: &str, script: &Script, index: usize) -> Result<(), Failure>;
    /// What the database's state showed about the statement just run, whether it ran or not.
    fn notices(&mut self) -> Vec<Notice> {
        Vec::new()
    }
    /// What only the end of the file just run shows about its statements: each statement's
    /// index and finding.
    fn file_done(&mut self) -> Vec<(usize, Notice)> {
        Vec::new()
    }
    /// The foreign keys whose parent key does not exist, once every migration has run.
    fn dangling(&mut self) -> Vec<Dangling> {
        Vec::new()
    }
    /// Opens a savepoint.
    fn savepoint(&mut self, name: &str) -> Result<(), Failure>;
    /// Rolls back to a savepoint, keeping it.
    fn rollback_to(&mut self, name: &str) -> Result<(), Failure>;
    /// Releases a savepoint.
    fn release(&mut self, name: &str) -> Result<(), Failure>;
    /// Called after each migration's up, and after its down and second up, with no savepoint
    /// open: a failure that is not `Broken` is a commit the database refused.
    fn migration_done(&mut self) -> Result<(), Failure> {
        Ok(())
    }
    /// Called before a file runs, with no savepoint open.
    fn prepare(&mut self, _script: &Script) -> Result<(), Failure> {
        Ok(())
    }
    /// The whole state of the database and of the engine, between steps, for a later
    /// [`Engine::restore`]; `None` when part of it would be lost.
    fn snapshot(&mut self) -> Option<Vec<u8>> {
        None
    }
    /// Puts back a state [`Engine::snapshot`] took. On error the engine is as it was.
    fn restore(&mut self, _state: &[u8]) -> Result<(), String> {
        Err("this engine takes no snapshots".to_owned())
    }
}
/// One migration as the replay sees it: indices of its files, and their scripts.
pub(crate) struct Step<'a> {
    pub version: i64,
    pub up: (usize, &'a Script),
    pub down: Option<(usize, &'a Script)>,
}

/// What the replay found: verdicts per (file, statement), and findings per file.
#[derive(Default, Debug)]
pub(crate) struct Outcome {
    pub verdicts: Vec<(usize, usize, Verdict)>,
    pub diagnostics: Vec<(usize, Diagnostic)>,
    /// Set when the replay stopped early because the connection failed.
    pub broken: Option<String>,
}

/// Records what the engine check made of a statement.
pub(crate) fn apply(script: &mut Script, index: usize, verdict: Verdict) {
    let statement = &mut script.statements[index];
    match (&verdict, statement.check) {
        (Verdict::Accepted, Check::Unchecked) => statement.check = Check::Engine,
        (Verdict::Rejected, _) => statement.check = Check::Invalid,
        _ => {}
    }
    statement.verdict = verdict;
}
