//! Checking 500 generated migrations (1000 files) at build time, the work the build script and
//! the macro each do on every build. Prints a table of medians.
//!
//! ```text
//! cargo bench -p migrate-bench --bench check
//! ```

use std::time::Instant;

use migrate_bench::{median, workload, write_native};
use migrate_build::{Config, check_directory};

const RUNS: usize = 11;

fn main() {
    println!("| migrations | files | statements | check, median of {RUNS} | per file |");
    println!("|--:|--:|--:|--:|--:|");
    for count in [10, 100, 500] {
        let dir = tempfile::tempdir().unwrap();
        write_native(&dir.path().join("migrations"), &workload(count)).unwrap();
        let config = Config::default();
        let mut statements = 0;
        let seconds = median(
            (0..RUNS)
                .map(|_| {
                    let started = Instant::now();
                    let checked = check_directory(dir.path(), &config);
                    let elapsed = started.elapsed().as_secs_f64();
                    assert!(!checked.has_errors());
                    statements = checked
                        .migrations
                        .iter()
                        .map(|m| {
                            m.up.statements.len()
                                + m.down.as_ref().map_or(0, |d| d.statements.len())
                        })
                        .sum();
                    elapsed
                })
                .collect(),
        );
        println!(
            "| {count} | {} | {statements} | {:.1} ms | {:.0} µs |",
            count * 2,
            seconds * 1e3,
            seconds * 1e6 / (count * 2) as f64
        );
    }
}
