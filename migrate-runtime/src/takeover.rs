//! Taking over another tool's history: a set read in another tool's layout records, on its first
//! run, what that tool's history table says is applied, without running it again.
//!
//! Each tool's table is read as it writes it, and its versions matched with the versions as that
//! tool reads them from the file names, which the build script embeds where they differ from the
//! version number ([`Migration::recorded_version`]). Where the tool keeps a checksum, the build
//! script computed the tool's checksum of each file too, and a file changed since the tool ran it
//! is drift, as it is in our own history.

use std::collections::HashMap;

use crate::backend::driver::Driver;
use crate::error::{Drift, Error};
use crate::migration::{Migration, Migrations};

/// The tool whose layout a migration set is read in, and whose history table the set's first run
/// takes over.
///
/// Set by the `layout` of `[package.metadata.migrate]`. On a database where the migrator's own
/// history table does not exist yet and this tool's does, the first run records every migration
/// the tool applied as applied, in the same transaction that creates the history table, and
/// applies only the rest. The tool's table is read, never written: switching back stays possible.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Predecessor {
    /// diesel: `__diesel_schema_migrations` (versions as text, no checksums).
    Diesel,
    /// sqlx: `_sqlx_migrations` (SHA-384 checksums of the up files; failed rows refused).
    Sqlx,
    /// refinery: `refinery_schema_history` (SipHash checksums of name, version and SQL).
    Refinery,
    /// Flyway: `flyway_schema_history` (CRC-32 checksums of the lines; baselines, undos and
    /// deletions honoured, failed rows refused).
    Flyway,
    /// dbmate: `schema_migrations`, one row per applied version (as text).
    Dbmate,
    /// golang-migrate: `schema_migrations`, one row: the current version and whether it is
    /// dirty; every migration up to it is applied.
    GolangMigrate,
}

impl Predecessor {
    /// The tool's name, as `layout` spells it: `diesel`, `sqlx`, `refinery`, `flyway`, `dbmate`
    /// or `golang-migrate`.
    pub const fn name(self) -> &'static str {
        match self {
            Predecessor::Diesel => "diesel",
            Predecessor::Sqlx => "sqlx",
            Predecessor::Refinery => "refinery",
            Predecessor::Flyway => "flyway",
            Predecessor::Dbmate => "dbmate",
            Predecessor::GolangMigrate => "golang-migrate",
        }
    }

    /// The tool `layout` names (`diesel`, `sqlx`, `refinery`, `flyway`, `dbmate` or
    /// `golang-migrate`), if it is one.
    ///
    /// ```
    /// use migrate_runtime::Predecessor;
    ///
    /// assert_eq!(Predecessor::from_name("golang-migrate"), Some(Predecessor::GolangMigrate));
    /// assert_eq!(Predecessor::from_name("native"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Predecessor> {
        [
            Predecessor::Diesel,
            Predecessor::Sqlx,
            Predecessor::Refinery,
            Predecessor::Flyway,
            Predecessor::Dbmate,
            Predecessor::GolangMigrate,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// The tool's history table (its default name, found on PostgreSQL's search path or in
    /// SQLite's main database).
    pub const fn table(self) -> &'static str {
        match self {
            Predecessor::Diesel => "__diesel_schema_migrations",
            Predecessor::Sqlx => "_sqlx_migrations",
            Predecessor::Refinery => "refinery_schema_history",
            Predecessor::Flyway => "flyway_schema_history",
            Predecessor::Dbmate | Predecessor::GolangMigrate => "schema_migrations",
        }
    }

    /// The query that reads the tool's table: four columns, each as text (the version, the
    /// checksum, the kind of row, and `1` for a failed row), in the order the tool applied them.
    fn query(self, postgres: bool) -> String {
        let table = self.table();
        match self {
            Predecessor::Diesel => {
                format!("SELECT version, NULL, NULL, 0 FROM {table} ORDER BY version")
            }
            Predecessor::Sqlx => {
                // sqlx's checksum is `BYTEA` on PostgreSQL, a `BLOB` on SQLite.
                let checksum = if postgres {
                    "encode(checksum, 'hex')"
                } else {
                    "lower(hex(checksum))"
                };
                format!(
                    "SELECT CAST(version AS TEXT), {checksum}, NULL, \
                     CASE WHEN success THEN 0 ELSE 1 END FROM {table} ORDER BY version"
                )
            }
            Predecessor::Refinery => format!(
                "SELECT CAST(version AS TEXT), checksum, NULL, 0 FROM {table} ORDER BY version"
            ),
            Predecessor::Flyway => format!(
                "SELECT version, CAST(checksum AS TEXT), type, \
                 CASE WHEN success THEN 0 ELSE 1 END FROM {table} ORDER BY installed_rank"
            ),
            Predecessor::Dbmate => {
                format!("SELECT CAST(version AS TEXT), NULL, NULL, 0 FROM {table} ORDER BY version")
            }
            Predecessor::GolangMigrate => format!(
                "SELECT CAST(version AS TEXT), NULL, NULL, CASE WHEN dirty THEN 1 ELSE 0 END \
                 FROM {table}"
            ),
        }
    }

    /// The version as this tool records it: Flyway's versions compared as Flyway compares them.
    fn key(self, recorded: &str) -> String {
        match self {
            Predecessor::Flyway => migrate_core::naming::flyway_version(recorded)
                .unwrap_or_else(|| recorded.to_owned()),
            _ => recorded.to_owned(),
        }
    }
}

/// A row of the tool's table.
struct Recorded {
    version: Option<String>,
    checksum: Option<String>,
    kind: Option<String>,
    failed: bool,
}

