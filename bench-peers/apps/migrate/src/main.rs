//! `peer-migrate migrate <url> [grouped]`: applies the embedded migrations and prints the
//! seconds the call took. `peer-migrate limit <url>`: runs every up file of `migrations/` as one
//! batch in one transaction, without bookkeeping (the physical limit), and prints its seconds.

use std::time::Instant;

use migrate_runtime::postgres::Client;
use migrate_runtime::rusqlite::Connection;
use migrate_runtime::{Backend, Migrator};

mod db {
    migrate_runtime::migrations!();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (command, url) = (args[1].as_str(), args[2].as_str());
    let seconds = match command {
        "migrate" => {
            let grouped = args.get(3).is_some_and(|a| a == "grouped");
            connected(
                url,
                |conn| apply(conn, grouped),
                |conn| apply(conn, grouped),
            )
        }
        "limit" => {
            let mut batch = String::from("BEGIN;\n");
            for m in db::MIGRATIONS.iter() {
                batch += m.up().sql();
                batch += "\n";
            }
            batch += "COMMIT;\n";
            connected(
                url,
                |conn| timed(|| conn.batch_execute(&batch).map_err(|e| e.to_string())),
                |conn| timed(|| conn.execute_batch(&batch).map_err(|e| e.to_string())),
            )
        }
        other => panic!("unknown command {other}"),
    };
    println!("{seconds}");
}

/// Applies the embedded migrations: the seconds it took. The migrator is made inside the timed
/// region, as each peer's runner is.
fn apply<B: Backend>(conn: &mut B, grouped: bool) -> f64 {
    timed(|| {
        Migrator::new(&db::MIGRATIONS)
            .grouped(grouped)
            .migrate(conn)
            .map(drop)
            .map_err(|e| e.to_string())
    })
}

fn connected(
    url: &str,
    postgres: impl FnOnce(&mut Client) -> f64,
    sqlite: impl FnOnce(&mut Connection) -> f64,
) -> f64 {
    if url.starts_with("postgres") {
        postgres(&mut migrate_runtime::connect_postgres(url).expect("connect"))
    } else {
        sqlite(&mut Connection::open(url.trim_start_matches("sqlite://")).expect("open"))
    }
}

fn timed(f: impl FnOnce() -> Result<(), String>) -> f64 {
    let started = Instant::now();
    f().expect("run");
    started.elapsed().as_secs_f64()
}
