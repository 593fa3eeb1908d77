mod db {
    migrate_runtime::migrations!("cases/unknown_column");
}

fn main() {}
