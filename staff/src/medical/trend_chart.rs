//! `TrendChart`: one 特定健診 item's values across the years as a small SVG line, the range as a pale band, and
//! out-of-range points drawn as hollow squares (so the mark does not rest on colour alone). The chart is an image
//! with a text alternative naming the item; the values themselves are in the table beside it.

use onshi_web::i18n::Lang;
use yew::prelude::*;

use crate::medical::series::{CHART_HEIGHT, CHART_WIDTH, CheckupSeries, chart};
use crate::text::STAFF;

/// Properties of [`TrendChart`].
#[derive(Properties, PartialEq)]
pub struct TrendChartProps {
    /// The item's results.
    pub series: CheckupSeries,
    /// The console's language.
    pub lang: Lang,
}

/// The chart; nothing when the item has fewer than two numeric results.
#[function_component(TrendChart)]
pub fn trend_chart(props: &TrendChartProps) -> Html {
    let Some(drawn) = chart(&props.series) else {
        return html! {};
    };
    let label = STAFF.fill(props.lang, "staff.medical.trend", &[("item", &props.series.item)]);
    let line = drawn.points.iter().map(|(x, y, _, _)| format!("{x:.1},{y:.1}")).collect::<Vec<_>>().join(" ");
    html! {
        <svg class="trend" role="img" aria-label={label} width={CHART_WIDTH.to_string()} height={CHART_HEIGHT.to_string()}
             viewBox={format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}")} data-points={drawn.points.len().to_string()}>
            if let Some((top, bottom)) = drawn.band {
                <rect class="trend-range" x="0" y={format!("{top:.1}")} width={CHART_WIDTH.to_string()}
                      height={format!("{:.1}", (bottom - top).max(0.0))} />
            }
            <polyline class="trend-line" points={line} fill="none" />
            { for drawn.points.iter().map(|(x, y, on, out)| if *out {
                html! { <rect class="trend-point out-of-range" x={format!("{:.1}", x - 2.5)} y={format!("{:.1}", y - 2.5)}
                              width="5" height="5" data-date={on.to_string()} /> }
            } else {
                html! { <circle class="trend-point" cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="2.5"
                                data-date={on.to_string()} /> }
            }) }
        </svg>
    }
}