/// What the predecessor's table says.
pub(crate) struct Taken {
    /// The migrations it records as applied, in version order, each with the tool's checksum
    /// where that differs from the tool's checksum of the file (drift, unless allowed).
    pub applied: Vec<(&'static Migration, Option<String>)>,
    /// A recorded version that is not a migration of the set, a checksum that differs.
    pub drift: Vec<Drift>,
}

/// Whether the predecessor's table is there (PostgreSQL: on the search path; SQLite: in the
/// main database).
pub(crate) fn exists(db: &mut dyn Driver, predecessor: Predecessor) -> Result<bool, Error> {
    db.table_visible(predecessor.table())
        .map_err(Error::database(
            "look for the history table of the tool taken over",
        ))
}

/// What the predecessor's table says is applied; `None` when the table does not exist. A
/// failed (dirty) row is refused.
pub(crate) fn read(
    db: &mut dyn Driver,
    migrations: &'static Migrations,
    predecessor: Predecessor,
) -> Result<Option<Taken>, Error> {
    if !exists(db, predecessor)? {
        return Ok(None);
    }
    let table = predecessor.table();
    let rows = db
        .text_rows(&predecessor.query(db.is_postgres()))
        .map_err(Error::database(
            "read the history table of the tool taken over (is it that tool's?)",
        ))?;
    let rows = rows.into_iter().map(|mut columns| {
        columns.resize(4, None);
        let mut columns = columns.into_iter();
        let mut next = || columns.next().flatten();
        Recorded {
            version: next(),
            checksum: next(),
            kind: next(),
            failed: next().is_some_and(|f| f != "0"),
        }
    });

    let by_key: HashMap<String, &'static Migration> =
        migrations.iter().map(|m| (key_of(m), m)).collect();
    // Applied versions in the tool's order: the key, the migration (`None`: not in the set), and
    // the version and checksum as recorded.
    let mut recorded: Vec<(String, Option<&'static Migration>, String, Option<String>)> =
        Vec::new();
    let mut baseline: Option<String> = None;
    // golang-migrate's one row: the current version.
    let mut current: Option<i64> = None;
    for row in rows {
        if row.failed {
            return Err(Error::PredecessorIncomplete {
                tool: predecessor.name(),
                table,
                version: row.version.unwrap_or_else(|| "(repeatable)".to_owned()),
            });
        }
        let Some(version) = row.version else {
            // Flyway's repeatable migrations have no version; this layout refuses their files.
            continue;
        };
        if predecessor == Predecessor::GolangMigrate {
            current = version.parse().ok();
        }
        let key = predecessor.key(&version);
        match row.kind.as_deref() {
            Some("SCHEMA") => continue,
            // `BASELINE`, and `SQL_BASELINE` from a `B__` file.
            Some(kind) if kind.ends_with("BASELINE") => {
                baseline = Some(key);
                continue;
            }
            // Undone, or marked deleted by `flyway repair`.
            Some(kind) if kind == "DELETE" || kind.starts_with("UNDO") => {
                recorded.retain(|(other, ..)| *other != key);
                continue;
            }
            _ => {}
        }
        recorded.retain(|(other, ..)| *other != key);
        let m = by_key.get(&key).copied();
        recorded.push((key, m, version, row.checksum));
    }

    let mut drift = Vec::new();
    let mut applied = Vec::new();
    for (_, m, version, checksum) in recorded {
        let Some(m) = m else {
            drift.push(Drift::PredecessorMissing {
                tool: predecessor.name(),
                table,
                version,
            });
            continue;
        };
        let differs = match (&checksum, m.recorded_checksum()) {
            (Some(recorded), Some(current)) => !current.split(' ').any(|c| c == recorded),
            _ => false,
        };
        if differs {
            let recorded = checksum.clone().unwrap_or_default();
            drift.push(Drift::PredecessorModified {
                tool: predecessor.name(),
                table,
                version: m.version(),
                name: m.name(),
                path: m.up().path(),
                recorded,
                current: m.recorded_checksum().unwrap_or_default(),
            });
        }
        applied.push((m, checksum.filter(|_| differs)));
    }
    match predecessor {
        // One row: the current version, and everything before it.
        Predecessor::GolangMigrate => {
            if let Some(current) = current {
                for m in migrations.iter().take_while(|m| m.version() < current) {
                    applied.push((m, None));
                }
            }
        }
        // Flyway's baseline: every version up to it counts as applied.
        Predecessor::Flyway => {
            if let Some(baseline) = baseline.as_deref().and_then(flyway_parts) {
                for m in migrations.iter() {
                    if flyway_parts(&key_of(m)).is_some_and(|v| v <= baseline) {
                        applied.push((m, None));
                    }
                }
            }
        }
        _ => {}
    }
    applied.sort_by_key(|(m, _)| m.version());
    applied.dedup_by_key(|(m, _)| m.version());
    Ok(Some(Taken { applied, drift }))
}

/// A migration's version as its tool records it.
fn key_of(m: &Migration) -> String {
    m.recorded_version()
        .map_or_else(|| m.version().to_string(), str::to_owned)
}

/// A canonical Flyway version's numbers, comparable as Flyway compares them (more digits is
/// larger, then digit by digit).
fn flyway_parts(canonical: &str) -> Option<Vec<(usize, &str)>> {
    canonical
        .split('.')
        .map(|p| {
            p.bytes()
                .all(|b| b.is_ascii_digit())
                .then_some((p.len(), p))
        })
        .collect()
}
