//! The staff console page (`/staff`): login with a one-time staff code, the day's check-ins with their
//! qualification results, pending visual checks with approve / refuse, and the number-based check.
//!
//! The staff token lives in this component's state only: a reload logs staff out, and nothing is written to
//! storage. Every screen change marks `onshi:staff:<name>` on the page's performance timeline, like the kiosk.

use onshi_proto::ErrorCode;
use onshi_proto::api::StaffSessionResponse;
use onshi_proto::origin::{AuthMethod, CheckIn, CheckInList, PendingVisualCheck};
use onshi_proto::qualification::{Guidance, QualificationAnswer};
use yew::prelude::*;

use super::client;
use super::form::{NumberForm, ratio_label};

/// How often the console refreshes the list while logged in, in milliseconds.
const REFRESH_INTERVAL_MS: i32 = 2_000;

fn error_text(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::Unauthorized => "コードが正しくないか、使用済み・期限切れです。",
        ErrorCode::SessionInvalid | ErrorCode::SessionExpired => "ログインの有効期限が切れました。もう一度ログインしてください。",
        ErrorCode::BadRequest => "入力内容を確かめてください。",
        ErrorCode::RecordHeld => "この資格情報は保険者が確認中のため表示できません。",
        ErrorCode::RateLimited => "しばらく待ってからもう一度お試しください。",
        _ => "システムに接続できません。時間をおいてもう一度お試しください。",
    }
}

fn guidance_text(guidance: Option<Guidance>) -> &'static str {
    match guidance {
        Some(Guidance::ClaimForm) => "被保険者資格申立書をご記入いただき、通常の負担割合でお支払いいただけます。",
        Some(Guidance::StaffReview) => "複数の資格が該当します。係員が確認してください。",
        None => "",
    }
}

fn time_of_day(unix: i64) -> String {
    // Asia/Tokyo has no daylight saving time: UTC+9 all year.
    let seconds = (unix + 9 * 3600).rem_euclid(86_400);
    format!("{:02}:{:02}", seconds / 3600, (seconds % 3600) / 60)
}

fn input_value(node: &NodeRef) -> String {
    node.cast::<web_sys::HtmlInputElement>().map(|input| input.value()).unwrap_or_default()
}

fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(&format!("onshi:staff:{name}"));
    }
}

#[derive(Properties, PartialEq)]
struct CheckInRowProps {
    checkin: CheckIn,
}

#[function_component(CheckInRow)]
fn check_in_row(props: &CheckInRowProps) -> Html {
    let c = &props.checkin;
    let method = match c.method {
        AuthMethod::Pin => "暗証番号",
        AuthMethod::VisualCheck => "目視",
    };
    html! {
        <tr class="checkin" data-validity={serde_json::to_value(c.validity).ok().and_then(|v| v.as_str().map(str::to_owned))}
            data-method={if c.method == AuthMethod::VisualCheck { "visual_check" } else { "pin" }}>
            <td>{ time_of_day(c.checked_in_at) }</td>
            <td class="validity">{ c.validity.label_ja() }</td>
            <td class="name">{ c.name.clone().unwrap_or_else(|| "—".into()) }</td>
            <td class="insurer">{ c.insurer_name.clone().unwrap_or_else(|| "—".into()) }</td>
            <td class="ratio">{ c.contribution_percent.map(ratio_label).unwrap_or_else(|| "—".into()) }</td>
            <td>{ method }</td>
            <td class="advice">{ guidance_text(c.guidance) }</td>
        </tr>
    }
}

#[derive(Properties, PartialEq)]
struct PendingProps {
    pending: PendingVisualCheck,
    on_decide: Callback<(String, bool)>,
}

#[function_component(PendingItem)]
fn pending_item(props: &PendingProps) -> Html {
    let p = &props.pending;
    let decide = |approve: bool| {
        let on_decide = props.on_decide.clone();
        let id = p.request_id.clone();
        Callback::from(move |_| on_decide.emit((id.clone(), approve)))
    };
    html! {
        <li class="pending" data-request-id={p.request_id.clone()}>
            <span class="requested-at">{ time_of_day(p.requested_at) }</span>
            <span class="name">{ p.name.clone().unwrap_or_else(|| "（保険証利用登録なし）".into()) }</span>
            <span class="birth-date">{ p.birth_date.map(|d| d.to_string()).unwrap_or_default() }</span>
            <button class="approve primary" type="button" onclick={decide(true)}>{ "本人確認済み（承認）" }</button>
            <button class="refuse secondary" type="button" onclick={decide(false)}>{ "承認しない" }</button>
        </li>
    }
}

#[derive(Properties, PartialEq)]
struct AnswerProps {
    answer: QualificationAnswer,
}

