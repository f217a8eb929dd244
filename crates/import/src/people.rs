//! People with their cases (danh sách quần chúng ưu tú, cảm tình Đảng, đảng viên dự bị …):
//! one row per person, the cell named by its code or its name, the case by its stage and
//! the dates of its main steps (`domain::takeover`).
//!
//! A row names a person ketnap holds when the citizen id matches, or else the name, the
//! date of birth and the cell do. Such a row changes nothing when its case agrees with the
//! one on file (so a re-import of the same list changes nothing); a row that could be more
//! than one person waits for the user's decision.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use ketnap_domain::case::{DocRef, Stage};
use ketnap_domain::citizen_id::{self, CitizenId, Sex};
use ketnap_domain::ethnicity::{self, EthnicityId};
use ketnap_domain::ids::PersonId;
use ketnap_domain::person::{BirthDate, Education, PersonDetails};
use ketnap_domain::ports::RuleStore;
use ketnap_domain::ports::{Change, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::takeover::{self, Milestones};
use ketnap_domain::text::{PersonName, search_key};
use ketnap_domain::unit::Unit;
use ketnap_domain::workflow::{dmy, today_in_vietnam};
use ketnap_sheets::{DateRead, Field, Table, fields, header_key, split_name};
use ketnap_store::{KnownPerson, Store, Takeover};

use crate::names::UnitIndex;

use crate::{
    Ambiguity, Decision, ImportError, Kind, Outcome, PREVIEW_ROWS, Progress, Reader, Request,
    each_row, outcome, repairs,
};

pub(crate) const FIELDS: [Field; 25] = [
    fields::FULL_NAME.required(),
    fields::BIRTH_DATE.required(),
    fields::SEX.required(),
    fields::CITIZEN_ID,
    fields::ETHNICITY,
    fields::RELIGION,
    Field::new(
        "occupation",
        "Nghề nghiệp",
        &["Nghề nghiệp hiện nay", "Công việc", "Nghề"],
    ),
    Field::new(
        "workplace",
        "Nơi làm việc, học tập",
        &[
            "Nơi làm việc",
            "Nơi công tác",
            "Đơn vị công tác",
            "Nơi học tập",
            "Trường",
        ],
    ),
    fields::ADDRESS,
    fields::PHONE,
    Field::new(
        "youth_union",
        "Đoàn viên TNCS Hồ Chí Minh",
        &["Đoàn viên TNCS", "Đoàn viên thanh niên", "ĐVTN"],
    ),
    Field::new(
        "trade_union",
        "Đoàn viên công đoàn",
        &["Công đoàn viên", "CĐV"],
    ),
    Field::new(
        "cell_code",
        "Mã chi bộ",
        &["Mã tổ chức đảng", "Mã đơn vị", "Mã TCĐ"],
    ),
    fields::CELL,
    Field::new(
        "stage",
        "Giai đoạn",
        &["Tình trạng", "Đối tượng", "Diện", "Giai đoạn hiện nay"],
    ),
    Field::new(
        "identified_on",
        "Ngày xác định nguồn",
        &[
            "Ngày vào danh sách nguồn",
            "Ngày đưa vào nguồn",
            "Ngày xác định quần chúng ưu tú",
            "Ngày vào nguồn",
        ],
    ),
    Field::new(
        "sympathiser_on",
        "Ngày vào cảm tình Đảng",
        &[
            "Ngày công nhận cảm tình Đảng",
            "Ngày CTĐ",
            "Cảm tình Đảng từ ngày",
        ],
    ),
    Field::new(
        "awareness_number",
        "Số GCN lớp nhận thức",
        &[
            "Số giấy chứng nhận lớp nhận thức về Đảng",
            "Số GCN nhận thức",
        ],
    ),
    Field::new(
        "awareness_on",
        "Ngày GCN lớp nhận thức",
        &[
            "Ngày cấp GCN lớp nhận thức",
            "Ngày giấy chứng nhận lớp nhận thức về Đảng",
            "Ngày GCN nhận thức",
        ],
    ),
    Field::new(
        "file_opened_on",
        "Ngày nộp đơn",
        &["Ngày nộp đơn và lý lịch", "Ngày nộp hồ sơ", "Ngày làm đơn"],
    ),
    Field::new(
        "decision_number",
        "Số QĐ kết nạp",
        &["Số quyết định kết nạp"],
    ),
    Field::new(
        "decision_on",
        "Ngày QĐ kết nạp",
        &["Ngày quyết định kết nạp", "Ngày ký QĐ kết nạp"],
    ),
    Field::new(
        "ceremony_on",
        "Ngày kết nạp",
        &["Ngày vào Đảng", "Ngày lễ kết nạp", "Ngày kết nạp Đảng"],
    ),
    Field::new(
        "recognition_number",
        "Số QĐ công nhận chính thức",
        &[
            "Số quyết định công nhận đảng viên chính thức",
            "Số QĐ chính thức",
        ],
    ),
    Field::new(
        "recognition_on",
        "Ngày QĐ công nhận chính thức",
        &["Ngày quyết định công nhận chính thức", "Ngày QĐ chính thức"],
    ),
];

/// The column of the sheet a violation of `domain` names.
fn column_of(field: &str) -> &'static str {
    match field {
        "name" => "full_name",
        "birth_date" => "birth_date",
        "citizen_id" => "citizen_id",
        "sex" => "sex",
        "stage" => "stage",
        "identified_on" => "identified_on",
        "sympathiser_on" => "sympathiser_on",
        "awareness_certificate" => "awareness_on",
        "file_opened_on" => "file_opened_on",
        "decision" => "decision_on",
        "ceremony_on" => "ceremony_on",
        "recognition_decision" => "recognition_on",
        _ => "full_name",
    }
}

