//! The patient register panel: staff choose the clinic's patient register (CSV), see every row in error before it
//! is used, and from then on each row of the day's list (a kiosk's check-in or a national reader's) shows which
//! patient it is.
//!
//! Layer: user interface (one Yew component) over the pure [`crate::patient_register`]; the file is read and
//! decoded by [`crate::csv_file`]. Must not: send the register anywhere or keep it beyond the page's
//! memory (a reload forgets it; staff load it again).

use std::rc::Rc;

use onshi_proto::patient_match::PatientRegister;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::bulk_panel::refusal;
use crate::csv_file::read_chosen;
use crate::csv_table::{ListProblem, Table};
use crate::patient_register;
use crate::text::{STAFF, t};

/// The loaded register, compared by identity: a render compares it for every row, and a register is replaced
/// whole, never changed.
#[derive(Clone, Default)]
pub struct SharedRegister(pub Rc<PatientRegister>);

impl PartialEq for SharedRegister {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Properties of [`RegisterPanel`].
#[derive(Properties, PartialEq)]
pub struct RegisterPanelProps {
    /// The console's language.
    pub lang: Lang,
    /// How many patients the register in use holds (0: none loaded).
    pub loaded: usize,
    /// Fired with a register whose every row checked.
    pub on_load: Callback<SharedRegister>,
}

/// The panel.
#[function_component(RegisterPanel)]
pub fn register_panel(props: &RegisterPanelProps) -> Html {
    let lang = props.lang;
    let problem = use_state(|| None::<ListProblem>);
    let on_file = {
        let (problem, on_load) = (problem.clone(), props.on_load.clone());
        Callback::from(move |event: Event| {
            let (problem, on_load) = (problem.clone(), on_load.clone());
            read_chosen(&event, patient_register::read, move |read| match read {
                Ok(register) => {
                    problem.set(None);
                    on_load.emit(SharedRegister(Rc::new(register)));
                }
                Err(refused) => problem.set(Some(refused)),
            });
        })
    };
    html! {
        <section aria-labelledby="register-heading" id="register">
            <h2 id="register-heading">{ t(lang, "staff.register.heading") }</h2>
            <p class="hint">{ t(lang, "staff.register.intro") }</p>
            <label for="register-file">{ t(lang, "staff.register.file_label") }</label>
            <input id="register-file" type="file" accept=".csv,text/csv" onchange={on_file} />
            if let Some(refused) = (*problem).clone() {
                { refusal(lang, &refused, Table::Register, "register") }
            } else if props.loaded > 0 {
                <p id="register-loaded" role="status" data-count={props.loaded.to_string()}>
                    { STAFF.fill(lang, "staff.register.loaded", &[("count", &props.loaded.to_string())]) }
                </p>
            }
        </section>
    }
}
