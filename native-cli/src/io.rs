//! Where bytes come from and go to, the way `zstd` does it: `-` means stdin or stdout,
//! output names derive from input names (`file` → `file.boa` and back), nothing is
//! replaced without `--force`, and files are written through a temporary file that is
//! renamed into place only on success, so a failure never leaves a partial output.

use std::fs::File;
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The suffix of compressed files.
pub const SUFFIX: &str = "boa";

/// Where input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input (`-`).
    Stdin,
    /// A file.
    File(PathBuf),
}

/// Where output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Standard output (`-`, or `--stdout`).
    Stdout,
    /// A file, written through a temporary file beside it.
    File(PathBuf),
}

impl Source {
    /// `-` is stdin; anything else a file.
    pub fn parse(path: &Path) -> Self {
        if path == Path::new("-") {
            Self::Stdin
        } else {
            Self::File(path.to_path_buf())
        }
    }

    /// A name for messages.
    pub fn display(&self) -> String {
        match self {
            Self::Stdin => "stdin".into(),
            Self::File(path) => path.display().to_string(),
        }
    }

    /// Opens the input; refuses to read compressed data typed at a terminal.
    pub fn open(&self) -> anyhow::Result<Box<dyn Read>> {
        match self {
            Self::Stdin => {
                if std::io::stdin().is_terminal() {
                    bail!("refusing to read from a terminal: give a file or pipe data in");
                }
                Ok(Box::new(std::io::stdin().lock()))
            }
            Self::File(path) => {
                let file =
                    File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
                if file.metadata().is_ok_and(|m| m.is_dir()) {
                    bail!("{} is a directory", path.display());
                }
                Ok(Box::new(file))
            }
        }
    }

    /// The input's length in bytes when it is a file (for progress bars).
    pub fn len(&self) -> Option<u64> {
        match self {
            Self::Stdin => None,
            Self::File(path) => std::fs::metadata(path).ok().map(|m| m.len()),
        }
    }
}

impl Sink {
    /// A name for messages.
    pub fn display(&self) -> String {
        match self {
            Self::Stdout => "stdout".into(),
            Self::File(path) => path.display().to_string(),
        }
    }
}

/// The output of `compress`: `-o` if given (`-` is stdout), stdout for stdin or
/// `--stdout`, else `INPUT.boa`.
pub fn compressed_sink(source: &Source, output: Option<&Path>, stdout: bool) -> Sink {
    match (output, source) {
        (Some(path), _) => sink(path),
        (None, _) if stdout => Sink::Stdout,
        (None, Source::Stdin) => Sink::Stdout,
        (None, Source::File(path)) => {
            let mut name = path.as_os_str().to_owned();
            name.push(".");
            name.push(SUFFIX);
            Sink::File(PathBuf::from(name))
        }
    }
}

/// The output of `decompress`: `-o` if given, stdout for stdin or `--stdout`, else the
/// input's name without `.boa`; an error when the input has no `.boa` suffix.
pub fn decompressed_sink(
    source: &Source,
    output: Option<&Path>,
    stdout: bool,
) -> anyhow::Result<Sink> {
    Ok(match (output, source) {
        (Some(path), _) => sink(path),
        (None, _) if stdout => Sink::Stdout,
        (None, Source::Stdin) => Sink::Stdout,
        (None, Source::File(path)) => {
            let stem = path
                .extension()
                .filter(|ext| *ext == SUFFIX)
                .and_then(|_| path.file_stem())
                .filter(|stem| !stem.is_empty());
            match stem {
                Some(stem) => Sink::File(path.with_file_name(stem)),
                None => bail!(
                    "cannot name the output: {} does not end in .{SUFFIX} (give one with -o, or -c for stdout)",
                    path.display()
                ),
            }
        }
    })
}

fn sink(path: &Path) -> Sink {
    if path == Path::new("-") {
        Sink::Stdout
    } else {
        Sink::File(path.to_path_buf())
    }
}

