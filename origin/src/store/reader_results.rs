//! The national reader's checks a facility's bridge handed on: kept once per face file, listed by day beside the
//! kiosk's check-ins.
//!
//! Layer: storage adapter. Must not decide what a result means (the reason and guidance come from
//! `onshi_proto::reader_result`, the day from the HTTP layer's clock).

use onshi_proto::IsoDate;
use onshi_proto::checkin_page::CheckInCursor;
use onshi_proto::identifier::{FaceFileName, ReferenceNumber};
use onshi_proto::origin::{AuthMethod, CheckIn, ElderlyShare, PrescriptionFormat};
use onshi_proto::qualification::{Sex, SpecificDiseaseCertificate, SpecificDiseaseConsent, Validity};
use onshi_proto::reader_result::{ReaderResult, guidance_for, reason_for};

use crate::checkin_page::ListedCheckIn;
use crate::error::{OriginError, Result};
use crate::store::Store;
use crate::store::rows::{json_column, json_list_column, parse_date, parse_json_column, parse_percent, parse_stored};
use crate::store::staff::{keyset, limit};

/// A reader result to keep.
pub(crate) struct NewReaderResult<'a> {
    pub(crate) id: &'a str,
    pub(crate) facility_code: &'a str,
    pub(crate) device_id: &'a str,
    /// When the terminal checked, or when the origin received it if the file did not say.
    pub(crate) checked_at: i64,
    /// The Asia/Tokyo day of `checked_at`.
    pub(crate) result_date: IsoDate,
    pub(crate) received_at: i64,
    pub(crate) result: &'a ReaderResult,
}

#[derive(sqlx::FromRow)]
struct ReaderResultRow {
    id: String,
    file_name: String,
    device_id: String,
    checked_at: i64,
    validity: String,
    name: Option<String>,
    name_kana: Option<String>,
    insurer_number: Option<String>,
    insurer_name: Option<String>,
    contribution_percent: Option<i32>,
    disqualification_date: Option<String>,
    limit_category: Option<String>,
    prescription: Option<String>,
    birth_date: Option<String>,
    sex: Option<String>,
    reference_number: Option<String>,
    specific_diseases: Option<String>,
    elderly_recipient: Option<String>,
}

impl ReaderResultRow {
    /// The row as the staff list shows every check: the national reader's own, named as such.
    fn into_wire(self) -> Result<CheckIn> {
        let validity: Validity = parse_stored("validity", &self.validity)?;
        Ok(CheckIn {
            id: self.id,
            checked_in_at: self.checked_at,
            device_id: Some(self.device_id),
            device_label: None,
            method: AuthMethod::NationalReader,
            visual_check_reason: None,
            validity,
            reason: reason_for(validity),
            guidance: guidance_for(validity),
            name: self.name,
            name_kana: self.name_kana,
            insurer_number: self.insurer_number,
            insurer_name: self.insurer_name,
            // As for every check-in row (`validity::shown_contribution_percent`): a share only for a 有効 answer,
            // since a 無効 qualification's share is not what anyone pays today.
            contribution_percent: self
                .contribution_percent
                .filter(|_| validity == Validity::Valid)
                .map(|p| parse_percent("contribution_percent", p))
                .transpose()?,
            // The 高齢受給者証 behind the share, with its period, under the same rule as the share itself.
            elderly_recipient: parse_json_column::<ElderlyShare>(
                "reader result: elderly recipient",
                self.elderly_recipient.as_deref(),
            )?
            .filter(|_| validity == Validity::Valid),
            disqualification_date: self
                .disqualification_date
                .as_deref()
                .map(|text| parse_date("disqualification_date", text))
                .transpose()?,
            limit_category: self.limit_category,
            // Kept with the category only under the reader's own consent flag (`disclosure::disclose_reader_result`).
            specific_diseases: parse_json_column::<Vec<SpecificDiseaseCertificate>>(
                "reader result: specific diseases",
                self.specific_diseases.as_deref(),
            )?
            .unwrap_or_default(),
            // The national reader's consents are the reader's own, not this system's.
            consents: Vec::new(),
            prescription: self.prescription.as_deref().map(|text| parse_stored("prescription", text)).transpose()?,
            expiry_notice: None,
            patient_mode: Default::default(),
            // The national reader's consents are its own, kept by the national service, not here.
            consent_withdrawn_at: None,
            // A face file's 公費 are not read yet; the reader's own screen shows them.
            public_expense: Vec::new(),
            birth_date: self.birth_date.as_deref().map(|text| parse_date("birth_date", text)).transpose()?,
            sex: self.sex.as_deref().map(|text| parse_stored("sex", text)).transpose()?,
            reference_number: self
                .reference_number
                .as_deref()
                .map(|text| {
                    ReferenceNumber::parse(text)
                        .map_err(|_| OriginError::CorruptRecord("reader result: reference number".into()))
                })
                .transpose()?,
            face_file: Some(
                FaceFileName::parse(&self.file_name)
                    .map_err(|_| OriginError::CorruptRecord("reader result: face file name".into()))?,
            ),
        })
    }
}

