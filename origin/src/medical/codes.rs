//! The code lists medical information is written in, each with its source.
//!
//! - 特定健診 items ([`CHECKUP_ITEMS`]): item codes in the JLAC10 17-character form of the 特定健診 electronic
//!   standard format (厚生労働省「特定健康診査・特定保健指導の電子的な標準様式」, 項目コード表), and as ranges the
//!   保健指導判定値 of 厚生労働省「標準的な健診・保健指導プログラム（令和6年度版）」 (a value past it is marked; BMI's
//!   lower bound is the 日本肥満学会 低体重 limit of 18.5). The codes were copied by hand for this demo and are not
//!   checked against the current edition of the code table.
//! - Medicines ([`DRUGS`]): YJコード (薬価基準収載医薬品コード, 12 characters) as 厚生労働省「薬価基準収載品目リスト」
//!   assigns them, the first 7 characters naming the ingredient and route (薬効分類 4 + 成分 3), which is all the
//!   重複投薬 rule reads. The last 5 characters (剤形, 規格, 銘柄) of these demo entries are synthetic.
//! - Procedures ([`PROCEDURES`]): 区分番号 and 名称 of 厚生労働省「診療報酬の算定方法」別表第一 医科診療報酬点数表
//!   (令和6年度), 第2章 第3部 検査 (D), 第4部 画像診断 (E), 第9部 処置 (J), 第10部 手術 (K).
//!
//! Layer: pure core: data and lookups only.

use onshi_proto::medical_record::{MedicalRecordKind, ReferenceRange};

/// One 特定健診 item.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckupItem {
    /// 項目コード (JLAC10).
    pub code: &'static str,
    /// 項目名.
    pub name: &'static str,
    /// 単位.
    pub unit: &'static str,
    /// 保健指導判定値 as a range.
    pub range: ReferenceRange,
    /// Decimals the value is written with.
    pub decimals: usize,
}

const fn range(lower: Option<f64>, upper: Option<f64>) -> ReferenceRange {
    ReferenceRange { lower, upper }
}

/// The 特定健診 items the demo history records (source: see the module documentation).
pub const CHECKUP_ITEMS: &[CheckupItem] = &[
    CheckupItem { code: "9N001000000000001", name: "身長", unit: "cm", range: range(None, None), decimals: 1 },
    CheckupItem { code: "9N006000000000001", name: "体重", unit: "kg", range: range(None, None), decimals: 1 },
    CheckupItem {
        code: "9N011000000000001",
        name: "BMI",
        unit: "kg/m2",
        range: range(Some(18.5), Some(24.9)),
        decimals: 1,
    },
    CheckupItem {
        code: "9A751000000000001",
        name: "収縮期血圧",
        unit: "mmHg",
        range: range(None, Some(129.0)),
        decimals: 0,
    },
    CheckupItem {
        code: "9A761000000000001",
        name: "拡張期血圧",
        unit: "mmHg",
        range: range(None, Some(84.0)),
        decimals: 0,
    },
    CheckupItem {
        code: "3D046000001906202",
        name: "HbA1c（NGSP）",
        unit: "%",
        range: range(None, Some(5.5)),
        decimals: 1,
    },
    CheckupItem {
        code: "3D010000001926101",
        name: "空腹時血糖",
        unit: "mg/dL",
        range: range(None, Some(99.0)),
        decimals: 0,
    },
    CheckupItem {
        code: "3F077000002327101",
        name: "LDLコレステロール",
        unit: "mg/dL",
        range: range(None, Some(119.0)),
        decimals: 0,
    },
    CheckupItem {
        code: "3F070000002327101",
        name: "HDLコレステロール",
        unit: "mg/dL",
        range: range(Some(40.0), None),
        decimals: 0,
    },
    CheckupItem {
        code: "3F015000002327101",
        name: "中性脂肪",
        unit: "mg/dL",
        range: range(None, Some(149.0)),
        decimals: 0,
    },
    CheckupItem {
        code: "3B045000002327201",
        name: "ALT（GPT）",
        unit: "U/L",
        range: range(None, Some(30.0)),
        decimals: 0,
    },
    CheckupItem {
        code: "3B090000002327101",
        name: "γ-GT（γ-GTP）",
        unit: "U/L",
        range: range(None, Some(50.0)),
        decimals: 0,
    },
];

