//! The patient's own access log (医療機関等での閲覧履歴), as マイナポータル shows it: which facilities read their
//! information, when (on the clinic's clock) and what kind, newest first, a page at a time, with a clear sentence
//! when no facility has read anything; and the way back to the answer.
//!
//! Must not: name a staff member or a device (the origin sends none), or ask for a page itself (the check-in task
//! does, when the screen machine asks for one).

use onshi_proto::access_log::AccessLogPage;
use yew::prelude::*;

use crate::checkin::task::UiCommand;
use crate::hooks::use_check_in::CheckInHandle;
use crate::i18n::{Lang, access_kind_key, jst_date_time};
use crate::screens::ruby;
use crate::state::{AccessLogView, Action};

/// The page on screen (or the wait for it), the paging buttons and the way back.
pub fn access_log(lang: Lang, view: &AccessLogView, dispatch: &Callback<Action>, check_in: &CheckInHandle) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    let older = view.page.as_ref().and_then(|page| page.next.clone()).map(|next| {
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| {
            check_in.send(Action::AccessLogOlder, UiCommand::ReadAccessLog(Some(next.clone())));
        })
    });
    let newer = (view.page.is_some() && view.has_newer()).then(|| {
        // The page before the one shown starts at the second-to-last start.
        let start = view.starts.iter().rev().nth(1).cloned().flatten();
        let check_in = check_in.clone();
        Callback::from(move |_: MouseEvent| {
            check_in.send(Action::AccessLogNewer, UiCommand::ReadAccessLog(start.clone()));
        })
    });
    let on_back = dispatch.reform(|_: MouseEvent| Action::AccessLogClosed);
    html! {
        <section aria-labelledby="heading" class="access-log" id="access-log">
            <h2 id="heading" tabindex="-1">{ h("access_log.heading") }</h2>
            { match &view.page {
                None => html! { <p class="progress" role="status">{ h("progress.access_log") }</p> },
                Some(page) if page.entries.is_empty() && !view.has_newer() => html! {
                    <p class="access-log-empty" id="access-log-empty" role="status">{ h("access_log.empty") }</p>
                },
                Some(page) => entries(lang, page),
            } }
            <div class="access-log-pages">
                if let Some(on_newer) = newer {
                    <button id="access-log-newer" class="secondary" onclick={on_newer}>{ h("access_log.newer") }</button>
                }
                if let Some(on_older) = older {
                    <button id="access-log-older" class="secondary" onclick={on_older}>{ h("access_log.older") }</button>
                }
            </div>
            <button id="access-log-back" class="primary" onclick={on_back}>{ h("access_log.back") }</button>
        </section>
    }
}

/// One page as a table: when, which facility (its name, and its code beside), what kind.
fn entries(lang: Lang, page: &AccessLogPage) -> Html {
    let h = |key: &str| ruby::shown(lang, key);
    html! {
        <>
            <p>{ h("access_log.intro") }</p>
            <table class="access-log-entries">
                <thead>
                    <tr>
                        <th scope="col">{ h("access_log.when") }</th>
                        <th scope="col">{ h("access_log.facility") }</th>
                        <th scope="col">{ h("access_log.kind") }</th>
                    </tr>
                </thead>
                <tbody>
                    { for page.entries.iter().map(|entry| html! {
                        <tr class="access-log-entry" data-kind={entry.kind.as_str()}
                            data-facility={entry.facility_code.as_str().to_owned()}>
                            <td class="when">{ jst_date_time(entry.occurred_at) }</td>
                            <td class="facility">
                                if let Some(name) = &entry.facility_name {
                                    <span lang="ja" class="facility-name">{ name }</span>{ " " }
                                }
                                <span class="facility-code">{ entry.facility_code.as_str().to_owned() }</span>
                            </td>
                            <td class="kind">{ h(access_kind_key(entry.kind)) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}
