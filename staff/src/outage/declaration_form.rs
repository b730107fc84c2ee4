//! The 被保険者資格申立書 form staff fill in with the patient while the service cannot answer: the patient's 4 items
//! and what they know of their insurer, read strictly ([`DeclarationForm::validate`]) before anything is kept.
//!
//! Layer: user interface (one Yew component). Must not: store or send anything itself (the console seals the
//! declaration into the browser's store when [`DeclarationFormProps::on_declare`] fires), or keep what was typed
//! once it is declared.

use onshi_proto::IsoDate;
use onshi_proto::certificate_expiry::jst_date;
use onshi_proto::qualification::Sex;
use onshi_web::i18n::Lang;
use onshi_web::page;
use yew::prelude::*;

use crate::outage::capture::{DECLARATION_FIELD_IDS, Declaration, DeclarationForm, DeclarationProblem};
use crate::text::t;

/// Properties of [`DeclarationFormView`].
#[derive(Properties, PartialEq)]
pub struct DeclarationFormProps {
    /// The console's language.
    pub lang: Lang,
    /// Fired with the declaration once the form reads as one.
    pub on_declare: Callback<Declaration>,
}

/// Each input's label key, in [`DECLARATION_FIELD_IDS`]' order.
const LABELS: [&str; 9] = [
    "staff.declaration.name",
    "staff.declaration.birth_date",
    "staff.declaration.sex",
    "staff.declaration.address",
    "staff.declaration.insurer_name",
    "staff.by_number.insurer_number",
    "staff.by_number.symbol",
    "staff.by_number.number",
    "staff.by_number.branch",
];

/// The index of the 性別 choice, a `<select>` rather than a text field.
const SEX_FIELD: usize = 2;

fn field_value(node: &NodeRef) -> String {
    if let Some(select) = node.cast::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    node.cast::<web_sys::HtmlInputElement>().map(|input| input.value()).unwrap_or_default()
}

fn clear(node: &NodeRef) {
    if let Some(select) = node.cast::<web_sys::HtmlSelectElement>() {
        select.set_value("");
    } else if let Some(input) = node.cast::<web_sys::HtmlInputElement>() {
        input.set_value("");
    }
}

/// The form.
#[function_component(DeclarationFormView)]
pub fn declaration_form(props: &DeclarationFormProps) -> Html {
    let lang = props.lang;
    let problem = use_state(|| None::<DeclarationProblem>);
    let nodes: Vec<NodeRef> = (0..DECLARATION_FIELD_IDS.len()).map(|_| NodeRef::default()).collect();
    let nodes = use_state(move || nodes);
    let on_submit = {
        let (nodes, problem, on_declare) = (nodes.clone(), problem.clone(), props.on_declare.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let value = |index: usize| field_value(&nodes[index]);
            let form = DeclarationForm {
                name: value(0),
                birth_date: value(1),
                sex: value(2),
                address: value(3),
                insurer_name: value(4),
                insurer_number: value(5),
                symbol: value(6),
                number: value(7),
                branch: value(8),
            };
            let now = (js_sys::Date::now() / 1000.0) as i64;
            let Ok(today) = jst_date(now).map(IsoDate) else { return };
            match form.validate(now, today) {
                Ok(declaration) => {
                    problem.set(None);
                    nodes.iter().for_each(clear);
                    on_declare.emit(declaration);
                }
                Err(found) => {
                    problem.set(Some(found));
                    page::focus(found.field_id());
                }
            }
        })
    };
    let field = |index: usize| {
        let id = DECLARATION_FIELD_IDS[index];
        let invalid = problem.is_some_and(|p| p.field_id() == id);
        let described = invalid.then_some("declaration-problem");
        let invalid_attr = invalid.then_some("true");
        let control = if index == SEX_FIELD {
            html! {
                <select id={id} ref={nodes[index].clone()} aria-invalid={invalid_attr} aria-describedby={described}>
                    // Chosen until staff choose: Yew inserts the options last first, and a select left to itself
                    // would show the last one, 未設定, as if staff had chosen it.
                    <option value="" selected=true>{ t(lang, "staff.declaration.sex.choose") }</option>
                    { for Sex::ALL.iter().map(|sex| html! {
                        <option value={sex.as_str()}>{ t(lang, &format!("staff.declaration.sex.{}", sex.as_str())) }</option>
                    }) }
                </select>
            }
        } else {
            let placeholder = (index == 1).then(|| t(lang, "staff.by_number.birth_date_example"));
            html! {
                <input id={id} ref={nodes[index].clone()} type="text" autocomplete="off" placeholder={placeholder}
                       aria-invalid={invalid_attr} aria-describedby={described} />
            }
        };
        html! {
            <div class="field">
                <label for={id}>{ t(lang, LABELS[index]) }</label>
                { control }
            </div>
        }
    };
    html! {
        <form id="declaration-form" onsubmit={on_submit} novalidate=true aria-labelledby="declaration-heading">
            <h3 id="declaration-heading">{ t(lang, "staff.declaration.heading") }</h3>
            <p class="intro">{ t(lang, "staff.declaration.intro") }</p>
            <fieldset>
                <legend>{ t(lang, "staff.declaration.patient") }</legend>
                { for (0..4).map(field) }
            </fieldset>
            <fieldset>
                <legend>{ t(lang, "staff.declaration.insurer") }</legend>
                { for (4..DECLARATION_FIELD_IDS.len()).map(field) }
            </fieldset>
            <button id="declaration-submit" class="primary" type="submit">{ t(lang, "staff.declaration.submit") }</button>
            if let Some(found) = *problem {
                <p id="declaration-problem" role="alert" class="warning">{ t(lang, found.key()) }</p>
            }
        </form>
    }
}
