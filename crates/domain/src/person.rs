//! People (quần chúng, đảng viên) and the checks on what is recorded about them.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::Violation;
use crate::citizen_id::{CitizenId, Sex};
use crate::ethnicity::EthnicityId;
use crate::ids::PersonId;
use crate::text::{PersonName, clean};

/// A date of birth; old personal histories may hold only the year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "precision", content = "value", rename_all = "snake_case")]
pub enum BirthDate {
    Full(NaiveDate),
    YearOnly(i32),
}

impl BirthDate {
    pub fn year(self) -> i32 {
        match self {
            BirthDate::Full(date) => date.year(),
            BirthDate::YearOnly(year) => year,
        }
    }

    /// `dd/mm/yyyy`, or the year alone.
    pub fn display(self) -> String {
        match self {
            BirthDate::Full(date) => crate::workflow::dmy(date),
            BirthDate::YearOnly(year) => year.to_string(),
        }
    }

    /// Reads `dd/mm/yyyy`, `yyyy-mm-dd` or a bare year.
    pub fn parse(input: &str) -> Result<BirthDate, Violation> {
        let text = input.trim();
        if text.len() == 4 && text.chars().all(|c| c.is_ascii_digit()) {
            return text
                .parse()
                .map(BirthDate::YearOnly)
                .map_err(|_| bad_birth_date(text));
        }
        // As stored (`yyyy-mm-dd`) through chrono's own reader, which does not read a
        // pattern first: each line of a list page shows one.
        if text.contains('/') {
            NaiveDate::parse_from_str(text, "%d/%m/%Y")
        } else {
            text.parse::<NaiveDate>()
        }
        .map(BirthDate::Full)
        .map_err(|_| bad_birth_date(text))
    }
}

fn bad_birth_date(text: &str) -> Violation {
    Violation::new(
        "person.birth-date",
        "birth_date",
        format!(
            "Ngày sinh \"{text}\" không đọc được; hãy ghi dạng 15/03/2004 (hoặc chỉ năm sinh, ví dụ 1958)."
        ),
    )
}

/// Schooling and training, in the words of the personal history (lý lịch).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Education {
    /// Giáo dục phổ thông, e.g. "12/12".
    pub general: String,
    /// Chuyên môn nghiệp vụ, e.g. "Cử nhân Sư phạm Toán".
    pub professional: String,
    /// Lý luận chính trị, e.g. "Sơ cấp".
    pub political_theory: String,
}

/// Everything recorded about a person, checked and normalised (NFC, trimmed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonDetails {
    pub name: PersonName,
    pub birth: BirthDate,
    pub sex: Sex,
    pub citizen_id: Option<CitizenId>,
    pub ethnicity: EthnicityId,
    pub religion: String,
    pub education: Education,
    pub occupation: String,
    pub workplace: String,
    pub residence: String,
    pub youth_union_member: bool,
    pub trade_union_member: bool,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    #[serde(flatten)]
    pub details: PersonDetails,
}

/// Something worth telling the user that does not stop the record being saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub field: &'static str,
    pub message: String,
}

/// What an erased record is called in place of the person's name.
pub const ERASED_NAME: &str = "Đã xóa";

impl PersonDetails {
    /// The record once its retention period is over: no name, number, contact, religion,
    /// school or workplace; only what the yearly figures count (sex, year of birth,
    /// ethnicity, union membership) stays.
    pub fn erased(&self) -> PersonDetails {
        PersonDetails {
            name: PersonName {
                family: ERASED_NAME.to_string(),
                middle: String::new(),
                given: String::new(),
            },
            birth: BirthDate::YearOnly(self.birth.year()),
            sex: self.sex,
            citizen_id: None,
            ethnicity: self.ethnicity,
            religion: String::new(),
            education: Education::default(),
            occupation: String::new(),
            workplace: String::new(),
            residence: String::new(),
            youth_union_member: self.youth_union_member,
            trade_union_member: self.trade_union_member,
            phone: String::new(),
            email: String::new(),
        }
    }

