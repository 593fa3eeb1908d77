//! The two parts of the corpus that no migration tool's layout describes: harness's and
//! authelia's own Go runners, which run paired files in file-name order
//! (`NNNN_name.up.sql`/`.down.sql` and `NNNN_name_up.sql`/`_down.sql` for harness, which repeats
//! version `0000`; `V0001.Name.up.sql`/`.down.sql` for authelia). Every other part is read in
//! place, by the product's own layouts. These are written out in the native layout
//! (`<n>_<name>.up.sql`), in their runner's order, each line where it was.

use std::fs;
use std::path::{Path, PathBuf};

/// One paired migration, as its runner runs it.
pub struct Paired {
    /// The up file and its text.
    pub up: PathBuf,
    pub up_text: String,
    /// The down file and its text, if there is one.
    pub down: Option<(PathBuf, String)>,
    /// The name after the number.
    pub name: String,
}

/// The paired migrations of `dir`, in file-name order.
pub fn read_paired(dir: &Path) -> Vec<Paired> {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    paired(&entries)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned()
}

fn read_text(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn paired(entries: &[PathBuf]) -> Vec<Paired> {
    let mut out = Vec::new();
    for path in entries {
        let file = file_name(path);
        let Some(stem) = file
            .strip_suffix(".up.sql")
            .or_else(|| file.strip_suffix("_up.sql"))
        else {
            continue;
        };
        let separator = if file.ends_with(".up.sql") { "." } else { "_" };
        let down = path.with_file_name(format!("{stem}{separator}down.sql"));
        let name = stem
            .split_once(['_', '.'])
            .map_or(stem, |(_, n)| n)
            .to_owned();
        out.push(Paired {
            up: path.clone(),
            up_text: read_text(path),
            down: down.is_file().then(|| (down.clone(), read_text(&down))),
            name,
        });
    }
    out
}

/// `Add-Users v2` → `add_users_v2`: a valid native name.
pub fn native_name(name: &str) -> String {
    let words: Vec<String> = name
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    if words.is_empty() {
        "migration".to_owned()
    } else {
        words.join("_")
    }
}
