//! Vietnamese names, citizen ids and the other details of a demo person.

use std::collections::HashSet;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use ketnap_domain::citizen_id::{CitizenId, Sex};
use ketnap_domain::ethnicity::{self, EthnicityId};
use ketnap_domain::text::PersonName;
use rand::Rng;

use super::Rng8;

/// Picks from `(value, weight)` pairs; an empty or weightless table gives the first value.
pub(super) fn weighted<T: Copy>(rng: &mut Rng8, table: &[(T, u32)]) -> T {
    let total: u32 = table.iter().map(|(_, w)| *w).sum();
    if total > 0 {
        let mut roll = rng.gen_range(0..total);
        for (value, weight) in table {
            if roll < *weight {
                return *value;
            }
            roll -= weight;
        }
    }
    table[0].0
}

/// Picks one element of a non-empty slice.
pub(super) fn one<T: Copy>(rng: &mut Rng8, items: &[T]) -> T {
    items[rng.gen_range(0..items.len())]
}

/// Family names with their approximate share of the population, in tenths of a percent.
/// Southern spellings (Huỳnh, Võ) outnumber Hoàng and Vũ in Ho Chi Minh City.
const FAMILY: [(&str, u32); 38] = [
    ("Nguyễn", 380),
    ("Trần", 110),
    ("Lê", 95),
    ("Phạm", 70),
    ("Huỳnh", 32),
    ("Hoàng", 18),
    ("Phan", 45),
    ("Võ", 25),
    ("Vũ", 14),
    ("Đặng", 21),
    ("Bùi", 20),
    ("Đỗ", 14),
    ("Hồ", 13),
    ("Ngô", 13),
    ("Dương", 10),
    ("Lý", 5),
    ("Trương", 9),
    ("Đinh", 6),
    ("Lâm", 5),
    ("Mai", 4),
    ("Đoàn", 4),
    ("Tô", 3),
    ("Lương", 3),
    ("Châu", 3),
    ("Cao", 3),
    ("Hà", 3),
    ("Tạ", 2),
    ("Quách", 2),
    ("Thái", 2),
    ("Lưu", 2),
    ("Kiều", 1),
    ("Tăng", 1),
    ("La", 1),
    ("Từ", 1),
    ("Triệu", 1),
    ("Diệp", 1),
    ("Văn", 1),
    ("Nguyễn Lê", 1),
];

/// Family names common among the Hoa of Chợ Lớn.
const FAMILY_HOA: [&str; 14] = [
    "Lâm", "Lý", "Trương", "Quách", "Tăng", "Mã", "Diệp", "Huỳnh", "Châu", "Lưu", "Tạ", "Thái",
    "Hứa", "Vương",
];

/// Family names common among the Khmer of the south.
const FAMILY_KHMER: [&str; 6] = ["Thạch", "Sơn", "Danh", "Kim", "Lâm", "Châu"];

const MIDDLE_MALE: [(&str, u32); 22] = [
    ("Văn", 24),
    ("Minh", 12),
    ("Quốc", 8),
    ("Hữu", 7),
    ("Đức", 7),
    ("Thanh", 6),
    ("Hoàng", 6),
    ("Công", 4),
    ("Gia", 4),
    ("Thành", 4),
    ("Quang", 4),
    ("Anh", 3),
    ("Tuấn", 3),
    ("Trung", 3),
    ("Bảo", 3),
    ("Đình", 3),
    ("Duy", 3),
    ("Xuân", 2),
    ("Ngọc", 2),
    ("Nhật", 2),
    ("Trọng", 2),
    ("Khánh", 2),
];

const MIDDLE_FEMALE: [(&str, u32); 22] = [
    ("Thị", 28),
    ("Ngọc", 10),
    ("Thanh", 6),
    ("Thu", 5),
    ("Kim", 5),
    ("Mỹ", 4),
    ("Hồng", 4),
    ("Bảo", 4),
    ("Phương", 4),
    ("Minh", 4),
    ("Thùy", 4),
    ("Khánh", 3),
    ("Như", 3),
    ("Quỳnh", 2),
    ("Hoài", 2),
    ("Diễm", 2),
    ("Tuyết", 2),
    ("Ánh", 2),
    ("Xuân", 2),
    ("Cẩm", 2),
    ("Gia", 2),
    ("Yến", 1),
];

