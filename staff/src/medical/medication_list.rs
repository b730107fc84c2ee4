//! `MedicationList`: a page of 薬剤, newest first: date, medicine with its YJコード, dose, days, prescriber and where
//! the entry comes from (claim, 電子処方箋, 調剤結果); a 重複投薬 is marked in words, not by colour alone.

use onshi_proto::medical_record::MedicationLine;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::{STAFF, date_text, t};

/// Properties of [`MedicationList`].
#[derive(Properties, PartialEq)]
pub struct MedicationListProps {
    /// The page's entries.
    pub entries: Vec<MedicationLine>,
    /// The console's language.
    pub lang: Lang,
}

/// The table.
#[function_component(MedicationList)]
pub fn medication_list(props: &MedicationListProps) -> Html {
    let lang = props.lang;
    let head = |key: &str| html! { <th scope="col">{ t(lang, &format!("staff.medical.col.{key}")) }</th> };
    html! {
        <table class="medication" aria-label={t(lang, "staff.medical.kind.medication")}>
            <thead><tr>
                { head("date") }{ head("drug") }{ head("dose") }{ head("days") }{ head("prescriber") }{ head("source") }
            </tr></thead>
            <tbody>
                { for props.entries.iter().map(|line| html! {
                    <tr class="medication-line" data-duplicate={line.duplicate.to_string()} data-yj={line.yj_code.clone()}
                        data-source={line.source.as_str()}>
                        <td>{ date_text(line.dispensed_on) }</td>
                        <td lang="ja">
                            { line.drug_name.clone() }
                            <span class="code">{ line.yj_code.clone() }</span>
                            if line.duplicate {
                                <strong class="duplicate" lang={lang.tag()}>{ t(lang, "staff.medical.duplicate") }</strong>
                            }
                        </td>
                        <td lang="ja">{ line.dose.clone() }</td>
                        <td>{ STAFF.fill(lang, "staff.medical.days", &[("days", &line.days.to_string())]) }</td>
                        <td lang="ja">{ line.prescriber_name.clone() }</td>
                        <td>{ t(lang, &format!("staff.medical.source.{}", line.source.as_str())) }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
