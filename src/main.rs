//! The reference app: an LLM gateway backend's database, migrated at start-up.
//!
//! `cargo run` applies pending migrations to `./app.db`, or to the database `DATABASE_URL` names
//! (a SQLite path or `sqlite://path`, or a `postgres://` URL), then prints the state of every
//! migration. Running it again applies nothing and says so. The migrations are one portable set,
//! checked at build time as SQLite and as PostgreSQL.

use std::error::Error;
use std::process::ExitCode;

use migrate_runtime::rusqlite::Connection;
use migrate_runtime::{Backend, Migrator};

/// The app's migrations, checked by `build.rs` and embedded at compile time.
mod db {
    migrate_runtime::migrations!();
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "app.db".to_owned());
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut client = migrate_runtime::connect_postgres(&url)?;
        migrate(&mut client, &redact(&url))
    } else {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(&url);
        migrate(&mut Connection::open(path)?, path)
    }
}

/// Applies pending migrations and prints every migration's state; `name` is what the output
/// calls the database.
fn migrate<B: Backend>(conn: &mut B, name: &str) -> Result<(), Box<dyn Error>> {
    let migrator = Migrator::new(&db::MIGRATIONS);

    let report = migrator.migrate(conn)?;
    if report.applied.is_empty() {
        println!("{name}: up to date, no migration to apply");
    } else {
        for applied in &report.applied {
            let ms = applied.duration.as_secs_f64() * 1000.0;
            println!("applied {} {} ({ms:.1} ms)", applied.version, applied.name);
        }
        println!("{name}: applied {} migrations", report.applied.len());
    }

    println!();
    println!(
        "{:<16} {:<36} {:<10} applied at",
        "version", "name", "state"
    );
    for status in migrator.status(conn)? {
        println!(
            "{:<16} {:<36} {:<10} {}",
            status.version,
            status.name,
            status.state.to_string(),
            status.applied_at.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}

/// The URL without its password, for printing.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _password)) => {
                    format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
                }
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
