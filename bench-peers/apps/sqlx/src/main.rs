//! `peer-sqlx migrate <url>`: applies the embedded migrations and prints the seconds the call took.

use std::time::Instant;

use sqlx::Connection;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let url = std::env::args().nth(2).expect("url");
    let seconds = if url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
        let started = Instant::now();
        MIGRATOR.run(&mut conn).await.expect("migrate");
        started.elapsed().as_secs_f64()
    } else {
        let url = format!("sqlite://{}?mode=rwc", url.trim_start_matches("sqlite://"));
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("open");
        let started = Instant::now();
        MIGRATOR.run(&mut conn).await.expect("migrate");
        started.elapsed().as_secs_f64()
    };
    println!("{seconds}");
}
