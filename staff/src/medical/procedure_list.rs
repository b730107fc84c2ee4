//! `ProcedureList`: a page of 診療行為 or 手術, newest first: date, 区分番号, name and facility.

use onshi_proto::medical_record::{MedicalRecordKind, ProcedureLine};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::{date_text, t};

/// Properties of [`ProcedureList`].
#[derive(Properties, PartialEq)]
pub struct ProcedureListProps {
    /// 診療 or 手術.
    pub kind: MedicalRecordKind,
    /// The page's entries.
    pub entries: Vec<ProcedureLine>,
    /// The console's language.
    pub lang: Lang,
}

/// The table.
#[function_component(ProcedureList)]
pub fn procedure_list(props: &ProcedureListProps) -> Html {
    let lang = props.lang;
    let head = |key: &str| html! { <th scope="col">{ t(lang, &format!("staff.medical.col.{key}")) }</th> };
    html! {
        <table class="procedures" data-kind={props.kind.as_str()}
               aria-label={t(lang, &format!("staff.medical.kind.{}", props.kind.as_str()))}>
            <thead><tr>{ head("date") }{ head("code") }{ head("procedure") }{ head("facility") }</tr></thead>
            <tbody>
                { for props.entries.iter().map(|line| html! {
                    <tr class="procedure-line" data-code={line.code.clone()}>
                        <td>{ date_text(line.performed_on) }</td>
                        <td class="code">{ line.code.clone() }</td>
                        <td lang="ja">{ line.name.clone() }</td>
                        <td lang="ja">{ line.facility_name.clone() }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
