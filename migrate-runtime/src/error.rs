//! What can go wrong, with enough detail to act on: the migration, its file, the line.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

/// An error from the database driver.
pub type DbError = Box<dyn StdError + Send + Sync + 'static>;

/// Which way a migration was being run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Applying the up script.
    Up,
    /// Reverting with the down script.
    Down,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Up => "up",
            Direction::Down => "down",
        })
    }
}

/// A way the database differs from the migrations in the binary.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Drift {
    /// An applied migration's file changed after it was applied.
    Modified {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its up script, as shown in errors.
        path: &'static str,
        /// The checksum the history table recorded.
        recorded: String,
        /// The checksum of the file in the binary.
        current: &'static str,
    },
    /// A migration the history table records as applied is not in the binary.
    Missing {
        /// The recorded version.
        version: i64,
        /// The recorded name.
        name: String,
    },
    /// A pending migration is older than one already applied.
    OutOfOrder {
        /// The pending migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its up script.
        path: &'static str,
        /// The newest applied version.
        newest_applied: i64,
    },
    /// The history table of the tool being taken over (see
    /// [`Predecessor`](crate::Predecessor)) records a migration that is not in the binary.
    PredecessorMissing {
        /// The tool: `diesel`, `sqlx`, ...
        tool: &'static str,
        /// Its history table.
        table: &'static str,
        /// The version, as the tool recorded it.
        version: String,
    },
    /// The file of a migration the tool being taken over applied has changed since: the
    /// tool's checksum of it differs from the one it recorded.
    PredecessorModified {
        /// The tool: `sqlx`, `refinery` or `flyway`.
        tool: &'static str,
        /// Its history table.
        table: &'static str,
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Its up script, as shown in errors.
        path: &'static str,
        /// The checksum the tool recorded.
        recorded: String,
        /// The tool's checksum of the file in the binary (more than one, separated by spaces,
        /// where the tool's settings change it).
        current: &'static str,
    },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::Modified {
                version,
                name,
                path,
                recorded,
                current,
            } => write!(
                f,
                "migration {version} {name} ({path}) was modified after it was applied \
                 (recorded checksum {recorded}, file now {current})"
            ),
            Drift::Missing { version, name } => write!(
                f,
                "migration {version} {name} is applied but not in this binary"
            ),
            Drift::OutOfOrder {
                version,
                name,
                path,
                newest_applied,
            } => write!(
                f,
                "migration {version} {name} ({path}) is pending, but the newer migration \
                 {newest_applied} is already applied"
            ),
            Drift::PredecessorMissing {
                tool,
                table,
                version,
            } => write!(
                f,
                "migration {version} is applied according to {tool}'s history table {table}, \
                 but is not in this binary"
            ),
            Drift::PredecessorModified {
                tool,
                table,
                version,
                name,
                path,
                recorded,
                current,
            } => write!(
                f,
                "migration {version} {name} ({path}) was modified after {tool} applied it \
                 ({table} records checksum {recorded}, {tool}'s checksum of the file is now \
                 {current})"
            ),
        }
    }
}

