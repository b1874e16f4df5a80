//! The matrix's inputs: a deterministic list of cases (input bytes, model, chunk length,
//! embedded model or not, stored chunks or not, context mixing or not), written once by
//! the host and read by every backend.
//!
//! `cases.tsv` has one case per line, tab-separated: `id input model chunk_len embed store
//! mixing` (`input` and `model` relative to the file's folder; `embed`, `store` and
//! `mixing` are 0 or 1).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use boa_core::rng::XorShift64;

/// The models every run uses, as they are named in `cases.tsv` (copied into `models/`).
pub const MODELS: [&str; 2] = ["bundled", "golden"];
/// Bytes of `engine-input.bin` whose tables the golden hash covers.
pub const HASHED_TABLES: usize = 300;

/// One input of the matrix and how to compress it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// A unique name, also the stem of every file made for it.
    pub id: String,
    /// The input file, relative to the cases folder.
    pub input: String,
    /// The `.boam` file, relative to the cases folder.
    pub model: String,
    /// Bytes per chunk.
    pub chunk_len: u32,
    /// Whether the model is embedded in the `.boa` file.
    pub embed: bool,
    /// Whether incompressible chunks are stored (the CLI's default) or every chunk coded.
    pub store: bool,
    /// Whether the chunks are coded with context mixing (`--mixing`).
    pub mixing: bool,
}

/// Where the sample bytes come from: the repository's files and, when present, the
/// shared detector data.
pub struct Sources {
    /// Detector data (the repository's sample; the shared data's files when present).
    pub detector: Vec<(String, Vec<u8>)>,
    /// Text (the repository's docs).
    pub text: Vec<(String, Vec<u8>)>,
}

/// What a case's bytes are.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Empty,
    OneByte,
    /// `k · chunk_len + delta` bytes of detector data.
    Boundary {
        k: usize,
        delta: isize,
    },
    Random,
    Run,
    Detector,
    Text,
}

/// The cases of a run: about 50 with `quick`, else at least 1,000.
pub fn plan(quick: bool, sources: &Sources, rng: &mut XorShift64) -> Vec<(Case, Vec<u8>)> {
    let chunk_lens: &[u32] = if quick {
        &[100, 256, 1000, 1024]
    } else {
        &[1, 7, 100, 255, 256, 1000, 1024, 4096, 65536]
    };
    // The full run: 10 rounds of 15 kinds per chunk length; chunks of 4 and 64 KiB (the
    // large inputs) in the first round only, so that the slow backends finish in minutes.
    let rounds = if quick { 1 } else { 10 };
    let mut cases = Vec::new();
    for round in 0..rounds {
        for &chunk_len in chunk_lens {
            if chunk_len > 1024 && round > 0 {
                continue;
            }
            for kind in kinds(chunk_len, quick) {
                let n = cases.len();
                let bytes = bytes_of(kind, chunk_len as usize, sources, rng);
                let case = Case {
                    id: format!("c{n:04}-{}-{chunk_len}", kind_name(kind)),
                    input: format!("inputs/c{n:04}.bin"),
                    model: format!("models/{}.boam", MODELS[(n + n / 7) % MODELS.len()]),
                    chunk_len,
                    embed: n % 3 == 0,
                    store: n % 5 != 4,
                    mixing: n % 4 == 1,
                };
                cases.push((case, bytes));
            }
        }
    }
    cases
}

/// The kinds of input for one chunk length: boundaries only where inputs stay small.
fn kinds(chunk_len: u32, quick: bool) -> Vec<Kind> {
    let mut kinds = vec![Kind::Empty, Kind::OneByte];
    let ks: &[usize] = match (chunk_len, quick) {
        (65536, _) => &[1],
        (_, true) => &[1, 2],
        _ => &[1, 2, 3],
    };
    for &k in ks {
        for delta in [-1, 0, 1] {
            kinds.push(Kind::Boundary { k, delta });
        }
    }
    if chunk_len < 65536 {
        kinds.extend([Kind::Random, Kind::Run, Kind::Detector, Kind::Text]);
    }
    kinds
}

fn kind_name(kind: Kind) -> String {
    match kind {
        Kind::Empty => "empty".into(),
        Kind::OneByte => "one-byte".into(),
        Kind::Boundary { k, delta } => format!("boundary{k}{delta:+}"),
        Kind::Random => "random".into(),
        Kind::Run => "run".into(),
        Kind::Detector => "detector".into(),
        Kind::Text => "text".into(),
    }
}

fn bytes_of(kind: Kind, chunk_len: usize, sources: &Sources, rng: &mut XorShift64) -> Vec<u8> {
    let some_len = |rng: &mut XorShift64| 1 + (rng.next_u64() % (3 * chunk_len as u64)) as usize;
    match kind {
        Kind::Empty => Vec::new(),
        Kind::OneByte => rng.bytes(1),
        Kind::Boundary { k, delta } => {
            let len = (k * chunk_len).saturating_add_signed(delta);
            slice_of(&sources.detector, len, rng)
        }
        Kind::Random => {
            let len = some_len(rng);
            rng.bytes(len)
        }
        Kind::Run => vec![rng.bytes(1)[0]; some_len(rng)],
        Kind::Detector => {
            let len = some_len(rng);
            slice_of(&sources.detector, len, rng)
        }
        Kind::Text => {
            let len = some_len(rng);
            slice_of(&sources.text, len, rng)
        }
    }
}

