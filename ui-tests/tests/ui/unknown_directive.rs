mod db {
    migrate_runtime::migrations!("cases/unknown_directive");
}

fn main() {}
