//! `peer-refinery migrate <url>`: applies the embedded migrations and prints the seconds the call
//! took.

use std::time::Instant;

mod embedded {
    refinery::embed_migrations!("migrations");
}

fn main() {
    let url = std::env::args().nth(2).expect("url");
    let seconds = if url.starts_with("postgres") {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
        let started = Instant::now();
        embedded::migrations::runner()
            .run(&mut client)
            .expect("migrate");
        started.elapsed().as_secs_f64()
    } else {
        let mut conn =
            rusqlite::Connection::open(url.trim_start_matches("sqlite://")).expect("open");
        let started = Instant::now();
        embedded::migrations::runner()
            .run(&mut conn)
            .expect("migrate");
        started.elapsed().as_secs_f64()
    };
    println!("{seconds}");
}
