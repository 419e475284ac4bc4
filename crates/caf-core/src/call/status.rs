//! The live picture of a call: the `caf.call-status/1` model every format of
//! `caf call status` draws.
//!
//! Computed from plain inputs (the addressed organisations, each one's current response and
//! when it first answered), so the service and the tests call the same function. Without
//! `identify` the figures are under the aggregates' disclosure control: groups go through
//! [`disclosure::decide`] (small groups merged, a population under the limit shows only its
//! size), and an answer count under the limit is withheld, with the next smallest count of the
//! same question so that the withheld one cannot be recovered by subtraction. With `identify`
//! (the central unit only) every count is exact and the exposed organisations and the chase
//! list of non-responders are named.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::answers::{Answers, is_asked, to_json};
use super::{Call, rfc3339};
use crate::aggregate::disclosure::{self, Group, Limits};
use crate::aggregate::model::Disclosure;

pub const SCHEMA: &str = "caf.call-status/1";
/// The most points in the response timeline (hourly, or daily for a long call).
const MAX_POINTS: usize = 400;

/// An addressed organisation as the service has it registered.
#[derive(Debug, Clone, Default)]
pub struct Member<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub sector: Option<&'a str>,
    pub region: Option<&'a str>,
    pub parent: Option<&'a str>,
    pub contact: Option<&'a str>,
}

/// An organisation's current response.
#[derive(Debug, Clone)]
pub struct Response<'a> {
    pub org: &'a str,
    /// When it first answered (its first version), for the timeline.
    pub first_at: time::OffsetDateTime,
    pub version: u32,
    pub answers: &'a Answers,
    /// Whether the call's `exposed` rule holds for the answers, when the caller has already
    /// evaluated it against this call (`None`: evaluated here).
    pub exposed: Option<bool>,
    /// Whether each of the call's questions was put (its `when` held), in the call's order,
    /// when the caller has already evaluated them against this call (`None`: evaluated here).
    pub asked: Option<&'a [bool]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    Sector,
    Region,
    Parent,
}

impl GroupBy {
    pub fn parse(text: &str) -> Option<GroupBy> {
        match text {
            "sector" => Some(GroupBy::Sector),
            "region" => Some(GroupBy::Region),
            "parent" => Some(GroupBy::Parent),
            _ => None,
        }
    }

