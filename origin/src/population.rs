//! A synthetic national population for load tests and benchmarks: persons with 基本4情報 and 個人番号, insurers,
//! qualifications, マイナンバーカード issuance and 保険証利用登録, all derived deterministically from a seed.
//!
//! Proportions come from the seed document's prefecture table (`population/prefectures.tsv`: 人口 and 交付枚数 per
//! 都道府県 as of 2021-06-01, 総務省公表資料 reproduced in an MHLW material of June 2021). A person's prefecture is
//! drawn in proportion to 人口, a card is issued with that prefecture's 交付枚数 / 人口, and a card holder has
//! registered the card as a health-insurance card with probability 440.3万 / 4,224万 (10.4%, as of 2021-06-20).
//!
//! Every person is computed from `(seed, index)` alone, so any slice of the population can be generated without
//! the rest, in any batch size, and the same seed always yields the same rows. Nothing here reads a clock or a
//! random source: the reference date and the seed are passed in. The SQL bulk loader lives in [`load`].
//!
//! Certificates: the demo cards of the virtual-card helper carry real certificates and keys issued by the shared
//! test CA. Signing millions of X.509 certificates would take hours, so the synthetic card holders get only
//! certificate *serials* (unique, never the length of a demo serial) under the same issuer DN. Those serials are
//! valid lookup keys for the origin, but no certificate or private key exists for them.

use onshi_proto::IsoDate;
use onshi_proto::certificate::{CertificateSerial, IssuerName};
use onshi_proto::origin::CertificateRef;
use onshi_proto::qualification::{Percent, PersonalFamily, Sex};
use time::{Date, Duration};

use crate::error::{OriginError, Result};
use crate::store::rows::{NewInsurer, NewPerson, NewQualification};
use onshi_proto::insurer_number::{InsurerNumber, with_check_digit};

pub mod load;
mod names;
pub mod public_expense;

use public_expense::{Payers, RECIPIENTS_PER_PAYER, Recipient, SyntheticPublicExpense};

/// The prefecture table, as copied from the seed document.
const PREFECTURE_TABLE: &str = include_str!("population/prefectures.tsv");

/// The issuer DN of the shared test CA that signs the demo cards' 利用者証明用 certificates (RFC 4514 text, as in
/// the virtual-card helper's `demo-cards.json`).
pub const TEST_CA_ISSUER: &str = "CN=onshi test auth CA,OU=JPKI for user authentication TEST,O=onshi test,C=JP";

/// 保険証利用登録 440.3万件 ...
pub const REGISTERED_CARDS: u64 = 4_403_000;
/// ... of マイナンバーカード交付実施済数 4,224万件 (2021-06-20): a card holder registers with this odds.
pub const ISSUED_CARDS: u64 = 42_240_000;

/// The largest population generated. Identifiers and 被保険者番号 are derived from the person's index and are
/// unique up to this size.
pub const MAX_PERSONS: u64 = 10_000_000;

/// The first byte of every synthetic certificate serial. Synthetic serials are nine bytes long; the demo cards'
/// serials are four, so the two can never collide.
const SYNTHETIC_SERIAL_PREFIX: &str = "50";

/// One 都道府県 of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefecture {
    /// JIS X 0401 code, 1 (北海道) to 47 (沖縄県).
    pub code: u8,
    /// 都道府県名.
    pub name: String,
    /// 人口 (2020-01-01).
    pub population: u64,
    /// マイナンバーカード交付枚数 (2021-06-01).
    pub cards_issued: u64,
    /// 人口に対する交付枚数率 as printed, in tenths of a percent (283 for 28.3%).
    pub printed_rate_permille: u32,
}

