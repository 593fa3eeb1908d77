//! Opening the database a URL names, and the few questions the CLI asks it beyond the runtime's.

use std::path::PathBuf;

use migrate_cli::DatabaseUrl;
use migrate_runtime::postgres::{self, Client, NoTls};
use migrate_runtime::rusqlite::{Connection, OpenFlags};

use crate::Failure;
use crate::output::Out;

/// An open connection.
pub(crate) enum Db {
    Sqlite {
        conn: Connection,
        path: PathBuf,
        /// The file does not exist: an empty in-memory database stands in for it.
        missing: bool,
    },
    Postgres(Client),
}

/// What a command does with a SQLite file.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Open {
    /// Creates it if it does not exist (`up`).
    Create,
    /// Refuses one that does not exist: there is nothing to revert, resolve or baseline.
    Existing,
    /// Opens it read-only, and reads a file that does not exist as an empty database, creating
    /// nothing (`status`, `plan`).
    Inspect,
}

impl Db {
    /// Connects.
    pub(crate) fn open(url: &DatabaseUrl, open: Open) -> Result<Db, Failure> {
        match url {
            DatabaseUrl::Sqlite { path, read_only } => {
                if *read_only && open != Open::Inspect {
                    return Err(Failure::new(format!(
                        "the database URL opens `{}` read-only (`mode=ro`), and this command writes",
                        path.display()
                    ))
                    .hint("leave out `?mode=ro`"));
                }
                let missing = !path.exists();
                if missing && open == Open::Inspect {
                    let conn = Connection::open_in_memory().map_err(|e| {
                        Failure::new(format!("cannot open an in-memory SQLite database: {e}"))
                    })?;
                    return Ok(Db::Sqlite {
                        conn,
                        path: path.clone(),
                        missing,
                    });
                }
                if missing && open == Open::Existing {
                    return Err(Failure::new(format!(
                        "the SQLite database `{}` does not exist",
                        path.display()
                    ))
                    .hint("check --database-url; `migrate up` creates it"));
                }
                let flags = OpenFlags::SQLITE_OPEN_NO_MUTEX
                    | match open {
                        Open::Inspect => OpenFlags::SQLITE_OPEN_READ_ONLY,
                        Open::Existing => OpenFlags::SQLITE_OPEN_READ_WRITE,
                        Open::Create => {
                            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE
                        }
                    };
                let conn = Connection::open_with_flags(path, flags).map_err(|e| {
                    Failure::new(format!(
                        "cannot open the SQLite database `{}`: {e}",
                        path.display()
                    ))
                    .hint("check the path in --database-url, and that its directory exists and is writable")
                })?;
                Ok(Db::Sqlite {
                    conn,
                    path: path.clone(),
                    missing: false,
                })
            }
            DatabaseUrl::Postgres { url: text, .. } => {
                let config: postgres::Config = text.parse().map_err(|e| {
                    Failure::new(url.redact(&format!("invalid PostgreSQL URL `{url}`: {e}"))).hint(
                        "write it as `postgres://user:password@host:port/database`, with `%40` \
                         for an `@` in the password",
                    )
                })?;
                config
                    .connect(NoTls)
                    .map(Db::Postgres)
                    .map_err(|e| connect_failure(url, &config, &e))
            }
        }
    }

    /// Says so when the SQLite file does not exist, and an empty database stands in for it.
    pub(crate) fn note_if_new(&self, out: &Out) {
        if let Db::Sqlite {
            path,
            missing: true,
            ..
        } = self
        {
            out.note(&format!(
                "the SQLite database `{}` does not exist yet: every migration is pending",
                path.display()
            ));
        }
    }

    /// Refuses a database that has tables but no history table: its schema came from somewhere
    /// else, and applying every migration to it would fail half-way or worse.
    pub(crate) fn refuse_unmanaged_tables(
        &mut self,
        schema: Option<&str>,
        table: &str,
    ) -> Result<(), Failure> {
        let tables = match self {
            Db::Sqlite { conn, .. } => {
                sqlite_unmanaged(conn, schema, table).map_err(|e| e.to_string())
            }
            Db::Postgres(client) => {
                postgres_unmanaged(client, schema, table).map_err(|e| pg_text(&e))
            }
        }
        .map_err(|e| Failure::new(format!("cannot list the database's tables: {e}")))?;
        if tables.is_empty() {
            return Ok(());
        }
        let mut shown: Vec<&str> = tables.iter().take(5).map(String::as_str).collect();
        if tables.len() > 5 {
            shown.push("…");
        }
        Err(Failure::new(format!(
            "the database has tables ({}) but no history table `{table}`, so every migration \
             would run on a schema that came from elsewhere",
            shown.join(", ")
        ))
        .hint(
            "if its schema is already that of some migration, record it with `migrate baseline \
             <VERSION>`; to apply every migration anyway, pass --allow-existing-tables",
        ))
    }

