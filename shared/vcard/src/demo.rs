//! The demo population: six synthetic card holders, each with a committed virtual card.
//!
//! Every person here is invented; any resemblance to a real person is accidental. The PINs are printed by the
//! demo on purpose: they protect test keys only.

use rsa::PrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde::{Deserialize, Serialize};

use crate::error::VcardError;

/// One synthetic card holder and the scenario the demo uses them for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DemoPerson {
    /// Short label for pickers (family name, space, given name).
    pub label: &'static str,
    /// The 4-digit 利用者証明用 PIN of the virtual card.
    pub pin: &'static str,
    /// The name as printed on the card (full-width space).
    pub name: &'static str,
    /// Half-width katakana reading.
    pub name_kana: &'static str,
    /// `YYYY-MM-DD`.
    pub birth_date: &'static str,
    /// `"male"` or `"female"`.
    pub sex: &'static str,
    /// Synthetic address.
    pub address: &'static str,
    /// What the origin's synthetic population does with this person: `valid` (insured, registered),
    /// `dependent` (a 被扶養者), `lost` (card reported lost, certificate revoked), `unregistered` (no
    /// 保険証利用登録 yet), `elderly` (後期高齢者医療) or `senior` (a 70–74-year-old 被保険者 with a 高齢受給者証).
    pub scenario: &'static str,
}

/// The demo population, in card-index order.
pub const DEMO_PERSONS: [DemoPerson; 6] = [
    DemoPerson {
        label: "山田 太郎",
        pin: "1234",
        name: "山田　太郎",
        name_kana: "ﾔﾏﾀﾞ ﾀﾛｳ",
        birth_date: "1980-02-17",
        sex: "male",
        address: "東京都千代田区架空町一丁目2番3号",
        scenario: "valid",
    },
    DemoPerson {
        label: "山田 花子",
        pin: "2580",
        name: "山田　花子",
        name_kana: "ﾔﾏﾀﾞ ﾊﾅｺ",
        birth_date: "2012-05-05",
        sex: "female",
        address: "東京都千代田区架空町一丁目2番3号",
        scenario: "dependent",
    },
    DemoPerson {
        label: "佐藤 次郎",
        pin: "7391",
        name: "佐藤　次郎",
        name_kana: "ｻﾄｳ ｼﾞﾛｳ",
        birth_date: "1975-11-03",
        sex: "male",
        address: "大阪府大阪市北区試験町4番5号",
        scenario: "lost",
    },
    DemoPerson {
        label: "鈴木 美咲",
        pin: "4862",
        name: "鈴木　美咲",
        name_kana: "ｽｽﾞｷ ﾐｻｷ",
        birth_date: "1995-08-21",
        sex: "female",
        address: "福岡県福岡市中央区見本町6番7号",
        scenario: "unregistered",
    },
    DemoPerson {
        label: "高橋 ハナ",
        pin: "9017",
        name: "高橋　ハナ",
        name_kana: "ﾀｶﾊｼ ﾊﾅ",
        birth_date: "1938-03-09",
        sex: "female",
        address: "北海道札幌市中央区模擬町8条9丁目",
        scenario: "elderly",
    },
    // Born on the first of a month, so 70 is reached (年齢計算ニ関スル法律) on the last day of the month before: the
    // 高齢受給者証 applies from 2025-01-01, and 後期高齢者医療 starts on the 75th birthday, 2030-01-01. The holder is
    // 70–74 on every day of 2025–2029, the years the demo cards' certificates cover.
    DemoPerson {
        label: "中村 和夫",
        pin: "3146",
        name: "中村　和夫",
        name_kana: "ﾅｶﾑﾗ ｶｽﾞｵ",
        birth_date: "1955-01-01",
        sex: "male",
        address: "愛知県名古屋市中区仮想町10番11号",
        scenario: "senior",
    },
];

/// Number of demo cards.
pub const DEMO_CARD_COUNT: usize = DEMO_PERSONS.len();

