//! Identifier newtypes, so an outcome id is never confused with an indicator reference.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Level;

/// A contributing outcome id such as `B2.a`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OutcomeId(String);

impl OutcomeId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OutcomeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::borrow::Borrow<str> for OutcomeId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// An indicator reference such as `A1.a.PA.2`: outcome, level code, position within the level.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IndicatorRef(String);

impl IndicatorRef {
    pub fn new(outcome: &OutcomeId, level: Level, position: usize) -> Self {
        Self(format!("{outcome}.{}.{position}", level.code()))
    }

    /// Wraps a reference that validation has already checked.
    pub(crate) fn checked(text: String) -> Self {
        Self(text)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Splits `A1.a.PA.2` into (`A1.a`, PartiallyAchieved, 2); `None` if it is not of that shape.
    pub fn parse(text: &str) -> Option<(&str, Level, usize)> {
        let (rest, digits) = text.rsplit_once('.')?;
        let (outcome, code) = rest.rsplit_once('.')?;
        // Digits only, no sign and no leading zero: the one spelling of each position.
        if outcome.is_empty()
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let position: usize = digits.parse().ok()?;
        Some((outcome, Level::from_code(code)?, position))
    }
}

impl std::borrow::Borrow<str> for IndicatorRef {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IndicatorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        assert_eq!(
            IndicatorRef::parse("A1.a.PA.2"),
            Some(("A1.a", Level::PartiallyAchieved, 2))
        );
        assert_eq!(
            IndicatorRef::parse("B4.d.NA.12"),
            Some(("B4.d", Level::NotAchieved, 12))
        );
        for bad in [
            "A1.a.X.1",
            "A1.a.A.0",
            "A1.a.A.01",
            "A.1",
            "",
            ".A.1",
            "A1.a.A.+1",
        ] {
            assert_eq!(IndicatorRef::parse(bad), None, "{bad}");
        }
    }
}