    /// Normalises text and checks the record against itself and `today`.
    /// Returns notices (a legacy CMND number, say) that do not block saving.
    pub fn checked(mut self, today: NaiveDate) -> Result<(PersonDetails, Vec<Notice>), Violation> {
        self.name = PersonName {
            family: clean(&self.name.family),
            middle: clean(&self.name.middle),
            given: clean(&self.name.given),
        };
        if self.name.family.is_empty() || self.name.given.is_empty() {
            return Err(Violation::new(
                "person.name",
                "name",
                "Phải ghi đủ họ và tên (tên đệm có thể để trống).",
            ));
        }
        let future = match self.birth {
            BirthDate::Full(date) => date > today,
            BirthDate::YearOnly(year) => year > today.year(),
        };
        if future {
            return Err(Violation::new(
                "person.birth-date-future",
                "birth_date",
                format!("Ngày sinh {} ở sau ngày hôm nay.", self.birth.display()),
            ));
        }
        if self.birth.year() < 1900 {
            return Err(Violation::new(
                "person.birth-date-range",
                "birth_date",
                format!(
                    "Năm sinh {} trước năm 1900, hãy kiểm tra lại.",
                    self.birth.year()
                ),
            ));
        }
        let mut notices = Vec::new();
        if let Some(id) = &self.citizen_id {
            id.check_against(self.sex, self.birth.year())?;
            if id.is_legacy() {
                notices.push(Notice {
                    field: "citizen_id",
                    message: "Số CMND 9 chữ số cũ: hãy cập nhật số CCCD 12 chữ số khi có.".into(),
                });
            }
        }
        for text in [
            &mut self.religion,
            &mut self.education.general,
            &mut self.education.professional,
            &mut self.education.political_theory,
            &mut self.occupation,
            &mut self.workplace,
            &mut self.residence,
            &mut self.phone,
            &mut self.email,
        ] {
            *text = clean(text);
        }
        Ok((self, notices))
    }
}

/// An official change of name or date of birth (HD 06 allows both); the old values are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityChange {
    pub name: PersonName,
    pub birth: BirthDate,
    pub effective_on: NaiveDate,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::citizen_id::CitizenId;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub(crate) fn sample() -> PersonDetails {
        PersonDetails {
            name: PersonName {
                family: " Nguyễn ".into(),
                middle: "Văn".into(),
                given: "An".into(),
            },
            birth: BirthDate::Full(day(2003, 5, 4)),
            sex: Sex::Male,
            citizen_id: Some(CitizenId::parse("079203001234").unwrap()),
            ethnicity: EthnicityId(1),
            religion: String::new(),
            education: Education::default(),
            occupation: "Sinh viên".into(),
            workplace: String::new(),
            residence: String::new(),
            youth_union_member: true,
            trade_union_member: false,
            phone: String::new(),
            email: String::new(),
        }
    }

    #[test]
    fn checks_name_birth_date_and_citizen_id() {
        let today = day(2026, 11, 28);
        let (ok, notices) = sample().checked(today).unwrap();
        assert_eq!(ok.name.family, "Nguyễn");
        assert!(notices.is_empty());

        let mut future = sample();
        future.birth = BirthDate::Full(day(2026, 11, 29));
        assert_eq!(
            future.checked(today).unwrap_err().rule,
            "person.birth-date-future"
        );

        let mut woman = sample();
        woman.sex = Sex::Female;
        assert_eq!(woman.checked(today).unwrap_err().field, "citizen_id");

        let mut nameless = sample();
        nameless.name.given = "  ".into();
        assert_eq!(nameless.checked(today).unwrap_err().field, "name");

        let mut legacy = sample();
        legacy.citizen_id = Some(CitizenId::parse("024123456").unwrap());
        let (_, notices) = legacy.checked(today).unwrap();
        assert_eq!(notices[0].field, "citizen_id");
    }

    #[test]
    fn birth_dates_parse_in_the_shapes_people_type() {
        assert_eq!(
            BirthDate::parse("15/03/2004").unwrap(),
            BirthDate::Full(day(2004, 3, 15))
        );
        assert_eq!(
            BirthDate::parse("2004-03-15").unwrap(),
            BirthDate::Full(day(2004, 3, 15))
        );
        assert_eq!(BirthDate::parse("1958").unwrap(), BirthDate::YearOnly(1958));
        for bad in ["31/02/2004", "2004-02-31", "2004/03/15", "15-03-2004"] {
            assert_eq!(
                BirthDate::parse(bad).unwrap_err().field,
                "birth_date",
                "{bad}"
            );
        }
        // Shown as written on papers, day and month in two digits.
        assert_eq!(BirthDate::Full(day(2004, 3, 5)).display(), "05/03/2004");
        assert_eq!(BirthDate::YearOnly(1958).display(), "1958");
    }
}
