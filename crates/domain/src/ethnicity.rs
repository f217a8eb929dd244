//! The 54 ethnic groups (dân tộc) of Vietnam, with their codes in the two official lists.
//!
//! Two code lists are in use, and they number the groups differently:
//!
//! * [`EthnicityCodeList::Statistics`]: the current statistics list, "Danh mục các dân tộc
//!   Việt Nam" of the General Statistics Office (Quyết định 1019/QĐ-TCTK of 12 Nov 2008),
//!   used in the 2009 and 2019 censuses: 01 Kinh, 02 Tày, 03 Thái, 04 Mường, 05 Khmer,
//!   06 Hoa, … (ordered by population at the 1999 census).
//! * [`EthnicityCodeList::List1979`]: "Danh mục các thành phần dân tộc Việt Nam", Quyết định
//!   121-TCTK/PPCĐ of 2 Mar 1979, still required by some national systems (for example the
//!   health-insurance data exchange): 01 Kinh, 02 Tày, 03 Thái, 04 Hoa, 05 Khơ-me, 06 Mường, …
//!
//! The internal [`EthnicityId`] is 1..=54 in the order of the statistics list (so it equals
//! the statistics code) and never changes, whatever happens to the code lists.

use crate::text::search_key;

/// Stable internal identifier of an ethnic group: 1..=54, in the order of the current
/// statistics list. This is what records store.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct EthnicityId(pub u8);

/// Which official code list a code belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EthnicityCodeList {
    /// Current GSO statistics list (QĐ 1019/QĐ-TCTK, 2008), used in the censuses.
    Statistics,
    /// The 1979 list (QĐ 121-TCTK/PPCĐ, 2 Mar 1979).
    List1979,
}

/// One of the 54 ethnic groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ethnicity {
    pub id: EthnicityId,
    /// Official Vietnamese name, as written in the statistics list.
    pub name: &'static str,
    /// Two-digit code in the current statistics list ("04" for Mường).
    pub statistics_code: &'static str,
    /// Two-digit code in the 1979 list ("04" for Hoa).
    pub code_1979: &'static str,
    /// Other names and spellings accepted by [`by_name`] (the 1979 spelling among them).
    /// Only names that designate this group alone are listed: names the official lists give
    /// to several groups (Thổ for Tày and Khmer, Mán, Xá, Mọi …) are deliberately left out.
    pub alternative_names: &'static [&'static str],
}

impl Ethnicity {
    /// The code of this group in the given list.
    pub fn code(&self, list: EthnicityCodeList) -> &'static str {
        match list {
            EthnicityCodeList::Statistics => self.statistics_code,
            EthnicityCodeList::List1979 => self.code_1979,
        }
    }
}

const fn e(
    id: u8,
    name: &'static str,
    statistics_code: &'static str,
    code_1979: &'static str,
    alternative_names: &'static [&'static str],
) -> Ethnicity {
    Ethnicity {
        id: EthnicityId(id),
        name,
        statistics_code,
        code_1979,
        alternative_names,
    }
}

