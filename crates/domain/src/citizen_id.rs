//! Số CCCD / số định danh cá nhân (12 digits) and the legacy số CMND (9 digits).
//!
//! Structure of the 12-digit personal identification number (Nghị định 137/2015/NĐ-CP,
//! Thông tư 07/2016/TT-BCA, later Thông tư 59/2021/TT-BCA):
//!
//! | digits | meaning |
//! | --- | --- |
//! | 1–3 | code of the province where the birth was registered (Phụ lục 1 of Thông tư 07/2016: the 63 provinces, 001 Hà Nội … 096 Cà Mau, with gaps) |
//! | 4 | century of birth and sex: 1900s male 0 / female 1; 2000s 2/3; 2100s 4/5; 2200s 6/7; 2300s 8/9 |
//! | 5–6 | last two digits of the year of birth |
//! | 7–12 | a random number; there is **no** check digit |
//!
//! There is no code for births before 1900: every digit 0–9 is a valid century/sex code, so
//! a person born in the 1800s cannot be encoded (nobody alive is concerned).
//!
//! The province list is the one of the 63 provinces in force when the numbers were issued.
//! Numbers are permanent, so the 2025 merger of provinces does not change existing numbers;
//! a code outside this list is refused (`cccd.province`). Codes of countries of birth
//! registration abroad (the "mã quốc gia" alternative mentioned by the decree) are not
//! accepted, because their form could not be confirmed.
//!
//! 9-digit CMND numbers are accepted as [`CitizenId::LegacyCmnd`]; their digits encode the
//! issuing police office, not the person, so nothing is checked against the record.
//! A 12-digit number is always read as a CCCD (the 12-digit CMND issued 2012–2016 used the
//! same structure).

use std::fmt;

use crate::Violation;

const FIELD: &str = "citizen_id";

/// The 63 province codes of Phụ lục 1, Thông tư 07/2016/TT-BCA, with the province names.
const PROVINCES: [(&str, &str); 63] = [
    ("001", "Hà Nội"),
    ("002", "Hà Giang"),
    ("004", "Cao Bằng"),
    ("006", "Bắc Kạn"),
    ("008", "Tuyên Quang"),
    ("010", "Lào Cai"),
    ("011", "Điện Biên"),
    ("012", "Lai Châu"),
    ("014", "Sơn La"),
    ("015", "Yên Bái"),
    ("017", "Hòa Bình"),
    ("019", "Thái Nguyên"),
    ("020", "Lạng Sơn"),
    ("022", "Quảng Ninh"),
    ("024", "Bắc Giang"),
    ("025", "Phú Thọ"),
    ("026", "Vĩnh Phúc"),
    ("027", "Bắc Ninh"),
    ("030", "Hải Dương"),
    ("031", "Hải Phòng"),
    ("033", "Hưng Yên"),
    ("034", "Thái Bình"),
    ("035", "Hà Nam"),
    ("036", "Nam Định"),
    ("037", "Ninh Bình"),
    ("038", "Thanh Hóa"),
    ("040", "Nghệ An"),
    ("042", "Hà Tĩnh"),
    ("044", "Quảng Bình"),
    ("045", "Quảng Trị"),
    ("046", "Thừa Thiên Huế"),
    ("048", "Đà Nẵng"),
    ("049", "Quảng Nam"),
    ("051", "Quảng Ngãi"),
    ("052", "Bình Định"),
    ("054", "Phú Yên"),
    ("056", "Khánh Hòa"),
    ("058", "Ninh Thuận"),
    ("060", "Bình Thuận"),
    ("062", "Kon Tum"),
    ("064", "Gia Lai"),
    ("066", "Đắk Lắk"),
    ("067", "Đắk Nông"),
    ("068", "Lâm Đồng"),
    ("070", "Bình Phước"),
    ("072", "Tây Ninh"),
    ("074", "Bình Dương"),
    ("075", "Đồng Nai"),
    ("077", "Bà Rịa - Vũng Tàu"),
    ("079", "Hồ Chí Minh"),
    ("080", "Long An"),
    ("082", "Tiền Giang"),
    ("083", "Bến Tre"),
    ("084", "Trà Vinh"),
    ("086", "Vĩnh Long"),
    ("087", "Đồng Tháp"),
    ("089", "An Giang"),
    ("091", "Kiên Giang"),
    ("092", "Cần Thơ"),
    ("093", "Hậu Giang"),
    ("094", "Sóc Trăng"),
    ("095", "Bạc Liêu"),
    ("096", "Cà Mau"),
];