/// The 特定健診 item of a code.
pub fn checkup_item(code: &str) -> Option<&'static CheckupItem> {
    CHECKUP_ITEMS.iter().find(|item| item.code == code)
}

/// One medicine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drug {
    /// YJコード.
    pub yj_code: &'static str,
    /// 薬品名.
    pub name: &'static str,
    /// 用法・用量.
    pub dose: &'static str,
}

/// The medicines the demo history prescribes (source: see the module documentation). Two brands of one ingredient
/// share their first 7 characters, as a generic and its original do.
pub const DRUGS: &[Drug] = &[
    Drug {
        yj_code: "2171022F1027", name: "アムロジピン錠5mg「サワイ」", dose: "1回1錠 1日1回 朝食後"
    },
    Drug { yj_code: "2171022F1035", name: "ノルバスク錠5mg", dose: "1回1錠 1日1回 朝食後" },
    Drug {
        yj_code: "3962002F1024", name: "メトホルミン塩酸塩錠250mgMT「トーワ」", dose: "1回1錠 1日2回 朝夕食後"
    },
    Drug {
        yj_code: "2189015F1022", name: "アトルバスタチン錠10mg「サンド」", dose: "1回1錠 1日1回 夕食後"
    },
    Drug {
        yj_code: "1149019F1020", name: "ロキソプロフェンNa錠60mg「サワイ」", dose: "1回1錠 疼痛時"
    },
    Drug {
        yj_code: "2329023F1020", name: "ランソプラゾールOD錠15mg「トーワ」", dose: "1回1錠 1日1回 朝食後"
    },
    Drug {
        yj_code: "4490023F1021", name: "フェキソフェナジン塩酸塩錠60mg「サワイ」", dose: "1回1錠 1日2回 朝夕食後"
    },
];

/// One procedure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Procedure {
    /// 区分番号.
    pub code: &'static str,
    /// 名称.
    pub name: &'static str,
    /// 診療行為 or 手術.
    pub kind: MedicalRecordKind,
}

/// The procedures the demo history records (source: see the module documentation).
pub const PROCEDURES: &[Procedure] = &[
    Procedure {
        code: "D005", name: "血液形態・機能検査（末梢血液一般検査）", kind: MedicalRecordKind::Diagnosis
    },
    Procedure { code: "D007", name: "血液化学検査", kind: MedicalRecordKind::Diagnosis },
    Procedure {
        code: "D215", name: "超音波検査（断層撮影法・胸腹部）", kind: MedicalRecordKind::Diagnosis
    },
    Procedure {
        code: "E200", name: "コンピューター断層撮影（CT撮影）", kind: MedicalRecordKind::Diagnosis
    },
    Procedure { code: "J001", name: "熱傷処置", kind: MedicalRecordKind::Diagnosis },
    Procedure {
        code: "K282", name: "水晶体再建術（眼内レンズを挿入する場合）", kind: MedicalRecordKind::Operation
    },
    Procedure { code: "K672-2", name: "腹腔鏡下胆嚢摘出術", kind: MedicalRecordKind::Operation },
    Procedure {
        code: "K721", name: "内視鏡的大腸ポリープ・粘膜切除術", kind: MedicalRecordKind::Operation
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_well_formed_and_named_once() {
        for item in CHECKUP_ITEMS {
            assert_eq!(item.code.len(), 17, "{}", item.name);
            assert_eq!(CHECKUP_ITEMS.iter().filter(|other| other.code == item.code).count(), 1);
        }
        for drug in DRUGS {
            assert_eq!(drug.yj_code.len(), 12, "{}", drug.name);
            assert!(drug.yj_code[..7].bytes().all(|b| b.is_ascii_digit()), "{}", drug.name);
        }
        for procedure in PROCEDURES {
            let first = procedure.code.as_bytes()[0];
            let surgical = first == b'K';
            assert_eq!(surgical, procedure.kind == MedicalRecordKind::Operation, "{}", procedure.name);
        }
        assert_eq!(checkup_item("3D046000001906202").map(|item| item.unit), Some("%"));
        assert!(checkup_item("nothing").is_none());
    }
}
