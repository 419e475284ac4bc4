//! A synthetic population of assessments for tests, demonstrations and benchmarks.
//!
//! Deterministic for a seed: every organisation draws from its own generator seeded from the
//! seed and its index, so the bytes written do not depend on thread scheduling. The population
//! is meant to look like a real one to the aggregation: sectors, regions and parents in uneven
//! proportions, an organisation-level maturity that makes outcomes correlate and improves
//! slowly over periods, harder and easier outcomes, a v3.2→v4.0 transition in the latest
//! period, suppliers drawn from a skewed (Zipf-like) distribution with inconsistent spellings,
//! and a few invalid files of the kinds real submissions contain.
//!
//! Two shapes of file: [`Shape::Real`] (the default) writes what people and tools really write
//! (comments, evidence, overrides, carried answers, CRLF; see [`real`] for the proportions), so
//! that benchmarks and tests meet the text real readers meet; [`Shape::Plain`] writes the bare
//! shape `caf init` and `caf assess` produce. [`hostile`] writes single files shaped to hurt a
//! reader, for property tests and benchmarks.
//!
//! Organisation names are invented from place-name fragments; identifiers are `SYN` numbers.

pub mod hostile;
pub mod real;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use super::supplier;
use crate::assessment;
use crate::diagnostic::SourceFile;
use crate::error::{Error, Result};
use crate::framework::{Catalog, Framework, Level, Outcome};
use crate::scoring;

/// How generated files are written; the population (who answers what) is the same in both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// Comments, evidence, overrides, carried answers, varied layout and line endings.
    #[default]
    Real,
    /// One `selected` list per outcome and suppliers on A4.a, nothing else.
    Plain,
}

#[derive(Debug, Clone)]
pub struct SynthOptions {
    pub orgs: usize,
    pub periods: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SynthSummary {
    pub files: usize,
    pub invalid: usize,
    pub periods: Vec<String>,
    pub bytes: u64,
}

/// SplitMix64: tiny, fast, and good enough for synthetic data; stable across platforms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, f64)]) -> &'a T {
        let total: f64 = items.iter().map(|(_, w)| w).sum();
        let mut x = self.unit() * total;
        for (item, w) in items {
            if x < *w {
                return item;
            }
            x -= w;
        }
        &items[items.len() - 1].0
    }
}

const SECTORS: &[(&str, f64)] = &[
    ("local-government", 40.0),
    ("health", 20.0),
    ("central-government", 15.0),
    ("fire-and-rescue", 8.0),
    ("police", 7.0),
    ("education", 5.0),
    ("transport", 5.0),
];

const REGIONS: &[(&str, f64)] = &[
    ("London", 14.0),
    ("South East", 14.0),
    ("North West", 12.0),
    ("East of England", 10.0),
    ("West Midlands", 9.0),
    ("South West", 9.0),
    ("Yorkshire and the Humber", 9.0),
    ("East Midlands", 8.0),
    ("North East", 5.0),
    ("Scotland", 5.0),
    ("Wales", 4.0),
    ("Northern Ireland", 1.0),
];

const CENTRAL_PARENTS: &[&str] = &[
    "Cabinet Office",
    "HM Treasury",
    "Ministry of Justice",
    "Department for Work and Pensions",
    "Ministry of Defence",
    "Department for Business and Trade",
    "Department for Environment, Food and Rural Affairs",
];

const PLACE_START: &[&str] = &[
    "Ash", "Bram", "Cold", "Dun", "East", "Fen", "Glen", "Hart", "Kings", "Long", "Marl", "North",
    "Oak", "Pen", "Queens", "Red", "Stan", "Thorn", "West", "Wych", "Brad", "Chel", "Holm", "Lang",
];
const PLACE_END: &[&str] = &[
    "ford", "ley", "bury", "ton", "field", "wick", "minster", "mouth", "dale", "ham", "worth",
    "stead", "bridge", "caster",
];
const AGENCY_WORDS: &[&str] = &[
    "Standards",
    "Records",
    "Licensing",
    "Inspection",
    "Grants",
    "Statistics",
    "Pensions",
    "Land",
    "Maritime",
    "Heritage",
    "Skills",
    "Benefits",
];

