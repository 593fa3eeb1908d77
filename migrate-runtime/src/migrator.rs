//! The migrator: plans and runs migrations on any [`Backend`], the same way on every database.
//!
//! Rules it keeps:
//! - Each migration and its history row commit in one transaction, so the history is always true.
//!   In grouped mode, every pending migration and its row commit in a single transaction.
//! - A migration marked `-- migrate:no-transaction` is recorded as started before it runs and as
//!   applied after; if it fails or is interrupted, the row says so and every later run refuses
//!   until it is resolved ([`Migrator::resolve`]).
//! - Drift (an applied migration modified, an applied migration missing from the binary, a pending
//!   migration older than an applied one) is refused unless allowed explicitly.
//! - Concurrent migrators: each migration is applied once. Everything that writes happens under
//!   the backend's lock, and each migration checks again, inside its own transaction, that it is
//!   still pending.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::backend::Backend;
use crate::backend::driver::{BeginOr, Driver, NewRow, Row, RowState, Table};
use crate::error::{DbError, Direction, Drift, Error, RunError};
use crate::migration::{Migration, Migrations, Script};
use crate::takeover::{self, Predecessor};

/// How long a migrator waits for another one by default: five minutes.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(300);

/// Applies, reverts and reports on a set of migrations.
///
/// ```
/// # mod db { migrate_runtime::migrations!("tests/fixtures/doc"); }
/// use migrate_runtime::Migrator;
///
/// let mut conn = rusqlite::Connection::open_in_memory()?;
/// let migrator = Migrator::new(&db::MIGRATIONS);
///
/// let report = migrator.migrate(&mut conn)?;
/// assert_eq!(report.applied.len(), 2);
/// assert!(migrator.migrate(&mut conn)?.is_empty()); // nothing left to do
///
/// migrator.revert_to(&mut conn, db::V1_CREATE_USERS)?;
/// assert_eq!(migrator.status(&mut conn)?[1].state, migrate_runtime::State::Pending);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Migrator {
    migrations: &'static Migrations,
    table: Table,
    lock_key: Option<i64>,
    grouped: bool,
    allow_modified: bool,
    allow_missing: bool,
    allow_out_of_order: bool,
    lock_timeout: Duration,
    observer: Option<Observer>,
}

/// Something a run is doing, for [`Migrator::on_event`]: to show progress while a long
/// migration runs, or while another migrator holds the lock.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Event<'a> {
    /// Another migrator holds the lock; this one waits, at most the lock timeout. Sent once per
    /// wait.
    Waiting {
        /// Who holds it, as far as the database tells.
        holder: &'a str,
    },
    /// The run took over another tool's history (see [`Predecessor`]): it is committed.
    TookOver {
        /// What it recorded.
        taken_over: &'a TakenOver,
    },
    /// A migration's script starts.
    Started {
        /// The migration.
        migration: &'static Migration,
        /// Applied or reverted.
        direction: Direction,
    },
    /// A migration's script finished. It is committed with its history row, unless the run is
    /// grouped: then everything commits together at the end, or nothing does.
    Finished {
        /// The migration.
        migration: &'static Migration,
        /// Applied or reverted.
        direction: Direction,
        /// How long its statements took (on PostgreSQL, with its history row and commit, which
        /// are sent with them).
        duration: Duration,
    },
}

/// The callback of [`Migrator::on_event`].
#[derive(Clone)]
struct Observer(Arc<dyn Fn(&Event<'_>) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Migrations applied, in order.
    pub applied: Vec<Applied>,
    /// Migrations reverted, in order.
    pub reverted: Vec<Applied>,
    /// Migrations another tool had applied, recorded as applied by this run, which took its
    /// history over.
    pub taken_over: Option<TakenOver>,
}

impl Report {
    /// Whether the run changed nothing.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.reverted.is_empty() && self.taken_over.is_none()
    }
}

/// The history a run took over from another tool (see [`Predecessor`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakenOver {
    /// The tool.
    pub from: Predecessor,
    /// The versions its table recorded as applied, now recorded in ours, in order.
    pub versions: Vec<i64>,
}

impl fmt::Display for TakenOver {
    /// `took over 3 migrations applied by diesel (__diesel_schema_migrations)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.versions.len();
        write!(
            f,
            "took over {count} migration{s} applied by {tool} ({table})",
            s = if count == 1 { "" } else { "s" },
            tool = self.from.name(),
            table = self.from.table(),
        )
    }
}

/// One migration a run applied or reverted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// Its version.
    pub version: i64,
    /// Its name.
    pub name: &'static str,
    /// How long its statements took.
    pub duration: Duration,
}

impl fmt::Display for Report {
    /// One line per migration: `applied 3 add_keys (12 ms)`, after the history taken over, if
    /// any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        if let Some(taken_over) = &self.taken_over {
            write!(f, "{taken_over}")?;
            first = false;
        }
        let lines = self
            .applied
            .iter()
            .map(|a| ("applied", a))
            .chain(self.reverted.iter().map(|a| ("reverted", a)));
        for (verb, applied) in lines {
            if !first {
                writeln!(f)?;
            }
            first = false;
            write!(f, "{verb} {applied}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Applied {
    /// `3 add_keys (12 ms)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} ({} ms)",
            self.version,
            self.name,
            self.duration.as_millis()
        )
    }
}

/// The state of one migration, as [`Migrator::status`] reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Applied, and unchanged since.
    Applied,
    /// Not applied yet.
    Pending,
    /// Applied, but its file has changed since (the checksums differ).
    Modified,
    /// Recorded as applied, but not in this binary.
    Missing,
    /// Not applied, and older than a migration that is.
    OutOfOrder,
    /// A no-transaction migration that started and did not finish, going this way.
    Incomplete(Direction),
}

impl fmt::Display for State {
    /// `applied`, `pending`, `modified`, `missing`, `out of order`, `incomplete (applying)` or
    /// `incomplete (reverting)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::OutOfOrder => "out of order",
            State::Incomplete(Direction::Up) => "incomplete (applying)",
            State::Incomplete(Direction::Down) => "incomplete (reverting)",
        })
    }
}

/// One line of [`Migrator::status`].
#[derive(Clone, Debug)]
pub struct MigrationStatus {
    /// The version.
    pub version: i64,
    /// The name (from the binary, or from the history table for a missing migration).
    pub name: String,
    /// Its state.
    pub state: State,
    /// When it was applied (ISO 8601, UTC), if it was and migrate recorded it: `None` for a
    /// migration another tool applied, before the run that takes its history over.
    pub applied_at: Option<String>,
    /// How long applying it took, if recorded.
    pub duration: Option<Duration>,
    /// The error an incomplete migration failed with.
    pub error: Option<String>,
    /// The migration, if it is in the binary.
    pub migration: Option<&'static Migration>,
}