/// Fails early when the output exists and may not be replaced, or when it is the input.
pub fn check_output(source: &Source, sink: &Sink, force: bool) -> anyhow::Result<()> {
    let Sink::File(out) = sink else {
        return Ok(());
    };
    if let Source::File(input) = source
        && same_file(input, out)
    {
        bail!("{} is both the input and the output", out.display());
    }
    if out.exists() && !force {
        bail!(
            "{} already exists (use -f/--force to replace it)",
            out.display()
        );
    }
    Ok(())
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Runs `write` on the sink: stdout directly, a file through a temporary file renamed
/// into place only when `write` succeeds.
pub fn write_sink(
    sink: &Sink,
    force: bool,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    match sink {
        Sink::Stdout => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            write(&mut out)?;
            out.flush().context("cannot write to stdout")?;
            Ok(())
        }
        Sink::File(path) => write_atomically(path, force, |out| write(out)),
    }
}

/// Writes through a temporary file next to `path`, renamed into place only when `write`
/// succeeds: a failure never leaves a partial output. Refuses to replace a file unless
/// `force`.
pub fn write_atomically(
    path: &Path,
    force: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    if path.exists() && !force {
        bail!(
            "{} already exists (use -f/--force to replace it)",
            path.display()
        );
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let temp = tempfile::NamedTempFile::new_in(&parent)
        .with_context(|| format!("cannot create a file in {}", parent.display()))?;
    let mut writer = BufWriter::new(temp.reopen()?);
    write(&mut writer)?;
    writer
        .flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    writer
        .get_ref()
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(writer);
    readable_by_all(temp.path())?;
    let persisted = if force {
        temp.persist(path)
    } else {
        temp.persist_noclobber(path)
    };
    persisted.with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Temporary files are private (0600); outputs get the usual 0644.
#[cfg(unix)]
fn readable_by_all(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    Ok(())
}

#[cfg(not(unix))]
fn readable_by_all(_path: &Path) -> anyhow::Result<()> {
    Ok(())
}

/// Refuses to write compressed bytes to a terminal unless forced (as `zstd` does).
pub fn refuse_binary_to_terminal(sink: &Sink, force: bool) -> anyhow::Result<()> {
    if *sink == Sink::Stdout && !force && std::io::stdout().is_terminal() {
        bail!("refusing to write compressed data to a terminal (use -o FILE, or -f to force)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> Source {
        Source::File(PathBuf::from(name))
    }

    #[test]
    fn output_names_follow_zstd() {
        assert_eq!(
            compressed_sink(&file("dir/run.bin"), None, false),
            Sink::File("dir/run.bin.boa".into())
        );
        assert_eq!(compressed_sink(&Source::Stdin, None, false), Sink::Stdout);
        assert_eq!(
            compressed_sink(&file("a"), Some(Path::new("-")), false),
            Sink::Stdout
        );
        assert_eq!(compressed_sink(&file("a"), None, true), Sink::Stdout);
        assert_eq!(
            decompressed_sink(&file("dir/run.bin.boa"), None, false).ok(),
            Some(Sink::File("dir/run.bin".into()))
        );
        assert!(decompressed_sink(&file("run.bin"), None, false).is_err());
        assert!(decompressed_sink(&file(".boa"), None, false).is_err());
        assert_eq!(
            decompressed_sink(&file("run.bin"), Some(Path::new("x")), false).ok(),
            Some(Sink::File("x".into()))
        );
    }

    #[test]
    fn failed_writes_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let result = write_atomically(&path, false, |out| {
            out.write_all(b"partial")?;
            bail!("the encoder failed")
        });
        assert!(result.is_err());
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).map(|d| d.count()).ok(),
            Some(0)
        );
    }

    #[test]
    fn existing_outputs_need_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        std::fs::write(&path, b"keep me").unwrap();
        assert!(write_atomically(&path, false, |out| Ok(out.write_all(b"new")?)).is_err());
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(&b"keep me"[..]));
        assert!(write_atomically(&path, true, |out| Ok(out.write_all(b"new")?)).is_ok());
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(&b"new"[..]));
    }
}
