//! Helpers shared by boa's cross-crate tests: where the repository's files and the shared
//! detector data are.

use std::path::{Path, PathBuf};

/// The repository's root folder.
#[must_use]
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// A file of the shared data folder (`../shared/data/NAME` beside the repository, or
/// `$BOA_SHARED_DATA/NAME`), or `None` after printing why the caller skips.
#[must_use]
pub fn shared_data(name: &str) -> Option<PathBuf> {
    let folder = std::env::var_os("BOA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"));
    let path = folder.join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "skipped: shared data file {} is absent (set BOA_SHARED_DATA to its folder)",
            path.display()
        );
        None
    }
}

/// Every file directly inside `folder` (sorted), or none if it does not exist.
#[must_use]
pub fn files_in(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}