impl fmt::Display for MigrationStatus {
    /// `3 add_keys: applied at 2026-01-02T03:04:05.000Z`, `4 add_index: pending`,
    /// `5 reindex: incomplete (applying), started at 2026-01-02T03:04:05.000Z: <error>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.version, self.name, self.state)?;
        match (&self.applied_at, self.state) {
            (Some(at), State::Applied) => write!(f, " at {at}")?,
            (Some(at), State::Incomplete(_)) => write!(f, ", started at {at}")?,
            (Some(at), _) => write!(f, ", applied at {at}")?,
            (None, _) => {}
        }
        if let Some(error) = &self.error {
            write!(f, ": {error}")?;
        }
        Ok(())
    }
}

/// How a no-transaction migration that did not complete was settled by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resolution {
    /// Its effects are now fully in place: record it as applied.
    Applied,
    /// Its effects are now fully undone: record it as not applied.
    NotApplied,
}

impl fmt::Display for Resolution {
    /// `applied` or `not-applied`, as [`Resolution::from_str`](std::str::FromStr) reads them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resolution::Applied => "applied",
            Resolution::NotApplied => "not-applied",
        })
    }
}

impl std::str::FromStr for Resolution {
    type Err = String;

    /// `applied`, or `not-applied` (also `not_applied`).
    fn from_str(s: &str) -> Result<Resolution, String> {
        match s {
            "applied" => Ok(Resolution::Applied),
            "not-applied" | "not_applied" => Ok(Resolution::NotApplied),
            _ => Err(format!(
                "unknown resolution {s:?}: it is `applied` or `not-applied`"
            )),
        }
    }
}

impl Migrator {
    /// A migrator for `migrations`, using the history table they were configured with.
    pub fn new(migrations: &'static Migrations) -> Migrator {
        Migrator {
            migrations,
            table: Table::new(None, migrations.table(), None),
            lock_key: None,
            grouped: false,
            allow_modified: false,
            allow_missing: false,
            allow_out_of_order: false,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            observer: None,
        }
    }

    /// Uses another history table. The name must be a plain identifier: letters, digits and `_`,
    /// not starting with a digit, at most 63 bytes.
    pub fn table(mut self, name: &str) -> Result<Migrator, Error> {
        migrate_core::check_identifier(name).map_err(|reason| Error::InvalidName {
            what: "history table",
            name: name.to_owned(),
            reason,
        })?;
        self.table = Table::new(self.table.schema.as_deref(), name, self.lock_key);
        Ok(self)
    }

    /// Keeps the history table in `schema` rather than the connection's default (on PostgreSQL,
    /// the first schema of the `search_path`, usually `public`). On PostgreSQL the schema is
    /// created if it does not exist; on SQLite it names an attached database (`main`, `temp`, or
    /// one the app attached). The name is checked like a table name.
    pub fn schema(mut self, schema: &str) -> Result<Migrator, Error> {
        migrate_core::check_identifier(schema).map_err(|reason| Error::InvalidName {
            what: "schema",
            name: schema.to_owned(),
            reason,
        })?;
        self.table = Table::new(Some(schema), &self.table.name, self.lock_key);
        Ok(self)
    }

    /// Uses `key` for the PostgreSQL advisory lock instead of the default (see
    /// [`Migrator::advisory_lock_key`]); for instance to share one lock with another tool.
    pub fn lock_key(mut self, key: i64) -> Migrator {
        self.lock_key = Some(key);
        self.table.lock_key = key;
        self
    }

    /// The PostgreSQL advisory lock key this migrator takes (`pg_try_advisory_lock(key)`, at
    /// session level) while it works.
    ///
    /// Unless set with [`Migrator::lock_key`], the key is `0x6d696772` (`"migr"` in ASCII) in the
    /// high 32 bits and the 32-bit FNV-1a hash of the history table's name in the low 32 bits,
    /// the name being `schema.table` when a schema is configured and `table` otherwise. In
    /// `pg_locks` the lock shows with `locktype = 'advisory'`, `classid = 1835624306`, `objid`
    /// the hash, and `objsubid = 1`:
    ///
    /// ```
    /// # mod db { migrate_runtime::migrations!("tests/fixtures/doc"); }
    /// let migrator = migrate_runtime::Migrator::new(&db::MIGRATIONS);
    /// assert_eq!(migrator.advisory_lock_key() >> 32, 0x6d69_6772);
    /// assert_eq!(migrator.advisory_lock_key(), 0x6d69_6772_765a_2340); // FNV-1a("_migrate_history")
    /// ```
    pub fn advisory_lock_key(&self) -> i64 {
        self.table.lock_key
    }

    /// Runs all pending migrations of a call in one transaction: all or none are applied (or
    /// reverted). Refused if one of them runs outside a transaction.
    pub fn grouped(mut self, grouped: bool) -> Migrator {
        self.grouped = grouped;
        self
    }

    /// Proceeds even though applied migrations were modified since.
    pub fn allow_modified(mut self, allow: bool) -> Migrator {
        self.allow_modified = allow;
        self
    }

    /// Proceeds even though applied migrations are missing from the binary (say, during a rolling
    /// deploy, while an older binary still runs).
    pub fn allow_missing(mut self, allow: bool) -> Migrator {
        self.allow_missing = allow;
        self
    }

    /// Applies pending migrations older than an applied one, instead of refusing.
    pub fn allow_out_of_order(mut self, allow: bool) -> Migrator {
        self.allow_out_of_order = allow;
        self
    }

    /// How long to wait for another migrator before giving up ([`DEFAULT_LOCK_TIMEOUT`]).
    pub fn lock_timeout(mut self, timeout: Duration) -> Migrator {
        self.lock_timeout = timeout;
        self
    }

