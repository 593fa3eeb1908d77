// Checks every migration when the app builds: a broken one fails the build with its file, line and
// column, and adding, editing or deleting a migration file triggers a rebuild.
fn main() {
    migrate_build::run();
}
