//! Applying 500 generated migrations to a SQLite file, per migration and grouped, against the
//! floor of running the same SQL as one batch in one transaction; and a start-up with nothing to
//! do. Prints a table of medians.
//!
//! ```text
//! cargo bench -p migrate-bench --bench apply_sqlite
//! ```

use std::time::Instant;

use migrate_bench::{leak, median, workload, write_native};
use migrate_runtime::Migrator;
use migrate_runtime::rusqlite::Connection;

const MIGRATIONS: usize = 500;
const RUNS: usize = 7;

fn main() {
    let source = tempfile::tempdir().unwrap();
    let generated = workload(MIGRATIONS);
    write_native(&source.path().join("migrations"), &generated).unwrap();
    let checked = migrate_build::check_directory(source.path(), &migrate_build::Config::default());
    let set = leak(&checked);
    let batch: String = generated.iter().map(|m| m.up.as_str()).collect();

    let fresh = || {
        let dir = tempfile::tempdir().unwrap();
        let conn = Connection::open(dir.path().join("bench.db")).unwrap();
        (dir, conn)
    };
    // Each round times every mode once, so that disk noise falls on all of them alike.
    let mut samples = [(); 4].map(|()| Vec::with_capacity(RUNS));
    for _ in 0..RUNS {
        let (_dir, mut conn) = fresh();
        let started = Instant::now();
        let report = Migrator::new(set).migrate(&mut conn).unwrap();
        assert_eq!(report.applied.len(), MIGRATIONS);
        samples[0].push(started.elapsed().as_secs_f64());

        let (_dir, conn) = fresh();
        let started = Instant::now();
        for m in &generated {
            conn.execute_batch(&format!("BEGIN;\n{}\nCOMMIT;", m.up))
                .unwrap();
        }
        samples[1].push(started.elapsed().as_secs_f64());

        let (_dir, mut conn) = fresh();
        let started = Instant::now();
        Migrator::new(set).grouped(true).migrate(&mut conn).unwrap();
        samples[2].push(started.elapsed().as_secs_f64());

        let (_dir, conn) = fresh();
        let started = Instant::now();
        conn.execute_batch(&format!("BEGIN;\n{batch}\nCOMMIT;"))
            .unwrap();
        samples[3].push(started.elapsed().as_secs_f64());
    }
    let [per_migration, per_migration_floor, grouped, one_batch] = samples.map(median);
    let (_dir, mut conn) = fresh();
    let migrator = Migrator::new(set);
    migrator.migrate(&mut conn).unwrap();
    let no_op = median(
        (0..200)
            .map(|_| {
                let started = Instant::now();
                assert!(migrator.migrate(&mut conn).unwrap().is_empty());
                started.elapsed().as_secs_f64()
            })
            .collect(),
    );

    println!(
        "{MIGRATIONS} migrations (3 statements each) on a SQLite file, median of {RUNS} runs:\n"
    );
    println!("| mode | time | vs. floor |");
    println!("|---|--:|--:|");
    println!(
        "| migrate, one transaction per migration | {:.3} s | {:.2}x |",
        per_migration,
        per_migration / per_migration_floor
    );
    println!(
        "| floor: each migration's SQL in its own transaction, no bookkeeping | {:.3} s | 1.00x |",
        per_migration_floor
    );
    println!(
        "| migrate, grouped (one transaction) | {:.3} s | {:.2}x |",
        grouped,
        grouped / one_batch
    );
    println!(
        "| floor: all SQL as one batch in one transaction | {:.3} s | 1.00x |",
        one_batch
    );
    println!(
        "| migrate with nothing to do ({MIGRATIONS} applied), median of 200 | {:.1} µs | |",
        no_op * 1e6
    );
}