    /// Calls `observer` as the migrator works: when it starts waiting for another migrator's
    /// lock, and when each migration starts and finishes. It runs on the migrator's thread,
    /// between statements, so it should return quickly.
    ///
    /// ```
    /// # mod db { migrate_runtime::migrations!("tests/fixtures/doc"); }
    /// use migrate_runtime::{Event, Migrator};
    ///
    /// let migrator = Migrator::new(&db::MIGRATIONS).on_event(|event| {
    ///     if let Event::Finished { migration, duration, .. } = event {
    ///         eprintln!("{migration} took {duration:?}");
    ///     }
    /// });
    /// migrator.migrate(&mut rusqlite::Connection::open_in_memory()?)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_event(mut self, observer: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Migrator {
        self.observer = Some(Observer(Arc::new(observer)));
        self
    }

    fn emit(&self, event: Event<'_>) {
        if let Some(Observer(observer)) = &self.observer {
            observer(&event);
        }
    }

    /// The migrations this migrator runs.
    pub fn migrations(&self) -> &'static Migrations {
        self.migrations
    }

    /// Applies every pending migration. On failure, the error says what was applied before.
    pub fn migrate<B: Backend>(&self, db: &mut B) -> Result<Report, RunError> {
        // Each public method is a shim that hands a `dyn Driver` to code compiled here once.
        self.apply_up_to(db, i64::MAX)
    }

    /// Applies pending migrations up to and including `target`. A target older than the newest
    /// applied migration is an error ([`Error::TargetBehind`]): going back is
    /// [`Migrator::revert_to`]. (With [`Migrator::allow_out_of_order`], it applies the pending
    /// migrations up to `target` instead.)
    pub fn migrate_to<B: Backend>(
        &self,
        db: &mut B,
        target: &Migration,
    ) -> Result<Report, RunError> {
        self.migrate_to_dyn(db, target)
    }

    fn migrate_to_dyn(&self, db: &mut dyn Driver, target: &Migration) -> Result<Report, RunError> {
        let target = self.known(target).map_err(RunError::nothing_done)?;
        self.apply_up_to(db, target)
    }

    fn apply_up_to(&self, db: &mut dyn Driver, target: i64) -> Result<Report, RunError> {
        let mut report = Report::default();
        let result = self.waiting(db, |db| {
            // The common start-up: everything applied already. One query, no lock.
            if self.up_to_date(db, target)? {
                return Ok(());
            }
            self.locked(db, |db| {
                let plan = |history: &History| match history.newest_applied() {
                    // Applying out of order, a target below the newest is how older pending
                    // migrations are named.
                    Some(newest_applied) if newest_applied > target && !self.allow_out_of_order => {
                        Err(Error::TargetBehind {
                            target,
                            newest_applied,
                        })
                    }
                    _ => Ok(history.pending(target)),
                };
                self.run_locked(db, &plan, &mut report)
            })
        });
        match result {
            Ok(()) => Ok(report),
            Err(error) => Err(RunError {
                error,
                done: Box::new(report),
            }),
        }
    }

    /// Whether every migration up to `target` is applied, and the history has nothing the
    /// migrator would refuse (an incomplete, modified or missing migration). Anything else is
    /// left to the full, locked path, which also reports the errors.
    fn up_to_date(&self, db: &mut dyn Driver, target: i64) -> Result<bool, Error> {
        let expected = self
            .migrations
            .iter()
            .take_while(|m| m.version() <= target)
            .count();
        let mut recorded = 0;
        let mut clean = true;
        let scanned = db.scan_history(&self.table, &mut |version, checksum, state| match self
            .migrations
            .get(version)
        {
            Some(m)
                if state == RowState::Applied
                    && (m.checksum() == checksum || self.allow_modified) =>
            {
                if version <= target {
                    recorded += 1;
                } else if !self.allow_out_of_order {
                    // Applied beyond the target: `migrate_to` refuses on the locked path.
                    clean = false;
                }
            }
            None if state == RowState::Applied && self.allow_missing && version <= target => {}
            _ => clean = false,
        });
        match scanned {
            Ok(exists) => Ok(exists && clean && recorded == expected),
            // Another migrator is committing: let the locked path wait for it.
            Err(error) if db.is_busy(&error) => Ok(false),
            Err(error) => Err(Error::database("read the history table")(error)),
        }
    }

    /// Reverts the newest applied migration.
    pub fn revert_last<B: Backend>(&self, db: &mut B) -> Result<Report, RunError> {
        self.revert_steps_dyn(db, 1)
    }

    /// Reverts the `steps` newest applied migrations, newest first (all of them if fewer are
    /// applied). On failure, the error says what was reverted before.
    pub fn revert_steps<B: Backend>(&self, db: &mut B, steps: usize) -> Result<Report, RunError> {
        self.revert_steps_dyn(db, steps)
    }

    fn revert_steps_dyn(&self, db: &mut dyn Driver, steps: usize) -> Result<Report, RunError> {
        // A row missing from the binary among them is refused by `to_revert`.
        self.run(db, |history| {
            let target = history
                .rows
                .keys()
                .rev()
                .nth(steps)
                .copied()
                .unwrap_or(i64::MIN);
            history.to_revert(target)
        })
    }

    /// Reverts applied migrations newer than `target`, newest first; `target` stays applied.
    pub fn revert_to<B: Backend>(
        &self,
        db: &mut B,
        target: &Migration,
    ) -> Result<Report, RunError> {
        self.revert_to_dyn(db, target)
    }

    fn revert_to_dyn(&self, db: &mut dyn Driver, target: &Migration) -> Result<Report, RunError> {
        let target = self.known(target).map_err(RunError::nothing_done)?;
        self.run(db, |history| history.to_revert(target))
    }

    /// Reverts every applied migration, newest first.
    pub fn revert_all<B: Backend>(&self, db: &mut B) -> Result<Report, RunError> {
        self.revert_all_dyn(db)
    }

    fn revert_all_dyn(&self, db: &mut dyn Driver) -> Result<Report, RunError> {
        self.run(db, |history| history.to_revert(i64::MIN))
    }

    /// Records every migration up to and including `target` as applied without running it: for
    /// adopting migrations on a database whose schema already has them. The history must be empty
    /// ([`Error::HistoryNotEmpty`] otherwise). Returns the migrations recorded.
    pub fn baseline<B: Backend>(
        &self,
        db: &mut B,
        target: &Migration,
    ) -> Result<Vec<&'static Migration>, Error> {
        self.baseline_dyn(db, target)
    }

    fn baseline_dyn(
        &self,
        db: &mut dyn Driver,
        target: &Migration,
    ) -> Result<Vec<&'static Migration>, Error> {
        let target = self.known(target)?;
        self.waiting_locked(db, |db| {
            transaction(db, |db| {
                db.create_history(&self.table)
                    .map_err(Error::database("create the history table"))?;
                let rows = db
                    .history(&self.table)
                    .map_err(Error::database("read the history table"))?
                    .unwrap_or_default();
                if !rows.is_empty() {
                    return Err(Error::HistoryNotEmpty { rows: rows.len() });
                }
                let recorded: Vec<&'static Migration> = self
                    .migrations
                    .iter()
                    .take_while(|m| m.version() <= target)
                    .collect();
                let rows: Vec<NewRow<'static>> = recorded.iter().map(|m| applied_row(m)).collect();
                db.record_many(&self.table, &rows, &[])
                    .map_err(Error::database("write the history table"))?;
                Ok(recorded)
            })
        })
    }

    /// Every migration in the binary or the history table, in version order, with its state.
    pub fn status<B: Backend>(&self, db: &mut B) -> Result<Vec<MigrationStatus>, Error> {
        self.status_dyn(db)
    }

    fn status_dyn(&self, db: &mut dyn Driver) -> Result<Vec<MigrationStatus>, Error> {
        self.waiting(db, |db| {
            let rows = match db
                .history(&self.table)
                .map_err(Error::database("read the history table"))?
            {
                Some(rows) => rows,
                // Before the first run: what it will take over (or the error it would stop
                // with).
                None => match self.migrations.predecessor() {
                    Some(predecessor) => self
                        .taken_over_rows(db, predecessor)?
                        .into_iter()
                        .map(|(m, checksum)| Row {
                            version: m.version(),
                            name: m.name().to_owned(),
                            checksum,
                            state: RowState::Applied,
                            applied_at: String::new(),
                            duration_ms: None,
                            error: None,
                        })
                        .collect(),
                    None => Vec::new(),
                },
            };
            Ok(History::new(self.migrations, rows).status())
        })
    }

    /// Settles a no-transaction migration that failed or was interrupted, once its effects have
    /// been completed or undone by hand.
    pub fn resolve<B: Backend>(
        &self,
        db: &mut B,
        version: i64,
        resolution: Resolution,
    ) -> Result<(), Error> {
        self.resolve_dyn(db, version, resolution)
    }

    fn resolve_dyn(
        &self,
        db: &mut dyn Driver,
        version: i64,
        resolution: Resolution,
    ) -> Result<(), Error> {
        self.waiting_locked(db, |db| {
            transaction(db, |db| {
                let row = db
                    .row(&self.table, version)
                    .map_err(Error::database("read the history table"))?;
                match row {
                    Some(row) if row.state != RowState::Applied => {}
                    _ => return Err(Error::UnknownMigration { version }),
                }
                match resolution {
                    Resolution::Applied => {
                        db.update(&self.table, version, RowState::Applied, None, None)
                    }
                    Resolution::NotApplied => db.delete(&self.table, version),
                }
                .map_err(Error::database("update the history table"))
            })
        })
    }

    fn known(&self, target: &Migration) -> Result<i64, Error> {
        if self.migrations.contains(target) {
            Ok(target.version())
        } else {
            Err(Error::UnknownMigration {
                version: target.version(),
            })
        }
    }

    /// Plans with `plan` under the lock, from the history as it is then, and runs the plan.
    fn run(
        &self,
        db: &mut dyn Driver,
        plan: impl Fn(&History) -> Result<Vec<Step>, Error>,
    ) -> Result<Report, RunError> {
        let mut report = Report::default();
        match self.waiting_locked(db, |db| self.run_locked(db, &plan, &mut report)) {
            Ok(()) => Ok(report),
            Err(error) => Err(RunError {
                error,
                done: Box::new(report),
            }),
        }
    }

    fn waiting_locked<T>(
        &self,
        db: &mut dyn Driver,
        f: impl FnOnce(&mut dyn Driver) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.waiting(db, |db| self.locked(db, f))
    }

    /// Runs `f` with the connection waiting at most the lock timeout for other connections.
    fn waiting<T>(
        &self,
        db: &mut dyn Driver,
        f: impl FnOnce(&mut dyn Driver) -> Result<T, Error>,
    ) -> Result<T, Error> {
        scoped(
            db,
            |db| {
                db.set_wait(self.lock_timeout)
                    .map_err(Error::database("set the lock timeout"))
            },
            f,
            |db, previous| {
                db.restore_wait(previous)
                    .map_err(Error::database("restore the lock timeout"))
            },
        )
    }

    /// Runs `f` holding the migration lock. Refuses a connection inside the caller's transaction:
    /// everything under the lock writes, in transactions of the migrator's own.
    fn locked<T>(
        &self,
        db: &mut dyn Driver,
        f: impl FnOnce(&mut dyn Driver) -> Result<T, Error>,
    ) -> Result<T, Error> {
        if db
            .in_transaction()
            .map_err(Error::database("check for an open transaction"))?
        {
            return Err(Error::InTransaction);
        }
        let started = Instant::now();
        scoped(
            db,
            |db| {
                let mut waiting = |holder: &str| self.emit(Event::Waiting { holder });
                db.lock(&self.table, self.lock_timeout, &mut waiting)
                    .map_err(|source| lock_error(db, &self.table, source, started))
            },
            f,
            |db, lock| {
                db.unlock(lock)
                    .map_err(Error::database("release the migration lock"))
            },
        )
    }

    /// Plans and runs, adding what commits to `report` as it goes.
    fn run_locked(
        &self,
        db: &mut dyn Driver,
        plan: &impl Fn(&History) -> Result<Vec<Step>, Error>,
        report: &mut Report,
    ) -> Result<(), Error> {
        // Turned off for migrations marked `-- migrate:foreign-keys-off`, and back on after
        // them, whatever happens.
        let mut foreign_keys = ForeignKeys::default();
        let result = self.run_with(db, plan, &mut foreign_keys, report);
        let restored = foreign_keys.restore(db);
        result?;
        restored
    }

    fn run_with(
        &self,
        db: &mut dyn Driver,
        plan: &impl Fn(&History) -> Result<Vec<Step>, Error>,
        foreign_keys: &mut ForeignKeys,
        report: &mut Report,
    ) -> Result<(), Error> {
        let started = Instant::now();
        // Recorded in the transaction that reads the history, so it commits with it.
        let mut taken_over: Option<TakenOver>;
        // Read the history under the lock; wait while another migrator's no-transaction
        // migration is in progress.
        let steps = loop {
            db.begin()
                .map_err(|source| lock_error(db, &self.table, source, started))?;
            let read = (|| {
                let predecessor = self.to_take_over(db)?;
                db.create_history(&self.table)
                    .map_err(Error::database("create the history table"))?;
                let taken_over = match predecessor {
                    Some(predecessor) => self.take_over(db, predecessor)?,
                    None => None,
                };
                let rows = db
                    .history(&self.table)
                    .map_err(Error::database("read the history table"))?
                    .unwrap_or_default();
                Ok((History::new(self.migrations, rows), taken_over))
            })();
            let history = match read {
                Ok((history, taken)) => {
                    taken_over = taken;
                    history
                }
                Err(error) => return Err(rollback(db, error)),
            };
            if let Some(row) = history.incomplete() {
                let error = incomplete(row);
                let _ = db.rollback();
                if !in_progress(row) {
                    return Err(error);
                }
                self.wait(db, started, error)?;
                continue;
            }
            let planned = self
                .check_drift(&history)
                .and_then(|()| plan(&history))
                .and_then(|steps| {
                    self.check_steps(&steps)?;
                    Ok(steps)
                });
            match planned {
                Ok(steps)
                    if self.grouped
                        && !foreign_keys.off()
                        && steps.iter().any(|s| s.script().disables_foreign_keys()) =>
                {
                    // Foreign keys can only be turned off outside a transaction: plan again
                    // with them off.
                    let _ = db.rollback();
                    foreign_keys.turn_off(db)?;
                }
                Ok(steps) if self.grouped => break steps,
                Ok(steps) => {
                    db.commit().map_err(Error::database("commit"))?;
                    if let Some(taken_over) = &taken_over {
                        self.emit(Event::TookOver { taken_over });
                    }
                    report.taken_over = taken_over.take();
                    break steps;
                }
                Err(error) => return Err(rollback(db, error)),
            }
        };

        if self.grouped {
            // Still inside the transaction that read the history; the rows are written at the end,
            // in the same transaction. Nothing is done until it commits.
            let mut grouped = Report {
                taken_over,
                ..Report::default()
            };
            let result = (|| {
                let (mut applied, mut reverted) = (Vec::new(), Vec::new());
                for (i, step) in steps.iter().enumerate() {
                    let duration = self.run_script(db, step, &steps[..i], true)?;
                    match self.new_row(step, duration) {
                        Some(row) => applied.push(row),
                        None => reverted.push(step.migration.version()),
                    }
                    self.finished(step, duration, &mut grouped);
                }
                if let Some(step) = steps.iter().rfind(|s| s.script().disables_foreign_keys()) {
                    self.check_foreign_keys(db, step)?;
                }
                db.record_many(&self.table, &applied, &reverted)
                    .map_err(Error::database("write the history table"))?;
                db.commit().map_err(Error::database("commit"))
            })();
            result.map_err(|error| rollback(db, error))?;
            if let Some(taken_over) = &grouped.taken_over {
                self.emit(Event::TookOver { taken_over });
            }
            *report = grouped;
            return Ok(());
        }
        for step in &steps {
            if step.script().disables_foreign_keys() {
                foreign_keys.turn_off(db)?;
            } else {
                foreign_keys.restore(db)?;
            }
            let done = if step.script().runs_in_transaction() {
                self.step_in_transaction(db, step, started)?
            } else {
                self.step_without_transaction(db, step, started)?
            };
            if let Some(duration) = done {
                self.finished(step, duration, report);
            }
        }
        Ok(())
    }

    /// Adds a step that ran to `report`, and tells the observer.
    fn finished(&self, step: &Step, duration: Duration, report: &mut Report) {
        report.push(step, duration);
        self.emit(Event::Finished {
            migration: step.migration,
            direction: step.direction,
            duration,
        });
    }

    /// One migration and its history row, in one transaction. `None` when another migrator did it
    /// first.
    fn step_in_transaction(
        &self,
        db: &mut dyn Driver,
        step: &Step,
        started: Instant,
    ) -> Result<Option<Duration>, Error> {
        let announced = match self.step_at_once(db, step) {
            AtOnce::Done(duration) => return Ok(Some(duration)),
            AtOnce::Announced => true,
            AtOnce::NotTried => false,
        };
        loop {
            let row = self.begin_and_read(db, step, started)?;
            let result = (|| -> Result<Option<Duration>, Error> {
                match self.guard(step, row)? {
                    Guard::Proceed => {}
                    Guard::Done => return Ok(None),
                    Guard::Busy(error) => return Err(error),
                }
                let duration = self.run_script(db, step, &[], !announced)?;
                if step.script().disables_foreign_keys() {
                    self.check_foreign_keys(db, step)?;
                }
                db.record_and_commit(
                    &self.table,
                    step.migration.version(),
                    self.new_row(step, duration).as_ref(),
                )
                .map_err(Error::database("record the migration and commit"))?;
                Ok(Some(duration))
            })();
            match result {
                Ok(Some(duration)) => return Ok(Some(duration)),
                Ok(None) => {
                    db.commit().map_err(Error::database("commit"))?;
                    return Ok(None);
                }
                Err(error @ Error::Incomplete { .. }) => {
                    let _ = db.rollback();
                    self.wait(db, started, error)?;
                }
                Err(error) => return Err(rollback(db, error)),
            }
        }
    }

    /// A transactional step in one round trip, on a backend that can and under an exclusive lock
    /// (the history read under it still holds, so the step's row need not be read again). When
    /// it fails, it was rolled back, and the long way runs it again and says where it fails.
    fn step_at_once(&self, db: &mut dyn Driver, step: &Step) -> AtOnce {
        if !db.lock_is_exclusive() || step.script().disables_foreign_keys() {
            return AtOnce::NotTried;
        }
        self.emit(Event::Started {
            migration: step.migration,
            direction: step.direction,
        });
        let body = step.body().map_or("", |(_, body)| body);
        let started = Instant::now();
        let row = self.new_row(step, Duration::ZERO);
        match db.run_and_record(&self.table, body, step.migration.version(), row.as_ref()) {
            Ok(true) => AtOnce::Done(started.elapsed()),
            Ok(false) => AtOnce::Announced,
            Err(_) => {
                let _ = db.rollback();
                AtOnce::Announced
            }
        }
    }

    /// Opens a step's transaction and reads its history row.
    fn begin_and_read(
        &self,
        db: &mut dyn Driver,
        step: &Step,
        started: Instant,
    ) -> Result<Option<Row>, Error> {
        match db.begin_and_read(&self.table, step.migration.version()) {
            Ok(row) => Ok(row),
            Err(BeginOr::Begin(source)) => Err(lock_error(db, &self.table, source, started)),
            Err(BeginOr::Read(source)) => Err(rollback(
                db,
                Error::database("read the history table")(source),
            )),
        }
    }

    /// A no-transaction migration: recorded as started, run statement by statement, then recorded
    /// as done, or as failed with its error.
    fn step_without_transaction(
        &self,
        db: &mut dyn Driver,
        step: &Step,
        started: Instant,
    ) -> Result<Option<Duration>, Error> {
        let m = step.migration;
        let (running, failed) = match step.direction {
            Direction::Up => (RowState::Applying, RowState::ApplyFailed),
            Direction::Down => (RowState::Reverting, RowState::RevertFailed),
        };
        loop {
            let row = self.begin_and_read(db, step, started)?;
            let marked = (|| {
                match self.guard(step, row)? {
                    Guard::Proceed => {}
                    Guard::Done => return Ok(false),
                    Guard::Busy(error) => return Err(error),
                }
                match step.direction {
                    Direction::Up => db.insert(
                        &self.table,
                        &NewRow {
                            version: m.version(),
                            name: m.name(),
                            checksum: m.checksum(),
                            state: running,
                            duration_ms: None,
                        },
                    ),
                    Direction::Down => db.update(&self.table, m.version(), running, None, None),
                }
                .map_err(Error::database("record the migration as started"))?;
                Ok(true)
            })();
            match marked {
                Ok(true) => {
                    db.commit().map_err(Error::database("commit"))?;
                    break;
                }
                Ok(false) => {
                    db.commit().map_err(Error::database("commit"))?;
                    return Ok(None);
                }
                Err(error @ Error::Incomplete { .. }) => {
                    let _ = db.rollback();
                    self.wait(db, started, error)?;
                }
                Err(error) => return Err(rollback(db, error)),
            }
        }
        let ran = self.run_script(db, step, &[], true).and_then(|duration| {
            if step.script().disables_foreign_keys() {
                self.check_foreign_keys(db, step)?;
            }
            Ok(duration)
        });
        match ran {
            Ok(duration) => {
                match step.direction {
                    Direction::Up => db.update(
                        &self.table,
                        m.version(),
                        RowState::Applied,
                        Some(millis(duration)),
                        None,
                    ),
                    Direction::Down => db.delete(&self.table, m.version()),
                }
                .map_err(Error::database("record the migration as done"))?;
                Ok(Some(duration))
            }
            Err(error) => {
                // Best effort: if this fails too, the row still says the migration is in progress,
                // which is just as visible.
                let _ = db.update(
                    &self.table,
                    m.version(),
                    failed,
                    None,
                    Some(&error.to_string()),
                );
                Err(error)
            }
        }
    }

    /// Fails the step if rows reference missing rows: run before committing a migration marked
    /// `-- migrate:foreign-keys-off`, which ran with nothing to stop it from breaking them.
    fn check_foreign_keys(&self, db: &mut dyn Driver, step: &Step) -> Result<(), Error> {
        let violations = db
            .foreign_key_violations()
            .map_err(Error::database("check foreign keys"))?;
        if violations.is_empty() {
            return Ok(());
        }
        Err(Error::ForeignKeys {
            version: step.migration.version(),
            name: step.migration.name(),
            path: step.script().path(),
            violations,
        })
    }

    /// Inside a step's transaction: is the step still to do? `Busy` when another migrator's
    /// no-transaction run of it is in progress.
    fn guard(&self, step: &Step, row: Option<Row>) -> Result<Guard, Error> {
        let m = step.migration;
        Ok(match (step.direction, row) {
            (Direction::Up, None) => Guard::Proceed,
            (Direction::Down, None) => Guard::Done,
            (_, Some(row)) if in_progress(&row) => Guard::Busy(incomplete(&row)),
            (_, Some(row)) if row.state != RowState::Applied => return Err(incomplete(&row)),
            (Direction::Down, Some(_)) => Guard::Proceed,
            (Direction::Up, Some(row)) if row.checksum == m.checksum() || self.allow_modified => {
                Guard::Done
            }
            (Direction::Up, Some(row)) => {
                return Err(Error::Drift(vec![Drift::Modified {
                    version: m.version(),
                    name: m.name(),
                    path: m.up().path(),
                    recorded: row.checksum,
                    current: m.checksum(),
                }]));
            }
        })
    }

    /// Runs a step's statements: the whole script in one round trip on a backend that can (see
    /// `run_whole`), else statement by statement. `announce`: tell the observer it starts
    /// (unless [`Migrator::step_at_once`] did). `earlier` are the steps run before it in the same
    /// transaction (a grouped run's).
    fn run_script(
        &self,
        db: &mut dyn Driver,
        step: &Step,
        earlier: &[Step],
        announce: bool,
    ) -> Result<Duration, Error> {
        if announce {
            self.emit(Event::Started {
                migration: step.migration,
                direction: step.direction,
            });
        }
        let started = Instant::now();
        if db.runs_scripts_whole() && step.script().runs_in_transaction() {
            self.run_whole(db, step, earlier)?;
        } else {
            self.run_statements(db, step)?;
        }
        Ok(started.elapsed())
    }

    fn run_statements(&self, db: &mut dyn Driver, step: &Step) -> Result<(), Error> {
        let script = step.script();
        for statement in script.statements() {
            db.execute(statement.sql).map_err(|source| {
                let (line, column) = match db.error_offset(&source, statement.sql) {
                    Some(offset) => script.line_col(statement.start + offset),
                    None => (statement.line, statement.column),
                };
                step.error(line, column, source)
            })?;
        }
        Ok(())
    }

    /// Sends the script, from its first statement to the end of its last, as one batch. If it
    /// fails, the error's position says where. An error without one (a constraint, an object
    /// that exists already) does not say which statement: see `locate`.
    fn run_whole(&self, db: &mut dyn Driver, step: &Step, earlier: &[Step]) -> Result<(), Error> {
        let Some((first_at, body)) = step.body() else {
            return Ok(());
        };
        let Err(source) = db.execute(body) else {
            return Ok(());
        };
        let script = step.script();
        let (line, column) = match db.error_offset(&source, body) {
            Some(offset) => script.line_col(first_at + offset),
            None => self.locate(db, step, earlier).unwrap_or_else(|| {
                // The statements passed one by one, or the connection failed: the first
                // statement is the best that can be said.
                script
                    .statements()
                    .next()
                    .map_or((1, 1), |s| (s.line, s.column))
            }),
        };
        Err(step.error(line, column, source))
    }

    /// Finds the statement of `step` that fails: rolls the transaction back, runs `earlier` again
    /// and then `step` statement by statement in a new one, which the caller rolls back. Only on
    /// failure, in transactional steps, under the lock: nothing of it is kept.
    fn locate(&self, db: &mut dyn Driver, step: &Step, earlier: &[Step]) -> Option<(u32, u32)> {
        db.rollback().ok()?;
        db.begin().ok()?;
        for step in earlier {
            if let Some((_, body)) = step.body() {
                db.execute(body).ok()?;
            }
        }
        match self.run_statements(db, step) {
            Err(Error::Statement { line, column, .. }) => Some((line, column)),
            _ => None,
        }
    }

    /// The history row a step done leaves: a new one for an up, none for a down.
    fn new_row(&self, step: &Step, duration: Duration) -> Option<NewRow<'static>> {
        let m = step.migration;
        (step.direction == Direction::Up).then(|| NewRow {
            version: m.version(),
            name: m.name(),
            checksum: m.checksum(),
            state: RowState::Applied,
            duration_ms: Some(millis(duration)),
        })
    }

    /// Waits for another migrator's no-transaction migration in progress, or gives up with
    /// `error`. With an exclusive lock nobody else can be at work: the row was left by a crash.
    fn wait(&self, db: &dyn Driver, started: Instant, error: Error) -> Result<(), Error> {
        if db.lock_is_exclusive() || started.elapsed() >= self.lock_timeout {
            return Err(error);
        }
        thread::sleep(Duration::from_millis(50));
        Ok(())
    }

    /// The tool whose history this run takes over: the set's predecessor, if the history table
    /// does not exist yet. Only then: once it exists, its rows are the whole truth (after
    /// reverting everything, an empty history must not take the other tool's rows again).
    fn to_take_over(&self, db: &mut dyn Driver) -> Result<Option<Predecessor>, Error> {
        let Some(predecessor) = self.migrations.predecessor() else {
            return Ok(None);
        };
        let exists = db
            .history_exists(&self.table)
            .map_err(Error::database("look for the history table"))?;
        Ok((!exists).then_some(predecessor))
    }

    /// Records what `predecessor`'s table says is applied, inside the caller's transaction.
    fn take_over(
        &self,
        db: &mut dyn Driver,
        predecessor: Predecessor,
    ) -> Result<Option<TakenOver>, Error> {
        let taken = self.taken_over_rows(db, predecessor)?;
        if taken.is_empty() {
            // No table, or nothing in it.
            return Ok(None);
        }
        let rows: Vec<NewRow<'_>> = taken
            .iter()
            .map(|(m, checksum)| NewRow {
                checksum,
                ..applied_row(m)
            })
            .collect();
        db.record_many(&self.table, &rows, &[])
            .map_err(Error::database("write the history table"))?;
        Ok(Some(TakenOver {
            from: predecessor,
            versions: taken.iter().map(|(m, _)| m.version()).collect(),
        }))
    }

    /// What `predecessor`'s table says is applied, with the checksum each gets in our history:
    /// the file's, or, for a file changed since the tool ran it (drift, when allowed), the
    /// tool's (`<tool>:<checksum>`), so that it stays modified, as an edit after our own run
    /// does. Drift that is not allowed is an error.
    fn taken_over_rows(
        &self,
        db: &mut dyn Driver,
        predecessor: Predecessor,
    ) -> Result<Vec<(&'static Migration, String)>, Error> {
        let Some(taken) = takeover::read(db, self.migrations, predecessor)? else {
            return Ok(Vec::new());
        };
        self.refuse(taken.drift)?;
        Ok(taken
            .applied
            .into_iter()
            .map(|(m, differs)| {
                let checksum = match differs {
                    Some(theirs) => format!("{}:{theirs}", predecessor.name()),
                    None => m.checksum().to_owned(),
                };
                (m, checksum)
            })
            .collect())
    }

    /// The tool whose history the next run takes over, if it does: the set's
    /// [`Predecessor`], when this migrator's history table does not exist yet and the tool's
    /// does (PostgreSQL: on the search path; SQLite: in the main database).
    pub fn takes_over<B: Backend>(&self, db: &mut B) -> Result<Option<Predecessor>, Error> {
        self.takes_over_dyn(db)
    }

    fn takes_over_dyn(&self, db: &mut dyn Driver) -> Result<Option<Predecessor>, Error> {
        self.waiting(db, |db| match self.to_take_over(db)? {
            Some(predecessor) if takeover::exists(db, predecessor)? => Ok(Some(predecessor)),
            _ => Ok(None),
        })
    }

    fn check_drift(&self, history: &History) -> Result<(), Error> {
        self.refuse(history.drift())
    }

    /// An error for the drift the migrator was not told to allow, if there is any.
    fn refuse(&self, drift: Vec<Drift>) -> Result<(), Error> {
        let drift: Vec<Drift> = drift
            .into_iter()
            .filter(|d| match d {
                Drift::Modified { .. } | Drift::PredecessorModified { .. } => !self.allow_modified,
                Drift::Missing { .. } | Drift::PredecessorMissing { .. } => !self.allow_missing,
                Drift::OutOfOrder { .. } => !self.allow_out_of_order,
            })
            .collect();
        if drift.is_empty() {
            Ok(())
        } else {
            Err(Error::Drift(drift))
        }
    }

    /// Refuses a plan before running any of it: a revert without a down script, or a grouped run
    /// with a no-transaction migration.
    fn check_steps(&self, steps: &[Step]) -> Result<(), Error> {
        for step in steps {
            let m = step.migration;
            if step.direction == Direction::Down && m.down().is_none() {
                return Err(Error::Irreversible {
                    version: m.version(),
                    name: m.name(),
                    reason: m.irreversible(),
                });
            }
            if self.grouped && !step.script().runs_in_transaction() {
                return Err(Error::GroupedNoTransaction {
                    version: m.version(),
                    name: m.name(),
                    path: step.script().path(),
                });
            }
        }
        Ok(())
    }
}

