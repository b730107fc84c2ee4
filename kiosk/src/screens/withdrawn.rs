//! The end of a consent withdrawal: what stopped (or that nothing was shared), and the request to take the card.

use onshi_proto::origin::ConsentKind;
use yew::prelude::*;

use crate::i18n::{Lang, withdrawn_key};
use crate::screens::ruby;

/// The withdrawal's result: the kinds that were live and have stopped.
pub fn withdrawn(lang: Lang, kinds: &[ConsentKind]) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <section aria-labelledby="heading" class="registered" id="withdrawn"
            data-withdrawn={kinds.iter().map(|kind| kind.as_str()).collect::<Vec<_>>().join(" ")}>
            <h2 id="heading" tabindex="-1">{ h("withdraw.done_heading") }</h2>
            <p class="done" role="status">{ h(withdrawn_key(kinds)) }</p>
        </section>
    }
}
