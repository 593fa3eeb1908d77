//! Applies SQL migrations that were checked at build time.
//!
//! `migrate-build` checks an app's migrations when it builds; the [`migrations!`] macro embeds
//! them as a module of `const` data, one item per migration; the [`Migrator`] applies them.
//!
//! ```
//! mod db {
//!     // One `const` per migration (`V1_CREATE_USERS`, ...) and `MIGRATIONS`, the whole set.
//!     migrate_runtime::migrations!("tests/fixtures/doc");
//! }
//!
//! let mut conn = rusqlite::Connection::open_in_memory()?;
//! let migrator = migrate_runtime::Migrator::new(&db::MIGRATIONS);
//! migrator.migrate_to(&mut conn, db::V1_CREATE_USERS)?; // a typed target: it must exist
//! match migrator.migrate(&mut conn) {
//!     Ok(report) => println!("{report}"), // `applied 2 add_email (1 ms)`, one line each
//!     // What failed, at which file:line:col, and what the run applied before it.
//!     Err(error) => eprintln!("error: {error}"),
//! }
//! for migration in migrator.status(&mut conn)? {
//!     println!("{migration}"); // `1 create_users: applied (applied at 2026-...Z)`
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! `migrations!()` reads `[package.metadata.migrate]` from the package's `Cargo.toml` (by default
//! the `migrations/` directory and the SQLite dialect); `migrations!("other/dir")` names another
//! directory, relative to the package. It fails to compile, with the file, line and column of
//! each problem, if a migration is broken.
//!
//! # Features
//!
//! - `sqlite`: the SQLite backend, on [`rusqlite`](https://docs.rs/rusqlite), re-exported as
//!   `migrate_runtime::rusqlite`.
//! - `bundled`: `sqlite`, with SQLite compiled in (rusqlite's `bundled`).
//! - `postgres`: the PostgreSQL backend, on the synchronous
//!   [`postgres`](https://docs.rs/postgres) crate, re-exported as `migrate_runtime::postgres`.
//!   Pass a `postgres::Client` wherever the examples pass a SQLite connection.
//!
//! The runtime does no parsing: statements were split at build time, and the checksums computed
//! then.

#![warn(missing_docs)]

mod backend;
mod error;
mod migration;
mod migrator;
#[cfg(feature = "postgres")]
mod pg;
#[cfg(feature = "sqlite")]
mod sqlite;
mod takeover;

pub use backend::Backend;
pub use error::{DbError, Direction, Drift, Error, RunError};
pub use migration::{Migration, Migrations, Script, StatementRef};
pub use migrator::{
    Applied, DEFAULT_LOCK_TIMEOUT, Event, MigrationStatus, Migrator, Report, Resolution, State,
    TakenOver,
};
pub use takeover::Predecessor;

/// Embeds the package's migrations as a module of `const` data, checked at compile time.
///
/// Expands, where it is called, to one `pub const V<version>_<NAME>: &Migration` per migration
/// and `pub static MIGRATIONS: Migrations`. A broken migration is a compile error pointing at its
/// file, line and column. See the [crate documentation](crate) for an example.
///
/// - `migrations!()`: the set `[package.metadata.migrate]` configures (by default `migrations/`).
/// - `migrations!("dir")`: the set in `dir`, relative to the package.
/// - `migrations!("dir", dialect = "postgres")`: checked as another dialect.
/// - `migrations!("dir", build_script = false)`: a second set, which the build script does not
///   check; the macro checks it by itself. Without it, a call that embeds another set than the
///   build script checks is an error, because the build would not see that set change.
/// - `migrations!("dir", layout = "diesel", build_script = false)`: a set in another tool's
///   layout than `[package.metadata.migrate]` says (see [`Predecessor`]).
pub use migrate_macros::migrations;

#[cfg(feature = "postgres")]
pub use ::postgres;

/// Connects to a PostgreSQL server without TLS: `postgres::Client::connect(url, NoTls)`, compiled
/// once, here.
///
/// The driver's `connect` is generic over the TLS connector, so calling it in your crate compiles
/// its whole connection code (tokio-postgres, an async runtime) again in your crate, each time your
/// crate is rebuilt: about 1.6 s of every release rebuild on a 2-core machine. This function is
/// that call already compiled. With TLS, call `Client::connect` with your connector.
///
/// ```no_run
/// let mut client = migrate_runtime::connect_postgres("postgres://app@localhost/app")?;
/// # Ok::<(), migrate_runtime::postgres::Error>(())
/// ```
#[cfg(feature = "postgres")]
pub fn connect_postgres(url: &str) -> Result<::postgres::Client, ::postgres::Error> {
    ::postgres::Client::connect(url, ::postgres::NoTls)
}
#[cfg(feature = "sqlite")]
pub use rusqlite;