/// Foreign key enforcement, as the migrator leaves it: turned off for the migrations that ask,
/// and restored to what it was.
#[derive(Default)]
struct ForeignKeys {
    /// `Some(was_on)` while turned off.
    turned_off: Option<bool>,
}

impl ForeignKeys {
    fn off(&self) -> bool {
        self.turned_off.is_some()
    }

    fn turn_off(&mut self, db: &mut dyn Driver) -> Result<(), Error> {
        if self.turned_off.is_none() {
            let was_on = db
                .foreign_keys_off()
                .map_err(Error::database("turn foreign keys off"))?;
            self.turned_off = Some(was_on);
        }
        Ok(())
    }

    fn restore(&mut self, db: &mut dyn Driver) -> Result<(), Error> {
        if self.turned_off.take() == Some(true) {
            db.foreign_keys_on()
                .map_err(Error::database("turn foreign keys back on"))?;
        }
        Ok(())
    }
}

enum Guard {
    Proceed,
    Done,
    Busy(Error),
}

/// How [`Migrator::step_at_once`] went.
enum AtOnce {
    /// Applied and recorded, in this long.
    Done(Duration),
    /// Announced to the observer, and not done (rolled back if it was sent): the long way runs
    /// the step without announcing it again.
    Announced,
    /// Not tried: the long way runs the step.
    NotTried,
}

