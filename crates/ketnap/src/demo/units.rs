//! The tree of party organisations of the demo city, their mass organisations and the
//! number of members of each cell.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use ketnap_domain::ids::{MassOrgId, UnitId};
use ketnap_domain::unit::{SectorCode, Unit, UnitKind};
use rand::{Rng, SeedableRng};

use super::names::one;
use super::{CITY_CODE, Rng8, plus, ymd};

/// HCMC's 168 commune-level units since 1 July 2025 (code, name, type).
const COMMUNES_CSV: &str = include_str!("../../data/hcmc-communal-units-2025.csv");

/// Members in active party life in the city (Oct 2025), which the headcounts add up to.
pub(super) const CITY_MEMBERS: i64 = 365_911;

/// A province-level committee to build: its communes and members, and where its ids start
/// (so several provinces can be built one after another into one database).
#[derive(Debug)]
pub(super) struct Region {
    /// The province committee's code ("79").
    pub code: String,
    /// "Thành phố Hồ Chí Minh", "Tỉnh Thanh Hóa".
    pub name: &'static str,
    /// Members the headcounts add up to, probationary ones included.
    pub members: i64,
    pub communes: Vec<CommuneRow>,
    /// Whether it has HCMC's three superior committees (universities, health, press).
    pub superiors: bool,
    /// The unit above the province committee (the whole party), if any.
    pub parent: Option<UnitId>,
    /// Ids already in use: the region's units and mass organisations come after them.
    pub units_before: i64,
    pub mass_orgs_before: i64,
    /// Mixed into every generator's seed; 0 gives the demo city.
    pub salt: u64,
}

/// A ward, commune or special zone of a region.
#[derive(Debug)]
pub(super) struct CommuneRow {
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    pub first_word: &'static str,
    /// Birth-registration code of the old province the commune belonged to.
    pub birth_code: &'static str,
}

impl Region {
    /// Ho Chi Minh City with its 168 real commune-level units.
    pub(super) fn hcmc(parent: Option<UnitId>) -> anyhow::Result<Region> {
        let mut communes = Vec::new();
        let mut reader = csv::Reader::from_reader(COMMUNES_CSV.as_bytes());
        for record in reader.records() {
            let record = record.context("tệp danh sách phường, xã không đọc được")?;
            let (Some(code), Some(name), Some(kind)) =
                (record.get(0), record.get(1), record.get(2))
            else {
                bail!("dòng thiếu cột trong danh sách phường, xã: {record:?}");
            };
            let (kind, first_word) = match kind.trim() {
                "phường" => (UnitKind::Ward, "Phường"),
                "xã" => (UnitKind::Commune, "Xã"),
                "đặc khu" => (UnitKind::SpecialZone, "Đặc khu"),
                other => bail!("loại đơn vị hành chính không rõ: {other}"),
            };
            let code = code.trim().to_string();
            let number: u32 = code
                .parse()
                .with_context(|| format!("mã đơn vị không phải số: {code}"))?;
            let birth_code = if number < 26_500 {
                "074"
            } else if number < 26_734 {
                "077"
            } else {
                "079"
            };
            communes.push(CommuneRow {
                code,
                name: ketnap_domain::text::clean(name),
                kind,
                first_word,
                birth_code,
            });
        }
        if communes.len() != 168 {
            bail!(
                "danh sách phường, xã có {} đơn vị thay vì 168",
                communes.len()
            );
        }
        Ok(Region {
            code: CITY_CODE.to_string(),
            name: "Thành phố Hồ Chí Minh",
            members: CITY_MEMBERS,
            communes,
            superiors: true,
            parent,
            units_before: 0,
            mass_orgs_before: 0,
            salt: 0,
        })
    }
}

/// What kind of organisation a case-holding cell is: it decides the sector, who its
/// candidates are and how many it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Org {
    Residential,
    Preschool,
    Primary,
    Secondary,
    HighSchool,
    HealthStation,
    PartyBodies,
    Government,
    StateEnterprise,
    Enterprise,
    ArmedForces,
    PublicService,
    Lecturers,
    Students,
    UniversityOffice,
    College,
    Hospital,
    Press,
}

impl Org {
    pub(super) fn sector(self) -> &'static str {
        match self {
            Org::Residential => "residential",
            Org::Preschool
            | Org::Primary
            | Org::Secondary
            | Org::HighSchool
            | Org::Lecturers
            | Org::Students
            | Org::UniversityOffice
            | Org::College => "education",
            Org::HealthStation | Org::Hospital => "health",
            Org::PartyBodies | Org::Government | Org::PublicService => "public_administration",
            Org::StateEnterprise => "state_enterprise",
            Org::Enterprise => "non_state_enterprise",
            Org::ArmedForces => "armed_forces",
            Org::Press => "press",
        }
    }

    /// Sources identified a year per member, before the city-wide scaling: few in
    /// residential cells of retired members, many where the directive looks for them.
    fn source_rate(self) -> f64 {
        match self {
            Org::Residential => 0.016,
            Org::Preschool | Org::Primary => 0.05,
            Org::Secondary | Org::HighSchool => 0.06,
            Org::HealthStation | Org::Hospital => 0.05,
            Org::PartyBodies | Org::Government | Org::PublicService | Org::UniversityOffice => 0.03,
            Org::StateEnterprise => 0.06,
            Org::Enterprise => 0.09,
            Org::ArmedForces => 0.10,
            Org::Lecturers | Org::College => 0.05,
            Org::Students => 1.0,
            Org::Press => 0.04,
        }
    }
}

