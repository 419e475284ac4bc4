//! Where assessments come from. Aggregation reads through [`Source`] so that a folder of files
//! today and a collection server tomorrow feed the same computation: a source lists the
//! assessments it holds and fetches one by name, and the aggregation does the rest in parallel.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::diagnostic::utf8_diagnostic;
use crate::error::{Error, Result};

/// A collection of assessment texts, each known by a name used in messages (a path, a URL).
pub trait Source: Sync {
    /// The names of the assessments, in a stable order.
    fn list(&self) -> Result<Vec<String>>;
    /// The TOML text of one assessment.
    fn fetch(&self, name: &str) -> Result<String>;
    /// [`Source::fetch`] into `text`, replacing its content: a caller reading many assessments
    /// reuses one buffer.
    fn fetch_into(&self, name: &str, text: &mut String) -> Result<()> {
        *text = self.fetch(name)?;
        Ok(())
    }
    /// Who the assessment belongs to according to a registry, when the source has one: its
    /// name, sector, region and parent then replace what the file claims (files: `None`).
    fn registered(&self, _name: &str) -> Option<Registered> {
        None
    }
}

/// An organisation's details as a registry (the collection service's database) records them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registered {
    pub id: String,
    pub name: String,
    pub sector: Option<String>,
    pub region: Option<String>,
    pub parent: Option<String>,
}

/// A [`Registered`] borrowed from wherever the registry's record is kept, so that folding
/// copies only what the accumulators keep.
#[derive(Debug, Clone, Copy)]
pub struct RegisteredRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sector: Option<&'a str>,
    pub region: Option<&'a str>,
    pub parent: Option<&'a str>,
}

impl<'a> From<&'a Registered> for RegisteredRef<'a> {
    fn from(r: &'a Registered) -> Self {
        RegisteredRef {
            id: &r.id,
            name: &r.name,
            sector: r.sector.as_deref(),
            region: r.region.as_deref(),
            parent: r.parent.as_deref(),
        }
    }
}

/// What a file claims, when no registry replaces it.
impl<'a> From<&'a crate::assessment::Organisation> for RegisteredRef<'a> {
    fn from(o: &'a crate::assessment::Organisation) -> Self {
        RegisteredRef {
            id: &o.id,
            name: &o.name,
            sector: o.sector.as_deref(),
            region: o.region.as_deref(),
            parent: o.parent.as_deref(),
        }
    }
}

/// Assessment files named directly, or found by searching folders recursively for `*.toml`.
///
/// From a folder, only regular files are read: a FIFO named `x.toml` would block the read for
/// ever and a device might never end, so either is opened without waiting, checked, and
/// skipped. A symbolic link in a folder is followed only to a file inside that folder, unless
/// [`FileSource::follow_symlinks`] allows any target, so a link to `/etc/passwd` is neither read
/// nor quoted in an error. A file named directly is read whatever it is: the caller chose it
/// (a shell's `<(...)` is a pipe).
#[derive(Debug, Clone)]
pub struct FileSource {
    roots: Vec<PathBuf>,
    follow_symlinks: bool,
}

impl FileSource {
    pub fn new(roots: Vec<PathBuf>) -> Self {
        Self {
            roots,
            follow_symlinks: false,
        }
    }

    /// Follow symbolic links found in folders wherever they point.
    pub fn follow_symlinks(mut self, follow: bool) -> Self {
        self.follow_symlinks = follow;
        self
    }

    /// The folder `path` was found in by [`Source::list`], if it was not named directly.
    fn folder_of(&self, path: &Path) -> Option<&Path> {
        self.roots
            .iter()
            .find(|root| path != root.as_path() && path.starts_with(root))
            .map(PathBuf::as_path)
    }
}

impl Source for FileSource {
    fn list(&self) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for root in &self.roots {
            let meta = std::fs::metadata(root).map_err(|source| Error::Read {
                path: root.clone(),
                source,
            })?;
            if meta.is_dir() {
                let start = found.len();
                walk(root, &mut found)?;
                found[start..].sort();
            } else {
                found.push(root.display().to_string());
            }
        }
        Ok(found)
    }

    fn fetch(&self, name: &str) -> Result<String> {
        let mut text = String::new();
        self.fetch_into(name, &mut text)?;
        Ok(text)
    }

    fn fetch_into(&self, name: &str, text: &mut String) -> Result<()> {
        let mut bytes = std::mem::take(text).into_bytes();
        bytes.clear();
        let path = Path::new(name);
        let file = match self.folder_of(path) {
            Some(folder) => open_in_folder(path, folder, self.follow_symlinks),
            None => File::open(path),
        };
        // Through `take`, which reads without first asking the file's size (two system calls
        // that showed in profiles): a reused buffer is usually big enough already.
        file.and_then(|file| file.take(u64::MAX).read_to_end(&mut bytes))
            .map_err(|source| Error::Read {
                path: name.into(),
                source,
            })?;
        match String::from_utf8(bytes) {
            Ok(decoded) => {
                *text = decoded;
                Ok(())
            }
            Err(e) => Err(vec![utf8_diagnostic(
                name.to_string(),
                e.as_bytes(),
                e.utf8_error(),
            )]
            .into()),
        }
    }
}

/// Opens a file found in `folder`: a regular file, reached through a symbolic link only if the
/// link stays inside `folder` (or `follow` says any target will do).
fn open_in_folder(path: &Path, folder: &Path, follow: bool) -> io::Result<File> {
    let file = match open_without_waiting(path, follow) {
        Err(_) if !follow && is_symlink(path) => {
            let target = std::fs::canonicalize(path)?;
            if !target.starts_with(std::fs::canonicalize(folder)?) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "a symbolic link to a file outside {}: not followed",
                        folder.display()
                    ),
                ));
            }
            // The canonical path has no links left to swap in.
            open_without_waiting(&target, false)?
        }
        opened => opened?,
    };
    // Checked on the open file, not the name, so nothing can be swapped in between.
    let kind = file.metadata()?.file_type();
    if kind.is_file() {
        Ok(file)
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("not a regular file ({}): skipped", describe(kind)),
        ))
    }
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Opens for reading without waiting for a FIFO's writer and, unless `follow`, refusing a
/// symbolic link as the last component of `path`.
#[cfg(unix)]
fn open_without_waiting(path: &Path, follow: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let no_follow = if follow { 0 } else { libc::O_NOFOLLOW };
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | no_follow)
        .open(path)
}

/// Elsewhere a FIFO cannot carry a `.toml` name in a folder; links are refused by a look first.
#[cfg(not(unix))]
fn open_without_waiting(path: &Path, follow: bool) -> io::Result<File> {
    if !follow && is_symlink(path) {
        return Err(io::Error::other("a symbolic link"));
    }
    File::open(path)
}

fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else {
        "not a file"
    }
}

fn walk(dir: &Path, found: &mut Vec<String>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            found.push(path.display().to_string());
        }
    }
    Ok(())
}
