mod db {
    migrate_runtime::migrations!("cases/syntax_error");
}

fn main() {}
