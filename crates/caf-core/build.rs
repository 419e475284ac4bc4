//! Checks the shipped frameworks, mappings and statement maps with the loader `caf` uses at run
//! time (the same source files, compiled into this script), and writes the frameworks out as
//! Rust that builds them (`$OUT_DIR/shipped.rs`), so that no command parses their TOML again.
//!
//! A mistake in shipped data fails the build with the loader's located diagnostics. The
//! modules that embed this script's output (the catalogue) exist only under the
//! `shipped_frameworks` cfg, which this script sets for the library and not for itself.

// The loader's modules hold more than validation needs, and name a cfg only the library has.
#![allow(dead_code, unused_imports, unexpected_cfgs)]

#[path = "src/diagnostic.rs"]
mod diagnostic;
#[path = "src/error.rs"]
mod error;
#[path = "src/framework/mod.rs"]
mod framework;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use diagnostic::{Diagnostic, SourceFile};
use error::{Error, Result};
use framework::load::{self, FileKind};
use framework::{mapping, statements};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shipped_frameworks)");
    println!("cargo::rustc-cfg=shipped_frameworks");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    println!(
        "cargo::rerun-if-changed={}",
        root.join("frameworks").display()
    );
    match generate(&root) {
        Ok(code) => {
            let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
            std::fs::write(out.join("shipped.rs"), code).expect("OUT_DIR is writable");
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("{problem}\n");
            }
            eprintln!(
                "the shipped framework data has {} problem(s); fix them to build caf",
                problems.len()
            );
            std::process::exit(2);
        }
    }
}

