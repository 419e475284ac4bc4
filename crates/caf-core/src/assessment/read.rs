//! The one reader of assessment files, behind `score`, `check`, `report`, `aggregate`, the
//! service and the walk-through.
//!
//! The first pass fills a serde mirror of the file that borrows from the text (strings without
//! escapes stay slices of it). A one-pass scanner (`scan`) fills it for the usual shapes of a
//! valid file; anything it does not take goes to the `toml` crate's borrowed document, whose
//! syntax, type and unknown-key errors, with their locations, are every invalid file's first
//! diagnostics. The scanner only ever gives up, so validity is `toml`'s to decide. The second
//! pass, [`read`], checks the content against the framework once and yields a [`Reading`]:
//! still borrowed, with each answer's statements already a [`Selection`]. An [`Assessment`]
//! (owned, for one file's scorecard and report) and aggregation's digest are both made from a
//! `Reading`, so there is one set of validation rules and one set of diagnostics: an override
//! must be one the outcome's statements could give, and one that changes something.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use toml::Spanned;

use super::{Answer, Assessment, Date, Evidence, Organisation, Override, Scope};
use crate::diagnostic::{About, Code, Diagnostic, Diagnostics, SourceFile, parse_toml};
use crate::error::{Error, Result};
use crate::framework::load::known_outcomes_help;
use crate::framework::{Catalog, Framework, IndicatorRef, Outcome, Selection, Status, bit};
use crate::plan::{Action as PlanAction, ActionStatus};
use crate::scoring;

mod scan;

/// A string of the file: borrowed from the text unless it had escapes to resolve.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Text<'a>(pub Cow<'a, str>);

/// An optional text, owned.
pub fn owned(text: &Option<Text>) -> Option<String> {
    text.as_ref().map(|t| t.as_str().to_string())
}

impl<'a> Text<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            // serde's own wording for `String`, so messages read as they always have.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(
                self,
                v: &'de str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// A table's entries in file order, without a map to build: `toml` has already refused
/// duplicate keys.
#[derive(Debug)]
struct Entries<K, V>(Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for Entries<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct EntriesVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for EntriesVisitor<K, V> {
            type Value = Entries<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }
            fn visit_map<M: MapAccess<'de>>(
                self,
                mut map: M,
            ) -> std::result::Result<Self::Value, M::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(256));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAssessment<'a> {
    #[serde(borrow)]
    framework: Spanned<Text<'a>>,
    #[serde(borrow)]
    profile: Option<Spanned<Text<'a>>>,
    #[serde(borrow)]
    period: Option<Text<'a>>,
    #[serde(borrow)]
    organisation: RawOrganisation<'a>,
    #[serde(default, borrow)]
    scope: RawScope<'a>,
    #[serde(default, borrow)]
    outcomes: Entries<Spanned<Text<'a>>, Spanned<RawAnswer<'a>>>,
}

#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOrganisation<'a> {
    #[serde(borrow)]
    name: Spanned<Text<'a>>,
    #[serde(borrow)]
    id: Spanned<Text<'a>>,
    #[serde(borrow)]
    sector: Option<Text<'a>>,
    #[serde(borrow)]
    region: Option<Text<'a>>,
    #[serde(borrow)]
    parent: Option<Text<'a>>,
}

#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawScope<'a> {
    #[serde(borrow)]
    system: Option<Text<'a>>,
    #[serde(borrow)]
    assessor: Option<Text<'a>>,
    date: Option<Spanned<toml::Value>>,
}

#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAnswer<'a> {
    /// Absent (not empty) in a table that holds only a plan: the outcome is not assessed.
    #[serde(default, borrow)]
    selected: Option<Vec<Spanned<Text<'a>>>>,
    #[serde(borrow)]
    comment: Option<Text<'a>>,
    #[serde(default, borrow)]
    evidence: Vec<RawEvidence<'a>>,
    #[serde(rename = "override", borrow)]
    override_: Option<Spanned<RawOverride<'a>>>,
    #[serde(default, borrow)]
    suppliers: Vec<Text<'a>>,
    #[serde(default)]
    needs_review: bool,
    #[serde(default, borrow)]
    plan: Vec<Spanned<RawAction<'a>>>,
}

impl RawAnswer<'_> {
    /// A table with nothing but a plan: the organisation plans the outcome, it has not
    /// answered it.
    fn is_plan_only(&self) -> bool {
        self.selected.is_none()
            && self.comment.is_none()
            && self.evidence.is_empty()
            && self.override_.is_none()
            && self.suppliers.is_empty()
            && !self.needs_review
            && !self.plan.is_empty()
    }

    fn selected(&self) -> &[Spanned<Text<'_>>] {
        self.selected.as_deref().unwrap_or_default()
    }
}

/// One action of an outcome's `plan`.
#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction<'a> {
    #[serde(borrow)]
    action: Spanned<Text<'a>>,
    #[serde(borrow)]
    owner: Option<Text<'a>>,
    due: Option<Spanned<toml::Value>>,
    #[serde(borrow)]
    status: Option<Spanned<Text<'a>>>,
    #[serde(borrow)]
    note: Option<Text<'a>>,
}

#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvidence<'a> {
    #[serde(borrow)]
    title: Text<'a>,
    #[serde(default, borrow)]
    location: Text<'a>,
}

#[cfg_attr(test, derive(Debug))]
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride<'a> {
    #[serde(borrow)]
    status: Spanned<Text<'a>>,
    #[serde(default, borrow)]
    justification: Text<'a>,
}