const GIVEN_MALE: [&str; 60] = [
    "An", "Bình", "Cường", "Dũng", "Duy", "Đạt", "Hải", "Hào", "Hiếu", "Hoàng", "Huy", "Hùng",
    "Khang", "Khoa", "Khôi", "Kiệt", "Lâm", "Long", "Luân", "Minh", "Nam", "Nghĩa", "Nhân", "Phát",
    "Phong", "Phúc", "Quân", "Quang", "Sang", "Sơn", "Tài", "Tâm", "Thái", "Thắng", "Thành",
    "Thiện", "Thịnh", "Tín", "Toàn", "Trí", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ", "Bảo",
    "Đức", "Hậu", "Hưng", "Kha", "Lộc", "Nhật", "Phước", "Tú", "Khải", "Hiển", "Lợi", "Danh",
    "Khánh",
];

const GIVEN_FEMALE: [&str; 60] = [
    "Anh",
    "Ánh",
    "Bích",
    "Châu",
    "Chi",
    "Diệp",
    "Dung",
    "Duyên",
    "Giang",
    "Hà",
    "Hạnh",
    "Hằng",
    "Hiền",
    "Hoa",
    "Hồng",
    "Huyền",
    "Hương",
    "Lan",
    "Liên",
    "Linh",
    "Loan",
    "Ly",
    "Mai",
    "My",
    "Nga",
    "Ngân",
    "Ngọc",
    "Nhi",
    "Nhung",
    "Oanh",
    "Phương",
    "Quyên",
    "Quỳnh",
    "Tâm",
    "Thảo",
    "Thu",
    "Thư",
    "Thủy",
    "Tiên",
    "Trâm",
    "Trang",
    "Trinh",
    "Tuyết",
    "Uyên",
    "Vân",
    "Vy",
    "Xuân",
    "Yến",
    "Hân",
    "Nhàn",
    "Thanh",
    "Tú",
    "Diễm",
    "Hậu",
    "Kiều",
    "Lệ",
    "Mỹ",
    "Nguyệt",
    "Phượng",
    "Thúy",
];

/// A Vietnamese name for `sex`; `born` shifts the middle names (younger people less often
/// carry Văn / Thị).
pub(super) fn name(rng: &mut Rng8, sex: Sex, born: i32, family: &str) -> PersonName {
    let (middles, givens) = match sex {
        Sex::Male => (&MIDDLE_MALE[..], &GIVEN_MALE[..]),
        Sex::Female => (&MIDDLE_FEMALE[..], &GIVEN_FEMALE[..]),
    };
    let mut middle = weighted(rng, middles);
    if born >= 1995 && (middle == "Văn" || middle == "Thị") && rng.gen_bool(0.5) {
        middle = weighted(rng, middles);
    }
    let given = loop {
        let given = one(rng, givens);
        if given != middle {
            break given;
        }
    };
    let middle = if sex == Sex::Female && middle != "Thị" && rng.gen_bool(0.12) {
        format!("Thị {middle}")
    } else {
        middle.to_string()
    };
    PersonName::new(family, &middle, given)
}

/// A family name from the population shares (or the group's own, for Hoa and Khmer).
pub(super) fn family(rng: &mut Rng8, ethnic: Ethnic) -> &'static str {
    match ethnic {
        Ethnic::Hoa if rng.gen_bool(0.8) => one(rng, &FAMILY_HOA),
        Ethnic::Khmer if rng.gen_bool(0.8) => one(rng, &FAMILY_KHMER),
        _ => weighted(rng, &FAMILY),
    }
}

/// A full name for a party member who appears only by name (helper, introducer, mentor).
pub(super) fn member_name(rng: &mut Rng8) -> String {
    let sex = if rng.gen_bool(0.5) {
        Sex::Male
    } else {
        Sex::Female
    };
    let family = weighted(rng, &FAMILY);
    let born = rng.gen_range(1955..1995);
    name(rng, sex, born, family).full()
}

/// The groups the demo draws from, with their share in tenths of a percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ethnic {
    Kinh,
    Hoa,
    Khmer,
    Cham,
    Other(&'static str),
}

impl Ethnic {
    pub(super) fn draw(rng: &mut Rng8, hoa_share: u32) -> Ethnic {
        let table = [
            (Ethnic::Kinh, 960 - hoa_share),
            (Ethnic::Hoa, hoa_share),
            (Ethnic::Khmer, 15),
            (Ethnic::Cham, 7),
            (Ethnic::Other("Tày"), 6),
            (Ethnic::Other("Mường"), 5),
            (Ethnic::Other("Nùng"), 4),
            (Ethnic::Other("Thái"), 3),
        ];
        weighted(rng, &table)
    }

