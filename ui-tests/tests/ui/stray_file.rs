mod db {
    migrate_runtime::migrations!("cases/stray_file");
}

fn main() {}