#[function_component(AnswerView)]
fn answer_view(props: &AnswerProps) -> Html {
    let answer = &props.answer;
    html! {
        <div id="by-number-result" role="status">
            <p>{ "資格確認結果：" }<strong id="by-number-validity">{ answer.validity.label_ja() }</strong></p>
            { for answer.records.iter().map(|r| html! {
                <dl class="record">
                    <dt>{ "氏名" }</dt><dd class="name">{ r.name.clone() }</dd>
                    <dt>{ "保険者" }</dt><dd class="insurer">{ format!("{}（{}）", r.insurer_name, r.insurer_number) }</dd>
                    <dt>{ "負担割合" }</dt>
                    <dd class="ratio">{ ratio_label(r.elderly_recipient.as_ref().map_or(r.partial_contribution_percent, |e| e.contribution_ratio_percent)) }</dd>
                </dl>
            }) }
            <p class="advice">{ guidance_text(answer.guidance) }</p>
        </div>
    }
}

/// The whole console.
#[function_component(StaffConsole)]
pub fn staff_console() -> Html {
    let session = use_state(|| None::<StaffSessionResponse>);
    let login_error = use_state(|| None::<&'static str>);
    let list = use_state(|| None::<CheckInList>);
    let list_error = use_state(|| None::<&'static str>);
    let by_number_error = use_state(|| None::<&'static str>);
    let by_number_answer = use_state(|| None::<QualificationAnswer>);
    let refresh_tick = use_state(|| 0u32);
    let code_input = use_node_ref();
    let fields = [use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref(), use_node_ref()];

    let token = session.as_ref().map(|s| s.staff_token.clone());

    {
        // Loads the list on login and after every tick; schedules the next tick while logged in.
        let token = token.clone();
        let list = list.clone();
        let list_error = list_error.clone();
        let refresh_tick = refresh_tick.clone();
        let session = session.clone();
        use_effect_with((token.clone(), *refresh_tick), move |(token, tick)| {
            let tick = *tick;
            if let Some(token) = token.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match client::checkins(&token).await {
                        Ok(fresh) => {
                            list.set(Some(fresh));
                            list_error.set(None);
                            mark("list");
                        }
                        Err(code @ (ErrorCode::SessionInvalid | ErrorCode::SessionExpired)) => {
                            list_error.set(Some(error_text(code)));
                            session.set(None);
                            return;
                        }
                        Err(code) => list_error.set(Some(error_text(code))),
                    }
                    crate::timer::sleep_ms(REFRESH_INTERVAL_MS).await;
                    refresh_tick.set(tick.wrapping_add(1));
                });
            }
        });
    }

    let on_login = {
        let session = session.clone();
        let login_error = login_error.clone();
        let code_input = code_input.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let code = input_value(&code_input);
            if let Some(input) = code_input.cast::<web_sys::HtmlInputElement>() {
                input.set_value("");
            }
            let session = session.clone();
            let login_error = login_error.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match client::login(code).await {
                    Ok(opened) => {
                        login_error.set(None);
                        session.set(Some(opened));
                        mark("dashboard");
                    }
                    Err(code) => login_error.set(Some(error_text(code))),
                }
            });
        })
    };

    let on_decide = {
        let token = token.clone();
        let list_error = list_error.clone();
        let list = list.clone();
        Callback::from(move |(request_id, approve): (String, bool)| {
            let Some(token) = token.clone() else { return };
            let list_error = list_error.clone();
            let list = list.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match client::decide(&token, request_id, approve).await {
                    Ok(_) => {
                        // Reload at once so the decided request leaves the list.
                        if let Ok(fresh) = client::checkins(&token).await {
                            list.set(Some(fresh));
                        }
                        mark("decided");
                    }
                    Err(code) => list_error.set(Some(error_text(code))),
                }
            });
        })
    };

    let on_by_number = {
        let token = token.clone();
        let fields = fields.clone();
        let by_number_error = by_number_error.clone();
        let by_number_answer = by_number_answer.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let form = NumberForm {
                insurer_number: input_value(&fields[0]),
                symbol: input_value(&fields[1]),
                number: input_value(&fields[2]),
                branch: input_value(&fields[3]),
                birth_date: input_value(&fields[4]),
            };
            // The check digit is checked here: a mistyped 保険者番号 never leaves the page.
            let query = match form.validate() {
                Ok(query) => query,
                Err(problem) => {
                    by_number_answer.set(None);
                    by_number_error.set(Some(problem.message_ja()));
                    mark("by-number-refused");
                    return;
                }
            };
            let Some(token) = token.clone() else { return };
            let by_number_error = by_number_error.clone();
            let by_number_answer = by_number_answer.clone();
            by_number_error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match client::by_number(&token, &query).await {
                    Ok(answer) => {
                        by_number_answer.set(Some(answer));
                        mark("by-number-answer");
                    }
                    Err(code) => {
                        by_number_answer.set(None);
                        by_number_error.set(Some(error_text(code)));
                    }
                }
            });
        })
    };

    let Some(opened) = session.as_ref() else {
        return html! {
            <main data-screen="staff-login" lang="ja">
                <h1>{ "係員コンソール" }</h1>
                <form onsubmit={on_login} aria-labelledby="login-heading">
                    <h2 id="login-heading">{ "ログイン" }</h2>
                    <label for="staff-code">{ "係員ログインコード（管理者が発行）" }</label>
                    <input id="staff-code" ref={code_input} autocomplete="one-time-code" autocapitalize="characters"
                           spellcheck="false" required=true />
                    <button id="staff-login" class="primary" type="submit">{ "ログイン" }</button>
                    if let Some(message) = *login_error {
                        <p id="login-error" role="alert" class="warning">{ message }</p>
                    }
                </form>
            </main>
        };
    };

    let (checkins, pending, date) = match list.as_ref() {
        Some(list) => (list.checkins.clone(), list.pending.clone(), list.date.to_string()),
        None => (Vec::new(), Vec::new(), String::new()),
    };
    let field = |index: usize, id: &'static str, label: &'static str, placeholder: &'static str, kind: &'static str| {
        html! {
            <div class="field">
                <label for={id}>{ label }</label>
                <input id={id} ref={fields[index].clone()} type={kind} placeholder={placeholder} inputmode={if kind == "text" { "numeric" } else { "text" }} />
            </div>
        }
    };
    html! {
        <main data-screen="staff-dashboard" lang="ja">
            <h1>{ "係員コンソール" }</h1>
            <p id="facility">{ format!("医療機関コード {}", opened.facility_code.as_str()) }</p>
            if let Some(message) = *list_error {
                <p id="list-error" role="alert" class="warning">{ message }</p>
            }
            <section aria-labelledby="pending-heading" id="pending">
                <h2 id="pending-heading">{ "目視確認の依頼" }</h2>
                if pending.is_empty() {
                    <p class="empty">{ "依頼はありません。" }</p>
                } else {
                    <ul>
                        { for pending.into_iter().map(|p| {
                            let key = p.request_id.clone();
                            html! { <PendingItem key={key} pending={p} on_decide={on_decide.clone()} /> }
                        }) }
                    </ul>
                }
            </section>
            <section aria-labelledby="checkins-heading" id="checkins">
                <h2 id="checkins-heading">{ format!("本日の受付 {date}") }</h2>
                <table>
                    <thead><tr>
                        <th scope="col">{ "時刻" }</th><th scope="col">{ "資格" }</th><th scope="col">{ "氏名" }</th>
                        <th scope="col">{ "保険者" }</th><th scope="col">{ "負担割合" }</th><th scope="col">{ "確認方法" }</th>
                        <th scope="col">{ "案内" }</th>
                    </tr></thead>
                    <tbody>
                        { for checkins.into_iter().map(|c| {
                            let key = c.id.clone();
                            html! { <CheckInRow key={key} checkin={c} /> }
                        }) }
                    </tbody>
                </table>
            </section>
            <section aria-labelledby="by-number-heading" id="by-number">
                <h2 id="by-number-heading">{ "保険者番号等による資格確認" }</h2>
                <form onsubmit={on_by_number} novalidate=true>
                    { field(0, "insurer-number", "保険者番号", "例 01130012", "text") }
                    { field(1, "symbol", "記号", "", "text") }
                    { field(2, "number", "番号", "", "text") }
                    { field(3, "branch", "枝番", "例 01", "text") }
                    { field(4, "birth-date", "生年月日", "", "date") }
                    <button id="by-number-submit" class="primary" type="submit">{ "資格確認" }</button>
                </form>
                if let Some(message) = *by_number_error {
                    <p id="by-number-error" role="alert" class="warning">{ message }</p>
                }
                if let Some(answer) = (*by_number_answer).clone() {
                    <AnswerView answer={answer} />
                }
            </section>
        </main>
    }
}

/// Entry point of the `staff-console` build: mounts the console on `<div id="app">`.
#[allow(unsafe_code)] // The #[wasm_bindgen] export expands to FFI glue.
mod entry {
    use wasm_bindgen::prelude::*;

    /// Mounts the staff console.
    #[wasm_bindgen(start)]
    pub fn start_staff_console() {
        let root = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("app"));
        match root {
            Some(root) => {
                yew::Renderer::<super::StaffConsole>::with_root(root).render();
            }
            None => {
                yew::Renderer::<super::StaffConsole>::new().render();
            }
        }
    }
}