/// A valid assessment file, still borrowed from its text.
pub struct Reading<'a> {
    pub framework: Arc<Framework>,
    pub profile: Option<Text<'a>>,
    pub period: Option<Text<'a>>,
    organisation: RawOrganisation<'a>,
    scope: RawScope<'a>,
    date: Option<Date>,
    /// The answered outcomes, in file order.
    pub answers: Vec<ReadAnswer<'a>>,
    /// Each outcome's plan (answered or not), by the outcome's position in the framework.
    pub plans: Vec<(usize, Vec<PlanAction>)>,
    /// Problems that leave the file valid (an override that changes nothing), located, for
    /// the front end to show.
    pub warnings: Vec<Diagnostic>,
}

/// One answered outcome of a [`Reading`].
pub struct ReadAnswer<'a> {
    /// The outcome's position in the framework.
    pub outcome: usize,
    pub selected: Selection,
    /// The override's status (its justification is in `raw`).
    pub override_status: Option<Status>,
    raw: RawAnswer<'a>,
}

impl ReadAnswer<'_> {
    pub fn suppliers(&self) -> impl Iterator<Item = &str> {
        self.raw.suppliers.iter().map(Text::as_str)
    }

    pub fn needs_review(&self) -> bool {
        self.raw.needs_review
    }
}

impl Reading<'_> {
    /// The organisation, owned.
    pub fn organisation(&self) -> Organisation {
        let o = &self.organisation;
        Organisation {
            name: o.name.get_ref().as_str().to_string(),
            id: o.id.get_ref().as_str().to_string(),
            sector: owned(&o.sector),
            region: owned(&o.region),
            parent: owned(&o.parent),
        }
    }

    /// The owned [`Assessment`]: statements in file order, each once.
    pub fn into_assessment(self) -> Assessment {
        let organisation = self.organisation();
        let framework = &self.framework;
        let outcomes = (self.answers.into_iter())
            .map(|answer| {
                let outcome = &framework.outcomes[answer.outcome];
                let raw = answer.raw;
                let mut taken: Selection = 0;
                let selected = (raw.selected().iter())
                    .filter_map(|r| outcome.position(r.get_ref().as_str()))
                    .filter(|&i| {
                        let new = taken & bit(i) == 0;
                        taken |= bit(i);
                        new
                    })
                    .map(|i| outcome.indicators[i].reference.clone())
                    .collect();
                let override_ = answer.override_status.map(|status| Override {
                    status,
                    justification: raw
                        .override_
                        .map(|o| o.into_inner().justification.into_owned())
                        .unwrap_or_default(),
                });
                let answer = Answer {
                    selected,
                    comment: raw.comment.map(Text::into_owned),
                    evidence: (raw.evidence.into_iter())
                        .map(|e| Evidence {
                            title: e.title.into_owned(),
                            location: e.location.into_owned(),
                        })
                        .collect(),
                    override_,
                    suppliers: raw.suppliers.into_iter().map(Text::into_owned).collect(),
                    needs_review: raw.needs_review,
                };
                (outcome.id.clone(), answer)
            })
            .collect();
        Assessment {
            framework: framework.id.clone(),
            profile: self.profile.map(Text::into_owned),
            period: self.period.map(Text::into_owned),
            organisation,
            scope: Scope {
                system: self.scope.system.map(Text::into_owned),
                assessor: self.scope.assessor.map(Text::into_owned),
                date: self.date,
            },
            outcomes,
            plans: (self.plans.into_iter())
                .map(|(i, actions)| (framework.outcomes[i].id.clone(), actions))
                .collect(),
        }
    }
}

