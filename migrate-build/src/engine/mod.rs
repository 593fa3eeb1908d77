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
//! migration. A failing up is rolled back, but later migrations expect what it would have made,
//! so from then on the scratch database is *tainted*: what the database refuses after that point
//! is not reported, since it may follow from the first failure. The same holds after a statement
//! the check could not run and that may change what later ones see, and after one the scratch
//! database lacked something for (an `environment` finding).
//! Statements the check does not run but that change nothing later statements could depend on
//! (`VACUUM`, `CREATE DATABASE`, `ALTER SYSTEM`) do not taint it; one marked
//! `-- migrate:unchecked` and `CREATE TABLESPACE` do.
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
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::rules::requires_no_transaction::refused_in_transaction;
use crate::rules::transaction_control::is_transaction_control;
use crate::script::{Check, Script};
use crate::split::{RawStatement, Split};

// Only SQLite's state fits in a file; the code is plain Rust either way.
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) mod cache;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
#[cfg(feature = "sqlite")]
pub(crate) mod sqlite;

/// How the engine check runs a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Plan {
    /// As written.
    Run,
    /// With these byte ranges of the statement blanked out: `CONCURRENTLY`, which PostgreSQL
    /// refuses inside a transaction and which changes nothing about the result. Positions stay
    /// those of the file.
    Blank(Vec<Range<usize>>),
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
                let ranges: Vec<Range<usize>> = raw
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
                    .collect();
                Plan::Blank(ranges)
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
}

/// Something the database's state shows about a statement it ran: a finding of its own.
#[derive(Debug)]
pub(crate) struct Notice {
    pub code: Code,
    pub message: String,
    pub label: &'static str,
    pub note: Option<String>,
    pub help: &'static str,
}

