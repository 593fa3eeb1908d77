mod db {
    migrate_runtime::migrations!("cases/ordering");
}

fn main() {}