/// One entry of `demo-cards.json`, the file other tiers read to seed their synthetic population.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoCardRecord {
    /// Card index (as used by `VirtualCard::demo`).
    pub index: usize,
    /// Short label for pickers.
    pub label: String,
    /// The card's PIN (demo only).
    pub pin: String,
    /// `onshi_proto::origin::canonical_serial` of the card certificate's serial.
    pub certificate_serial: String,
    /// The certificate's issuer DN as RFC 4514 text (x509-cert's `Name` display form).
    pub certificate_issuer: String,
    /// Name as printed on the card.
    pub name: String,
    /// Half-width katakana reading.
    pub name_kana: String,
    /// `YYYY-MM-DD`.
    pub birth_date: String,
    /// `"male"` or `"female"`.
    pub sex: String,
    /// Synthetic address.
    pub address: String,
    /// Demo scenario, see [`DemoPerson::scenario`].
    pub scenario: String,
}

/// The committed test CA certificate (DER).
pub const TEST_CA_CERTIFICATE_DER: &[u8] = include_bytes!("../data/test-pki/auth-ca.der");

/// The committed `demo-cards.json`.
pub const DEMO_CARDS_JSON: &str = include_str!("../data/demo-cards.json");

/// The committed certificates of the demo cards (DER), in card-index order.
pub(crate) const DEMO_CERTIFICATES_DER: [&[u8]; DEMO_CARD_COUNT] = [
    include_bytes!("../data/test-pki/card-00.cert.der"),
    include_bytes!("../data/test-pki/card-01.cert.der"),
    include_bytes!("../data/test-pki/card-02.cert.der"),
    include_bytes!("../data/test-pki/card-03.cert.der"),
    include_bytes!("../data/test-pki/card-04.cert.der"),
    include_bytes!("../data/test-pki/card-05.cert.der"),
];

/// The committed private keys of the demo cards (PKCS#8 DER), in card-index order. Test keys only.
pub(crate) const DEMO_PRIVATE_KEYS_PKCS8: [&[u8]; DEMO_CARD_COUNT] = [
    include_bytes!("../data/test-pki/card-00.key.pk8"),
    include_bytes!("../data/test-pki/card-01.key.pk8"),
    include_bytes!("../data/test-pki/card-02.key.pk8"),
    include_bytes!("../data/test-pki/card-03.key.pk8"),
    include_bytes!("../data/test-pki/card-04.key.pk8"),
    include_bytes!("../data/test-pki/card-05.key.pk8"),
];

/// The committed test root CA (DER), above the auth CA (cross certificate) and the sign CA.
pub const TEST_ROOT_CERTIFICATE_DER: &[u8] = include_bytes!("../data/test-pki/root-ca.der");

/// The test auth CA certified by the test root: the chain root → auth CA → card certificates.
pub const TEST_AUTH_CA_BY_ROOT_DER: &[u8] = include_bytes!("../data/test-pki/auth-ca.by-root.der");

/// The committed test 署名用 CA certificate (DER).
pub const SIGN_CA_CERTIFICATE_DER: &[u8] = include_bytes!("../data/test-pki/sign-ca.der");

/// An expired 利用者証明用 certificate and its key (the expired-card state).
pub(crate) const EXPIRED_CARD_CERTIFICATE_DER: &[u8] = include_bytes!("../data/test-pki/card-expired.cert.der");
pub(crate) const EXPIRED_CARD_PRIVATE_KEY_PKCS8: &[u8] = include_bytes!("../data/test-pki/card-expired.key.pk8");

/// The committed 署名用 certificates of the demo cards (DER), in card-index order.
pub(crate) const DEMO_SIGN_CERTIFICATES_DER: [&[u8]; DEMO_CARD_COUNT] = [
    include_bytes!("../data/test-pki/card-00.sign.cert.der"),
    include_bytes!("../data/test-pki/card-01.sign.cert.der"),
    include_bytes!("../data/test-pki/card-02.sign.cert.der"),
    include_bytes!("../data/test-pki/card-03.sign.cert.der"),
    include_bytes!("../data/test-pki/card-04.sign.cert.der"),
    include_bytes!("../data/test-pki/card-05.sign.cert.der"),
];

