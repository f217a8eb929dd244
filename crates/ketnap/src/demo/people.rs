//! Who the candidates of each kind of cell are: age, sex, schooling, work and residence.

use chrono::{Datelike, NaiveDate};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::person::{BirthDate, Education, PersonDetails};
use rand::Rng;

use super::names::{self, CitizenIds, Ethnic, one};
use super::units::{Area, Cell, Org};
use super::{Rng8, plus};

/// An occupation with the professional qualifications that go with it.
type Job = (&'static str, &'static [&'static str]);

const TEACHERS: [&str; 6] = [
    "Cử nhân Sư phạm Toán",
    "Cử nhân Sư phạm Ngữ văn",
    "Cử nhân Sư phạm Tiếng Anh",
    "Cử nhân Sư phạm Vật lý",
    "Cử nhân Sư phạm Tin học",
    "Thạc sĩ Quản lý giáo dục",
];

fn jobs(org: Org) -> &'static [Job] {
    match org {
        Org::Residential => &[
            ("Kinh doanh", &["", "Trung cấp Kế toán"]),
            (
                "Nhân viên văn phòng",
                &[
                    "Cử nhân Quản trị kinh doanh",
                    "Cử nhân Kế toán",
                    "Cử nhân Ngôn ngữ Anh",
                ],
            ),
            ("Công nhân", &["", "Trung cấp nghề Điện công nghiệp"]),
            ("Lao động tự do", &[""]),
            ("Lập trình viên", &["Kỹ sư Công nghệ thông tin"]),
            ("Nhân viên bán hàng", &["", "Cao đẳng Quản trị kinh doanh"]),
            ("Tài xế", &[""]),
        ],
        Org::Preschool => &[("Giáo viên", &["Cử nhân Giáo dục Mầm non"])],
        Org::Primary => &[("Giáo viên", &["Cử nhân Giáo dục Tiểu học"])],
        Org::Secondary | Org::HighSchool => &[("Giáo viên", &TEACHERS)],
        Org::HealthStation | Org::Hospital => &[
            ("Bác sĩ", &["Bác sĩ Đa khoa", "Bác sĩ Y học dự phòng"]),
            ("Điều dưỡng", &["Cử nhân Điều dưỡng", "Cao đẳng Điều dưỡng"]),
            ("Dược sĩ", &["Dược sĩ Đại học"]),
            (
                "Kỹ thuật viên xét nghiệm",
                &["Cử nhân Kỹ thuật Xét nghiệm y học"],
            ),
            ("Hộ sinh", &["Cử nhân Hộ sinh"]),
        ],
        Org::PartyBodies | Org::Government => &[
            (
                "Công chức",
                &[
                    "Cử nhân Luật",
                    "Cử nhân Quản lý nhà nước",
                    "Cử nhân Kinh tế",
                    "Kỹ sư Xây dựng",
                    "Cử nhân Hành chính học",
                ],
            ),
            (
                "Viên chức",
                &["Cử nhân Công nghệ thông tin", "Cử nhân Kế toán"],
            ),
        ],
        Org::StateEnterprise => &[
            ("Kỹ sư", &["Kỹ sư Điện", "Kỹ sư Cấp thoát nước"]),
            ("Công nhân vận hành", &["Trung cấp nghề Điện", ""]),
            (
                "Nhân viên",
                &["Cử nhân Kế toán", "Cử nhân Quản trị kinh doanh"],
            ),
        ],
        Org::Enterprise => &[
            ("Công nhân", &["", "Trung cấp nghề May"]),
            ("Tổ trưởng sản xuất", &["", "Cao đẳng Cơ khí"]),
            (
                "Kỹ sư",
                &[
                    "Kỹ sư Cơ khí",
                    "Kỹ sư Điện – Điện tử",
                    "Kỹ sư Công nghệ thông tin",
                ],
            ),
            ("Nhân viên kinh doanh", &["Cử nhân Quản trị kinh doanh"]),
            ("Kế toán", &["Cử nhân Kế toán"]),
        ],
        Org::ArmedForces => &[
            ("Chiến sĩ", &["Trung cấp Cảnh sát nhân dân", ""]),
            (
                "Quân nhân chuyên nghiệp",
                &["Cao đẳng Kỹ thuật quân sự", ""],
            ),
        ],
        Org::PublicService => &[("Viên chức", &["Kỹ sư Lâm nghiệp", "Cử nhân Lịch sử"])],
        Org::Lecturers | Org::College => &[("Giảng viên", &["Thạc sĩ", "Tiến sĩ"])],
        Org::UniversityOffice => &[(
            "Chuyên viên",
            &["Cử nhân Quản trị văn phòng", "Thạc sĩ Quản lý giáo dục"],
        )],
        Org::Students => &[("Sinh viên", &["Đang học đại học"])],
        Org::Press => &[
            ("Phóng viên", &["Cử nhân Báo chí"]),
            ("Biên tập viên", &["Cử nhân Ngữ văn", "Thạc sĩ Báo chí"]),
            ("Kỹ thuật viên", &["Kỹ sư Điện tử viễn thông"]),
            ("Quay phim", &["Cao đẳng Quay phim"]),
        ],
    }
}

/// Share of women, in percent, and the range of ages (in years) at identification.
fn shape(org: Org) -> (u32, f64, f64) {
    match org {
        Org::Residential => (50, 20.0, 55.0),
        Org::Preschool => (97, 22.0, 45.0),
        Org::Primary => (80, 23.0, 45.0),
        Org::Secondary => (70, 23.0, 45.0),
        Org::HighSchool => (60, 24.0, 45.0),
        Org::HealthStation | Org::Hospital => (70, 24.0, 45.0),
        Org::PartyBodies | Org::Government => (55, 24.0, 45.0),
        Org::StateEnterprise => (35, 22.0, 45.0),
        Org::Enterprise => (50, 20.0, 45.0),
        Org::ArmedForces => (10, 20.0, 35.0),
        Org::PublicService => (50, 24.0, 45.0),
        Org::Lecturers | Org::College => (55, 26.0, 45.0),
        Org::Students => (60, 19.0, 21.5),
        Org::UniversityOffice => (60, 24.0, 45.0),
        Org::Press => (50, 23.0, 45.0),
    }
}

/// A place of residence in the city: the cell's own neighbourhood for a residential cell,
/// otherwise a neighbourhood of the area (or, for some, of another one).
fn residence(rng: &mut Rng8, areas: &[Area], area: &Area, cell: &Cell) -> String {
    if !cell.neighbourhood.is_empty() {
        return format!("{}, {}", cell.neighbourhood, area.region);
    }
    let home = if area.commune_level && rng.gen_bool(0.7) {
        area
    } else {
        let communes = areas.iter().filter(|a| a.commune_level).count().max(1);
        &areas[rng.gen_range(0..communes)]
    };
    let neighbourhood = match home.first_word {
        "Xã" => format!("Ấp {}", rng.gen_range(1..=15)),
        "Đặc khu" => format!("Khu dân cư số {}", rng.gen_range(1..=10)),
        _ => format!("Khu phố {}", rng.gen_range(1..=30)),
    };
    format!("{neighbourhood}, {}, {}", home.short, home.region)
}

/// A candidate for `cell`, identified on `identified`.
pub(super) fn candidate(
    rng: &mut Rng8,
    ids: &mut CitizenIds,
    areas: &[Area],
    cell: &Cell,
    identified: NaiveDate,
    today: NaiveDate,
) -> anyhow::Result<PersonDetails> {
    let area = &areas[cell.area];
    let (women, youngest, oldest) = shape(cell.org);
    let sex = if rng.gen_range(0..100) < women {
        Sex::Female
    } else {
        Sex::Male
    };
    let age_days = rng.gen_range(youngest * 365.25..oldest * 365.25) as i64;
    let born = plus(identified, -age_days);
    let ethnic = Ethnic::draw(rng, area.hoa_share);
    let family = names::family(rng, ethnic);
    let name = names::name(rng, sex, born.year(), family);
    let province = if cell.org == Org::Students && rng.gen_bool(0.5) {
        names::birth_province(rng, "040")
    } else {
        names::birth_province(rng, area.province)
    };
    let citizen_id = ids.issue(rng, province, sex, born)?;
    let age = age_days as f64 / 365.25;

    let (occupation, professional) = one(rng, jobs(cell.org));
    let mut professional = one(rng, professional).to_string();
    let mut occupation = occupation.to_string();
    let mut workplace = cell.workplace.clone();
    match cell.org {
        Org::Residential => {
            if age < 23.0 && rng.gen_bool(0.5) {
                occupation = "Sinh viên".to_string();
                professional = "Đang học đại học".to_string();
                workplace = one(
                    rng,
                    &[
                        "Trường Đại học Sài Gòn",
                        "Trường Đại học Công nghiệp Thành phố Hồ Chí Minh",
                        "Trường Đại học Kinh tế Thành phố Hồ Chí Minh",
                        "Trường Đại học Mở Thành phố Hồ Chí Minh",
                    ],
                )
                .to_string();
            } else if area.first_word == "Xã" && rng.gen_bool(0.3) {
                occupation = "Nông dân".to_string();
                professional = String::new();
                workplace = String::new();
            } else {
                workplace = match occupation.as_str() {
                    "Kinh doanh" => "Hộ kinh doanh cá thể".to_string(),
                    "Lao động tự do" | "Tài xế" => String::new(),
                    _ => super::units::random_company(rng),
                };
            }
        }
        Org::Lecturers | Org::College => {
            let field = if cell.field.is_empty() {
                "Quản lý giáo dục"
            } else {
                cell.field
            };
            professional = format!("{professional} {field}");
            if !cell.field.is_empty() {
                workplace = format!("Khoa {}, {}", cell.field, cell.workplace);
            }
        }
        Org::Students => {
            workplace = format!("Khoa {}, {}", cell.field, cell.workplace);
        }
        _ => {}
    }
    let general = if matches!(cell.org, Org::Residential | Org::Enterprise)
        && professional.is_empty()
        && rng.gen_bool(0.15)
    {
        "9/12"
    } else {
        "12/12"
    };
    let political_theory = match cell.org {
        Org::Students => "",
        Org::PartyBodies | Org::Government => one(rng, &["Sơ cấp", "Sơ cấp", "Trung cấp", "", ""]),
        _ if rng.gen_bool(0.2) => "Sơ cấp",
        _ => "",
    };
    let self_employed = matches!(
        occupation.as_str(),
        "Sinh viên" | "Nông dân" | "Lao động tự do"
    ) || (cell.org == Org::Residential && occupation == "Kinh doanh");
    let employed = !self_employed;
    let trade_union_member = employed && (cell.org != Org::Residential || rng.gen_bool(0.6));
    let youth_union_member = age <= 30.0 && (cell.org == Org::Students || rng.gen_bool(0.85));
    let email = if age < 40.0 && rng.gen_bool(0.4) {
        names::email(rng, &name, born.year())
    } else {
        String::new()
    };
    let details = PersonDetails {
        name,
        birth: BirthDate::Full(born),
        sex,
        citizen_id: Some(citizen_id),
        ethnicity: ethnic.id()?,
        religion: ethnic.religion(rng).to_string(),
        education: Education {
            general: general.to_string(),
            professional,
            political_theory: political_theory.to_string(),
        },
        occupation,
        workplace,
        residence: residence(rng, areas, area, cell),
        youth_union_member,
        trade_union_member,
        phone: names::phone(rng),
        email,
    };
    let (details, _notices) = details.checked(today)?;
    Ok(details)
}
