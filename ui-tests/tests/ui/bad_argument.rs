mod db {
    migrate_runtime::migrations!(migrations);
}

fn main() {}
