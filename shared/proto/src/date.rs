//! Calendar dates on the wire, as ISO 8601 `YYYY-MM-DD` strings.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;
use time::macros::format_description;

/// A Gregorian calendar date that serialises as `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Date))]
pub struct IsoDate(pub Date);

impl IsoDate {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Result<Self, time::error::Parse> {
        Date::parse(text, format_description!("[year]-[month]-[day]")).map(Self)
    }

    /// Parses the compact `YYYYMMDD` form used by the qualification XML messages.
    pub fn parse_compact(text: &str) -> Result<Self, time::error::Parse> {
        Date::parse(text, format_description!("[year][month][day]")).map(Self)
    }

    /// The compact `YYYYMMDD` form.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}{:02}", self.0.year(), u8::from(self.0.month()), self.0.day())
    }
}

impl std::fmt::Display for IsoDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.0.year(), u8::from(self.0.month()), self.0.day())
    }
}

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_both_forms() {
        let date = IsoDate::parse("1980-02-17").unwrap();
        assert_eq!(date.to_string(), "1980-02-17");
        assert_eq!(date.compact(), "19800217");
        assert_eq!(IsoDate::parse_compact("19800217").unwrap(), date);
        assert!(IsoDate::parse("1980-02-30").is_err());
        assert!(serde_json::from_str::<IsoDate>("\"17/02/1980\"").is_err());
    }
}