impl Store {
    /// Keeps a reader result; false when this facility's face file of that name was kept before (nothing changes).
    pub(crate) async fn insert_reader_result(&self, new: &NewReaderResult<'_>) -> Result<bool> {
        let result = new.result;
        let specific_diseases = json_list_column("reader result: specific diseases", &result.specific_diseases)?;
        let elderly_recipient = result
            .elderly_share
            .as_ref()
            .map(|share| json_column("reader result: elderly recipient", share))
            .transpose()?;
        let inserted = sqlx::query(
            "INSERT INTO reader_results (id, facility_code, file_name, device_id, checked_at, result_date, \
                                         received_at, validity, name, name_kana, insurer_number, insurer_name, \
                                         contribution_percent, disqualification_date, limit_category, \
                                         prescription, birth_date, sex, reference_number, specific_diseases, \
                                         specific_disease_consent, elderly_recipient) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                     $21, $22) \
             ON CONFLICT (facility_code, file_name) DO NOTHING",
        )
        .bind(new.id)
        .bind(new.facility_code)
        .bind(result.file_name.as_str())
        .bind(new.device_id)
        .bind(new.checked_at)
        .bind(new.result_date.to_string())
        .bind(new.received_at)
        .bind(result.validity.as_str())
        .bind(result.name.as_deref())
        .bind(result.name_kana.as_deref())
        .bind(result.insurer_number.as_deref())
        .bind(result.insurer_name.as_deref())
        .bind(result.contribution_percent.map(|p| i32::from(p.get())))
        .bind(result.disqualification_date.map(|date| date.to_string()))
        .bind(result.limit_category.as_deref())
        .bind(result.prescription.map(PrescriptionFormat::as_str))
        .bind(result.birth_date.map(|date| date.to_string()))
        .bind(result.sex.map(Sex::as_str))
        .bind(result.reference_number.as_deref())
        .bind(specific_diseases)
        .bind(result.specific_disease_consent.map(SpecificDiseaseConsent::as_str))
        .bind(elderly_recipient)
        .execute(self.pool())
        .await?;
        Ok(inserted.rows_affected() == 1)
    }

    /// At most `rows` reader results of `facility_code` on `day` after `before` (all of the day's when none), as
    /// check-ins in the listing's order, read through the index `reader_results_by_facility_day_page` as
    /// [`Store::checkins_page`] reads the kiosks' rows.
    pub(crate) async fn reader_results_page(
        &self,
        facility_code: &str,
        day: IsoDate,
        before: Option<&CheckInCursor>,
        rows: usize,
    ) -> Result<Vec<ListedCheckIn>> {
        let (seconds, id) = keyset(before);
        let rows: Vec<ReaderResultRow> = sqlx::query_as(
            "SELECT id, file_name, device_id, checked_at, validity, name, name_kana, insurer_number, insurer_name, \
                    contribution_percent, disqualification_date, limit_category, prescription, birth_date, sex, \
                    reference_number, specific_diseases, elderly_recipient \
             FROM reader_results WHERE facility_code = $1 AND result_date = $2 \
               AND checked_at <= $3 AND (checked_at < $3 OR id > $4) \
             ORDER BY checked_at DESC, id LIMIT $5",
        )
        .bind(facility_code)
        .bind(day.to_string())
        .bind(seconds)
        .bind(id)
        .bind(limit(rows))
        .fetch_all(self.pool())
        .await?;
        // The national reader's rows are never linked to a person here, so they open no consents.
        rows.into_iter().map(|row| Ok(ListedCheckIn { checkin: row.into_wire()?, person_id: None })).collect()
    }
}