/// The committed 署名用 private keys of the demo cards (PKCS#8 DER). Test keys only.
pub(crate) const DEMO_SIGN_PRIVATE_KEYS_PKCS8: [&[u8]; DEMO_CARD_COUNT] = [
    include_bytes!("../data/test-pki/card-00.sign.key.pk8"),
    include_bytes!("../data/test-pki/card-01.sign.key.pk8"),
    include_bytes!("../data/test-pki/card-02.sign.key.pk8"),
    include_bytes!("../data/test-pki/card-03.sign.key.pk8"),
    include_bytes!("../data/test-pki/card-04.sign.key.pk8"),
    include_bytes!("../data/test-pki/card-05.sign.key.pk8"),
];

/// The committed certificate of demo card `index`, if there is such a card.
pub fn demo_certificate_der(index: usize) -> Option<&'static [u8]> {
    DEMO_CERTIFICATES_DER.get(index).copied()
}

/// The person behind demo card `index`, if there is such a card.
pub fn demo_person(index: usize) -> Option<&'static DemoPerson> {
    DEMO_PERSONS.get(index)
}

/// The committed 券面事項確認AP issuer key (PKCS#8 DER): it signs every demo card face. Test key only.
pub(crate) const SURFACE_ISSUER_PRIVATE_KEY_PKCS8: &[u8] = include_bytes!("../data/test-pki/surface-issuer.pk8");

/// The issuer's public key (SubjectPublicKeyInfo DER): what a verifier trusts for demo card faces.
pub const SURFACE_ISSUER_PUBLIC_KEY_DER: &[u8] = include_bytes!("../data/test-pki/surface-issuer.spki.der");

/// The committed 券面事項確認AP keys of the demo cards (PKCS#8 DER), in card-index order. Test keys only.
pub(crate) const DEMO_SURFACE_KEYS_PKCS8: [&[u8]; DEMO_CARD_COUNT] = [
    include_bytes!("../data/test-pki/card-00.surface.key.pk8"),
    include_bytes!("../data/test-pki/card-01.surface.key.pk8"),
    include_bytes!("../data/test-pki/card-02.surface.key.pk8"),
    include_bytes!("../data/test-pki/card-03.surface.key.pk8"),
    include_bytes!("../data/test-pki/card-04.surface.key.pk8"),
    include_bytes!("../data/test-pki/card-05.surface.key.pk8"),
];

/// The synthetic chip photo of every demo card (JPEG 2000, greyscale; see `data/face/README.md`).
pub const DEMO_FACE_PHOTO_JP2: &[u8] = include_bytes!("../data/face/synthetic-face.jp2");
/// Stand-in for the rendered 氏名 (PNG).
pub(crate) const DEMO_NAME_IMAGE_PNG: &[u8] = include_bytes!("../data/face/name-placeholder.png");
/// Stand-in for the rendered 住所 (PNG).
pub(crate) const DEMO_ADDRESS_IMAGE_PNG: &[u8] = include_bytes!("../data/face/address-placeholder.png");
/// Stand-in for the rendered セキュリティコード (PNG).
pub(crate) const DEMO_SECURITY_CODE_IMAGE_PNG: &[u8] = include_bytes!("../data/face/security-code-placeholder.png");

/// The year every demo card face expires (on the holder's birthday), the middle four digits of 照合番号B.
pub const DEMO_CARD_FACE_EXPIRY_YEAR: i32 = 2030;

/// The セキュリティコード printed on demo card `index`: four digits, different for each card.
pub fn demo_security_code(index: usize) -> String {
    format!("{:04}", (index * 2_357 + 4_821) % 10_000)
}

/// 照合番号B of demo card `index` as staff would type it: the birth date in 和暦 `YYMMDD`, the expiry year, the
/// security code. `None` for no such card.
pub fn demo_collation_b(index: usize) -> Option<String> {
    let person = DEMO_PERSONS.get(index)?;
    let birth = onshi_proto::IsoDate::parse(person.birth_date).ok()?;
    let birth_digits = onshi_proto::wareki::collation_birth_digits(birth)?;
    Some(format!("{birth_digits}{DEMO_CARD_FACE_EXPIRY_YEAR}{}", demo_security_code(index)))
}

/// Reads one of the committed test keys (PKCS#8 DER): the demo cards' own, and the card-face issuer's.
pub(crate) fn decode_key(pkcs8: &[u8]) -> Result<PrivateKey, VcardError> {
    PrivateKey::from_pkcs8_der(pkcs8).map_err(|error| VcardError::KeyEncoding(error.to_string()))
}