/// One migration to run, one way.
struct Step {
    migration: &'static Migration,
    direction: Direction,
}

impl Step {
    /// The error of a statement of this step that failed at `line`:`column`.
    fn error(&self, line: u32, column: u32, source: DbError) -> Error {
        Error::Statement {
            version: self.migration.version(),
            name: self.migration.name(),
            direction: self.direction,
            path: self.script().path(),
            line,
            column,
            source,
        }
    }

    /// The script from its first statement to the end of its last, and where that starts in the
    /// file; `None` if it has no statements.
    fn body(&self) -> Option<(usize, &'static str)> {
        let script = self.script();
        let mut statements = script.statements();
        let first = statements.next()?;
        let last = statements.last().unwrap_or(first);
        let body = script.sql().get(first.start..last.start + last.sql.len())?;
        Some((first.start, body))
    }

    fn script(&self) -> &'static Script {
        match self.direction {
            Direction::Up => self.migration.up(),
            // `check_steps` refuses reverts without a down script before anything runs.
            Direction::Down => self.migration.down().unwrap_or(self.migration.up()),
        }
    }
}

impl Report {
    fn push(&mut self, step: &Step, duration: Duration) {
        let applied = Applied {
            version: step.migration.version(),
            name: step.migration.name(),
            duration,
        };
        match step.direction {
            Direction::Up => self.applied.push(applied),
            Direction::Down => self.reverted.push(applied),
        }
    }
}

