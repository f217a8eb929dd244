//! Every paper opened as a `.docx` (a zip), its `word/document.xml` read back, and each
//! field looked for where it belongs.

use std::io::{Cursor, Read};

use chrono::NaiveDate;
use ketnap_domain::case::{AdmissionDecision as DecisionRecord, Case, DocRef, Vote};
use ketnap_domain::citizen_id::Sex;
use ketnap_domain::ethnicity::EthnicityId;
use ketnap_domain::ids::{CaseId, PersonId, UnitId};
use ketnap_domain::person::{BirthDate, Education, PersonDetails};
use ketnap_domain::report::{Members, MembersSource, QuotaCheck, UnitTree, year_target};
use ketnap_domain::rules::{RuleBook, RuleSet};
use ketnap_domain::text::{PersonName, nfc};
use ketnap_domain::unit::{SectorCode, Unit, UnitKind};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::*;

// ---------------------------------------------------------------------------------------
// Reading a .docx back
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
struct RunInfo {
    text: String,
    bold: bool,
    italic: bool,
    underline: bool,
    size: Option<usize>,
    font: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct Para {
    runs: Vec<RunInfo>,
    page_break_before: bool,
    align: Option<String>,
    /// Index of the top-level table holding the paragraph.
    table: Option<usize>,
}

impl Para {
    fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// A top-level table: rows of cells of text (a cell's paragraphs joined by newlines).
type Grid = Vec<Vec<String>>;

#[derive(Debug)]
struct Docx {
    document: String,
    styles: String,
    paras: Vec<Para>,
    tables: Vec<Grid>,
}

impl Docx {
    fn texts(&self) -> Vec<String> {
        self.paras.iter().map(Para::text).collect()
    }

    /// The index of the first paragraph whose text contains `needle`.
    fn find(&self, needle: &str) -> usize {
        self.paras
            .iter()
            .position(|p| p.text().contains(needle))
            .unwrap_or_else(|| panic!("{needle:?} not found in {:#?}", self.texts()))
    }

    fn para(&self, needle: &str) -> &Para {
        &self.paras[self.find(needle)]
    }

    /// The run holding `needle`.
    fn run(&self, needle: &str) -> &RunInfo {
        self.paras
            .iter()
            .flat_map(|p| &p.runs)
            .find(|r| r.text.contains(needle))
            .unwrap_or_else(|| panic!("no run holds {needle:?}"))
    }

    fn all_text(&self) -> String {
        self.texts().join("\n")
    }
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| String::from_utf8(a.value.into_owned()).unwrap())
}

fn on(e: &BytesStart<'_>) -> bool {
    !matches!(attr(e, b"w:val").as_deref(), Some("false" | "0" | "none"))
}

fn read_part(zip: &mut zip::ZipArchive<Cursor<&[u8]>>, name: &str) -> String {
    let mut part = zip.by_name(name).unwrap();
    let mut text = String::new();
    part.read_to_string(&mut text).unwrap();
    text
}

fn open(bytes: &[u8]) -> Docx {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
    ] {
        assert!(zip.by_name(name).is_ok(), "{name} missing");
    }
    let document = read_part(&mut zip, "word/document.xml");
    let styles = read_part(&mut zip, "word/styles.xml");
    // Every XML part is well-formed.
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        if part.name().ends_with(".xml") || part.name().ends_with(".rels") {
            let mut text = String::new();
            part.read_to_string(&mut text).unwrap();
            let mut reader = Reader::from_str(&text);
            loop {
                match reader.read_event() {
                    Ok(Event::Eof) => break,
                    Ok(_) => {}
                    Err(e) => panic!("{} is not well-formed: {e}", part.name()),
                }
            }
        }
    }
    let (paras, tables) = parse(&document);
    Docx {
        document,
        styles,
        paras,
        tables,
    }
}