/// A row read and checked on its own.
struct Read {
    row: usize,
    details: PersonDetails,
    cell: Unit,
    milestones: Milestones,
}

/// Where a row's person stands against those on file.
enum Match {
    New,
    Known(PersonId),
    Ambiguous(Vec<PersonId>),
    /// The citizen id is on file outside the scope.
    Elsewhere,
}

pub(crate) async fn import(
    store: &Store,
    change: &Change,
    scope: &Scope,
    table: Table,
    request: &Request,
    progress: Progress<'_>,
) -> Result<Outcome, ImportError> {
    let mut result = outcome(Kind::People, &table, request.dry_run);
    result.preview_headers = PREVIEW_HEADERS.to_vec();
    let today = today_in_vietnam(change.now);
    let cells = Cells::new(store.units_in(scope).await?, today);
    let rules = store.rule_book().await?;
    let mut problems = Vec::new();
    let mut read = Vec::new();
    for row in each_row(&table, progress) {
        let mut cell = Reader::new(&table, row, &FIELDS, &mut problems);
        if let Some(r) = read_row(&mut cell, &cells, today) {
            if result.preview.len() < PREVIEW_ROWS {
                result.preview.push((r.row, preview(&r)));
            }
            read.push((row, r));
        }
    }
    let known = store.known_people(scope).await?;
    let index = Index::new(&known);
    let ids: Vec<&str> = read
        .iter()
        .filter_map(|(_, r)| r.details.citizen_id.as_ref().map(CitizenId::as_str))
        .filter(|id| !index.by_citizen_id.contains_key(id))
        .collect();
    let elsewhere = store.citizen_ids_on_file(&ids).await?;
    let mut in_file: HashMap<String, usize> = HashMap::new();
    let mut writes = Vec::new();
    for (row, r) in read {
        let mut cell = Reader::new(&table, row, &FIELDS, &mut problems);
        let (key, column) = match &r.details.citizen_id {
            Some(id) => (format!("cccd:{}", id.as_str()), "citizen_id"),
            None => (identity_key(&r.details, &r.cell), "full_name"),
        };
        if let Some(first) = in_file.insert(key, r.row) {
            cell.problem(
                column,
                format!("Dòng {first} ở trên đã ghi người này (cùng số CCCD, hoặc cùng họ tên, ngày sinh và chi bộ)."),
            );
            continue;
        }
        // Decisions settle rows without a CCCD only: a CCCD always names one person.
        let decided = request
            .decisions
            .get(&r.row)
            .filter(|_| r.details.citizen_id.is_none());
        let matched = match decided {
            Some(Decision::New) => Match::New,
            Some(Decision::Same(id)) if index.people.contains_key(id) => Match::Known(*id),
            _ => index.find(&r, &elsewhere),
        };
        let person = match matched {
            Match::Elsewhere => {
                cell.problem(
                    "citizen_id",
                    "Không thể tạo hồ sơ mới với số CCCD này. Hãy tìm người này trong danh sách; nếu không thấy, liên hệ cấp ủy cấp trên.",
                );
                continue;
            }
            Match::Ambiguous(candidates) => {
                result.ambiguous.push(Ambiguity {
                    row: r.row,
                    candidates: candidates
                        .into_iter()
                        .filter_map(|id| index.people.get(&id).map(|k| (id, describe(k, &cells))))
                        .collect(),
                });
                continue;
            }
            Match::New => None,
            Match::Known(id) => Some(id),
        };
        if let Some(known) = person.and_then(|id| index.people.get(&id)) {
            if known.cases.iter().any(|c| r.milestones.agrees_with(c)) {
                result.unchanged += 1;
                continue;
            }
            if let Some(open) = known.cases.iter().find(|c| !c.stage.is_closed()) {
                cell.problem(
                    "stage",
                    format!(
                        "Người này đã có hồ sơ đang ở giai đoạn \"{}\" và dòng này ghi khác; hãy sửa trên trang hồ sơ, hoặc sửa dòng cho khớp.",
                        open.stage.label_vi()
                    ),
                );
                continue;
            }
        }
        match takeover::take_over(
            &r.milestones,
            person.unwrap_or(PersonId(0)),
            r.cell.id,
            r.cell.kind.needs_base_resolution(),
            &rules,
            today,
            &change.actor,
            change.now,
        ) {
            Ok(taken) => writes.push(Takeover {
                person,
                details: r.details,
                taken,
            }),
            Err(v) => cell.problem(column_of(&v.field), v.message),
        }
    }
    progress(table.rows.len(), table.rows.len());
    // The candidates are shown to the user (name, birth, cell): each showing is a read.
    let shown: Vec<PersonId> = result
        .ambiguous
        .iter()
        .flat_map(|a| a.candidates.iter().map(|(id, _)| *id))
        .collect();
    store.log_person_reads(change, &shown).await?;
    result.repairs = repairs(&table);
    result.changes = writes.len();
    // Rows are checked in two passes (each on its own, then against the others and the
    // people on file): the report lists them in the sheet's order.
    problems.sort_by_key(|p| p.row);
    result.problems = problems;
    if result.problems.is_empty()
        && result.ambiguous.is_empty()
        && !request.dry_run
        && !writes.is_empty()
    {
        store.write_takeovers(change, scope, &writes).await?;
        result.written = true;
    }
    Ok(result)
}

