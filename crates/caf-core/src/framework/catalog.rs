//! The set of frameworks, profile packs and mappings `caf` knows: the shipped ones, embedded in
//! the binary, plus any a user adds with `--frameworks DIR` (or `CAF_FRAMEWORKS`).
//!
//! Shipped frameworks are built on first use from the Rust that build.rs wrote for them once
//! they validated, so a command that scores one v4.0 assessment neither parses TOML nor builds
//! v3.2. A user's files are parsed and validated as soon as the folder is added, so a mistake
//! in them is reported before any work starts.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::Framework;
use super::load::{self, FileKind};
use super::mapping::{self, Mapping};
use super::shipped;
use super::statements::{self, StatementMap};
use crate::diagnostic::{Code, Diagnostic, SourceFile};
use crate::error::{Error, Result};

/// Where a framework came from, for listings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Shipped,
    User(PathBuf),
}

struct FrameworkEntry {
    id: String,
    origin: Origin,
    source: FrameworkSource,
    parsed: OnceLock<std::result::Result<Arc<Framework>, Vec<Diagnostic>>>,
}

enum FrameworkSource {
    /// Checked when caf was built; builds without parsing.
    Shipped(fn() -> Framework),
    File(SourceFile),
}

struct MappingEntry {
    source: SourceFile,
    parsed: OnceLock<std::result::Result<Arc<Mapping>, Vec<Diagnostic>>>,
}

struct StatementMapEntry {
    source: SourceFile,
    parsed: OnceLock<std::result::Result<Arc<StatementMap>, Vec<Diagnostic>>>,
}

pub struct Catalog {
    frameworks: Vec<FrameworkEntry>,
    mappings: Vec<MappingEntry>,
    statement_maps: Vec<StatementMapEntry>,
}

impl Catalog {
    /// The frameworks and mappings shipped inside the binary.
    pub fn shipped() -> Self {
        Self {
            frameworks: shipped::FRAMEWORKS
                .iter()
                .map(|shipped| FrameworkEntry {
                    id: shipped.id.to_string(),
                    origin: Origin::Shipped,
                    source: FrameworkSource::Shipped(shipped.build),
                    parsed: OnceLock::new(),
                })
                .collect(),
            mappings: shipped::MAPPINGS
                .iter()
                .map(|(name, text)| MappingEntry {
                    source: SourceFile::new(*name, *text),
                    parsed: OnceLock::new(),
                })
                .collect(),
            statement_maps: shipped::STATEMENT_MAPS
                .iter()
                .map(|(name, text)| StatementMapEntry {
                    source: SourceFile::new(*name, *text),
                    parsed: OnceLock::new(),
                })
                .collect(),
        }
    }

    /// The shipped catalogue plus every `*.toml` in `dir` (frameworks, profile packs, mappings).
    pub fn with_dir(dir: &Path) -> Result<Self> {
        let mut catalog = Self::shipped();
        catalog.add_dir(dir)?;
        Ok(catalog)
    }