/// Suppliers in order of popularity, each with the spellings people use for it.
const SUPPLIERS: &[&[&str]] = &[
    &[
        "Microsoft Ltd",
        "Microsoft",
        "Microsoft UK Ltd",
        "MICROSOFT LIMITED",
    ],
    &["Capita plc", "Capita", "CAPITA PLC", "Capita Ltd"],
    &[
        "Amazon Web Services",
        "Amazon Web Services UK Ltd",
        "amazon web services",
    ],
    &["Civica UK Ltd", "Civica", "Civica Limited"],
    &["Agilisys Ltd", "Agilisys"],
    &["Oracle Corporation UK Ltd", "Oracle Corporation", "Oracle"],
    &["Idox plc", "Idox"],
    &["NEC Software Solutions UK Ltd", "NEC Software Solutions"],
    &["Sopra Steria Ltd", "Sopra Steria"],
    &["CGI IT UK Ltd", "CGI IT UK Limited", "CGI IT"],
    &["Atos IT Services UK Ltd", "Atos IT Services"],
    &["Fujitsu Services Ltd", "Fujitsu Services"],
    &["BT plc", "BT"],
    &["Softcat plc", "Softcat"],
    &["Computacenter UK Ltd", "Computacenter"],
    &["EMIS Health", "EMIS Health Ltd"],
    &["TPP", "TPP Ltd", "TPP Limited"],
    &["Synnovis", "Synnovis Ltd"],
    &[
        "Advanced Computer Software Group Ltd",
        "Advanced Computer Software Group",
    ],
    &["Xentrall Shared Services"],
    &["Jadu Ltd", "Jadu"],
    &["Granicus", "Granicus Ltd"],
    &["Northgate Public Services", "Northgate Public Services Ltd"],
    &["Bytes Software Services Ltd", "Bytes Software Services"],
    &["Cisco Systems Ltd", "Cisco Systems"],
    &["Salesforce UK Ltd", "Salesforce"],
    &["Google Cloud EMEA Ltd", "Google Cloud EMEA"],
    &["Kainos Software Ltd", "Kainos Software"],
    &["Mastek UK Ltd", "Mastek"],
    &["Netcompany UK Ltd", "Netcompany"],
];

/// The periods generated, oldest first, ending in 2026/27.
pub fn period_labels(count: usize) -> Vec<String> {
    (0..count)
        .rev()
        .map(|back| {
            let start = 2026 - back as u32;
            format!("{start}/{:02}", (start + 1) % 100)
        })
        .collect()
}

struct Org {
    index: usize,
    id: String,
    name: String,
    sector: &'static str,
    region: &'static str,
    parent: &'static str,
    profile: &'static str,
    maturity: f64,
    moves_to_v4: bool,
}

fn make_org(index: usize, rng: &mut Rng) -> Org {
    let sector = *rng.weighted(SECTORS);
    let place = format!("{}{}", rng.pick(PLACE_START), rng.pick(PLACE_END));
    let (name, parent) = match sector {
        "local-government" => (
            format!(
                "{place} {} Council",
                rng.pick(&[
                    "Borough",
                    "District",
                    "City",
                    "County",
                    "Metropolitan Borough"
                ])
            ),
            "Ministry of Housing, Communities and Local Government",
        ),
        "health" => (
            format!(
                "{place} {}",
                rng.pick(&[
                    "NHS Foundation Trust",
                    "Hospitals NHS Trust",
                    "Integrated Care Board",
                    "Community Health NHS Trust"
                ])
            ),
            "Department of Health and Social Care",
        ),
        "central-government" => (
            format!(
                "{} {}",
                rng.pick(AGENCY_WORDS),
                rng.pick(&["Agency", "Office", "Service", "Authority"])
            ),
            *rng.pick(CENTRAL_PARENTS),
        ),
        "fire-and-rescue" => (
            format!("{place} Fire and Rescue Authority"),
            "Ministry of Housing, Communities and Local Government",
        ),
        "police" => (format!("{place} Police"), "Home Office"),
        "education" => (format!("University of {place}"), "Department for Education"),
        _ => (
            format!("{place} Transport Authority"),
            "Department for Transport",
        ),
    };
    let profile = if matches!(sector, "central-government" | "health") && rng.unit() < 0.3 {
        "enhanced"
    } else {
        "baseline"
    };
    // Mean of three uniforms: bell-shaped around 0.5.
    let maturity = 0.1 + (rng.unit() + rng.unit() + rng.unit()) / 3.0;
    Org {
        index,
        id: format!("SYN{index:06}"),
        name,
        sector,
        region: rng.weighted::<&str>(REGIONS),
        parent,
        profile,
        maturity,
        moves_to_v4: rng.unit() < 0.6,
    }
}