/// A commune-level committee or a superior committee: where admissions are decided and the
/// awareness classes are held.
#[derive(Debug)]
pub(super) struct Area {
    pub unit: UnitId,
    pub code: Option<String>,
    /// "Phường Thủ Dầu Một"; the committee's name for a superior committee.
    pub short: String,
    pub commune_level: bool,
    /// Birth-registration code of the old province the area belonged to.
    pub province: &'static str,
    /// Share of Hoa residents, in tenths of a percent.
    pub hoa_share: u32,
    pub cells: Vec<usize>,
    pub youth: Option<MassOrgId>,
    pub trade: Option<MassOrgId>,
    pub women: Option<MassOrgId>,
    pub veterans: Option<MassOrgId>,
    pub farmers: Option<MassOrgId>,
    pub organiser: String,
    /// Cases to leave overdue here.
    pub stalls: usize,
    /// "Phường", "Xã", "Đặc khu" (or "" for a superior committee).
    pub first_word: &'static str,
    /// The province or city the area is in ("Thành phố Hồ Chí Minh").
    pub region: &'static str,
}

/// A case-holding unit (chi bộ cơ sở or chi bộ trực thuộc).
#[derive(Debug)]
pub(super) struct Cell {
    pub unit: UnitId,
    pub kind: UnitKind,
    pub org: Org,
    pub area: usize,
    /// The base committee a `Cell` sits under.
    pub base: Option<UnitId>,
    /// The organisation people work in ("Trường THCS Lê Lợi").
    pub workplace: String,
    /// "Khu phố 3, Phường Tân Định" for a residential cell.
    pub neighbourhood: String,
    /// Field of study or work (faculties of a university).
    pub field: &'static str,
    pub youth: Option<MassOrgId>,
    pub trade: Option<MassOrgId>,
    raw_size: f64,
    /// The day the cell was founded: it holds no case identified earlier.
    pub founded: NaiveDate,
    /// Official members on the latest 1 January.
    pub official: i64,
    /// Sources identified a year.
    pub yearly_sources: f64,
}

