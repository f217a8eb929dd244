//! The country for `ketnap gen`: the 34 province-level committees since 1 July 2025 with
//! their number of commune-level units, and made-up but plausible names for the communes of
//! every province but Ho Chi Minh City (whose 168 are real).

use ketnap_domain::ids::UnitId;
use ketnap_domain::unit::UnitKind;
use rand::{Rng, SeedableRng};

use super::Rng8;
use super::units::{CommuneRow, Region};

/// Members of the party in the whole country (the figure for 2025).
pub(super) const NATIONAL_MEMBERS: i64 = 5_600_000;

/// Members of Hà Nội's committee, the largest; the other generated provinces share the rest
/// of the country's members by their number of communes.
const HANOI_MEMBERS: i64 = 480_000;

/// Code, name, commune-level units, and the share of them that are wards (in percent).
/// The counts follow the 2025 reorganisation; wards shares are rounded estimates.
pub(super) const PROVINCES: [(&str, &str, u32, u32); 34] = [
    ("79", "Thành phố Hồ Chí Minh", 168, 68),
    ("01", "Thành phố Hà Nội", 126, 40),
    ("04", "Tỉnh Cao Bằng", 56, 7),
    ("08", "Tỉnh Tuyên Quang", 124, 6),
    ("11", "Tỉnh Điện Biên", 45, 7),
    ("12", "Tỉnh Lai Châu", 38, 5),
    ("14", "Tỉnh Sơn La", 75, 11),
    ("15", "Tỉnh Lào Cai", 99, 10),
    ("19", "Tỉnh Thái Nguyên", 92, 16),
    ("20", "Tỉnh Lạng Sơn", 65, 6),
    ("22", "Tỉnh Quảng Ninh", 54, 56),
    ("24", "Tỉnh Bắc Ninh", 99, 34),
    ("25", "Tỉnh Phú Thọ", 148, 10),
    ("31", "Thành phố Hải Phòng", 114, 40),
    ("33", "Tỉnh Hưng Yên", 104, 10),
    ("37", "Tỉnh Ninh Bình", 129, 25),
    ("38", "Tỉnh Thanh Hóa", 166, 12),
    ("40", "Tỉnh Nghệ An", 130, 10),
    ("42", "Tỉnh Hà Tĩnh", 69, 13),
    ("44", "Tỉnh Quảng Trị", 78, 10),
    ("46", "Thành phố Huế", 40, 53),
    ("48", "Thành phố Đà Nẵng", 94, 25),
    ("51", "Tỉnh Quảng Ngãi", 96, 12),
    ("52", "Tỉnh Gia Lai", 135, 19),
    ("56", "Tỉnh Khánh Hòa", 65, 22),
    ("66", "Tỉnh Đắk Lắk", 102, 14),
    ("68", "Tỉnh Lâm Đồng", 124, 16),
    ("75", "Tỉnh Đồng Nai", 95, 24),
    ("80", "Tỉnh Tây Ninh", 96, 15),
    ("82", "Tỉnh Đồng Tháp", 102, 20),
    ("86", "Tỉnh Vĩnh Long", 124, 15),
    ("91", "Tỉnh An Giang", 102, 14),
    ("92", "Thành phố Cần Thơ", 103, 31),
    ("96", "Tỉnh Cà Mau", 64, 14),
];

/// Names commune-level units commonly carry; a province draws its communes' names from
/// them without repeating, then the same names with a direction.
const PLACE_NAMES: [&str; 120] = [
    "An Bình",
    "An Hòa",
    "An Khánh",
    "An Lạc",
    "An Lộc",
    "An Nhơn",
    "An Phú",
    "An Thạnh",
    "An Thới",
    "An Trường",
    "Bình An",
    "Bình Chánh",
    "Bình Định",
    "Bình Giang",
    "Bình Hòa",
    "Bình Khánh",
    "Bình Lộc",
    "Bình Minh",
    "Bình Phú",
    "Bình Sơn",
    "Bình Thạnh",
    "Bình Thuận",
    "Cát Tiên",
    "Cẩm Bình",
    "Cửa Nam",
    "Đại Đồng",
    "Đại Phong",
    "Đông Hòa",
    "Đông Hưng",
    "Đông Sơn",
    "Đồng Tâm",
    "Đồng Xuân",
    "Gia Bình",
    "Gia Lộc",
    "Hải An",
    "Hải Hòa",
    "Hiệp Hòa",
    "Hòa An",
    "Hòa Bình",
    "Hòa Hiệp",
    "Hòa Lợi",
    "Hòa Thành",
    "Hồng Phong",
    "Hưng Đạo",
    "Hưng Long",
    "Hương Sơn",
    "Kiến Thụy",
    "Kim Sơn",
    "Lạc Long",
    "Lam Sơn",
    "Liên Hòa",
    "Long Bình",
    "Long Hải",
    "Long Hưng",
    "Long Phú",
    "Long Thành",
    "Minh Đức",
    "Minh Hòa",
    "Minh Khai",
    "Minh Tân",
    "Mỹ An",
    "Mỹ Hòa",
    "Mỹ Lộc",
    "Mỹ Phước",
    "Nam Hòa",
    "Nam Sơn",
    "Nghĩa Hưng",
    "Ngọc Lâm",
    "Nhân Hòa",
    "Phong Phú",
    "Phú Bình",
    "Phú Hòa",
    "Phú Lộc",
    "Phú Mỹ",
    "Phú Thịnh",
    "Phúc Thành",
    "Phước Long",
    "Quang Trung",
    "Quảng Phú",
    "Quyết Thắng",
    "Sơn Hà",
    "Sơn Tây",
    "Tam Hiệp",
    "Tam Phước",
    "Tân An",
    "Tân Bình",
    "Tân Hiệp",
    "Tân Hòa",
    "Tân Lập",
    "Tân Phong",
    "Tân Phú",
    "Tân Thành",
    "Thạch Bàn",
    "Thái Bình",
    "Thái Hòa",
    "Thanh Bình",
    "Thanh Sơn",
    "Thạnh Phú",
    "Thiệu Hóa",
    "Thịnh Long",
    "Thống Nhất",
    "Thuận An",
    "Thuận Thành",
    "Tiên Phong",
    "Toàn Thắng",
    "Trung Hòa",
    "Trường Xuân",
    "Tứ Minh",
    "Vạn Ninh",
    "Văn Lang",
    "Việt Hưng",
    "Vĩnh An",
    "Vĩnh Bảo",
    "Vĩnh Hòa",
    "Vĩnh Lộc",
    "Vĩnh Phúc",
    "Xuân Hòa",
    "Xuân Lộc",
    "Xuân Phú",
    "Yên Thế",
];