/// The history table read against the migrations in the binary.
struct History {
    migrations: &'static Migrations,
    rows: BTreeMap<i64, Row>,
}

impl History {
    fn new(migrations: &'static Migrations, rows: Vec<Row>) -> History {
        History {
            migrations,
            rows: rows.into_iter().map(|r| (r.version, r)).collect(),
        }
    }

    fn newest_applied(&self) -> Option<i64> {
        self.rows.keys().next_back().copied()
    }

    fn incomplete(&self) -> Option<&Row> {
        self.rows.values().find(|r| r.state != RowState::Applied)
    }

    /// What `status` reports as modified, missing or out of order, with the details an error
    /// needs. Only asked once no row is incomplete.
    fn drift(&self) -> Vec<Drift> {
        let newest_applied = self.newest_applied().unwrap_or(0);
        self.status()
            .into_iter()
            .filter_map(|s| match (s.state, s.migration) {
                (State::Modified, Some(m)) => Some(Drift::Modified {
                    version: s.version,
                    name: m.name(),
                    path: m.up().path(),
                    recorded: self.rows[&s.version].checksum.clone(),
                    current: m.checksum(),
                }),
                (State::Missing, _) => Some(Drift::Missing {
                    version: s.version,
                    name: s.name,
                }),
                (State::OutOfOrder, Some(m)) => Some(Drift::OutOfOrder {
                    version: s.version,
                    name: m.name(),
                    path: m.up().path(),
                    newest_applied,
                }),
                _ => None,
            })
            .collect()
    }