/// The 54 groups, in the order of the current statistics list.
///
/// Sources and how far each column could be verified (the importer depends on these codes):
///
/// * Statistics codes 01–20: checked against the text of the GSO list itself
///   (gso.gov.vn, "Danh mục các dân tộc Việt Nam", QĐ 1019/QĐ-TCTK) and, for 01–13, against
///   its reproduction in Phụ lục E of QCVN 109.
///   Codes 21–38: from the 2009 census tables, which list the groups in code order, and
///   consistent with the 1999 census population ranking on which the 2008 list is based.
///   Codes 39–54 (La Hủ … Ơ Đu): **not verified against the decision itself**; taken from
///   the order of the official 54-group list as republished (Nhân Dân) and consistent with
///   the 1999 population ranking. Treat them as probable, and re-check against the text of
///   QĐ 1019/QĐ-TCTK before relying on them for an import.
/// * 1979 codes 01–11: checked against reproductions of QĐ 121-TCTK/PPCĐ (Cục Thống kê
///   Đà Nẵng and others). Codes 12–54: from IPUMS-International's ETHNICVN classification,
///   which follows the 1979 codes, from the column order of GSO's 2019 survey of the 53
///   minorities, and from several independent code tables; all agree, but the decision's
///   own table was not seen beyond code 11.
static ALL: [Ethnicity; 54] = [
    e(1, "Kinh", "01", "01", &["Việt", "Kinh (Việt)"]),
    e(2, "Tày", "02", "02", &[]),
    e(3, "Thái", "03", "03", &[]),
    e(4, "Mường", "04", "06", &["Mol", "Mual"]),
    e(
        5,
        "Khmer",
        "05",
        "05",
        &["Khơ-me", "Khơ Me", "Khơme", "Khmer Krôm", "Khơ-me Krôm"],
    ),
    e(6, "Hoa", "06", "04", &["Hán", "Hoa (Hán)", "Người Hoa"]),
    e(7, "Nùng", "07", "07", &[]),
    e(
        8,
        "Mông",
        "08",
        "08",
        &[
            "H'Mông",
            "Hmông",
            "HMông",
            "H’Mông",
            "Hmong",
            "Mèo",
            "Hmông (Mèo)",
        ],
    ),
    e(9, "Dao", "09", "09", &[]),
    e(
        10,
        "Gia Rai",
        "10",
        "10",
        &["Gia-rai", "Giarai", "Jrai", "J'rai", "Jarai", "Giơ-rai"],
    ),
    e(
        11,
        "Ê Đê",
        "11",
        "12",
        &["Ê-đê", "Êđê", "Ede", "Rhadé", "Ra-đê", "Rađê"],
    ),
    e(12, "Ba Na", "12", "13", &["Ba-na", "Bana", "Bahnar"]),
    e(
        13,
        "Sán Chay",
        "13",
        "15",
        &[
            "Cao Lan",
            "Sán Chỉ",
            "Cao Lan-Sán Chỉ",
            "Sán Chay (Cao Lan-Sán Chỉ)",
        ],
    ),
    e(14, "Chăm", "14", "17", &["Chàm", "Chăm (Chàm)", "Chăm Pa"]),
    e(
        15,
        "Cơ Ho",
        "15",
        "16",
        &["Cơ-ho", "Cờ Ho", "Kơ Ho", "K'Ho", "Koho"],
    ),
    e(16, "Xơ Đăng", "16", "14", &["Xơ-đăng", "Sê Đăng", "Sedang"]),
    e(17, "Sán Dìu", "17", "18", &["Sán Rìu"]),
    e(18, "Hrê", "18", "19", &["H'rê", "H’rê"]),
    e(
        19,
        "Ra Glai",
        "19",
        "21",
        &["Ra-glai", "Raglai", "Ra Glay", "Roglai"],
    ),
    e(20, "Mnông", "20", "20", &["M'Nông", "M’Nông", "Mơ Nông"]),
    e(21, "Thổ", "21", "24", &[]),
    e(
        22,
        "Xtiêng",
        "22",
        "22",
        &["X'Tiêng", "X’Tiêng", "Stiêng", "Xa Điêng"],
    ),
    e(
        23,
        "Khơ Mú",
        "23",
        "29",
        &["Khơ-mú", "Khơmú", "Khmu", "Kmhmu", "Xá Cẩu"],
    ),
    e(
        24,
        "Bru-Vân Kiều",
        "24",
        "23",
        &["Bru Vân Kiều", "Vân Kiều", "Bru"],
    ),
    e(25, "Cơ Tu", "25", "26", &["Cơ-tu", "Ca Tu", "Katu"]),
    e(26, "Giáy", "26", "25", &[]),
    e(27, "Tà Ôi", "27", "31", &["Ta-ôi", "Tà-ôi", "Ta Ôi"]),
    e(28, "Mạ", "28", "28", &[]),
    e(
        29,
        "Giẻ-Triêng",
        "29",
        "27",
        &["Gié-Triêng", "Giẻ Triêng", "Gié Triêng"],
    ),
    e(30, "Co", "30", "30", &["Cor", "Col"]),
    e(31, "Chơ Ro", "31", "32", &["Chơ-ro", "Châu Ro"]),
    e(32, "Xinh Mun", "32", "34", &["Xinh-mun", "Puộc"]),
    e(33, "Hà Nhì", "33", "35", &["Hani", "U Ní"]),
    e(34, "Chu Ru", "34", "36", &["Chu-ru", "Churu", "Chơ Ru"]),
    e(35, "Lào", "35", "37", &[]),
    e(36, "La Chí", "36", "38", &["La-chí"]),
    e(37, "Kháng", "37", "33", &[]),
    e(38, "Phù Lá", "38", "40", &[]),
    e(39, "La Hủ", "39", "41", &["Lahu", "Khù Xung"]),
    e(40, "La Ha", "40", "39", &["Khlá Phlạo"]),
    e(41, "Pà Thẻn", "41", "46", &["Pà Hưng"]),
    e(42, "Lự", "42", "42", &["Lừ"]),
    e(43, "Ngái", "43", "11", &["Sán Ngái"]),
    e(
        44,
        "Chứt",
        "44",
        "44",
        &["Sách", "Rục", "Mã Liềng", "A Rem"],
    ),
    e(45, "Lô Lô", "45", "43", &["Lolo"]),
    e(46, "Mảng", "46", "45", &["Mảng Ư"]),
    e(47, "Cơ Lao", "47", "47", &["Cờ Lao", "Cơ-lao", "Gelao"]),
    e(48, "Bố Y", "48", "49", &["Bố-y", "Bouyei", "Chủng Chá"]),
    e(49, "Cống", "49", "48", &[]),
    e(50, "Si La", "50", "50", &["Sila"]),
    e(51, "Pu Péo", "51", "51", &["Ka Bẻo"]),
    e(52, "Rơ Măm", "52", "54", &["Rơ-măm", "Romam"]),
    e(53, "Brâu", "53", "52", &["Brao"]),
    e(54, "Ơ Đu", "54", "53", &["Ơ-đu", "Tày Hạt"]),
];