/// Reads and checks one row on its own; `None` when a cell was wrong (and said so).
fn read_row(cell: &mut Reader<'_>, cells: &Cells, today: chrono::NaiveDate) -> Option<Read> {
    let before = cell.problems.len();
    let full = cell.text("full_name");
    let (family, middle, given) = split_name(&full);
    if given.is_empty() {
        cell.problem("full_name", "Thiếu họ và tên (cần ít nhất họ và tên).");
    }
    let birth = match cell.table.date(cell.row, "birth_date") {
        Ok(Some(DateRead::Day(day))) => Some(BirthDate::Full(day)),
        Ok(Some(DateRead::YearOnly(year))) => Some(BirthDate::YearOnly(year)),
        Ok(None) => {
            cell.problem("birth_date", "Thiếu ngày sinh.");
            None
        }
        Err(e) => {
            cell.problems.push(e);
            None
        }
    };
    let sex = match header_key(&cell.text("sex")).as_str() {
        "nam" | "m" => Some(Sex::Male),
        "nu" | "f" => Some(Sex::Female),
        "" => {
            cell.problem("sex", "Thiếu giới tính (Nam hoặc Nữ).");
            None
        }
        _ => {
            cell.problem("sex", "Giới tính ghi \"Nam\" hoặc \"Nữ\".");
            None
        }
    };
    let citizen_id = match cell.text("citizen_id").as_str() {
        "" => None,
        text => match citizen_id::parse(text) {
            Ok(id) => Some(id),
            Err(v) => {
                cell.problem("citizen_id", v.message);
                None
            }
        },
    };
    let ethnicity = match cell.text("ethnicity").as_str() {
        "" => Some(kinh()),
        name => match ethnicity::by_name(name) {
            Some(e) => Some(e.id),
            None => {
                cell.problem(
                    "ethnicity",
                    "Không có dân tộc nào mang tên này trong danh mục 54 dân tộc.",
                );
                None
            }
        },
    };
    let youth = flag(cell, "youth_union");
    let trade = flag(cell, "trade_union");
    let unit = cells.find(cell);
    let milestones = milestones(cell);
    if cell.problems.len() > before {
        return None;
    }
    let (
        Some(birth),
        Some(sex),
        Some(ethnicity),
        Some(unit),
        Some(milestones),
        Some(youth),
        Some(trade),
    ) = (birth, sex, ethnicity, unit, milestones, youth, trade)
    else {
        return None;
    };
    let details = PersonDetails {
        name: PersonName {
            family,
            middle,
            given,
        },
        birth,
        sex,
        citizen_id,
        ethnicity,
        religion: cell.text("religion"),
        education: Education::default(),
        occupation: cell.text("occupation"),
        workplace: cell.text("workplace"),
        residence: cell.text("address"),
        youth_union_member: youth,
        trade_union_member: trade,
        phone: cell.text("phone"),
        email: String::new(),
    };
    match details.checked(today) {
        Ok((details, _notices)) => Some(Read {
            row: cell.row.number,
            details,
            cell: unit,
            milestones,
        }),
        Err(v) => {
            cell.problem(column_of(&v.field), v.message);
            None
        }
    }
}

