mod db {
    migrate_runtime::migrations!("cases/missing_table");
}

fn main() {}
