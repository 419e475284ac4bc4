//! The rules of a call: `when` (is a question asked?) and `exposed` (is an organisation
//! exposed?), written as `uses = "yes" and patched != "patched"`.
//!
//! Grammar, lowest precedence first:
//!
//! ```text
//! rule       := and ("or" and)*
//! and        := unary ("and" unary)*
//! unary      := "not" unary | "(" rule ")" | comparison
//! comparison := QUESTION op VALUE          op: = == != < <= > >= contains
//! VALUE      := "text" | number
//! ```
//!
//! A comparison with a question that has no answer is false, and `!=` is `not =`: an
//! organisation that did not say it has patched is not counted as patched. Rules are short
//! and their nesting bounded, so neither parsing nor evaluation can be made to run away.

use std::ops::Range;

use super::answers::{Answers, Value};
use super::{Kind, Question, QuestionId};

/// The longest rule text, and the deepest nesting, accepted.
pub const MAX_RULE_CHARS: usize = 1_000;
const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    And(Box<Rule>, Box<Rule>),
    Or(Box<Rule>, Box<Rule>),
    Not(Box<Rule>),
    Compare(Comparison),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub question: QuestionId,
    pub op: Op,
    pub value: Literal,
    /// Where the question and the value are in the rule's text (bytes).
    pub question_span: Range<usize>,
    pub value_span: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
        }
    }

    fn orders(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
    /// A text literal compared with a date question, read as a date by [`Rule::check`].
    Date(time::Date),
}

/// A problem in a rule, located in the rule's own text (bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub span: Range<usize>,
    pub message: String,
    /// A question the rule names that is not one it may name (an unknown question), as
    /// opposed to a rule that does not parse or does not fit its question.
    pub unknown_question: bool,
}

impl RuleError {
    fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Self {
            span,
            message: message.into(),
            unknown_question: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Number(f64),
    Op(Op),
    Open,
    Close,
}

fn tokens(text: &str) -> Result<Vec<(Token, Range<usize>)>, RuleError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let token = match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => {
                i += 1;
                Token::Open
            }
            b')' => {
                i += 1;
                Token::Close
            }
            b'=' => {
                i += if bytes.get(i + 1) == Some(&b'=') {
                    2
                } else {
                    1
                };
                Token::Op(Op::Eq)
            }
            b'!' if bytes.get(i + 1) == Some(&b'=') => {
                i += 2;
                Token::Op(Op::Ne)
            }
            b'<' | b'>' => {
                let equal = bytes.get(i + 1) == Some(&b'=');
                i += 1 + usize::from(equal);
                Token::Op(match (b, equal) {
                    (b'<', false) => Op::Lt,
                    (b'<', true) => Op::Le,
                    (_, false) => Op::Gt,
                    (_, true) => Op::Ge,
                })
            }
            b'"' => {
                i += 1;
                let mut value = String::new();
                loop {
                    match text[i..].chars().next() {
                        None => {
                            return Err(RuleError::new(
                                start..text.len(),
                                "this text has no closing `\"`",
                            ));
                        }
                        Some('"') => {
                            i += 1;
                            break;
                        }
                        Some('\\') => {
                            let escaped = text[i + 1..].chars().next();
                            match escaped {
                                Some(c @ ('"' | '\\')) => value.push(c),
                                _ => {
                                    return Err(RuleError::new(
                                        i..i + 1,
                                        "only `\\\"` and `\\\\` may follow a backslash",
                                    ));
                                }
                            }
                            i += 2;
                        }
                        Some(c) => {
                            value.push(c);
                            i += c.len_utf8();
                        }
                    }
                }
                Token::Text(value)
            }
            b'-' | b'0'..=b'9' if is_number_start(bytes, i) => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                let number = text[start..i]
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .ok_or_else(|| RuleError::new(start..i, "this is not a number"))?;
                Token::Number(number)
            }
            b if b.is_ascii_alphanumeric() || b == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b'-' | b'.'))
                {
                    i += 1;
                }
                match &text[start..i] {
                    "contains" => Token::Op(Op::Contains),
                    word => Token::Word(word.to_string()),
                }
            }
            _ => {
                let width = text[i..].chars().next().map_or(1, char::len_utf8);
                return Err(RuleError::new(
                    i..i + width,
                    "unexpected character: write comparisons such as `uses = \"yes\"`, joined by `and`, `or`, `not`",
                ));
            }
        };
        out.push((token, start..i));
    }
    Ok(out)
}

/// A digit, or a `-` followed by one.
fn is_number_start(bytes: &[u8], i: usize) -> bool {
    bytes[i].is_ascii_digit() || bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
}

