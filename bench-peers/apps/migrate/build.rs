fn main() {
    migrate_build::run();
}
