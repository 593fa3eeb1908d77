mod db {
    migrate_runtime::migrations!("cases/duplicate_version");
}

fn main() {}