    fn of<'a>(self, m: &Member<'a>) -> &'a str {
        let value = match self {
            GroupBy::Sector => m.sector,
            GroupBy::Region => m.region,
            GroupBy::Parent => m.parent,
        };
        value.unwrap_or(crate::aggregate::UNSPECIFIED)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub now: time::OffsetDateTime,
    pub opened: time::OffsetDateTime,
    pub closed: Option<time::OffsetDateTime>,
    pub version: u32,
    pub group_by: GroupBy,
    pub limits: Limits,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallInfo {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub deadline: String,
    pub opened_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    /// The call's version (a call corrected after it was sent is a new version).
    pub version: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    pub at: String,
    /// Organisations that had answered by then.
    pub responded: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuestionFigures {
    pub id: String,
    pub text: String,
    pub kind: String,
    /// Respondents the question was put to (its `when` held), and who answered it.
    pub asked: usize,
    pub answered: usize,
    /// Value to the organisations that gave it (free text is never counted).
    pub answers: BTreeMap<String, usize>,
    /// Values withheld by disclosure control.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withheld: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRow {
    pub group: String,
    pub audience: usize,
    /// `None` when disclosure control withholds the row's figures.
    pub responded: Option<usize>,
    pub exposed: Option<usize>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExposedOrg {
    #[serde(flatten)]
    pub org: Named,
    pub answers: serde_json::Map<String, serde_json::Value>,
}

/// The `caf.call-status/1` document.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CallStatus {
    pub schema: String,
    pub call: CallInfo,
    pub as_of: String,
    /// The deadline has passed.
    pub overdue: bool,
    /// Organisations addressed (within the reader's scope).
    pub audience: usize,
    /// `None` when the audience is under the disclosure limit.
    pub responded: Option<usize>,
    pub response_rate: Option<f64>,
    /// Organisations exposed by the call's `exposed` rule; `None` without a rule or withheld.
    pub exposed_count: Option<usize>,
    pub timeline: Vec<Point>,
    pub questions: Vec<QuestionFigures>,
    pub group_by: GroupBy,
    pub groups: Vec<GroupRow>,
    pub disclosure: Disclosure,
    /// With `identify` only: organisations that have not answered, by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub non_responders: Option<Vec<String>>,
    /// With `identify` only: the non-responders with their names and contacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chase: Option<Vec<Named>>,
    /// With `identify` only: the organisations the `exposed` rule holds for, with their answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed: Option<Vec<ExposedOrg>>,
}

/// The status of `call` for `members` (the addressed organisations in the reader's scope) and
/// their current `responses` (responses from anyone else are ignored).
pub fn status(
    call: &Call,
    members: &[Member],
    responses: &[Response],
    options: &Options,
) -> CallStatus {
    let limits = options.limits;
    // The members by id, in id order (a repeated id: the last one given), each with its
    // current response (a repeated organisation: the last one given) and whether the call's
    // `exposed` rule holds for it. One pass each, no copies of the answers.
    let by_id = sorted_members(members);
    let index: HashMap<&str, usize> = by_id.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut given: Vec<Option<&Response>> = vec![None; by_id.len()];
    for r in responses {
        if let Some(&i) = index.get(r.org) {
            given[i] = Some(r);
        }
    }
    drop(index);
    let exposed_flags: Vec<bool> = given
        .iter()
        .map(|r| r.is_some_and(|r| r.exposed.unwrap_or_else(|| call.is_exposed(r.answers))))
        .collect();
    let audience = by_id.len();
    let responded = given.iter().filter(|r| r.is_some()).count();
    let exposed_total = exposed_flags.iter().filter(|e| **e).count();
    let hide_all = !limits.identify && audience < limits.min_group_size.max(1);

    // Groups, under the aggregates' disclosure rules: each group's members (in id order, as
    // `by_id` is), and how many of them responded and are exposed.
    let mut members_of: BTreeMap<&str, (Vec<&str>, usize, usize)> = BTreeMap::new();
    for (i, m) in by_id.iter().enumerate() {
        let g = members_of.entry(options.group_by.of(m)).or_default();
        g.0.push(m.id);
        g.1 += usize::from(given[i].is_some());
        g.2 += usize::from(exposed_flags[i]);
    }
    let groups: BTreeMap<&str, Group<&str>> = members_of
        .iter()
        .map(|(key, (ids, _, _))| {
            (
                *key,
                Group {
                    assessments: ids.len(),
                    organisations: ids.iter().copied().collect(),
                },
            )
        })
        .collect();
    let decisions = disclosure::decide(&groups, limits);
    drop(groups);
    let mut rows: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (group, (ids, responded, exposed_n)) in &members_of {
        let key = if limits.identify {
            group
        } else {
            decisions.published_key(group)
        };
        let row = rows.entry(key).or_default();
        row.0 += ids.len();
        row.1 += responded;
        row.2 += exposed_n;
    }
    let cell = |n: usize| (limits.identify || n == 0 || n >= limits.min_group_size).then_some(n);
    let group_rows = rows
        .into_iter()
        .map(|(key, (orgs, responded, exposed_n))| {
            let suppressed = !limits.identify
                && decisions
                    .rows
                    .get(key)
                    .is_some_and(|r| r.suppressed.is_some());
            GroupRow {
                group: key.to_string(),
                audience: orgs,
                responded: (!suppressed && !hide_all).then_some(responded),
                exposed: if suppressed || hide_all || call.exposed.is_none() {
                    None
                } else {
                    cell(exposed_n)
                },
            }
        })
        .collect();

    let answered: Vec<&Response> = given.iter().flatten().copied().collect();
    let questions = if hide_all {
        Vec::new()
    } else {
        call.questions
            .iter()
            .enumerate()
            .map(|(qi, q)| {
                let mut asked = 0;
                let mut answered_n = 0;
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                for r in &answered {
                    let put = match r.asked.and_then(|a| a.get(qi)) {
                        Some(put) => *put,
                        None => is_asked(q, r.answers),
                    };
                    if put {
                        asked += 1;
                    }
                    if let Some(v) = r.answers.get(&q.id) {
                        answered_n += 1;
                        v.each_key(|key| match counts.get_mut(key) {
                            Some(n) => *n += 1,
                            None => {
                                counts.insert(key.to_string(), 1);
                            }
                        });
                    }
                }
                let withheld = if limits.identify {
                    0
                } else {
                    withhold(&mut counts, limits.min_group_size)
                };
                QuestionFigures {
                    id: q.id.0.clone(),
                    text: q.text.clone(),
                    kind: q.kind.as_str().to_string(),
                    asked,
                    answered: answered_n,
                    answers: counts,
                    withheld,
                }
            })
            .collect()
    };

    let named = |m: &Member| Named {
        id: m.id.to_string(),
        name: m.name.to_string(),
        contact: m.contact.map(str::to_string),
        group: Some(options.group_by.of(m).to_string()),
    };
    let chase: Option<Vec<Named>> = limits.identify.then(|| {
        (by_id.iter().zip(&given))
            .filter(|(_, r)| r.is_none())
            .map(|(m, _)| named(m))
            .collect()
    });
    CallStatus {
        schema: SCHEMA.to_string(),
        call: CallInfo {
            id: call.id.0.clone(),
            title: call.title.clone(),
            severity: call.severity.as_str().to_string(),
            deadline: call.deadline_text(),
            opened_at: rfc3339(options.opened),
            closed_at: options.closed.map(rfc3339),
            version: options.version,
        },
        as_of: rfc3339(options.now),
        overdue: options.now > call.deadline,
        audience,
        responded: (!hide_all).then_some(responded),
        response_rate: (!hide_all && audience > 0).then(|| responded as f64 / audience as f64),
        exposed_count: if hide_all || call.exposed.is_none() {
            None
        } else {
            cell(exposed_total)
        },
        timeline: if hide_all {
            Vec::new()
        } else {
            timeline(answered.iter().map(|r| r.first_at).collect(), options)
        },
        questions,
        group_by: options.group_by,
        groups: group_rows,
        disclosure: Disclosure {
            suppressed: hide_all,
            ..decisions.summary
        },
        non_responders: chase
            .as_ref()
            .map(|c| c.iter().map(|n| n.id.clone()).collect()),
        chase,
        exposed: limits.identify.then(|| {
            (by_id.iter().zip(&given).zip(&exposed_flags))
                .filter(|(_, exposed)| **exposed)
                .filter_map(|((m, r), _)| {
                    Some(ExposedOrg {
                        org: named(m),
                        answers: to_json((*r)?.answers),
                    })
                })
                .collect()
        }),
    }
}

/// The members in id order, one per id (the last given of a repeated one).
fn sorted_members<'m, 'a>(members: &'m [Member<'a>]) -> Vec<&'m Member<'a>> {
    // Strictly increasing ids (what the service passes): nothing to sort or drop.
    if members.windows(2).all(|w| w[0].id < w[1].id) {
        return members.iter().collect();
    }
    let mut sorted: Vec<&Member> = members.iter().collect();
    // Stable: a repeated id keeps the order given, and the last of it stays.
    sorted.sort_by(|a, b| a.id.cmp(b.id));
    let mut out: Vec<&Member> = Vec::with_capacity(sorted.len());
    for m in sorted {
        match out.last_mut() {
            Some(last) if last.id == m.id => *last = m,
            _ => out.push(m),
        }
    }
    out
}

