//! The outage path on the console: while the service is down, the notice (charge the normal share on a 申立書,
//! never 10割) and the 申立書 form; whenever declarations are kept, their list; and, each time the service is seen
//! answering, the re-check of every declaration still pending, through the by-number check.
//!
//! Layer: user interface with its I/O (one Yew component, the store through [`crate::outage::vault`], the edge
//! through [`crate::client`]). Must not: decide what counts as an outage (the console follows
//! [`crate::outage::detection`]) or how a declaration compares ([`crate::outage::reconcile`]); send a declaration
//! anywhere but the by-number check of its own lookup, and that only once the service answers. A kiosk's capture
//! reaches it sealed, through [`crate::outage::kiosk_inbox`], and is filed like a typed one.

use onshi_proto::facility::FacilityCode;
use onshi_web::i18n::Lang;
use onshi_web::page;
use yew::prelude::*;

use crate::client;
use crate::outage::capture::Declaration;
use crate::outage::declaration_form::DeclarationFormView;
use crate::outage::declaration_list::DeclarationList;
use crate::outage::detection::{ServiceState, is_outage_code};
use crate::outage::kiosk_inbox;
use crate::outage::reconcile::Entry;
use crate::outage::vault;
use crate::text::time_of_day;
use crate::text::{STAFF, t};

/// Now, in Unix seconds, from the browser's clock.
pub fn now_unix() -> i64 {
    (js_sys::Date::now() / 1000.0).floor() as i64
}

/// Properties of [`OutagePanel`].
#[derive(Properties, PartialEq)]
pub struct OutagePanelProps {
    /// The staff session's token, for the re-checks.
    pub token: String,
    /// The console's language.
    pub lang: Lang,
    /// How the service stands, as the console's refreshes see it.
    pub service: ServiceState,
    /// A number the console raises now and then while the service answers, so that a declaration whose re-check
    /// failed is tried again without waiting for the next outage.
    pub recheck_round: u32,
    /// Now (Unix seconds), for the figures.
    pub now: i64,
    /// The console's facility, which a kiosk's capture is sealed for.
    pub facility: FacilityCode,
}

/// Re-checks every stored declaration that needs it, one by one, and stores each answer as it comes. Stops at the
/// first sign that the service is down again: the rest stay pending for the next round.
async fn recheck_all(token: &str) -> Result<Vec<Entry>, crate::error::StaffError> {
    for entry in vault::all().await? {
        let Some(query) = entry.declaration.lookup().filter(|_| entry.needs_recheck(now_unix())) else { continue };
        match client::by_number(token, &query).await {
            Ok(answer) => vault::put(&entry.rechecked(&answer, now_unix())).await?,
            Err(code) if is_outage_code(code) => break,
            // Any other refusal (a record held by its insurer, the session's allowance) leaves it pending, to be
            // tried again after a while.
            Err(_) => vault::put(&entry.refused(now_unix())).await?,
        }
    }
    vault::all().await
}

/// The panel.
#[function_component(OutagePanel)]
pub fn outage_panel(props: &OutagePanelProps) -> Html {
    let lang = props.lang;
    let entries = use_state(Vec::<Entry>::new);
    let store_error = use_state(|| None::<&'static str>);
    // How many kiosk captures could not be opened in the last collection: those patients fill the paper form.
    let kiosk_problem = use_state(|| None::<usize>);
    let up = props.service == ServiceState::Up;

    {
        // On opening, on every return of the service and on every round while it answers: read the store, and
        // re-check what is pending when the service answers.
        let (entries, store_error, token) = (entries.clone(), store_error.clone(), props.token.clone());
        let (facility, kiosk_problem) = (props.facility.clone(), kiosk_problem.clone());
        use_effect_with((up, props.recheck_round), move |(up, _)| {
            let up = *up;
            wasm_bindgen_futures::spawn_local(async move {
                // The kiosks' captures first, so that this round lists and re-checks them too. The edge answers
                // in an outage as well (only the origin is down); a refusal leaves them queued for the next round.
                match kiosk_inbox::collect(&token, &facility).await {
                    Ok(collected) if collected.wrong_key + collected.tampered > 0 => {
                        kiosk_problem.set(Some(collected.wrong_key + collected.tampered));
                    }
                    Ok(collected) if collected.filed > 0 => page::mark(page::STAFF_SCREEN, "kiosk-captures-filed"),
                    Ok(_) | Err(_) => {}
                }
                let outcome = if up { recheck_all(&token).await } else { vault::all().await };
                match outcome {
                    Ok(fresh) => {
                        entries.set(fresh);
                        store_error.set(None);
                        page::mark(page::STAFF_SCREEN, if up { "declarations-rechecked" } else { "declarations" });
                    }
                    Err(error) => store_error.set(Some(error.key())),
                }
            });
        });
    }

    let on_declare = {
        let (entries, store_error) = (entries.clone(), store_error.clone());
        Callback::from(move |declaration: Declaration| {
            let (entries, store_error) = (entries.clone(), store_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let stored = async {
                    let entry =
                        Entry { id: vault::new_id()?, declaration, recheck: Default::default(), checked_at: None };
                    vault::put(&entry).await?;
                    vault::all().await
                };
                match stored.await {
                    Ok(fresh) => {
                        entries.set(fresh);
                        store_error.set(None);
                        page::focus("declarations-heading");
                        page::mark(page::STAFF_SCREEN, "declaration-saved");
                    }
                    Err(error) => store_error.set(Some(error.key())),
                }
            });
        })
    };

    let on_done = {
        let (entries, store_error) = (entries.clone(), store_error.clone());
        Callback::from(move |id: String| {
            let (entries, store_error) = (entries.clone(), store_error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let removed = async {
                    vault::remove(&id).await?;
                    vault::all().await
                };
                match removed.await {
                    Ok(fresh) => {
                        entries.set(fresh);
                        page::mark(page::STAFF_SCREEN, "declaration-done");
                    }
                    Err(error) => store_error.set(Some(error.key())),
                }
            });
        })
    };

    html! {
        <>
            if let ServiceState::Down { since } = props.service {
                <section id="outage" aria-labelledby="outage-heading" data-since={since.to_string()}>
                    <h2 id="outage-heading">{ t(lang, "staff.outage.heading") }</h2>
                    <p class="warning" role="alert">{ STAFF.fill(lang, "staff.outage.body", &[("time", &time_of_day(since))]) }</p>
                    <DeclarationFormView lang={lang} on_declare={on_declare} />
                </section>
            }
            if let Some(count) = *kiosk_problem {
                <p id="kiosk-capture-problem" role="alert" class="warning" data-count={count.to_string()}>
                    { STAFF.fill(lang, "staff.declarations.kiosk_unopened", &[("count", &count.to_string())]) }
                </p>
            }
            if let Some(key) = *store_error {
                <p id="declaration-store-error" role="alert" class="warning">{ t(lang, key) }</p>
            }
            if !entries.is_empty() {
                <DeclarationList entries={(*entries).clone()} lang={lang} now={props.now} on_done={on_done} />
            }
        </>
    }
}
