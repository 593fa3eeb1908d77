mod db {
    migrate_runtime::migrations!("cases/asymmetric_down");
}

fn main() {}
