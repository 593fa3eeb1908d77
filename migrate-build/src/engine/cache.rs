//! Snapshots of the check's database between builds, so that a build replays only what changed.
//!
//! The build script keeps them under `OUT_DIR`. A snapshot is the database as the replay left it
//! after the first `k` migrations, named by a key that chains the hashes of everything the
//! database saw in those `k` steps: each statement's text as sent and how it was run, and each
//! file's directives, after a salt that names the build script's binary, the SQLite version and
//! the setup script. An equal key means the same statements ran in the same order, so the
//! database is the same, whatever changed outside the statements (comments between them, line
//! numbers, file names). A replay starts from the latest snapshot whose key matches its own
//! prefix, and takes the verdicts of the steps before it as a clean replay gives them.
//!
//! Only clean prefixes are kept: every statement accepted or skipped by its plan, no finding,
//! no taint, no gap before them. So a restored prefix has nothing to report, and what follows it
//! is judged exactly as a full replay would judge it. The engine refuses a snapshot when its
//! state is not all in the file (temporary objects, attached databases, a pragma that changes
//! the connection).
//!
//! Snapshots are taken after the last step, and 1, 2, 4, ... up to [`NEAR`] steps before it (so
//! editing the newest migration replays it alone, and editing the `d`-th newest replays at most
//! `2d`), and at every quarter of the set. Each is a copy of the database (at 500 migrations of a
//! table and an index each, about 4 MB); the most recently used are kept, up to [`BUDGET`].

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Engine, Step};
use crate::script::Script;

/// What a snapshot file starts with (see [`wrap`]).
const MAGIC: &[u8] = b"migrate check snapshot 1\n";
const SUFFIX: &str = ".snapshot";
/// The most bytes of snapshots kept in the directory.
const BUDGET: u64 = 256 << 20;
/// Near the end of the set, snapshots are taken 1, 2, 4, ... up to this many steps before it.
const NEAR: usize = 32;

type Key = [u8; 32];

/// The snapshots of one package's check.
pub(crate) struct Cache {
    dir: PathBuf,
    salt: Key,
    /// `keys[i]` names the state after `steps[..=i]`.
    keys: Vec<Key>,
    /// How many leading steps were taken from a snapshot.
    resumed: usize,
    /// [`BUDGET`], but for tests.
    budget: u64,
}

impl Cache {
    /// Snapshots kept in `dir`, valid for an engine and setup described by `salt`.
    pub(crate) fn new(dir: &Path, salt: &[&[u8]]) -> Cache {
        let mut hasher = Sha256::new();
        hasher.update(MAGIC);
        // What built this code: a rebuilt build script may replay differently.
        if let Some(meta) = std::env::current_exe()
            .ok()
            .and_then(|exe| fs::metadata(exe).ok())
        {
            hasher.update(meta.len().to_le_bytes());
            if let Ok(since) = meta
                .modified()
                .map(|m| m.duration_since(std::time::UNIX_EPOCH))
            {
                hasher.update(since.unwrap_or_default().as_nanos().to_le_bytes());
            }
        }
        hasher.update(env!("CARGO_PKG_VERSION"));
        for part in salt {
            update_sized(&mut hasher, part);
        }
        Cache {
            dir: dir.to_owned(),
            salt: hasher.finalize().into(),
            keys: Vec::new(),
            resumed: 0,
            budget: BUDGET,
        }
    }

    /// How many leading steps the replay took from a snapshot.
    pub(crate) fn resumed(&self) -> usize {
        self.resumed
    }