/// All 54 groups, in the order of the current statistics list.
pub fn all() -> &'static [Ethnicity] {
    &ALL
}

/// The group with this internal id.
pub fn by_id(id: EthnicityId) -> Option<&'static Ethnicity> {
    ALL.iter().find(|g| g.id == id)
}

/// The group with this code in the given list. Leading zeros and surrounding spaces do not
/// matter: "4", "04" and " 04 " are the same code. Anything but 1–3 digits gives `None`.
pub fn by_code(list: EthnicityCodeList, code: &str) -> Option<&'static Ethnicity> {
    let wanted = parse_code(code)?;
    ALL.iter()
        .find(|g| parse_code(g.code(list)) == Some(wanted))
}

fn parse_code(code: &str) -> Option<u16> {
    let code = code.trim();
    if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    code.parse().ok()
}

/// The group with this name, official or alternative, compared with [`search_key`] and
/// ignoring spaces, hyphens and apostrophes: "kinh", "KINH", "Mường", "muong", "H'Mông",
/// "Hmông", "Khơ-me", "khome", "Ê Đê" and "ede" all work. A leading "dân tộc" or "người"
/// is ignored, and so is a parenthesised part if the whole name does not match
/// ("Kinh (Việt)", "Hoa (Hán)").
pub fn by_name(name: &str) -> Option<&'static Ethnicity> {
    let find = |key: &str| {
        if key.is_empty() {
            return None;
        }
        ALL.iter().find(|g| {
            name_key(g.name) == key || g.alternative_names.iter().any(|alt| name_key(alt) == key)
        })
    };
    find(&name_key(name)).or_else(|| {
        let before_paren = name.split('(').next().unwrap_or_default();
        if before_paren.len() == name.len() {
            None
        } else {
            find(&name_key(before_paren))
        }
    })
}