    /// A consistent copy of a SQLite database next to it (`VACUUM INTO`): the two paths.
    pub(crate) fn backup(&mut self) -> Result<(PathBuf, PathBuf), Failure> {
        let Db::Sqlite { conn, path, .. } = self else {
            return Err(Failure::new("--backup copies SQLite databases only")
                .hint("back a PostgreSQL database up with `pg_dump` before migrating"));
        };
        let stamp: String = humantime::format_rfc3339_seconds(std::time::SystemTime::now())
            .to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let file = path
            .file_name()
            .map_or_else(|| "database".into(), |f| f.to_string_lossy().into_owned());
        let mut target = path.with_file_name(format!("{file}.backup-{stamp}"));
        let mut n = 1;
        while target.exists() {
            target = path.with_file_name(format!("{file}.backup-{stamp}-{n}"));
            n += 1;
        }
        let quoted = target.to_string_lossy().replace('\'', "''");
        conn.execute_batch(&format!("VACUUM INTO '{quoted}'"))
            .map_err(|e| {
                Failure::new(format!(
                    "cannot back up `{}` to `{}`: {e}",
                    path.display(),
                    target.display()
                ))
            })?;
        Ok((path.clone(), target))
    }
}

/// The tables of a SQLite database when its history table does not exist. The names are checked
/// identifiers (the configuration and `Migrator::schema` check them), so quoting is enough.
fn sqlite_unmanaged(
    conn: &Connection,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<String>, migrate_runtime::rusqlite::Error> {
    let catalog = format!("\"{}\".sqlite_master", schema.unwrap_or("main"));
    let history = conn
        .prepare(&format!(
            "SELECT 1 FROM {catalog} WHERE type = 'table' AND name = ?1"
        ))?
        .exists([table])?;
    if history {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let names = statement.query_map([], |row| row.get(0))?;
    names.collect()
}

/// The same on PostgreSQL: the tables outside the system schemas.
fn postgres_unmanaged(
    client: &mut Client,
    schema: Option<&str>,
    table: &str,
) -> Result<Vec<String>, postgres::Error> {
    let quoted = match schema {
        Some(schema) => format!("\"{schema}\".\"{table}\""),
        None => format!("\"{table}\""),
    };
    let history: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&quoted])?
        .get(0);
    if history {
        return Ok(Vec::new());
    }
    // Tables an extension owns (PostGIS's `spatial_ref_sys`) are not the app's.
    let rows = client.query(
        "SELECT n.nspname || '.' || c.relname FROM pg_class c
         JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
         ORDER BY 1",
        &[],
    )?;
    Ok(rows.iter().map(|row| row.get(0)).collect())
}

/// Why connecting failed, said for a person: the server's own words, and what to check. What
/// the driver read out of the URL (the host) goes through the URL's redaction.
fn connect_failure(
    url: &DatabaseUrl,
    config: &postgres::Config,
    error: &postgres::Error,
) -> Failure {
    let server = match (config.get_hosts().first(), config.get_ports().first()) {
        (Some(postgres::config::Host::Tcp(host)), port) => {
            format!("{host}:{}", port.unwrap_or(&5432))
        }
        #[cfg(unix)]
        (Some(postgres::config::Host::Unix(path)), _) => path.display().to_string(),
        _ => "localhost:5432".to_owned(),
    };
    let server = url.redact(&server);
    if let Some(db) = error.as_db_error() {
        let code = db.code().code();
        let hint = match code {
            "28P01" | "28000" => "check the user name and password in the database URL",
            "3D000" => "create the database, or check its name in the database URL",
            _ => "check the database URL",
        };
        return Failure::new(format!(
            "PostgreSQL at {server} refused the connection: {} (SQLSTATE {code})",
            db.message()
        ))
        .hint(hint);
    }
    Failure::new(url.redact(&format!(
        "cannot connect to PostgreSQL at {server}: {}",
        pg_text(error)
    )))
    .hint(
        "check that the server is running and reachable, and the host and port in the database URL",
    )
}

/// A `postgres::Error` with its causes: its own text is only `db error` or `error connecting`.
fn pg_text(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        return format!("{db} (SQLSTATE {})", db.code().code());
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text += &format!(": {cause}");
        source = cause.source();
    }
    text
}