    fn pending(&self, up_to: i64) -> Vec<Step> {
        self.migrations
            .iter()
            .filter(|m| m.version() <= up_to && !self.rows.contains_key(&m.version()))
            .map(|migration| Step {
                migration,
                direction: Direction::Up,
            })
            .collect()
    }

    /// Applied migrations newer than `target`, newest first. A missing one among them cannot be
    /// reverted: there is no down script to run.
    fn to_revert(&self, target: i64) -> Result<Vec<Step>, Error> {
        let mut steps = Vec::new();
        for row in self.rows.values().rev().take_while(|r| r.version > target) {
            let Some(migration) = self.migrations.get(row.version) else {
                return Err(Error::Drift(vec![Drift::Missing {
                    version: row.version,
                    name: row.name.clone(),
                }]));
            };
            steps.push(Step {
                migration,
                direction: Direction::Down,
            });
        }
        Ok(steps)
    }

    fn status(&self) -> Vec<MigrationStatus> {
        let newest = self.newest_applied();
        let mut out: Vec<MigrationStatus> = self
            .migrations
            .iter()
            .filter(|m| !self.rows.contains_key(&m.version()))
            .map(|m| MigrationStatus {
                version: m.version(),
                name: m.name().to_owned(),
                state: if newest.is_some_and(|n| n > m.version()) {
                    State::OutOfOrder
                } else {
                    State::Pending
                },
                applied_at: None,
                duration: None,
                error: None,
                migration: Some(m),
            })
            .collect();
        for row in self.rows.values() {
            let migration = self.migrations.get(row.version);
            let state = match (row.state, migration) {
                (RowState::Applying | RowState::ApplyFailed, _) => State::Incomplete(Direction::Up),
                (RowState::Reverting | RowState::RevertFailed, _) => {
                    State::Incomplete(Direction::Down)
                }
                (RowState::Applied, None) => State::Missing,
                (RowState::Applied, Some(m)) if m.checksum() != row.checksum => State::Modified,
                (RowState::Applied, Some(_)) => State::Applied,
            };
            out.push(MigrationStatus {
                version: row.version,
                name: migration.map_or_else(|| row.name.clone(), |m| m.name().to_owned()),
                state,
                // Empty for a row not recorded yet (what the first run will take over).
                applied_at: Some(row.applied_at.clone()).filter(|at| !at.is_empty()),
                duration: row
                    .duration_ms
                    .and_then(|ms| u64::try_from(ms).ok())
                    .map(Duration::from_millis),
                error: row.error.clone(),
                migration,
            });
        }
        out.sort_by_key(|s| s.version);
        out
    }
}

