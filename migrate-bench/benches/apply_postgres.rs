//! Applying 500 generated migrations to a fresh PostgreSQL database, per migration and grouped,
//! against the floors of running the same SQL without bookkeeping; and a start-up with nothing to
//! do, against one `SELECT 1` round trip. Prints a table of medians.
//!
//! ```text
//! cargo bench -p migrate-bench --bench apply_postgres
//! ```
//!
//! The server is `MIGRATE_BENCH_POSTGRES_URL` (default: the local one); each run gets a database
//! of its own, dropped afterwards.

use std::time::Instant;

use migrate_bench::{leak, median, workload, write_native};
use migrate_runtime::Migrator;
use migrate_runtime::postgres::{Client, Config, NoTls};

const MIGRATIONS: usize = 500;
const RUNS: usize = 5;
const DATABASE: &str = "migrate_bench_apply";

fn main() {
    let url = std::env::var("MIGRATE_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = match Client::connect(&url, NoTls) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("apply_postgres needs a PostgreSQL server at {url}: {error}");
            std::process::exit(1);
        }
    };
    let source = tempfile::tempdir().unwrap();
    let generated = workload(MIGRATIONS);
    write_native(&source.path().join("migrations"), &generated).unwrap();
    let config = migrate_build::Config {
        dialects: vec![migrate_build::Dialect::Postgres],
        ..migrate_build::Config::default()
    };
    let checked = migrate_build::check_directory(source.path(), &config);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
    let set = leak(&checked);
    let batch: String = generated.iter().map(|m| m.up.as_str()).collect();

    let mut database: Config = url.parse().unwrap();
    database.dbname(DATABASE);
    let mut fresh = || {
        // Two messages: one multi-statement query would be one (implicit) transaction.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {DATABASE}"))
            .unwrap();
        database.connect(NoTls).unwrap()
    };
    // Each round times every mode once, so that noise falls on all of them alike.
    let mut samples = [(); 4].map(|()| Vec::with_capacity(RUNS));
    for _ in 0..RUNS {
        let mut conn = fresh();
        let started = Instant::now();
        let report = Migrator::new(set).migrate(&mut conn).unwrap();
        assert_eq!(report.applied.len(), MIGRATIONS);
        samples[0].push(started.elapsed().as_secs_f64());

        let mut conn = fresh();
        let started = Instant::now();
        for m in &generated {
            conn.batch_execute(&format!("BEGIN;\n{}\nCOMMIT;", m.up))
                .unwrap();
        }
        samples[1].push(started.elapsed().as_secs_f64());

        let mut conn = fresh();
        let started = Instant::now();
        Migrator::new(set).grouped(true).migrate(&mut conn).unwrap();
        samples[2].push(started.elapsed().as_secs_f64());

        let mut conn = fresh();
        let started = Instant::now();
        conn.batch_execute(&format!("BEGIN;\n{batch}\nCOMMIT;"))
            .unwrap();
        samples[3].push(started.elapsed().as_secs_f64());
    }
    let [per_migration, per_migration_floor, grouped, one_batch] = samples.map(median);

    let mut conn = fresh();
    let migrator = Migrator::new(set);
    migrator.migrate(&mut conn).unwrap();
    let time = |conn: &mut Client, f: &dyn Fn(&mut Client)| {
        median(
            (0..200)
                .map(|_| {
                    let started = Instant::now();
                    f(conn);
                    started.elapsed().as_secs_f64()
                })
                .collect(),
        )
    };
    let no_op = time(&mut conn, &|conn| {
        assert!(migrator.migrate(conn).unwrap().is_empty())
    });
    let round_trip = time(&mut conn, &|conn| {
        conn.simple_query("SELECT 1").unwrap();
    });
    // The server's count of this database's committed transactions: each query the migrator
    // sends outside a transaction is one. Reading it costs queries too, subtracted below.
    let commits = |conn: &mut Client| -> i64 {
        conn.batch_execute("SELECT pg_stat_force_next_flush()")
            .unwrap();
        conn.query_one(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .unwrap()
        .get(0)
    };
    let reading = -commits(&mut conn) + commits(&mut conn);
    let before = commits(&mut conn);
    assert!(migrator.migrate(&mut conn).unwrap().is_empty());
    let queries = commits(&mut conn) - before - reading;
    drop(conn);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        .unwrap();

    println!(
        "{MIGRATIONS} migrations (3 statements each) on a fresh PostgreSQL database, median of {RUNS} runs:\n"
    );
    println!("| mode | time | vs. floor |");
    println!("|---|--:|--:|");
    println!(
        "| migrate, one transaction per migration | {per_migration:.3} s | {:.2}x |",
        per_migration / per_migration_floor
    );
    println!(
        "| floor: each migration's SQL in its own transaction, no bookkeeping | {per_migration_floor:.3} s | 1.00x |"
    );
    println!(
        "| migrate, grouped (one transaction) | {grouped:.3} s | {:.2}x |",
        grouped / one_batch
    );
    println!("| floor: all SQL as one batch in one transaction | {one_batch:.3} s | 1.00x |");
    println!(
        "| migrate with nothing to do ({MIGRATIONS} applied), median of 200 | {:.1} µs | {:.2}x one round trip |",
        no_op * 1e6,
        no_op / round_trip
    );
    println!(
        "| one `SELECT 1` round trip, median of 200 | {:.1} µs | |",
        round_trip * 1e6
    );
    println!("\nqueries the server ran for a start-up with nothing to do: {queries}");
}