/// Loads every shipped file, reporting every problem in all of them, and returns the Rust
/// module text.
fn generate(root: &Path) -> std::result::Result<String, Vec<Diagnostic>> {
    let frameworks = read_dir(root, "frameworks")?;
    let mappings = read_dir(root, "frameworks/mappings")?;
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for (path, source) in &frameworks {
        match load::kind_of(source.text()) {
            FileKind::Framework => match load::parse_framework(source) {
                Ok(f) => loaded.push((path, Arc::new(f))),
                Err(diags) => problems.extend(diags),
            },
            _ => problems.push(misplaced(source, "a framework")),
        }
    }
    // Mappings name the frameworks; checked against a broken one they would only add noise.
    if !problems.is_empty() {
        return Err(problems);
    }
    let by_id: HashMap<String, Arc<framework::Framework>> = (loaded.iter())
        .map(|(_, f)| (f.id.clone(), f.clone()))
        .collect();
    let framework_for = |id: &str| -> Result<Arc<framework::Framework>> {
        by_id
            .get(id)
            .cloned()
            .ok_or_else(|| Error::UnknownFramework {
                id: id.to_string(),
                known: loaded
                    .iter()
                    .map(|(_, f)| f.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let mut outcome_maps = Vec::new();
    let mut statement_maps = Vec::new();
    for (path, source) in &mappings {
        match load::kind_of(source.text()) {
            FileKind::Mapping => match mapping::parse_mapping(source, framework_for) {
                Ok(m) => outcome_maps.push((path, Arc::new(m))),
                Err(diags) => problems.extend(diags),
            },
            FileKind::StatementMap => statement_maps.push((path, source)),
            _ => problems.push(misplaced(source, "a mapping or a statement map")),
        }
    }
    for (_, source) in &statement_maps {
        let mapping_for = |from: &str, to: &str| {
            (outcome_maps.iter())
                .find(|(_, m)| m.from == from && m.to == to)
                .map(|(_, m)| m.clone())
        };
        if let Err(diags) =
            statements::parse_statement_map(source, |id| framework_for(id).ok(), mapping_for)
        {
            problems.extend(diags);
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut out = String::from("// Written by build.rs from the shipped framework files.\n\n");
    let table = |files: &mut dyn Iterator<Item = &PathBuf>| {
        let mut t = String::new();
        for path in files {
            let name = relative(root, path);
            let _ = writeln!(t, "    ({name:?}, include_str!({:?})),", path.display());
        }
        t
    };
    let _ = writeln!(
        out,
        "pub(super) const MAPPINGS: &[(&str, &str)] = &[\n{}];\n",
        table(&mut outcome_maps.iter().map(|(p, _)| *p))
    );
    let _ = writeln!(
        out,
        "pub(super) const STATEMENT_MAPS: &[(&str, &str)] = &[\n{}];\n",
        table(&mut statement_maps.iter().map(|(p, _)| *p))
    );
    out.push_str("pub(super) const FRAMEWORKS: &[Shipped] = &[\n");
    for (i, (path, f)) in loaded.iter().enumerate() {
        let _ = writeln!(
            out,
            "    Shipped {{ id: {:?}, file: {:?}, build: framework_{i} }},",
            f.id,
            relative(root, path)
        );
    }
    out.push_str("];\n");
    for (i, (_, f)) in loaded.iter().enumerate() {
        let _ = write!(out, "\nfn framework_{i}() -> Framework {{\n    ");
        f.rust(&mut out);
        out.push_str(".assemble()\n}\n");
    }
    Ok(out)
}

/// The `*.toml` files directly in `root/dir`, sorted, as the catalogue names them.
fn read_dir(
    root: &Path,
    dir: &str,
) -> std::result::Result<Vec<(PathBuf, SourceFile)>, Vec<Diagnostic>> {
    let unreadable = |path: &Path, e: std::io::Error| {
        vec![Diagnostic::error(
            diagnostic::Code::InvalidToml,
            format!("cannot read {}: {e}", path.display()),
        )]
    };
    let dir = root.join(dir);
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| unreadable(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| unreadable(&path, e))?;
        let path = path.canonicalize().map_err(|e| unreadable(&path, e))?;
        files.push((path.clone(), SourceFile::new(relative(root, &path), text)));
    }
    Ok(files)
}

fn misplaced(source: &SourceFile, expected: &str) -> Diagnostic {
    Diagnostic::error(
        diagnostic::Code::InvalidToml,
        format!("{} is not {expected}", source.name()),
    )
    .in_file(source.name())
    .help(
        "shipped frameworks go in frameworks/, mappings and statement maps in frameworks/mappings/",
    )
}

/// `frameworks/caf-4.0.toml`: the name the catalogue and its diagnostics use.
fn relative(root: &Path, path: &Path) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    path.strip_prefix(&root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A value written as the Rust expression that builds it again.
trait Rust {
    fn rust(&self, out: &mut String);
}

impl Rust for String {
    fn rust(&self, out: &mut String) {
        // `{:?}` of a str is a Rust string literal, with every escape Rust reads back.
        let _ = write!(out, "{self:?}.into()");
    }
}

impl Rust for bool {
    fn rust(&self, out: &mut String) {
        let _ = write!(out, "{self}");
    }
}

impl Rust for [usize; 3] {
    fn rust(&self, out: &mut String) {
        let _ = write!(out, "{self:?}");
    }
}

impl<T: Rust> Rust for Option<T> {
    fn rust(&self, out: &mut String) {
        match self {
            Some(value) => {
                out.push_str("Some(");
                value.rust(out);
                out.push(')');
            }
            None => out.push_str("None"),
        }
    }
}

impl<T: Rust> Rust for Vec<T> {
    fn rust(&self, out: &mut String) {
        out.push_str("vec![");
        for item in self {
            item.rust(out);
            out.push_str(",\n");
        }
        out.push(']');
    }
}

impl<K: Rust, V: Rust> Rust for BTreeMap<K, V> {
    fn rust(&self, out: &mut String) {
        out.push_str("BTreeMap::from([");
        for (key, value) in self {
            out.push('(');
            key.rust(out);
            out.push(',');
            value.rust(out);
            out.push_str("),");
        }
        out.push_str("])");
    }
}

impl Rust for framework::OutcomeId {
    fn rust(&self, out: &mut String) {
        let _ = write!(out, "OutcomeId::new({:?})", self.as_str());
    }
}

impl Rust for framework::IndicatorRef {
    fn rust(&self, out: &mut String) {
        let _ = write!(out, "IndicatorRef::checked({:?}.into())", self.as_str());
    }
}

impl Rust for framework::Level {
    fn rust(&self, out: &mut String) {
        let _ = write!(out, "Level::{self:?}");
    }
}

impl Rust for framework::Status {
    fn rust(&self, out: &mut String) {
        let _ = write!(out, "Status::{self:?}");
    }
}

impl Rust for framework::Condition {
    fn rust(&self, out: &mut String) {
        use framework::Condition;
        let _ = match self {
            Condition::Any(level) => write!(out, "Condition::Any(Level::{level:?})"),
            Condition::All(level) => write!(out, "Condition::All(Level::{level:?})"),
            Condition::None(level) => write!(out, "Condition::None(Level::{level:?})"),
            Condition::Otherwise => write!(out, "Condition::Otherwise"),
        };
    }
}

/// A struct literal of the named fields; `rest` gives the private fields, which
/// `Framework::assemble` fills in.
macro_rules! rust_struct {
    ($ty:ident { $($field:ident),* } $(, $rest:literal)?) => {
        impl Rust for framework::$ty {
            fn rust(&self, out: &mut String) {
                out.push_str(concat!(stringify!($ty), " {"));
                $(
                    out.push_str(concat!(stringify!($field), ": "));
                    self.$field.rust(out);
                    out.push_str(", ");
                )*
                $(out.push_str($rest);)?
                out.push('}');
            }
        }
    };
}

rust_struct!(Rule { condition, status });
rust_struct!(Objective {
    id,
    title,
    description
});
rust_struct!(Principle {
    id,
    objective,
    title,
    description
});
rust_struct!(Indicator {
    reference,
    level,
    text
});
rust_struct!(
    Outcome {
        id,
        principle,
        objective,
        title,
        description,
        indicators
    },
    "masks: [0; 3]"
);
rust_struct!(Profile {
    id,
    title,
    description,
    provisional,
    source,
    base,
    targets
});
rust_struct!(Provenance {
    sources,
    reconciled,
    statements
});
rust_struct!(
    Framework {
        id,
        name,
        version,
        notes,
        rules,
        objectives,
        principles,
        outcomes,
        profiles,
        provenance
    },
    "outcome_index: HashMap::new(), targets_by_position: Vec::new()"
);