/// Parses the prefecture table: `#` comment lines, one header line, then tab-separated rows.
pub fn parse_prefectures(text: &str) -> Result<Vec<Prefecture>> {
    let bad = |line: &str| OriginError::CorruptRecord(format!("prefecture table line {line:?}"));
    let mut rows = text.lines().filter(|line| !line.starts_with('#') && !line.trim().is_empty());
    match rows.next() {
        Some(header) if header.starts_with("code\t") => {}
        _ => return Err(OriginError::CorruptRecord("prefecture table has no header".into())),
    }
    let mut prefectures = Vec::new();
    for line in rows {
        let fields: Vec<&str> = line.split('\t').collect();
        let [code, name, population, cards_issued, rate] = fields.as_slice() else { return Err(bad(line)) };
        let (whole, tenth) = rate.split_once('.').ok_or_else(|| bad(line))?;
        let prefecture = Prefecture {
            code: code.parse().map_err(|_| bad(line))?,
            name: (*name).to_owned(),
            population: population.parse().map_err(|_| bad(line))?,
            cards_issued: cards_issued.parse().map_err(|_| bad(line))?,
            printed_rate_permille: whole
                .parse::<u32>()
                .ok()
                .zip(tenth.parse::<u32>().ok().filter(|_| tenth.len() == 1))
                .map(|(whole, tenth)| whole * 10 + tenth)
                .ok_or_else(|| bad(line))?,
        };
        if prefecture.population == 0 || prefecture.cards_issued > prefecture.population {
            return Err(bad(line));
        }
        prefectures.push(prefecture);
    }
    if prefectures.len() != 47 || prefectures.iter().zip(1..).any(|(p, code)| p.code != code) {
        return Err(OriginError::CorruptRecord("prefecture table must list codes 01 to 47 in order".into()));
    }
    Ok(prefectures)
}

/// The built-in prefecture table.
pub fn prefectures() -> Result<Vec<Prefecture>> {
    parse_prefectures(PREFECTURE_TABLE)
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PopulationConfig {
    /// The seed every value derives from.
    pub seed: u64,
    /// How many persons.
    pub persons: u64,
    /// The date ages, qualification dates and contribution rates are reckoned from.
    pub reference_date: Date,
    /// The `created_at` / `linked_at` stamp of every row, Unix seconds.
    pub created_at: i64,
}

/// A synthetic マイナンバーカード.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticCard {
    /// Its 利用者証明用 certificate (serial only; see the module docs).
    pub certificate: CertificateRef,
    /// Whether its holder has done the 保険証利用登録 (the certificate is linked to the person).
    pub registered: bool,
}

/// One person with everything that hangs on them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticPerson {
    /// Position in the population, from 0.
    pub index: u64,
    /// 個人番号, twelve digits with a valid check digit (see [`crate::individual_number`]), unique within a
    /// population.
    pub individual_number: String,
    /// JIS X 0401 code of the prefecture they live in.
    pub prefecture_code: u8,
    /// The 基本4情報 and カナ氏名.
    pub person: NewPerson,
    /// Their current cover, as 本人; none for a person on 医療扶助, who has no health insurance of their own (単独).
    pub qualification: Option<NewQualification>,
    /// Their 公費 in force on the reference date ([`public_expense`]).
    pub public_expenses: Vec<SyntheticPublicExpense>,
    /// Their card, when one was issued.
    pub card: Option<SyntheticCard>,
}

/// The kinds of insurer a person can be covered by, one of each per prefecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InsurerKind {
    /// 全国健康保険協会 (法別番号 01), one 支部 per prefecture.
    Kyokai,
    /// A 健康保険組合 (法別番号 06).
    Kumiai,
    /// 市町村国保 (6 digits, no 法別番号).
    Kokuho,
    /// 後期高齢者医療広域連合 (法別番号 39).
    LateElderly,
}

impl InsurerKind {
    fn slot(self) -> usize {
        match self {
            Self::Kyokai => 0,
            Self::Kumiai => 1,
            Self::Kokuho => 2,
            Self::LateElderly => 3,
        }
    }

    fn insurer(self, prefecture: &Prefecture) -> Result<NewInsurer> {
        let code = prefecture.code;
        let (base, name) = match self {
            Self::Kyokai => (format!("01{code:02}001"), format!("全国健康保険協会 {}支部（合成）", prefecture.name)),
            Self::Kumiai => (format!("06{code:02}501"), format!("{}架空健康保険組合（合成）", prefecture.name)),
            Self::Kokuho => (format!("{code:02}101"), format!("{}架空市国民健康保険（合成）", prefecture.name)),
            Self::LateElderly => {
                (format!("39{code:02}001"), format!("{}後期高齢者医療広域連合（合成）", prefecture.name))
            }
        };
        Ok(NewInsurer { number: InsurerNumber::from_base(&base)?, name })
    }
}

