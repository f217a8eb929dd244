//! The pieces every paper is made of, as plain data the caller fills in: the letterhead,
//! the person, the cell's meeting and vote, the signature.
//!
//! Text may be given in any case and any Unicode form: the papers write it NFC, and the
//! letterhead in capitals. An empty text prints as a dotted blank to fill in by hand.

use chrono::NaiveDate;
use ketnap_domain::case::Vote;
use ketnap_domain::ethnicity;
use ketnap_domain::person::PersonDetails;
use ketnap_domain::unit::Unit;

/// The top of a paper: who issues it and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letterhead {
    /// The committee directly above the issuing one: "Đảng bộ phường Thủ Dầu Một".
    /// Printed in capitals; may be empty (then only the issuing body is printed).
    pub superior: String,
    /// The issuing body: "Chi bộ Khu phố 1", "Đảng ủy phường Thủ Dầu Một". Printed in bold
    /// capitals.
    pub committee: String,
    /// The place name of the date line: "Thủ Dầu Một".
    pub place: String,
}

impl Letterhead {
    pub fn new(
        superior: impl Into<String>,
        committee: impl Into<String>,
        place: impl Into<String>,
    ) -> Letterhead {
        Letterhead {
            superior: superior.into(),
            committee: committee.into(),
            place: place.into(),
        }
    }

    /// A cell's letterhead: the party organisation above it ("Đảng bộ phường Thủ Dầu Một")
    /// over the cell ("Chi bộ Khu phố 1").
    pub fn for_cell(above: &Unit, cell: &Unit, place: impl Into<String>) -> Letterhead {
        Letterhead::new(above.name.clone(), cell.name.clone(), place)
    }

    /// A committee's letterhead, for its decisions: the organisation above it over the
    /// unit's committee, "Đảng bộ phường Thủ Dầu Một" becoming "Đảng ủy phường Thủ Dầu Một"
    /// (the committee, cấp ủy, issues decisions; the organisation, đảng bộ, does not).
    pub fn for_committee(above: &Unit, unit: &Unit, place: impl Into<String>) -> Letterhead {
        Letterhead::new(above.name.clone(), committee_name(&unit.name), place)
    }
}

/// The committee (cấp ủy) of an organisation named "Đảng bộ …": "Đảng ủy …". Other names
/// (a cell, "Chi bộ …", whose committee is the cell committee or the cell itself) are kept.
pub fn committee_name(unit_name: &str) -> String {
    let name = unit_name.trim();
    for prefix in ["Đảng bộ ", "ĐẢNG BỘ ", "đảng bộ "] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return format!("Đảng ủy {rest}");
        }
    }
    name.to_string()
}

/// The signature block: "T/M CHI BỘ" over "BÍ THƯ" over the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// "T/M CHI BỘ", "T/M BAN THƯỜNG VỤ", "T/M ĐẢNG ỦY".
    pub on_behalf: String,
    /// "BÍ THƯ", "PHÓ BÍ THƯ".
    pub title: String,
    /// The signer's full name; empty leaves room to write it.
    pub name: String,
}

impl Signature {
    /// For a cell: T/M CHI BỘ, BÍ THƯ.
    pub fn cell_secretary(name: impl Into<String>) -> Signature {
        Signature {
            on_behalf: "T/M CHI BỘ".into(),
            title: "BÍ THƯ".into(),
            name: name.into(),
        }
    }

    /// For a decision of a committee's standing committee: T/M BAN THƯỜNG VỤ and the
    /// signer's title ("BÍ THƯ", "PHÓ BÍ THƯ").
    pub fn standing_committee(title: impl Into<String>, name: impl Into<String>) -> Signature {
        Signature {
            on_behalf: "T/M BAN THƯỜNG VỤ".into(),
            title: title.into(),
            name: name.into(),
        }
    }

    /// For a committee as a whole (a base committee without a standing committee, a plan):
    /// T/M ĐẢNG ỦY and the signer's title.
    pub fn committee(title: impl Into<String>, name: impl Into<String>) -> Signature {
        Signature {
            on_behalf: "T/M ĐẢNG ỦY".into(),
            title: title.into(),
            name: name.into(),
        }
    }
}

