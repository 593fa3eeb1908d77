//! Several OS processes migrate the same SQLite file at once: every migration is applied exactly
//! once, and no process fails. The test binary re-executes itself as the child migrators.

use std::collections::BTreeMap;
use std::process::{Command, ExitCode};

use migrate_runtime::Migrator;
use migrate_runtime::rusqlite::Connection;

mod concurrent {
    migrate_runtime::migrations!("tests/fixtures/concurrent");
}

const CHILD: &str = "MIGRATE_TEST_CHILD_DATABASE";
const PROCESSES: usize = 2;
const ROUNDS: usize = 5;

fn main() -> ExitCode {
    if let Ok(path) = std::env::var(CHILD) {
        return child(&path);
    }
    // libtest-style arguments (`--list`, filters) are not supported: this binary is one test.
    if std::env::args().any(|a| a == "--list") {
        println!("two_processes_migrate_one_file: test");
        return ExitCode::SUCCESS;
    }
    let mut splits = Vec::new();
    for round in 1..=ROUNDS {
        match round_of(PROCESSES) {
            Ok(split) => splits.push(split),
            Err(problem) => {
                eprintln!(
                    "test two_processes_migrate_one_file ... FAILED (round {round}): {problem}"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    // How the migrations were shared out: SQLite's busy handler tends to let the process holding
    // the lock keep it, so one usually does all the work while the other waits.
    println!(
        "test two_processes_migrate_one_file ... ok ({ROUNDS} rounds of {PROCESSES} processes; applied per process: {splits:?})"
    );
    ExitCode::SUCCESS
}

/// A child migrator: applies everything, prints the versions it applied.
fn child(path: &str) -> ExitCode {
    let result = Connection::open(path)
        .map_err(|e| e.to_string())
        .and_then(|mut conn| {
            Migrator::new(&concurrent::MIGRATIONS)
                .migrate(&mut conn)
                .map_err(|e| e.to_string())
        });
    match result {
        Ok(report) => {
            let versions: Vec<String> = report
                .applied
                .iter()
                .map(|a| a.version.to_string())
                .collect();
            println!("applied:{}", versions.join(","));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("child migrator failed: {error}");
            ExitCode::FAILURE
        }
    }
}

/// One round on a fresh file; returns how many migrations each process applied.
fn round_of(processes: usize) -> Result<Vec<usize>, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("shared.db");
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let children: Vec<_> = (0..processes)
        .map(|_| Command::new(&exe).env(CHILD, &path).output())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;

    let mut applied_by: BTreeMap<i64, usize> = BTreeMap::new();
    let mut split = Vec::new();
    for (i, output) in children.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "process {i} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let list = stdout
            .lines()
            .find_map(|l| l.strip_prefix("applied:"))
            .ok_or("no report")?;
        split.push(list.split(',').filter(|v| !v.is_empty()).count());
        for version in list.split(',').filter(|v| !v.is_empty()) {
            *applied_by
                .entry(version.parse().map_err(|_| "bad version")?)
                .or_default() += 1;
        }
    }
    let expected: Vec<i64> = concurrent::MIGRATIONS.iter().map(|m| m.version()).collect();
    let reported: Vec<i64> = applied_by.keys().copied().collect();
    if reported != expected || applied_by.values().any(|&n| n != 1) {
        return Err(format!(
            "each migration must be reported applied exactly once: {applied_by:?}"
        ));
    }
    let conn = Connection::open(&path).map_err(|e| e.to_string())?;
    let count = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .map_err(|e| e.to_string())
    };
    let logged = count("SELECT count(*) FROM apply_log")?;
    let distinct = count("SELECT count(DISTINCT version) FROM apply_log")?;
    let recorded = count("SELECT count(*) FROM _migrate_history WHERE state = 'applied'")?;
    // Migration 1 creates the log; 2..=20 write to it.
    if (logged, distinct, recorded) != (19, 19, 20) {
        return Err(format!(
            "log rows {logged}, distinct {distinct}, history rows {recorded}"
        ));
    }
    Ok(split)
}
