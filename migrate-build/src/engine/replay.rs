//! The replay: every migration's up, then its down, then its up again, in an [`Engine`].

use sqlparser::ast::{AlterTableOperation, ColumnOption, Statement as Ast, TableConstraint};

use super::taint::Taint;
use super::{
    Dangling, DanglingKind, Engine, Failure, Kind, Notice, Outcome, Plan, Step, Verdict, cache,
};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Location};
use crate::effects::Effects;
use crate::grammar;
use crate::script::{Check, Script, Statement};

/// What the replay says of a statement it does not run because the check attached its database
/// before starting.
const ATTACHED: &str = "attached before the check";

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
        taint: Taint::default(),
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
        if gap.is_some_and(|gap| step.version >= gap) && replay.taint.is_clean() {
            replay.taint.add(
                || "a migration the check could not run (see the errors above)".to_owned(),
                Effects::ALL,
            );
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
            && replay.taint.is_clean()
            && replay.outcome.diagnostics.len() == diagnostics
            && replay.outcome.verdicts[verdicts..] == clean_verdicts(step)[..];
        if clean && let Some(cache) = cache.as_mut() {
            cache.checkpoint(replay.engine, i + 1);
        }
    }
    if replay.outcome.broken.is_none() {
        replay.dangling(steps);
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
                        Plan::Run | Plan::Edit(_) => Verdict::Accepted,
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
    /// What the scratch database lacks that the real one would have.
    taint: Taint,
}

/// How running a file ended.
enum Ran {
    /// The file ran to its end, or to a failure that undid it; `failed`: whether the database
    /// refused a statement or could not run it.
    Completed { failed: bool },
    /// Running an up again after its down: a statement was refused, `(statement, failure)`.
    Refused(usize, Failure),
}

