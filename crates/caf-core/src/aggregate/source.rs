//! Where assessments come from. Aggregation reads through [`Source`] so that a folder of files
//! today and a collection server tomorrow feed the same computation: a source lists the
//! assessments it holds and fetches one by name, and the aggregation does the rest in parallel.

use std::io::Read;
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

/// Assessment files named directly, or found by searching folders recursively for `*.toml`.
#[derive(Debug, Clone)]
pub struct FileSource {
    roots: Vec<PathBuf>,
}

impl FileSource {
    pub fn new(roots: Vec<PathBuf>) -> Self {
        Self { roots }
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
        // Through `take`, which reads without first asking the file's size (two system calls
        // that showed in profiles): a reused buffer is usually big enough already.
        std::fs::File::open(name)
            .and_then(|file| file.take(u64::MAX).read_to_end(&mut bytes))
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