/// A person as the papers describe them. Every field is text as it will be printed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonLine {
    /// "Nguyễn Thị Ngọc Ánh".
    pub full_name: String,
    /// "04/05/2003", or the year alone for old records ("1958").
    pub birth: String,
    /// "Nam" / "Nữ".
    pub sex: String,
    /// The ethnic group's name: "Kinh", "Khmer".
    pub ethnicity: String,
    /// "Không" when the person follows none.
    pub religion: String,
    /// Giáo dục phổ thông: "12/12".
    pub general_education: String,
    /// Chuyên môn, nghiệp vụ: "Cử nhân Sư phạm Toán".
    pub professional: String,
    /// Lý luận chính trị: "Sơ cấp".
    pub political_theory: String,
    /// Nghề nghiệp: "Giáo viên".
    pub occupation: String,
    /// Nơi làm việc, học tập: "Trường THCS Chánh Nghĩa".
    pub workplace: String,
    /// Nơi cư trú: "Khu phố 1, phường Thủ Dầu Một, Thành phố Hồ Chí Minh".
    pub residence: String,
}

impl From<&PersonDetails> for PersonLine {
    /// The person's record as printed: the full name, the birth date as `dd/mm/yyyy` (or the
    /// year), "Nam"/"Nữ", the ethnic group's official name, and "Không" for an empty religion
    /// (the record leaves it empty for someone who follows none).
    fn from(details: &PersonDetails) -> PersonLine {
        let religion = details.religion.trim();
        PersonLine {
            full_name: details.name.full(),
            birth: details.birth.display(),
            sex: details.sex.label_vi().to_string(),
            ethnicity: ethnicity::by_id(details.ethnicity)
                .map(|group| group.name.to_string())
                .unwrap_or_default(),
            religion: if religion.is_empty() {
                "Không".to_string()
            } else {
                religion.to_string()
            },
            general_education: details.education.general.clone(),
            professional: details.education.professional.clone(),
            political_theory: details.education.political_theory.clone(),
            occupation: details.occupation.clone(),
            workplace: details.workplace.clone(),
            residence: details.residence.clone(),
        }
    }
}

/// The cell's meeting a resolution records (hội nghị chi bộ). Unknown counts print as
/// blanks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellMeeting {
    /// The cell as the text names it: "Chi bộ Khu phố 1".
    pub cell: String,
    pub held_on: NaiveDate,
    /// Đảng viên chính thức of the cell.
    pub official_members: Option<u32>,
    /// Đảng viên dự bị of the cell.
    pub probationary_members: Option<u32>,
    pub present_official: Option<u32>,
    pub present_probationary: Option<u32>,
    /// Lý do vắng mặt.
    pub absence_reasons: String,
    /// Chủ trì hội nghị and their office.
    pub chair: String,
    pub chair_title: String,
    /// Thư ký hội nghị.
    pub clerk: String,
}

impl CellMeeting {
    /// A meeting of `cell` on `held_on` with everything else to fill in.
    pub fn new(cell: impl Into<String>, held_on: NaiveDate) -> CellMeeting {
        CellMeeting {
            cell: cell.into(),
            held_on,
            official_members: None,
            probationary_members: None,
            present_official: None,
            present_probationary: None,
            absence_reasons: String::new(),
            chair: String::new(),
            chair_title: String::new(),
            clerk: String::new(),
        }
    }
}

/// The count of a cell's vote: official members in favour, against, and in all (the
/// percentage is of all official members, as the forms write it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoteTally {
    pub votes_for: u32,
    /// `None` when not recorded: printed as a blank.
    pub votes_against: Option<u32>,
    pub official_members: u32,
}

impl From<&Vote> for VoteTally {
    /// A recorded vote keeps the number in favour and the number of official members; the
    /// number against is not recorded, so it prints as a blank.
    fn from(vote: &Vote) -> VoteTally {
        VoteTally {
            votes_for: vote.votes_for,
            votes_against: None,
            official_members: vote.official_members,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organisation_issues_decisions_through_its_committee() {
        assert_eq!(
            committee_name("Đảng bộ phường Thủ Dầu Một"),
            "Đảng ủy phường Thủ Dầu Một"
        );
        assert_eq!(committee_name("Chi bộ Khu phố 1"), "Chi bộ Khu phố 1");
    }
}
