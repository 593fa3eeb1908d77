mod db {
    migrate_runtime::migrations!("cases/valid");
}

fn main() {
    // Targets are the migrations' own consts: one that does not exist does not compile.
    let reachable = [db::V1_CREATE_USERS, db::V2_ADD_EMAIL];
    let target = db::V3_ADD_TEAMS;
    let _ = (reachable, target);
}