    fn name(self) -> &'static str {
        match self {
            Ethnic::Kinh => "Kinh",
            Ethnic::Hoa => "Hoa",
            Ethnic::Khmer => "Khmer",
            Ethnic::Cham => "Chăm",
            Ethnic::Other(name) => name,
        }
    }

    pub(super) fn id(self) -> anyhow::Result<EthnicityId> {
        ethnicity::by_name(self.name())
            .map(|e| e.id)
            .with_context(|| format!("dân tộc {} không có trong danh mục", self.name()))
    }

    pub(super) fn religion(self, rng: &mut Rng8) -> &'static str {
        let table: &[(&str, u32)] = match self {
            Ethnic::Khmer => &[("Phật giáo", 70), ("Không", 30)],
            Ethnic::Cham => &[("Hồi giáo", 60), ("Không", 40)],
            Ethnic::Hoa => &[("Phật giáo", 30), ("Không", 65), ("Công giáo", 5)],
            _ => &[
                ("Không", 820),
                ("Phật giáo", 110),
                ("Công giáo", 55),
                ("Cao Đài", 10),
                ("Tin Lành", 5),
            ],
        };
        weighted(rng, table)
    }
}

/// Birth-registration province codes of people who moved to the city, by rough share.
const MIGRANT_PROVINCES: [(&str, u32); 24] = [
    ("038", 6),
    ("040", 6),
    ("042", 3),
    ("036", 3),
    ("034", 3),
    ("001", 3),
    ("049", 4),
    ("051", 4),
    ("052", 4),
    ("054", 2),
    ("056", 2),
    ("066", 2),
    ("068", 3),
    ("072", 4),
    ("075", 6),
    ("080", 5),
    ("082", 5),
    ("083", 5),
    ("086", 4),
    ("087", 4),
    ("089", 5),
    ("091", 3),
    ("094", 4),
    ("096", 3),
];

/// Issues unique 12-digit CCCD numbers.
#[derive(Debug, Default)]
pub(super) struct CitizenIds {
    issued: HashSet<u64>,
}

impl CitizenIds {
    /// A CCCD for someone registered at birth in `province` (e.g. "079"), checked against
    /// sex and year the way the person form checks it.
    pub(super) fn issue(
        &mut self,
        rng: &mut Rng8,
        province: &str,
        sex: Sex,
        born: NaiveDate,
    ) -> anyhow::Result<CitizenId> {
        let year = born.year();
        let century = (year - 1900) / 100;
        let digit = century * 2 + i32::from(sex == Sex::Female);
        loop {
            let serial: u32 = rng.gen_range(0..1_000_000);
            let text = format!("{province}{digit}{:02}{serial:06}", year % 100);
            let key: u64 = text.parse().context("số CCCD sinh ra không phải số")?;
            if !self.issued.insert(key) {
                continue;
            }
            let id = CitizenId::parse(&text).map_err(|v| anyhow::anyhow!("{v}"))?;
            id.check_against(sex, year)
                .map_err(|v| anyhow::anyhow!("{v}"))?;
            return Ok(id);
        }
    }
}

/// The birth-registration province of a person living in an area whose own code is `home`.
pub(super) fn birth_province(rng: &mut Rng8, home: &'static str) -> &'static str {
    let roll = rng.gen_range(0..100);
    if roll < 62 {
        home
    } else if roll < 70 {
        // From elsewhere in today's city (the three pre-2025 provinces).
        one(rng, &["079", "074", "077"])
    } else {
        weighted(rng, &MIGRANT_PROVINCES)
    }
}

/// A mobile number: 10 digits, Viettel / Vinaphone / Mobifone prefixes.
pub(super) fn phone(rng: &mut Rng8) -> String {
    let prefix = one(
        rng,
        &[
            "090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036",
            "037", "038", "039", "070", "077", "078", "079", "081", "083", "085",
        ],
    );
    format!("{prefix}{:07}", rng.gen_range(0..10_000_000u32))
}

/// A plausible personal e-mail address without diacritics.
pub(super) fn email(rng: &mut Rng8, name: &PersonName, born: i32) -> String {
    let given = ketnap_domain::text::search_key(&name.given).replace(' ', "");
    let family = ketnap_domain::text::search_key(&name.family).replace(' ', "");
    match rng.gen_range(0..3) {
        0 => format!("{given}{family}{:02}@gmail.com", born % 100),
        1 => format!("{given}.{family}{}@gmail.com", rng.gen_range(1..999)),
        _ => format!("{family}{given}{born}@gmail.com"),
    }
}