impl Replay<'_> {
    /// One migration. `Err` only when the connection is gone.
    fn step(&mut self, step: &Step<'_>) -> Result<(), Failure> {
        let (up_file, up) = step.up;
        self.engine.prepare(up)?;
        self.engine.savepoint("migrate_up")?;
        // A refused statement is undone alone and the rest of the up runs (unless the database
        // undid the whole file), so that what follows sees what the up meant to leave, all but
        // what was refused.
        let up_failed = matches!(
            self.run(up_file, up, true)?,
            Ran::Completed { failed: true }
        );
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
            // fails, or something is missing from the scratch database (the up's own failure,
            // say), the down is judged but undone, and the up is not run again.
            self.engine.prepare(down)?;
            self.engine.savepoint("migrate_down")?;
            let taint = self.taint.clone();
            let mut back = match self.run(down_file, down, true)? {
                // The up again, when it would judge something new: not after it failed.
                Ran::Completed { failed: false } if self.taint.is_clean() && !up_failed => {
                    self.engine.prepare(up)?;
                    match self.run(up_file, up, false)? {
                        Ran::Refused(index, failure) => {
                            self.redo_failed(down_file, down, up, index, &failure);
                            true
                        }
                        Ran::Completed { failed } => failed,
                    }
                }
                _ => true,
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
                    let display = &script.source.display;
                    self.taint.add(
                        || format!("the refused commit of `{display}`"),
                        Effects::ALL,
                    );
                }
                Ok(())
            }
            other => other,
        }
    }

    /// Runs one file's statements. `judge` records verdicts (false when running an up again,
    /// which stops at the first refusal). A refusal that nothing missing from the scratch
    /// database can explain is the statement's error; one that may follow from an earlier
    /// failure is undecided, and says which. Where the database undid only the refused
    /// statement, the file goes on without what it would have changed; where it undid the file,
    /// the rest of the file is not run.
    fn run(&mut self, file: usize, script: &Script, judge: bool) -> Result<Ran, Failure> {
        let mut failed = false;
        let mut stopped = false;
        // How many failures there were when each statement ran, for what the end of the file
        // shows about it.
        let mut causes_at = vec![0; script.statements.len()];
        for (index, statement) in script.statements.iter().enumerate() {
            let sql = match &statement.plan {
                Plan::Run => script.text(statement).to_owned(),
                Plan::Edit(edits) => super::edited(script.text(statement), edits),
                Plan::Attach(_) => {
                    self.verdict(judge, file, index, Verdict::Skipped(ATTACHED));
                    continue;
                }
                Plan::Skip { why, taints, .. } => {
                    self.verdict(judge, file, index, Verdict::Skipped(why));
                    if *taints {
                        let at = place(script, statement);
                        self.taint.add(
                            || format!("{at}, which the check did not run ({why})"),
                            statement.effects,
                        );
                    }
                    continue;
                }
            };
            causes_at[index] = self.taint.len();
            let result = self.engine.execute(&sql, script, index);
            for notice in self.engine.notices() {
                if judge && self.taint.explains(notice.depends).is_none() {
                    self.notice(file, script, index, notice);
                }
            }
            let failure = match result {
                Ok(()) => {
                    self.verdict(judge, file, index, Verdict::Accepted);
                    continue;
                }
                Err(failure) => failure,
            };
            failed = true;
            let at = place(script, statement);
            let engine = self.engine.name();
            let missing = match failure.kind {
                Kind::Broken => return Err(failure),
                Kind::Rejected if !judge => return Ok(Ran::Refused(index, failure)),
                Kind::Rejected => {
                    match self.taint.explains(failure.depends) {
                        None => self.reject(file, script, index, &failure),
                        Some(cause) => {
                            let why = format!(
                                "{engine} refused it ({}), which may follow from {cause}",
                                failure.message
                            );
                            self.verdict(judge, file, index, Verdict::Undecided(why));
                        }
                    }
                    format!("the refusal of {at}")
                }
                Kind::Environment => {
                    if judge {
                        self.environment(file, script, index, &failure);
                    }
                    format!("{at}, which the scratch database could not run")
                }
                Kind::Undecided => {
                    let why = format!("{engine} could not decide: {}", failure.message);
                    self.verdict(judge, file, index, Verdict::Undecided(why));
                    format!("{at}, which the check could not run")
                }
            };
            // What the statement would have changed is missing from here on.
            if !failure.undone {
                self.taint.add(|| missing, statement.effects);
                continue;
            }
            // The database undid more than the statement (the whole transaction, or the file back
            // to its start): anything may be missing, and the rest of the file is not run, since
            // it would run outside the step's savepoint.
            self.taint.add(|| missing, Effects::ALL);
            let why = format!("not run: {engine} undid the file when {at} failed");
            for rest in index + 1..script.statements.len() {
                self.verdict(judge, file, rest, Verdict::Undecided(why.clone()));
            }
            stopped = true;
            break;
        }
        let done = self.engine.file_done();
        // What only the end of the file shows needs the whole file run: a later statement that
        // did not run might have answered it (a drop of the table that references a dropped one).
        if stopped {
            return Ok(Ran::Completed { failed });
        }
        for (index, notice) in done {
            let explained = self.taint.explains_before(causes_at[index], notice.depends);
            if judge && explained.is_none() {
                self.notice(file, script, index, notice);
            }
        }
        Ok(Ran::Completed { failed })
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
        let end = statement.bytes.end;
        // The statement ran out before it was complete (an unclosed parenthesis): where it
        // ends, which is where something is missing.
        let offset = failure.offset.map(|offset| match &statement.plan {
            Plan::Edit(edits) => super::unedited(edits, offset),
            _ => offset,
        });
        let at_end = failure.message.contains("at end of input")
            || failure.message == "incomplete input"
            || offset.is_some_and(|offset| statement.bytes.start + offset >= end);
        if at_end {
            return Location::span(&script.source, end..end);
        }
        let at = offset
            .map(|offset| statement.bytes.start + offset)
            .filter(|&at| text.is_char_boundary(at))
            .unwrap_or(statement.bytes.start);
        let width = text[at..end]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|&w| w > 0)
            .or_else(|| text[at..].chars().next().map(char::len_utf8))
            .unwrap_or(0);
        Location::span(&script.source, at..at + width)
    }

    /// Reports each foreign key whose parent key does not exist once every migration has run,
    /// where the statement that declared it writes its `REFERENCES`.
    fn dangling(&mut self, steps: &[Step<'_>]) {
        if self.taint.explains(Effects::RELATIONS).is_some() {
            return;
        }
        for dangling in self.engine.dangling() {
            let Some((file, script, index, at)) = declaration(steps, &dangling) else {
                continue;
            };
            let Dangling {
                table,
                parent,
                problem,
                meant,
            } = dangling;
            let (message, label, help) = match problem {
                DanglingKind::Table => (
                    format!(
                        "table `{parent}`, which `{table}` refers to, does not exist when the \
                         migrations end"
                    ),
                    "no migration creates this table".to_owned(),
                    meant.map_or_else(
                        || {
                            format!(
                                "create `{parent}` in a migration, or refer to a table that exists"
                            )
                        },
                        |meant| format!("did you mean `{meant}`?"),
                    ),
                ),
                DanglingKind::Columns(columns) => (
                    format!("table `{parent}` has no column `{}`", columns.join("`, `")),
                    "no such column".to_owned(),
                    format!("refer to columns `{parent}` has"),
                ),
                DanglingKind::Unique(columns) => (
                    format!(
                        "`{parent} ({})` is neither the primary key of `{parent}` nor unique",
                        columns.join(", ")
                    ),
                    "not a key of this table".to_owned(),
                    format!(
                        "refer to the primary key of `{parent}`, or give it a unique index on \
                         these columns"
                    ),
                ),
            };
            let start = script.statements[index].bytes.start;
            let range = at.map_or(start..start, |at| start + at.start..start + at.end);
            self.outcome.diagnostics.push((
                file,
                Diagnostic::new(Code::MissingObject, message)
                    .at(Location::span(&script.source, range))
                    .label(label)
                    .note(format!(
                        "{} accepts the foreign key, but checks it when rows change: every \
                         write to `{table}` fails (\"foreign key mismatch\", \"no such table\")",
                        self.engine.name()
                    ))
                    .help(help),
            ));
        }
    }

    /// Reports a refusal that nothing earlier explains.
    fn reject(&mut self, file: usize, script: &Script, index: usize, failure: &Failure) {
        self.outcome.verdicts.push((file, index, Verdict::Rejected));
        let statement = &script.statements[index];
        let location = Self::location(script, index, failure);
        // A syntax error where a line starts a new statement: a missing `;`, unless the parse
        // stage found what is wrong already (the database's message is then a note of it).
        if failure.depends.is_none()
            && statement.check != Check::Invalid
            && let Some(next) = location.offset()
            && let Some(end) = grammar::semicolon::runs_on(
                &script.source,
                self.engine.dialect(),
                statement.bytes.clone(),
                next,
            )
        {
            let says = format!("{} says: {}", self.engine.name(), failure.message);
            let diagnostic = grammar::semicolon::missing(&script.source, end, next, says);
            self.outcome.diagnostics.push((file, diagnostic));
            return;
        }
        let mut diagnostic = Diagnostic::new(
            failure.code,
            format!(
                "{} refuses this statement: {}",
                self.engine.name(),
                failure.message
            ),
        )
        .at(location)
        .label(format!("{} stopped here", self.engine.name()));
        if let Some(parser) = &statement.parser_message {
            diagnostic = diagnostic.note(format!("the SQL parser says: {parser}"));
        }
        if let Some(help) = &failure.help {
            diagnostic = diagnostic.help(help.clone());
        }
        self.outcome.diagnostics.push((file, diagnostic));
    }

    fn notice(&mut self, file: usize, script: &Script, index: usize, notice: Notice) {
        let statement = &script.statements[index];
        let range = notice
            .at
            .map_or(statement.bytes.start..statement.bytes.start, |at| {
                statement.bytes.start + at.start..statement.bytes.start + at.end
            });
        let at = Location::span(&script.source, range);
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
            .note("later statements were run; what the database refuses that may follow from this is not reported as an error")
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

/// The up statement that declared the foreign key of `dangling`, the last one to make its table
/// (following renames back to the `CREATE TABLE`), and where it names the parent.
fn declaration<'a>(
    steps: &[Step<'a>],
    dangling: &Dangling,
) -> Option<(usize, &'a Script, usize, Option<std::ops::Range<usize>>)> {
    let same = |ident: Option<&sqlparser::ast::Ident>, name: &str| {
        ident.is_some_and(|i| i.value.eq_ignore_ascii_case(name))
    };
    let last = |name: &sqlparser::ast::ObjectName| {
        name.0
            .last()
            .and_then(sqlparser::ast::ObjectNamePart::as_ident)
            .cloned()
    };
    let mut table = dangling.table.clone();
    for step in steps.iter().rev() {
        let (file, script) = step.up;
        for (index, statement) in script.statements.iter().enumerate().rev() {
            let Some(ast) = &statement.ast else { continue };
            // The foreign keys the statement declares, by the name of their parent.
            let keys: Vec<&sqlparser::ast::ObjectName> = match &**ast {
                Ast::CreateTable(create) if same(last(&create.name).as_ref(), &table) => create
                    .columns
                    .iter()
                    .flat_map(|c| inline_keys(&c.options))
                    .chain(create.constraints.iter().filter_map(|c| match c {
                        TableConstraint::ForeignKey(fk) => Some(&fk.foreign_table),
                        _ => None,
                    }))
                    .collect(),
                Ast::AlterTable(alter) if same(last(&alter.name).as_ref(), &table) => {
                    let keys: Vec<_> = alter
                        .operations
                        .iter()
                        .flat_map(|operation| match operation {
                            AlterTableOperation::AddColumn { column_def, .. } => {
                                inline_keys(&column_def.options)
                            }
                            _ => inline_keys(&[]),
                        })
                        .collect();
                    // Only an `ADD COLUMN` that declares this key: an older statement may.
                    if !keys
                        .iter()
                        .any(|k| same(last(k).as_ref(), &dangling.parent))
                    {
                        continue;
                    }
                    keys
                }
                Ast::AlterTable(alter) => {
                    // `ALTER TABLE old RENAME TO table`: the table was made as `old`.
                    for operation in &alter.operations {
                        if let AlterTableOperation::RenameTable { table_name } = operation
                            && let sqlparser::ast::RenameTableNameKind::To(new)
                            | sqlparser::ast::RenameTableNameKind::As(new) = table_name
                            && same(last(new).as_ref(), &table)
                        {
                            table = last(&alter.name)?.value;
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            let at = keys
                .into_iter()
                .filter_map(last)
                .find(|ident| ident.value.eq_ignore_ascii_case(&dangling.parent))
                .and_then(|ident| script.source.range_of(ident.span))
                .filter(|r| statement.bytes.start <= r.start && r.end <= statement.bytes.end)
                .map(|r| r.start - statement.bytes.start..r.end - statement.bytes.start);
            return Some((file, script, index, at));
        }
    }
    // Declared by a statement the parser could not read (or by the setup script): the newest
    // migration with a statement says it.
    steps
        .iter()
        .rev()
        .map(|step| step.up)
        .find(|(_, script)| !script.statements.is_empty())
        .map(|(file, script)| (file, script, 0, None))
}

/// The parents of the foreign keys a column's options declare (`REFERENCES parent`).
fn inline_keys(
    options: &[sqlparser::ast::ColumnOptionDef],
) -> impl Iterator<Item = &sqlparser::ast::ObjectName> {
    options.iter().filter_map(|o| match &o.option {
        ColumnOption::ForeignKey(fk) => Some(&fk.foreign_table),
        _ => None,
    })
}

/// Where a statement is, for the messages of later ones: `` `m/1_init.sql` line 3 ``.
fn place(script: &Script, statement: &Statement) -> String {
    format!("`{}` line {}", script.source.display, statement.line)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests;
