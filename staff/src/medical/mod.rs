//! The patient's medical information, as staff open it from a check-in row whose patient consented: a timeline of
//! one kind at a time (`timeline`), 薬剤 with 重複投薬 marked (`medication_list`), 特定健診 values with units, ranges,
//! out-of-range marks and a small trend chart per item (`checkup_table`, `trend_chart`), and 診療行為 or 手術
//! (`procedure_list`), a page at a time.
//!
//! `series` is pure (the checkup results grouped per item, and the chart's geometry) and tested natively; the
//! components compile for the browser only. Must not: keep anything it shows beyond the open panel's memory.

pub mod series;

#[cfg(target_arch = "wasm32")]
pub(crate) mod checkup_table;
#[cfg(target_arch = "wasm32")]
pub(crate) mod medication_list;
#[cfg(target_arch = "wasm32")]
pub(crate) mod procedure_list;
#[cfg(target_arch = "wasm32")]
pub(crate) mod timeline;
#[cfg(target_arch = "wasm32")]
pub(crate) mod trend_chart;
