//! How the facility's bridge to its 資格確認端末 stands, said where staff look: nothing when all is well or the
//! facility runs no bridge, otherwise one alert line per problem, most urgent first, each saying what to check.
//!
//! Layer: user interface (one Yew component). Must not: decide what is an alert (`onshi_proto::bridge_health`
//! does), or say more than counts (the report holds nothing personal).

use onshi_proto::bridge_health::{BridgeAlert, BridgeStatus};
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::text::{STAFF, bridge_alert_key, t};

/// Properties of [`BridgeBanner`].
#[derive(Properties, PartialEq)]
pub struct BridgeBannerProps {
    /// The status the edge answered.
    pub status: BridgeStatus,
    /// The console's language.
    pub lang: Lang,
}

/// The bridge's alerts, or nothing.
#[function_component(BridgeBanner)]
pub fn bridge_banner(props: &BridgeBannerProps) -> Html {
    let (status, lang) = (&props.status, props.lang);
    if status.alerts.is_empty() {
        return Html::default();
    }
    let health = status.health.clone().unwrap_or_default();
    let line = |alert: BridgeAlert| {
        let key = bridge_alert_key(alert);
        match alert {
            BridgeAlert::LinkAppStalled => STAFF.fill(lang, key, &[("waiting", &health.waiting_in_req.to_string())]),
            BridgeAlert::UncertainRequests => STAFF.fill(lang, key, &[("count", &health.uncertain.to_string())]),
            _ => t(lang, key),
        }
    };
    html! {
        <section id="bridge-status" aria-labelledby="bridge-heading" role="alert">
            <h2 id="bridge-heading">{ t(lang, "staff.bridge.heading") }</h2>
            <ul>
                { for status.alerts.iter().map(|&alert| html! {
                    <li class="warning" data-alert={alert.as_str()}>{ line(alert) }</li>
                }) }
            </ul>
        </section>
    }
}