/// `len` bytes from a random place of a random source (repeated where the source is shorter).
fn slice_of(sources: &[(String, Vec<u8>)], len: usize, rng: &mut XorShift64) -> Vec<u8> {
    let (_, bytes) = &sources[(rng.next_u64() % sources.len() as u64) as usize];
    if bytes.is_empty() {
        return vec![0; len];
    }
    let start = (rng.next_u64() % bytes.len() as u64) as usize;
    bytes
        .iter()
        .cycle()
        .skip(start)
        .take(len)
        .copied()
        .collect()
}

/// Reads the repository's sample data and docs, and the shared data's files (`*.bin`,
/// first 4 MiB each) where `shared` exists; says so where it does not.
pub fn sources(repo: &Path, shared: Option<&Path>) -> Result<Sources> {
    let read = |path: PathBuf, limit: usize| -> Result<(String, Vec<u8>)> {
        let mut bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        bytes.truncate(limit);
        Ok((path.display().to_string(), bytes))
    };
    let mut detector = vec![read(repo.join("data/km3-amplitudes.bin"), usize::MAX)?];
    match shared.filter(|s| s.is_dir()) {
        Some(shared) => {
            let mut files: Vec<PathBuf> = fs::read_dir(shared)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "bin"))
                .collect();
            files.sort();
            for file in files {
                detector.push(read(file, 4 << 20)?);
            }
        }
        None => eprintln!("no shared detector data: slices of data/km3-amplitudes.bin only"),
    }
    let text = ["README.md", "docs/format.md", "docs/engine.md"]
        .iter()
        .map(|p| read(repo.join(p), usize::MAX))
        .collect::<Result<_>>()?;
    Ok(Sources { detector, text })
}

/// Writes the cases, their inputs, the models and the tables' input into `out`.
pub fn write(
    out: &Path,
    cases: &[(Case, Vec<u8>)],
    models: &[(&str, Vec<u8>)],
    tables_input: &[u8],
) -> Result<()> {
    fs::create_dir_all(out.join("inputs"))?;
    fs::create_dir_all(out.join("models"))?;
    for (name, bytes) in models {
        fs::write(out.join(format!("models/{name}.boam")), bytes)?;
    }
    fs::write(out.join("tables-input.bin"), tables_input)?;
    let mut tsv = String::new();
    for (case, bytes) in cases {
        fs::write(out.join(&case.input), bytes)?;
        tsv.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            case.id,
            case.input,
            case.model,
            case.chunk_len,
            u8::from(case.embed),
            u8::from(case.store),
            u8::from(case.mixing)
        ));
    }
    fs::write(out.join("cases.tsv"), tsv)?;
    Ok(())
}

/// Reads `cases.tsv`.
pub fn read(path: &Path) -> Result<Vec<Case>> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(n, line)| parse(line).with_context(|| format!("{}:{}", path.display(), n + 1)))
        .collect()
}

fn parse(line: &str) -> Result<Case> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [id, input, model, chunk_len, embed, store, mixing] = fields[..] else {
        bail!("expected 7 tab-separated fields, found {}", fields.len());
    };
    let flag = |s: &str| match s {
        "0" => Ok(false),
        "1" => Ok(true),
        other => bail!("expected 0 or 1, found {other:?}"),
    };
    Ok(Case {
        id: id.into(),
        input: input.into(),
        model: model.into(),
        chunk_len: chunk_len.parse().context("chunk length")?,
        embed: flag(embed)?,
        store: flag(store)?,
        mixing: flag(mixing)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_sources() -> Sources {
        Sources {
            detector: vec![("d".into(), (0..=255).collect())],
            text: vec![("t".into(), b"some text".to_vec())],
        }
    }

    #[test]
    fn plans_are_deterministic_and_sized_as_documented() {
        let quick = plan(true, &sample_sources(), &mut XorShift64::new(1));
        let again = plan(true, &sample_sources(), &mut XorShift64::new(1));
        assert_eq!(quick, again);
        assert!((45..=60).contains(&quick.len()), "{}", quick.len());
        assert!(plan(false, &sample_sources(), &mut XorShift64::new(1)).len() >= 1000);
        assert!(
            quick
                .iter()
                .any(|(c, b)| b.len() == 2 * c.chunk_len as usize + 1)
        );
        assert!(quick.iter().any(|(_, b)| b.is_empty()));
        assert!(
            quick
                .iter()
                .any(|(c, b)| c.mixing && b.len() > c.chunk_len as usize)
        );
    }

    #[test]
    fn cases_survive_the_tsv_round_trip() {
        let cases = plan(true, &sample_sources(), &mut XorShift64::new(2));
        let dir = std::env::temp_dir().join(format!("boa-cases-{}", std::process::id()));
        write(
            &dir,
            &cases,
            &[("bundled", vec![1]), ("golden", vec![2])],
            b"x",
        )
        .expect("written");
        let read_back = read(&dir.join("cases.tsv")).expect("read");
        assert_eq!(
            read_back,
            cases.into_iter().map(|(c, _)| c).collect::<Vec<_>>()
        );
        assert!(parse("a\tb").is_err());
        assert!(parse("a\tb\tc\t1\t2\t0").is_err());
        assert!(parse("a\tb\tc\t1\t0\t0\t2").is_err());
        assert!(parse("a\tb\tc\t1\t0\t0\t1").is_ok_and(|c| c.mixing));
        let _ = fs::remove_dir_all(dir);
    }
}