#[derive(Debug, Default)]
pub(super) struct Tree {
    pub units: Vec<Unit>,
    pub areas: Vec<Area>,
    pub cells: Vec<Cell>,
    pub mass_orgs: Vec<(MassOrgId, &'static str, UnitId, String)>,
}

/// The youth and trade unions of a base organisation.
#[derive(Debug, Clone, Copy, Default)]
struct Unions {
    youth: Option<MassOrgId>,
    trade: Option<MassOrgId>,
}

const SCHOOL_NAMES: [&str; 56] = [
    "Lê Văn Tám",
    "Nguyễn Bỉnh Khiêm",
    "Trần Quốc Toản",
    "Võ Thị Sáu",
    "Kim Đồng",
    "Lê Quý Đôn",
    "Nguyễn Du",
    "Chu Văn An",
    "Nguyễn Trãi",
    "Lý Thường Kiệt",
    "Hùng Vương",
    "Phan Bội Châu",
    "Trần Hưng Đạo",
    "Nguyễn Văn Trỗi",
    "Lương Thế Vinh",
    "Quang Trung",
    "Nguyễn Thị Minh Khai",
    "Điện Biên",
    "Bạch Đằng",
    "Trưng Vương",
    "Mạc Đĩnh Chi",
    "Nguyễn Khuyến",
    "Đinh Tiên Hoàng",
    "Lê Lợi",
    "Phan Chu Trinh",
    "Nguyễn Huệ",
    "Lê Hồng Phong",
    "Tô Hiến Thành",
    "Lý Tự Trọng",
    "Hai Bà Trưng",
    "Nguyễn Đình Chiểu",
    "Trương Định",
    "Võ Trường Toản",
    "Nguyễn Văn Cừ",
    "Trần Phú",
    "Hà Huy Tập",
    "Ngô Quyền",
    "Lê Thánh Tông",
    "Nguyễn Hiền",
    "Phạm Ngũ Lão",
    "Đoàn Thị Điểm",
    "Bùi Thị Xuân",
    "Huỳnh Thúc Kháng",
    "Nguyễn An Ninh",
    "Trần Văn Ơn",
    "Lê Anh Xuân",
    "Nguyễn Thái Học",
    "Phan Đình Phùng",
    "Võ Văn Tần",
    "Hoàng Hoa Thám",
    "Tôn Đức Thắng",
    "Nguyễn Trung Trực",
    "Trần Đại Nghĩa",
    "Lạc Long Quân",
    "Âu Cơ",
    "Nguyễn Văn Linh",
];

const PRESCHOOL_NAMES: [&str; 24] = [
    "Hoa Sen",
    "Sơn Ca",
    "Họa Mi",
    "Vành Khuyên",
    "Bình Minh",
    "Tuổi Thơ",
    "Hướng Dương",
    "Măng Non",
    "Rạng Đông",
    "Sao Mai",
    "Hoa Mai",
    "Hoa Hồng",
    "Sen Hồng",
    "Tuổi Ngọc",
    "Thiên Thần Nhỏ",
    "Búp Sen Xanh",
    "Hoa Lan",
    "Thỏ Ngọc",
    "Ánh Dương",
    "Hoàng Yến",
    "Bông Sen",
    "Tuổi Hoa",
    "Sao Sáng",
    "Hoa Phượng",
];

const COMPANY_TRADES: [&str; 16] = [
    "May mặc",
    "Cơ khí",
    "Thương mại Dịch vụ",
    "Sản xuất Bao bì",
    "Thực phẩm",
    "Điện tử",
    "Xây dựng",
    "Vận tải",
    "Nhựa",
    "Chế biến Gỗ",
    "Dệt",
    "Giày da",
    "Dược phẩm",
    "Công nghệ Thông tin",
    "Cơ điện lạnh",
    "Logistics",
];

const COMPANY_BRANDS: [&str; 36] = [
    "Phú Thịnh",
    "Hòa Bình",
    "Tân Tiến",
    "Minh Phát",
    "Đại Việt",
    "Sao Việt",
    "Thành Công",
    "Hưng Thịnh",
    "An Phát",
    "Phương Nam",
    "Nam Long",
    "Gia Phát",
    "Hoàng Long",
    "Kim Ngân",
    "Thiên Phú",
    "Tân Hiệp",
    "Bình An",
    "Vạn Xuân",
    "Trường Sơn",
    "Hồng Hà",
    "Sông Hậu",
    "Việt Úc",
    "Việt Hàn",
    "Việt Nhật",
    "Á Châu",
    "Toàn Cầu",
    "Bến Thành",
    "Gia Định",
    "Thuận Phát",
    "Đông Á",
    "Nhật Minh",
    "Bảo Long",
    "Tân Phú",
    "Hải Đăng",
    "Phúc Lộc",
    "Thịnh Vượng",
];

const FACTORY_CELLS: [&str; 8] = [
    "Chi bộ Văn phòng",
    "Chi bộ Phân xưởng Sản xuất số 1",
    "Chi bộ Phân xưởng Sản xuất số 2",
    "Chi bộ Phân xưởng Sản xuất số 3",
    "Chi bộ Phòng Kinh doanh",
    "Chi bộ Phòng Kỹ thuật",
    "Chi bộ Kho vận",
    "Chi bộ Phòng Tài chính – Kế toán",
];

/// Wards of old Chợ Lớn, where many Hoa live.
const HOA_WARDS: [&str; 11] = [
    "Phường Chợ Lớn",
    "Phường An Đông",
    "Phường Chợ Quán",
    "Phường Bình Tây",
    "Phường Bình Tiên",
    "Phường Bình Phú",
    "Phường Phú Lâm",
    "Phường Minh Phụng",
    "Phường Bình Thới",
    "Phường Hòa Bình",
    "Phường Phú Thọ",
];

/// Universities of the superior committee: name, faculties (the first ones also have a
/// student cell), relative size.
const UNIVERSITIES: [(&str, &[&str], f64); 9] = [
    (
        "Trường Đại học Sư phạm Thành phố Hồ Chí Minh",
        &[
            "Toán – Tin học",
            "Ngữ văn",
            "Lịch sử",
            "Vật lý",
            "Tiếng Anh",
            "Giáo dục Tiểu học",
        ],
        1.2,
    ),
    (
        "Trường Đại học Kinh tế Thành phố Hồ Chí Minh",
        &[
            "Kinh tế",
            "Quản trị",
            "Kế toán",
            "Tài chính",
            "Công nghệ thông tin kinh doanh",
        ],
        1.3,
    ),
    (
        "Trường Đại học Luật Thành phố Hồ Chí Minh",
        &[
            "Luật Dân sự",
            "Luật Hình sự",
            "Luật Thương mại",
            "Luật Quốc tế",
            "Luật Hành chính – Nhà nước",
        ],
        0.9,
    ),
    (
        "Trường Đại học Công nghiệp Thành phố Hồ Chí Minh",
        &[
            "Công nghệ thông tin",
            "Cơ khí",
            "Điện",
            "Công nghệ Hóa học",
            "Thời trang",
        ],
        1.2,
    ),
    (
        "Trường Đại học Sài Gòn",
        &[
            "Sư phạm Khoa học tự nhiên",
            "Công nghệ thông tin",
            "Tài chính – Kế toán",
            "Ngoại ngữ",
            "Giáo dục Mầm non",
        ],
        1.0,
    ),
    (
        "Trường Đại học Nông Lâm Thành phố Hồ Chí Minh",
        &[
            "Nông học",
            "Chăn nuôi – Thú y",
            "Lâm nghiệp",
            "Thủy sản",
            "Cơ khí – Công nghệ",
        ],
        1.0,
    ),
    (
        "Trường Đại học Giao thông vận tải Thành phố Hồ Chí Minh",
        &[
            "Kỹ thuật Xây dựng",
            "Hàng hải",
            "Điện – Điện tử viễn thông",
            "Kinh tế vận tải",
        ],
        0.8,
    ),
    (
        "Trường Đại học Thủ Dầu Một",
        &[
            "Sư phạm",
            "Kinh tế",
            "Kỹ thuật – Công nghệ",
            "Khoa học xã hội",
        ],
        0.8,
    ),
    (
        "Trường Đại học Bà Rịa – Vũng Tàu",
        &["Kinh tế – Luật", "Kỹ thuật – Công nghệ", "Du lịch"],
        0.5,
    ),
];

const COLLEGES: [&str; 3] = [
    "Trường Cao đẳng Kỹ thuật Cao Thắng",
    "Trường Cao đẳng Kinh tế Thành phố Hồ Chí Minh",
    "Trường Cao đẳng Y tế Bình Dương",
];

const HOSPITALS: [(&str, f64); 8] = [
    ("Bệnh viện Nhân dân Gia Định", 1.2),
    ("Bệnh viện Nhân dân 115", 1.2),
    ("Bệnh viện Nhi đồng 1", 1.0),
    ("Bệnh viện Hùng Vương", 0.9),
    ("Bệnh viện Từ Dũ", 1.1),
    ("Bệnh viện Nguyễn Tri Phương", 0.9),
    ("Bệnh viện Đa khoa Bình Dương", 1.0),
    ("Bệnh viện Bà Rịa", 0.7),
];

const HOSPITAL_CELLS: [&str; 7] = [
    "Chi bộ Khoa Nội",
    "Chi bộ Khoa Ngoại",
    "Chi bộ Khoa Hồi sức tích cực – Chống độc",
    "Chi bộ Khoa Cấp cứu",
    "Chi bộ Khoa Xét nghiệm",
    "Chi bộ Phòng Điều dưỡng",
    "Chi bộ Phòng Hành chính – Quản trị",
];

const NEWSPAPERS: [(&str, &[&str]); 3] = [
    (
        "Báo Sài Gòn Giải Phóng",
        &[
            "Ban Thời sự",
            "Ban Kinh tế",
            "Ban Văn hóa – Văn nghệ",
            "Ban Điện tử",
            "Ban Trị sự",
        ],
    ),
    (
        "Báo Người Lao Động",
        &["Ban Thời sự", "Ban Công đoàn", "Ban Điện tử", "Ban Trị sự"],
    ),
    (
        "Đài Truyền hình Thành phố Hồ Chí Minh",
        &[
            "Ban Thời sự",
            "Ban Văn nghệ",
            "Trung tâm Kỹ thuật",
            "Ban Biên tập Phát thanh",
            "Văn phòng",
        ],
    ),
];

const MAGAZINES: [&str; 2] = [
    "Báo Phụ nữ Thành phố Hồ Chí Minh",
    "Báo Pháp luật Thành phố Hồ Chí Minh",
];

/// A day between two years (inclusive), for the founding date of a base organisation.
fn founded(rng: &mut Rng8, from_year: i32, to_year: i32) -> anyhow::Result<NaiveDate> {
    let start = ymd(from_year, 1, 1)?;
    let end = ymd(to_year, 12, 31)?;
    Ok(plus(start, rng.gen_range(0..=(end - start).num_days())))
}

struct Builder {
    tree: Tree,
    next_mass_org: i64,
    units_before: i64,
}

impl Builder {
    /// The id the next unit will get.
    fn next_id(&self) -> UnitId {
        UnitId(self.units_before + self.tree.units.len() as i64 + 1)
    }

