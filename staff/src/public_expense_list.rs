//! The 公費 of one answer as staff see them, on a check-in row beside 負担割合, 限度額 and 特定疾病, and under a
//! by-number answer: for each, the 制度 with its 法別番号 (in Japanese first, as the counter's papers name it, with
//! the console's language beside), the 公費負担者番号 and 受給者番号, the validity, a 受給者証's monthly limit, and each
//! 医療券/調剤券 of the day with its month, designated institution and 本人支払額 ([`crate::public_expense_text`]).
//!
//! Layer: user interface (one Yew component). Must not: decide which 公費 are shown (the origin sent only those the
//! patient agreed to, and 医療扶助), or shorten a number staff copy onto the レセプト.

use onshi_proto::public_expense::PublicExpense;
use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::public_expense_text::public_expense_lines;

/// Properties of [`PublicExpenseList`].
#[derive(Properties, PartialEq)]
pub struct PublicExpenseListProps {
    /// The answer's 公費, as the origin sent them.
    pub expenses: Vec<PublicExpense>,
    /// The console's language.
    pub lang: Lang,
}

/// One list item per 公費; nothing at all when there are none.
#[function_component(PublicExpenseList)]
pub fn public_expense_list(props: &PublicExpenseListProps) -> Html {
    let lang = props.lang;
    if props.expenses.is_empty() {
        return html! {};
    }
    html! {
        <ul class="public-expenses">
            { for props.expenses.iter().map(|expense| {
                let japanese = public_expense_lines(Lang::Ja, expense);
                let lines = public_expense_lines(lang, expense);
                html! {
                    <li class="public-expense" data-kind={expense.kind.as_str()}
                        data-payer={expense.payer_number.as_str().to_owned()}
                        data-recipient={expense.recipient_number.as_str().to_owned()}>
                        <span class="kohi-name">
                            <span lang="ja">{ japanese.heading }</span>
                            if lang != Lang::Ja {
                                <span class="translated">{ format!(" ({})", lines.heading) }</span>
                            }
                        </span>
                        <span class="kohi-numbers">{ lines.numbers }</span>
                        <span class="kohi-validity">{ lines.validity }</span>
                        if let Some(limit) = lines.monthly_limit {
                            <span class="kohi-monthly-limit">{ limit }</span>
                        }
                        { for expense.tickets.iter().zip(lines.tickets).map(|(ticket, line)| html! {
                            <span class="kohi-ticket" data-kind={ticket.kind.as_str()}
                                  data-month={ticket.treatment_month.as_str().to_owned()}
                                  data-self-pay={ticket.self_pay_yen.yen().to_string()}>
                                { line }
                            </span>
                        }) }
                    </li>
                }
            }) }
        </ul>
    }
}
