//! Interface files (XmlMsg in Shift_JIS or UTF-8), their names and a face file's reader result from arbitrary bytes
//! must never panic, and a message that reads must write again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use onshi_onsfile::messages::{BulkResult, QualificationAnswer, RecordAnswer};
use onshi_onsfile::{Charset, document};

fuzz_target!(|data: &[u8]| {
    if let Ok(read) = document::read::<QualificationAnswer>(data) {
        let _ = document::write(&read.message, Charset::Utf8);
    }
    let _ = document::read::<BulkResult>(data);
    let _ = document::read::<RecordAnswer>(data);
    let _ = onshi_onsfile::name::FileName::parse(&String::from_utf8_lossy(data));
    let face = "OQSsiquc01res_face_011011371900000000000000000001_20260930091500.xml";
    let _ = onshi_onsfile::reader_result::reader_result(face, data);
});
