//! What the 被保険者資格申立書 asks, read strictly from the counter's form: the patient's 4 items (氏名, 生年月日,
//! 性別, 住所), what they know of their insurer (保険者名, 保険者番号, 記号・番号・枝番, each only if known), and when
//! it was declared. Pure, so it is tested natively; the console keeps a [`Declaration`] only in the browser's
//! encrypted store (`vault.rs`), never at the edge.
//!
//! A 保険者番号 the patient gives must pass its check digit, and 記号・番号・枝番 the shared bounds, as at the
//! by-number check ([`crate::form::NumberForm`]): a slip found now is one the later re-check would not survive.

use onshi_proto::IsoDate;
use onshi_proto::api::StaffNumberQuery;
use onshi_proto::petition::{CaptureId, PetitionItems};
use onshi_proto::qualification::Sex;
use onshi_proto::written_date;
use serde::{Deserialize, Serialize};

use crate::form::{FormProblem, NumberForm};

/// Longest 氏名 accepted, in characters (the registry's own bound for a name).
pub const MAX_NAME_CHARS: usize = 100;
/// Longest 住所 or 保険者名 accepted, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// What staff typed into the 申立書 form, as its fields hold it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct DeclarationForm {
    /// 氏名.
    pub name: String,
    /// 生年月日 as typed (和暦 or 西暦).
    pub birth_date: String,
    /// 性別: `male`, `female` or `unspecified`, or empty when not chosen.
    pub sex: String,
    /// 住所.
    pub address: String,
    /// 保険者名, if the patient knows it.
    pub insurer_name: String,
    /// 保険者番号, if the patient knows it.
    pub insurer_number: String,
    /// 記号, if known.
    pub symbol: String,
    /// 番号, if known.
    pub number: String,
    /// 枝番, if known.
    pub branch: String,
}

impl std::fmt::Debug for DeclarationForm {
    /// Personal data stays out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeclarationForm { .. }")
    }
}

/// Why the form cannot be kept; each names its message ([`DeclarationProblem::key`]) and the field to correct
/// ([`DeclarationProblem::field_id`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclarationProblem {
    /// 氏名 is empty or too long.
    Name,
    /// 生年月日 is not a date, or lies in the future.
    BirthDate,
    /// 性別 is not chosen.
    Sex,
    /// 住所 is empty or too long.
    Address,
    /// 保険者名 is too long.
    InsurerName,
    /// The 保険者番号 or 記号・番号・枝番 given is malformed.
    Number(FormProblem),
    /// 記号・番号 were given without the 保険者番号 they belong to.
    NumberWithoutInsurer,
}

/// The `id`s of the 申立書 form's inputs, in the form's order.
pub const DECLARATION_FIELD_IDS: [&str; 9] = [
    "declaration-name",
    "declaration-birth-date",
    "declaration-sex",
    "declaration-address",
    "declaration-insurer-name",
    "declaration-insurer-number",
    "declaration-symbol",
    "declaration-number",
    "declaration-branch",
];

impl DeclarationProblem {
    /// The resource key of the message shown beside the form (`staff/locales/`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Name => "staff.declaration.problem.name",
            Self::BirthDate => "staff.declaration.problem.birth_date",
            Self::Sex => "staff.declaration.problem.sex",
            Self::Address => "staff.declaration.problem.address",
            Self::InsurerName => "staff.declaration.problem.insurer_name",
            Self::Number(problem) => problem.key(),
            Self::NumberWithoutInsurer => "staff.declaration.problem.number_without_insurer",
        }
    }

    /// The `id` of the input that holds the mistake.
    pub fn field_id(self) -> &'static str {
        let index = match self {
            Self::Name => 0,
            Self::BirthDate => 1,
            Self::Sex => 2,
            Self::Address => 3,
            Self::InsurerName => 4,
            Self::Number(
                FormProblem::InsurerNumberLength
                | FormProblem::InsurerNumberNotDigits
                | FormProblem::InsurerNumberCheckDigit,
            )
            | Self::NumberWithoutInsurer => 5,
            Self::Number(FormProblem::Symbol) => 6,
            Self::Number(FormProblem::Number | FormProblem::BirthDate) => 7,
            Self::Number(FormProblem::Branch) => 8,
        };
        DECLARATION_FIELD_IDS[index]
    }
}

/// What the patient knows of their insurer; every part optional.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredInsurer {
    /// 保険者名.
    pub name: Option<String>,
    /// 保険者番号, check digit verified.
    pub number: Option<String>,
    /// 記号.
    pub symbol: Option<String>,
    /// 番号.
    pub insured_number: Option<String>,
    /// 枝番.
    pub branch: Option<String>,
}

impl std::fmt::Debug for DeclaredInsurer {
    /// Which parts the patient knew, not what they are: 記号・番号 name a person.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeclaredInsurer")
            .field("name", &self.name.is_some())
            .field("number", &self.number.is_some())
            .field("insured_number", &self.insured_number.is_some())
            .finish_non_exhaustive()
    }
}