fn kinh() -> EthnicityId {
    ethnicity::by_name("Kinh").map_or(EthnicityId(1), |e| e.id)
}

/// A yes/no column: "x", "Có", "1" or "Đoàn viên" for yes; blank, "Không" or "0" for no.
fn flag(cell: &mut Reader<'_>, key: &str) -> Option<bool> {
    match header_key(&cell.text(key)).as_str() {
        "" | "khong" | "0" | "k" => Some(false),
        "x" | "co" | "1" | "v" | "dv" | "doan vien" => Some(true),
        _ => {
            cell.problem(
                key,
                "Ghi \"x\" (hoặc \"Có\") nếu là đoàn viên, để trống nếu không.",
            );
            None
        }
    }
}

/// The stage column, by its label or a common short name.
fn stage(text: &str) -> Option<Stage> {
    let key = header_key(text);
    let short: &[(&str, Stage)] = &[
        ("nguon", Stage::Source),
        ("quan chung uu tu", Stage::Source),
        ("qcut", Stage::Source),
        ("cam tinh dang", Stage::Sympathiser),
        ("ctd", Stage::Sympathiser),
        ("da hoc lop nhan thuc", Stage::AwarenessCertified),
        ("doi tuong ket nap", Stage::FileOpened),
        ("xin vao dang", Stage::FileOpened),
        ("da nop don", Stage::FileOpened),
        ("du bi", Stage::Probation),
        ("dang vien du bi", Stage::Probation),
        ("dvdb", Stage::Probation),
        ("chinh thuc", Stage::Official),
        ("dang vien chinh thuc", Stage::Official),
        ("dvct", Stage::Official),
    ];
    Stage::ALL
        .into_iter()
        .find(|s| header_key(s.label_vi()) == key)
        .or_else(|| short.iter().find(|(k, _)| *k == key).map(|(_, s)| *s))
}

/// A paper's number and date from two columns: both or neither.
fn doc(cell: &mut Reader<'_>, number_key: &str, date_key: &str) -> Option<Option<DocRef>> {
    let number = cell.text(number_key);
    let dated = cell.day(date_key, false);
    let failed = cell
        .table
        .get(cell.row, date_key)
        .is_some_and(|v| !v.is_empty())
        && dated.is_none();
    if failed {
        return None;
    }
    match dated {
        Some(dated) if number.is_empty() => {
            cell.problem(
                number_key,
                format!("Có ngày {} nhưng thiếu số.", dmy(dated)),
            );
            None
        }
        None if !number.is_empty() => {
            cell.problem(date_key, format!("Có số \"{number}\" nhưng thiếu ngày."));
            None
        }
        Some(dated) => Some(Some(DocRef { number, dated })),
        None => Some(None),
    }
}

