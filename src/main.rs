//! The reference app: an LLM gateway backend's database, migrated at start-up.
//!
//! `cargo run` applies pending migrations to `./app.db` (or the SQLite database `DATABASE_URL`
//! names: a path, or `sqlite://path`), then prints the state of every migration. Running it again
//! applies nothing and says so.

use std::error::Error;
use std::process::ExitCode;

use migrate_runtime::Migrator;
use migrate_runtime::rusqlite::Connection;

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
    let path = sqlite_path(&url)?;
    let mut conn = Connection::open(path)?;
    let migrator = Migrator::new(&db::MIGRATIONS);

    let report = migrator.migrate(&mut conn)?;
    if report.applied.is_empty() {
        println!("{path}: up to date, no migration to apply");
    } else {
        for applied in &report.applied {
            let ms = applied.duration.as_secs_f64() * 1000.0;
            println!("applied {} {} ({ms:.1} ms)", applied.version, applied.name);
        }
        println!("{path}: applied {} migrations", report.applied.len());
    }

    println!();
    println!(
        "{:<16} {:<36} {:<10} applied at",
        "version", "name", "state"
    );
    for status in migrator.status(&mut conn)? {
        println!(
            "{:<16} {:<36} {:<10} {}",
            status.version,
            status.name,
            format!("{:?}", status.state).to_lowercase(),
            status.applied_at.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}

/// The database file `DATABASE_URL` names.
fn sqlite_path(url: &str) -> Result<&str, String> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(format!(
            "{url}: this build of the reference app supports SQLite only"
        ));
    }
    Ok(url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url))
}