/// One outcome's difficulty, fixed for the population: supply chain and detection are hard.
fn difficulty(id: &str, rng: &mut Rng) -> f64 {
    let base = (rng.unit() - 0.5) * 0.2;
    let hard = if id.starts_with("A4") || id.starts_with("C1") || id.starts_with("C2") {
        -0.15
    } else if id.starts_with("B4") || id.starts_with("B5") {
        -0.07
    } else if id.starts_with("A1") {
        0.1
    } else {
        0.0
    };
    base + hard
}

/// What both writers know about the file being written.
struct FileContext<'a> {
    org: &'a Org,
    framework: &'a Framework,
    period: &'a str,
    maturity: f64,
    difficulties: &'a [(String, f64)],
    not_assessed: f64,
}

impl FileContext<'_> {
    /// The level the organisation is at on `outcome` this period, or `None` when it left the
    /// outcome unanswered.
    fn level(&self, outcome: &Outcome, rng: &mut Rng) -> Option<Level> {
        if rng.unit() < self.not_assessed {
            return None;
        }
        let d = self
            .difficulties
            .iter()
            .find(|(id, _)| id == outcome.id.as_str())
            .map_or(0.0, |(_, d)| *d);
        let x = self.maturity + d + (rng.unit() - 0.5) * 0.4;
        Some(if x > 0.6 {
            Level::Achieved
        } else if x > 0.38 {
            Level::PartiallyAchieved
        } else {
            Level::NotAchieved
        })
    }

    /// The assessment date: some day between May of the period's first year and December.
    fn date(&self, rng: &mut Rng) -> String {
        let year: u32 = self.period[..4].parse().unwrap_or(2026);
        let month = 5 + rng.below(8);
        format!("{year}-{month:02}-{:02}", 1 + rng.below(28))
    }
}

/// Between one and four suppliers, Zipf-like in popularity, each in one of its spellings, no
/// supplier twice.
fn draw_suppliers(rng: &mut Rng) -> Vec<&'static str> {
    let count = 1 + rng.below(4);
    let weights: Vec<(usize, f64)> = (0..SUPPLIERS.len())
        .map(|k| (k, 1.0 / (k as f64 + 1.0).powf(1.1)))
        .collect();
    let mut chosen: Vec<&'static str> = Vec::new();
    for _ in 0..count {
        let k = *rng.weighted(&weights);
        let spelling = *rng.pick(SUPPLIERS[k]);
        if !chosen
            .iter()
            .any(|c| supplier::normalise(c) == supplier::normalise(spelling))
        {
            chosen.push(spelling);
        }
    }
    chosen
}

/// Writes the assessment in the plain shape: every statement of the level reached (one
/// not-achieved statement below partially achieved), in framework order.
fn plain_text(cx: &FileContext, rng: &mut Rng) -> String {
    let (org, framework) = (cx.org, cx.framework);
    let mut t = String::with_capacity(4096);
    let _ = writeln!(
        t,
        "# Synthetic assessment (caf synth); fictional organisation."
    );
    let _ = writeln!(t, "framework = \"{}\"", framework.id);
    let _ = writeln!(t, "profile = \"{}\"", org.profile);
    let _ = writeln!(t, "period = \"{}\"\n", cx.period);
    let _ = writeln!(t, "[organisation]");
    let _ = writeln!(t, "name = \"{}\"", org.name);
    let _ = writeln!(t, "id = \"{}\"", org.id);
    let _ = writeln!(t, "sector = \"{}\"", org.sector);
    let _ = writeln!(t, "region = \"{}\"", org.region);
    let _ = writeln!(t, "parent = \"{}\"\n", org.parent);
    let _ = writeln!(t, "[scope]");
    let _ = writeln!(
        t,
        "system = \"Corporate network and line-of-business systems\""
    );
    let _ = writeln!(t, "date = {}", cx.date(rng));
    for outcome in &framework.outcomes {
        let Some(level) = cx.level(outcome, rng) else {
            continue;
        };
        let refs: Vec<&str> = match level {
            Level::NotAchieved => {
                let na: Vec<&str> = outcome
                    .indicators_at(Level::NotAchieved)
                    .map(|i| i.reference.as_str())
                    .collect();
                na.get(rng.below(na.len().max(1)))
                    .copied()
                    .into_iter()
                    .collect()
            }
            level => outcome
                .indicators_at(level)
                .map(|i| i.reference.as_str())
                .collect(),
        };
        let _ = writeln!(t, "\n[outcomes.\"{}\"]", outcome.id);
        let _ = write!(t, "selected = [");
        for (i, r) in refs.iter().enumerate() {
            let _ = write!(t, "{}\"{r}\"", if i == 0 { "" } else { ", " });
        }
        let _ = writeln!(t, "]");
        if outcome.id.as_str() == "A4.a" {
            let list: Vec<String> = draw_suppliers(rng)
                .iter()
                .map(|s| format!("\"{s}\""))
                .collect();
            let _ = writeln!(t, "suppliers = [{}]", list.join(", "));
        }
    }
    t
}