    fn add_dir(&mut self, dir: &Path) -> Result<()> {
        let read_err = |source| Error::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        let mut sources = Vec::new();
        for path in paths {
            let source = crate::fsutil::read_source(&path)?;
            sources.push((load::kind_of(source.text()), path.clone(), source));
        }
        let mut problems = Vec::new();
        // Frameworks first: packs and mappings refer to them.
        for (kind, path, source) in &sources {
            if !matches!(kind, FileKind::Framework) {
                continue;
            }
            match load::parse_framework(source) {
                Ok(framework) if self.entry(&framework.id).is_some() => problems.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        format!("framework `{}` is already defined", framework.id),
                    )
                    .in_file(source.name())
                    .help("give your framework its own id"),
                ),
                Ok(framework) => self.frameworks.push(FrameworkEntry {
                    id: framework.id.clone(),
                    origin: Origin::User(path.clone()),
                    source: FrameworkSource::File(source.clone()),
                    parsed: OnceLock::from(Ok(Arc::new(framework))),
                }),
                Err(diags) => problems.extend(diags),
            }
        }
        for (kind, _, source) in &sources {
            match kind {
                FileKind::Framework => {}
                FileKind::ProfilePack => {
                    match load::parse_profile_pack(source, |id| self.framework(id)) {
                        Ok((base, profiles)) => self.add_profiles(&base, profiles)?,
                        Err(diags) => problems.extend(diags),
                    }
                }
                FileKind::Mapping => {
                    match mapping::parse_mapping(source, |id| self.framework(id)) {
                        Ok(m) => self.mappings.insert(
                            0,
                            MappingEntry {
                                source: source.clone(),
                                parsed: OnceLock::from(Ok(Arc::new(m))),
                            },
                        ),
                        Err(diags) => problems.extend(diags),
                    }
                }
                FileKind::StatementMap => {}
            }
        }
        // Statement maps last: they are checked against the outcome mappings.
        for (kind, _, source) in &sources {
            if !matches!(kind, FileKind::StatementMap) {
                continue;
            }
            match statements::parse_statement_map(
                source,
                |id| self.framework(id).ok(),
                |from, to| self.mapping(from, to),
            ) {
                Ok(m) => self.statement_maps.insert(
                    0,
                    StatementMapEntry {
                        source: source.clone(),
                        parsed: OnceLock::from(Ok(Arc::new(m))),
                    },
                ),
                Err(diags) => problems.extend(diags),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(problems))
        }
    }

    fn add_profiles(&mut self, base: &str, profiles: Vec<super::Profile>) -> Result<()> {
        let mut framework = (*self.framework(base)?).clone();
        for profile in profiles {
            framework.put_profile(profile);
        }
        let entry = self
            .frameworks
            .iter_mut()
            .find(|e| e.id == base)
            .expect("framework() just found this entry");
        entry.parsed = OnceLock::from(Ok(Arc::new(framework)));
        Ok(())
    }

    fn entry(&self, id: &str) -> Option<&FrameworkEntry> {
        self.frameworks.iter().find(|e| e.id == id)
    }

    /// Framework ids in catalogue order (shipped first).
    pub fn ids(&self) -> Vec<&str> {
        self.frameworks.iter().map(|e| e.id.as_str()).collect()
    }

    pub fn origin(&self, id: &str) -> Option<&Origin> {
        self.entry(id).map(|e| &e.origin)
    }

    /// The framework with this id, parsed and validated on first use.
    pub fn framework(&self, id: &str) -> Result<Arc<Framework>> {
        let entry = self.entry(id).ok_or_else(|| Error::UnknownFramework {
            id: id.to_string(),
            known: self.ids().join(", "),
        })?;
        entry
            .parsed
            .get_or_init(|| match &entry.source {
                FrameworkSource::Shipped(build) => Ok(Arc::new(build())),
                FrameworkSource::File(source) => load::parse_framework(source).map(Arc::new),
            })
            .clone()
            .map_err(Error::Invalid)
    }

    /// The mapping that leads from framework `from` to framework `to`, if one is known.
    pub fn mapping(&self, from: &str, to: &str) -> Option<Arc<Mapping>> {
        self.mappings.iter().find_map(|entry| {
            let parsed = entry
                .parsed
                .get_or_init(|| {
                    mapping::parse_mapping(&entry.source, |id| self.framework(id)).map(Arc::new)
                })
                .as_ref()
                .ok()?;
            (parsed.from == from && parsed.to == to).then(|| parsed.clone())
        })
    }

    /// The statement-level map from framework `from` to framework `to`, if one is known.
    pub fn statement_map(&self, from: &str, to: &str) -> Option<Arc<StatementMap>> {
        self.statement_maps.iter().find_map(|entry| {
            let parsed = self.parse_statement_map(entry).as_ref().ok()?;
            (parsed.from == from && parsed.to == to).then(|| parsed.clone())
        })
    }

    fn parse_statement_map<'a>(
        &self,
        entry: &'a StatementMapEntry,
    ) -> &'a std::result::Result<Arc<StatementMap>, Vec<Diagnostic>> {
        entry.parsed.get_or_init(|| {
            statements::parse_statement_map(
                &entry.source,
                |id| self.framework(id).ok(),
                |from, to| self.mapping(from, to),
            )
            .map(Arc::new)
        })
    }

    /// Every statement map, parsed; for the tests that check the shipped data.
    pub fn statement_maps(&self) -> Vec<std::result::Result<Arc<StatementMap>, Vec<Diagnostic>>> {
        self.statement_maps
            .iter()
            .map(|entry| self.parse_statement_map(entry).clone())
            .collect()
    }

    /// Every shipped mapping, parsed; for the tests that check the shipped data.
    pub fn mappings(&self) -> Vec<std::result::Result<Arc<Mapping>, Vec<Diagnostic>>> {
        self.mappings
            .iter()
            .map(|entry| {
                entry
                    .parsed
                    .get_or_init(|| {
                        mapping::parse_mapping(&entry.source, |id| self.framework(id)).map(Arc::new)
                    })
                    .clone()
            })
            .collect()
    }
}

/// Validates a single framework-folder file of any kind against this catalogue.
pub fn validate_file(
    catalog: &Catalog,
    source: &SourceFile,
) -> std::result::Result<(), Vec<Diagnostic>> {
    match load::kind_of(source.text()) {
        FileKind::Framework => load::parse_framework(source).map(drop),
        FileKind::ProfilePack => {
            load::parse_profile_pack(source, |id| catalog.framework(id)).map(drop)
        }
        FileKind::Mapping => mapping::parse_mapping(source, |id| catalog.framework(id)).map(drop),
        FileKind::StatementMap => statements::parse_statement_map(
            source,
            |id| catalog.framework(id).ok(),
            |from, to| catalog.mapping(from, to),
        )
        .map(drop),
    }
}
