//! The rows of a refused batch handed back to the clerk to fix and send again: the lines the origin named, in file
//! order, with the CSV header kept so that the file reads as a batch on its own. Pure, tested natively.
//!
//! The origin counts lines from 1, the CSV header being line 1; a line it names that the file does not have is
//! skipped (the answer and the file the browser still holds can only disagree if the file changed on disk).

use std::collections::BTreeSet;

use onshi_proto::insurer::BatchUploadFormat;

/// The text of the file made of the lines `lines` of `text` (1-based), preceded by the header for CSV.
pub fn error_rows(format: BatchUploadFormat, text: &str, lines: &[u64]) -> String {
    let wanted: BTreeSet<u64> = lines.iter().copied().collect();
    let mut out = String::new();
    for (index, line) in text.lines().enumerate() {
        let number = index as u64 + 1;
        let header = format == BatchUploadFormat::Csv && number == 1;
        if header || wanted.contains(&number) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The download's file name: the uploaded name with `-errors` before its extension.
pub fn error_file_name(uploaded: &str, format: BatchUploadFormat) -> String {
    let extension = match format {
        BatchUploadFormat::Csv => "csv",
        BatchUploadFormat::Ndjson => "jsonl",
    };
    let stem = uploaded.rsplit_once('.').map_or(uploaded, |(stem, _)| stem);
    let stem = if stem.is_empty() { "batch" } else { stem };
    format!("{stem}-errors.{extension}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_keeps_its_header_and_the_named_lines_in_file_order() {
        let text = "op,number\nacquire,1\nacquire,2\nacquire,3\r\nacquire,4\n";
        assert_eq!(error_rows(BatchUploadFormat::Csv, text, &[4, 2, 4]), "op,number\nacquire,1\nacquire,3\n");
    }

    #[test]
    fn json_lines_have_no_header_and_lines_beyond_the_file_are_skipped() {
        let text = "{\"a\":1}\n{\"a\":2}\n";
        assert_eq!(error_rows(BatchUploadFormat::Ndjson, text, &[2, 9]), "{\"a\":2}\n");
        assert_eq!(error_rows(BatchUploadFormat::Ndjson, text, &[]), "");
    }

    #[test]
    fn the_download_is_named_after_the_upload() {
        assert_eq!(error_file_name("members-2026-12.csv", BatchUploadFormat::Csv), "members-2026-12-errors.csv");
        assert_eq!(error_file_name("batch.ndjson", BatchUploadFormat::Ndjson), "batch-errors.jsonl");
        assert_eq!(error_file_name(".csv", BatchUploadFormat::Csv), "batch-errors.csv");
    }
}
