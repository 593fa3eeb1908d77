//! `peer-diesel migrate <url>`: applies the embedded migrations and prints the seconds the call
//! took.

use std::time::Instant;

use diesel::Connection;
use diesel::pg::PgConnection;
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

fn main() {
    let url = std::env::args().nth(2).expect("url");
    let seconds = if url.starts_with("postgres") {
        let mut conn = PgConnection::establish(&url).expect("connect");
        let started = Instant::now();
        conn.run_pending_migrations(MIGRATIONS).expect("migrate");
        started.elapsed().as_secs_f64()
    } else {
        let mut conn =
            SqliteConnection::establish(url.trim_start_matches("sqlite://")).expect("open");
        let started = Instant::now();
        conn.run_pending_migrations(MIGRATIONS).expect("migrate");
        started.elapsed().as_secs_f64()
    };
    println!("{seconds}");
}