const DIRECTIONS: [&str; 5] = ["Bắc", "Nam", "Đông", "Tây", "Trung"];

/// Members of the generated province `index` of [`PROVINCES`] (0 is Ho Chi Minh City, whose
/// figure is its own), so that the 34 add up to [`NATIONAL_MEMBERS`].
pub(super) fn members_of(index: usize, hcmc_members: i64) -> i64 {
    let Some(&(code, _, communes, _)) = PROVINCES.get(index) else {
        return 0;
    };
    match code {
        "79" => hcmc_members,
        "01" => HANOI_MEMBERS,
        _ => {
            let rest: u32 = PROVINCES
                .iter()
                .filter(|p| p.0 != "79" && p.0 != "01")
                .map(|p| p.2)
                .sum();
            let left = NATIONAL_MEMBERS - hcmc_members - HANOI_MEMBERS;
            // The last province takes the rounding, so the country adds up exactly.
            if index + 1 == PROVINCES.len() {
                let others: i64 = (2..index).map(|i| members_of(i, hcmc_members)).sum();
                left - others
            } else {
                left * i64::from(communes) / i64::from(rest.max(1))
            }
        }
    }
}

/// The generated province `index` (not Ho Chi Minh City): its communes named and typed by
/// a generator seeded with `salt`.
pub(super) fn region(
    index: usize,
    parent: UnitId,
    hcmc_members: i64,
    salt: u64,
) -> anyhow::Result<Region> {
    let &(code, name, communes, ward_percent) = PROVINCES
        .get(index)
        .ok_or_else(|| anyhow::anyhow!("không có tỉnh thứ {index}"))?;
    let mut rng = Rng8::seed_from_u64(salt ^ 0x636f_756e_7472_7900);
    let mut names: Vec<String> = Vec::with_capacity(communes as usize);
    let mut pool: Vec<&str> = PLACE_NAMES.to_vec();
    let mut round = 0;
    while names.len() < communes as usize {
        if pool.is_empty() {
            pool = PLACE_NAMES.to_vec();
            round += 1;
        }
        let place = pool.swap_remove(rng.gen_range(0..pool.len()));
        names.push(match round {
            0 => place.to_string(),
            _ => {
                let direction = DIRECTIONS.get((round - 1) % DIRECTIONS.len());
                format!("{place} {}", direction.unwrap_or(&""))
            }
        });
    }
    let birth_code = BIRTH_CODES.get(index).copied().unwrap_or("001");
    let rows = names
        .into_iter()
        .enumerate()
        .map(|(n, place)| {
            let ward = rng.gen_range(0..100) < ward_percent;
            let (kind, first_word) = if ward {
                (UnitKind::Ward, "Phường")
            } else {
                (UnitKind::Commune, "Xã")
            };
            CommuneRow {
                // Made-up codes: the province's code and a serial (no real code is used).
                code: format!("{code}{:03}", n + 1),
                name: format!("{first_word} {place}"),
                kind,
                first_word,
                birth_code,
            }
        })
        .collect();
    Ok(Region {
        code: code.to_string(),
        name,
        members: members_of(index, hcmc_members),
        communes: rows,
        superiors: false,
        parent: Some(parent),
        units_before: 0,
        mass_orgs_before: 0,
        salt,
    })
}

/// The CCCD birth-registration code of each province of [`PROVINCES`], in order.
const BIRTH_CODES: [&str; 34] = [
    "079", "001", "004", "008", "011", "012", "014", "015", "019", "020", "022", "024", "025",
    "031", "033", "037", "038", "040", "042", "044", "046", "048", "051", "052", "056", "066",
    "068", "075", "080", "082", "086", "091", "092", "096",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_country_adds_up() {
        let communes: u32 = PROVINCES.iter().map(|p| p.2).sum();
        // Commune-level units in the country since 1 July 2025.
        assert_eq!(communes, 3_321);
        let members: i64 = (0..PROVINCES.len()).map(|i| members_of(i, 365_911)).sum();
        assert_eq!(members, NATIONAL_MEMBERS);
        for (i, p) in PROVINCES.iter().enumerate() {
            assert_eq!(BIRTH_CODES[i], format!("0{}", p.0));
        }
    }

    #[test]
    fn commune_names_are_unique_within_a_province() {
        let r = region(16, UnitId(1), 365_911, 7).unwrap();
        assert_eq!(r.communes.len(), 166);
        let names: std::collections::HashSet<&str> =
            r.communes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 166);
        assert!(r.communes.iter().any(|c| c.kind == UnitKind::Ward));
        assert!(r.communes.iter().all(|c| c.birth_code == "038"));
    }
}
