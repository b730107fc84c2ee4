//! How the facility's bridge to its 資格確認端末 stands, said where staff look: nothing when all is well or the
//! facility runs no bridge, otherwise one alert line per problem, most urgent first, each saying what to check; and
//! under it the requests whose outcome is uncertain, each with 「端末で確認済み」 for staff to close it once they
//! found its outcome in the terminal's own history (asked again in words before anything is sent).
//!
//! Layer: user interface (one Yew component). Must not: decide what is an alert (`onshi_proto::bridge_health`
//! does) or when a closing is sent ([`crate::uncertain_requests`] does), or say more than the report holds (nothing
//! personal).

use std::collections::BTreeSet;

use onshi_proto::bridge_health::{BridgeAlert, BridgeStatus};
use onshi_proto::bridge_link::LinkRequestId;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::client;
use crate::text::{STAFF, bridge_alert_key, t};
use crate::uncertain_requests::{Closing, ClosingEvent, after, question, remaining, rows};

/// Properties of [`BridgeBanner`].
#[derive(Properties, PartialEq)]
pub struct BridgeBannerProps {
    /// The status the edge answered.
    pub status: BridgeStatus,
    /// The staff session's token, for closing a request.
    pub token: String,
    /// The console's language.
    pub lang: Lang,
}

/// The bridge's alerts and uncertain requests, or nothing.
#[function_component(BridgeBanner)]
pub fn bridge_banner(props: &BridgeBannerProps) -> Html {
    let (status, lang) = (&props.status, props.lang);
    let closed = use_state(BTreeSet::<LinkRequestId>::new);
    let closing = use_state(Closing::default);
    let health = status.health.clone().unwrap_or_default();
    let uncertain = remaining(&health, &closed);
    let alerts: Vec<BridgeAlert> = status
        .alerts
        .iter()
        .copied()
        .filter(|alert| *alert != BridgeAlert::UncertainRequests || uncertain > 0)
        .collect();
    if alerts.is_empty() {
        return Html::default();
    }
    let line = |alert: BridgeAlert| {
        let key = bridge_alert_key(alert);
        match alert {
            BridgeAlert::LinkAppStalled => STAFF.fill(lang, key, &[("waiting", &health.waiting_in_req.to_string())]),
            BridgeAlert::UncertainRequests => STAFF.fill(lang, key, &[("count", &uncertain.to_string())]),
            _ => t(lang, key),
        }
    };
    // One step of closing: the new state, the request that leaves the list, and the call when staff confirmed.
    let step = {
        let (closed, closing, token) = (closed.clone(), closing.clone(), props.token.clone());
        Callback::from(move |event: ClosingEvent| {
            let (next, gone) = after(&closing, event);
            if let Some(id) = gone {
                let mut now_closed = (*closed).clone();
                now_closed.insert(id);
                closed.set(now_closed);
            }
            if let (Closing::Confirming(_), Closing::Sending(id)) = (&*closing, &next) {
                let (closed, closing, token, id) = (closed.clone(), closing.clone(), token.clone(), id.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = client::settle_uncertain(&token, id.clone()).await.map(|_| ());
                    let (next, gone) = after(&Closing::Sending(id), ClosingEvent::Answered(answer));
                    if let Some(id) = gone {
                        let mut now_closed = (*closed).clone();
                        now_closed.insert(id);
                        closed.set(now_closed);
                    }
                    closing.set(next);
                });
            }
            closing.set(next);
        })
    };
    let listed = rows(lang, &health, &closed);
    let row = |row: &crate::uncertain_requests::UncertainRow| {
        let pressed = {
            let (step, id) = (step.clone(), row.id.clone());
            Callback::from(move |_: MouseEvent| step.emit(ClosingEvent::Pressed(id.clone())))
        };
        let asking = matches!(&*closing, Closing::Confirming(id) if *id == row.id);
        let sending = matches!(&*closing, Closing::Sending(id) if *id == row.id);
        let yes = {
            let step = step.clone();
            Callback::from(move |_: MouseEvent| step.emit(ClosingEvent::Confirmed))
        };
        let no = {
            let step = step.clone();
            Callback::from(move |_: MouseEvent| step.emit(ClosingEvent::Cancelled))
        };
        html! {
            <tr data-request={row.id.as_str().to_owned()}>
                <td class="kind">{ row.kind.clone() }</td>
                <td class="file"><code>{ row.file.clone() }</code></td>
                <td class="written">{ row.written.clone() }</td>
                <td class="reason">{ row.reason.clone() }</td>
                <td class="action">
                    if asking {
                        <p class="settle-question" role="alert">{ question(lang, &row.file) }</p>
                        <button class="settle-yes" type="button" onclick={yes}>{ t(lang, "staff.bridge.settle_yes") }</button>
                        <button class="settle-no secondary" type="button" onclick={no}>{ t(lang, "staff.bridge.settle_no") }</button>
                    } else if sending {
                        <p class="settle-sending" aria-live="polite">{ t(lang, "staff.bridge.settle_sending") }</p>
                    } else {
                        <button class="settle" type="button" onclick={pressed}>{ t(lang, "staff.bridge.settle") }</button>
                    }
                </td>
            </tr>
        }
    };
    html! {
        <section id="bridge-status" aria-labelledby="bridge-heading" role="alert">
            <h2 id="bridge-heading">{ t(lang, "staff.bridge.heading") }</h2>
            <ul>
                { for alerts.iter().map(|&alert| html! {
                    <li class="warning" data-alert={alert.as_str()}>{ line(alert) }</li>
                }) }
            </ul>
            if let Closing::Told(key) = &*closing {
                <p id="settle-notice" class="warning" role="alert">{ t(lang, key) }</p>
            }
            if !listed.is_empty() {
                <table id="uncertain-requests">
                    <caption>{ t(lang, "staff.bridge.uncertain_list") }</caption>
                    <thead><tr>
                        <th scope="col">{ t(lang, "staff.bridge.column.kind") }</th>
                        <th scope="col">{ t(lang, "staff.bridge.column.file") }</th>
                        <th scope="col">{ t(lang, "staff.bridge.column.written") }</th>
                        <th scope="col">{ t(lang, "staff.bridge.column.reason") }</th>
                        <th scope="col"></th>
                    </tr></thead>
                    <tbody>{ for listed.iter().map(row) }</tbody>
                </table>
            }
        </section>
    }
}
