//! Running the database check of one dialect: its setup script, its engine (SQLite in memory,
//! PostgreSQL in a scratch database), or why there is none.

use std::fs;
use std::path::Path;

use crate::DEV_DATABASE_URL;
use crate::codes::Code;
use crate::config::Config;
#[cfg(not(feature = "postgres"))]
use crate::diagnostic::Severity;
use crate::diagnostic::{Diagnostic, Location};
use crate::dialect::Dialect;
use crate::engine::{Outcome, Step};

/// How the database check of one dialect went.
pub(crate) enum EngineRun {
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    Ran(Outcome),
    /// There is no engine for the dialect in this build: why.
    Off(String),
    /// It could not start: the problem, reported as is.
    Failed(Diagnostic),
}

/// The check setup script of a dialect, if one is configured.
pub(crate) fn read_setup(
    manifest_dir: &Path,
    config: &Config,
    dialect: Dialect,
) -> Result<Option<Setup>, Diagnostic> {
    config
        .check_setup
        .iter()
        .find(|(d, _)| *d == dialect)
        .map(|(_, path)| {
            fs::read_to_string(manifest_dir.join(path))
                .map(|sql| Setup {
                    path: path.clone(),
                    sql,
                })
                .map_err(|e| {
                    Diagnostic::new(
                        Code::Config,
                        format!("cannot read the check setup script `{path}`: {e}"),
                    )
                })
        })
        .transpose()
}

/// Runs the database check of one dialect, if there is an engine for it.
pub(crate) fn engine_check(
    config: &Config,
    dialect: Dialect,
    steps: &[Step<'_>],
    setup: Option<&Setup>,
    gap: Option<i64>,
    cache: Option<&Path>,
    resumed: &mut usize,
) -> EngineRun {
    match dialect {
        Dialect::Sqlite => sqlite_check(steps, setup, gap, cache, resumed),
        Dialect::Postgres => postgres_check(config, steps, setup, gap),
    }
}

/// A check setup script.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) struct Setup {
    pub path: String,
    pub sql: String,
}

impl Setup {
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    fn failed(&self, dialect: Dialect, message: &str) -> EngineRun {
        EngineRun::Failed(
            Diagnostic::new(
                Code::Config,
                format!(
                    "the check setup script `{}` fails on {dialect}: {message}",
                    self.path
                ),
            )
            .at(Location::file(&self.path)),
        )
    }
}

#[cfg(feature = "sqlite")]
fn sqlite_check(
    steps: &[Step<'_>],
    setup: Option<&Setup>,
    gap: Option<i64>,
    cache: Option<&Path>,
    resumed: &mut usize,
) -> EngineRun {
    let mut engine = match super::sqlite::Sqlite::open(steps) {
        Ok(engine) => engine,
        Err(message) => {
            return EngineRun::Failed(Diagnostic::new(
                Code::Unchecked,
                format!("the SQLite check could not start, so no migration was run: {message}"),
            ));
        }
    };
    if let Some(setup) = setup
        && let Err(message) = engine.setup(&setup.sql)
    {
        return setup.failed(Dialect::Sqlite, &message);
    }
    let mut cache = cache.map(|dir| {
        super::cache::Cache::new(
            dir,
            &[
                b"sqlite",
                rusqlite::version().as_bytes(),
                setup.map_or(&b""[..], |s| s.sql.as_bytes()),
            ],
        )
    });
    let outcome = super::replay(&mut engine, steps, gap, cache.as_mut());
    *resumed = cache.map_or(0, |c| c.resumed());
    EngineRun::Ran(outcome)
}

#[cfg(not(feature = "sqlite"))]
fn sqlite_check(
    _steps: &[Step<'_>],
    _setup: Option<&Setup>,
    _gap: Option<i64>,
    _cache: Option<&Path>,
    _resumed: &mut usize,
) -> EngineRun {
    EngineRun::Off(
        "the SQLite check is off: enable the `sqlite` feature of `migrate-build`".to_owned(),
    )
}

#[cfg(feature = "postgres")]
fn postgres_check(
    config: &Config,
    steps: &[Step<'_>],
    setup: Option<&Setup>,
    gap: Option<i64>,
) -> EngineRun {
    let Some(url) = &config.dev_database_url else {
        return EngineRun::Off(POSTGRES_OFF.to_owned());
    };
    let contained = super::postgres::must_contain(steps, setup.map(|s| s.sql.as_str()));
    let mut scratch = match super::postgres::Scratch::create(url, contained) {
        Ok(scratch) => scratch,
        Err(message) => {
            return EngineRun::Failed(
                Diagnostic::new(
                    Code::DevDatabase,
                    format!("the PostgreSQL check cannot use {DEV_DATABASE_URL}: {message}"),
                )
                .help(format!(
                    "fix it, or unset {DEV_DATABASE_URL} to build with the parser's checks only"
                )),
            );
        }
    };
    if let Some(setup) = setup
        && let Err(message) = scratch.engine().setup(&setup.sql)
    {
        return setup.failed(Dialect::Postgres, &message);
    }
    EngineRun::Ran(super::replay(scratch.engine(), steps, gap, None))
}

#[cfg(not(feature = "postgres"))]
fn postgres_check(
    config: &Config,
    _steps: &[Step<'_>],
    _setup: Option<&Setup>,
    _gap: Option<i64>,
) -> EngineRun {
    if config.dev_database_url.is_some() {
        let mut problem = Diagnostic::new(
            Code::DevDatabase,
            format!(
                "{DEV_DATABASE_URL} is set, but `migrate-build` was built without its `postgres` feature"
            ),
        )
        .help("enable the feature to check PostgreSQL migrations on that server");
        problem.severity = Severity::Warning;
        return EngineRun::Failed(problem);
    }
    EngineRun::Off(POSTGRES_OFF.to_owned())
}

const POSTGRES_OFF: &str = "the PostgreSQL check is off: set MIGRATE_DEV_DATABASE_URL to a server \
     where the build may create a scratch database (for example \
     `postgres://postgres@localhost/postgres`) to run the migrations there";