fn milestones(cell: &mut Reader<'_>) -> Option<Milestones> {
    let stage = match cell.text("stage").as_str() {
        "" => None,
        text => match stage(text) {
            Some(s) => Some(s),
            None => {
                cell.problem(
                    "stage",
                    "Không hiểu giai đoạn này; ghi một trong: Quần chúng ưu tú (nguồn), Cảm tình Đảng, Đã học lớp nhận thức về Đảng, Đã nộp đơn và lý lịch, Đã có quyết định kết nạp, Đảng viên dự bị, Đảng viên chính thức.",
                );
                return None;
            }
        },
    };
    let identified_on = cell.day("identified_on", false);
    let sympathiser_on = cell.day("sympathiser_on", false);
    let awareness = doc(cell, "awareness_number", "awareness_on");
    let file_opened_on = cell.day("file_opened_on", false);
    let decision = doc(cell, "decision_number", "decision_on");
    let ceremony_on = cell.day("ceremony_on", false);
    let recognition = doc(cell, "recognition_number", "recognition_on");
    Some(Milestones {
        stage,
        identified_on,
        sympathiser_on,
        awareness_certificate: awareness?,
        file_opened_on,
        decision: decision?,
        ceremony_on,
        recognition_decision: recognition?,
    })
}

/// The cells of the scope a row may name, by code or by name.
struct Cells {
    /// The active cells.
    index: UnitIndex,
    names: HashMap<ketnap_domain::ids::UnitId, String>,
    /// Names looked up so far, with what they found.
    seen: RefCell<HashMap<String, Result<Unit, &'static str>>>,
}

impl Cells {
    fn new(units: Vec<Unit>, today: chrono::NaiveDate) -> Cells {
        let mut cells = Cells {
            index: UnitIndex::default(),
            names: HashMap::new(),
            seen: RefCell::new(HashMap::new()),
        };
        for unit in units {
            cells.names.insert(unit.id, unit.name.clone());
            if !unit.kind.holds_cases() || !unit.is_active_on(today) {
                continue;
            }
            cells.index.add(unit);
        }
        cells
    }

    fn find(&self, cell: &mut Reader<'_>) -> Option<Unit> {
        let code = cell.text("cell_code");
        if !code.is_empty() {
            return match self.index.with_code(&code) {
                Some(unit) => Some(unit.clone()),
                None => {
                    cell.problem(
                        "cell_code",
                        "Không có chi bộ đang hoạt động nào mang mã này trong phạm vi của tài khoản.",
                    );
                    None
                }
            };
        }
        let name = cell.text("cell");
        if name.is_empty() {
            cell.problem("cell", "Thiếu chi bộ (ghi mã chi bộ hoặc tên chi bộ).");
            return None;
        }
        // A list names the same few cells on every row: each name is looked up once.
        let found = self
            .seen
            .borrow_mut()
            .entry(name.clone())
            .or_insert_with(|| self.by_name(&name))
            .clone();
        found.map_err(|message| cell.problem("cell", message)).ok()
    }

    /// The one active cell of this name; namesakes without diacritics ("Thạnh An",
    /// "Thanh An") are told apart by them.
    fn by_name(&self, name: &str) -> Result<Unit, &'static str> {
        let named: Vec<&Unit> = self
            .index
            .named(name)
            .iter()
            .filter(|u| crate::names::same_name(&u.name, name))
            .collect();
        match named.as_slice() {
            [unit] => Ok((*unit).clone()),
            [_, _, ..] => {
                Err("Có nhiều chi bộ cùng tên này trong phạm vi của tài khoản; hãy ghi mã chi bộ.")
            }
            _ => {
                Err("Không có chi bộ đang hoạt động nào mang tên này trong phạm vi của tài khoản.")
            }
        }
    }

    fn name(&self, id: ketnap_domain::ids::UnitId) -> &str {
        self.names.get(&id).map_or("", String::as_str)
    }
}

