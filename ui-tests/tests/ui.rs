//! Every case in `tests/ui/` must fail to compile with exactly the output in its `.stderr` file.
//! Run with `TRYBUILD=overwrite` to accept new output, then review the diff.

use std::fs;
use std::path::Path;

#[test]
fn ui() {
    // trybuild compiles each case as a binary of a project in
    // `<target>/tests/trybuild/<crate>/`, and that project's directory is the CARGO_MANIFEST_DIR
    // the macro resolves `migrations!("cases/...")` against. Put the cases there.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory");
    let project = target.join("tests/trybuild").join(env!("CARGO_PKG_NAME"));
    let cases = project.join("cases");
    let _ = fs::remove_dir_all(&cases);
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"), &cases);

    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create directory");
    for entry in fs::read_dir(from).expect("read directory").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            fs::copy(&path, to.join(entry.file_name())).expect("copy file");
        }
    }
}