/// A database the replay runs in. Statements run behind the replay's savepoints; between steps
/// none is open.
pub(crate) trait Engine {
    /// The dialect, for messages: `SQLite`, `PostgreSQL`.
    fn name(&self) -> &'static str;
    /// Runs one statement. `script` is the file it comes from, for checks that depend on the
    /// file (its directives, what it did before).
    fn execute(&mut self, sql: &str, script: &Script, index: usize) -> Result<(), Failure>;
    /// What the database's state showed about the statement just run, whether it ran or not.
    fn notice(&mut self) -> Option<Notice> {
        None
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

/// What the replay says of a statement it does not run because the check attached its database
/// before starting.
const ATTACHED: &str = "attached before the check";

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

/// Replays the migrations in `steps`: each up, then its down, then the up again, as `redo` would
/// run them. `gap`: the version of the first migration the replay cannot run (a bad name, a
/// duplicate version); the scratch database is tainted from there on.
///
/// With a `cache` (SQLite's, between builds), the replay starts from the latest snapshot of a
/// clean prefix of `steps`, and keeps snapshots of the clean prefixes it replays.
pub(crate) fn replay(
    engine: &mut dyn Engine,
    steps: &[Step<'_>],
    gap: Option<i64>,
    mut cache: Option<&mut cache::Cache>,
) -> Outcome {
    let mut replay = Replay {
        engine,
        outcome: Outcome::default(),
        taint: None,
    };
    let start = cache
        .as_mut()
        .map_or(0, |cache| cache.resume(replay.engine, steps, gap));
    for step in &steps[..start] {
        replay.outcome.verdicts.extend(clean_verdicts(step));
    }
    // Whether every step so far replayed cleanly: only then is a snapshot worth keeping.
    let mut clean = true;
    for (i, step) in steps.iter().enumerate().skip(start) {
        if gap.is_some_and(|gap| step.version >= gap) && replay.taint.is_none() {
            replay.taint =
                Some("a migration the check could not run (see the errors above)".to_owned());
        }
        let (verdicts, diagnostics) = (
            replay.outcome.verdicts.len(),
            replay.outcome.diagnostics.len(),
        );
        if let Err(failure) = replay.step(step) {
            replay.outcome.broken = Some(failure.message);
            break;
        }
        clean = clean
            && replay.taint.is_none()
            && replay.outcome.diagnostics.len() == diagnostics
            && replay.outcome.verdicts[verdicts..] == clean_verdicts(step)[..];
        if clean && let Some(cache) = cache.as_mut() {
            cache.checkpoint(replay.engine, i + 1);
        }
    }
    if let Some(cache) = cache {
        cache.finish();
    }
    replay.outcome
}

/// The verdicts of a step that replays cleanly: each statement of its up and its down run and
/// accepted, or skipped as its plan says.
fn clean_verdicts(step: &Step<'_>) -> Vec<(usize, usize, Verdict)> {
    std::iter::once(step.up)
        .chain(step.down)
        .flat_map(|(file, script)| {
            script
                .statements
                .iter()
                .enumerate()
                .map(move |(index, statement)| {
                    let verdict = match &statement.plan {
                        Plan::Run | Plan::Blank(_) => Verdict::Accepted,
                        Plan::Attach(_) => Verdict::Skipped(ATTACHED),
                        Plan::Skip { why, .. } => Verdict::Skipped(why),
                    };
                    (file, index, verdict)
                })
        })
        .collect()
}

struct Replay<'e> {
    engine: &'e mut dyn Engine,
    outcome: Outcome,
    /// Where the scratch database stopped being what the real one would be, if it did.
    taint: Option<String>,
}

/// How running a file ended.
enum Ran {
    Completed,
    /// A statement was refused while the replay was untainted: `(statement, failure)`.
    Refused(usize, Failure),
}

impl Replay<'_> {
    /// One migration. `Err` only when the connection is gone.
    fn step(&mut self, step: &Step<'_>) -> Result<(), Failure> {
        let (up_file, up) = step.up;
        self.engine.prepare(up)?;
        self.engine.savepoint("migrate_up")?;
        if let Ran::Refused(index, failure) = self.run(up_file, up, true)? {
            self.reject(up_file, up, index, &failure);
            self.taint = Some(format!(
                "`{}` failed at line {}",
                up.source.display, up.statements[index].line
            ));
            self.engine.rollback_to("migrate_up")?;
            self.engine.release("migrate_up")?;
            return self.done(up_file, up, true);
        }
        self.engine.release("migrate_up")?;
        // The up is committed (where the engine commits) before its down runs, as in
        // production: some things PostgreSQL allows only after a commit.
        self.done(up_file, up, true)?;
        if let Some((down_file, down)) = step.down
            && !down.statements.is_empty()
        {
            // An empty down is reported as such; running it and the up again would only repeat
            // that. Otherwise: the down, then the up again. When both run, the database is where
            // the up alone would have left it, and the replay goes on from there; when either
            // fails, it goes back there.
            self.engine.prepare(down)?;
            self.engine.savepoint("migrate_down")?;
            let taint = self.taint.clone();
            let mut back = match self.run(down_file, down, true)? {
                Ran::Refused(index, failure) => {
                    self.reject(down_file, down, index, &failure);
                    true
                }
                Ran::Completed if self.taint.is_some() => true,
                Ran::Completed => {
                    self.engine.prepare(up)?;
                    match self.run(up_file, up, false)? {
                        Ran::Refused(index, failure) => {
                            self.redo_failed(down_file, down, up, index, &failure);
                            true
                        }
                        Ran::Completed => false,
                    }
                }
            };
            // Whatever the down left uncertain is undone with it.
            back |= self.taint != taint;
            if back {
                self.engine.rollback_to("migrate_down")?;
                self.taint = taint;
            }
            self.engine.release("migrate_down")?;
            self.done(down_file, down, false)?;
        }
        Ok(())
    }

    /// Ends a step where the engine commits. A commit the database refuses (a deferred
    /// constraint) is the file's error; after an up, what comes next lacks what it did.
    fn done(&mut self, file: usize, script: &Script, up: bool) -> Result<(), Failure> {
        match self.engine.migration_done() {
            Err(failure) if failure.kind != Kind::Broken => {
                let at = Self::start(script);
                self.outcome.diagnostics.push((
                    file,
                    Diagnostic::new(
                        Code::Rejected,
                        format!(
                            "{} refuses to commit this migration: {}",
                            self.engine.name(),
                            failure.message
                        ),
                    )
                    .at(at)
                    .label("refused when the migration's transaction commits"),
                ));
                if up {
                    self.taint.get_or_insert_with(|| {
                        format!("`{}` could not be committed", script.source.display)
                    });
                }
                Ok(())
            }
            other => other,
        }
    }

    /// Runs one file's statements. `judge` records verdicts (false when running an up again).
    /// Stops at the first refusal while untainted; with a taint, refusals are undecided and the
    /// file goes on.
    fn run(&mut self, file: usize, script: &Script, judge: bool) -> Result<Ran, Failure> {
        for (index, statement) in script.statements.iter().enumerate() {
            let sql = match &statement.plan {
                Plan::Run => script.text(statement).to_owned(),
                Plan::Blank(ranges) => {
                    let mut text = script.text(statement).to_owned();
                    for range in ranges {
                        text.replace_range(range.clone(), &" ".repeat(range.len()));
                    }
                    text
                }
                Plan::Attach(_) => {
                    self.verdict(judge, file, index, Verdict::Skipped(ATTACHED));
                    continue;
                }
                Plan::Skip { why, taints, .. } => {
                    self.verdict(judge, file, index, Verdict::Skipped(why));
                    if *taints && self.taint.is_none() {
                        self.taint = Some(format!(
                            "`{}` line {} was not run ({why})",
                            script.source.display, statement.line
                        ));
                    }
                    continue;
                }
            };
            let result = self.engine.execute(&sql, script, index);
            if let Some(notice) = self
                .engine
                .notice()
                .filter(|_| judge && self.taint.is_none())
            {
                self.notice(file, script, index, notice);
            }
            let failure = match result {
                Ok(()) => {
                    self.verdict(judge, file, index, Verdict::Accepted);
                    continue;
                }
                Err(failure) => failure,
            };
            match failure.kind {
                Kind::Broken => return Err(failure),
                Kind::Rejected if self.taint.is_none() => {
                    return Ok(Ran::Refused(index, failure));
                }
                Kind::Rejected => {
                    let why = format!(
                        "{} refused it ({}), but the scratch database may differ from the real one \
                         from {} on",
                        self.engine.name(),
                        failure.message,
                        self.taint.as_deref().unwrap_or_default()
                    );
                    self.verdict(judge, file, index, Verdict::Undecided(why));
                }
                Kind::Environment => {
                    if judge {
                        self.environment(file, script, index, &failure);
                    }
                    self.taint.get_or_insert_with(|| {
                        format!(
                            "`{}` line {}, which the scratch database could not run",
                            script.source.display, statement.line
                        )
                    });
                }
                Kind::Undecided => {
                    let why = format!(
                        "{} could not decide: {}",
                        self.engine.name(),
                        failure.message
                    );
                    self.verdict(judge, file, index, Verdict::Undecided(why));
                    self.taint.get_or_insert_with(|| {
                        format!(
                            "`{}` line {}, which the check could not run",
                            script.source.display, statement.line
                        )
                    });
                }
            }
        }
        Ok(Ran::Completed)
    }

    fn verdict(&mut self, judge: bool, file: usize, index: usize, verdict: Verdict) {
        if judge {
            self.outcome.verdicts.push((file, index, verdict));
        }
    }

    /// Where a finding about a whole file points: its first statement.
    fn start(script: &Script) -> Location {
        match script.statements.first() {
            Some(first) => Location::span(&script.source, first.bytes.start..first.bytes.start),
            None => Location::file(&script.source.display),
        }
    }

    /// The location of a failure: the position the database gave, or the statement.
    fn location(script: &Script, index: usize, failure: &Failure) -> Location {
        let statement = &script.statements[index];
        let text = &script.source.text;
        let at = failure
            .offset
            .map(|offset| statement.bytes.start + offset)
            .filter(|&at| at < statement.bytes.end && text.is_char_boundary(at))
            .unwrap_or(statement.bytes.start);
        let width = text[at..statement.bytes.end]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|&w| w > 0)
            .or_else(|| text[at..].chars().next().map(char::len_utf8))
            .unwrap_or(0);
        Location::span(&script.source, at..at + width)
    }