fn parse(xml: &str) -> (Vec<Para>, Vec<Grid>) {
    let mut reader = Reader::from_str(xml);
    let mut paras = Vec::new();
    let mut tables: Vec<Grid> = Vec::new();
    let mut depth = 0usize;
    let mut para: Option<Para> = None;
    let mut run: Option<RunInfo> = None;
    let mut in_text = false;
    loop {
        let event = reader.read_event().unwrap();
        match event {
            Event::Eof => break,
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    b"w:tbl" => {
                        depth += 1;
                        if depth == 1 {
                            tables.push(Vec::new());
                        }
                    }
                    b"w:tr" if depth == 1 => {
                        if let Some(t) = tables.last_mut() {
                            t.push(Vec::new());
                        }
                    }
                    b"w:tc" if depth == 1 => {
                        if let Some(row) = tables.last_mut().and_then(|t| t.last_mut()) {
                            row.push(String::new());
                        }
                    }
                    b"w:p" if !empty => {
                        para = Some(Para {
                            table: (depth > 0).then(|| tables.len() - 1),
                            ..Para::default()
                        });
                    }
                    b"w:p" => paras.push(Para::default()),
                    b"w:r" if !empty => run = Some(RunInfo::default()),
                    b"w:t" if !empty => in_text = true,
                    b"w:pageBreakBefore" => {
                        if let Some(p) = para.as_mut() {
                            p.page_break_before = on(e);
                        }
                    }
                    b"w:jc" => {
                        if let (Some(p), None) = (para.as_mut(), run.as_ref()) {
                            p.align = attr(e, b"w:val");
                        }
                    }
                    b"w:b" => {
                        if let Some(r) = run.as_mut() {
                            r.bold = on(e);
                        }
                    }
                    b"w:i" => {
                        if let Some(r) = run.as_mut() {
                            r.italic = on(e);
                        }
                    }
                    b"w:u" => {
                        if let Some(r) = run.as_mut() {
                            r.underline = on(e);
                        }
                    }
                    b"w:sz" => {
                        if let Some(r) = run.as_mut() {
                            r.size = attr(e, b"w:val").and_then(|v| v.parse().ok());
                        }
                    }
                    b"w:rFonts" => {
                        if let Some(r) = run.as_mut() {
                            r.font = attr(e, b"w:hAnsi");
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(ref e) if in_text => {
                if let Some(r) = run.as_mut() {
                    r.text.push_str(&e.decode().unwrap());
                }
            }
            Event::GeneralRef(ref e) if in_text => {
                let name = e.decode().unwrap();
                let text = match e.resolve_char_ref().unwrap() {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .unwrap()
                        .to_string(),
                };
                if let Some(r) = run.as_mut() {
                    r.text.push_str(&text);
                }
            }
            Event::End(ref e) => match e.name().as_ref() {
                b"w:tbl" => depth -= 1,
                b"w:t" => in_text = false,
                b"w:r" => {
                    if let (Some(p), Some(r)) = (para.as_mut(), run.take()) {
                        p.runs.push(r);
                    }
                }
                b"w:p" => {
                    if let Some(p) = para.take() {
                        if depth == 1
                            && let Some(cell) = tables
                                .last_mut()
                                .and_then(|t| t.last_mut())
                                .and_then(|row| row.last_mut())
                        {
                            if !cell.is_empty() {
                                cell.push('\n');
                            }
                            cell.push_str(&p.text());
                        }
                        paras.push(p);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    (paras, tables)
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn doc(number: &str, dated: NaiveDate) -> DocRef {
    DocRef {
        number: number.into(),
        dated,
    }
}

fn rules() -> RuleSet {
    RuleBook::builtin()
        .unwrap()
        .in_force_on(day(2025, 7, 1))
        .unwrap()
        .clone()
}

fn cell_head() -> Letterhead {
    Letterhead::new(
        "Đảng bộ phường Thủ Dầu Một",
        "Chi bộ Khu phố 1",
        "Thủ Dầu Một",
    )
}

fn ward_head() -> Letterhead {
    Letterhead::new(
        "Đảng bộ Thành phố Hồ Chí Minh",
        "Đảng ủy phường Thủ Dầu Một",
        "Thủ Dầu Một",
    )
}

fn details() -> PersonDetails {
    PersonDetails {
        name: PersonName::new("Nguyễn", "Thị Ngọc", "Ánh"),
        birth: BirthDate::Full(day(2003, 5, 4)),
        sex: Sex::Female,
        citizen_id: None,
        ethnicity: EthnicityId(1),
        religion: String::new(),
        education: Education {
            general: "12/12".into(),
            professional: "Cử nhân Sư phạm Toán".into(),
            political_theory: "Sơ cấp".into(),
        },
        occupation: "Giáo viên".into(),
        workplace: "Trường THCS Chánh Nghĩa".into(),
        residence: "Khu phố 1, phường Thủ Dầu Một, Thành phố Hồ Chí Minh".into(),
        youth_union_member: true,
        trade_union_member: true,
        phone: String::new(),
        email: String::new(),
    }
}

fn person() -> PersonLine {
    PersonLine::from(&details())
}

fn meeting(held_on: NaiveDate) -> CellMeeting {
    CellMeeting {
        cell: "Chi bộ Khu phố 1".into(),
        held_on,
        official_members: Some(9),
        probationary_members: Some(2),
        present_official: Some(8),
        present_probationary: Some(2),
        absence_reasons: "01 đồng chí đi công tác".into(),
        chair: "Trần Văn Bình".into(),
        chair_title: "Bí thư chi bộ".into(),
        clerk: "Lê Thị Cúc".into(),
    }
}

fn admission_resolution_paper() -> AdmissionResolution {
    AdmissionResolution {
        letterhead: cell_head(),
        resolution: doc("12-NQ/CB", day(2025, 6, 9)),
        meeting: meeting(day(2025, 6, 9)),
        person: person(),
        history: "Lý lịch rõ ràng, đã được thẩm tra, kết luận đủ điều kiện.".into(),
        strengths: "Có lập trường tư tưởng vững vàng.\nHoàn thành tốt nhiệm vụ được giao.".into(),
        weaknesses: "Đôi khi còn rụt rè khi phát biểu.".into(),
        tally: VoteTally {
            votes_for: 8,
            votes_against: Some(0),
            official_members: 9,
        },
        proposed_to: "Đảng ủy phường Thủ Dầu Một".into(),
        recipients: vec!["Đảng ủy phường Thủ Dầu Một".into(), "Lưu chi bộ".into()],
        signature: Signature::cell_secretary("Trần Văn Bình"),
    }
}

fn case() -> Case {
    let mut case = Case::new_source(
        CaseId(7),
        PersonId(3),
        UnitId(11),
        false,
        day(2024, 9, 1),
        None,
    );
    case.sympathiser_on = Some(day(2024, 10, 1));
    case.cell_vote = Some(Vote {
        resolution: doc("12-NQ/CB", day(2025, 6, 9)),
        votes_for: 8,
        official_members: 9,
    });
    case.decision = Some(DecisionRecord {
        decision: doc("45-QĐ/ĐU", day(2025, 7, 2)),
        received_on: day(2025, 7, 3),
    });
    case.ceremony_on = Some(day(2025, 7, 20));
    case.recognition_vote = Some(Vote {
        resolution: doc("31-NQ/CB", day(2026, 7, 22)),
        votes_for: 9,
        official_members: 10,
    });
    case.recognition_decision = Some(doc("88-QĐ/ĐU", day(2026, 8, 5)));
    case
}

pub(crate) fn admission_decision_paper() -> AdmissionDecision {
    AdmissionDecision::from_case(
        &case(),
        &details(),
        ward_head(),
        "Ban Thường vụ Đảng ủy phường Thủ Dầu Một",
        "Chi bộ Khu phố 1",
        None,
        &rules(),
        Signature::standing_committee("Phó Bí thư", "Phạm Minh Đức"),
    )
    .unwrap()
}

fn recognition_resolution_paper() -> RecognitionResolution {
    let mut paper = RecognitionResolution::from_case(
        &case(),
        &details(),
        &rules(),
        cell_head(),
        "Chi bộ Khu phố 1",
        "Ban Thường vụ Đảng ủy phường Thủ Dầu Một",
        "Đảng ủy phường Thủ Dầu Một",
        Signature::cell_secretary("Trần Văn Bình"),
    )
    .unwrap();
    paper.strengths = "Hoàn thành tốt nhiệm vụ; gương mẫu trong sinh hoạt chi bộ.".into();
    paper.weaknesses = "Chưa mạnh dạn góp ý, phê bình.".into();
    paper
}

fn recognition_decision_paper() -> RecognitionDecision {
    RecognitionDecision::from_case(
        &case(),
        &details(),
        &rules(),
        ward_head(),
        "Ban Thường vụ Đảng ủy phường Thủ Dầu Một",
        "Chi bộ Khu phố 1",
        None,
        Signature::standing_committee("Bí thư", "Phạm Minh Đức"),
    )
    .unwrap()
}

fn awareness_paper() -> AwarenessNominees {
    let mut second = details();
    second.name = PersonName::new("Lê", "Văn", "Bảo");
    second.birth = BirthDate::YearOnly(1990);
    second.sex = Sex::Male;
    second.ethnicity = EthnicityId(5);
    second.religion = "Phật giáo".into();
    second.occupation = "Công nhân".into();
    second.workplace = "Công ty TNHH Minh Phát".into();
    second.youth_union_member = false;
    AwarenessNominees {
        letterhead: cell_head(),
        document: doc("03-DS/CB", day(2025, 2, 3)),
        addressee: "Đảng ủy phường Thủ Dầu Một".into(),
        course: "khóa 1, năm 2025".into(),
        nominees: vec![
            Nominee::from_case(&case(), &details()),
            Nominee {
                person: PersonLine::from(&second),
                note: String::new(),
            },
        ],
        recipients: vec!["Như trên".into(), "Lưu chi bộ".into()],
        signature: Signature::cell_secretary("Trần Văn Bình"),
    }
}

fn unit(id: i64, name: &str, kind: UnitKind, parent: Option<i64>) -> Unit {
    Unit {
        id: UnitId(id),
        code: None,
        name: name.into(),
        kind,
        parent: parent.map(UnitId),
        sector: SectorCode("residential".into()),
        valid_from: day(2025, 7, 1),
        valid_until: None,
        successor: None,
    }
}

fn quota_check() -> QuotaCheck {
    let tree = UnitTree::new(vec![
        unit(1, "Đảng bộ phường Thủ Dầu Một", UnitKind::Ward, None),
        unit(2, "Chi bộ Khu phố 1", UnitKind::BaseCell, Some(1)),
        unit(3, "Chi bộ Khu phố 2", UnitKind::BaseCell, Some(1)),
    ]);
    let rules = rules();
    let members = |count| Members {
        count,
        source: MembersSource::Headcount,
        as_of: Some(day(2026, 1, 1)),
    };
    let own = year_target(UnitId(1), 2026, members(2_353), &rules, Some(80));
    let children = vec![
        year_target(UnitId(2), 2026, members(1_200), &rules, Some(40)),
        year_target(UnitId(3), 2026, members(1_153), &rules, None),
    ];
    QuotaCheck::build(&tree, own, children, day(2026, 1, 10)).unwrap()
}

fn plan_paper() -> DevelopmentPlan {
    let mut plan = DevelopmentPlan::from_quota_check(
        &quota_check(),
        ward_head(),
        doc("05-KH/ĐU", day(2026, 1, 10)),
        Signature::committee("Bí thư", "Phạm Minh Đức"),
    );
    plan.grounds = vec![
        "Căn cứ Nghị quyết số 21-NQ/TW ngày 16/6/2022 của Hội nghị Trung ương 5 khóa XIII;".into(),
    ];
    plan.purposes =
        vec!["Nâng cao chất lượng và số lượng đảng viên mới, nhất là ở khu dân cư.".into()];
    plan.tasks = vec![
        "Rà soát nguồn quần chúng ưu tú ở từng chi bộ.".into(),
        "Mở lớp bồi dưỡng nhận thức về Đảng mỗi quý.".into(),
    ];
    plan.arrangements = vec!["Các chi bộ báo cáo kết quả hằng quý về Đảng ủy.".into()];
    plan.recipients = vec![
        "Ban Thường vụ Thành ủy (để báo cáo)".into(),
        "Các chi bộ trực thuộc".into(),
        "Lưu Văn phòng Đảng ủy".into(),
    ];
    plan
}

// ---------------------------------------------------------------------------------------
// Checks shared by every paper
// ---------------------------------------------------------------------------------------

/// The letterhead is the first table: the issuing body left, the party heading right.
fn request_letter_paper() -> RequestLetter {
    RequestLetter {
        letterhead: cell_head(),
        document: doc("15-CV/CB", day(2026, 11, 20)),
        kind: ketnap_domain::coordination::RequestKind::Verification,
        from: "Chi bộ Khu phố 1".into(),
        to: "Đảng ủy xã Bình Mỹ".into(),
        to_address: "Ấp 2, xã Bình Mỹ, Thành phố Hồ Chí Minh".into(),
        applicant: "Nguyễn Thị Ngọc Ánh".into(),
        applicant_birth: "04/05/2003".into(),
        about: "Bố: Nguyễn Văn Bình, sinh năm 1970\nMẹ: Trần Thị Cúc, sinh năm 1972".into(),
        questions: String::new(),
        due_on: day(2026, 12, 11),
        recipients: vec!["Như trên".into(), "Lưu chi bộ".into()],
        signature: Signature::cell_secretary("Trần Văn Bình"),
    }
}

fn assert_letterhead(d: &Docx, superior: &str, committee: &str, number: &str, date_line: &str) {
    let head = &d.tables[0];
    assert_eq!(head.len(), 1, "one row");
    let left = &head[0][0];
    let right = &head[0][1];
    let lines: Vec<&str> = left.lines().collect();
    assert_eq!(lines, [superior, committee, "*", number]);
    assert!(right.starts_with("ĐẢNG CỘNG SẢN VIỆT NAM"), "{right}");
    assert!(right.ends_with(date_line), "{right}");

    let party = d.run("ĐẢNG CỘNG SẢN VIỆT NAM");
    assert!(party.bold && party.underline, "{party:?}");
    assert_eq!(party.size, Some(30), "15 pt");
    let issuer = d.run(committee);
    assert!(
        issuer.bold && issuer.size == Some(26),
        "13 pt bold: {issuer:?}"
    );
    assert!(!d.run(superior).bold);
    let date = d.run(date_line);
    assert!(
        date.italic && !date.bold && date.size == Some(28),
        "{date:?}"
    );
    assert_eq!(d.paras[0].table, Some(0), "the letterhead comes first");
}

/// The kind of paper in bold capitals, centred, right after the letterhead, and its subject.
fn assert_title(d: &Docx, kind: &str, subject: &str) {
    let at = d.find(kind);
    let title = &d.paras[at];
    assert_eq!(title.text(), kind);
    assert_eq!(title.table, None);
    assert_eq!(title.align.as_deref(), Some("center"));
    assert!(title.runs.iter().all(|r| r.bold));
    assert_eq!(kind, kind.to_uppercase());
    assert!(
        d.paras[..at].iter().all(|p| p.table == Some(0)),
        "only the letterhead is above the title"
    );
    assert_eq!(d.paras[at + 1].text(), subject);
    assert!(d.paras[at + 1].runs.iter().all(|r| r.bold));
}

/// The signature block is the last table: recipients left, the signer right.
fn assert_signature(d: &Docx, on_behalf: &str, title: &str, name: &str) {
    let last = d.tables.last().unwrap();
    let right = &last[0][1];
    let lines: Vec<&str> = right.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines, [on_behalf, title, name]);
    assert!(last[0][0].starts_with("Nơi nhận:"));
    assert!(d.run("Nơi nhận:").underline);
    assert!(d.run(on_behalf).bold);
    // The block is one row that never splits, and the paragraphs above it keep with it.
    let block = d.document.rfind("<w:tbl>").unwrap();
    assert!(d.document[block..].contains("<w:cantSplit />"));
    assert!(d.document[..block].ends_with("</w:p>"));
    let before = d.document[..block].rfind("<w:p ").unwrap();
    assert!(d.document[before..block].contains("<w:keepNext />"));
}

fn all_papers() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "1-nghi-quyet-de-nghi-ket-nap",
            admission_resolution(&admission_resolution_paper()).unwrap(),
        ),
        (
            "2-quyet-dinh-ket-nap",
            admission_decision(&admission_decision_paper()).unwrap(),
        ),
        (
            "3a-nghi-quyet-de-nghi-cong-nhan-chinh-thuc",
            recognition_resolution(&recognition_resolution_paper()).unwrap(),
        ),
        (
            "3b-quyet-dinh-cong-nhan-chinh-thuc",
            recognition_decision(&recognition_decision_paper()).unwrap(),
        ),
        (
            "4-danh-sach-hoc-lop-nhan-thuc",
            awareness_nominees(&awareness_paper()).unwrap(),
        ),
        (
            "5-ke-hoach-phat-trien-dang-vien",
            development_plan(&plan_paper()).unwrap(),
        ),
        (
            "7-cong-van-de-nghi-tham-tra-ly-lich",
            request_letter(&request_letter_paper()).unwrap(),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn admission_resolution_prints_each_field_where_it_belongs() {
    let d = open(&admission_resolution(&admission_resolution_paper()).unwrap());
    assert_letterhead(
        &d,
        "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT",
        "CHI BỘ KHU PHỐ 1",
        "Số 12-NQ/CB",
        "Thủ Dầu Một, ngày 09 tháng 6 năm 2025",
    );
    assert_title(&d, "NGHỊ QUYẾT", "đề nghị kết nạp đảng viên");

    let meeting = d.find(
        "Ngày 09 tháng 6 năm 2025, Chi bộ Khu phố 1 đã họp để xét, đề nghị kết nạp quần chúng Nguyễn Thị Ngọc Ánh vào Đảng.",
    );
    assert!(meeting > d.find("Căn cứ Điều 4 Điều lệ Đảng"));
    d.find("Tổng số đảng viên của chi bộ: 11 đồng chí, trong đó chính thức 9 đồng chí, dự bị 2 đồng chí.");
    d.find("Có mặt: 10 đồng chí, trong đó chính thức 8 đồng chí, dự bị 2 đồng chí.");
    d.find("Vắng mặt: 1 đồng chí, trong đó chính thức 1 đồng chí, dự bị 0 đồng chí.");
    d.find("Lý do vắng mặt: 01 đồng chí đi công tác.");
    d.find("Chủ trì hội nghị: đồng chí Trần Văn Bình, chức vụ: Bí thư chi bộ.");

    let name = d.para("Họ và tên: ");
    assert_eq!(
        name.text(),
        "Họ và tên: Nguyễn Thị Ngọc Ánh; giới tính: Nữ; sinh ngày 04/05/2003."
    );
    assert_eq!(name.runs[1].text, "Nguyễn Thị Ngọc Ánh");
    assert!(name.runs[1].bold && !name.runs[0].bold);
    d.find("Dân tộc: Kinh; tôn giáo: Không.");
    d.find("chuyên môn, nghiệp vụ: Cử nhân Sư phạm Toán; lý luận chính trị: Sơ cấp.");
    d.find("Nơi cư trú: Khu phố 1, phường Thủ Dầu Một, Thành phố Hồ Chí Minh.");
    // Two lines of strengths, two paragraphs, under "a) Ưu điểm:".
    let strengths = d.find("a) Ưu điểm:");
    assert_eq!(
        d.paras[strengths + 1].text(),
        "Có lập trường tư tưởng vững vàng."
    );
    assert_eq!(
        d.paras[strengths + 2].text(),
        "Hoàn thành tốt nhiệm vụ được giao."
    );
    let tally = d.find("Số đảng viên chính thức tán thành");
    assert_eq!(
        d.paras[tally].text(),
        "Số đảng viên chính thức tán thành việc kết nạp quần chúng Nguyễn Thị Ngọc Ánh vào Đảng là 8 đồng chí, đạt 88,89% so với tổng số 9 đảng viên chính thức của chi bộ; số không tán thành 0 đồng chí (0%)."
    );
    assert!(tally > d.find("b) Khuyết điểm:"));
    d.find("Chi bộ đề nghị Đảng ủy phường Thủ Dầu Một xem xét, kết nạp quần chúng Nguyễn Thị Ngọc Ánh vào Đảng Cộng sản Việt Nam.");
    assert_signature(&d, "T/M CHI BỘ", "BÍ THƯ", "Trần Văn Bình");
    let recipients = &d.tables.last().unwrap()[0][0];
    assert_eq!(
        recipients,
        "Nơi nhận:\n- Đảng ủy phường Thủ Dầu Một,\n- Lưu chi bộ."
    );
}

#[test]
fn admission_decision_names_the_decision_the_proposal_and_the_probation() {
    let d = open(&admission_decision(&admission_decision_paper()).unwrap());
    assert_letterhead(
        &d,
        "ĐẢNG BỘ THÀNH PHỐ HỒ CHÍ MINH",
        "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT",
        "Số 45-QĐ/ĐU",
        "Thủ Dầu Một, ngày 02 tháng 7 năm 2025",
    );
    assert_title(&d, "QUYẾT ĐỊNH", "kết nạp đảng viên");
    let proposal = d.find(
        "Xét đề nghị của Chi bộ Khu phố 1 (Nghị quyết số 12-NQ/CB, ngày 09 tháng 6 năm 2025),",
    );
    assert!(proposal > d.find("Căn cứ Điều lệ Đảng Cộng sản Việt Nam;"));
    let decides = d.find("BAN THƯỜNG VỤ ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT");
    assert!(decides > proposal);
    assert_eq!(d.paras[decides + 1].text(), "QUYẾT ĐỊNH");
    let article = d.para("Điều 1. ");
    assert_eq!(
        article.text(),
        "Điều 1. Kết nạp quần chúng Nguyễn Thị Ngọc Ánh, sinh ngày 04/05/2003, dân tộc Kinh, nơi cư trú: Khu phố 1, phường Thủ Dầu Một, Thành phố Hồ Chí Minh, vào Đảng Cộng sản Việt Nam. Thời gian dự bị 12 tháng, kể từ ngày chi bộ tổ chức lễ kết nạp."
    );
    assert!(article.runs[0].bold && article.runs[2].bold);
    d.find("Điều 2. Chi bộ Khu phố 1 có trách nhiệm tổ chức lễ kết nạp cho đồng chí Nguyễn Thị Ngọc Ánh");
    assert_signature(&d, "T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ", "Phạm Minh Đức");
}

#[test]
fn recognition_papers_carry_the_admission_and_the_official_date() {
    let d = open(&recognition_resolution(&recognition_resolution_paper()).unwrap());
    assert_letterhead(
        &d,
        "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT",
        "CHI BỘ KHU PHỐ 1",
        "Số 31-NQ/CB",
        "Thủ Dầu Một, ngày 22 tháng 7 năm 2026",
    );
    assert_title(&d, "NGHỊ QUYẾT", "đề nghị công nhận đảng viên chính thức");
    d.find("Căn cứ Điều 5 Điều lệ Đảng Cộng sản Việt Nam,");
    assert_eq!(
        d.para("được kết nạp vào Đảng").text(),
        "Đồng chí Nguyễn Thị Ngọc Ánh, sinh ngày 04/05/2003, được kết nạp vào Đảng ngày 20 tháng 7 năm 2025 theo Quyết định số 45-QĐ/ĐU, ngày 02 tháng 7 năm 2025 của Ban Thường vụ Đảng ủy phường Thủ Dầu Một; hết thời gian dự bị ngày 20 tháng 7 năm 2026."
    );
    // Counts not recorded with the vote print as blanks.
    d.find("Có mặt: …… đồng chí");
    d.find("là 9 đồng chí, đạt 90% so với tổng số 10 đảng viên chính thức của chi bộ; số không tán thành …… đồng chí (……%).");
    d.find("công nhận đồng chí Nguyễn Thị Ngọc Ánh là đảng viên chính thức của Đảng Cộng sản Việt Nam kể từ ngày 20 tháng 7 năm 2026.");
    assert_signature(&d, "T/M CHI BỘ", "BÍ THƯ", "Trần Văn Bình");

    let d = open(&recognition_decision(&recognition_decision_paper()).unwrap());
    assert_letterhead(
        &d,
        "ĐẢNG BỘ THÀNH PHỐ HỒ CHÍ MINH",
        "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT",
        "Số 88-QĐ/ĐU",
        "Thủ Dầu Một, ngày 05 tháng 8 năm 2026",
    );
    assert_title(&d, "QUYẾT ĐỊNH", "công nhận đảng viên chính thức");
    d.find("Xét đề nghị của Chi bộ Khu phố 1 (Nghị quyết số 31-NQ/CB, ngày 22 tháng 7 năm 2026),");
    assert_eq!(
        d.para("Điều 1. ").text(),
        "Điều 1. Công nhận đồng chí Nguyễn Thị Ngọc Ánh, sinh ngày 04/05/2003, đảng viên dự bị, được kết nạp vào Đảng ngày 20 tháng 7 năm 2025, là đảng viên chính thức của Đảng Cộng sản Việt Nam kể từ ngày 20 tháng 7 năm 2026."
    );
    assert_signature(&d, "T/M BAN THƯỜNG VỤ", "BÍ THƯ", "Phạm Minh Đức");
}

#[test]
fn awareness_list_is_a_table_with_a_row_per_person() {
    let d = open(&awareness_nominees(&awareness_paper()).unwrap());
    assert_letterhead(
        &d,
        "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT",
        "CHI BỘ KHU PHỐ 1",
        "Số 03-DS/CB",
        "Thủ Dầu Một, ngày 03 tháng 02 năm 2025",
    );
    assert_title(
        &d,
        "DANH SÁCH",
        "quần chúng ưu tú đề nghị học lớp bồi dưỡng nhận thức về Đảng",
    );
    d.find("khóa 1, năm 2025");
    d.find("Kính gửi: Đảng ủy phường Thủ Dầu Một");
    d.find("cho 2 quần chúng ưu tú có tên sau đây");
    assert_eq!(d.tables.len(), 3, "letterhead, list, signature");
    let list = &d.tables[1];
    assert_eq!(
        list[0],
        [
            "STT",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Dân tộc, tôn giáo",
            "Trình độ",
            "Nghề nghiệp, nơi làm việc",
            "Ghi chú"
        ]
    );
    assert_eq!(list.len(), 3);
    assert_eq!(
        list[1],
        [
            "1",
            "Nguyễn Thị Ngọc Ánh",
            "04/05/2003",
            "Nữ",
            "Kinh\nKhông",
            "12/12\nCử nhân Sư phạm Toán",
            "Giáo viên\nTrường THCS Chánh Nghĩa",
            "Đoàn viên; Công đoàn viên; Cảm tình Đảng từ 01/10/2024"
        ]
    );
    assert_eq!(
        list[2],
        [
            "2",
            "Lê Văn Bảo",
            "1990",
            "Nam",
            "Khmer\nPhật giáo",
            "12/12\nCử nhân Sư phạm Toán",
            "Công nhân\nCông ty TNHH Minh Phát",
            ""
        ]
    );
    assert!(d.run("Họ và tên").bold, "the header row is bold");
    assert_eq!(d.run("Lê Văn Bảo").size, Some(24), "tables are 12 pt");
    d.find("Danh sách này có 2 quần chúng.");
    assert!(
        d.document.contains("<w:tblBorders>"),
        "the list has borders"
    );
}

#[test]
fn development_plan_has_the_target_and_the_quota_table() {
    let plan = plan_paper();
    assert_eq!(plan.quotas_total(), 40 + 35);
    let d = open(&development_plan(&plan).unwrap());
    assert_letterhead(
        &d,
        "ĐẢNG BỘ THÀNH PHỐ HỒ CHÍ MINH",
        "ĐẢNG ỦY PHƯỜNG THỦ DẦU MỘT",
        "Số 05-KH/ĐU",
        "Thủ Dầu Một, ngày 10 tháng 01 năm 2026",
    );
    assert_title(&d, "KẾ HOẠCH", "phát triển đảng viên năm 2026");
    let sections = [
        "I. MỤC ĐÍCH, YÊU CẦU",
        "II. CHỈ TIÊU",
        "III. NHIỆM VỤ, GIẢI PHÁP",
        "IV. TỔ CHỨC THỰC HIỆN",
    ];
    let at: Vec<usize> = sections.iter().map(|s| d.find(s)).collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
    assert_eq!(
        d.paras[at[1] + 1].text(),
        "Năm 2026, Đảng bộ phường Thủ Dầu Một phấn đấu kết nạp 80 đảng viên mới, bằng 3,4% tổng số đảng viên đầu năm (2.353 đảng viên tại ngày 01/01/2026)."
    );
    let quotas = &d.tables[1];
    assert_eq!(quotas[0][1], "Tổ chức đảng trực thuộc");
    assert_eq!(
        quotas[1],
        ["1", "Chi bộ Khu phố 1", "1.200", "40", "3,33", ""]
    );
    assert_eq!(
        quotas[2],
        [
            "2",
            "Chi bộ Khu phố 2",
            "1.153",
            "35",
            "3,04",
            "Chỉ tiêu mặc định"
        ]
    );
    assert_eq!(quotas[3], ["", "Tổng cộng", "2.353", "75", "3,19", ""]);
    assert!(d.run("Tổng cộng").bold);
    d.find("2. Mở lớp bồi dưỡng nhận thức về Đảng mỗi quý.");
    assert_signature(&d, "T/M ĐẢNG ỦY", "BÍ THƯ", "Phạm Minh Đức");
    assert_eq!(
        d.tables.last().unwrap()[0][0],
        "Nơi nhận:\n- Ban Thường vụ Thành ủy (để báo cáo),\n- Các chi bộ trực thuộc,\n- Lưu Văn phòng Đảng ủy."
    );
}

#[test]
fn every_paper_is_a4_in_times_new_roman_with_the_party_margins() {
    for (name, bytes) in all_papers() {
        let d = open(&bytes);
        assert!(
            d.document.contains(r#"<w:pgSz w:w="11906" w:h="16838" />"#)
                || d.document.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#),
            "{name}: A4"
        );
        for margin in [
            r#"w:top="1134""#,
            r#"w:bottom="1134""#,
            r#"w:left="1701""#,
            r#"w:right="850""#,
        ] {
            assert!(d.document.contains(margin), "{name}: {margin}");
        }
        assert!(
            d.styles.contains(r#"w:ascii="Times New Roman""#)
                && d.styles.contains(r#"w:hAnsi="Times New Roman""#),
            "{name}: the default font"
        );
        assert!(
            d.styles.contains(r#"<w:sz w:val="28" />"#)
                || d.styles.contains(r#"<w:sz w:val="28"/>"#),
            "{name}: 14 pt by default"
        );
        let runs: Vec<&RunInfo> = d.paras.iter().flat_map(|p| &p.runs).collect();
        assert!(runs.len() > 20, "{name}");
        for run in runs {
            assert_eq!(
                run.font.as_deref(),
                Some("Times New Roman"),
                "{name}: {run:?}"
            );
            assert!(
                matches!(run.size, Some(24 | 26 | 28 | 30)),
                "{name}: 12 to 15 pt: {run:?}"
            );
        }
        // The body, from the paragraph under the title's rule (under the addressee, for a
        // letter, which has no title), is 14 pt.
        let start = d
            .paras
            .iter()
            .position(|p| p.text() == "-----")
            .unwrap_or_else(|| d.find("Kính gửi: ") + 1);
        let body = &d.paras[start + 1];
        assert_eq!(body.table, None);
        assert_eq!(body.runs[0].size, Some(28), "{name}");
    }
}

#[test]
fn vietnamese_text_is_written_composed_whatever_came_in() {
    let mut paper = admission_resolution_paper();
    // "Nguyễn Thị Ngọc Ánh" typed with combining marks (NFD).
    let decomposed = "Nguye\u{0302}\u{0303}n Thi\u{0323} Ngo\u{0323}c A\u{0301}nh";
    assert_ne!(decomposed, "Nguyễn Thị Ngọc Ánh");
    paper.person.full_name = decomposed.into();
    paper.letterhead.place = "Thu\u{0309} Da\u{0302}\u{0300}u Mo\u{0323}\u{0302}t".into();
    let d = open(&admission_resolution(&paper).unwrap());
    assert!(!d.document.contains(decomposed));
    assert!(d.all_text().contains("Họ và tên: Nguyễn Thị Ngọc Ánh;"));
    d.find("Thủ Dầu Một, ngày 09 tháng 6 năm 2025");
    for text in d.texts() {
        assert_eq!(nfc(&text), text, "not NFC: {text:?}");
    }
    for (name, bytes) in all_papers() {
        for text in open(&bytes).texts() {
            assert_eq!(nfc(&text), text, "{name}: not NFC: {text:?}");
        }
    }
}

#[test]
fn control_characters_and_markup_in_input_do_not_break_the_file() {
    let mut paper = admission_resolution_paper();
    paper.person.full_name = "Nguyễn <Văn> \u{7}An & \"Bé\"".into();
    paper.strengths = "Dòng một\r\n\tDòng hai\u{0}".into();
    let d = open(&admission_resolution(&paper).unwrap());
    d.find("Họ và tên: Nguyễn <Văn> An & \"Bé\";");
    let at = d.find("a) Ưu điểm:");
    assert_eq!(d.paras[at + 1].text(), "Dòng một");
    assert_eq!(d.paras[at + 2].text(), "Dòng hai");
}

#[test]
fn empty_fields_print_as_blanks_to_fill_in_by_hand() {
    let mut paper = admission_resolution_paper();
    paper.meeting = CellMeeting::new("Chi bộ Khu phố 1", day(2025, 6, 9));
    paper.meeting.official_members = Some(9);
    paper.strengths = String::new();
    paper.weaknesses = "   ".into();
    paper.history = String::new();
    paper.person.occupation = String::new();
    paper.tally.votes_against = None;
    paper.signature.name = String::new();
    paper.letterhead.superior = String::new();
    paper.resolution.number = String::new();
    let d = open(&admission_resolution(&paper).unwrap());
    d.find("Có mặt: …… đồng chí, trong đó chính thức …… đồng chí, dự bị …… đồng chí.");
    d.find("Chủ trì hội nghị: đồng chí ……………………, chức vụ: …………………….");
    d.find("Nghề nghiệp: ……………………; nơi làm việc, học tập: Trường THCS Chánh Nghĩa.");
    let strengths = d.find("a) Ưu điểm:");
    assert!(d.paras[strengths + 1].text().starts_with("……"));
    let left: Vec<&str> = d.tables[0][0][0].lines().collect();
    assert_eq!(left, ["CHI BỘ KHU PHỐ 1", "*", "Số ……………………"]);
    let signer: Vec<&str> = d.tables.last().unwrap()[0][1]
        .lines()
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(signer, ["T/M CHI BỘ", "BÍ THƯ"]);
}

#[test]
fn a_bundle_starts_each_paper_on_a_new_page() {
    let first = admission_resolution_paper();
    let mut second = admission_resolution_paper();
    second.person.full_name = "Lê Văn Bảo".into();
    second.resolution.number = "13-NQ/CB".into();
    let decision = admission_decision_paper();
    let bytes = bundle(&[
        Paper::AdmissionResolution(&first),
        Paper::AdmissionResolution(&second),
        Paper::AdmissionDecision(&decision),
    ])
    .unwrap();
    let d = open(&bytes);
    let breaks: Vec<usize> = d
        .paras
        .iter()
        .enumerate()
        .filter(|(_, p)| p.page_break_before)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(breaks.len(), 2);
    // Each break is followed by a letterhead.
    assert_eq!(d.paras[breaks[0] + 1].text(), "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT");
    assert_eq!(
        d.paras[breaks[1] + 1].text(),
        "ĐẢNG BỘ THÀNH PHỐ HỒ CHÍ MINH"
    );
    for at in &breaks {
        assert!(d.paras[at + 1].table.is_some());
        assert!(d.paras[*at].text().is_empty());
    }
    let heads = d
        .texts()
        .iter()
        .filter(|t| *t == "ĐẢNG CỘNG SẢN VIỆT NAM")
        .count();
    assert_eq!(heads, 3);
    assert!(d.find("Số 12-NQ/CB") < breaks[0]);
    assert!(breaks[0] < d.find("Số 13-NQ/CB") && d.find("Số 13-NQ/CB") < breaks[1]);
    assert!(breaks[1] < d.find("Số 45-QĐ/ĐU"));
    assert!(d.find("Họ và tên: Lê Văn Bảo") > breaks[0]);

    assert!(matches!(
        bundle(&[]),
        Err(PaperError::Invalid {
            field: "papers",
            ..
        })
    ));
}

#[test]
fn contradictory_counts_and_missing_records_are_refused() {
    let mut paper = admission_resolution_paper();
    paper.tally.votes_for = 10;
    assert!(matches!(
        admission_resolution(&paper),
        Err(PaperError::Invalid {
            field: "tally.votes_for",
            ..
        })
    ));
    let mut paper = admission_resolution_paper();
    paper.meeting.present_official = Some(12);
    assert!(matches!(
        admission_resolution(&paper),
        Err(PaperError::Invalid {
            field: "meeting.present_official",
            ..
        })
    ));
    let mut paper = admission_resolution_paper();
    paper.meeting.official_members = Some(7);
    assert!(admission_resolution(&paper).is_err());
    let mut paper = recognition_decision_paper();
    paper.official_from = paper.admitted_on;
    assert!(recognition_decision(&paper).is_err());
    let mut plan = plan_paper();
    plan.target = -1;
    assert!(development_plan(&plan).is_err());
    let mut list = awareness_paper();
    list.nominees.clear();
    assert!(awareness_nominees(&list).is_err());

    let mut source = case();
    source.cell_vote = None;
    source.decision = None;
    let missing = AdmissionResolution::from_case(
        &source,
        &details(),
        cell_head(),
        "Chi bộ Khu phố 1",
        "Đảng ủy phường Thủ Dầu Một",
        Signature::cell_secretary(""),
    )
    .unwrap_err();
    assert_eq!(
        missing,
        PaperError::Missing {
            field: "cell_vote",
            what: "nghị quyết của chi bộ đề nghị kết nạp"
        }
    );
    assert_eq!(
        missing.to_string(),
        "Hồ sơ chưa có nghị quyết của chi bộ đề nghị kết nạp (trường: cell_vote)."
    );
    let err = RecognitionDecision::from_case(
        &source,
        &details(),
        &rules(),
        ward_head(),
        "",
        "",
        None,
        Signature::cell_secretary(""),
    )
    .unwrap_err();
    assert!(matches!(err, PaperError::Missing { .. }));
}

#[test]
fn records_become_paper_lines() {
    let line = PersonLine::from(&details());
    assert_eq!(line.full_name, "Nguyễn Thị Ngọc Ánh");
    assert_eq!(line.birth, "04/05/2003");
    assert_eq!(line.sex, "Nữ");
    assert_eq!(line.ethnicity, "Kinh");
    assert_eq!(line.religion, "Không");
    let mut old = details();
    old.birth = BirthDate::YearOnly(1958);
    old.religion = "Công giáo".into();
    let line = PersonLine::from(&old);
    assert_eq!(line.birth, "1958");
    assert_eq!(line.religion, "Công giáo");
    assert_eq!(papers::birth_phrase(&line.birth), "sinh năm 1958");

    // The admission decision from a case with a base committee's resolution.
    let mut with_base = case();
    with_base.cell_under_base_committee = true;
    with_base.base_resolution = Some(doc("20-NQ/ĐU", day(2025, 6, 16)));
    let paper = AdmissionDecision::from_case(
        &with_base,
        &details(),
        ward_head(),
        "Ban Thường vụ Đảng ủy phường Thủ Dầu Một",
        "Chi bộ Tổ 3",
        Some("Đảng ủy Trường THCS Chánh Nghĩa"),
        &rules(),
        Signature::standing_committee("Bí thư", ""),
    )
    .unwrap();
    assert_eq!(paper.decision, doc("45-QĐ/ĐU", day(2025, 7, 2)));
    assert_eq!(paper.probation_months, rules().probation.months);
    let d = open(&admission_decision(&paper).unwrap());
    d.find("Xét đề nghị của Chi bộ Tổ 3 (Nghị quyết số 12-NQ/CB, ngày 09 tháng 6 năm 2025) và của Đảng ủy Trường THCS Chánh Nghĩa (Nghị quyết số 20-NQ/ĐU, ngày 16 tháng 6 năm 2025),");

    // Official date: the end of probation under the rules when the case has none yet.
    let resolution = recognition_resolution_paper();
    assert_eq!(resolution.admitted_on, day(2025, 7, 20));
    assert_eq!(resolution.official_from, day(2026, 7, 20));
    assert_eq!(resolution.admission_decision.number, "45-QĐ/ĐU");

    let head = Letterhead::for_committee(
        &unit(1, "Đảng bộ Thành phố Hồ Chí Minh", UnitKind::Province, None),
        &unit(2, "Đảng bộ phường Thủ Dầu Một", UnitKind::Ward, Some(1)),
        "Thủ Dầu Một",
    );
    assert_eq!(head.committee, "Đảng ủy phường Thủ Dầu Một");
}

#[test]
fn a_request_letter_names_the_unit_asked_the_applicant_and_the_due_date() {
    let d = open(&request_letter(&request_letter_paper()).unwrap());
    let head: Vec<&str> = d.tables[0][0][0].lines().collect();
    assert_eq!(
        head,
        [
            "ĐẢNG BỘ PHƯỜNG THỦ DẦU MỘT",
            "CHI BỘ KHU PHỐ 1",
            "*",
            "Số 15-CV/CB",
            "V/v đề nghị thẩm tra lý lịch người xin vào Đảng"
        ]
    );
    let subject = d.run("V/v đề nghị");
    assert!(subject.italic && subject.size == Some(24), "{subject:?}");
    assert!(d.tables[0][0][1].ends_with("Thủ Dầu Một, ngày 20 tháng 11 năm 2026"));
    let to = d.para("Kính gửi: ");
    assert_eq!(to.text(), "Kính gửi: Đảng ủy xã Bình Mỹ");
    assert_eq!(to.align.as_deref(), Some("center"));
    assert!(to.runs[1].bold && !to.runs[0].bold);
    d.find("(Ấp 2, xã Bình Mỹ, Thành phố Hồ Chí Minh)");
    let asks = d.para("Để có cơ sở xem xét");
    assert_eq!(
        asks.text(),
        "Để có cơ sở xem xét, kết nạp quần chúng Nguyễn Thị Ngọc Ánh, sinh ngày 04/05/2003, vào Đảng Cộng sản Việt Nam, Chi bộ Khu phố 1 đề nghị Đảng ủy xã Bình Mỹ thẩm tra, xác minh lý lịch của:"
    );
    assert!(asks.runs[1].bold);
    // One paragraph per relative, then the usual questions since none were written.
    let at = d.find("Bố: Nguyễn Văn Bình");
    assert_eq!(d.paras[at + 1].text(), "Mẹ: Trần Thị Cúc, sinh năm 1972");
    assert_eq!(d.paras[at + 2].text(), "Nội dung đề nghị:");
    assert!(d.paras[at + 3].text().starts_with("Lịch sử chính trị"));
    d.find("trước ngày 11 tháng 12 năm 2026, gửi về Chi bộ Khu phố 1.");
    assert_signature(&d, "T/M CHI BỘ", "BÍ THƯ", "Trần Văn Bình");
    assert_eq!(
        d.tables.last().unwrap()[0][0],
        "Nơi nhận:\n- Như trên,\n- Lưu chi bộ."
    );

    // An opinion asks for it and prints the questions written; an empty number and an
    // unknown unit leave blanks.
    let mut opinion = request_letter_paper();
    opinion.kind = ketnap_domain::coordination::RequestKind::WorkplaceOpinion;
    opinion.questions = "Thái độ làm việc\nQuan hệ đồng nghiệp".into();
    opinion.document.number = String::new();
    opinion.to = String::new();
    opinion.to_address = String::new();
    let d = open(&request_letter(&opinion).unwrap());
    d.find("V/v lấy ý kiến nhận xét nơi làm việc, học tập đối với người xin vào Đảng");
    assert_eq!(d.para("Kính gửi: ").text(), "Kính gửi: ……………………");
    d.find("đề nghị …………………… cho ý kiến nhận xét nơi làm việc, học tập đối với:");
    let at = d.find("Nội dung đề nghị:");
    assert_eq!(d.paras[at + 1].text(), "Thái độ làm việc");
    assert_eq!(d.paras[at + 2].text(), "Quan hệ đồng nghiệp");
    assert!(!d.all_text().contains("(Ấp 2"));
    assert!(d.all_text().contains("Số ……………………"));

    // A due date before the letter is refused.
    let mut early = request_letter_paper();
    early.due_on = day(2026, 11, 19);
    assert!(matches!(
        request_letter(&early),
        Err(PaperError::Invalid {
            field: "due_on",
            ..
        })
    ));
}

/// Writes one example of each paper, and a bundle, to `target/papers/` for a reviewer.
#[test]
fn writes_examples_for_review() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("..")
        .join("target")
        .join("papers");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in all_papers() {
        std::fs::write(dir.join(format!("{name}.docx")), bytes).unwrap();
    }
    let first = admission_resolution_paper();
    let decision = admission_decision_paper();
    let bytes = bundle(&[
        Paper::AdmissionResolution(&first),
        Paper::AdmissionDecision(&decision),
    ])
    .unwrap();
    std::fs::write(dir.join("6-tap-van-ban.docx"), bytes).unwrap();
    assert!(dir.join("5-ke-hoach-phat-trien-dang-vien.docx").exists());
}
