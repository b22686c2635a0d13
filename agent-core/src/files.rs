//! Reading the agent's input files with a size cap.
//!
//! Every file the agent reads (agent.toml, form definitions, the facility
//! map, secret files, drafts given by path) goes through [`read_capped`]:
//! only a regular file is opened (a device such as `/dev/zero`, a pipe or a
//! folder would read forever or block), and no more than its cap is read, so
//! a wrong path can neither hang the agent nor fill its memory.

use crate::model::form::{DefinitionProblem, FormDefinition, FormSet};
use crate::model::mapping::FacilityMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The most bytes of `agent.toml` (a real one is about 1 KiB).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// The most bytes of one form definition (the largest real ones are ~50 KiB).
pub const MAX_FORM_BYTES: u64 = 4 * 1024 * 1024;
/// The most bytes of the facility map (a national map of 10,000 facilities
/// is ~3 MiB).
pub const MAX_FACILITY_MAP_BYTES: u64 = 16 * 1024 * 1024;
/// The most bytes of a secret file (a password or token on its first line).
pub const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;
/// The most bytes of a `ca_file` (a few certificates of ~2 KiB each).
pub const MAX_CA_FILE_BYTES: u64 = 1024 * 1024;
/// The most bytes of a draft file (the draft reader's limit on any document).
pub const MAX_DRAFT_FILE_BYTES: u64 = crate::model::draft::MAX_DRAFT_BYTES as u64;

/// A size in words: "4 MiB", "64 KiB", "300 bytes".
fn size_words(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} bytes")
    }
}

fn kind_words(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_fifo() {
            return "a pipe";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a folder" } else { "not a file" }
}

/// Reads the whole of `path`, which must be a regular file of at most
/// `max_bytes`. `what` names the file in messages ("the facility map").
///
/// The error is an [`std::io::Error`] whose text says what is wrong and what
/// to do; callers add the file's name as they already do for other I/O
/// errors. A file that grows while it is read is still cut at the cap.
pub fn read_capped(path: &Path, max_bytes: u64, what: &str) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    // Checked before opening: opening a pipe blocks until a writer comes.
    let meta = std::fs::metadata(path)?;
    let refuse_kind = |t: std::fs::FileType| {
        Error::new(
            ErrorKind::InvalidInput,
            format!(
                "{what} must be a regular file, but this is {}; give the path of the file itself",
                kind_words(t)
            ),
        )
    };
    let too_large = |size: u64| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "{what} is {size} bytes, more than the {} it may have; check that this is the right file",
                size_words(max_bytes)
            ),
        )
    };
    if !meta.is_file() {
        return Err(refuse_kind(meta.file_type()));
    }
    if meta.len() > max_bytes {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path)?;
    // The path may have been swapped between the two looks.
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(refuse_kind(opened.file_type()));
    }
    let mut out = Vec::with_capacity(usize::try_from(opened.len().min(max_bytes)).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut out)?;
    if out.len() as u64 > max_bytes {
        return Err(too_large(out.len() as u64));
    }
    Ok(out)
}