/// The history row of a migration recorded as applied without running it (a baseline, or
/// another tool's history taken over).
fn applied_row(m: &'static Migration) -> NewRow<'static> {
    NewRow {
        version: m.version(),
        name: m.name(),
        checksum: m.checksum(),
        state: RowState::Applied,
        duration_ms: None,
    }
}

/// Whether a row may belong to a migrator still at work (rather than to one that failed).
fn in_progress(row: &Row) -> bool {
    matches!(row.state, RowState::Applying | RowState::Reverting)
}

fn incomplete(row: &Row) -> Error {
    Error::Incomplete {
        version: row.version,
        name: row.name.clone(),
        direction: match row.state {
            RowState::Reverting | RowState::RevertFailed => Direction::Down,
            _ => Direction::Up,
        },
        error: row.error.clone(),
    }
}

/// Acquires something, runs `f`, and releases it whatever `f` returned; `f`'s error wins.
fn scoped<G, T>(
    db: &mut dyn Driver,
    acquire: impl FnOnce(&mut dyn Driver) -> Result<G, Error>,
    f: impl FnOnce(&mut dyn Driver) -> Result<T, Error>,
    release: impl FnOnce(&mut dyn Driver, G) -> Result<(), Error>,
) -> Result<T, Error> {
    let guard = acquire(db)?;
    let result = f(db);
    let released = release(db, guard);
    let value = result?;
    released?;
    Ok(value)
}

/// Runs `f` in a transaction, committing on success and rolling back on error.
fn transaction<T>(
    db: &mut dyn Driver,
    f: impl FnOnce(&mut dyn Driver) -> Result<T, Error>,
) -> Result<T, Error> {
    db.begin().map_err(Error::database("begin a transaction"))?;
    match f(db) {
        Ok(value) => {
            db.commit().map_err(Error::database("commit"))?;
            Ok(value)
        }
        Err(error) => Err(rollback(db, error)),
    }
}

/// Rolls back after `error`, which is what the caller needs to hear about; a failed rollback
/// (the connection is likely gone) adds nothing to it.
fn rollback(db: &mut dyn Driver, error: Error) -> Error {
    let _ = db.rollback();
    error
}

/// The error for a failure to take the lock or begin a transaction: a timeout if the database
/// was busy, else the failure itself.
fn lock_error(db: &mut dyn Driver, table: &Table, source: DbError, started: Instant) -> Error {
    if db.is_busy(&source) {
        Error::LockTimeout {
            waited: started.elapsed(),
            holder: db.lock_holder(table),
        }
    } else {
        Error::Database {
            action: "take the migration lock",
            source,
        }
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_validated() {
        static SET: Migrations = Migrations::__new("_migrate_history", &[]);
        assert!(Migrator::new(&SET).table("app_history").is_ok());
        for bad in ["", "1x", "a;drop table b", "a\"b", &"x".repeat(64)] {
            assert!(
                matches!(
                    Migrator::new(&SET).table(bad),
                    Err(Error::InvalidName { .. })
                ),
                "{bad}"
            );
        }
    }
}