/// A rough shape of the age pyramid in ten-year bands (0–9 … 90–99), relative weights. It only spreads ages
/// plausibly; it is not a statistic.
const AGE_BAND_WEIGHTS: [u64; 10] = [96, 110, 126, 142, 184, 162, 165, 160, 94, 25];

/// Generates persons by index. Cheap to share across threads.
#[derive(Clone, Debug)]
pub struct Generator {
    config: PopulationConfig,
    prefectures: Vec<Prefecture>,
    cumulative_population: Vec<u64>,
    insurers: Vec<[NewInsurer; 4]>,
    /// The 公費負担者 of each block of [`RECIPIENTS_PER_PAYER`] persons, per prefecture.
    payers: Vec<Vec<Payers>>,
}

impl Generator {
    /// A generator over the built-in prefecture table.
    pub fn new(config: PopulationConfig) -> Result<Self> {
        if config.persons > MAX_PERSONS {
            return Err(OriginError::Usage(format!("at most {MAX_PERSONS} persons can be generated")));
        }
        let prefectures = prefectures()?;
        let cumulative_population = prefectures
            .iter()
            .scan(0u64, |total, prefecture| {
                *total += prefecture.population;
                Some(*total)
            })
            .collect();
        let insurers = prefectures
            .iter()
            .map(|prefecture| {
                Ok([
                    InsurerKind::Kyokai.insurer(prefecture)?,
                    InsurerKind::Kumiai.insurer(prefecture)?,
                    InsurerKind::Kokuho.insurer(prefecture)?,
                    InsurerKind::LateElderly.insurer(prefecture)?,
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        let blocks = config.persons.div_ceil(RECIPIENTS_PER_PAYER).max(1);
        let payers = (0..blocks)
            .map(|block| prefectures.iter().map(|prefecture| public_expense::payers(prefecture, block)).collect())
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { config, prefectures, cumulative_population, insurers, payers })
    }

    /// The configuration.
    pub fn config(&self) -> &PopulationConfig {
        &self.config
    }

    /// The prefecture table in use.
    pub fn prefecture_table(&self) -> &[Prefecture] {
        &self.prefectures
    }

    /// Every insurer any person can be covered by.
    pub fn insurers(&self) -> Vec<NewInsurer> {
        self.insurers.iter().flat_map(|set| set.iter().cloned()).collect()
    }

    /// Every 公費負担者 any person's 公費 can be paid by.
    pub fn payers(&self) -> Vec<public_expense::SyntheticPayer> {
        self.payers.iter().flatten().flat_map(|set| set.iter().cloned()).collect()
    }

    /// The person at `index` (below `config.persons`, though any index yields a person).
    pub fn person(&self, index: u64) -> Result<SyntheticPerson> {
        let mut rng = SplitMix::for_person(self.config.seed, index);
        let drawn = rng.below(self.cumulative_population.last().copied().unwrap_or(1));
        let slot = self.cumulative_population.partition_point(|&upto| upto <= drawn);
        let prefecture =
            self.prefectures.get(slot).ok_or_else(|| OriginError::CorruptRecord("prefecture table is empty".into()))?;

        let sex = if rng.below(1000) < 487 { Sex::Male } else { Sex::Female };
        let birth_date = self.birth_date(&mut rng)?;
        let age = age_on(birth_date, self.config.reference_date);
        let (name, name_kana) = names::full_name(&mut rng, sex);
        let address = names::address(&mut rng, &prefecture.name);

        let person_id = format!("pop-{index:08}");
        let kind = match age {
            75.. => InsurerKind::LateElderly,
            0..18 => InsurerKind::Kokuho,
            _ => match rng.below(4) {
                0 | 1 => InsurerKind::Kyokai,
                2 => InsurerKind::Kumiai,
                _ => InsurerKind::Kokuho,
            },
        };
        let insurer = self
            .insurers
            .get(slot)
            .and_then(|set| set.get(kind.slot()))
            .ok_or_else(|| OriginError::CorruptRecord("insurer table is incomplete".into()))?;
        let partial_contribution_percent = Percent::literal(match age {
            0..6 | 70..75 => 20,
            75.. if rng.below(10) == 0 => 30,
            75.. => 10,
            _ => 30,
        });
        let covered_for_days = rng.below(20 * 365);
        let qualification_date = self
            .config
            .reference_date
            .checked_sub(Duration::days(i64::try_from(covered_for_days).unwrap_or(0)))
            .map_or(birth_date, |date| date.max(birth_date));
        let (symbol, number, branch) = match kind {
            // 後期高齢者医療 has neither 記号 nor 枝番; its 被保険者番号 carries a check digit like the 保険者番号.
            InsurerKind::LateElderly => (None, with_check_digit(&format!("{:07}", index % MAX_PERSONS))?, None),
            _ => (Some((index / 100_000 + 1000).to_string()), (index % 100_000 + 1).to_string(), Some("00".into())),
        };
        let qualification = NewQualification {
            id: format!("{person_id}-q1"),
            person_id: person_id.clone(),
            insured_person_id: person_id.clone(),
            insurer_number: insurer.number.clone(),
            card_classification: "01".into(),
            symbol,
            number,
            branch,
            personal_family: PersonalFamily::Insured,
            qualification_date: IsoDate(qualification_date),
            disqualification_date: None,
            loss_reason: None,
            partial_contribution_percent,
            elderly_recipient: None,
            limit_category: None,
            specific_disease: None,
        };

        // The table's rate is cards per resident of every age, so issuance is drawn at that rate for everyone.
        // The issuer is a fixed plain name, so its check never fails (a test over generated cards proves it).
        let issued = rng.below(prefecture.population) < prefecture.cards_issued;
        let card = match (issued, IssuerName::parse(TEST_CA_ISSUER)) {
            (true, Ok(issuer)) => Some(SyntheticCard {
                certificate: CertificateRef { issuer, serial: self.certificate_serial(index) },
                registered: rng.below(ISSUED_CARDS) < REGISTERED_CARDS,
            }),
            _ => None,
        };

        // Drawn after everything else, so the rest of a person is what it was before 公費 were generated.
        let assisted = public_expense::on_medical_assistance(&mut rng);
        // A person beyond the population (a benchmark's newcomer, never loaded) shares the last block's payers.
        let payers = usize::try_from(index / RECIPIENTS_PER_PAYER)
            .ok()
            .and_then(|block| self.payers.get(block))
            .or_else(|| self.payers.last())
            .and_then(|block| block.get(slot))
            .ok_or_else(|| OriginError::CorruptRecord("payer table is incomplete".into()))?;
        let recipient = Recipient {
            person_id: &person_id,
            index,
            birth_date,
            age,
            reference_date: self.config.reference_date,
            payers,
        };
        let public_expenses = public_expense::draw(&mut rng, &recipient, assisted)?;

        Ok(SyntheticPerson {
            index,
            individual_number: self.individual_number(index)?,
            prefecture_code: prefecture.code,
            person: NewPerson {
                id: person_id,
                name,
                name_kana,
                birth_date: IsoDate(birth_date),
                sex,
                address: Some(address),
            },
            qualification: (!assisted).then_some(qualification),
            public_expenses,
            card,
        })
    }

    fn birth_date(&self, rng: &mut SplitMix) -> Result<Date> {
        let total: u64 = AGE_BAND_WEIGHTS.iter().sum();
        let mut drawn = rng.below(total);
        let mut band = 0u64;
        for (position, weight) in (0u64..).zip(AGE_BAND_WEIGHTS) {
            band = position;
            if drawn < weight {
                break;
            }
            drawn -= weight;
        }
        let days_old = band * 3653 + rng.below(3653);
        self.config
            .reference_date
            .checked_sub(Duration::days(i64::try_from(days_old).unwrap_or(0)))
            .ok_or(OriginError::Usage("the reference date is too early for a population".into()))
    }

    /// A 個人番号 unique to `index` within this seed: an affine bijection of the index onto 0..10¹¹ gives the
    /// leading eleven digits.
    fn individual_number(&self, index: u64) -> Result<String> {
        const SPACE: u128 = 100_000_000_000;
        // Odd and not a multiple of 5, hence coprime to 10¹¹: multiplying by it permutes 0..10¹¹.
        const MULTIPLIER: u128 = 38_196_601_127;
        let offset = u128::from(self.config.seed) % SPACE;
        let leading = (u128::from(index) * MULTIPLIER + offset) % SPACE;
        let text = format!("{leading:011}");
        let check = crate::individual_number::check_digit(&text).ok_or(OriginError::NotDigits)?;
        Ok(format!("{text}{check}"))
    }

    /// A certificate serial unique to `index` within this seed: the SplitMix finaliser is a bijection on 64-bit
    /// words, so distinct indexes give distinct serials.
    fn certificate_serial(&self, index: u64) -> CertificateSerial {
        let word = finalise(index ^ finalise(self.config.seed ^ 0x5EED_CE27));
        let mut bytes = hex::decode(SYNTHETIC_SERIAL_PREFIX).unwrap_or_default();
        bytes.extend_from_slice(&word.to_be_bytes());
        CertificateSerial::from_der_integer(&bytes)
    }
}

/// Whole years from `birth` to `on`.
pub fn age_on(birth: Date, on: Date) -> u32 {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The SplitMix64 finaliser: a bijection on 64-bit words that spreads every input bit over the output.
const fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A small deterministic generator (SplitMix64). Its output depends on nothing but its seed, on every platform and
/// for every version of this crate's dependencies, which is what makes populations reproducible.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix(u64);

impl SplitMix {
    fn for_person(seed: u64, index: u64) -> Self {
        Self(finalise(seed) ^ finalise(index.wrapping_add(0x9E37_79B9_7F4A_7C15)))
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        finalise(self.0)
    }

    /// A value in `0..bound` (0 when `bound` is 0), by the multiply-high method; its bias is below 2⁻³² for the
    /// bounds used here.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        // The high half of a 128-bit product of two 64-bit values fits in 64 bits.
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use crate::individual_number::IndividualNumber;
    use time::macros::date;

    fn config(seed: u64, persons: u64) -> PopulationConfig {
        PopulationConfig { seed, persons, reference_date: date!(2026 - 11 - 24), created_at: 1_795_000_000 }
    }

    #[test]
    fn the_table_matches_the_printed_totals_and_rates() {
        let table = prefectures().unwrap();
        // The seed document's 合計 row.
        assert_eq!(table.iter().map(|p| p.population).sum::<u64>(), 127_138_033);
        assert_eq!(table.iter().map(|p| p.cards_issued).sum::<u64>(), 40_438_665);
        // Each printed rate is the quotient of the two counts, rounded to a tenth of a percent.
        for prefecture in &table {
            let permille_x10 = prefecture.cards_issued * 10_000 / prefecture.population;
            let rounded = u32::try_from((permille_x10 + 5) / 10).unwrap();
            assert_eq!(rounded, prefecture.printed_rate_permille, "{}", prefecture.name);
        }
        assert_eq!(table[12].name, "東京都");
    }

    #[test]
    fn a_malformed_table_is_a_typed_error() {
        assert!(matches!(parse_prefectures(""), Err(OriginError::CorruptRecord(_))));
        assert!(matches!(parse_prefectures("code\tname\n01\t北海道\t1\t2\t3.0\n"), Err(OriginError::CorruptRecord(_))));
        assert!(matches!(parse_prefectures("code\n01\t北海道\tmany\t1\t28.3\n"), Err(OriginError::CorruptRecord(_))));
        let short = PREFECTURE_TABLE.lines().take(20).collect::<Vec<_>>().join("\n");
        assert!(matches!(parse_prefectures(&short), Err(OriginError::CorruptRecord(_))));
    }

    #[test]
    fn the_same_seed_gives_the_same_people_and_another_seed_does_not() {
        let first = Generator::new(config(7, 500)).unwrap();
        let again = Generator::new(config(7, 500)).unwrap();
        let other = Generator::new(config(8, 500)).unwrap();
        let people = |generator: &Generator| (0..500).map(|i| generator.person(i).unwrap()).collect::<Vec<_>>();
        assert_eq!(people(&first), people(&again));
        let differing =
            people(&first).iter().zip(people(&other)).filter(|(a, b)| a.person.name != b.person.name).count();
        assert!(differing > 250, "only {differing} names differ between seeds");
    }

    #[test]
    fn every_generated_number_carries_a_valid_check_digit_and_is_unique() {
        let generator = Generator::new(config(42, 3000)).unwrap();
        let mut individual_numbers = std::collections::HashSet::new();
        let mut serials = std::collections::HashSet::new();
        for index in 0..3000 {
            let person = generator.person(index).unwrap();
            assert!(IndividualNumber::parse(&person.individual_number).is_ok(), "{}", person.individual_number);
            assert!(individual_numbers.insert(person.individual_number.clone()));
            if let Some(qualification) = &person.qualification {
                assert!(InsurerNumber::parse(qualification.insurer_number.as_str()).is_ok());
                if qualification.insurer_number.is_late_elderly() {
                    let number = &qualification.number;
                    let check = onshi_proto::insurer_number::check_digit(&number[..7]).unwrap();
                    assert!(number.ends_with(&check.to_string()), "{number}");
                }
            }
            if let Some(card) = &person.card {
                assert_eq!(card.certificate.serial.len(), 18);
                assert!(CertificateSerial::parse(&card.certificate.serial).is_ok());
                assert!(serials.insert(card.certificate.serial.clone()));
            }
        }
        for insurer in generator.insurers() {
            assert!(InsurerNumber::parse(insurer.number.as_str()).is_ok());
        }
    }

    #[test]
    fn names_and_addresses_have_the_registered_shapes() {
        let generator = Generator::new(config(3, 200)).unwrap();
        for index in 0..200 {
            let person = generator.person(index).unwrap();
            let table = generator.prefecture_table();
            let prefecture = &table[usize::from(person.prefecture_code) - 1];
            assert!(person.person.address.as_deref().unwrap().starts_with(&prefecture.name));
            assert_eq!(person.person.name.matches('\u{3000}').count(), 1, "{}", person.person.name);
            assert_eq!(person.person.name_kana.matches(' ').count(), 1, "{}", person.person.name_kana);
            assert!(
                person.person.name_kana.chars().all(|c| c == ' ' || ('\u{FF65}'..='\u{FF9F}').contains(&c)),
                "{}",
                person.person.name_kana
            );
            let age = age_on(person.person.birth_date.0, generator.config().reference_date);
            assert!(age < 100);
            if let Some(qualification) = &person.qualification {
                assert_eq!(qualification.insurer_number.is_late_elderly(), age >= 75);
                assert!(qualification.qualification_date.0 >= person.person.birth_date.0);
            }
        }
    }

    #[test]
    fn prefectures_cards_and_registrations_follow_the_table() {
        const PERSONS: u64 = 40_000;
        let generator = Generator::new(config(11, PERSONS)).unwrap();
        let table = generator.prefecture_table().to_vec();
        let total_population: u64 = table.iter().map(|p| p.population).sum();
        let mut residents = vec![0u64; 47];
        let mut holders = vec![0u64; 47];
        let mut registered = 0u64;
        for index in 0..PERSONS {
            let person = generator.person(index).unwrap();
            let slot = usize::from(person.prefecture_code) - 1;
            residents[slot] += 1;
            if let Some(card) = &person.card {
                holders[slot] += 1;
                registered += u64::from(card.registered);
            }
        }
        // Each prefecture's share within 0.3 percentage points plus 15% of the expected count (binomial noise at
        // this size is well inside that).
        for (prefecture, count) in table.iter().zip(&residents) {
            let expected = PERSONS as f64 * prefecture.population as f64 / total_population as f64;
            let tolerance = 0.15 * expected + 0.003 * PERSONS as f64;
            assert!((*count as f64 - expected).abs() <= tolerance, "{}: {count} vs {expected:.0}", prefecture.name);
        }
        let tokyo = residents[12] as f64 / PERSONS as f64;
        assert!((tokyo - 0.1088).abs() < 0.01, "東京都 share {tokyo}");
        let card_holders: u64 = holders.iter().sum();
        let card_rate = card_holders as f64 / PERSONS as f64;
        let national_rate = table.iter().map(|p| p.cards_issued).sum::<u64>() as f64 / total_population as f64;
        assert!((card_rate - national_rate).abs() < 0.01, "card rate {card_rate} vs {national_rate}");
        let registration_rate = registered as f64 / card_holders as f64;
        assert!((registration_rate - 0.104).abs() < 0.01, "registration rate {registration_rate}");
    }

    #[test]
    fn a_plausible_share_has_public_expenses_in_force_and_medical_assistance_has_no_insurer() {
        use onshi_proto::public_expense::{PublicExpense, ValidityPeriod};
        const PERSONS: u64 = 40_000;
        let generator = Generator::new(config(11, PERSONS)).unwrap();
        let today = IsoDate(generator.config().reference_date);
        let mut counts = std::collections::BTreeMap::new();
        let (mut children, mut under_18) = (0u64, 0u64);
        let mut numbered = std::collections::HashSet::new();
        for index in 0..PERSONS {
            let person = generator.person(index).unwrap();
            let kinds: Vec<_> = person.public_expenses.iter().map(|expense| expense.kind.as_str()).collect();
            assert_eq!(person.qualification.is_none(), kinds.contains(&"medical_assistance"), "医療扶助 is 単独");
            let age = age_on(person.person.birth_date.0, generator.config().reference_date);
            children += u64::from(age <= 14);
            under_18 += u64::from(age < 18);
            if age <= 14 {
                assert!(kinds.contains(&"child_medical"), "a child of {age} has a 子ども医療費 受給者証");
            }
            for expense in &person.public_expenses {
                // Each would pass the wire's own checks, and is in force on the reference date.
                PublicExpense::check_fit(expense.kind, &expense.payer_number, &[]).unwrap();
                assert!(ValidityPeriod::new(expense.valid_from, expense.valid_until).unwrap().covers(today));
                assert!(numbered.insert((expense.payer_number.clone(), expense.recipient_number.clone())));
                *counts.entry(expense.kind.as_str()).or_insert(0u64) += 1;
            }
        }
        let rate = |kind: &str, of: u64| counts.get(kind).copied().unwrap_or(0) as f64 / of as f64;
        assert!((rate("medical_assistance", PERSONS) - 0.016).abs() < 0.003, "{counts:?}");
        assert!((rate("intractable_disease", PERSONS) - 0.0085).abs() < 0.0025, "{counts:?}");
        assert!((rate("pediatric_chronic", under_18) - 0.008).abs() < 0.005, "{counts:?}");
        assert!(rate("child_medical", children) >= 1.0, "{counts:?}");
        // 47 prefectures × 4 payers, each carrying its kind's 法別番号.
        let payers = generator.payers();
        assert_eq!(payers.len(), 188);
        for (payer, kind) in payers.iter().zip(public_expense::PAYER_KINDS.iter().cycle()) {
            PublicExpense::check_fit(*kind, &payer.number, &[]).unwrap();
        }
    }

    #[test]
    fn too_many_persons_is_a_usage_error() {
        assert!(matches!(Generator::new(config(1, MAX_PERSONS + 1)), Err(OriginError::Usage(_))));
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on(date!(2000 - 11 - 25), date!(2026 - 11 - 24)), 25);
        assert_eq!(age_on(date!(2000 - 11 - 24), date!(2026 - 11 - 24)), 26);
        assert_eq!(age_on(date!(2030 - 01 - 01), date!(2026 - 11 - 24)), 0);
    }
}
