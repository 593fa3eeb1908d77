mod db {
    migrate_runtime::migrations!("cases/bad_file_name");
}

fn main() {}