    fn kind_of(&self, unit: UnitId) -> Option<UnitKind> {
        let index = usize::try_from(unit.0 - self.units_before - 1).ok()?;
        self.tree.units.get(index).map(|u| u.kind)
    }

    fn unit(
        &mut self,
        code: Option<String>,
        name: String,
        kind: UnitKind,
        parent: Option<UnitId>,
        sector: &str,
        valid_from: NaiveDate,
    ) -> anyhow::Result<UnitId> {
        let id = self.next_id();
        // A parent built before this region (the whole party) is the caller's to check.
        if let Some(parent) = parent.filter(|p| p.0 > self.units_before) {
            let parent_kind = self
                .kind_of(parent)
                .context("tổ chức cấp trên chưa được tạo")?;
            if !parent_kind.may_contain(kind) {
                bail!(
                    "{} không thể trực thuộc {}",
                    kind.label_vi(),
                    parent_kind.label_vi()
                );
            }
        }
        self.tree.units.push(Unit {
            id,
            code,
            name,
            kind,
            parent,
            sector: SectorCode(sector.to_string()),
            valid_from,
            valid_until: None,
            successor: None,
        });
        Ok(id)
    }

    fn mass_org(&mut self, kind: &'static str, unit: UnitId, name: String) -> MassOrgId {
        self.next_mass_org += 1;
        let id = MassOrgId(self.next_mass_org);
        self.tree.mass_orgs.push((id, kind, unit, name));
        id
    }

    /// Youth Union and Trade Union of the organisation `what` ("Trường THCS Lê Lợi").
    fn unions(&mut self, unit: UnitId, what: &str, youth_branch: &str, trade: bool) -> Unions {
        let youth = Some(self.mass_org("youth_union", unit, format!("{youth_branch} {what}")));
        let trade = trade.then(|| self.mass_org("trade_union", unit, format!("Công đoàn {what}")));
        Unions { youth, trade }
    }

    #[allow(clippy::too_many_arguments)]
    fn cell(
        &mut self,
        area: usize,
        parent: UnitId,
        base: Option<UnitId>,
        name: String,
        org: Org,
        raw_size: f64,
        workplace: String,
        neighbourhood: String,
        field: &'static str,
        unions: Unions,
        valid_from: NaiveDate,
    ) -> anyhow::Result<()> {
        let kind = if base.is_some() {
            UnitKind::Cell
        } else {
            UnitKind::BaseCell
        };
        let unit = self.unit(None, name, kind, Some(parent), org.sector(), valid_from)?;
        let index = self.tree.cells.len();
        self.tree.cells.push(Cell {
            unit,
            kind,
            org,
            area,
            base,
            workplace,
            neighbourhood,
            field,
            youth: unions.youth,
            trade: unions.trade,
            raw_size,
            founded: valid_from,
            official: 0,
            yearly_sources: 0.0,
        });
        if let Some(area) = self.tree.areas.get_mut(area) {
            area.cells.push(index);
        }
        Ok(())
    }
}

/// Draws names from `pool` without repeating within one area.
struct Pool<'a> {
    left: Vec<&'a str>,
}