/// The first year that can be encoded (digit 0/1) and the last (digit 8/9).
const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2399;

/// Sex as recorded in the file and as encoded in a CCCD number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// "Nam" / "Nữ", as printed on forms.
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// Lower-case label for use inside a sentence.
    fn word_vi(self) -> &'static str {
        match self {
            Sex::Male => "nam",
            Sex::Female => "nữ",
        }
    }
}

/// A validated citizen identification number.
///
/// Serialised as the bare digit string ("079203001234" or "023456789"); deserialising runs
/// [`parse`], so a stored number is re-validated when it is read back.
///
/// The variants are public (as enum variants always are); values built directly rather than
/// through [`parse`] are handled without panicking: the accessors return `None` and
/// [`CitizenId::check_against`] reports `cccd.format`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum CitizenId {
    /// 12-digit số CCCD / số định danh cá nhân.
    Cccd(String),
    /// 9-digit số CMND (chứng minh nhân dân), accepted but flagged as legacy.
    LegacyCmnd(String),
}

/// Parses what the user typed: spaces, dots and dashes between digits are ignored;
/// 12 digits give a [`CitizenId::Cccd`] (whose province code must be in the list),
/// 9 digits a [`CitizenId::LegacyCmnd`]. Anything else is refused with rule `cccd.format`
/// (or `cccd.province`) on the field `citizen_id`.
pub fn parse(input: &str) -> Result<CitizenId, Violation> {
    let mut digits = String::with_capacity(12);
    for c in input.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if c.is_whitespace() || is_separator(c) {
            continue;
        } else {
            return Err(Violation::new(
                "cccd.format",
                FIELD,
                format!(
                    "Số CCCD chỉ được gồm chữ số (có thể ngăn cách bằng dấu cách, dấu chấm hoặc \
                     gạch ngang); ký tự «{c}» không hợp lệ."
                ),
            ));
        }
    }
    match digits.len() {
        12 => {
            let province = digits.get(0..3).unwrap_or_default();
            if province_name(province).is_none() {
                return Err(Violation::new(
                    "cccd.province",
                    FIELD,
                    format!(
                        "Số CCCD {digits} có mã tỉnh nơi đăng ký khai sinh là {province}, không có \
                         trong danh mục mã 63 tỉnh, thành phố (001 Hà Nội … 096 Cà Mau); hãy kiểm \
                         tra lại 3 chữ số đầu."
                    ),
                ));
            }
            Ok(CitizenId::Cccd(digits))
        }
        9 => Ok(CitizenId::LegacyCmnd(digits)),
        0 => Err(Violation::new(
            "cccd.format",
            FIELD,
            "Chưa nhập số CCCD. Số CCCD phải gồm 12 chữ số (hoặc 9 chữ số nếu là CMND cũ).",
        )),
        n => Err(Violation::new(
            "cccd.format",
            FIELD,
            format!(
                "Số CCCD phải gồm 12 chữ số (hoặc 9 chữ số nếu là CMND cũ); đã nhập {n} chữ số."
            ),
        )),
    }
}

fn is_separator(c: char) -> bool {
    matches!(
        c,
        '.' | '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2212}'
    )
}

/// The province name for a 3-digit CCCD province code ("079" → "Hồ Chí Minh").
pub fn province_name(code: &str) -> Option<&'static str> {
    PROVINCES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