    fn reject(&mut self, file: usize, script: &Script, index: usize, failure: &Failure) {
        self.outcome.verdicts.push((file, index, Verdict::Rejected));
        let statement = &script.statements[index];
        let mut diagnostic = Diagnostic::new(
            Code::Rejected,
            format!(
                "{} refuses this statement: {}",
                self.engine.name(),
                failure.message
            ),
        )
        .at(Self::location(script, index, failure))
        .label(format!("{} stopped here", self.engine.name()));
        if let Some(parser) = &statement.parser_message {
            diagnostic = diagnostic.note(format!("the SQL parser says: {parser}"));
        }
        self.outcome.diagnostics.push((file, diagnostic));
    }

    fn notice(&mut self, file: usize, script: &Script, index: usize, notice: Notice) {
        let statement = &script.statements[index];
        let at = Location::span(&script.source, statement.bytes.start..statement.bytes.start);
        let mut diagnostic = Diagnostic::new(notice.code, notice.message)
            .at(at)
            .label(notice.label)
            .help(notice.help);
        if let Some(note) = notice.note {
            diagnostic = diagnostic.note(note);
        }
        self.outcome.diagnostics.push((file, diagnostic));
    }

    fn environment(&mut self, file: usize, script: &Script, index: usize, failure: &Failure) {
        self.outcome
            .verdicts
            .push((file, index, Verdict::Environment));
        self.outcome.diagnostics.push((
            file,
            Diagnostic::new(
                Code::Environment,
                format!(
                    "the scratch {} database cannot run this statement: {}",
                    self.engine.name(),
                    failure.message
                ),
            )
            .at(Self::location(script, index, failure))
            .label("needs something the check's database does not have")
            .note("later statements were run, but what the database refuses from here on is not reported")
            .help(
                "if the real database provides it, create it in a check setup script (`check-setup` in \
                 `[package.metadata.migrate]`), or put `-- migrate:unchecked` on the line before the \
                 statement",
            ),
        ));
    }

    fn redo_failed(
        &mut self,
        down_file: usize,
        down: &Script,
        up: &Script,
        index: usize,
        failure: &Failure,
    ) {
        let statement = &up.statements[index];
        let at = Self::start(down);
        // A warning reaches cargo as one line: the message says what failed.
        self.outcome.diagnostics.push((
            down_file,
            Diagnostic::new(
                Code::RedoFails,
                format!(
                    "after this down migration, the up migration fails again: {} refuses `{}` line {}: {}",
                    self.engine.name(),
                    up.source.display,
                    statement.line,
                    failure.message
                ),
            )
            .at(at)
            .label("does not undo the up migration")
            .help("make the down migration remove everything its up migration creates"),
        ));
    }
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
