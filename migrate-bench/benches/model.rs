//! The schema model's replay: every up, every down and the symmetry check, for 500 and 5,000
//! generated migrations (a table, an added column and an index each, with downs), timed apart
//! from parsing. Prints a table of medians, and the time per migration, which stays flat if the
//! replay grows linearly.
//!
//! ```text
//! cargo bench -p migrate-bench --bench model
//! ```

use std::time::Instant;

use migrate_bench::{median, workload, write_native};
use migrate_build::{Config, check_directory, model_replay};

const RUNS: usize = 7;

fn main() {
    println!("| migrations | statements | model replay, median of {RUNS} | per migration |");
    println!("|--:|--:|--:|--:|");
    for count in [500, 1000, 2000, 5000] {
        let dir = tempfile::tempdir().unwrap();
        write_native(&dir.path().join("migrations"), &workload(count)).unwrap();
        let checked = check_directory(dir.path(), &Config::default());
        assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
        let statements: usize = checked
            .migrations
            .iter()
            .map(|m| m.up.statements.len() + m.down.as_ref().map_or(0, |d| d.statements.len()))
            .sum();
        let seconds = median(
            (0..RUNS)
                .map(|_| {
                    let started = Instant::now();
                    let found = model_replay(&checked);
                    let elapsed = started.elapsed().as_secs_f64();
                    assert!(found.is_empty(), "{found:#?}");
                    elapsed
                })
                .collect(),
        );
        println!(
            "| {count} | {statements} | {:.1} ms | {:.1} µs |",
            seconds * 1e3,
            seconds * 1e6 / count as f64
        );
    }
}