impl CitizenId {
    /// Same as the free function [`parse`].
    pub fn parse(input: &str) -> Result<CitizenId, Violation> {
        parse(input)
    }

    /// The digits, without separators.
    pub fn as_str(&self) -> &str {
        match self {
            CitizenId::Cccd(s) | CitizenId::LegacyCmnd(s) => s,
        }
    }

    /// Whether this is an old 9-digit CMND number.
    pub fn is_legacy(&self) -> bool {
        matches!(self, CitizenId::LegacyCmnd(_))
    }

    /// The 3-digit code of the province of birth registration; `None` for a CMND.
    pub fn province_code(&self) -> Option<&str> {
        match self {
            CitizenId::Cccd(s) => s.get(0..3).filter(|p| province_name(p).is_some()),
            CitizenId::LegacyCmnd(_) => None,
        }
    }

    /// The name of the province of birth registration; `None` for a CMND.
    pub fn province_name(&self) -> Option<&'static str> {
        self.province_code().and_then(province_name)
    }

    /// The sex encoded in the 4th digit; `None` for a CMND.
    pub fn encoded_sex(&self) -> Option<Sex> {
        self.decode().map(|(sex, _)| sex)
    }

    /// The year of birth encoded in digits 4–6; `None` for a CMND.
    pub fn encoded_birth_year(&self) -> Option<i32> {
        self.decode().map(|(_, year)| year)
    }

    fn decode(&self) -> Option<(Sex, i32)> {
        let CitizenId::Cccd(s) = self else {
            return None;
        };
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digit = s.get(3..4)?.parse::<i32>().ok()?;
        let yy = s.get(4..6)?.parse::<i32>().ok()?;
        let sex = if digit % 2 == 0 {
            Sex::Male
        } else {
            Sex::Female
        };
        Some((sex, FIRST_YEAR + (digit / 2) * 100 + yy))
    }

    /// Checks a CCCD against the sex and year of birth in the record.
    ///
    /// * `cccd.sex-century`: the 4th digit must be the one for this sex and century of birth;
    /// * `cccd.birth-year`: digits 5–6 must be the last two digits of the year of birth;
    /// * `cccd.format`: the value was not built by [`parse`] and is not 12 digits.
    ///
    /// When both the 4th digit and the year digits are wrong, the `cccd.sex-century`
    /// violation is returned; its message states the whole mismatch. A CMND is not checked.
    pub fn check_against(&self, sex: Sex, birth_year: i32) -> Result<(), Violation> {
        let CitizenId::Cccd(number) = self else {
            return Ok(());
        };
        let Some((enc_sex, enc_year)) = self.decode() else {
            return Err(Violation::new(
                "cccd.format",
                FIELD,
                format!("Số CCCD «{number}» không đúng dạng 12 chữ số; hãy nhập lại số CCCD."),
            ));
        };
        if !(FIRST_YEAR..=LAST_YEAR).contains(&birth_year) {
            return Err(Violation::new(
                "cccd.sex-century",
                FIELD,
                format!(
                    "Hồ sơ ghi năm sinh {birth_year}, ngoài khoảng năm sinh mà số CCCD mã hoá được \
                     ({FIRST_YEAR}–{LAST_YEAR}); số CCCD {number} mã hoá {} sinh năm {enc_year}. Hãy \
                     kiểm tra lại năm sinh.",
                    enc_sex.word_vi()
                ),
            ));
        }
        let enc_century = (enc_year - FIRST_YEAR) / 100;
        let century = (birth_year - FIRST_YEAR) / 100;
        let expected_digit = century * 2 + i32::from(sex == Sex::Female);
        let expected_yy = birth_year % 100;
        let mismatch = format!(
            "Số CCCD {number} mã hoá {} sinh năm {enc_year} nhưng hồ sơ ghi {} sinh năm {birth_year}.",
            enc_sex.word_vi(),
            sex.word_vi()
        );
        if enc_sex != sex || enc_century != century {
            return Err(Violation::new(
                "cccd.sex-century",
                FIELD,
                format!(
                    "{mismatch} Với {} sinh năm {birth_year}, chữ số thứ 4 phải là {expected_digit}; \
                     hãy kiểm tra lại số CCCD, giới tính hoặc năm sinh.",
                    sex.word_vi()
                ),
            ));
        }
        if enc_year != birth_year {
            return Err(Violation::new(
                "cccd.birth-year",
                FIELD,
                format!(
                    "{mismatch} Chữ số thứ 5–6 phải là {expected_yy:02} (hai số cuối của năm sinh); \
                     hãy kiểm tra lại số CCCD hoặc năm sinh."
                ),
            ));
        }
        Ok(())
    }
}