/// Name, date of birth and cell: how a person without a citizen id is recognised.
fn identity_key(details: &PersonDetails, cell: &Unit) -> String {
    format!(
        "{}|{}|{}",
        search_key(&details.name.full()),
        details.birth.display(),
        cell.id.0
    )
}

/// The people on file, by citizen id and by name and date of birth.
struct Index<'a> {
    people: HashMap<PersonId, &'a KnownPerson>,
    by_citizen_id: HashMap<&'a str, PersonId>,
    by_name_birth: HashMap<String, Vec<&'a KnownPerson>>,
}

impl<'a> Index<'a> {
    fn new(known: &'a [KnownPerson]) -> Index<'a> {
        let mut index = Index {
            people: HashMap::new(),
            by_citizen_id: HashMap::new(),
            by_name_birth: HashMap::new(),
        };
        for k in known {
            index.people.insert(k.person.id, k);
            if let Some(id) = &k.person.details.citizen_id {
                index.by_citizen_id.insert(id.as_str(), k.person.id);
            }
            index
                .by_name_birth
                .entry(name_birth(&k.person.details))
                .or_default()
                .push(k);
        }
        index
    }

    fn find(&self, row: &Read, elsewhere: &HashSet<String>) -> Match {
        if let Some(id) = &row.details.citizen_id {
            if let Some(person) = self.by_citizen_id.get(id.as_str()) {
                return Match::Known(*person);
            }
            if elsewhere.contains(id.as_str()) {
                return Match::Elsewhere;
            }
        }
        let same: Vec<PersonId> = self
            .by_name_birth
            .get(&name_birth(&row.details))
            .into_iter()
            .flatten()
            .filter(|k| k.cases.iter().any(|c| c.cell == row.cell.id))
            // A person on file with another citizen id is someone else.
            .filter(|k| row.details.citizen_id.is_none() || k.person.details.citizen_id.is_none())
            .map(|k| k.person.id)
            .collect();
        match same.as_slice() {
            [] => Match::New,
            [one] => Match::Known(*one),
            _ => Match::Ambiguous(same),
        }
    }
}

fn name_birth(details: &PersonDetails) -> String {
    format!(
        "{}|{}",
        search_key(&details.name.full()),
        details.birth.display()
    )
}

/// A line telling a candidate apart: name, birth, citizen id's last digits, cell, stage.
fn describe(known: &KnownPerson, cells: &Cells) -> String {
    let d = &known.person.details;
    let id = d
        .citizen_id
        .as_ref()
        .map(|c| {
            let s = c.as_str();
            format!(", CCCD …{}", &s[s.len().saturating_sub(4)..])
        })
        .unwrap_or_default();
    let case = known
        .cases
        .last()
        .map(|c| format!(", {} — {}", cells.name(c.cell), c.stage.label_vi()))
        .unwrap_or_default();
    format!("{}, sinh {}{id}{case}", d.name.full(), d.birth.display())
}

/// What the preview shows of a row.
pub(crate) const PREVIEW_HEADERS: [&str; 13] = [
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Số CCCD",
    "Chi bộ",
    "Giai đoạn",
    "Xác định nguồn",
    "Cảm tình Đảng",
    "GCN nhận thức",
    "Nộp đơn",
    "QĐ kết nạp",
    "Kết nạp",
    "Công nhận chính thức",
];

/// The row as understood, under [`PREVIEW_HEADERS`].
fn preview(r: &Read) -> Vec<String> {
    let d = &r.details;
    let m = &r.milestones;
    let day = |d: Option<chrono::NaiveDate>| d.map(dmy).unwrap_or_default();
    let doc_day = |d: &Option<DocRef>| day(d.as_ref().map(|d| d.dated));
    vec![
        d.name.full(),
        d.birth.display(),
        d.sex.label_vi().to_string(),
        d.citizen_id
            .as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default(),
        r.cell.name.clone(),
        m.stage
            .map(|s| s.label_vi().to_string())
            .unwrap_or_default(),
        day(m.identified_on),
        day(m.sympathiser_on),
        doc_day(&m.awareness_certificate),
        day(m.file_opened_on),
        doc_day(&m.decision),
        day(m.ceremony_on),
        doc_day(&m.recognition_decision),
    ]
}