/// Reads and checks an assessment's text against the catalogue; every problem is reported at
/// once.
pub fn read<'a>(source: &'a SourceFile, catalog: &Catalog) -> Result<Reading<'a>> {
    // The fast path takes the usual shapes of a valid file; `toml` takes the rest, and decides.
    let raw: RawAssessment<'a> = match scan::scan(source.text()) {
        Some(raw) => raw,
        None => parse_toml(source)?,
    };
    let mut diags = Diagnostics::new(source);

    let framework = match catalog.framework(raw.framework.get_ref().as_str()) {
        Ok(framework) => framework,
        Err(Error::UnknownFramework { id, known }) => {
            diags.error(
                Code::UnknownFramework,
                raw.framework.span(),
                format!("`{id}` is not a known framework"),
                format!("use one of: {known}"),
            );
            return Err(diags.finish(()).unwrap_err().into());
        }
        Err(other) => return Err(other),
    };

    if let Some(profile) = &raw.profile
        && framework.profile(profile.get_ref().as_str()).is_none()
    {
        let known = framework.profile_ids();
        let help = if known.is_empty() {
            format!("{} has no profiles; remove `profile`", framework.id)
        } else {
            format!("use one of: {}", known.join(", "))
        };
        diags.push_at(
            Diagnostic::error(
                Code::UnknownProfile,
                format!(
                    "{} has no profile `{}`",
                    framework.id,
                    profile.get_ref().as_str()
                ),
            )
            .help(help)
            .about(About::Framework(framework.id.clone())),
            profile.span(),
        );
    }

    for field in [&raw.organisation.name, &raw.organisation.id] {
        if field.get_ref().as_str().trim().is_empty() {
            diags.error(
                Code::EmptyValue,
                field.span(),
                "the organisation's name and id must not be empty",
                "fill in the organisation's name and its identifier (for example its ONS or GSS code)",
            );
        }
    }

    let date = (raw.scope.date.as_ref()).and_then(|value| read_date(value, "date", &mut diags));

    let mut answers = Vec::with_capacity(raw.outcomes.0.len());
    let mut plans = Vec::new();
    let mut warnings = Vec::new();
    for (id, spanned) in raw.outcomes.0 {
        let Some(index) = framework.position(id.get_ref().as_str()) else {
            diags.push_at(
                Diagnostic::error(
                    Code::UnknownOutcome,
                    format!(
                        "outcome `{}` is not in {}",
                        id.get_ref().as_str(),
                        framework.id
                    ),
                )
                .help(known_outcomes_help(&framework.id, &framework.outcome_ids()))
                .about(About::Framework(framework.id.clone())),
                id.span(),
            );
            continue;
        };
        let outcome = &framework.outcomes[index];
        let answer = spanned.into_inner();
        if !answer.plan.is_empty() {
            let actions = (answer.plan.iter())
                .filter_map(|a| read_action(a, &mut diags))
                .collect();
            plans.push((index, actions));
        }
        if answer.is_plan_only() {
            continue;
        }
        let mut selected: Selection = 0;
        for reference in answer.selected() {
            let text = reference.get_ref().as_str();
            match outcome.position(text) {
                Some(i) if selected & bit(i) == 0 => selected |= bit(i),
                Some(_) => diags.error(
                    Code::DuplicateSelection,
                    reference.span(),
                    format!("`{text}` is selected more than once"),
                    "list each statement once",
                ),
                None => {
                    let d = Diagnostic::error(
                        Code::UnknownIndicator,
                        format!("`{text}` is not a statement of outcome {}", outcome.id),
                    );
                    // A statement of another outcome of this framework, put under the wrong one.
                    let owner = IndicatorRef::parse(text)
                        .map(|(owner, ..)| owner)
                        .filter(|&owner| owner != outcome.id.as_str())
                        .filter(|&owner| {
                            framework
                                .outcome(owner)
                                .is_some_and(|o| o.indicator(text).is_some())
                        });
                    let d = match owner {
                        Some(owner) => d.help(format!(
                            "`{text}` belongs to outcome {owner}; move it to [outcomes.\"{owner}\"]"
                        )),
                        _ => d
                            .help(format!(
                                "the statements of outcome {} are {}",
                                outcome.id,
                                outcome
                                    .indicators
                                    .iter()
                                    .map(|i| i.reference.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                            .about(About::Outcome {
                                framework: framework.id.clone(),
                                outcome: outcome.id.to_string(),
                            }),
                    };
                    diags.push_at(d, reference.span());
                }
            }
        }
        let override_status = answer.override_.as_ref().and_then(|o| {
            let raw_override = o.get_ref();
            let status = Status::from_key(raw_override.status.get_ref().as_str())
                .filter(|s| *s != Status::NotAssessed);
            if status.is_none() {
                diags.error(
                    Code::InvalidStatus,
                    raw_override.status.span(),
                    format!(
                        "`{}` is not a status",
                        raw_override.status.get_ref().as_str()
                    ),
                    "use achieved, partially-achieved or not-achieved",
                );
            }
            if raw_override.justification.as_str().trim().is_empty() {
                diags.error(
                    Code::MissingJustification,
                    o.span(),
                    format!("the override of {} has no justification", outcome.id),
                    "add `justification = \"...\"` saying why the computed status is wrong",
                );
            }
            let status = status?;
            let problem = override_problem(&framework, outcome, selected, status);
            if let Some(problem) = problem {
                let span = raw_override.status.span();
                if !problem.is_error() {
                    warnings.push(problem.clone().at(source, span.clone()));
                }
                diags.push_at(problem, span);
            }
            Some(status)
        });
        answers.push(ReadAnswer {
            outcome: index,
            selected,
            override_status,
            raw: answer,
        });
    }

    Ok(diags.finish(Reading {
        framework,
        profile: raw.profile.map(Spanned::into_inner),
        period: raw.period,
        organisation: raw.organisation,
        scope: raw.scope,
        date,
        answers,
        plans,
        warnings,
    })?)
}

/// A date written as a TOML local date (`2026-10-01`) or as the same in a string; anything
/// else (a time, an offset, an impossible day) is an [`Code::InvalidDate`].
fn read_date(value: &Spanned<toml::Value>, key: &str, diags: &mut Diagnostics) -> Option<Date> {
    let parsed = match value.get_ref() {
        toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
            dt.date.and_then(|d| Date::new(d.year, d.month, d.day))
        }
        toml::Value::String(s) => Date::parse(s),
        _ => None,
    };
    if parsed.is_none() {
        diags.error(
            Code::InvalidDate,
            value.span(),
            "this is not a valid calendar date",
            format!("write the date as YYYY-MM-DD, for example `{key} = 2026-10-01`"),
        );
    }
    parsed
}

/// One plan action, checked: a non-empty action, a known status (planned when absent), a real
/// due date, and a reason for an action that is not planned.
fn read_action(raw: &Spanned<RawAction>, diags: &mut Diagnostics) -> Option<PlanAction> {
    let a = raw.get_ref();
    let mut valid = true;
    if a.action.get_ref().as_str().trim().is_empty() {
        diags.error(
            Code::EmptyAction,
            a.action.span(),
            "the plan action says nothing",
            "write what will be done, for example `action = \"Test the incident plan\"`",
        );
        valid = false;
    }
    let status = match &a.status {
        None => Some(ActionStatus::Planned),
        Some(s) => {
            let status = ActionStatus::from_key(s.get_ref().as_str());
            if status.is_none() {
                diags.error(
                    Code::InvalidActionStatus,
                    s.span(),
                    format!("`{}` is not a plan status", s.get_ref().as_str()),
                    "use planned, in-progress, done or not-planned",
                );
            }
            status
        }
    };
    let due = match &a.due {
        Some(value) => {
            let due = read_date(value, "due", diags);
            valid &= due.is_some();
            due
        }
        None => None,
    };
    let note = (a.note.as_ref()).filter(|n| !n.as_str().trim().is_empty());
    if status == Some(ActionStatus::NotPlanned) && note.is_none() {
        diags.error(
            Code::MissingReason,
            a.status.as_ref().map_or(raw.span(), |s| s.span()),
            "an action that is not planned needs a reason",
            "say why in `note = \"...\"` (the risk accepted, or why it does not apply)",
        );
        valid = false;
    }
    let status = status?;
    valid.then(|| PlanAction {
        action: a.action.get_ref().as_str().trim().to_string(),
        owner: (a.owner.as_ref())
            .map(|o| o.as_str().trim().to_string())
            .filter(|o| !o.is_empty()),
        due,
        status,
        note: note.map(|n| n.as_str().to_string()),
    })
}

/// What is wrong with overriding `outcome`, with `selected` chosen, to `status`: a status no
/// selection reaches (partially achieved where there are no partially-achieved statements) is
/// an [`Code::ImpossibleOverride`] error; the status the statements already give changes
/// nothing and is a [`Code::RedundantOverride`] warning.
fn override_problem(
    framework: &Framework,
    outcome: &Outcome,
    selected: Selection,
    status: Status,
) -> Option<Diagnostic> {
    if !scoring::reachable(framework, outcome, status) {
        return Some(
            Diagnostic::error(
                Code::ImpossibleOverride,
                format!(
                    "outcome {} cannot be {}: it has no {} statements, so no answer gives that status",
                    outcome.id,
                    status.label().to_lowercase(),
                    status.key()
                ),
            )
            .help("override to a status the outcome can have, or remove the override")
            .about(About::Outcome {
                framework: framework.id.clone(),
                outcome: outcome.id.to_string(),
            }),
        );
    }
    let computed = scoring::status_of(framework, outcome, selected);
    (status == computed).then(|| {
        Diagnostic::warning(
            Code::RedundantOverride,
            format!(
                "the override of {} changes nothing: the selected statements already give {}",
                outcome.id,
                computed.label().to_lowercase()
            ),
        )
        .help("remove the override, or correct the selected statements if they are wrong")
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Deserialize;

    use super::*;
    use crate::diagnostic::{MAX_PER_FILE, Severity};

    /// An assessment file as the `toml` crate reads it into owned, ordinary types: the
    /// reference the borrowed reader is compared with.
    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Lean {
        framework: String,
        profile: Option<String>,
        period: Option<String>,
        organisation: LeanOrganisation,
        #[serde(default)]
        scope: LeanScope,
        #[serde(default)]
        outcomes: BTreeMap<String, LeanAnswer>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanOrganisation {
        name: String,
        id: String,
        sector: Option<String>,
        region: Option<String>,
        parent: Option<String>,
    }

    #[derive(Deserialize, Default, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanScope {
        system: Option<String>,
        assessor: Option<String>,
        date: Option<toml::Value>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanAnswer {
        #[serde(default)]
        selected: Vec<String>,
        comment: Option<String>,
        #[serde(default)]
        evidence: Vec<Evidence>,
        #[serde(rename = "override")]
        override_: Option<LeanOverride>,
        #[serde(default)]
        suppliers: Vec<String>,
        #[serde(default)]
        needs_review: bool,
        #[serde(default)]
        plan: Vec<LeanAction>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanAction {
        action: String,
        owner: Option<String>,
        due: Option<toml::Value>,
        status: Option<String>,
        note: Option<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct LeanOverride {
        status: String,
        #[serde(default)]
        justification: String,
    }

    /// What the borrowed first pass read, in the reference's owned types.
    fn lean(raw: RawAssessment<'_>) -> Lean {
        let owned = |t: Option<Text>| t.map(Text::into_owned);
        let list = |v: Vec<Text>| v.into_iter().map(Text::into_owned).collect();
        Lean {
            framework: raw.framework.into_inner().into_owned(),
            profile: raw.profile.map(|p| p.into_inner().into_owned()),
            period: owned(raw.period),
            organisation: LeanOrganisation {
                name: raw.organisation.name.into_inner().into_owned(),
                id: raw.organisation.id.into_inner().into_owned(),
                sector: owned(raw.organisation.sector),
                region: owned(raw.organisation.region),
                parent: owned(raw.organisation.parent),
            },
            scope: LeanScope {
                system: owned(raw.scope.system),
                assessor: owned(raw.scope.assessor),
                date: raw.scope.date.map(Spanned::into_inner),
            },
            outcomes: (raw.outcomes.0.into_iter())
                .map(|(id, answer)| {
                    let a = answer.into_inner();
                    let answer = LeanAnswer {
                        selected: list(
                            (a.selected.into_iter().flatten())
                                .map(Spanned::into_inner)
                                .collect(),
                        ),
                        comment: owned(a.comment),
                        evidence: (a.evidence.into_iter())
                            .map(|e| Evidence {
                                title: e.title.into_owned(),
                                location: e.location.into_owned(),
                            })
                            .collect(),
                        override_: a.override_.map(|o| {
                            let o = o.into_inner();
                            LeanOverride {
                                status: o.status.into_inner().into_owned(),
                                justification: o.justification.into_owned(),
                            }
                        }),
                        suppliers: list(a.suppliers),
                        needs_review: a.needs_review,
                        plan: (a.plan.into_iter())
                            .map(|p| {
                                let p = p.into_inner();
                                LeanAction {
                                    action: p.action.into_inner().into_owned(),
                                    owner: owned(p.owner),
                                    due: p.due.map(Spanned::into_inner),
                                    status: p.status.map(|s| s.into_inner().into_owned()),
                                    note: owned(p.note),
                                }
                            })
                            .collect(),
                    };
                    (id.into_inner().into_owned(), answer)
                })
                .collect(),
        }
    }

    /// The reader against `toml`, on one text: the first pass accepts exactly what `toml`
    /// accepts, reads the same content, and fails with the same message at the same place;
    /// and a file the reader accepts gives aggregation exactly what scoring gives.
    /// Returns whether the file was valid.
    fn differential(text: &str, catalog: &Catalog) -> bool {
        let source = SourceFile::new("x.toml", text);
        let reference = toml::from_str::<Lean>(text);
        let first = parse_toml::<RawAssessment>(&source);
        // The mirror's `Debug` shows every string and every span.
        let fast = scan::scan(text).map(|raw| format!("{raw:#?}"));
        match (first, &reference) {
            (Ok(raw), Ok(expected)) => {
                if let Some(fast) = fast {
                    assert_eq!(fast, format!("{raw:#?}"), "the fast path misread {text:?}");
                }
                assert_eq!(&lean(raw), expected, "{text:?}")
            }
            (Err(got), Err(expected)) => {
                assert!(
                    fast.is_none(),
                    "the fast path accepted what toml refuses: {text:?}"
                );
                assert_eq!(got.len(), 1);
                let at = expected.span().map(|s| source.locate(s));
                let got = &got[0];
                assert_eq!(got.message, expected.message().trim(), "{text:?}");
                assert_eq!(
                    got.location.as_ref().map(|l| (l.line, l.column)),
                    at.map(|l| (l.line, l.column)),
                    "{text:?}"
                );
            }
            (got, expected) => panic!(
                "the reader gave {:?}, toml {expected:?}\n{text:?}",
                got.map(|_| ())
            ),
        }
        let full = crate::assessment::parse(&source, catalog);
        let digest = crate::aggregate::digest_of(&source, catalog);
        match (&full, &digest) {
            (Ok(loaded), Ok(digest)) => {
                let card = crate::scoring::score(
                    &loaded.framework,
                    &loaded.assessment,
                    loaded.profile(None).unwrap(),
                );
                let scores: Vec<_> = card
                    .outcomes
                    .iter()
                    .map(|o| (o.status, o.target, o.met))
                    .collect();
                let digested: Vec<_> = (digest.scores.iter())
                    .map(|s| (s.status, s.target, s.met))
                    .collect();
                assert_eq!(digested, scores, "{text:?}");
                assert_eq!(digest.organisation, loaded.assessment.organisation);
                true
            }
            (Err(a), Err(b)) => {
                assert_eq!(a.to_string(), b.to_string(), "{text:?}");
                false
            }
            _ => panic!("score and aggregate disagree on {text:?}"),
        }
    }

    /// xorshift64*: deterministic choices for the reshaping and the mutations.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    /// A plain file made real-shaped: statements shuffled and sometimes one per line with
    /// comments, notes with escapes and multi-line strings, evidence and overrides as inline
    /// tables, suppliers, review flags, Windows line endings.
    fn reshape(text: &str, rng: &mut Rng) -> String {
        let mut out = String::new();
        for line in text.lines() {
            if let Some(items) = line
                .strip_prefix("selected = [")
                .and_then(|l| l.strip_suffix(']'))
            {
                let mut items: Vec<&str> = items.split(", ").filter(|s| !s.is_empty()).collect();
                for i in (1..items.len()).rev() {
                    items.swap(i, rng.below(i + 1));
                }
                if rng.chance(40) {
                    out.push_str("selected = [\n");
                    for item in &items {
                        out.push_str(&format!("  {item}, # \"why\" \\ noted\n"));
                    }
                    out.push_str("]\n");
                } else {
                    out.push_str(&format!("selected = [{}]\n", items.join(",")));
                }
                let extras = [
                    "comment = \"the \\\"board\\\" agreed; C:\\\\docs\\\\policy \\u00e9\"",
                    "comment = \"\"\"\nfirst line\n  second \"quoted\" line\\\n  joined\"\"\"",
                    "comment = '''\nliteral \\ with \"quotes\"\n'''",
                    "comment = 'single literal'",
                    "evidence = [{ title = \"Minutes \\\"Q1\\\"\", location = \"https://x.example/1\" }, { title = \"Register\" }]",
                    "override = { status = \"partially-achieved\", justification = \"compensating \\\"control\\\"\" }",
                    "suppliers = [\"Acme Ltd\", \" Acme Ltd \", \"Beta plc\"]",
                    "needs_review = true",
                    "plan = [{ action = \"Test the \\\"plan\\\"\", owner = \"CISO\", due = 2026-03-31, status = \"in-progress\" }, { action = 'Buy a tool', status = \"not-planned\", note = \"no budget\" }]",
                    "plan = [{ action = \"Write it\", due = \"2026-02-30\" }]",
                ];
                for extra in extras {
                    if rng.chance(12) {
                        out.push_str(extra);
                        out.push('\n');
                    }
                }
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        if rng.chance(20) {
            out = out.replace('\n', "\r\n");
        }
        out
    }

    fn population(catalog: &Catalog) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        use crate::aggregate::synth;
        let options = synth::SynthOptions {
            orgs: 60,
            periods: 2,
            seed: 11,
        };
        // Both shapes `caf synth` writes: the plain one and the real-shaped one (escapes,
        // multi-line strings, evidence tables, overrides, CRLF, any order).
        for shape in [synth::Shape::Plain, synth::Shape::Real] {
            let into = dir.path().join(format!("{shape:?}"));
            synth::generate_shaped(catalog, &options, shape, &into, None).unwrap();
        }
        let examples = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples"));
        let files = crate::aggregate::FileSource::new(vec![dir.path().into(), examples.into()]);
        use crate::aggregate::Source;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut texts = Vec::new();
        for name in files.list().unwrap() {
            let text = files.fetch(&name).unwrap();
            texts.push(reshape(&text, &mut rng));
            texts.push(text);
        }
        texts
    }

    #[test]
    fn the_reader_reads_what_toml_reads_on_real_shaped_files() {
        let catalog = Catalog::shipped();
        let texts = population(&catalog);
        let valid = texts.iter().filter(|t| differential(t, &catalog)).count();
        assert!(
            valid > texts.len() / 3 && valid < texts.len(),
            "{valid} of {}",
            texts.len()
        );
        // The fast path takes nearly every file `toml` reads (the rest hold what it leaves to
        // `toml`, such as `\e` escapes or multi-line inline tables).
        let readable: Vec<&String> = (texts.iter())
            .filter(|t| parse_toml::<RawAssessment>(&SourceFile::new("x.toml", t.as_str())).is_ok())
            .collect();
        let fast = readable.iter().filter(|t| scan::scan(t).is_some()).count();
        assert!(
            fast * 100 >= readable.len() * 95,
            "the fast path took {fast} of {} readable files",
            readable.len()
        );
        // The reshaping did produce every feature somewhere.
        for feature in [
            "\"\"\"",
            "'''",
            "\\\"",
            "evidence = [{",
            "override = {",
            "plan = [{",
            "\r\n",
        ] {
            assert!(texts.iter().any(|t| t.contains(feature)), "{feature}");
        }
    }

    #[test]
    fn the_reader_agrees_with_toml_on_mutated_files() {
        let catalog = Catalog::shipped();
        let texts = population(&catalog);
        let edits = [
            "",
            "\r",
            "\n",
            "\r\n",
            "\"",
            "\\",
            "#",
            "'",
            "=",
            "[",
            "]",
            ",",
            "{",
            "}",
            "x",
            " ",
            "\t",
            "\u{0}",
            "\u{7f}",
            "é",
            "\"\"\"",
            "1",
            // What the fast path reads itself: quotes, escapes, headers, dates, booleans.
            "''",
            "'''",
            "\"\"",
            "\\u00e9",
            "\\U0001F600",
            "\\e",
            "\\x41",
            "\\u12",
            "\\\n",
            "[[",
            "]]",
            ".",
            "\u{feff}",
            "2026-02-29",
            "true",
            "{ a = 1 }",
        ];
        let mut rng = Rng(42);
        let mut checked = 0;
        for text in texts.iter().step_by(19) {
            let len = text.len();
            // Edits at the end of the file, where the lone `\r` was misread, and elsewhere.
            let mut places = vec![len, len - 1, len.saturating_sub(2)];
            places.extend((0..6).map(|_| rng.below(len)));
            for mut at in places {
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                for edit in edits {
                    let mut changed = text.clone();
                    if edit.is_empty() {
                        if at < len {
                            changed.remove(at);
                        } else {
                            changed.pop();
                        }
                    } else {
                        changed.insert_str(at, edit);
                    }
                    differential(&changed, &catalog);
                    checked += 1;
                }
                differential(&text[..at], &catalog);
            }
        }
        assert!(checked > 2_000, "{checked}");
    }

    /// The collection service reads a submission once for both its assessment and its
    /// digest; that one reading gives exactly what the two readers give apart, valid or not.
    #[test]
    fn one_reading_gives_what_parse_and_digest_give_apart() {
        use crate::aggregate::{digest_of, parse_with_digest};
        let catalog = Catalog::shipped();
        let mut texts = population(&catalog);
        let invalid = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/invalid");
        for entry in std::fs::read_dir(invalid).unwrap() {
            texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
        }
        let (mut valid, mut refused) = (0, 0);
        for text in &texts {
            let source = SourceFile::new("x.toml", text.as_str());
            let together = parse_with_digest(&source, &catalog);
            match (together, crate::assessment::parse(&source, &catalog)) {
                (Ok((loaded, digest)), Ok(parsed)) => {
                    let apart = digest_of(&source, &catalog).unwrap();
                    assert_eq!(loaded.assessment, parsed.assessment, "{text}");
                    assert_eq!(loaded.warnings, parsed.warnings, "{text}");
                    assert_eq!(digest.framework.id, apart.framework.id);
                    assert_eq!(
                        (&digest.profile, &digest.period, &digest.organisation),
                        (&apart.profile, &apart.period, &apart.organisation)
                    );
                    assert_eq!(digest.scores, apart.scores, "{text}");
                    assert_eq!(digest.suppliers, apart.suppliers, "{text}");
                    valid += 1;
                }
                (Err(together), Err(parsed)) => {
                    assert_eq!(together.to_string(), parsed.to_string());
                    assert_eq!(format!("{together:?}"), format!("{parsed:?}"));
                    refused += 1;
                }
                (together, parsed) => panic!(
                    "one reading: {:?}, parse alone: {:?}\n{text}",
                    together.err(),
                    parsed.err()
                ),
            }
        }
        assert!(
            valid > 100 && refused > 100,
            "{valid} valid, {refused} refused"
        );
    }

    #[test]
    fn a_file_ending_in_a_lone_carriage_return_is_invalid_everywhere() {
        let catalog = Catalog::shipped();
        let good = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/county-council-caf-4.0-partial.toml"
        ))
        .unwrap();
        assert!(differential(&good, &catalog));
        for bad in [format!("{good}\r"), format!("{}\r", good.trim_end())] {
            assert!(!differential(&bad, &catalog));
            let error =
                crate::aggregate::digest_of(&SourceFile::new("x.toml", bad.as_str()), &catalog)
                    .unwrap_err();
            let Error::Invalid(diags) = error else {
                panic!("{error}")
            };
            assert_eq!(diags[0].code, Code::TomlSyntax);
        }
    }

    /// Edge cases of the fast path's grammar, each checked against `toml` by `differential`
    /// (which fails if the fast path accepts what `toml` refuses or reads it differently);
    /// `true` marks those the fast path must read itself rather than hand to `toml`.
    #[test]
    fn the_fast_path_reads_its_edge_cases_as_toml_does() {
        let catalog = Catalog::shipped();
        let outcome = "[outcomes.\"A1.a\"]\nselected = [\"A1.a.A.1\"]\n";
        let cases: &[(&str, bool)] = &[
            // Strings: escapes, multi-line closings with extra quotes, line-ending backslashes.
            (r#"comment = "a\"b\\c\u00e9\U0001F600\t\n\b\f\r""#, true),
            ("comment = \"\"\"a\"\"\"\"", true),
            ("comment = \"\"\"a\"\"\"\"\"", true),
            ("comment = \"\"\"a\"\"\"\"\"\"", false),
            ("comment = \"\"\"\r\nx\\  \r\n   \r\n y\r\n\"\"\"", true),
            ("comment = \"\"\"x\\ y\"\"\"", false),
            ("comment = '''\n'a'' \\ \"q\" '''''", true),
            (r#"comment = "a\e""#, false),
            (r#"comment = "\uD800""#, false),
            (r#"comment = "\u+123""#, false),
            ("comment = \"\u{7f}\"", false),
            ("comment = \"a\rb\"", false),
            ("comment = \"\"\"a\rb\"\"\"", false),
            // Keys, comments, line ends.
            ("'comment'=\"x\"#c\u{1}", false),
            ("\"comment\" = \"x\" # é \"", true),
            ("comment = \"x\" # a\u{7f}", false),
            ("comment = \"x\" \"y\"", false),
            ("comment.x = \"x\"", false),
            ("needs_review = true#c", true),
            ("needs_review = truex", false),
            ("needs_review = 1", false),
            ("comment = \"x\"\r ", false),
            // Arrays and inline tables.
            ("suppliers = [ # c\n \"A\", 'B' ,\r\n]", true),
            ("suppliers = [,]", false),
            ("suppliers = [\"A\" \"B\"]", false),
            ("suppliers = [1]", false),
            (
                "evidence = [{ title = \"t\" }, {location='l',title=\"u\"}]",
                true,
            ),
            ("evidence = [{ location = \"l\" }]", false),
            ("evidence = [{ title = \"t\", }]", false),
            (
                "override = { status = \"achieved\", justification = \"j\", status = \"achieved\" }",
                false,
            ),
            (
                "override = { status = \"achieved\", justification = \"j\" }",
                true,
            ),
            // Subtables and their order.
            (
                "[outcomes.\"A1.a\".override]\nstatus = \"achieved\"\njustification = \"j\"\n\
                 [[outcomes.\"A1.a\".evidence]]\ntitle = \"t\"",
                true,
            ),
            (
                "override = { status = \"achieved\" }\n[outcomes.\"A1.a\".override]\nstatus = \"achieved\"",
                false,
            ),
            (
                "evidence = []\n[[outcomes.\"A1.a\".evidence]]\ntitle = \"t\"",
                false,
            ),
            ("[[outcomes.\"A1.b\".evidence]]\ntitle = \"t\"", false),
            ("[outcomes.'A1.a']", false),
            ("[ outcomes . 'A1.b' ]\nselected = []", true),
            ("[outcomes]", false),
            ("[[outcomes.\"A1.a\".evidence] ]\ntitle = \"t\"", false),
        ];
        for &(tail, fast) in cases {
            let text = format!("{HEAD}[scope]\ndate = 2026-10-01\n{outcome}{tail}\n");
            differential(&text, &catalog);
            assert_eq!(scan::scan(&text).is_some(), fast, "{text:?}");
        }
        // Dates: the calendar `toml` checks, and times left to it.
        for (date, fast) in [
            ("2024-02-29", true),
            ("2025-02-29", false),
            ("2026-04-31", false),
            ("0000-01-01", true),
            ("2026-10-01T10:00:00", false),
            ("2026-10-01 10:00:00", false),
            ("2026-1-01", false),
            ("\"2026-10-01\"", true),
        ] {
            let text = format!("{HEAD}[scope]\ndate = {date}\n");
            differential(&text, &catalog);
            assert_eq!(scan::scan(&text).is_some(), fast, "{text:?}");
        }
    }

    /// `caf synth --hostile`'s shapes, at several sizes: the reader agrees with `toml` and
    /// reads only the valid kind as valid.
    #[test]
    fn the_reader_agrees_with_toml_on_hostile_files() {
        use crate::aggregate::synth::hostile::{self, Hostile};
        let catalog = Catalog::shipped();
        for kind in Hostile::ALL {
            for size in [0, 3_000, 70_000] {
                let bytes = hostile::generate(kind, size);
                let Ok(text) = String::from_utf8(bytes) else {
                    assert!(!kind.is_valid());
                    continue;
                };
                assert_eq!(differential(&text, &catalog), kind.is_valid(), "{kind}");
            }
        }
    }

    /// Text of about `size` bytes: `head`, then `unit` repeated, then `tail`.
    fn filled(head: &str, unit: &str, tail: &str, size: usize) -> String {
        let n = size.saturating_sub(head.len() + tail.len()) / unit.len().max(1);
        format!("{head}{}{tail}", unit.repeat(n))
    }

    const HEAD: &str = "framework = \"caf-4.0\"\n[organisation]\nname = \"N\"\nid = \"I\"\n";

    /// Pathological shapes at the service's size limit: what reading reports stays within the
    /// stated bounds (the number of diagnostics, and their size whatever the lines quoted).
    fn shape(kind: usize, unit: usize) -> String {
        const LIMIT: usize = 512 * 1024;
        let long = "x".repeat(unit * 997 % 4000 + 1);
        match kind {
            // One statement repeated, on one line and one per line.
            0 => filled(
                &format!("{HEAD}[outcomes.\"A1.a\"]\nselected = ["),
                "\"A1.a.A.1\", ",
                "]\n",
                LIMIT,
            ),
            1 => filled(
                &format!("{HEAD}[outcomes.\"A1.a\"]\nselected = [\n"),
                "\"A1.a.A.1\",\n",
                "]\n",
                LIMIT,
            ),
            // Distinct unknown statements, each long.
            2 => {
                let items: String = (0..LIMIT / (long.len() + 8))
                    .map(|i| format!("\"{i}{long}\","))
                    .collect();
                format!("{HEAD}[outcomes.\"A1.a\"]\nselected = [{items}]\n")
            }
            // One very long string where a statement should be, and one of the wrong type.
            3 => format!(
                "{HEAD}[outcomes.\"A1.a\"]\nselected = [\"{}\"]\n",
                "y".repeat(LIMIT)
            ),
            4 => format!("{HEAD}period = [\"{}\"]\n", "z".repeat(LIMIT)),
            // Many lines, many unknown outcomes, deep nesting of arrays and inline tables.
            5 => filled(HEAD, "# note\n\n", "bad = 1\n", LIMIT),
            6 => {
                let tables: String = (0..LIMIT / 24)
                    .map(|i| format!("[outcomes.\"Z{i}\"]\n"))
                    .collect();
                format!("{HEAD}{tables}")
            }
            7 => filled(&format!("{HEAD}x = "), "[", "", LIMIT),
            8 => filled(&format!("{HEAD}x = "), "{ a = ", "", LIMIT),
            // Bytes that are not text at all.
            _ => {
                let mut rng = Rng(unit as u64 + 1);
                (0..LIMIT).map(|_| rng.next() as u8 as char).collect()
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn pathological_files_give_bounded_diagnostics(kind in 0usize..10, unit in 1usize..5000) {
            let catalog = Catalog::shipped();
            let text = shape(kind, unit);
            let Err(error) = crate::assessment::parse(&SourceFile::new("p.toml", text.as_str()), &catalog) else {
                panic!("shape {kind} is valid")
            };
            let Error::Invalid(diags) = &error else { panic!("{error}") };
            prop_assert!(!diags.is_empty() && diags.len() <= MAX_PER_FILE + 1, "{}", diags.len());
            prop_assert!(diags.iter().all(|d| d.severity == Severity::Error));
            let rendered = error.to_string();
            prop_assert!(rendered.len() <= 64 * 1024, "{} bytes", rendered.len());
            if diags.len() > 1 {
                prop_assert_eq!(diags.last().unwrap().code, Code::MoreProblems);
            }
        }
    }

    #[test]
    fn a_statement_repeated_is_reported_once_and_counted() {
        let catalog = Catalog::shipped();
        let n = 20_000;
        let text = format!(
            "{HEAD}[outcomes.\"A1.a\"]\nselected = [{}]\n",
            "\"A1.a.A.1\", ".repeat(n)
        );
        let Err(Error::Invalid(diags)) =
            crate::assessment::parse(&SourceFile::new("r.toml", text), &catalog)
        else {
            panic!("repeats are invalid")
        };
        let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::DuplicateSelection, Code::MoreProblems]);
        // The first is the selection; one repeat is listed, and the others counted.
        assert!(
            diags[1]
                .message
                .starts_with(&format!("{} more problems", n - 2)),
            "{}",
            diags[1].message
        );
        let excerpt = diags[0]
            .location
            .as_ref()
            .and_then(|l| l.line_text.as_ref())
            .unwrap();
        assert!(excerpt.chars().count() <= crate::diagnostic::EXCERPT_CHARS);
    }

    #[test]
    fn invalid_utf8_is_located_at_its_first_bad_byte() {
        let mut bytes = b"framework = \"caf-4.0\"\n# caf\xc3\xa9 \xff\xfe note\n".to_vec();
        let diags = SourceFile::decode("b.toml", bytes.clone()).unwrap_err();
        assert_eq!(diags.len(), 1);
        let d = &diags[0];
        assert_eq!(d.code, Code::InvalidEncoding);
        let at = d.location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (2, 8));
        assert!(d.message.contains("0xFF"), "{}", d.message);
        // Binary input: located, and the excerpt is bounded however long its "line" is.
        bytes = vec![b'a'; 300_000];
        bytes.push(0xC0);
        bytes.extend(std::iter::repeat_n(0x80, 300_000));
        let d = &SourceFile::decode("bin", bytes).unwrap_err()[0];
        let at = d.location.as_ref().unwrap();
        assert_eq!((at.line, at.column), (1, 300_001));
        assert!(d.to_string().len() < 2_000);
    }
}