impl fmt::Display for CitizenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for CitizenId {
    type Error = Violation;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        parse(&value)
    }
}

impl From<CitizenId> for String {
    fn from(value: CitizenId) -> Self {
        match value {
            CitizenId::Cccd(s) | CitizenId::LegacyCmnd(s) => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(r: Result<CitizenId, Violation>) -> String {
        match r {
            Ok(id) => format!("ok:{id:?}"),
            Err(v) => {
                assert_eq!(v.field, "citizen_id");
                assert!(!v.message.is_empty());
                v.rule
            }
        }
    }

    #[test]
    fn parse_table() {
        let cases: &[(&str, &str)] = &[
            ("079203001234", "ok:Cccd(\"079203001234\")"),
            (" 079 203 001 234 ", "ok:Cccd(\"079203001234\")"),
            ("079.203.001.234", "ok:Cccd(\"079203001234\")"),
            ("079-203-001-234", "ok:Cccd(\"079203001234\")"),
            ("001099000001", "ok:Cccd(\"001099000001\")"),
            ("096301999999", "ok:Cccd(\"096301999999\")"),
            ("074190123456", "ok:Cccd(\"074190123456\")"),
            ("023456789", "ok:LegacyCmnd(\"023456789\")"),
            ("023 456 789", "ok:LegacyCmnd(\"023456789\")"),
            ("", "cccd.format"),
            ("   ", "cccd.format"),
            ("07920300123", "cccd.format"),   // 11 digits
            ("0792030012345", "cccd.format"), // 13 digits
            ("02345678", "cccd.format"),      // 8 digits
            ("0234567890", "cccd.format"),    // 10 digits
            ("07920300123A", "cccd.format"),
            ("079/203/001/234", "cccd.format"),
            ("０７９２０３００１２３４", "cccd.format"), // full-width digits
            ("000203001234", "cccd.province"),
            ("003203001234", "cccd.province"), // gap in the list
            ("097203001234", "cccd.province"), // after Cà Mau
            ("999203001234", "cccd.province"),
        ];
        for (input, expected) in cases {
            assert_eq!(rule(parse(input)), *expected, "input {input:?}");
        }
    }

    #[test]
    fn format_message_counts_digits() {
        let v = parse("0792-0300-123").err();
        assert_eq!(
            v.map(|v| v.message).as_deref(),
            Some("Số CCCD phải gồm 12 chữ số (hoặc 9 chữ số nếu là CMND cũ); đã nhập 11 chữ số.")
        );
    }

    #[test]
    fn province_list_is_the_63_codes() {
        assert_eq!(PROVINCES.len(), 63);
        let mut codes: Vec<&str> = PROVINCES.iter().map(|(c, _)| *c).collect();
        codes.dedup();
        assert_eq!(codes.len(), 63);
        assert!(
            PROVINCES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted and unique"
        );
        assert!(
            PROVINCES
                .iter()
                .all(|(c, _)| c.len() == 3 && ("001"..="096").contains(c))
        );
        assert_eq!(province_name("001"), Some("Hà Nội"));
        assert_eq!(province_name("074"), Some("Bình Dương"));
        assert_eq!(province_name("079"), Some("Hồ Chí Minh"));
        assert_eq!(province_name("096"), Some("Cà Mau"));
        assert_eq!(province_name("003"), None);
    }

    #[test]
    fn accessors() {
        let cccd = CitizenId::Cccd("079203001234".into());
        assert_eq!(cccd.as_str(), "079203001234");
        assert!(!cccd.is_legacy());
        assert_eq!(cccd.province_code(), Some("079"));
        assert_eq!(cccd.province_name(), Some("Hồ Chí Minh"));
        assert_eq!(cccd.encoded_sex(), Some(Sex::Male));
        assert_eq!(cccd.encoded_birth_year(), Some(2003));

        let cmnd = CitizenId::LegacyCmnd("023456789".into());
        assert!(cmnd.is_legacy());
        assert_eq!(cmnd.as_str(), "023456789");
        assert_eq!(cmnd.province_code(), None);
        assert_eq!(cmnd.encoded_sex(), None);
        assert_eq!(cmnd.encoded_birth_year(), None);

        // Built by hand with garbage: no panic, no answers.
        let bad = CitizenId::Cccd("ab".into());
        assert_eq!(bad.province_code(), None);
        assert_eq!(bad.encoded_sex(), None);
        assert_eq!(bad.encoded_birth_year(), None);
        assert_eq!(
            bad.check_against(Sex::Male, 2000).map_err(|v| v.rule),
            Err("cccd.format".into())
        );
        let bad = CitizenId::Cccd("07920300123é".into());
        assert_eq!(bad.encoded_birth_year(), None);
    }

    #[test]
    fn century_sex_digit_decoding() {
        let cases = [
            ('0', Sex::Male, 1999),
            ('1', Sex::Female, 1999),
            ('2', Sex::Male, 2099),
            ('3', Sex::Female, 2099),
            ('4', Sex::Male, 2199),
            ('5', Sex::Female, 2199),
            ('6', Sex::Male, 2299),
            ('7', Sex::Female, 2299),
            ('8', Sex::Male, 2399),
            ('9', Sex::Female, 2399),
        ];
        for (digit, sex, year) in cases {
            let id = CitizenId::Cccd(format!("001{digit}99000000"));
            assert_eq!(id.encoded_sex(), Some(sex), "digit {digit}");
            assert_eq!(id.encoded_birth_year(), Some(year), "digit {digit}");
        }
    }

    #[test]
    fn check_against_table() {
        // (number, record sex, record year, expected rule or "ok")
        let cases: &[(&str, Sex, i32, &str)] = &[
            ("079203001234", Sex::Male, 2003, "ok"),
            ("079303001234", Sex::Female, 2003, "ok"),
            ("079303001234", Sex::Male, 2003, "cccd.sex-century"),
            ("079203001234", Sex::Female, 2003, "cccd.sex-century"),
            ("079203001234", Sex::Male, 2004, "cccd.birth-year"),
            // 1999 vs 2000: digits 0/1 then 2/3.
            ("001099000001", Sex::Male, 1999, "ok"),
            ("001199000001", Sex::Female, 1999, "ok"),
            ("001200000001", Sex::Male, 2000, "ok"),
            ("001300000001", Sex::Female, 2000, "ok"),
            ("001000000001", Sex::Male, 2000, "cccd.sex-century"), // 1900 encoded
            ("001100000001", Sex::Female, 2000, "cccd.sex-century"),
            ("001299000001", Sex::Male, 1999, "cccd.sex-century"), // 2099 encoded
            ("001399000001", Sex::Female, 1999, "cccd.sex-century"),
            ("001099000001", Sex::Female, 1999, "cccd.sex-century"),
            ("001098000001", Sex::Male, 1999, "cccd.birth-year"),
            ("001201000001", Sex::Male, 2000, "cccd.birth-year"),
            // Both the digit and the year wrong: the sex/century rule is reported.
            ("001398000001", Sex::Male, 1999, "cccd.sex-century"),
            // Boundaries of what can be encoded.
            ("001000000001", Sex::Male, 1900, "ok"),
            ("001999000001", Sex::Female, 2399, "ok"),
            ("001000000001", Sex::Male, 1899, "cccd.sex-century"),
            ("001999000001", Sex::Female, 2400, "cccd.sex-century"),
            ("001400000001", Sex::Male, 2100, "ok"),
            ("001500000001", Sex::Female, 2100, "ok"),
        ];
        for (number, sex, year, expected) in cases {
            let got = match parse(number).map(|id| id.check_against(*sex, *year)) {
                Err(v) => format!("parse failed: {v}"),
                Ok(Ok(())) => "ok".to_owned(),
                Ok(Err(v)) => {
                    assert_eq!(v.field, "citizen_id");
                    v.rule
                }
            };
            assert_eq!(got, *expected, "{number} vs {sex:?} {year}");
        }
    }

    #[test]
    fn check_against_messages() {
        let id = CitizenId::Cccd("079203001234".into());
        let v = id.check_against(Sex::Male, 2003).err();
        assert_eq!(v, None);

        let id = CitizenId::Cccd("079303001234".into());
        let v = id.check_against(Sex::Male, 2003).err();
        let message = v.map(|v| v.message).unwrap_or_default();
        assert!(
            message.starts_with(
                "Số CCCD 079303001234 mã hoá nữ sinh năm 2003 nhưng hồ sơ ghi nam sinh năm 2003."
            ),
            "{message}"
        );
        assert!(message.contains("chữ số thứ 4 phải là 2"), "{message}");

        let id = CitizenId::Cccd("079203001234".into());
        let message = id
            .check_against(Sex::Male, 2005)
            .err()
            .map(|v| v.message)
            .unwrap_or_default();
        assert!(message.starts_with(
            "Số CCCD 079203001234 mã hoá nam sinh năm 2003 nhưng hồ sơ ghi nam sinh năm 2005."
        ));
        assert!(message.contains("phải là 05"), "{message}");
    }

    #[test]
    fn legacy_cmnd_is_not_checked() {
        let id = CitizenId::LegacyCmnd("023456789".into());
        assert_eq!(id.check_against(Sex::Female, 1975), Ok(()));
        assert_eq!(id.check_against(Sex::Male, 1800), Ok(()));
    }

    #[test]
    fn sex_labels_and_serde_names() {
        assert_eq!(Sex::Male.label_vi(), "Nam");
        assert_eq!(Sex::Female.label_vi(), "Nữ");
        assert_eq!(toml_value(&Sex::Male), "\"male\"");
        assert_eq!(toml_value(&Sex::Female), "\"female\"");
    }

    #[test]
    fn citizen_id_serialises_as_digits_and_revalidates() {
        #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
        struct Row {
            id: CitizenId,
        }
        let row = Row {
            id: CitizenId::Cccd("079203001234".into()),
        };
        let text = toml::to_string(&row).unwrap_or_default();
        assert_eq!(text.trim(), "id = \"079203001234\"");
        let back: Result<Row, _> = toml::from_str(&text);
        assert_eq!(back.ok(), Some(row));
        let cmnd: Result<Row, _> = toml::from_str("id = \"023456789\"");
        assert_eq!(cmnd.ok().map(|r| r.id.is_legacy()), Some(true));
        let bad: Result<Row, _> = toml::from_str("id = \"12345\"");
        assert!(bad.is_err());
    }

    fn toml_value<T: serde::Serialize>(value: &T) -> String {
        #[derive(serde::Serialize)]
        struct W<'a, T> {
            v: &'a T,
        }
        toml::to_string(&W { v: value })
            .unwrap_or_default()
            .trim()
            .trim_start_matches("v = ")
            .to_owned()
    }
}