/// Like [`read_capped`], for text: the bytes must be UTF-8.
pub fn read_capped_text(path: &Path, max_bytes: u64, what: &str) -> std::io::Result<String> {
    let bytes = read_capped(path, max_bytes, what)?;
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{what} is not UTF-8 text (byte {} is not valid); save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

// The loaders of the definition files: they read (I/O, here) and hand the
// text to `model`'s parsers, so that `model` does no I/O.

impl FormSet {
    /// Loads every `*.json` file of `dir` (sorted by name), reporting all problems at once.
    pub fn load_dir(dir: &Path) -> Result<FormSet, Vec<DefinitionProblem>> {
        let entries = std::fs::read_dir(dir).map_err(|e| {
            vec![DefinitionProblem {
                form: dir.display().to_string(),
                message: format!("the forms folder cannot be read: {e}"),
            }]
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        let mut defs = Vec::new();
        let mut problems = Vec::new();
        for p in &paths {
            let origin = p.display().to_string();
            match read_capped_text(p, MAX_FORM_BYTES, "a form definition") {
                Ok(text) => match FormDefinition::from_json(&text, &origin) {
                    Ok(d) => defs.push(d),
                    Err(mut ps) => problems.append(&mut ps),
                },
                Err(e) => problems.push(DefinitionProblem {
                    form: origin,
                    message: format!("cannot be read: {e}"),
                }),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        FormSet::new(defs)
    }
}

impl FacilityMap {
    /// Loads a facility map file.
    pub fn load(path: &Path) -> Result<FacilityMap, Vec<String>> {
        let text =
            read_capped_text(path, MAX_FACILITY_MAP_BYTES, "the facility map").map_err(|e| {
                vec![format!(
                    "the facility map {} cannot be read: {e}",
                    path.display()
                )]
            })?;
        FacilityMap::from_json(&text)
    }
}

/// The largest `.ftl` file a locale folder may hold.
pub const MAX_FTL_BYTES: u64 = 1024 * 1024;

/// Loads a locale from a folder of Fluent files: the folder's name is the
/// locale tag (`locales/xx/` is `xx`), every `*.ftl` in it is read (in
/// name order). Adding a locale needs this folder only, no Rust. Problems
/// (unreadable file, syntax error, id twice) come back in plain words.
pub fn load_locale_dir(dir: &Path) -> Result<crate::model::i18n::Catalog, Vec<String>> {
    let tag = dir.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
        vec![format!(
            "{}: the folder's name must be a language tag such as sw",
            dir.display()
        )]
    })?;
    let entries = std::fs::read_dir(dir).map_err(|e| {
        vec![format!(
            "the locale folder {} cannot be read: {e}",
            dir.display()
        )]
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(vec![format!(
            "the locale folder {} holds no .ftl file",
            dir.display()
        )]);
    }
    let mut texts = Vec::new();
    for p in &paths {
        let text = read_capped_text(p, MAX_FTL_BYTES, "a locale file")
            .map_err(|e| vec![format!("{}: {e}", p.display())])?;
        texts.push(text);
    }
    let sources: Vec<&str> = texts.iter().map(String::as_str).collect();
    // Problems name the file, not its index.
    crate::model::i18n::Catalog::from_sources(tag, &sources).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| {
                paths
                    .iter()
                    .enumerate()
                    .find_map(|(i, path)| {
                        p.strip_prefix(&format!("file {i}: "))
                            .map(|rest| format!("{}: {rest}", path.display()))
                    })
                    .unwrap_or(p)
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_within_the_cap_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_capped(&p, 10, "the file").unwrap(), b"0123456789");
        assert_eq!(read_capped_text(&p, 10, "the file").unwrap(), "0123456789");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_the_limit_named() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big.json");
        std::fs::write(&p, vec![b' '; 2048 + 1]).unwrap();
        let e = read_capped(&p, 2048, "the facility map")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the facility map is 2049 bytes, more than the 2 KiB"),
            "{e}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn devices_pipes_and_folders_are_refused_without_reading() {
        // /dev/zero would read forever; a pipe would block at open.
        let e = read_capped(Path::new("/dev/zero"), 1024, "the draft")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("the draft must be a regular file, but this is a device"),
            "{e}"
        );
        let dir = tempfile::tempdir().unwrap();
        let e = read_capped(dir.path(), 1024, "the forms")
            .unwrap_err()
            .to_string();
        assert!(e.contains("this is a folder"), "{e}");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let e = read_capped(&fifo, 1024, "the secret file")
            .unwrap_err()
            .to_string();
        assert!(e.contains("this is a pipe"), "{e}");
    }

    #[test]
    fn text_must_be_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t");
        std::fs::write(&p, [b'a', 0xff]).unwrap();
        let e = read_capped_text(&p, 10, "agent.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("byte 1 is not valid"), "{e}");
    }
}