impl<'a> Pool<'a> {
    fn new(items: &[&'a str]) -> Self {
        Pool {
            left: items.to_vec(),
        }
    }

    fn take(&mut self, rng: &mut Rng8) -> &'a str {
        if self.left.is_empty() {
            return "Hòa Bình";
        }
        let i = rng.gen_range(0..self.left.len());
        self.left.swap_remove(i)
    }
}

/// Builds the region, its areas and every base organisation, with members scaled so that
/// official members plus `expected_probationary` make up the region's total.
pub(super) fn build(region: &Region, expected_probationary: i64) -> anyhow::Result<Tree> {
    let mut b = Builder {
        tree: Tree::default(),
        next_mass_org: region.mass_orgs_before,
        units_before: region.units_before,
    };
    // HCMC's committee has existed under this name since the city was renamed on
    // 2 July 1976; the 2025 merger with Bình Dương and Bà Rịa – Vũng Tàu kept its name and
    // code, so one row with the old date keeps every earlier case inside the tree (the
    // generated provinces take the same date).
    let province = b.unit(
        Some(region.code.clone()),
        format!("Đảng bộ {}", region.name),
        UnitKind::Province,
        region.parent,
        "public_administration",
        ymd(1976, 7, 2)?,
    )?;
    // The commune-level committees and the superior committees were formed on 1 July 2025;
    // the base organisations under them are older and were moved under them that day (a unit
    // has one parent, so the demo keeps the base organisations' own founding dates).
    let reform = ymd(2025, 7, 1)?;
    for row in &region.communes {
        let unit = b.unit(
            Some(row.code.clone()),
            format!("Đảng bộ {}", row.name),
            row.kind,
            Some(province),
            "residential",
            reform,
        )?;
        let hoa_share = if HOA_WARDS.contains(&row.name.as_str()) {
            150
        } else {
            20
        };
        b.tree.areas.push(Area {
            unit,
            code: Some(row.code.clone()),
            short: row.name.clone(),
            commune_level: true,
            province: row.birth_code,
            hoa_share,
            cells: Vec::new(),
            youth: None,
            trade: None,
            women: None,
            veterans: None,
            farmers: None,
            organiser: format!("Trung tâm Chính trị {}", row.name),
            stalls: 0,
            first_word: row.first_word,
            region: region.name,
        });
    }
    let superiors: &[(&str, &str)] = if region.superiors {
        &[
            (
                "Đảng bộ các trường đại học, cao đẳng",
                "Đảng ủy các trường đại học, cao đẳng",
            ),
            ("Đảng bộ Y tế", "Đảng ủy Y tế"),
            ("Đảng bộ Báo chí", "Đảng ủy Báo chí"),
        ]
    } else {
        &[]
    };
    for &(name, organiser) in superiors {
        let unit = b.unit(
            None,
            name.to_string(),
            UnitKind::SuperiorCommittee,
            Some(province),
            match name {
                "Đảng bộ Y tế" => "health",
                "Đảng bộ Báo chí" => "press",
                _ => "education",
            },
            reform,
        )?;
        b.tree.areas.push(Area {
            unit,
            code: None,
            short: name.to_string(),
            commune_level: false,
            province: "079",
            hoa_share: 20,
            cells: Vec::new(),
            youth: None,
            trade: None,
            women: None,
            veterans: None,
            farmers: None,
            organiser: organiser.to_string(),
            stalls: 0,
            first_word: "",
            region: region.name,
        });
    }
    for area in 0..b.tree.areas.len() {
        let seed =
            0x6b65_746e_6170_0000 ^ (area as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ region.salt;
        let mut rng = Rng8::seed_from_u64(seed);
        if b.tree.areas[area].commune_level {
            commune(&mut b, &mut rng, area)?;
        } else {
            superior(&mut b, &mut rng, area)?;
        }
    }
    scale(&mut b.tree, region.members - expected_probationary);
    Ok(b.tree)
}

/// The mass organisations and base organisations of one ward, commune or special zone.
fn commune(b: &mut Builder, rng: &mut Rng8, area: usize) -> anyhow::Result<()> {
    let (unit, short, first_word, code) = {
        let a = &b.tree.areas[area];
        (a.unit, a.short.clone(), a.first_word, a.code.clone())
    };
    let kind = b.kind_of(unit).context("đơn vị hành chính chưa được tạo")?;
    let reform = ymd(2025, 7, 1)?;
    let youth = b.mass_org(
        "youth_union",
        unit,
        format!("Đoàn Thanh niên Cộng sản Hồ Chí Minh {short}"),
    );
    let trade = b.mass_org("trade_union", unit, format!("Công đoàn {short}"));
    let women = b.mass_org(
        "womens_union",
        unit,
        format!("Hội Liên hiệp Phụ nữ {short}"),
    );
    let veterans = b.mass_org("veterans", unit, format!("Hội Cựu chiến binh {short}"));
    let farmers = (kind != UnitKind::Ward)
        .then(|| b.mass_org("farmers", unit, format!("Hội Nông dân {short}")));
    b.mass_org(
        "fatherland_front",
        unit,
        format!("Ủy ban Mặt trận Tổ quốc Việt Nam {short}"),
    );
    let thu_dau_mot = code.as_deref() == Some("25747");
    {
        let a = &mut b.tree.areas[area];
        a.youth = Some(youth);
        a.trade = Some(trade);
        a.women = Some(women);
        a.veterans = Some(veterans);
        a.farmers = farmers;
        a.stalls = if thu_dau_mot { 9 } else { rng.gen_range(2..=4) };
    }

    // Residential cells: khu phố in wards, ấp in communes, khu dân cư in Côn Đảo.
    let (count, label, size) = match kind {
        UnitKind::Ward => (rng.gen_range(26..=46), "Khu phố", 20.0..80.0),
        UnitKind::Commune => (rng.gen_range(14..=28), "Ấp", 20.0..70.0),
        _ => (10, "Khu dân cư số", 25.0..60.0),
    };
    for n in 1..=count {
        let place = format!("{label} {n}");
        let valid_from = founded(rng, 1980, 2015)?;
        b.cell(
            area,
            unit,
            None,
            format!("Chi bộ {place}"),
            Org::Residential,
            rng.gen_range(size.clone()),
            String::new(),
            format!("{place}, {short}"),
            "",
            Unions::default(),
            valid_from,
        )?;
    }

    // Schools.
    let mut school_names = Pool::new(&SCHOOL_NAMES);
    let mut preschool_names = Pool::new(&PRESCHOOL_NAMES);
    let place_name = short
        .strip_prefix(first_word)
        .map(str::trim)
        .unwrap_or(&short)
        .to_string();
    let small = kind != UnitKind::Ward;
    let schools: [(Org, &str, u32, std::ops::Range<f64>); 4] = [
        (
            Org::Preschool,
            "Trường Mầm non",
            if small {
                rng.gen_range(1..=2)
            } else {
                rng.gen_range(1..=3)
            },
            8.0..20.0,
        ),
        (
            Org::Primary,
            "Trường Tiểu học",
            if small {
                rng.gen_range(1..=2)
            } else {
                rng.gen_range(2..=3)
            },
            12.0..30.0,
        ),
        (
            Org::Secondary,
            "Trường THCS",
            rng.gen_range(1..=2),
            15.0..35.0,
        ),
        (
            Org::HighSchool,
            "Trường THPT",
            u32::from(rng.gen_bool(0.6)),
            20.0..45.0,
        ),
    ];
    for (org, prefix, count, size) in schools {
        for i in 0..count {
            let name = if org == Org::Preschool {
                preschool_names.take(rng).to_string()
            } else if i == 0 && rng.gen_bool(0.25) {
                place_name.clone()
            } else {
                school_names.take(rng).to_string()
            };
            let school = format!("{prefix} {name}");
            let cell_unit_name = format!("Chi bộ {school}");
            let raw = rng.gen_range(size.clone());
            let valid_from = founded(rng, 1985, 2015)?;
            let id = b.next_id();
            let unions = b.unions(id, &school, "Chi đoàn Giáo viên", true);
            b.cell(
                area,
                unit,
                None,
                cell_unit_name,
                org,
                raw,
                format!("{school}, {short}"),
                String::new(),
                "",
                unions,
                valid_from,
            )?;
        }
    }

    // Health station.
    let station = format!("Trạm Y tế {short}");
    let id = b.next_id();
    let unions = b.unions(id, &station, "Chi đoàn", true);
    let valid_from = founded(rng, 1990, 2010)?;
    let raw = rng.gen_range(6.0..14.0);
    b.cell(
        area,
        unit,
        None,
        format!("Chi bộ {station}"),
        Org::HealthStation,
        raw,
        station,
        String::new(),
        "",
        unions,
        valid_from,
    )?;

    // The committee's own bodies and the people's committee.
    // The bodies' cell predates the 2025 merger (the old ward's, renamed); the people's
    // committee's party committee and its departments were created with the new ward, so
    // their cells hold cases from 1 July 2025 only.
    let bodies_from = founded(rng, 1990, 2015)?;
    let bodies = format!("Cơ quan Đảng – Mặt trận – Đoàn thể {short}");
    let id = b.next_id();
    let unions = b.unions(id, &bodies, "Chi đoàn", true);
    let raw = rng.gen_range(15.0..35.0);
    b.cell(
        area,
        unit,
        None,
        format!("Chi bộ {bodies}"),
        Org::PartyBodies,
        raw,
        bodies,
        String::new(),
        "",
        unions,
        bodies_from,
    )?;
    let government = format!("Ủy ban nhân dân {short}");
    let committee = b.unit(
        None,
        format!("Đảng bộ {government}"),
        UnitKind::BaseCommittee,
        Some(unit),
        "public_administration",
        reform,
    )?;
    let unions = b.unions(
        committee,
        &format!("Cơ quan {government}"),
        "Đoàn Thanh niên",
        true,
    );
    let economy = if kind == UnitKind::Ward {
        "Chi bộ Phòng Kinh tế, Hạ tầng và Đô thị"
    } else {
        "Chi bộ Phòng Kinh tế"
    };
    for (name, size) in [
        (
            "Chi bộ Văn phòng Hội đồng nhân dân và Ủy ban nhân dân",
            12.0..25.0,
        ),
        (economy, 8.0..18.0),
        ("Chi bộ Phòng Văn hóa – Xã hội", 8.0..18.0),
        ("Chi bộ Trung tâm Phục vụ hành chính công", 8.0..20.0),
    ] {
        let raw = rng.gen_range(size);
        b.cell(
            area,
            committee,
            Some(committee),
            name.to_string(),
            Org::Government,
            raw,
            government.clone(),
            String::new(),
            "",
            unions,
            reform,
        )?;
    }

    // Enterprises: more factories in the industrial wards of old Bình Dương.
    let industrial = b.tree.areas[area].province == "074";
    let firms = if kind == UnitKind::SpecialZone {
        1
    } else if industrial {
        rng.gen_range(4..=8)
    } else {
        rng.gen_range(2..=6)
    };
    let mut brands = Pool::new(&COMPANY_BRANDS);
    for _ in 0..firms {
        let form = one(
            rng,
            &[
                "Công ty TNHH",
                "Công ty TNHH",
                "Công ty Cổ phần",
                "Công ty TNHH MTV",
            ],
        );
        let trade_name = one(rng, &COMPANY_TRADES);
        let company = if industrial && rng.gen_bool(0.3) {
            format!("{form} {trade_name} {} Việt Nam", brands.take(rng))
        } else {
            format!("{form} {trade_name} {}", brands.take(rng))
        };
        let id = b.next_id();
        let unions = b.unions(id, &company, "Đoàn Thanh niên", true);
        let raw = rng.gen_range(4.0..25.0);
        let valid_from = founded(rng, 2005, 2021)?;
        b.cell(
            area,
            unit,
            None,
            format!("Chi bộ {company}"),
            Org::Enterprise,
            raw,
            company,
            String::new(),
            "",
            unions,
            valid_from,
        )?;
    }
    if kind != UnitKind::SpecialZone {
        let state = match rng.gen_range(0..3) {
            0 => format!("Công ty Điện lực {place_name}"),
            1 => format!("Công ty Cổ phần Cấp nước {place_name}"),
            _ => format!("Bưu điện {short}"),
        };
        let id = b.next_id();
        let unions = b.unions(id, &state, "Đoàn Thanh niên", true);
        let raw = rng.gen_range(8.0..25.0);
        let valid_from = founded(rng, 1995, 2015)?;
        b.cell(
            area,
            unit,
            None,
            format!("Chi bộ {state}"),
            Org::StateEnterprise,
            raw,
            state,
            String::new(),
            "",
            unions,
            valid_from,
        )?;
    }
    // A large enterprise with its own base committee and cells.
    let big = if kind == UnitKind::SpecialZone {
        0
    } else if industrial {
        rng.gen_range(1..=2)
    } else {
        rng.gen_range(0..=1)
    };
    for _ in 0..big {
        let state_owned = rng.gen_bool(0.3);
        let company = if state_owned {
            format!(
                "Công ty TNHH MTV {} {}",
                one(
                    rng,
                    &["Dịch vụ Công ích", "Xây dựng", "Cơ khí", "Môi trường"]
                ),
                brands.take(rng)
            )
        } else {
            format!(
                "Công ty Cổ phần {} {}",
                one(rng, &COMPANY_TRADES),
                brands.take(rng)
            )
        };
        let org = if state_owned {
            Org::StateEnterprise
        } else {
            Org::Enterprise
        };
        let valid_from = founded(rng, 1998, 2018)?;
        let committee = b.unit(
            None,
            format!("Đảng bộ {company}"),
            UnitKind::BaseCommittee,
            Some(unit),
            org.sector(),
            valid_from,
        )?;
        let unions = b.unions(committee, &company, "Đoàn Thanh niên", true);
        let cells = rng.gen_range(3..=6);
        for name in FACTORY_CELLS.iter().take(cells) {
            let raw = rng.gen_range(10.0..40.0);
            b.cell(
                area,
                committee,
                Some(committee),
                name.to_string(),
                org,
                raw,
                company.clone(),
                String::new(),
                "",
                unions,
                valid_from,
            )?;
        }
    }

    // Côn Đảo: armed forces and the island's public services.
    if kind == UnitKind::SpecialZone {
        for (name, org, size, youth_only) in [
            (
                "Công an Đặc khu Côn Đảo",
                Org::ArmedForces,
                25.0..40.0,
                true,
            ),
            (
                "Ban Chỉ huy Quân sự Đặc khu Côn Đảo",
                Org::ArmedForces,
                15.0..30.0,
                true,
            ),
            ("Đồn Biên phòng Côn Đảo", Org::ArmedForces, 20.0..35.0, true),
            (
                "Ban Quản lý Vườn quốc gia Côn Đảo",
                Org::PublicService,
                15.0..30.0,
                false,
            ),
            (
                "Ban Quản lý Di tích Côn Đảo",
                Org::PublicService,
                10.0..25.0,
                false,
            ),
            (
                "Trung tâm Y tế Quân – Dân y Côn Đảo",
                Org::HealthStation,
                15.0..30.0,
                false,
            ),
        ] {
            let id = b.next_id();
            let unions = b.unions(id, name, "Đoàn Thanh niên", !youth_only);
            let raw = rng.gen_range(size);
            let valid_from = founded(rng, 1985, 2010)?;
            b.cell(
                area,
                unit,
                None,
                format!("Chi bộ {name}"),
                org,
                raw,
                name.to_string(),
                String::new(),
                "",
                unions,
                valid_from,
            )?;
        }
    }
    Ok(())
}

/// The base organisations of a superior committee (universities, hospitals, the press).
fn superior(b: &mut Builder, rng: &mut Rng8, area: usize) -> anyhow::Result<()> {
    let (unit, short) = {
        let a = &b.tree.areas[area];
        (a.unit, a.short.clone())
    };
    b.tree.areas[area].stalls = rng.gen_range(3..=5);
    match short.as_str() {
        "Đảng bộ Y tế" => {
            for (hospital, weight) in HOSPITALS {
                let valid_from = founded(rng, 1980, 2005)?;
                let committee = b.unit(
                    None,
                    format!("Đảng bộ {hospital}"),
                    UnitKind::BaseCommittee,
                    Some(unit),
                    "health",
                    valid_from,
                )?;
                let unions = b.unions(committee, hospital, "Đoàn Thanh niên", true);
                for name in HOSPITAL_CELLS {
                    let raw = rng.gen_range(20.0..55.0) * weight;
                    b.cell(
                        area,
                        committee,
                        Some(committee),
                        name.to_string(),
                        Org::Hospital,
                        raw,
                        hospital.to_string(),
                        String::new(),
                        "",
                        unions,
                        valid_from,
                    )?;
                }
            }
            for centre in [
                "Trung tâm Kiểm soát bệnh tật Thành phố Hồ Chí Minh",
                "Trung tâm Cấp cứu 115",
            ] {
                let id = b.next_id();
                let unions = b.unions(id, centre, "Chi đoàn", true);
                let raw = rng.gen_range(30.0..60.0);
                let valid_from = founded(rng, 1990, 2012)?;
                b.cell(
                    area,
                    unit,
                    None,
                    format!("Chi bộ {centre}"),
                    Org::Hospital,
                    raw,
                    centre.to_string(),
                    String::new(),
                    "",
                    unions,
                    valid_from,
                )?;
            }
        }
        "Đảng bộ Báo chí" => {
            for (paper, desks) in NEWSPAPERS {
                let valid_from = founded(rng, 1976, 2000)?;
                let committee = b.unit(
                    None,
                    format!("Đảng bộ {paper}"),
                    UnitKind::BaseCommittee,
                    Some(unit),
                    "press",
                    valid_from,
                )?;
                let unions = b.unions(committee, paper, "Đoàn Thanh niên", true);
                for desk in desks {
                    let raw = rng.gen_range(12.0..35.0);
                    b.cell(
                        area,
                        committee,
                        Some(committee),
                        format!("Chi bộ {desk}"),
                        Org::Press,
                        raw,
                        paper.to_string(),
                        String::new(),
                        "",
                        unions,
                        valid_from,
                    )?;
                }
            }
            for paper in MAGAZINES {
                let id = b.next_id();
                let unions = b.unions(id, paper, "Chi đoàn", true);
                let raw = rng.gen_range(20.0..40.0);
                let valid_from = founded(rng, 1976, 2000)?;
                b.cell(
                    area,
                    unit,
                    None,
                    format!("Chi bộ {paper}"),
                    Org::Press,
                    raw,
                    paper.to_string(),
                    String::new(),
                    "",
                    unions,
                    valid_from,
                )?;
            }
        }
        _ => {
            for (university, faculties, weight) in UNIVERSITIES {
                let valid_from = founded(rng, 1976, 2000)?;
                let committee = b.unit(
                    None,
                    format!("Đảng bộ {university}"),
                    UnitKind::BaseCommittee,
                    Some(unit),
                    "education",
                    valid_from,
                )?;
                let unions = b.unions(committee, university, "Đoàn Thanh niên", true);
                for faculty in faculties.iter() {
                    let raw = rng.gen_range(25.0..60.0) * weight;
                    b.cell(
                        area,
                        committee,
                        Some(committee),
                        format!("Chi bộ Khoa {faculty}"),
                        Org::Lecturers,
                        raw,
                        university.to_string(),
                        String::new(),
                        faculty,
                        unions,
                        valid_from,
                    )?;
                }
                let raw = rng.gen_range(35.0..70.0) * weight;
                b.cell(
                    area,
                    committee,
                    Some(committee),
                    "Chi bộ Khối Phòng, Ban chức năng".to_string(),
                    Org::UniversityOffice,
                    raw,
                    university.to_string(),
                    String::new(),
                    "",
                    unions,
                    valid_from,
                )?;
                let student_cells = (faculties.len() / 2).max(1);
                for faculty in faculties.iter().take(student_cells) {
                    let raw = rng.gen_range(5.0..12.0) * weight;
                    let cell_from = founded(rng, 2008, 2020)?;
                    b.cell(
                        area,
                        committee,
                        Some(committee),
                        format!("Chi bộ Sinh viên Khoa {faculty}"),
                        Org::Students,
                        raw,
                        university.to_string(),
                        String::new(),
                        faculty,
                        unions,
                        cell_from.max(valid_from),
                    )?;
                }
            }
            for college in COLLEGES {
                let id = b.next_id();
                let unions = b.unions(id, college, "Đoàn Thanh niên", true);
                let raw = rng.gen_range(25.0..45.0);
                let valid_from = founded(rng, 1980, 2005)?;
                b.cell(
                    area,
                    unit,
                    None,
                    format!("Chi bộ {college}"),
                    Org::College,
                    raw,
                    college.to_string(),
                    String::new(),
                    "",
                    unions,
                    valid_from,
                )?;
            }
        }
    }
    Ok(())
}

/// Scales the drawn sizes so that the official members add up to `official`.
fn scale(tree: &mut Tree, official: i64) {
    let raw: f64 = tree.cells.iter().map(|c| c.raw_size).sum();
    let target = official as f64;
    let factor = if raw > 0.0 { target / raw } else { 1.0 };
    for cell in &mut tree.cells {
        cell.official = ((cell.raw_size * factor).round() as i64).max(3);
        cell.yearly_sources = cell.official as f64 * cell.org.source_rate();
    }
}

/// A company a resident works for.
pub(super) fn random_company(rng: &mut Rng8) -> String {
    format!(
        "Công ty TNHH {} {}",
        one(rng, &COMPANY_TRADES),
        one(rng, &COMPANY_BRANDS)
    )
}

impl Cell {
    /// Official members a year before the latest 1 January: a little fewer (recognitions
    /// outnumber deaths and transfers).
    pub(super) fn official_year_before(&self) -> i64 {
        (self.official - self.official / 80 - self.unit.0 % 2).max(3)
    }
}
