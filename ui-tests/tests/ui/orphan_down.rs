mod db {
    migrate_runtime::migrations!("cases/orphan_down");
}

fn main() {}