/// An error from the migrator.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A statement of a migration failed. The migration was rolled back (unless it runs outside a
    /// transaction, in which case the history table marks it incomplete).
    Statement {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Whether it was being applied or reverted.
        direction: Direction,
        /// The file the statement is in.
        path: &'static str,
        /// 1-based line of the error in the file (of the failing token when the database says
        /// which, else of the statement's first keyword).
        line: u32,
        /// 1-based column, in characters.
        column: u32,
        /// The database's error.
        source: DbError,
    },
    /// The database does not match the migrations, and the migrator was not told to allow it.
    Drift(Vec<Drift>),
    /// A migration that runs outside a transaction started and did not finish: its effects may be
    /// partial. Resolve it with [`Migrator::resolve`](crate::Migrator::resolve) once the database
    /// is in order.
    Incomplete {
        /// The migration's version.
        version: i64,
        /// Its recorded name.
        name: String,
        /// Whether it was being applied or reverted.
        direction: Direction,
        /// The error it failed with, if it failed (rather than being interrupted).
        error: Option<String>,
    },
    /// A migration to revert has no down script.
    Irreversible {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// Why it cannot be undone, when its up file says (`-- migrate:irreversible <reason>`).
        reason: Option<&'static str>,
    },
    /// The target or version is not a migration of this set.
    UnknownMigration {
        /// The version asked for.
        version: i64,
    },
    /// A migration that runs outside a transaction cannot be part of a grouped run.
    GroupedNoTransaction {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// The file that says `-- migrate:no-transaction`.
        path: &'static str,
    },
    /// A migration marked `-- migrate:foreign-keys-off` left rows that reference missing rows. One
    /// that runs in a transaction was rolled back; one that does not is marked failed in the
    /// history (see [`Error::Incomplete`]).
    ForeignKeys {
        /// The migration's version.
        version: i64,
        /// Its name.
        name: &'static str,
        /// The file marked `-- migrate:foreign-keys-off`.
        path: &'static str,
        /// The broken references, described.
        violations: Vec<String>,
    },
    /// The history table or schema name is not a plain identifier.
    InvalidName {
        /// What was named: `"history table"` or `"schema"`.
        what: &'static str,
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// [`Migrator::migrate_to`](crate::Migrator::migrate_to) was given a target older than the
    /// newest applied migration: it only applies, so going back is
    /// [`Migrator::revert_to`](crate::Migrator::revert_to)'s job.
    TargetBehind {
        /// The target's version.
        target: i64,
        /// The newest applied version.
        newest_applied: i64,
    },
    /// [`Migrator::baseline`](crate::Migrator::baseline) found the history table already in use.
    HistoryNotEmpty {
        /// How many migrations it records.
        rows: usize,
    },
    /// The history table of the tool being taken over (see
    /// [`Predecessor`](crate::Predecessor)) records a migration as failed (sqlx, Flyway) or
    /// dirty (golang-migrate): the database may hold part of it. Settle it with that tool, or by
    /// hand, before the first run takes the history over.
    PredecessorIncomplete {
        /// The tool.
        tool: &'static str,
        /// Its history table.
        table: &'static str,
        /// The version, as the tool recorded it.
        version: String,
    },
    /// The connection is inside a transaction; the migrator needs to manage its own.
    InTransaction,
    /// Another migrator held the lock for longer than the lock timeout.
    LockTimeout {
        /// How long this migrator waited.
        waited: Duration,
        /// What is known of the holder.
        holder: String,
    },
    /// Reading or writing the history table, or managing a transaction, failed.
    Database {
        /// What the migrator was doing.
        action: &'static str,
        /// The database's error.
        source: DbError,
    },
}