/// Withholds counts under `limit`, and when only one is, the next smallest with it; returns
/// how many were withheld.
fn withhold(counts: &mut BTreeMap<String, usize>, limit: usize) -> usize {
    let small: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n < limit)
        .map(|(k, _)| k.clone())
        .collect();
    let mut withheld = small.len();
    for key in &small {
        counts.remove(key);
    }
    if withheld == 1
        && let Some(key) = counts
            .iter()
            .min_by_key(|(k, n)| (**n, (*k).clone()))
            .map(|(k, _)| k.clone())
    {
        counts.remove(&key);
        withheld += 1;
    }
    withheld
}

/// Cumulative responses per hour since the call opened (per day for a call open longer than
/// `MAX_POINTS` hours), up to now or the close.
fn timeline(mut firsts: Vec<time::OffsetDateTime>, options: &Options) -> Vec<Point> {
    let end = options.closed.unwrap_or(options.now).max(options.opened);
    let span = end - options.opened;
    let step = if span.whole_hours() < MAX_POINTS as i64 {
        time::Duration::HOUR
    } else {
        time::Duration::DAY
    };
    let start = options
        .opened
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(options.opened);
    firsts.sort_unstable();
    let mut points = Vec::new();
    let mut at = start + step;
    let mut counted = 0;
    while points.len() < MAX_POINTS {
        let until = at.min(end);
        counted += firsts[counted..]
            .iter()
            .take_while(|t| **t <= until)
            .count();
        points.push(Point {
            at: rfc3339(until),
            responded: counted,
        });
        if at >= end {
            break;
        }
        at += step;
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::Value;
    use crate::call::file::tests::ivanti;
    use crate::call::{QuestionId, from_unix_ms};

    fn answers(uses: bool, patched: &str) -> Answers {
        let mut a = Answers::new();
        a.insert(QuestionId("uses".into()), Value::Flag(uses));
        if uses {
            a.insert(QuestionId("patched".into()), Value::Choice(patched.into()));
        }
        a
    }

    fn options(identify: bool, hours_open: i64) -> Options {
        let opened = from_unix_ms(1_796_374_800_000); // 2026-12-04T09:00:00Z
        Options {
            now: opened + time::Duration::hours(hours_open),
            opened,
            closed: None,
            version: 1,
            group_by: GroupBy::Sector,
            limits: Limits {
                min_group_size: 5,
                identify,
            },
        }
    }

    /// 12 health organisations and 3 in justice; the first 10 of health answered.
    fn population() -> (Vec<String>, Vec<Answers>) {
        let ids: Vec<String> = (0..15).map(|i| format!("ORG{i:02}")).collect();
        let answers = (0..10)
            .map(|i| answers(i % 3 != 0, if i < 6 { "patched" } else { "not-yet" }))
            .collect();
        (ids, answers)
    }

    fn run(identify: bool) -> CallStatus {
        let call = ivanti();
        let (ids, given) = population();
        let opts = options(identify, 5);
        let members: Vec<Member> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| Member {
                id,
                name: id,
                sector: Some(if i < 12 { "health" } else { "justice" }),
                contact: Some("soc@example.org"),
                ..Member::default()
            })
            .collect();
        let responses: Vec<Response> = given
            .iter()
            .enumerate()
            .map(|(i, a)| Response {
                org: &ids[i],
                first_at: opts.opened + time::Duration::minutes(20 * i as i64),
                version: 1,
                answers: a,
                exposed: None,
                asked: None,
            })
            .collect();
        status(&call, &members, &responses, &opts)
    }

    #[test]
    fn identified_status_names_the_exposed_and_the_silent() {
        let s = run(true);
        assert_eq!((s.audience, s.responded), (15, Some(10)));
        // Using it (i % 3 != 0: 1,2,4,5,7,8) and not patched (i >= 6): 7 and 8.
        let exposed: Vec<_> = s
            .exposed
            .as_ref()
            .unwrap()
            .iter()
            .map(|e| e.org.id.as_str())
            .collect();
        assert_eq!(exposed, ["ORG07", "ORG08"]);
        assert_eq!(s.exposed_count, Some(2));
        assert_eq!(
            s.non_responders.as_ref().unwrap(),
            &["ORG10", "ORG11", "ORG12", "ORG13", "ORG14"]
        );
        assert_eq!(
            s.chase.as_ref().unwrap()[0].contact.as_deref(),
            Some("soc@example.org")
        );
        let uses = &s.questions[0];
        assert_eq!((uses.asked, uses.answered), (10, 10));
        assert_eq!(uses.answers.get("yes"), Some(&6));
        assert_eq!(uses.answers.get("no"), Some(&4));
        let patched = &s.questions[2];
        assert_eq!(patched.asked, 6);
        assert_eq!(patched.answers.get("not-yet"), Some(&2));
        // Answers came every 20 minutes from 09:00: 4 by 10:00 (the fourth on the hour), 7 by
        // 11:00, ... all 10 by 12:00; the last point is now, 14:00.
        let points: Vec<_> = s.timeline.iter().map(|p| p.responded).collect();
        assert_eq!(points, [4, 7, 10, 10, 10]);
        assert_eq!(s.timeline.last().unwrap().at, "2026-12-04T14:00:00Z");
        assert_eq!(s.groups.len(), 2);
    }

    #[test]
    fn without_identify_small_cells_and_groups_are_withheld() {
        let s = run(false);
        assert!(s.exposed.is_none() && s.non_responders.is_none() && s.chase.is_none());
        // 2 exposed is under the limit of 5.
        assert_eq!(s.exposed_count, None);
        // 6 yes and 4 no: `no` is under the limit, and `yes` goes with it (10 - 6 = 4).
        assert!(s.questions[0].answers.is_empty());
        assert_eq!(s.questions[0].withheld, 2);
        // Justice (3 organisations) is merged; the merged row is then under the limit too, so
        // health is merged into it: one row of 15.
        let rows: Vec<_> = s
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.audience, g.responded))
            .collect();
        assert_eq!(rows, [(crate::aggregate::OTHER_GROUP, 15, Some(10))]);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["schema"], SCHEMA);
        assert!(json.get("non_responders").is_none());
    }

    #[test]
    fn an_audience_under_the_limit_shows_only_its_size() {
        let call = ivanti();
        let members = [Member {
            id: "A",
            name: "A",
            ..Member::default()
        }];
        let a = answers(true, "not-yet");
        let responses = [Response {
            org: "A",
            first_at: from_unix_ms(0),
            version: 1,
            answers: &a,
            exposed: None,
            asked: None,
        }];
        let s = status(&call, &members, &responses, &options(false, 1));
        assert_eq!((s.audience, s.responded, s.exposed_count), (1, None, None));
        assert!(s.questions.is_empty() && s.timeline.is_empty() && s.disclosure.suppressed);
        // Responses from organisations outside the members are ignored.
        let s = status(&call, &[], &responses, &options(true, 1));
        assert_eq!((s.audience, s.responded), (0, Some(0)));
    }

    #[test]
    fn a_passed_deadline_is_overdue() {
        let call = ivanti();
        let mut opts = options(true, 1);
        assert!(!status(&call, &[], &[], &opts).overdue);
        opts.now = call.deadline + time::Duration::SECOND;
        assert!(status(&call, &[], &[], &opts).overdue);
    }
}
