mod db {
    migrate_runtime::migrations!(migrations);
}

mod pg {
    migrate_runtime::migrations!("cases/valid", dialect = "oracle");
}

fn main() {}