/// Spoils a valid file the way real submissions go wrong; the kind rotates with the index.
/// Each kind is an error in either shape, whatever the layout drawn.
fn spoil(text: &str, kind: usize) -> String {
    match kind % 4 {
        0 => format!("{text}\n[outcomes.\"Z9.z\"]\nselected = []\n"),
        1 => text.replacen("date = ", "date = 2026-13-45 # was ", 1),
        2 => {
            let mut half = text.len() / 2;
            while !text.is_char_boundary(half) {
                half -= 1;
            }
            text[..half].to_string() + "\nselected = [\"unterminated\n"
        }
        _ => text.replacen("framework = \"", "framework = \"caf-9.9-", 1),
    }
}
/// One scored assessment as a line of JSON: what an analyst would load into a database.
#[derive(Serialize)]
struct JsonLine<'a> {
    input: &'a str,
    framework: &'a str,
    period: &'a str,
    profile: &'a str,
    organisation: &'a str,
    sector: &'a str,
    region: &'a str,
    parent: &'a str,
    outcomes: Vec<JsonOutcome>,
}

#[derive(Serialize)]
struct JsonOutcome {
    id: String,
    status: &'static str,
    met: Option<bool>,
}

/// Writes one generated file, creating its folder.
fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| Error::Write {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    // Generated data, rewritten whole on every run: a plain write is enough here.
    std::fs::write(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The assessment `text` written at `path`, scored, as one line of JSON (without the newline).
fn json_line(
    catalog: &Catalog,
    path: &Path,
    text: String,
    framework: &Framework,
    period: &str,
    org: &Org,
) -> Result<String> {
    let name = path.display().to_string();
    let loaded = assessment::parse(&SourceFile::new(name.clone(), text), catalog)?;
    let profile = loaded.profile(None)?;
    let card = scoring::score(&loaded.framework, &loaded.assessment, profile);
    let line = JsonLine {
        input: &name,
        framework: &framework.id,
        period,
        profile: org.profile,
        organisation: &org.id,
        sector: org.sector,
        region: org.region,
        parent: org.parent,
        outcomes: card
            .outcomes
            .iter()
            .map(|o| JsonOutcome {
                id: o.id.clone(),
                status: o.status.key(),
                met: o.met,
            })
            .collect(),
    };
    Ok(serde_json::to_string(&line).expect("plain data serialises"))
}

/// Writes one file of each hostile kind into `dir` as `<kind>.toml`, `size` bytes each.
pub fn write_hostile(kinds: &[hostile::Hostile], size: usize, dir: &Path) -> Result<Vec<PathBuf>> {
    kinds
        .iter()
        .map(|&kind| {
            let path = dir.join(format!("{kind}.toml"));
            write(&path, &hostile::generate(kind, size))?;
            Ok(path)
        })
        .collect()
}

/// Fixed for a population: the frameworks, the periods and each outcome's difficulty.
struct Setup {
    v32: Arc<Framework>,
    v40: Arc<Framework>,
    periods: Vec<String>,
    difficulties: Vec<(String, f64)>,
    seed: u64,
    shape: Shape,
}

impl Setup {
    fn new(catalog: &Catalog, options: &SynthOptions, shape: Shape) -> Result<Self> {
        let v32 = catalog.framework("caf-3.2")?;
        let v40 = catalog.framework("caf-4.0")?;
        let mut global = Rng::new(options.seed ^ 0xCAF0_CAF0_CAF0_CAF0);
        let difficulties = v40
            .outcomes
            .iter()
            .chain(&v32.outcomes)
            .map(|o| (o.id.to_string(), difficulty(o.id.as_str(), &mut global)))
            .collect();
        Ok(Self {
            v32,
            v40,
            periods: period_labels(options.periods.max(1)),
            difficulties,
            seed: options.seed,
            shape,
        })
    }

    /// Every file of organisation `index`, oldest period first; `spoilt` marks the deliberately
    /// invalid ones.
    fn organisation(&self, index: usize) -> (Org, Vec<Generated>) {
        let mut rng = Rng::new(
            self.seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
                ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let org = make_org(index, &mut rng);
        let mut maturity = org.maturity;
        let mut files = Vec::with_capacity(self.periods.len());
        // The last period's answers, for carrying forward (same framework only).
        let mut previous: Option<(Arc<Framework>, real::Answers)> = None;
        for (p, period) in self.periods.iter().enumerate() {
            let latest = p + 1 == self.periods.len();
            let framework = if latest && org.moves_to_v4 {
                &self.v40
            } else {
                &self.v32
            };
            let cx = FileContext {
                org: &org,
                framework,
                period,
                maturity,
                difficulties: &self.difficulties,
                not_assessed: if latest { 0.05 } else { 0.02 },
            };
            let (mut text, crlf) = match self.shape {
                Shape::Plain => (plain_text(&cx, &mut rng), false),
                Shape::Real => {
                    let carry = previous
                        .as_ref()
                        .filter(|(f, _)| Arc::ptr_eq(f, framework))
                        .map(|(_, answers)| answers);
                    let file = real::write(&cx, carry, &mut rng);
                    previous = Some((framework.clone(), file.answers));
                    (file.text, file.crlf)
                }
            };
            // About one file in 500, at fixed places so that every population has a few.
            let spoilt = (org.index * self.periods.len() + p) % 499 == 3;
            if spoilt {
                text = spoil(&text, org.index + p);
            }
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            files.push(Generated {
                path: PathBuf::from(period.replace('/', "-"))
                    .join(org.sector)
                    .join(format!("{}.toml", org.id)),
                text,
                framework: framework.clone(),
                period: period.clone(),
                spoilt,
            });
            maturity = (maturity + 0.04 + (rng.unit() - 0.5) * 0.1).clamp(0.0, 1.0);
        }
        (org, files)
    }
}

/// One generated file, before it is written.
struct Generated {
    /// Relative to the output folder.
    path: PathBuf,
    text: String,
    framework: Arc<Framework>,
    period: String,
    spoilt: bool,
}

/// Generates the population in the plain shape; see [`generate_shaped`].
pub fn generate(
    catalog: &Catalog,
    options: &SynthOptions,
    dir: &Path,
    jsonl: Option<&Path>,
) -> Result<SynthSummary> {
    generate_shaped(catalog, options, Shape::Plain, dir, jsonl)
}

/// Generates the population into `dir` (`<period>/<sector>/<id>.toml`) in `shape`; with
/// `jsonl`, also writes each valid assessment, scored, as one line of JSON.
pub fn generate_shaped(
    catalog: &Catalog,
    options: &SynthOptions,
    shape: Shape,
    dir: &Path,
    jsonl: Option<&Path>,
) -> Result<SynthSummary> {
    let setup = Setup::new(catalog, options, shape)?;
    let per_org: Vec<Result<(usize, usize, u64, String)>> = (0..options.orgs)
        .into_par_iter()
        .map(|index| {
            let (org, generated) = setup.organisation(index);
            let (mut files, mut invalid, mut bytes) = (0, 0, 0u64);
            let mut lines = String::new();
            for file in generated {
                let path = dir.join(&file.path);
                write(&path, file.text.as_bytes())?;
                files += 1;
                invalid += usize::from(file.spoilt);
                bytes += file.text.len() as u64;
                if jsonl.is_some() && !file.spoilt {
                    lines.push_str(&json_line(
                        catalog,
                        &path,
                        file.text,
                        &file.framework,
                        &file.period,
                        &org,
                    )?);
                    lines.push('\n');
                }
            }
            Ok((files, invalid, bytes, lines))
        })
        .collect();
    let mut summary = SynthSummary {
        files: 0,
        invalid: 0,
        periods: setup.periods.clone(),
        bytes: 0,
    };
    let mut all_lines = String::new();
    for result in per_org {
        let (files, invalid, bytes, lines) = result?;
        summary.files += files;
        summary.invalid += invalid;
        summary.bytes += bytes;
        all_lines.push_str(&lines);
    }
    if let Some(path) = jsonl {
        crate::fsutil::write_atomic(path, all_lines.as_bytes())?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_stable() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        assert_eq!(xs, (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
        // Pinned: a change here changes every synthetic population.
        assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&a.unit())));
    }

    #[test]
    fn periods_end_in_2026_27() {
        assert_eq!(period_labels(3), vec!["2024/25", "2025/26", "2026/27"]);
        assert_eq!(period_labels(1), vec!["2026/27"]);
    }
}