/// [`search_key`], without a leading "dân tộc" / "người", and with everything that is not a
/// letter or digit removed ("Khơ-me" → "khome", "H'Mông" → "hmong").
fn name_key(name: &str) -> String {
    let key = search_key(name);
    let mut rest = key.as_str();
    for prefix in ["dan toc ", "nguoi "] {
        if let Some(stripped) = rest.strip_prefix(prefix) {
            rest = stripped;
        }
    }
    rest.chars().filter(|c| c.is_alphanumeric()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    #[test]
    fn there_are_54_groups_with_ids_1_to_54_in_order() {
        assert_eq!(all().len(), 54);
        for (i, g) in all().iter().enumerate() {
            assert_eq!(usize::from(g.id.0), i + 1, "{}", g.name);
            assert_eq!(by_id(g.id), Some(g));
            // The id is the statistics code.
            assert_eq!(g.statistics_code, format!("{:02}", g.id.0), "{}", g.name);
        }
        assert_eq!(by_id(EthnicityId(0)), None);
        assert_eq!(by_id(EthnicityId(55)), None);
    }

    #[test]
    fn codes_are_unique_two_digit_and_cover_01_to_54_in_each_list() {
        for list in [EthnicityCodeList::Statistics, EthnicityCodeList::List1979] {
            let codes: HashSet<&str> = all().iter().map(|g| g.code(list)).collect();
            assert_eq!(codes.len(), 54, "{list:?}");
            let expected: HashSet<String> = (1..=54).map(|n| format!("{n:02}")).collect();
            let codes: HashSet<String> = codes.into_iter().map(str::to_owned).collect();
            assert_eq!(codes, expected, "{list:?}");
        }
    }

    #[test]
    fn lists_differ_where_they_should() {
        let name = |list, code| by_code(list, code).map(|g| g.name);
        use EthnicityCodeList::{List1979, Statistics};
        let cases = [
            ("01", "Kinh", "Kinh"),
            ("02", "Tày", "Tày"),
            ("03", "Thái", "Thái"),
            ("04", "Mường", "Hoa"),
            ("05", "Khmer", "Khmer"),
            ("06", "Hoa", "Mường"),
            ("07", "Nùng", "Nùng"),
            ("08", "Mông", "Mông"),
            ("09", "Dao", "Dao"),
            ("10", "Gia Rai", "Gia Rai"),
            ("11", "Ê Đê", "Ngái"),
            ("12", "Ba Na", "Ê Đê"),
            ("13", "Sán Chay", "Ba Na"),
            ("14", "Chăm", "Xơ Đăng"),
            ("20", "Mnông", "Mnông"),
            ("43", "Ngái", "Lô Lô"),
            ("52", "Rơ Măm", "Brâu"),
            ("53", "Brâu", "Ơ Đu"),
            ("54", "Ơ Đu", "Rơ Măm"),
        ];
        for (code, statistics, list_1979) in cases {
            assert_eq!(
                name(Statistics, code),
                Some(statistics),
                "statistics {code}"
            );
            assert_eq!(name(List1979, code), Some(list_1979), "1979 {code}");
        }
    }

    #[test]
    fn by_code_accepts_leading_zero_or_not() {
        use EthnicityCodeList::{List1979, Statistics};
        let cases: [(EthnicityCodeList, &str, Option<&str>); 12] = [
            (Statistics, "4", Some("Mường")),
            (Statistics, "04", Some("Mường")),
            (Statistics, " 04 ", Some("Mường")),
            (Statistics, "004", Some("Mường")),
            (List1979, "4", Some("Hoa")),
            (List1979, "04", Some("Hoa")),
            (Statistics, "54", Some("Ơ Đu")),
            (Statistics, "55", None),
            (Statistics, "0", None),
            (Statistics, "", None),
            (Statistics, "4a", None),
            (Statistics, "-4", None),
        ];
        for (list, code, expected) in cases {
            assert_eq!(
                by_code(list, code).map(|g| g.name),
                expected,
                "{list:?} {code:?}"
            );
        }
    }

    #[test]
    fn names_and_alternatives_resolve() {
        let cases = [
            ("Kinh", "Kinh"),
            ("kinh", "Kinh"),
            ("KINH", "Kinh"),
            ("Việt", "Kinh"),
            ("Kinh (Việt)", "Kinh"),
            ("dân tộc Kinh", "Kinh"),
            ("Mường", "Mường"),
            ("muong", "Mường"),
            ("Khmer", "Khmer"),
            ("Khơ-me", "Khmer"),
            ("Khơ Me", "Khmer"),
            ("khome", "Khmer"),
            ("Mông", "Mông"),
            ("H'Mông", "Mông"),
            ("H’Mông", "Mông"),
            ("Hmông", "Mông"),
            ("hmong", "Mông"),
            ("Mèo", "Mông"),
            ("Hoa", "Hoa"),
            ("Người Hoa", "Hoa"),
            ("Hoa (Hán)", "Hoa"),
            ("Ê Đê", "Ê Đê"),
            ("Ê-đê", "Ê Đê"),
            ("ede", "Ê Đê"),
            ("Gia Rai", "Gia Rai"),
            ("Jrai", "Gia Rai"),
            ("Gia-rai", "Gia Rai"),
            ("Ba Na", "Ba Na"),
            ("Bahnar", "Ba Na"),
            ("Xơ Đăng", "Xơ Đăng"),
            ("Xơ-đăng", "Xơ Đăng"),
            ("Sán Dìu", "Sán Dìu"),
            ("Chăm", "Chăm"),
            ("Chàm", "Chăm"),
            ("cham", "Chăm"),
            ("M'Nông", "Mnông"),
            ("Bru - Vân Kiều", "Bru-Vân Kiều"),
            ("Vân Kiều", "Bru-Vân Kiều"),
            ("Cờ Lao", "Cơ Lao"),
            ("Rơ-măm", "Rơ Măm"),
            ("Ơ-đu", "Ơ Đu"),
            ("  Tày  ", "Tày"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                by_name(input).map(|g| g.name),
                Some(expected),
                "input {input:?}"
            );
            let decomposed: String =
                unicode_normalization::UnicodeNormalization::nfd(input).collect();
            assert_eq!(
                by_name(&decomposed).map(|g| g.name),
                Some(expected),
                "decomposed {input:?}"
            );
        }
        for unknown in ["", "  ", "Kinhh", "Người", "dân tộc", "Mán", "Thổ Đà Bắc"] {
            assert_eq!(by_name(unknown).map(|g| g.name), None, "input {unknown:?}");
        }
    }

    #[test]
    fn every_name_key_designates_one_group() {
        let mut owner: HashMap<String, &str> = HashMap::new();
        for g in all() {
            for n in std::iter::once(&g.name).chain(g.alternative_names.iter()) {
                let key = name_key(n);
                assert!(!key.is_empty(), "{n}");
                if let Some(other) = owner.insert(key.clone(), g.name) {
                    assert_eq!(
                        other, g.name,
                        "key {key:?} ({n}) names both {other} and {}",
                        g.name
                    );
                }
                assert_eq!(by_name(n).map(|x| x.id), Some(g.id), "{n}");
            }
        }
    }

    #[test]
    fn ethnicity_id_serialises_as_number() {
        #[derive(serde::Serialize, serde::Deserialize)]
        struct Row {
            ethnicity: EthnicityId,
        }
        let text = toml::to_string(&Row {
            ethnicity: EthnicityId(4),
        })
        .unwrap_or_default();
        assert_eq!(text.trim(), "ethnicity = 4");
    }
}