struct Parser {
    tokens: Vec<(Token, Range<usize>)>,
    at: usize,
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|(t, _)| t)
    }

    fn span(&self) -> Range<usize> {
        self.tokens
            .get(self.at)
            .map_or(self.end..self.end, |(_, s)| s.clone())
    }

    fn next(&mut self) -> Option<(Token, Range<usize>)> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn is_word(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == word)
    }

    fn rule(&mut self) -> Result<Rule, RuleError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(RuleError::new(
                self.span(),
                format!("the rule nests more than {MAX_DEPTH} levels deep"),
            ));
        }
        let mut left = self.and()?;
        while self.is_word("or") {
            self.at += 1;
            left = Rule::Or(Box::new(left), Box::new(self.and()?));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and(&mut self) -> Result<Rule, RuleError> {
        let mut left = self.unary()?;
        while self.is_word("and") {
            self.at += 1;
            left = Rule::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Rule, RuleError> {
        if self.is_word("not") {
            self.at += 1;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(RuleError::new(
                    self.span(),
                    format!("the rule nests more than {MAX_DEPTH} levels deep"),
                ));
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Rule::Not(Box::new(inner)));
        }
        if self.peek() == Some(&Token::Open) {
            self.at += 1;
            let inner = self.rule()?;
            match self.next() {
                Some((Token::Close, _)) => return Ok(inner),
                other => {
                    let span = other.map_or(self.end..self.end, |(_, s)| s);
                    return Err(RuleError::new(span, "expected `)`"));
                }
            }
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Rule, RuleError> {
        let (question, question_span) = match self.next() {
            Some((Token::Word(w), span)) if !matches!(w.as_str(), "and" | "or" | "not") => {
                (w, span)
            }
            other => {
                let span = other.map_or(self.end..self.end, |(_, s)| s);
                return Err(RuleError::new(
                    span,
                    "expected a question id, as in `uses = \"yes\"`",
                ));
            }
        };
        let op = match self.next() {
            Some((Token::Op(op), _)) => op,
            other => {
                let span = other.map_or(self.end..self.end, |(_, s)| s);
                return Err(RuleError::new(
                    span,
                    format!(
                        "expected `=`, `!=`, `<`, `<=`, `>`, `>=` or `contains` after `{question}`"
                    ),
                ));
            }
        };
        let (value, value_span) = match self.next() {
            Some((Token::Text(t), span)) => (Literal::Text(t), span),
            Some((Token::Number(n), span)) => (Literal::Number(n), span),
            other => {
                let span = other.map_or(self.end..self.end, |(_, s)| s);
                return Err(RuleError::new(
                    span,
                    "expected a value: text in double quotes, or a number",
                ));
            }
        };
        Ok(Rule::Compare(Comparison {
            question: QuestionId(question),
            op,
            value,
            question_span,
            value_span,
        }))
    }
}

impl Rule {
    /// Parses a rule's text (syntax only; [`Rule::check`] fits it to the questions).
    pub fn parse(text: &str) -> Result<Rule, RuleError> {
        if text.chars().count() > MAX_RULE_CHARS {
            return Err(RuleError::new(
                0..text.len(),
                format!("a rule is at most {MAX_RULE_CHARS} characters"),
            ));
        }
        let tokens = tokens(text)?;
        if tokens.is_empty() {
            return Err(RuleError::new(0..text.len(), "the rule is empty"));
        }
        let mut parser = Parser {
            tokens,
            at: 0,
            end: text.len(),
            depth: 0,
        };
        let rule = parser.rule()?;
        if parser.at < parser.tokens.len() {
            return Err(RuleError::new(
                parser.span(),
                "expected `and`, `or` or the end of the rule",
            ));
        }
        Ok(rule)
    }

    /// Fits the rule to the questions it may name (for a `when`, those before its question):
    /// every question known, every value one the question can have, orderings only on numbers
    /// and dates, `contains` only on multi-choice questions. Date values become dates.
    pub fn check(&mut self, questions: &[Question]) -> Vec<RuleError> {
        let mut errors = Vec::new();
        self.check_into(questions, &mut errors);
        errors
    }

    fn check_into(&mut self, questions: &[Question], errors: &mut Vec<RuleError>) {
        match self {
            Rule::And(a, b) | Rule::Or(a, b) => {
                a.check_into(questions, errors);
                b.check_into(questions, errors);
            }
            Rule::Not(a) => a.check_into(questions, errors),
            Rule::Compare(c) => {
                if let Err(e) = c.check(questions) {
                    errors.push(e);
                }
            }
        }
    }

    /// Whether the rule holds for `answers`.
    pub fn eval(&self, answers: &Answers) -> bool {
        match self {
            Rule::And(a, b) => a.eval(answers) && b.eval(answers),
            Rule::Or(a, b) => a.eval(answers) || b.eval(answers),
            Rule::Not(a) => !a.eval(answers),
            Rule::Compare(c) => c.eval(answers),
        }
    }

    /// The questions the rule names.
    pub fn questions(&self) -> Vec<&QuestionId> {
        match self {
            Rule::And(a, b) | Rule::Or(a, b) => {
                let mut q = a.questions();
                q.extend(b.questions());
                q
            }
            Rule::Not(a) => a.questions(),
            Rule::Compare(c) => vec![&c.question],
        }
    }
}

impl Comparison {
    fn check(&mut self, questions: &[Question]) -> Result<(), RuleError> {
        let Some(question) = questions.iter().find(|q| q.id == self.question) else {
            return Err(RuleError {
                span: self.question_span.clone(),
                message: format!(
                    "`{}` is not a question asked before this point",
                    self.question
                ),
                unknown_question: true,
            });
        };
        let kind = question.kind;
        let misfit = |message: String| Err(RuleError::new(self.value_span.clone(), message));
        if self.op.orders() && !matches!(kind, Kind::Number | Kind::Date) {
            return Err(RuleError::new(
                self.question_span.clone(),
                format!(
                    "`{}` orders only numbers and dates; `{}` is {}",
                    self.op.as_str(),
                    question.id,
                    kind.as_str()
                ),
            ));
        }
        if (self.op == Op::Contains) != (kind == Kind::MultiChoice) {
            return Err(RuleError::new(
                self.question_span.clone(),
                if kind == Kind::MultiChoice {
                    format!(
                        "`{}` is multi-choice: write `{} contains \"...\"`",
                        question.id, question.id
                    )
                } else {
                    format!(
                        "`contains` is for multi-choice questions; `{}` is {}",
                        question.id,
                        kind.as_str()
                    )
                },
            ));
        }
        match (kind, &self.value) {
            (Kind::Number, Literal::Number(_)) | (Kind::Text, Literal::Text(_)) => Ok(()),
            (Kind::YesNo | Kind::Choice | Kind::MultiChoice, Literal::Text(t)) => {
                if question.choices.iter().any(|c| c == t) {
                    Ok(())
                } else {
                    misfit(format!(
                        "`{}` cannot be {t:?}: its values are {}",
                        question.id,
                        quoted(&question.choices)
                    ))
                }
            }
            (Kind::Date, Literal::Text(t)) => match super::answers::parse_date(t) {
                Some(date) => {
                    self.value = Literal::Date(date);
                    Ok(())
                }
                None => misfit(format!(
                    "`{}` is a date: write the value as \"YYYY-MM-DD\"",
                    question.id
                )),
            },
            (Kind::Date, Literal::Date(_)) => Ok(()),
            (kind, _) => misfit(format!(
                "`{}` is {}: this value cannot be one of its answers",
                question.id,
                kind.as_str()
            )),
        }
    }

    fn eval(&self, answers: &Answers) -> bool {
        let Some(answer) = answers.get(&self.question) else {
            // Unanswered: no comparison holds, so `!=` (not `=`) does.
            return self.op == Op::Ne;
        };
        let ordering = match (answer, &self.value) {
            (Value::Flag(b), Literal::Text(t)) => {
                Some((if *b { "yes" } else { "no" }).cmp(t.as_str()))
            }
            (Value::Choice(c) | Value::Text(c), Literal::Text(t)) => {
                Some(c.as_str().cmp(t.as_str()))
            }
            (Value::Number(n), Literal::Number(m)) => n.partial_cmp(m),
            (Value::Date(d), Literal::Date(e)) => Some(d.cmp(e)),
            (Value::Choices(set), Literal::Text(t)) => {
                let has = set.contains(t);
                return match self.op {
                    Op::Contains | Op::Eq => has,
                    Op::Ne => !has,
                    _ => false,
                };
            }
            _ => None,
        };
        use std::cmp::Ordering::*;
        match (self.op, ordering) {
            (Op::Ne, o) => o != Some(Equal),
            (_, None) => false,
            (Op::Eq, Some(o)) => o == Equal,
            (Op::Lt, Some(o)) => o == Less,
            (Op::Le, Some(o)) => o != Greater,
            (Op::Gt, Some(o)) => o == Greater,
            (Op::Ge, Some(o)) => o != Less,
            (Op::Contains, Some(o)) => o == Equal,
        }
    }
}

fn quoted(values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::call::answers::Value;

    fn question(id: &str, kind: Kind, choices: &[&str]) -> Question {
        Question {
            id: QuestionId(id.into()),
            text: id.into(),
            kind,
            choices: choices.iter().map(|c| c.to_string()).collect(),
            when: None,
            required: false,
        }
    }

    fn questions() -> Vec<Question> {
        vec![
            question("uses", Kind::YesNo, &["yes", "no"]),
            question(
                "patched",
                Kind::Choice,
                &["patched", "mitigated", "not-yet"],
            ),
            question("devices", Kind::Number, &[]),
            question("since", Kind::Date, &[]),
            question("versions", Kind::MultiChoice, &["11.12", "12.0"]),
        ]
    }

    fn answers(pairs: &[(&str, Value)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (QuestionId(k.to_string()), v.clone()))
            .collect()
    }

    fn rule(text: &str) -> Rule {
        let mut r = Rule::parse(text).unwrap();
        assert_eq!(r.check(&questions()), vec![], "{text}");
        r
    }

    #[test]
    fn the_exposure_rule_of_the_issue_evaluates() {
        let r = rule(r#"uses = "yes" and patched != "patched""#);
        let yes = |p: &str| {
            answers(&[
                ("uses", Value::Flag(true)),
                ("patched", Value::Choice(p.into())),
            ])
        };
        assert!(r.eval(&yes("not-yet")));
        assert!(!r.eval(&yes("patched")));
        assert!(!r.eval(&answers(&[("uses", Value::Flag(false))])));
        // Using it and silent on patching: not counted as patched.
        assert!(r.eval(&answers(&[("uses", Value::Flag(true))])));
    }

    #[test]
    fn precedence_parentheses_not_numbers_dates_and_lists() {
        let r = rule(r#"not (devices >= 10 or since < "2026-11-01") and versions contains "12.0""#);
        let a = |n: f64, d: (i32, u8), v: &[&str]| {
            answers(&[
                ("devices", Value::Number(n)),
                (
                    "since",
                    Value::Date(
                        time::Date::from_calendar_date(
                            d.0,
                            time::Month::try_from(d.1).unwrap(),
                            15,
                        )
                        .unwrap(),
                    ),
                ),
                (
                    "versions",
                    Value::Choices(v.iter().map(|s| s.to_string()).collect()),
                ),
            ])
        };
        assert!(r.eval(&a(3.0, (2026, 11), &["12.0"])));
        assert!(!r.eval(&a(30.0, (2026, 11), &["12.0"])));
        assert!(!r.eval(&a(3.0, (2026, 10), &["12.0"])));
        assert!(!r.eval(&a(3.0, (2026, 11), &["11.12"])));
        // `and` binds tighter than `or`.
        let r = rule(r#"uses = "no" or uses = "yes" and devices > 5"#);
        assert!(r.eval(&answers(&[("uses", Value::Flag(false))])));
        assert!(!r.eval(&answers(&[
            ("uses", Value::Flag(true)),
            ("devices", Value::Number(1.0))
        ])));
    }

    #[test]
    fn syntax_errors_point_into_the_rule() {
        for (text, at) in [
            (r#"uses = "yes" and"#, 16),
            (r#"uses "yes""#, 5),
            (r#"uses = "yes" patched"#, 13),
            (r#"uses = yes"#, 7),
            (r#"(uses = "yes""#, 13),
            (r#"uses = "yes"#, 7),
            ("uses = \"yes\" & x", 13),
        ] {
            let e = Rule::parse(text).unwrap_err();
            assert_eq!(e.span.start, at, "{text}: {e:?}");
        }
    }

    #[test]
    fn checks_fit_the_rule_to_its_questions() {
        for (text, unknown) in [
            (r#"usse = "yes""#, true),
            (r#"uses = "maybe""#, false),
            (r#"patched > "a""#, false),
            (r#"devices = "ten""#, false),
            (r#"since = "yesterday""#, false),
            (r#"versions = "12.0""#, false),
            (r#"uses contains "yes""#, false),
        ] {
            let errors = Rule::parse(text).unwrap().check(&questions());
            assert_eq!(errors.len(), 1, "{text}");
            assert_eq!(errors[0].unknown_question, unknown, "{text}");
        }
    }

    #[test]
    fn hostile_rules_are_refused_not_overflowed() {
        let deep = format!("{}uses = \"yes\"{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(Rule::parse(&deep).is_err());
        let nots = format!("{}uses = \"yes\"", "not ".repeat(200));
        assert!(Rule::parse(&nots).is_err());
        assert!(Rule::parse("").is_err());
        assert!(Rule::parse("é = \"x\"").is_err());
        assert!(Rule::parse("a = -").is_err());
    }
}