impl Error {
    pub(crate) fn database(action: &'static str) -> impl FnOnce(DbError) -> Error {
        move |source| Error::Database { action, source }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Statement {
                version,
                name,
                direction,
                path,
                line,
                column,
                source,
            } => {
                let verb = match direction {
                    Direction::Up => "applying",
                    Direction::Down => "reverting",
                };
                write!(
                    f,
                    "{verb} migration {version} {name} failed at {path}:{line}:{column}: {source}"
                )
            }
            Error::Drift(drift) => {
                write!(f, "the database does not match the migrations:")?;
                for d in drift {
                    write!(f, "\n  - {d}")?;
                }
                write!(
                    f,
                    "\nfix the migrations or the database; to proceed anyway, allow this case \
                     explicitly (Migrator::allow_modified, allow_missing, allow_out_of_order)"
                )
            }
            Error::Incomplete {
                version,
                name,
                direction,
                error,
            } => {
                let verb = match direction {
                    Direction::Up => "applying",
                    Direction::Down => "reverting",
                };
                write!(f, "{verb} migration {version} {name} did not complete")?;
                match error {
                    Some(error) => write!(f, " (it failed: {error})")?,
                    None => write!(f, " (it was interrupted, or is still running elsewhere)")?,
                }
                write!(
                    f,
                    "; it runs outside a transaction, so its effects may be partial: check the \
                     database, finish or undo its changes by hand, then mark it resolved with \
                     Migrator::resolve"
                )
            }
            Error::Irreversible {
                version,
                name,
                reason,
            } => match reason {
                Some(reason) => write!(
                    f,
                    "migration {version} {name} is irreversible and cannot be reverted: {reason}"
                ),
                None => write!(
                    f,
                    "migration {version} {name} has no down script and cannot be reverted"
                ),
            },
            Error::UnknownMigration { version } => {
                write!(f, "migration {version} is not part of this migration set")
            }
            Error::GroupedNoTransaction {
                version,
                name,
                path,
            } => write!(
                f,
                "migration {version} {name} ({path}) runs outside a transaction, so it cannot be \
                 part of a grouped run; apply up to the migration before it, then without grouping"
            ),
            Error::ForeignKeys {
                version,
                name,
                path,
                violations,
            } => write!(
                f,
                "migration {version} {name} ({path}) ran with foreign keys off and left rows \
                 that reference missing rows: {}",
                violations.join("; ")
            ),
            Error::InvalidName { what, name, reason } => {
                write!(f, "invalid {what} name {name:?}: {reason}")
            }
            Error::TargetBehind {
                target,
                newest_applied,
            } => write!(
                f,
                "the target, migration {target}, is older than the newest applied migration \
                 {newest_applied}; migrating only applies migrations: to go back, revert to the \
                 target"
            ),
            Error::HistoryNotEmpty { rows } => write!(
                f,
                "the history table already records {rows} migration{s}: a baseline is only \
                 recorded on a database whose history is empty",
                s = if *rows == 1 { "" } else { "s" }
            ),
            Error::PredecessorIncomplete {
                tool,
                table,
                version,
            } => write!(
                f,
                "{tool}'s history table {table} records migration {version} as failed or dirty, \
                 so the database may hold part of it; settle it with {tool} (or by hand, and \
                 correct {table}) before migrate takes the history over"
            ),
            Error::InTransaction => write!(
                f,
                "the connection is inside a transaction; the migrator manages its own, so commit or \
                 roll back first"
            ),
            Error::LockTimeout { waited, holder } => write!(
                f,
                "gave up waiting for the migration lock after {:.1}s; it is held by {holder}",
                waited.as_secs_f64()
            ),
            Error::Database { action, source } => write!(f, "failed to {action}: {source}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Statement { source, .. } | Error::Database { source, .. } => Some(&**source),
            _ => None,
        }
    }
}

/// A run that failed part-way: what went wrong, and what it had done before, which stays done.
///
/// Returned by the methods that apply or revert migrations. Each migration commits on its own
/// (unless the run is [grouped](crate::Migrator::grouped), when nothing is kept), so the ones in
/// [`RunError::done`] are applied, or reverted, and recorded.
///
/// It converts into [`Error`] with `?`, dropping `done`.
#[derive(Debug)]
pub struct RunError {
    /// Why the run stopped.
    pub error: Error,
    /// What it applied or reverted, and committed, before it stopped (boxed: the error path
    /// pays for it, not every `Result`).
    pub done: Box<crate::Report>,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(taken_over) = &self.done.taken_over {
            write!(
                f,
                "\n(before that, the run {taken_over}, which stays recorded)"
            )?;
        }
        for (verb, list) in [
            ("applied", &self.done.applied),
            ("reverted", &self.done.reverted),
        ] {
            if !list.is_empty() {
                let names: Vec<String> = list
                    .iter()
                    .map(|a| format!("{} {}", a.version, a.name))
                    .collect();
                write!(
                    f,
                    "\n(before that, the run {verb} {}, which stay {verb})",
                    names.join(", ")
                )?;
            }
        }
        Ok(())
    }
}

impl RunError {
    /// A failure before anything ran.
    pub(crate) fn nothing_done(error: Error) -> RunError {
        RunError {
            error,
            done: Box::default(),
        }
    }
}

impl StdError for RunError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.error.source()
    }
}

impl From<RunError> for Error {
    fn from(failure: RunError) -> Error {
        failure.error
    }
}
