//! `migrate`: create, check, inspect, apply and revert SQL migrations, with the same compiler and
//! runtime as `cargo build` and `migrations!()`, so the two always agree.

/// Runs `$body` with `$conn` bound to the open connection, whichever backend it is.
macro_rules! with_db {
    ($db:expr, $conn:ident => $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite { conn: $conn, .. } => $body,
            $crate::db::Db::Postgres($conn) => $body,
        }
    };
}

mod db;
mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand, ValueEnum};
use migrate_build::layout::{self, Layout};
use migrate_build::{Checked, Config, Dialect};
use migrate_cli::DatabaseUrl;
use migrate_core::naming::normalize_name;
use migrate_runtime::{Error, Migration, Migrations, Migrator, Resolution, RunError, State};

use crate::db::{Db, Open};
use crate::output::{Out, human};

/// Create, check, inspect, apply and revert SQL migrations.
///
/// Inside a Cargo package, reads `[package.metadata.migrate]` from its Cargo.toml, as the build
/// does; the flags override it.
#[derive(Parser)]
#[command(name = "migrate", version, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    global: Global,
}

#[derive(Args)]
struct Global {
    /// The database: `sqlite:path`, `sqlite://path` or `postgres://user:password@host/database`
    #[arg(long, global = true, env = "DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// The Cargo.toml of the package (default: the nearest one above the current directory)
    #[arg(long, global = true, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// The migrations directory, relative to the package (default: `directory` from Cargo.toml,
    /// else `migrations`)
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<String>,
    /// How the directory is laid out: native, diesel, sqlx, golang-migrate, flyway, refinery or
    /// dbmate (default: `layout` from Cargo.toml, else native)
    #[arg(long, global = true, value_name = "LAYOUT")]
    layout: Option<String>,
    /// The dialects the migrations are checked as (default: `dialect` from Cargo.toml, else sqlite)
    #[arg(long, global = true, value_delimiter = ',', value_name = "DIALECT")]
    dialect: Vec<String>,
    /// The history table (default: `table` from Cargo.toml, else `_migrate_history`)
    #[arg(long, global = true, value_name = "NAME")]
    table: Option<String>,
    /// The schema of the history table (PostgreSQL; on SQLite, an attached database), as the
    /// app's `Migrator::schema`
    #[arg(long, global = true, value_name = "NAME")]
    schema: Option<String>,
    /// The PostgreSQL advisory lock key, when the app sets one with `Migrator::lock_key`
    #[arg(long, global = true, value_name = "KEY")]
    lock_key: Option<i64>,
    /// How long to wait for another migrator's lock, e.g. `30s`, `5m`
    #[arg(long, global = true, value_name = "DURATION", default_value = "5m", value_parser = humantime::parse_duration)]
    lock_timeout: Duration,
    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Print more: warnings, each migration as it starts
    #[arg(short, long, global = true)]
    verbose: bool,
    /// When to use colours
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto")]
    color: ColorWhen,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
enum Command {
    /// Create the next migration: `<timestamp>_<name>.up.sql` and `.down.sql`
    New {
        /// What the migration does, in words: `add users table` becomes `add_users_table`
        #[arg(required = true, num_args = 1..)]
        name: Vec<String>,
        /// Create one up-only file, `<timestamp>_<name>.sql`, with no down
        #[arg(long)]
        up_only: bool,
        /// Create an up-only file marked `-- migrate:irreversible <REASON>`
        #[arg(long, value_name = "REASON")]
        irreversible: Option<String>,
    },
    /// Check the migrations as `cargo build` does, without compiling anything
    Check {
        /// `human`, or `json` for tools and CI annotations
        #[arg(long, default_value = "human")]
        format: Format,
    },
    /// Show each migration's state on the database
    Status {
        /// `human`, or `json` for scripts
        #[arg(long, default_value = "human")]
        format: Format,
    },
    /// Apply pending migrations
    Up {
        /// Apply up to and including this version
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// Apply them all in one transaction: all or none
        #[arg(long)]
        grouped: bool,
        #[command(flatten)]
        run: RunFlags,
        /// Apply even though the database has tables and no history (see `migrate baseline`)
        #[arg(long)]
        allow_existing_tables: bool,
    },
    /// Revert applied migrations, newest first (by default the newest one)
    Down {
        /// Revert the migrations newer than this version, which stays applied
        #[arg(long, value_name = "VERSION", conflicts_with_all = ["steps", "all"])]
        to: Option<i64>,
        /// Revert this many migrations
        #[arg(long, value_name = "N", conflicts_with = "all")]
        steps: Option<usize>,
        /// Revert every applied migration
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        run: RunFlags,
    },
    /// Revert the newest applied migration and apply it again
    Redo {
        #[command(flatten)]
        run: RunFlags,
    },
    /// Settle a no-transaction migration that failed part-way, once the database is in order
    Resolve {
        /// The migration's version
        version: i64,
        /// `applied` if its changes are now all in place, `not-applied` if they are all undone
        resolution: Resolution,
    },
    /// Print the SQL that `up` or `down` would run, in order, touching nothing
    Plan {
        /// `up` (the default) or `down`
        #[arg(default_value = "up")]
        direction: PlanDirection,
        /// As `up --to` or `down --to`
        #[arg(long, value_name = "VERSION")]
        to: Option<i64>,
        /// As `down --steps`
        #[arg(long, value_name = "N", conflicts_with = "to")]
        steps: Option<usize>,
    },
    /// Record an existing database as being at VERSION, without running anything
    Baseline {
        /// The newest migration the database already has
        version: i64,
    },
}

#[derive(Args)]
struct RunFlags {
    /// SQLite: copy the database file (`VACUUM INTO`) before changing anything
    #[arg(long)]
    backup: bool,
    /// Proceed even though applied migrations were edited since
    #[arg(long)]
    allow_modified: bool,
    /// Proceed even though applied migrations are missing from the directory
    #[arg(long)]
    allow_missing: bool,
    /// Apply pending migrations older than applied ones
    #[arg(long)]
    allow_out_of_order: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PlanDirection {
    Up,
    Down,
}

/// What went wrong, and what to do about it.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    hint: Option<String>,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }
}

type Result<T, E = Failure> = std::result::Result<T, E>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let choice = match cli.global.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let out = Out::new(cli.global.quiet, cli.global.verbose);
    // A password in the URL is never printed: the URL is only shown through `DatabaseUrl`'s
    // `Display`, and what a driver says about it through `DatabaseUrl::redact`.
    let url = cli.global.database_url.as_deref().map(DatabaseUrl::parse);
    match run(&cli, &out, url) {
        Ok(code) => code,
        Err(failure) => {
            out.error(&failure.message, failure.hint.as_deref());
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli, out: &Out, url: Option<Result<DatabaseUrl, String>>) -> Result<ExitCode> {
    let global = &cli.global;
    let project = Project::find(global)?;
    let url = || -> Result<DatabaseUrl> {
        match &url {
            Some(Ok(url)) => Ok(url.clone()),
            Some(Err(error)) => Err(Failure::new(error.clone())),
            None => Err(Failure::new("no database given")
                .hint("pass --database-url, or set DATABASE_URL (`sqlite:app.db`, `postgres://user@host/db`)")),
        }
    };
    match &cli.command {
        Command::New {
            name,
            up_only,
            irreversible,
        } => new(&project, out, name, *up_only, irreversible.as_deref()),
        Command::Check { format } => check(&project, out, *format),
        Command::Status { format } => {
            let (_, status) = project.status(out, global, &url()?, true)?;
            match format {
                Format::Human => out.status_table(&status),
                Format::Json => out.status_json(&status),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Up {
            to,
            grouped,
            run,
            allow_existing_tables,
        } => {
            let (url, migrations) = (url()?, project.migrations(out)?);
            let target = target(migrations, *to)?;
            let migrator = project.migrator(migrations, global)?.grouped(*grouped);
            let migrator = allow(migrator, run);
            let mut db = project.open(&url, Open::Create)?;
            // Tables another tool's migrations made are fine when its history is taken over.
            let takes_over =
                with_db!(&mut db, conn => migrator.takes_over(conn)).map_err(runtime_failure)?;
            if !allow_existing_tables && takes_over.is_none() {
                db.refuse_unmanaged_tables(global.schema.as_deref(), migrations.table())?;
            }
            backup(&mut db, run.backup, out)?;
            let migrator = out.observe(migrator, *grouped);
            let started = Instant::now();
            let report = with_db!(&mut db, conn => match target {
                Some(target) => migrator.migrate_to(conn, target),
                None => migrator.migrate(conn),
            })
            .map_err(run_failure(migrations))?;
            out.finish();
            if *grouped {
                // Said only now that they are committed.
                out.report(&report);
            }
            out.summary(&report, started.elapsed(), "nothing to apply");
            Ok(ExitCode::SUCCESS)
        }
        Command::Down {
            to,
            steps,
            all,
            run,
        } => {
            let (url, migrations) = (url()?, project.migrations(out)?);
            let target = target(migrations, *to)?;
            let migrator = allow(project.migrator(migrations, global)?, run);
            let mut db = project.open(&url, Open::Existing)?;
            backup(&mut db, run.backup, out)?;
            let migrator = out.observe(migrator, false);
            let started = Instant::now();
            let report = with_db!(&mut db, conn => match (target, steps, all) {
                (Some(target), _, _) => migrator.revert_to(conn, target),
                (None, _, true) => migrator.revert_all(conn),
                (None, steps, false) => migrator.revert_steps(conn, steps.unwrap_or(1)),
            })
            .map_err(run_failure(migrations))?;
            out.finish();
            out.summary(&report, started.elapsed(), "nothing to revert");
            Ok(ExitCode::SUCCESS)
        }
        Command::Redo { run } => {
            let (url, migrations) = (url()?, project.migrations(out)?);
            let migrator = allow(project.migrator(migrations, global)?, run);
            let mut db = project.open(&url, Open::Existing)?;
            let status =
                with_db!(&mut db, conn => migrator.status(conn)).map_err(runtime_failure)?;
            let newest = redoable(&status)?;
            backup(&mut db, run.backup, out)?;
            let migrator = out.observe(migrator, false);
            let started = Instant::now();
            let mut report = with_db!(&mut db, conn => migrator.revert_steps(conn, 1))
                .map_err(run_failure(migrations))?;
            // Exactly what was reverted comes back, whatever changed meanwhile.
            let reverted: Vec<i64> = report.reverted.iter().map(|a| a.version).collect();
            if reverted != [newest.version()] {
                return Err(Failure::new(format!(
                    "expected to revert {newest}, but the run reverted {reverted:?}: another \
                     migrator changed the database meanwhile"
                ))
                .hint("`migrate status` shows where it is now"));
            }
            let applied = with_db!(&mut db, conn => migrator.migrate_to(conn, newest)).map_err(
                |failure| {
                    let mut failure = run_failure(migrations)(failure);
                    failure.message += &format!(
                        "\nbefore that: reverted {newest}, which stays reverted; `migrate up` \
                         applies it again"
                    );
                    failure
                },
            )?;
            out.finish();
            report.applied = applied.applied;
            out.summary(&report, started.elapsed(), "nothing to redo");
            Ok(ExitCode::SUCCESS)
        }
        Command::Resolve {
            version,
            resolution,
        } => {
            // Only the history is read and written: a broken migration file does not stand in
            // the way of settling an incident.
            let url = url()?;
            let migrator = project.migrator(project.history_only(), global)?;
            let mut db = project.open(&url, Open::Existing)?;
            with_db!(&mut db, conn => migrator.resolve(conn, *version, *resolution)).map_err(
                |error| match error {
                    Error::UnknownMigration { version } => Failure::new(format!(
                        "migration {version} is not an incomplete migration: only a no-transaction \
                     migration that failed or was interrupted can be resolved"
                    ))
                    .hint("`migrate status` shows each migration's state"),
                    other => runtime_failure(other),
                },
            )?;
            out.line(&format!("recorded migration {version} as {resolution}"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan {
            direction,
            to,
            steps,
        } => {
            if *direction == PlanDirection::Up && steps.is_some() {
                return Err(Failure::new("--steps is for `migrate plan down`")
                    .hint("`migrate plan up --to VERSION` stops at a version"));
            }
            let (migrations, status) = project.status(out, global, &url()?, false)?;
            let target = target(migrations, *to)?.map(Migration::version);
            plan(out, &status, *direction, target, *steps)
        }
        Command::Baseline { version } => {
            let (url, migrations) = (url()?, project.migrations(out)?);
            let target = migration(migrations, *version)?;
            let migrator = project.migrator(migrations, global)?;
            let mut db = project.open(&url, Open::Existing)?;
            let recorded =
                with_db!(&mut db, conn => migrator.baseline(conn, target)).map_err(|error| {
                    match error {
                        Error::HistoryNotEmpty { .. } => runtime_failure(error).hint(
                            "`migrate status` shows what it records; `migrate up` applies the rest",
                        ),
                        other => runtime_failure(other),
                    }
                })?;
            out.line(&format!(
                "recorded {} migration{} as applied, up to {target}; nothing was run",
                recorded.len(),
                if recorded.len() == 1 { "" } else { "s" }
            ));
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The migration `redo` reverts and applies again: the newest applied one, when it is safe to
/// (it is unchanged, and nothing older waits to be applied, which its re-application would apply
/// too).
fn redoable(status: &[migrate_runtime::MigrationStatus]) -> Result<&'static Migration> {
    let Some(newest) = status.iter().rev().find(|s| s.applied_at.is_some()) else {
        return Err(Failure::new(
            "no migration is applied: there is nothing to redo",
        ));
    };
    let refuse = |why: &str| {
        Failure::new(format!(
            "cannot redo migration {} {}: {why}",
            newest.version, newest.name
        ))
        .hint("`migrate status` shows every migration's state")
    };
    match (newest.state, newest.migration) {
        (State::Applied, Some(migration)) => {
            if let Some(older) = status.iter().find(|s| s.state == State::OutOfOrder) {
                return Err(refuse(&format!(
                    "migration {} {} is pending below it, and would be applied with it",
                    older.version, older.name
                )));
            }
            Ok(migration)
        }
        (state, Some(_)) => Err(refuse(&format!("it is {state}"))),
        (_, None) => Err(refuse("it is not in the migrations directory")),
    }
}

fn allow(migrator: Migrator, run: &RunFlags) -> Migrator {
    migrator
        .allow_modified(run.allow_modified)
        .allow_missing(run.allow_missing)
        .allow_out_of_order(run.allow_out_of_order)
}

/// The migration of `version`, if one was given.
fn target(
    migrations: &'static Migrations,
    version: Option<i64>,
) -> Result<Option<&'static Migration>> {
    version.map(|v| migration(migrations, v)).transpose()
}

/// The migration of `version`.
fn migration(migrations: &'static Migrations, version: i64) -> Result<&'static Migration> {
    migrations.get(version).ok_or_else(|| {
        let newest = migrations.last().map_or_else(
            || "there are none".to_owned(),
            |m| format!("the newest is {m}"),
        );
        Failure::new(format!("no migration has version {version}"))
            .hint(format!("`migrate status` lists the versions; {newest}"))
    })
}

fn backup(db: &mut Db, wanted: bool, out: &Out) -> Result<()> {
    if wanted {
        let (from, to) = db.backup()?;
        out.line(&format!("backed up {} to {}", from.display(), to.display()));
    }
    Ok(())
}

/// The package (or directory) the command works on, and its configuration.
struct Project {
    manifest_dir: PathBuf,
    config: Config,
}

impl Project {
    fn find(global: &Global) -> Result<Project> {
        let manifest_dir = match &global.manifest_path {
            Some(path) => {
                if !path.is_file() {
                    return Err(Failure::new(format!("`{}` does not exist", path.display())));
                }
                let dir = path.parent().unwrap_or(Path::new("."));
                if dir.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    dir.to_path_buf()
                }
            }
            None => {
                let cwd = std::env::current_dir()
                    .map_err(|e| Failure::new(format!("cannot read the current directory: {e}")))?;
                cwd.ancestors()
                    .find(|dir| dir.join("Cargo.toml").is_file())
                    .unwrap_or(&cwd)
                    .to_path_buf()
            }
        };
        let dialects = global
            .dialect
            .iter()
            .map(|name| {
                Dialect::from_name(name).ok_or_else(|| {
                    Failure::new(format!("unknown dialect `{name}`"))
                        .hint("the dialects are `sqlite` and `postgres`")
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut config =
            migrate_build::package_config(&manifest_dir, global.dir.as_deref(), Some(&dialects))
                .map_err(|diagnostics| {
                    let text: Vec<String> = diagnostics.iter().map(|d| d.render()).collect();
                    Failure::new(format!(
                        "invalid configuration in Cargo.toml:\n{}",
                        text.join("\n")
                    ))
                })?;
        if let Some(name) = &global.layout {
            config.layout = migrate_build::Layout::parse(name).ok_or_else(|| {
                let known: Vec<&str> = migrate_build::Layout::ALL
                    .iter()
                    .map(|l| l.as_str())
                    .collect();
                Failure::new(format!("unknown layout `{name}`"))
                    .hint(format!("the layouts are {}", known.join(", ")))
            })?;
        }
        if let Some(table) = &global.table {
            migrate_core::check_identifier(table).map_err(|reason| {
                Failure::new(format!("invalid history table name `{table}`: {reason}"))
            })?;
            config.table = table.clone();
        }
        Ok(Project {
            manifest_dir,
            config,
        })
    }

    fn check(&self) -> Checked {
        migrate_build::check_directory(&self.manifest_dir, &self.config)
    }

    /// The migrations, checked as `cargo build` checks them; refused if any is broken.
    fn migrations(&self, out: &Out) -> Result<&'static Migrations> {
        let checked = self.check();
        if out.verbose {
            for warning in checked.warnings() {
                out.diagnostic(warning);
            }
        }
        let errors: Vec<_> = checked.errors().collect();
        if !errors.is_empty() {
            for error in &errors {
                out.diagnostic(error);
            }
            return Err(Failure::new(format!(
                "{} in {}: nothing was run",
                plural(errors.len(), "migration error"),
                self.config.directory
            ))
            .hint("fix them first; `migrate check` shows them"));
        }
        migrate_cli::load(&checked).map_err(Failure::new)
    }

    /// The migrations whose files could be read, even if some are broken: enough to show
    /// states, never to run.
    fn listing(&self, out: &Out) -> &'static Migrations {
        let checked = self.check();
        let errors = checked.errors().count();
        if errors > 0 {
            out.note(&format!(
                "{} in {}: `migrate check` shows {}; states are shown for the files that could be read",
                plural(errors, "migration error"),
                self.config.directory,
                if errors == 1 { "it" } else { "them" }
            ));
        }
        migrate_cli::load_listing(&checked)
    }

    /// A set with no migrations, for what only reads and writes the history table.
    fn history_only(&self) -> &'static Migrations {
        migrate_cli::empty_set(&self.config.table)
    }

    /// A migrator as the app's: the history table, its schema and lock key, and the lock timeout.
    fn migrator(&self, migrations: &'static Migrations, global: &Global) -> Result<Migrator> {
        let mut migrator = Migrator::new(migrations).lock_timeout(global.lock_timeout);
        if let Some(schema) = &global.schema {
            migrator = migrator.schema(schema).map_err(runtime_failure)?;
        }
        if let Some(key) = global.lock_key {
            migrator = migrator.lock_key(key);
        }
        Ok(migrator)
    }

    /// The migrations and their state on the database, which is only read: a SQLite file that
    /// does not exist reads as empty. `lenient`: with broken migration files, the states of the
    /// others (for `status`); else refused (for `plan`, which prints their SQL).
    fn status(
        &self,
        out: &Out,
        global: &Global,
        url: &DatabaseUrl,
        lenient: bool,
    ) -> Result<(&'static Migrations, Vec<migrate_runtime::MigrationStatus>)> {
        let migrations = if lenient {
            self.listing(out)
        } else {
            self.migrations(out)?
        };
        let migrator = self.migrator(migrations, global)?;
        let mut db = self.open(url, Open::Inspect)?;
        db.note_if_new(out);
        let status = with_db!(&mut db, conn => migrator.status(conn)).map_err(runtime_failure)?;
        Ok((migrations, status))
    }

    /// Connects to the database, refusing one of a dialect the migrations are not checked as.
    fn open(&self, url: &DatabaseUrl, open: Open) -> Result<Db> {
        self.matches_database(url)?;
        Db::open(url, open)
    }

    /// Refuses to run migrations checked as one dialect on the other database.
    fn matches_database(&self, url: &DatabaseUrl) -> Result<()> {
        let (dialect, name) = match url {
            DatabaseUrl::Sqlite { .. } => (Dialect::Sqlite, "sqlite"),
            DatabaseUrl::Postgres { .. } => (Dialect::Postgres, "postgres"),
        };
        if self.config.dialects.contains(&dialect) {
            return Ok(());
        }
        let checked: Vec<&str> = self.config.dialects.iter().map(|d| d.name()).collect();
        Err(Failure::new(format!(
            "the database is {name}, but the migrations are checked as {} only",
            checked.join(", ")
        ))
        .hint(format!(
            "add \"{name}\" to `dialect` under `[package.metadata.migrate]`, or pass --dialect {name}"
        )))
    }
}

fn new(
    project: &Project,
    out: &Out,
    words: &[String],
    up_only: bool,
    irreversible: Option<&str>,
) -> Result<ExitCode> {
    // Written into SQL comments: one line, no control characters.
    let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let raw = one_line(&words.join(" "));
    let irreversible = irreversible.map(one_line);
    if irreversible.as_deref() == Some("") {
        return Err(Failure::new("--irreversible needs a reason")
            .hint("say what cannot be undone: --irreversible \"drops the legacy tokens\""));
    }
    let irreversible = irreversible.as_deref();
    let name = normalize_name(&raw);
    if name.is_empty() {
        return Err(Failure::new(format!(
            "`{raw}` has no letters or digits to name a migration with"
        )));
    }
    let up_only = up_only || irreversible.is_some();
    if up_only && irreversible.is_none() && project.config.require_down {
        return Err(Failure::new(
            "this project requires a down for every migration (`require-down = true` in Cargo.toml)",
        )
        .hint("leave out --up-only, or say why it cannot be undone with --irreversible <REASON>"));
    }
    let directory = project.manifest_dir.join(&project.config.directory);
    let shown = |file: &str| format!("{}/{file}", project.config.directory.trim_end_matches('/'));
    if !directory.is_dir() {
        std::fs::create_dir_all(&directory).map_err(|e| {
            Failure::new(format!("cannot create `{}`: {e}", project.config.directory))
        })?;
        out.line(&format!(
            "created {}/",
            project.config.directory.trim_end_matches('/')
        ));
    }
    let layout = project.config.layout;
    let version = next_version(&directory, layout)?;
    let (up, down) = layout::new_files(layout, &version, &name, up_only);
    let header = match irreversible {
        Some(reason) => format!("-- migrate:irreversible {}\n", reason.trim()),
        None => String::new(),
    };
    let mut files = vec![(up, format!("{header}-- {raw}\n"))];
    if layout == Layout::Dbmate {
        // One file, its sections marked.
        let down = if up_only {
            String::new()
        } else {
            format!("\n-- migrate:down\n-- Undo: {raw}\n")
        };
        files[0].1 = format!("-- migrate:up\n{}{down}", files[0].1);
    } else if let Some(down) = down {
        files.push((down, format!("-- Undo: {raw}\n")));
    }
    for (file, text) in &files {
        let path = directory.join(file);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::new(format!("cannot create `{}`: {e}", shown(file))))?;
        }
        let mut handle = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|e| Failure::new(format!("cannot create `{}`: {e}", shown(file))))?;
        std::io::Write::write_all(&mut handle, text.as_bytes())
            .map_err(|e| Failure::new(format!("cannot write `{}`: {e}", shown(file))))?;
        out.path(&shown(file));
    }
    if name != raw.split_whitespace().collect::<Vec<_>>().join("_") {
        out.note(&format!(
            "named `{name}`: migration names are lowercase words joined by `_`"
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// The next version in `directory`, laid out as `layout`: the current UTC time as
/// `YYYYMMDDHHMMSS`, or, where the existing migrations are numbered `1, 2, 3` (or `0001, 0002`),
/// the next number, as wide. Always newer than every existing migration.
fn next_version(directory: &Path, layout: Layout) -> Result<String> {
    let existing = layout::versions(directory, layout);
    let newest = existing.iter().map(|&(v, _)| v).max().unwrap_or(0);
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let timestamp: i64 = now
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .map_err(|_| Failure::new("cannot read the clock"))?;
    let next = newest.checked_add(1).ok_or_else(|| {
        Failure::new(format!(
            "the newest migration has version {newest}, the largest there is: no version comes after it"
        ))
    })?;
    // Numbered `1, 2, 3` (or `0001`): not a date or a time, whose smallest form has 8 digits.
    let sequential = !existing.is_empty() && newest < 1_000_000;
    if sequential {
        let width = existing
            .iter()
            .filter(|&&(v, _)| v == newest)
            .map(|&(_, w)| w)
            .max()
            .unwrap_or(1);
        return Ok(format!("{next:0width$}"));
    }
    Ok(timestamp.max(next).to_string())
}

fn check(project: &Project, out: &Out, format: Format) -> Result<ExitCode> {
    let started = Instant::now();
    let checked = project.check();
    let errors = checked.errors().count();
    let warnings = checked.warnings().count();
    match format {
        Format::Json => {
            let diagnostics: Vec<serde_json::Value> = checked
                .diagnostics
                .iter()
                .map(|d| {
                    let location = d.location.as_deref();
                    let (line, column) = location.and_then(|l| l.line_col()).unzip();
                    serde_json::json!({
                        "code": d.code.name(),
                        "severity": if d.is_error() { "error" } else { "warning" },
                        "message": d.message,
                        "file": location.map(|l| l.file.as_str()),
                        "line": line,
                        "column": column,
                        "notes": d.notes,
                        "help": d.help,
                        "rendered": d.render(),
                    })
                })
                .collect();
            let report = serde_json::json!({
                "directory": project.config.directory,
                "migrations": checked.migrations.len(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": diagnostics,
            });
            out.json(&report);
        }
        Format::Human => {
            for d in &checked.diagnostics {
                if d.is_error() || !out.quiet {
                    out.diagnostic(d);
                }
            }
            let verdict = format!(
                "checked {} in {} in {}: {}, {}",
                plural(checked.migrations.len(), "migration"),
                project.config.directory,
                human(started.elapsed()),
                plural(errors, "error"),
                plural(warnings, "warning"),
            );
            if errors == 0 {
                out.line(&verdict);
            } else {
                out.status_line(&verdict);
            }
        }
    }
    Ok(if errors > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn plan(
    out: &Out,
    status: &[migrate_runtime::MigrationStatus],
    direction: PlanDirection,
    target: Option<i64>,
    steps: Option<usize>,
) -> Result<ExitCode> {
    let mut problems = status.iter().filter(|s| {
        matches!(
            s.state,
            State::Modified | State::Missing | State::Incomplete(_) | State::OutOfOrder
        )
    });
    if let Some(problem) = problems.next() {
        return Err(Failure::new(format!(
            "migration {} {} is {}: `migrate {}` would refuse to run",
            problem.version,
            problem.name,
            problem.state,
            if direction == PlanDirection::Up {
                "up"
            } else {
                "down"
            }
        ))
        .hint("`migrate status` shows every migration's state"));
    }
    let newest_applied = status
        .iter()
        .rev()
        .find(|s| s.state == State::Applied)
        .map(|s| s.version);
    let steps: Vec<(&'static Migration, migrate_runtime::Direction)> = match direction {
        PlanDirection::Up => {
            if let (Some(target), Some(newest)) = (target, newest_applied)
                && target < newest
            {
                return Err(Failure::new(format!(
                    "version {target} is older than the newest applied migration, {newest}: `up` only applies"
                ))
                .hint(format!("`migrate plan down --to {target}` shows what reverting to it runs")));
            }
            status
                .iter()
                .filter(|s| s.state == State::Pending && target.is_none_or(|t| s.version <= t))
                .filter_map(|s| s.migration)
                .map(|m| (m, migrate_runtime::Direction::Up))
                .collect()
        }
        PlanDirection::Down => {
            let applied = status.iter().rev().filter(|s| s.state == State::Applied);
            let chosen: Vec<_> = match (target, steps) {
                (Some(target), _) => applied.take_while(|s| s.version > target).collect(),
                (None, steps) => applied.take(steps.unwrap_or(1)).collect(),
            };
            let mut list = Vec::new();
            for s in chosen {
                let Some(m) = s.migration else { continue };
                if m.down().is_none() {
                    let why = m.irreversible().map_or_else(
                        || "it has no down script".to_owned(),
                        |reason| format!("it is irreversible: {reason}"),
                    );
                    return Err(Failure::new(format!(
                        "migration {m} cannot be reverted: {why}"
                    )));
                }
                list.push((m, migrate_runtime::Direction::Down));
            }
            list
        }
    };
    out.plan(&steps);
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// A runtime error said for the command line: the library's message, with what to run instead
/// of which method to call.
fn runtime_failure(error: Error) -> Failure {
    match &error {
        Error::Drift(drift) => {
            let lines: Vec<String> = drift.iter().map(|d| format!("  - {d}")).collect();
            Failure::new(format!("the database does not match the migrations:\n{}", lines.join("\n")))
                .hint("restore the files as they were applied; to go on anyway, pass --allow-modified, --allow-missing or --allow-out-of-order")
        }
        Error::Incomplete {
            version,
            name,
            direction,
            error: failed,
        } => {
            let verb = if *direction == migrate_runtime::Direction::Up {
                "applying"
            } else {
                "reverting"
            };
            let why = failed.as_deref().map_or_else(
                || "it was interrupted, or is still running elsewhere".to_owned(),
                |e| format!("it failed: {e}"),
            );
            Failure::new(format!(
                "{verb} migration {version} {name} did not complete ({why}); it runs outside a \
                 transaction, so its changes may be partial"
            ))
            .hint(format!(
                "check the database and finish or undo its changes by hand, then run \
                 `migrate resolve {version} applied` or `migrate resolve {version} not-applied`"
            ))
        }
        Error::LockTimeout { .. } => Failure::new(error.to_string())
            .hint("another migrator is at work: wait for it to finish, or raise --lock-timeout"),
        Error::TargetBehind { target, .. } => Failure::new(error.to_string())
            .hint(format!("`migrate down --to {target}` reverts to it")),
        _ => Failure::new(error.to_string()),
    }
}

/// A failed run: the error, and what the run did before it, which stays done.
fn run_failure(migrations: &Migrations) -> impl Fn(RunError) -> Failure + '_ {
    move |RunError { error, done }| {
        let statement = match &error {
            Error::Statement {
                version, direction, ..
            } => migrations.get(*version).map(|m| {
                let script = match direction {
                    migrate_runtime::Direction::Up => Some(m.up()),
                    migrate_runtime::Direction::Down => m.down(),
                };
                (*version, script.is_some_and(|s| s.runs_in_transaction()))
            }),
            _ => None,
        };
        let mut failure = runtime_failure(error);
        failure = match statement {
            Some((_, true)) => failure.hint("it was rolled back: fix the migration and run again"),
            Some((version, false)) => failure.hint(format!(
                "it runs outside a transaction, so its changes may be partial: check the \
                 database and finish or undo them by hand, then run `migrate resolve {version} \
                 applied` or `migrate resolve {version} not-applied`"
            )),
            None => failure,
        };
        let finished: Vec<String> = done
            .taken_over
            .iter()
            .map(ToString::to_string)
            .chain(
                done.applied
                    .iter()
                    .map(|a| format!("applied {} {}", a.version, a.name)),
            )
            .chain(
                done.reverted
                    .iter()
                    .map(|a| format!("reverted {} {}", a.version, a.name)),
            )
            .collect();
        if !finished.is_empty() {
            failure.message += &format!("\nbefore that: {} (these stay done)", finished.join(", "));
        }
        failure
    }
}