    /// Restores the latest snapshot of a prefix of `steps` that ends before `gap`, and returns
    /// its length (0 when there is none).
    pub(crate) fn resume(
        &mut self,
        engine: &mut dyn Engine,
        steps: &[Step<'_>],
        gap: Option<i64>,
    ) -> usize {
        let mut key = self.salt;
        self.keys = steps
            .iter()
            .map(|step| {
                key = chain(&key, step);
                key
            })
            .collect();
        let usable = steps
            .iter()
            .position(|step| gap.is_some_and(|gap| step.version >= gap))
            .unwrap_or(steps.len());
        let present = self.present();
        for k in (1..=usable).rev() {
            let name = file_name(&self.keys[k - 1]);
            if !present.contains(&name) {
                continue;
            }
            let path = self.dir.join(&name);
            let key = &self.keys[k - 1];
            let restored = fs::read(&path).ok().is_some_and(|bytes| {
                unwrap(&bytes, key).is_some_and(|state| engine.restore(state).is_ok())
            });
            if restored {
                // Used: the last to go (see `finish`).
                let _ = fs::File::options()
                    .append(true)
                    .open(&path)
                    .and_then(|file| file.set_modified(std::time::SystemTime::now()));
                self.resumed = k;
                return k;
            }
            // Unreadable or refused: never try it again.
            let _ = fs::remove_file(&path);
        }
        0
    }

    /// Called after `done` steps that all replayed cleanly: keeps a snapshot if `done` is a
    /// checkpoint and the engine can take one.
    pub(crate) fn checkpoint(&mut self, engine: &mut dyn Engine, done: usize) {
        let n = self.keys.len();
        let from_end = n - done;
        let quarter = (n / 4).max(1);
        let wanted = from_end == 0
            || (from_end.is_power_of_two() && from_end <= NEAR)
            || done.is_multiple_of(quarter);
        if done == 0 || !wanted {
            return;
        }
        let path = self.dir.join(file_name(&self.keys[done - 1]));
        if path.exists() {
            return;
        }
        let Some(state) = engine.snapshot() else {
            return;
        };
        // Written aside and renamed, so a build killed halfway leaves no torn snapshot.
        let temporary = path.with_extension("partial");
        let written = fs::create_dir_all(&self.dir)
            .and_then(|()| fs::write(&temporary, wrap(&state, &self.keys[done - 1])))
            .and_then(|()| fs::rename(&temporary, &path));
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
    }

    /// Keeps the most recently written or used snapshots, within [`BUDGET`] bytes (the newest
    /// two always): those of an edit undone, or of another branch, may serve again.
    pub(crate) fn finish(&self) {
        let mut files: Vec<(std::time::SystemTime, u64, String)> = self
            .present()
            .into_iter()
            .filter_map(|name| {
                let meta = fs::metadata(self.dir.join(&name)).ok()?;
                Some((meta.modified().ok()?, meta.len(), name))
            })
            .collect();
        files.sort_by_key(|file| std::cmp::Reverse(file.0));
        let mut total = 0;
        for (i, (_, len, name)) in files.iter().enumerate() {
            total += len;
            if name.ends_with(".partial") || (i >= 2 && total > self.budget) {
                let _ = fs::remove_file(self.dir.join(name));
            }
        }
    }

    /// The snapshot files in the directory (and the parts of interrupted writes).
    fn present(&self) -> HashSet<String> {
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return HashSet::new();
        };
        entries
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.ends_with(SUFFIX) || name.ends_with(".partial"))
            .collect()
    }
}

/// A snapshot file: [`MAGIC`], its key, the state's length (a little-endian `u64`), the state.
fn wrap(state: &[u8], key: &Key) -> Vec<u8> {
    let length = (state.len() as u64).to_le_bytes();
    [MAGIC, key, &length, state].concat()
}

/// The state in a snapshot file, if the file is whole and holds `key`'s.
fn unwrap<'a>(file: &'a [u8], key: &Key) -> Option<&'a [u8]> {
    let rest = file.strip_prefix(MAGIC)?.strip_prefix(&key[..])?;
    let (length, state) = rest.split_first_chunk::<8>()?;
    (u64::from_le_bytes(*length) == state.len() as u64).then_some(state)
}

/// The key of the state after `step`, from the key of the state before it.
fn chain(before: &Key, step: &Step<'_>) -> Key {
    let mut hasher = Sha256::new();
    hasher.update(before);
    for script in [Some(step.up.1), step.down.map(|(_, script)| script)] {
        match script {
            None => hasher.update([0]),
            Some(script) => seen(&mut hasher, script),
        }
    }
    hasher.finalize().into()
}

/// Everything of a file that the replay runs or decides by.
fn seen(hasher: &mut Sha256, script: &Script) {
    hasher.update([
        1,
        u8::from(script.transaction),
        u8::from(script.foreign_keys_off),
    ]);
    hasher.update((script.statements.len() as u64).to_le_bytes());
    for statement in &script.statements {
        update_sized(hasher, format!("{:?}", statement.plan).as_bytes());
        update_sized(hasher, script.text(statement).as_bytes());
    }
}

fn update_sized(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

fn file_name(key: &Key) -> String {
    let mut name: String = key.iter().map(|b| format!("{b:02x}")).collect();
    name.push_str(SUFFIX);
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, SystemTime};

    #[test]
    fn the_most_recently_used_snapshots_are_kept_within_the_budget() {
        let dir = tempfile::tempdir().unwrap();
        let mut cache = Cache::new(dir.path(), &[]);
        cache.budget = 250;
        let start = SystemTime::now() - Duration::from_secs(60);
        for (i, name) in ["a", "b", "c", "d"].iter().enumerate() {
            let path = dir.path().join(format!("{name}{SUFFIX}"));
            fs::write(&path, [0u8; 100]).unwrap();
            let file = fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(start + Duration::from_secs(i as u64))
                .unwrap();
        }
        fs::write(dir.path().join("e.partial"), b"torn").unwrap();
        fs::write(dir.path().join("unrelated.txt"), b"kept").unwrap();
        cache.finish();
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        // The two newest fit (200 bytes); the third would not; the torn write goes.
        assert_eq!(left, ["c.snapshot", "d.snapshot", "unrelated.txt"]);
    }
}
