//! 特定健診 results grouped per item, newest first, and where each value stands on the item's small trend chart.
//!
//! Pure: no browser, no clock.

use onshi_proto::IsoDate;
use onshi_proto::medical_record::{CheckupResult, ReferenceRange};

/// One item's results across the years.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckupSeries {
    /// 項目コード.
    pub code: String,
    /// 検査項目.
    pub item: String,
    /// 単位.
    pub unit: String,
    /// The item's range, when it has one.
    pub range: Option<ReferenceRange>,
    /// The results, newest first.
    pub results: Vec<CheckupResult>,
}

/// Groups results per item, in the order the items first appear (the newest checkup's order), each newest first.
pub fn group(results: &[CheckupResult]) -> Vec<CheckupSeries> {
    let mut series: Vec<CheckupSeries> = Vec::new();
    for result in results {
        match series.iter_mut().find(|known| known.code == result.code && known.item == result.item) {
            Some(known) => known.results.push(result.clone()),
            None => series.push(CheckupSeries {
                code: result.code.clone(),
                item: result.item.clone(),
                unit: result.unit.clone(),
                range: result.range,
                results: vec![result.clone()],
            }),
        }
    }
    for known in &mut series {
        known.results.sort_by_key(|result| std::cmp::Reverse(result.checked_on));
    }
    series
}

/// Width of a trend chart, in SVG units.
pub const CHART_WIDTH: f64 = 120.0;
/// Height of a trend chart, in SVG units.
pub const CHART_HEIGHT: f64 = 36.0;
/// Space kept free at each edge, so a dot at the edge is whole.
const MARGIN: f64 = 4.0;

/// A trend chart: one point per numeric result, oldest on the left, and the range's band where it has bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Each point's x, y, the date and whether it is out of range.
    pub points: Vec<(f64, f64, IsoDate, bool)>,
    /// The band of the range, as (top y, bottom y), when the range has a bound within the chart.
    pub band: Option<(f64, f64)>,
}

/// The chart of a series; `None` when fewer than two results are numbers, since a trend needs two.
pub fn chart(series: &CheckupSeries) -> Option<Chart> {
    let mut values: Vec<(IsoDate, f64, bool)> = series
        .results
        .iter()
        .filter_map(|result| {
            result.value.trim().parse::<f64>().ok().map(|v| (result.checked_on, v, result.flag.is_some()))
        })
        .collect();
    if values.len() < 2 {
        return None;
    }
    values.sort_by_key(|value| value.0);
    let bounds = series.range.map(|range| [range.lower, range.upper]).unwrap_or_default();
    let all = values.iter().map(|(_, v, _)| *v).chain(bounds.iter().flatten().copied());
    let (low, high) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if high > low { high - low } else { 1.0 };
    let y = |value: f64| MARGIN + (high - value) / span * (CHART_HEIGHT - 2.0 * MARGIN);
    let step = (CHART_WIDTH - 2.0 * MARGIN) / (values.len() - 1) as f64;
    let points = values
        .iter()
        .enumerate()
        .map(|(index, (on, value, out))| (MARGIN + step * index as f64, y(*value), *on, *out))
        .collect();
    let band = series
        .range
        .filter(|range| range.lower.is_some() || range.upper.is_some())
        .map(|range| (range.upper.map_or(0.0, y), range.lower.map_or(CHART_HEIGHT, y)));
    Some(Chart { points, band })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should stop at the first unexpected value")]
mod tests {
    use super::*;
    use onshi_proto::medical_record::RangeFlag;

    fn result(on: &str, item: &str, value: &str, flag: Option<RangeFlag>) -> CheckupResult {
        CheckupResult {
            checked_on: IsoDate::parse(on).unwrap(),
            code: format!("code-{item}"),
            item: item.into(),
            value: value.into(),
            unit: "%".into(),
            range: Some(ReferenceRange { lower: None, upper: Some(5.5) }),
            flag,
        }
    }

    #[test]
    fn results_are_grouped_per_item_newest_first() {
        let grouped = group(&[
            result("2024-10-01", "HbA1c", "5.9", Some(RangeFlag::High)),
            result("2024-10-01", "LDL", "133", None),
            result("2025-10-01", "HbA1c", "6.2", Some(RangeFlag::High)),
            result("2023-10-01", "HbA1c", "5.4", None),
        ]);
        assert_eq!(grouped.iter().map(|s| s.item.as_str()).collect::<Vec<_>>(), ["HbA1c", "LDL"]);
        let days: Vec<_> = grouped[0].results.iter().map(|r| r.checked_on.to_string()).collect();
        assert_eq!(days, ["2025-10-01", "2024-10-01", "2023-10-01"]);
    }

    #[test]
    fn the_chart_runs_oldest_to_newest_rising_values_rise_and_the_band_is_the_range() {
        let grouped = group(&[
            result("2025-10-01", "HbA1c", "6.2", Some(RangeFlag::High)),
            result("2023-10-01", "HbA1c", "5.4", None),
            result("2024-10-01", "HbA1c", "(-)", None),
        ]);
        let chart = chart(&grouped[0]).unwrap();
        // The qualitative result has no point; the two numbers run left to right, oldest first.
        assert_eq!(chart.points.len(), 2);
        let (older, newer) = (chart.points[0], chart.points[1]);
        assert!(older.0 < newer.0 && older.2 < newer.2);
        // A higher value is drawn higher up (a smaller y), and it is the one out of range.
        assert!(newer.1 < older.1 && newer.3 && !older.3);
        // Everything at or below 5.5 is in range: the band runs from 5.5's height to the bottom.
        let (top, bottom) = chart.band.unwrap();
        assert!(top > newer.1 && top < older.1 && bottom == CHART_HEIGHT);
        assert!(chart.points.iter().all(|p| p.0 >= 0.0 && p.0 <= CHART_WIDTH && p.1 >= 0.0 && p.1 <= CHART_HEIGHT));
    }

    #[test]
    fn one_number_is_no_trend() {
        assert_eq!(chart(&group(&[result("2025-10-01", "HbA1c", "6.2", None)])[0]), None);
    }
}
