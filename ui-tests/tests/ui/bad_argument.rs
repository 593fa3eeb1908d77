mod db {
    migrate_runtime::migrations!(migrations);
}

mod pg {
    migrate_runtime::migrations!("cases/valid", dialect = "oracle");
}

mod not_a_bool {
    migrate_runtime::migrations!("cases/valid", build_script = "no");
}

mod unknown_option {
    migrate_runtime::migrations!("cases/valid", schema = "app");
}

mod unknown_layout {
    migrate_runtime::migrations!("cases/valid", layout = "liquibase", build_script = false);
}

fn main() {}
