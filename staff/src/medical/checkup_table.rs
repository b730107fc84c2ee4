//! `CheckupTable`: 特定健診 per item: each year's value with its unit (out-of-range values marked 高 / 低 in words as
//! well as by style), the item's reference range, and a small trend chart across the years.

use onshi_proto::medical_record::{CheckupResult, RangeFlag, ReferenceRange};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::medical::series::group;
use crate::medical::trend_chart::TrendChart;
use crate::text::{date_text, t};

/// Properties of [`CheckupTable`].
#[derive(Properties, PartialEq)]
pub struct CheckupTableProps {
    /// The page's results.
    pub entries: Vec<CheckupResult>,
    /// The console's language.
    pub lang: Lang,
}

/// A range as printed: `≤ 5.5`, `≥ 40`, `18.5–24.9`, or nothing.
fn range_text(range: Option<ReferenceRange>) -> String {
    match range.map(|range| (range.lower, range.upper)) {
        Some((Some(lower), Some(upper))) => format!("{lower}–{upper}"),
        Some((None, Some(upper))) => format!("≤ {upper}"),
        Some((Some(lower), None)) => format!("≥ {lower}"),
        _ => String::new(),
    }
}

/// A range with its unit, or nothing for an item without one (身長, 体重).
fn range_with_unit(range: Option<ReferenceRange>, unit: &str) -> String {
    let text = range_text(range);
    if text.is_empty() { text } else { format!("{text} {unit}") }
}

/// The table.
#[function_component(CheckupTable)]
pub fn checkup_table(props: &CheckupTableProps) -> Html {
    let lang = props.lang;
    let series = group(&props.entries);
    let head = |key: &str| html! { <th scope="col">{ t(lang, &format!("staff.medical.col.{key}")) }</th> };
    html! {
        <table class="checkups" aria-label={t(lang, "staff.medical.kind.health_checkup")}>
            <thead><tr>{ head("item") }{ head("values") }{ head("range") }{ head("trend") }</tr></thead>
            <tbody>
                { for series.into_iter().map(|item| html! {
                    <tr class="checkup-item" data-code={item.code.clone()}>
                        <th scope="row" lang="ja">{ item.item.clone() }</th>
                        <td>
                            <ul class="checkup-values">
                                { for item.results.iter().map(|result| html! {
                                    <li class="checkup-value" data-flag={result.flag.map(RangeFlag::as_str)}
                                        data-date={result.checked_on.to_string()}>
                                        <span class="date">{ date_text(result.checked_on) }</span>
                                        <span class="value">{ format!("{} {}", result.value, result.unit) }</span>
                                        if let Some(flag) = result.flag {
                                            <strong class="flag">{ t(lang, &format!("staff.medical.flag.{}", flag.as_str())) }</strong>
                                        }
                                    </li>
                                }) }
                            </ul>
                        </td>
                        <td class="range">{ range_with_unit(item.range, &item.unit) }</td>
                        <td class="trend-cell"><TrendChart series={item.clone()} lang={lang} /></td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