/// One 被保険者資格申立書, as kept in the browser's encrypted store.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// 氏名.
    pub name: String,
    /// 生年月日.
    pub birth_date: IsoDate,
    /// 性別.
    pub sex: Sex,
    /// 住所.
    pub address: String,
    /// What the patient knows of their insurer.
    pub insurer: DeclaredInsurer,
    /// When it was declared (Unix seconds).
    pub declared_at: i64,
    /// The reference the patient was given when the kiosk read this from their card in the outage; `None` for a
    /// declaration staff typed at the counter.
    #[serde(default)]
    pub from_kiosk: Option<String>,
}

impl std::fmt::Debug for Declaration {
    /// Only the time: the rest is personal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Declaration").field("declared_at", &self.declared_at).finish_non_exhaustive()
    }
}

fn optional(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

fn bounded(text: &str, max_chars: usize) -> Option<String> {
    optional(text).filter(|value| value.chars().count() <= max_chars && !value.chars().any(char::is_control))
}

impl DeclarationForm {
    /// The declaration made at `now` (Unix seconds) on `today`, or the first problem in the form's order.
    pub fn validate(&self, now: i64, today: IsoDate) -> Result<Declaration, DeclarationProblem> {
        let name = bounded(&self.name, MAX_NAME_CHARS).ok_or(DeclarationProblem::Name)?;
        let birth_date = written_date::parse(&self.birth_date)
            .ok()
            .filter(|date| date.0 <= today.0)
            .ok_or(DeclarationProblem::BirthDate)?;
        let sex = self.sex.parse::<Sex>().map_err(|_| DeclarationProblem::Sex)?;
        let address = bounded(&self.address, MAX_ADDRESS_CHARS).ok_or(DeclarationProblem::Address)?;
        let insurer_name = match optional(&self.insurer_name) {
            None => None,
            Some(_) => Some(bounded(&self.insurer_name, MAX_ADDRESS_CHARS).ok_or(DeclarationProblem::InsurerName)?),
        };
        let insurer = self.insurer(insurer_name, birth_date)?;
        Ok(Declaration { name, birth_date, sex, address, insurer, declared_at: now, from_kiosk: None })
    }

    /// The insurer part: each number the patient gives is checked as the by-number form checks it.
    fn insurer(&self, name: Option<String>, birth_date: IsoDate) -> Result<DeclaredInsurer, DeclarationProblem> {
        let (number, symbol, insured, branch) =
            (optional(&self.insurer_number), optional(&self.symbol), optional(&self.number), optional(&self.branch));
        if number.is_none() {
            if insured.is_some() || symbol.is_some() || branch.is_some() {
                return Err(DeclarationProblem::NumberWithoutInsurer);
            }
            return Ok(DeclaredInsurer { name, ..DeclaredInsurer::default() });
        }
        let form = NumberForm {
            insurer_number: self.insurer_number.clone(),
            symbol: self.symbol.clone(),
            // Without a 番号 only the 保険者番号 is checked: a placeholder stands in for the number the shared
            // validator requires, and is not kept.
            number: insured.clone().unwrap_or_else(|| "0".into()),
            branch: self.branch.clone(),
            birth_date: birth_date.to_string(),
        };
        let query = form.validate().map_err(DeclarationProblem::Number)?;
        Ok(DeclaredInsurer {
            name,
            number: Some(query.insurer_number),
            symbol: insured.as_ref().and(query.symbol),
            insured_number: insured.map(|_| query.number),
            branch: query.branch,
        })
    }
}

impl Declaration {
    /// The declaration a kiosk captured from the patient's card (the 4 items only: the card says nothing of the
    /// insurer), marked with the reference the patient says at the counter.
    pub fn from_kiosk(items: &PetitionItems, capture_id: &CaptureId) -> Self {
        Declaration {
            name: items.name.clone(),
            birth_date: items.birth_date,
            sex: items.sex,
            address: items.address.clone(),
            insurer: DeclaredInsurer::default(),
            declared_at: items.read_at,
            from_kiosk: Some(capture_id.reference()),
        }
    }

    /// The by-number check that re-checks this declaration once the service is back, when the patient knew their
    /// 保険者番号 and 番号; without them no automatic check can find the person, and staff follow it up by hand.
    pub fn lookup(&self) -> Option<StaffNumberQuery> {
        Some(StaffNumberQuery {
            insurer_number: self.insurer.number.clone()?,
            symbol: self.insurer.symbol.clone(),
            number: self.insurer.insured_number.clone()?,
            branch: self.insurer.branch.clone(),
            birth_date: self.birth_date,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;

    fn today() -> IsoDate {
        IsoDate::parse("2026-12-04").unwrap()
    }

    fn form() -> DeclarationForm {
        DeclarationForm {
            name: " 山田 太郎 ".into(),
            birth_date: "昭和55年2月17日".into(),
            sex: "male".into(),
            address: "東京都千代田区千代田1-1".into(),
            insurer_name: "全国健康保険協会 東京支部".into(),
            insurer_number: "33120015".into(),
            symbol: "12-34".into(),
            number: "5678".into(),
            branch: "01".into(),
        }
    }

    #[test]
    fn a_full_declaration_is_kept_with_its_lookup() {
        let declaration = form().validate(1_000, today()).unwrap();
        assert_eq!(declaration.name, "山田 太郎");
        assert_eq!(declaration.birth_date.to_string(), "1980-02-17");
        assert_eq!(declaration.sex, Sex::Male);
        assert_eq!(declaration.declared_at, 1_000);
        let lookup = declaration.lookup().unwrap();
        assert_eq!(lookup.insurer_number, "33120015");
        assert_eq!((lookup.symbol.as_deref(), lookup.number.as_str()), (Some("12-34"), "5678"));
        assert_eq!(lookup.birth_date, declaration.birth_date);
    }

    #[test]
    fn a_patient_who_knows_nothing_of_their_insurer_is_still_declared_but_not_looked_up() {
        let blank = DeclarationForm {
            insurer_name: String::new(),
            insurer_number: String::new(),
            symbol: String::new(),
            number: String::new(),
            branch: String::new(),
            ..form()
        };
        let declaration = blank.validate(1_000, today()).unwrap();
        assert_eq!(declaration.insurer, DeclaredInsurer::default());
        assert!(declaration.lookup().is_none());
        // The 保険者番号 alone is kept, checked, and still does not find a person.
        let insurer_only = DeclarationForm { insurer_number: "33120015".into(), ..blank };
        let declaration = insurer_only.validate(1_000, today()).unwrap();
        assert_eq!(declaration.insurer.number.as_deref(), Some("33120015"));
        assert!(declaration.insurer.insured_number.is_none() && declaration.insurer.symbol.is_none());
        assert!(declaration.lookup().is_none());
    }

    #[test]
    fn each_missing_or_malformed_item_names_its_field() {
        let cases = [
            (DeclarationForm { name: "  ".into(), ..form() }, DeclarationProblem::Name, "declaration-name"),
            (
                DeclarationForm { birth_date: "55.2.17".into(), ..form() },
                DeclarationProblem::BirthDate,
                "declaration-birth-date",
            ),
            (
                DeclarationForm { birth_date: "2027-01-01".into(), ..form() },
                DeclarationProblem::BirthDate,
                "declaration-birth-date",
            ),
            (DeclarationForm { sex: String::new(), ..form() }, DeclarationProblem::Sex, "declaration-sex"),
            (DeclarationForm { address: String::new(), ..form() }, DeclarationProblem::Address, "declaration-address"),
            (
                DeclarationForm { insurer_number: "33120016".into(), ..form() },
                DeclarationProblem::Number(FormProblem::InsurerNumberCheckDigit),
                "declaration-insurer-number",
            ),
            (
                DeclarationForm { branch: "1".into(), ..form() },
                DeclarationProblem::Number(FormProblem::Branch),
                "declaration-branch",
            ),
            (
                DeclarationForm { insurer_number: String::new(), ..form() },
                DeclarationProblem::NumberWithoutInsurer,
                "declaration-insurer-number",
            ),
        ];
        for (form, problem, field) in cases {
            assert_eq!(form.validate(1_000, today()), Err(problem));
            assert_eq!(problem.field_id(), field);
            assert!(problem.key().starts_with("staff."));
        }
    }

    #[test]
    fn a_kiosk_capture_files_as_a_declaration_marked_with_its_reference() {
        let items = PetitionItems::from_card("黒桐　幹也", "東京都清瀬市観布子南", "19800217", "1", 77).unwrap();
        let declaration = Declaration::from_kiosk(&items, &CaptureId::from_random([0x3c; 16]));
        assert_eq!(declaration.name, "黒桐　幹也");
        assert_eq!(declaration.birth_date.to_string(), "1980-02-17");
        assert_eq!((declaration.sex, declaration.declared_at), (Sex::Male, 77));
        assert_eq!(declaration.from_kiosk.as_deref(), Some("3C3C3C"));
        assert_eq!(declaration.insurer, DeclaredInsurer::default());
        // A declaration stored before kiosk captures existed reads back as typed at the counter.
        let mut stored = serde_json::to_value(form().validate(1_000, today()).unwrap()).unwrap();
        stored.as_object_mut().unwrap().remove("from_kiosk");
        assert_eq!(serde_json::from_value::<Declaration>(stored).unwrap().from_kiosk, None);
    }

    #[test]
    fn debug_shows_no_personal_data() {
        let declaration = form().validate(1_000, today()).unwrap();
        for shown in [format!("{declaration:?}"), format!("{:?}", form())] {
            assert!(!shown.contains("山田") && !shown.contains("千代田") && !shown.contains("1980"), "{shown}");
        }
    }
}
