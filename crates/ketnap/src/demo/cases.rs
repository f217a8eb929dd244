//! Cases built by running planned actions through `workflow::apply`, so that every case and
//! every event of the demo obeys the rules the product enforces.

use std::collections::HashMap;

use anyhow::{Context, anyhow};
use chrono::{Datelike, Months, NaiveDate, NaiveTime, Weekday};
use ketnap_domain::action::Action;
use ketnap_domain::calendar::Calendar;
use ketnap_domain::case::{
    Case, Certificate, DocRef, Introducer, PartyMember, PriorMembership, Stage, TaskResult, Vote,
};
use ketnap_domain::course::{Course, CourseKind, CourseResult, Participant};
use ketnap_domain::deadline::{DeadlineStatus, next_deadline};
use ketnap_domain::ids::{CaseId, CourseId, MassOrgId, PersonId};
use ketnap_domain::person::{Person, PersonDetails};
use ketnap_domain::rules::{RuleBook, RuleSet};
use ketnap_domain::workflow::{self, Actor, Event, file_stale_after, probation_end};
use rand::{Rng, SeedableRng};

use super::names::{self, CitizenIds, one, weighted};
use super::people;
use super::units::{Area, Cell, Org, Tree};
use super::{Rng8, plus, ymd};

/// Sources identified a year in the demo city: with the exits below, about 11,000
/// admissions a year, 3 % of the city's members as the directive asks.
pub(super) const DEMO_SOURCES_PER_YEAR: f64 = 13_800.0;

/// How far back the demo's history goes, in months before the current month.
pub(super) const DEMO_HISTORY_MONTHS: u32 = 38;

/// How many cases a region gets, and where its ids start.
#[derive(Debug, Clone, Copy)]
pub(super) struct Flow {
    /// Sources identified a year in the whole region.
    pub sources_per_year: f64,
    /// Mixed into every area's seed; 0 gives the demo city.
    pub salt: u64,
    /// Ids already in use: the region's people, cases and classes come after them.
    pub cases_before: i64,
    pub courses_before: i64,
}

/// Attempts at placing a deliberately overdue case before keeping the last one as it is.
const STALL_ATTEMPTS: usize = 40;

/// The shared inputs of every case.
#[derive(Debug)]
pub(super) struct Env<'a> {
    pub rules: &'a RuleBook,
    pub calendar: &'a Calendar,
    pub today: NaiveDate,
    /// The first day a source may be identified.
    pub start: NaiveDate,
    /// The latest 1 January: cells' headcounts are counted then.
    pub latest_jan1: NaiveDate,
}

impl Env<'_> {
    pub(super) fn new<'a>(
        rules: &'a RuleBook,
        calendar: &'a Calendar,
        today: NaiveDate,
        history_months: u32,
    ) -> anyhow::Result<Env<'a>> {
        let month = ymd(today.year(), today.month(), 1)?;
        let start = month
            .checked_sub_months(Months::new(history_months))
            .context("ngày đầu của lịch sử mẫu")?;
        Ok(Env {
            rules,
            calendar,
            today,
            start,
            latest_jan1: ymd(today.year(), 1, 1)?,
        })
    }

    fn set(&self, on: NaiveDate) -> anyhow::Result<&RuleSet> {
        Ok(self.rules.in_force_on(on)?)
    }

    /// `d` or the next working day.
    fn wd(&self, d: NaiveDate) -> NaiveDate {
        let mut day = d;
        for _ in 0..40 {
            if self.calendar.is_working_day(day) {
                return day;
            }
            day = plus(day, 1);
        }
        d
    }

    fn add_wd(&self, d: NaiveDate, n: u32) -> NaiveDate {
        self.calendar.add_working_days(d, n)
    }
}

/// Everything the simulation produces.
#[derive(Debug, Default)]
pub(super) struct History {
    /// Ids in use before this history: its cases (and people) and classes follow them.
    cases_before: i64,
    courses_before: i64,
    pub people: Vec<Person>,
    pub cases: Vec<Case>,
    pub events: Vec<(CaseId, Event)>,
    pub courses: Vec<(Course, Vec<Participant>)>,
    /// Cases left overdue on purpose, and how many of them ended up overdue.
    pub stalls_planned: usize,
    pub stalls_overdue: usize,
}

/// How a case is meant to end (if time allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Admit,
    Withdraw(Stage),
    Transfer(Stage),
    Death(Stage),
    RejectVote,
    RejectBase,
    RejectDecision,
    StrikeOff,
    FailRecognition,
}

/// Where a deliberately overdue case stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stall {
    /// The file is more than 12 months old without a vote.
    File,
    /// No admission decision within 60 working days of the cell's vote.
    Decision,
    /// No ceremony within 30 working days of receiving the decision.
    Ceremony,
    /// No recognition vote within 30 working days after probation.
    RecognitionVote,
    /// No recognition decision within 30 working days of the cell's vote.
    RecognitionDecision,
}

impl Stall {
    const ALL: [Stall; 5] = [
        Stall::File,
        Stall::Decision,
        Stall::Ceremony,
        Stall::RecognitionVote,
        Stall::RecognitionDecision,
    ];

    /// The action that never happens.
    fn stop(self, rng: &mut Rng8) -> &'static str {
        match self {
            Stall::File => one(
                rng,
                &[
                    "record_introductions",
                    "record_opinions",
                    "complete_verification",
                    "cell_vote",
                    "cell_vote",
                ],
            ),
            Stall::Decision => "decide_admission",
            Stall::Ceremony => "hold_ceremony",
            Stall::RecognitionVote => "recognition_vote",
            Stall::RecognitionDecision => "decide_recognition",
        }
    }

    /// Identification dates (months before today) that put the missed deadline in the
    /// recent past, and the most days overdue to accept.
    fn window(self) -> (u32, u32, i64) {
        match self {
            Stall::File => (16, 24, 240),
            Stall::Decision => (12, 18, 150),
            Stall::Ceremony => (11, 18, 150),
            Stall::RecognitionVote => (24, 31, 150),
            Stall::RecognitionDecision => (25, 32, 150),
        }
    }
}

/// Occasional departures from the straight path, all allowed by the rules.
#[derive(Debug, Clone, Copy, Default)]
struct Mods {
    late_decision: bool,
    extension: bool,
    late_ceremony: bool,
    late_recognition_vote: bool,
    late_recognition_decision: bool,
    renew: bool,
    absent: bool,
    extra_helper: bool,
    second_task: bool,
    readmission: bool,
}

fn draw_fate(rng: &mut Rng8) -> Fate {
    let roll = rng.gen_range(0..1000);
    let early = [
        (Stage::Source, 20),
        (Stage::Sympathiser, 30),
        (Stage::AwarenessCertified, 15),
        (Stage::FileOpened, 10),
        (Stage::Introduced, 8),
        (Stage::OpinionsCollected, 7),
        (Stage::Verified, 10),
    ];
    let any = [
        (Stage::Sympathiser, 15),
        (Stage::AwarenessCertified, 10),
        (Stage::FileOpened, 10),
        (Stage::Introduced, 5),
        (Stage::OpinionsCollected, 5),
        (Stage::Verified, 5),
        (Stage::CellResolved, 5),
        (Stage::Decided, 5),
        (Stage::Probation, 20),
    ];
    match roll {
        0..90 => Fate::Withdraw(weighted(rng, &early)),
        90..130 => Fate::Transfer(weighted(rng, &any)),
        130..133 => Fate::Death(weighted(rng, &any)),
        133..148 => Fate::RejectVote,
        148..153 => Fate::RejectBase,
        153..163 => Fate::RejectDecision,
        163..170 => Fate::StrikeOff,
        170..173 => Fate::FailRecognition,
        _ => Fate::Admit,
    }
}

fn draw_mods(rng: &mut Rng8) -> Mods {
    let late_decision = rng.gen_bool(0.04);
    Mods {
        late_decision,
        extension: !late_decision && rng.gen_bool(0.03),
        late_ceremony: rng.gen_bool(0.03),
        late_recognition_vote: rng.gen_bool(0.04),
        late_recognition_decision: rng.gen_bool(0.02),
        renew: rng.gen_bool(0.02),
        absent: rng.gen_bool(0.04),
        extra_helper: rng.gen_bool(0.1),
        second_task: rng.gen_bool(0.15),
        readmission: rng.gen_bool(0.004),
    }
}

const WITHDRAW_EARLY: [&str; 5] = [
    "Không hoàn thành nhiệm vụ thử thách",
    "Xin rút vì hoàn cảnh gia đình",
    "Chuyển đi nơi khác sinh sống",
    "Đi du học nước ngoài",
    "Nghỉ việc tại đơn vị",
];
const WITHDRAW_LATE: [&str; 3] = [
    "Xin rút vì hoàn cảnh gia đình",
    "Nghỉ việc, chuyển đi nơi khác",
    "Kết quả thẩm tra lý lịch chưa đủ điều kiện xem xét kết nạp",
];
const TRANSFER: [&str; 3] = [
    "Chuyển công tác sang đơn vị khác",
    "Chuyển nơi cư trú",
    "Thay đổi nơi làm việc",
];
const STRIKE_OFF: [&str; 3] = [
    "Không hoàn thành nhiệm vụ đảng viên dự bị",
    "Vi phạm tư cách đảng viên dự bị",
    "Bỏ sinh hoạt chi bộ nhiều kỳ không có lý do",
];
const LATE_DECISION: [&str; 3] = [
    "Chờ kết quả thẩm tra lý lịch bổ sung",
    "Chờ ý kiến của cấp ủy nơi cư trú",
    "Ban Thường vụ chưa họp do sắp xếp tổ chức bộ máy",
];
const EXTENSION: [&str; 2] = [
    "Cần thẩm tra bổ sung lý lịch của người thân ở nước ngoài",
    "Chờ xác minh đơn phản ánh",
];
const LATE_RECOGNITION: [&str; 3] = [
    "Đảng viên dự bị đi công tác dài ngày",
    "Chi bộ chờ nhận xét của đoàn thể nơi làm việc",
    "Chi bộ họp chậm do sắp xếp tổ chức",
];

fn tasks(org: Org) -> &'static [&'static str] {
    match org {
        Org::Residential => &[
            "Tham gia vận động nhân dân giữ gìn vệ sinh môi trường khu phố",
            "Tham gia tổ bảo vệ an ninh trật tự cơ sở",
            "Phụ trách sinh hoạt hè cho thiếu nhi tại địa bàn",
            "Vận động ủng hộ Quỹ Vì người nghèo",
        ],
        Org::Preschool | Org::Primary | Org::Secondary | Org::HighSchool | Org::College => &[
            "Chủ nhiệm lớp đạt chỉ tiêu chất lượng học kỳ",
            "Phụ trách bồi dưỡng học sinh giỏi",
            "Thực hiện chuyên đề đổi mới phương pháp dạy học",
        ],
        Org::HealthStation | Org::Hospital => &[
            "Tham gia khám chữa bệnh nhân đạo tại vùng khó khăn",
            "Tham gia chiến dịch tiêm chủng mở rộng",
            "Thực hiện sáng kiến cải tiến quy trình chăm sóc người bệnh",
        ],
        Org::PartyBodies | Org::Government | Org::PublicService | Org::UniversityOffice => &[
            "Hoàn thành tốt việc tiếp nhận, giải quyết hồ sơ hành chính",
            "Tham gia tổ công tác chuyển đổi số",
            "Tham gia tổ chức Đại hội Đảng bộ",
        ],
        Org::StateEnterprise | Org::Enterprise => &[
            "Hoàn thành vượt định mức sản xuất của tổ",
            "Tham gia phong trào sáng kiến cải tiến kỹ thuật",
            "Vận động công nhân tham gia tổ chức công đoàn",
        ],
        Org::ArmedForces => &[
            "Hoàn thành tốt nhiệm vụ tuần tra, bảo vệ",
            "Tham gia huấn luyện đạt loại giỏi",
        ],
        Org::Lecturers => &[
            "Chủ trì đề tài nghiên cứu khoa học cấp trường",
            "Cố vấn học tập cho sinh viên",
        ],
        Org::Students => &[
            "Đạt kết quả học tập loại khá trở lên",
            "Tham gia chiến dịch Mùa hè xanh",
            "Làm Bí thư Chi đoàn lớp",
        ],
        Org::Press => &[
            "Thực hiện loạt bài về công tác xây dựng Đảng",
            "Tham gia tuyên truyền Nghị quyết Đại hội Đảng bộ",
        ],
    }
}

/// Numbering of documents: per issuer and year.
#[derive(Debug, Default)]
struct Numbers(HashMap<(u8, i64, i32), u32>);

impl Numbers {
    fn next(&mut self, tag: u8, issuer: i64, year: i32) -> u32 {
        let n = self.0.entry((tag, issuer, year)).or_insert(0);
        *n += 1;
        *n
    }
}

const CELL_DOC: u8 = 0;
const BASE_DOC: u8 = 1;
const MASS_DOC: u8 = 2;
const CERTIFICATE: u8 = 3;
const AREA_DECISION: u8 = 4;
const AREA_LETTER: u8 = 5;
const AREA_OLD: u8 = 8;

/// A class on the schedule of an area.
#[derive(Debug, Clone, Copy)]
struct Class {
    id: CourseId,
    starts: NaiveDate,
    ends: NaiveDate,
}

/// A planned case: the actions in order (some may lie after today and are not applied).
#[derive(Debug)]
struct Plan {
    identified: NaiveDate,
    nomination: Option<(MassOrgId, DocRef)>,
    actions: Vec<Action>,
    /// A class the candidate missed.
    absent: Option<Class>,
    tasks: Vec<(NaiveDate, NaiveDate)>,
    failed_task: bool,
}

/// One case after the workflow ran it.
#[derive(Debug)]
struct Done {
    person: PersonDetails,
    case: Case,
    events: Vec<Event>,
    participants: Vec<(CourseId, Participant)>,
}

/// Simulates every area in turn; `ids` are the CCCDs issued so far (across regions).
pub(super) fn simulate(
    tree: &Tree,
    env: &Env,
    flow: Flow,
    ids: &mut CitizenIds,
) -> anyhow::Result<History> {
    let mut history = History {
        cases_before: flow.cases_before,
        courses_before: flow.courses_before,
        ..History::default()
    };
    let total: f64 = tree.cells.iter().map(|c| c.yearly_sources).sum();
    let scale = if total > 0.0 {
        flow.sources_per_year / total
    } else {
        0.0
    };
    for (index, area) in tree.areas.iter().enumerate() {
        let seed =
            0x6b65_746e_6170_c45e ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ flow.salt;
        let mut run = AreaRun {
            env,
            tree,
            area,
            rng: Rng8::seed_from_u64(seed),
            numbers: Numbers::default(),
            awareness: Vec::new(),
            new_member: Vec::new(),
            actor: Actor("demo".to_string()),
        };
        run.schedule(&mut history)?;
        run.cases(&mut history, ids, scale)?;
    }
    Ok(history)
}

struct AreaRun<'a> {
    env: &'a Env<'a>,
    tree: &'a Tree,
    area: &'a Area,
    rng: Rng8,
    numbers: Numbers,
    awareness: Vec<Class>,
    new_member: Vec<Class>,
    actor: Actor,
}

impl AreaRun<'_> {
    /// The area's awareness and new-member classes, every two or three months.
    fn schedule(&mut self, history: &mut History) -> anyhow::Result<()> {
        let courses = &mut history.courses;
        let busy: f64 = self
            .area
            .cells
            .iter()
            .filter_map(|&i| self.tree.cells.get(i))
            .map(|c| c.yearly_sources)
            .sum();
        let first = self.env.start;
        for (kind, period, days) in [
            (CourseKind::Awareness, if busy > 150.0 { 3 } else { 4 }, 5),
            (CourseKind::NewMember, if busy > 150.0 { 4 } else { 6 }, 7),
        ] {
            let offset = self.rng.gen_range(0..period);
            let mut month = first;
            let mut index = 0u32;
            let mut in_year = (month.year(), 0u32);
            while month <= self.env.today {
                if (index + offset).is_multiple_of(period) {
                    let mut starts = plus(month, self.rng.gen_range(1..18));
                    while starts.weekday() != Weekday::Mon
                        || !self.env.calendar.is_working_day(starts)
                    {
                        starts = plus(starts, 1);
                    }
                    if starts > self.env.today {
                        break;
                    }
                    let ends = self.env.add_wd(starts, days - 1);
                    if in_year.0 != starts.year() {
                        in_year = (starts.year(), 0);
                    }
                    in_year.1 += 1;
                    let id = CourseId(history.courses_before + courses.len() as i64 + 1);
                    let name = match kind {
                        CourseKind::Awareness => format!(
                            "Lớp bồi dưỡng nhận thức về Đảng, khóa {} năm {}",
                            in_year.1, in_year.0
                        ),
                        CourseKind::NewMember => format!(
                            "Lớp bồi dưỡng lý luận chính trị cho đảng viên mới, khóa {} năm {}",
                            in_year.1, in_year.0
                        ),
                    };
                    courses.push((
                        Course {
                            id,
                            kind,
                            name,
                            organiser: self.area.organiser.clone(),
                            unit: self.area.unit,
                            starts_on: starts,
                            ends_on: ends,
                        },
                        Vec::new(),
                    ));
                    let class = Class { id, starts, ends };
                    match kind {
                        CourseKind::Awareness => self.awareness.push(class),
                        CourseKind::NewMember => self.new_member.push(class),
                    }
                }
                index += 1;
                month = month
                    .checked_add_months(Months::new(1))
                    .context("lịch lớp học")?;
            }
        }
        Ok(())
    }

    /// All cases of the area: the steady flow of every cell, then the overdue ones.
    fn cases(
        &mut self,
        history: &mut History,
        ids: &mut CitizenIds,
        scale: f64,
    ) -> anyhow::Result<()> {
        let env = self.env;
        let mut seeds: Vec<(NaiveDate, usize)> = Vec::new();
        for &cell in &self.area.cells {
            let Some(c) = self.tree.cells.get(cell) else {
                continue;
            };
            // Cells founded with the new wards (1 July 2025) have cases from then on only.
            let from = env.start.max(c.founded);
            let span = (env.today - from).num_days();
            if span < 2 {
                continue;
            }
            let expected = c.yearly_sources * scale * span as f64 / 365.25;
            let mut n = expected.floor() as usize;
            if self.rng.gen_bool(expected.fract().clamp(0.0, 1.0)) {
                n += 1;
            }
            for _ in 0..n {
                let day = plus(from, self.rng.gen_range(0..span - 1));
                seeds.push((env.wd(day).min(env.today), cell));
            }
        }
        seeds.sort();
        for (identified, cell_index) in seeds {
            let cell = &self.tree.cells[cell_index];
            let person = people::candidate(
                &mut self.rng,
                ids,
                &self.tree.areas,
                cell,
                identified,
                env.today,
            )?;
            let fate = match draw_fate(&mut self.rng) {
                Fate::RejectBase if cell.base.is_none() => Fate::RejectVote,
                fate => fate,
            };
            let mods = draw_mods(&mut self.rng);
            let plan = self.plan(cell, &person, identified, fate, mods)?;
            let done = self.run(cell, person, plan, None)?;
            accept(history, done);
        }

        // Cases stopped before a deadline that has now passed.
        let weights: Vec<(usize, u32)> = self
            .area
            .cells
            .iter()
            .filter_map(|&i| {
                let c = self.tree.cells.get(i).filter(|c| c.founded <= env.start)?;
                Some((i, (c.yearly_sources * 100.0).round().max(1.0) as u32))
            })
            .collect();
        if weights.is_empty() {
            return Ok(());
        }
        for k in 0..self.area.stalls {
            let stall = match Stall::ALL.get(k) {
                Some(kind) if self.area.stalls >= Stall::ALL.len() => *kind,
                _ => one(&mut self.rng, &Stall::ALL),
            };
            let cell_index = weighted(&mut self.rng, &weights);
            let cell = &self.tree.cells[cell_index];
            let (from, to, max_overdue) = stall.window();
            history.stalls_planned += 1;
            let mut kept = None;
            for attempt in 0..STALL_ATTEMPTS {
                let earliest = months_before(env.today, to)?;
                let latest = months_before(env.today, from)?;
                let days = (latest - earliest).num_days().max(1);
                let identified = env.wd(plus(earliest, self.rng.gen_range(0..days)));
                let person = people::candidate(
                    &mut self.rng,
                    ids,
                    &self.tree.areas,
                    cell,
                    identified,
                    env.today,
                )?;
                let plan = self.plan(cell, &person, identified, Fate::Admit, Mods::default())?;
                let stop = stall.stop(&mut self.rng);
                let done = self.run(cell, person, plan, Some(stop))?;
                let overdue =
                    match next_deadline(&done.case, env.rules, env.calendar, env.today, 7)? {
                        Some(deadline) => match deadline.status {
                            DeadlineStatus::Overdue(days) => days <= max_overdue,
                            _ => false,
                        },
                        None => false,
                    };
                if overdue {
                    history.stalls_overdue += 1;
                }
                if overdue || attempt + 1 == STALL_ATTEMPTS {
                    kept = Some(done);
                    break;
                }
            }
            if let Some(done) = kept {
                accept(history, done);
            }
        }
        Ok(())
    }

    /// Applies the plan's actions up to today (or up to `stop`), as the users would have.
    fn run(
        &mut self,
        cell: &Cell,
        person: PersonDetails,
        plan: Plan,
        stop: Option<&str>,
    ) -> anyhow::Result<Done> {
        let env = self.env;
        let mut case = Case::new_source(
            CaseId(0),
            PersonId(0),
            cell.unit,
            cell.kind.needs_base_resolution(),
            plan.identified,
            plan.nomination,
        );
        let mut events = Vec::with_capacity(plan.actions.len());
        let mut participants = Vec::new();
        let ten_am = NaiveTime::from_hms_opt(3, 0, 0).context("giờ ghi sự kiện")?;
        for action in &plan.actions {
            let on = action.date();
            if on > env.today || stop == Some(action.code()) {
                break;
            }
            let now = on.and_time(ten_am).and_utc();
            let transition = workflow::apply(
                &case,
                &person,
                action,
                &self.actor,
                now,
                env.rules,
                env.calendar,
            )
            .map_err(|violation| {
                anyhow!(
                    "dữ liệu mẫu: hồ sơ ở chi bộ {} bị từ chối bước \"{}\" ngày {}: {violation}",
                    cell.unit,
                    action.code(),
                    on
                )
            })?;
            if let Action::RecordAwarenessCertificate { certificate }
            | Action::RecordNewMemberCourse { certificate } = action
                && let Some(course) = certificate.course
            {
                participants.push((
                    course,
                    Participant {
                        person: PersonId(0),
                        result: CourseResult::Passed,
                        certificate_number: certificate.number.clone(),
                    },
                ));
            }
            events.push(transition.event);
            case = transition.case;
        }
        if let Some(class) = plan.absent {
            let closed_before = case.exit.as_ref().is_some_and(|e| e.on < class.ends);
            if class.ends <= env.today && !closed_before {
                participants.push((
                    class.id,
                    Participant {
                        person: PersonId(0),
                        result: CourseResult::Absent,
                        certificate_number: String::new(),
                    },
                ));
            }
        }
        Ok(Done {
            person,
            case,
            events,
            participants,
        })
    }

    fn member(&mut self) -> PartyMember {
        PartyMember {
            name: names::member_name(&mut self.rng),
            card_number: String::new(),
        }
    }

    fn cell_doc(&mut self, cell: &Cell, kind: &str, dated: NaiveDate) -> DocRef {
        let n = self.numbers.next(CELL_DOC, cell.unit.0, dated.year());
        DocRef {
            number: format!("{n:02}-{kind}/CB"),
            dated,
        }
    }

    /// A document of the base committee above a cell (or of the base cell itself).
    fn base_doc(&mut self, cell: &Cell, kind: &str, dated: NaiveDate) -> DocRef {
        match cell.base {
            Some(base) => {
                let n = self.numbers.next(BASE_DOC, base.0, dated.year());
                DocRef {
                    number: format!("{n:02}-{kind}/ĐU"),
                    dated,
                }
            }
            None => self.cell_doc(cell, kind, dated),
        }
    }

    /// A decision (`QĐ`) or letter (`CV`) of the competent committee: the ward or commune
    /// committee since 1 July 2025, the district committee before.
    fn area_doc(&mut self, kind: &str, dated: NaiveDate) -> anyhow::Result<DocRef> {
        let reform = ymd(2025, 7, 1)?;
        let old = self.area.commune_level && dated < reform;
        let suffix = if !old {
            "ĐU"
        } else {
            match (self.area.first_word, self.area.province) {
                ("Phường", "079") => "QU",
                ("Phường", _) => "TU",
                _ => "HU",
            }
        };
        let tag = if kind == "QĐ" {
            AREA_DECISION
        } else {
            AREA_LETTER
        } + if old { AREA_OLD } else { 0 };
        let n = self.numbers.next(tag, self.area.unit.0, dated.year());
        Ok(DocRef {
            number: format!("{n}-{kind}/{suffix}"),
            dated,
        })
    }

    fn certificate(&mut self, class: &Class) -> Certificate {
        let n = self
            .numbers
            .next(CERTIFICATE, self.area.unit.0, class.ends.year());
        let issuer = if self.area.commune_level {
            "TTCT"
        } else {
            "ĐU"
        };
        Certificate {
            number: format!("{n:03}/GCN-{issuer}"),
            issued_on: class.ends,
            course: Some(class.id),
        }
    }

    fn official_at(&self, cell: &Cell, on: NaiveDate) -> i64 {
        if on >= self.env.latest_jan1 {
            cell.official
        } else {
            cell.official_year_before()
        }
    }

    /// A cell's vote: most official members in favour, or too few when `pass` is false.
    fn vote(&mut self, resolution: DocRef, official: i64, pass: bool, set: &RuleSet) -> Vote {
        let n = u32::try_from(official.max(3)).unwrap_or(3);
        let num = set.admission.vote_approval_numerator;
        let den = set.admission.vote_approval_denominator.max(1);
        let needed = (n * num).div_ceil(den);
        let votes_for = if pass {
            let present = (f64::from(n) * self.rng.gen_range(0.8..=1.0)).round() as u32;
            present.clamp(needed, n)
        } else if needed > 1 {
            self.rng.gen_range(needed / 2..needed)
        } else {
            0
        };
        Vote {
            resolution,
            votes_for,
            official_members: n,
        }
    }

    fn nomination(
        &mut self,
        cell: &Cell,
        person: &PersonDetails,
        identified: NaiveDate,
    ) -> Option<(MassOrgId, DocRef)> {
        let area = self.area;
        let (org, kind) = if person.youth_union_member && self.rng.gen_bool(0.7) {
            (cell.youth.or(area.youth)?, "NQ/ĐTN")
        } else if person.trade_union_member && self.rng.gen_bool(0.5) {
            (cell.trade.or(area.trade)?, "NQ/CĐ")
        } else if cell.org == Org::Residential {
            let born = person.birth.year();
            match self.rng.gen_range(0..10) {
                0 | 1 if person.sex == ketnap_domain::citizen_id::Sex::Female => {
                    (area.women?, "NQ/HPN")
                }
                2 | 3 if person.occupation == "Nông dân" => (area.farmers?, "NQ/HND"),
                // Former soldiers join the Veterans' Association.
                4 if person.sex == ketnap_domain::citizen_id::Sex::Male
                    && identified.year() - born >= 30 =>
                {
                    (area.veterans?, "NQ/CCB")
                }
                _ => return None,
            }
        } else {
            return None;
        };
        let dated = plus(identified, -self.rng.gen_range(2..20));
        let n = self.numbers.next(MASS_DOC, org.0, dated.year());
        Some((
            org,
            DocRef {
                number: format!("{n:02}-{kind}"),
                dated,
            },
        ))
    }

    /// Introducing members (and a union's resolution standing in for one of them).
    fn introductions(
        &mut self,
        cell: &Cell,
        person: &PersonDetails,
        on: NaiveDate,
    ) -> anyhow::Result<Action> {
        let set = self.env.set(on)?;
        let needed = set.admission.introducers_required.max(1) as usize;
        let months = set.admission.introducer_months_together;
        let union = if person.youth_union_member {
            cell.youth.or(self.area.youth).map(|m| (m, "NQ/ĐTN"))
        } else if person.trade_union_member {
            cell.trade.or(self.area.trade).map(|m| (m, "NQ/CĐ"))
        } else {
            None
        };
        let union = union.filter(|_| needed >= 2 && self.rng.gen_bool(0.6));
        let members = if union.is_some() { needed - 1 } else { needed };
        let mut introducers = Vec::with_capacity(members);
        for _ in 0..members {
            let extra = if cell.org == Org::Students {
                self.rng.gen_range(1..12)
            } else {
                self.rng.gen_range(1..48)
            };
            introducers.push(Introducer {
                member: self.member(),
                worked_together_since: months_before(on, months + extra)?,
            });
        }
        let mass_org_resolution = union.map(|(org, kind)| {
            let dated = plus(on, -self.rng.gen_range(0..10));
            let n = self.numbers.next(MASS_DOC, org.0, dated.year());
            DocRef {
                number: format!("{n:02}-{kind}"),
                dated,
            }
        });
        Ok(Action::RecordIntroductions {
            on,
            introducers,
            mass_org_resolution,
        })
    }

    /// The exit `fate` calls for once the case has reached `stage` on `on`.
    fn leave(&mut self, fate: Fate, stage: Stage, on: NaiveDate, cell: &Cell) -> Option<Action> {
        let day = self.env.wd(plus(on, self.rng.gen_range(15..120)));
        match fate {
            Fate::Withdraw(at) if at == stage => {
                let reason = if stage <= Stage::AwarenessCertified {
                    one(&mut self.rng, &WITHDRAW_EARLY)
                } else {
                    one(&mut self.rng, &WITHDRAW_LATE)
                };
                Some(Action::Withdraw {
                    on: day,
                    reason: reason.to_string(),
                })
            }
            Fate::Transfer(at) if at == stage => {
                let cells = &self.tree.cells;
                let mut to = cell.unit;
                for _ in 0..50 {
                    let other = &cells[self.rng.gen_range(0..cells.len())];
                    if other.unit != cell.unit && other.founded <= day {
                        to = other.unit;
                        break;
                    }
                }
                if to == cell.unit {
                    return None;
                }
                let reason = if cell.org == Org::Students {
                    "Tốt nghiệp, chuyển về công tác tại địa phương khác"
                } else {
                    one(&mut self.rng, &TRANSFER)
                };
                Some(Action::TransferOut {
                    on: day,
                    to_unit: to,
                    reason: reason.to_string(),
                })
            }
            Fate::Death(at) if at == stage => Some(Action::RecordDeath { on: day }),
            _ => None,
        }
    }

    /// The actions of one case from identification to its end, with dates spaced as the
    /// rules and the practice of the cells have them.
    fn plan(
        &mut self,
        cell: &Cell,
        person: &PersonDetails,
        identified: NaiveDate,
        fate: Fate,
        mods: Mods,
    ) -> anyhow::Result<Plan> {
        let mut plan = Plan {
            identified,
            nomination: self.nomination(cell, person, identified),
            actions: Vec::new(),
            absent: None,
            tasks: Vec::new(),
            failed_task: false,
        };
        self.chain(&mut plan, cell, person, fate, mods)?;
        self.assessments(&mut plan);
        Ok(plan)
    }

    fn chain(
        &mut self,
        plan: &mut Plan,
        cell: &Cell,
        person: &PersonDetails,
        fate: Fate,
        mods: Mods,
    ) -> anyhow::Result<()> {
        let env = self.env;
        macro_rules! leave {
            ($stage:expr, $on:expr) => {
                if let Some(exit) = self.leave(fate, $stage, $on, cell) {
                    if let Action::Withdraw { reason, .. } = &exit {
                        plan.failed_task = reason == WITHDRAW_EARLY[0];
                    }
                    plan.actions.push(exit);
                    return Ok(());
                }
            };
        }
        leave!(Stage::Source, plan.identified);

        // Sympathiser list, helper, test tasks.
        let listed = env.wd(plus(plan.identified, self.rng.gen_range(25..90)));
        let resolution = self.cell_doc(cell, "NQ", listed);
        let helper = self.member();
        plan.actions.push(Action::AddToSympathisers {
            resolution,
            helpers: vec![helper],
        });
        let assigned = env.wd(plus(listed, self.rng.gen_range(0..7)));
        let choices = tasks(cell.org);
        let first = self.rng.gen_range(0..choices.len());
        let task_count = if mods.second_task { 2 } else { 1 };
        for k in 0..task_count {
            let due = plus(assigned, self.rng.gen_range(45..150));
            let what = choices[(first + k) % choices.len()];
            plan.actions.push(Action::AssignTestTask {
                on: assigned,
                what: what.to_string(),
                due_on: due,
            });
            plan.tasks.push((assigned, due));
        }
        if mods.extra_helper {
            let helper = self.member();
            plan.actions.push(Action::AssignHelper {
                on: assigned,
                helper,
            });
        }
        leave!(Stage::Sympathiser, assigned);

        // Awareness course: the next class of the area's political centre.
        let earliest = plus(listed, 7);
        let Some(mut index) = self.awareness.iter().position(|c| c.starts >= earliest) else {
            return Ok(());
        };
        if mods.absent && index + 1 < self.awareness.len() {
            plan.absent = self.awareness.get(index).copied();
            index += 1;
        }
        let Some(class) = self.awareness.get(index).copied() else {
            return Ok(());
        };
        let certificate = self.certificate(&class);
        plan.actions
            .push(Action::RecordAwarenessCertificate { certificate });
        leave!(Stage::AwarenessCertified, class.ends);

        // The file.
        let mut opened = env.wd(plus(class.ends, self.rng.gen_range(5..60)));
        let prior_membership = match person.birth {
            ketnap_domain::person::BirthDate::Full(born)
                if mods.readmission && (opened - born).num_days() > 32 * 365 =>
            {
                Some(PriorMembership {
                    left_on: months_before(opened, self.rng.gen_range(48..120))?,
                    reason: "Bị xóa tên vì bỏ sinh hoạt đảng khi đi làm ăn xa".to_string(),
                    criminal_record_cleared_on: None,
                })
            }
            _ => None,
        };
        plan.actions.push(Action::OpenFile {
            on: opened,
            prior_membership,
        });
        leave!(Stage::FileOpened, opened);
        let mut day = opened;
        let rounds = if mods.renew { 2 } else { 1 };
        for round in 1..=rounds {
            let introduced = env.wd(plus(day, self.rng.gen_range(3..30)));
            plan.actions
                .push(self.introductions(cell, person, introduced)?);
            if round == rounds {
                leave!(Stage::Introduced, introduced);
            }
            let heard = env.wd(plus(introduced, self.rng.gen_range(10..45)));
            let summary = self.cell_doc(cell, "TH", heard);
            plan.actions.push(Action::RecordOpinions { summary });
            if round == rounds {
                leave!(Stage::OpinionsCollected, heard);
            }
            day = heard;
            if round < rounds {
                // The cell let the file go stale; introductions and opinions are redone.
                let stale = file_stale_after(opened, env.set(opened)?);
                let renewed = env.wd(plus(stale, self.rng.gen_range(5..40)));
                plan.actions.push(Action::RenewFile { on: renewed });
                opened = renewed;
                day = renewed;
            }
        }
        let verified = env.wd(plus(day, self.rng.gen_range(25..90)));
        let conclusion = self.base_doc(cell, "BC", verified);
        plan.actions
            .push(Action::CompleteVerification { conclusion });
        leave!(Stage::Verified, verified);

        // The cell's vote, before the file goes stale.
        let limit = file_stale_after(opened, env.set(verified)?);
        let voted = env
            .wd(plus(verified, self.rng.gen_range(5..30)))
            .min(limit)
            .max(verified);
        let set = env.set(voted)?;
        let resolution = self.cell_doc(cell, "NQ", voted);
        let pass = fate != Fate::RejectVote;
        let vote = self.vote(resolution, self.official_at(cell, voted), pass, set);
        plan.actions.push(Action::CellVote {
            vote,
            over_age_consent: None,
        });
        if !pass {
            return Ok(());
        }
        leave!(Stage::CellResolved, voted);
        let mut last = voted;
        if cell.base.is_some() {
            let resolved = env.wd(plus(voted, self.rng.gen_range(3..15)));
            let approved = fate != Fate::RejectBase;
            let resolution = self.base_doc(cell, "NQ", resolved);
            plan.actions.push(Action::BaseResolution {
                resolution,
                approved,
            });
            if !approved {
                return Ok(());
            }
            leave!(Stage::BaseResolved, resolved);
            last = resolved;
        }

        // The admission decision: mostly within the deadline.
        let due = env.add_wd(voted, set.admission.decision_working_days);
        let max_extension = set.admission.decision_extension_max_working_days;
        let mut late_reason = None;
        let decided = if mods.extension && max_extension >= 10 {
            let on = env.add_wd(voted, self.rng.gen_range(40..=55)).max(last);
            let working_days = self.rng.gen_range(10..=max_extension.min(30));
            plan.actions.push(Action::ExtendDecisionDeadline {
                on,
                working_days,
                reason: one(&mut self.rng, &EXTENSION).to_string(),
            });
            env.add_wd(
                voted,
                set.admission.decision_working_days + self.rng.gen_range(1..=working_days),
            )
            .max(on)
        } else if mods.late_decision {
            late_reason = Some(one(&mut self.rng, &LATE_DECISION).to_string());
            env.add_wd(due, self.rng.gen_range(2..40))
        } else {
            env.add_wd(voted, self.rng.gen_range(12..55))
                .max(env.add_wd(last, 1))
                .min(due)
        };
        let received_on = plus(decided, self.rng.gen_range(0..7));
        let approved = fate != Fate::RejectDecision;
        let decision = self.area_doc("QĐ", decided)?;
        plan.actions.push(Action::DecideAdmission {
            decision,
            received_on,
            approved,
            late_reason,
        });
        if !approved {
            return Ok(());
        }
        leave!(Stage::Decided, received_on);

        // The ceremony, mostly within 30 working days of receiving the decision.
        let ceremony_due = env.add_wd(
            received_on,
            env.set(received_on)?.admission.ceremony_working_days,
        );
        let (held, superior_consent) = if mods.late_ceremony {
            let held = env.add_wd(ceremony_due, self.rng.gen_range(3..30));
            let asked = plus(held, -self.rng.gen_range(2..10)).max(received_on);
            (held, Some(self.area_doc("CV", asked)?))
        } else {
            let held = env.add_wd(received_on, self.rng.gen_range(3..28));
            (held.min(ceremony_due), None)
        };
        let mentor = self.member();
        plan.actions.push(Action::HoldCeremony {
            on: held,
            mentor,
            superior_consent,
        });
        if fate == Fate::StrikeOff {
            let on = env.wd(plus(held, self.rng.gen_range(90..300)));
            let decision = self.area_doc("QĐ", on)?;
            plan.actions.push(Action::StrikeOff {
                decision,
                reason: one(&mut self.rng, &STRIKE_OFF).to_string(),
            });
            return Ok(());
        }
        leave!(Stage::Probation, plus(held, 30));

        // Probation: new-member course, reviews, then recognition.
        let end = probation_end(held, env.set(held)?);
        let mut last = held;
        let after = plus(held, 10);
        if let Some(class) = self
            .new_member
            .iter()
            .find(|c| c.starts >= after && c.ends < end)
            .copied()
        {
            let certificate = self.certificate(&class);
            plan.actions
                .push(Action::RecordNewMemberCourse { certificate });
            last = class.ends;
        }
        let reviewed = plus(end, -self.rng.gen_range(3..20)).max(last);
        plan.actions.push(Action::RecordSelfReview {
            document: DocRef {
                number: "10-KNĐ".to_string(),
                dated: reviewed,
            },
        });
        let mentored = plus(reviewed, self.rng.gen_range(0..5))
            .min(end)
            .max(reviewed);
        plan.actions.push(Action::RecordMentorReview {
            document: DocRef {
                number: "11-KNĐ".to_string(),
                dated: mentored,
            },
        });
        let vote_due = env.add_wd(end, env.set(end)?.probation.recognition_vote_working_days);
        let (voted, late_reason) = if mods.late_recognition_vote {
            (
                env.add_wd(vote_due, self.rng.gen_range(3..30)),
                Some(one(&mut self.rng, &LATE_RECOGNITION).to_string()),
            )
        } else {
            (
                env.add_wd(end, self.rng.gen_range(1..25)).min(vote_due),
                None,
            )
        };
        let set = env.set(voted)?;
        let resolution = self.cell_doc(cell, "NQ", voted);
        let pass = fate != Fate::FailRecognition;
        let vote = self.vote(resolution, self.official_at(cell, voted), pass, set);
        plan.actions
            .push(Action::RecognitionVote { vote, late_reason });
        if !pass {
            return Ok(());
        }
        let mut last = voted;
        if cell.base.is_some() {
            let resolved = env.wd(plus(voted, self.rng.gen_range(3..15)));
            let resolution = self.base_doc(cell, "NQ", resolved);
            plan.actions.push(Action::RecognitionBaseResolution {
                resolution,
                approved: true,
            });
            last = resolved;
        }
        let decision_due = env.add_wd(voted, set.probation.recognition_decision_working_days);
        let (decided, late_reason) = if mods.late_recognition_decision {
            (
                env.add_wd(decision_due, self.rng.gen_range(2..25))
                    .max(last),
                Some(one(&mut self.rng, &LATE_RECOGNITION).to_string()),
            )
        } else {
            (
                env.add_wd(voted, self.rng.gen_range(8..28))
                    .max(env.add_wd(last, 1))
                    .min(decision_due),
                None,
            )
        };
        let decision = self.area_doc("QĐ", decided)?;
        plan.actions.push(Action::DecideRecognition {
            decision,
            late_reason,
        });
        Ok(())
    }

    /// Test-task assessments, placed in date order before the cell's vote or the exit.
    fn assessments(&mut self, plan: &mut Plan) {
        for (task, (assigned, due)) in plan.tasks.clone().into_iter().enumerate() {
            let mut on = plus(due, self.rng.gen_range(0..10)).max(assigned);
            let limit = plan.actions.iter().position(|a| {
                matches!(
                    a,
                    Action::CellVote { .. }
                        | Action::Withdraw { .. }
                        | Action::TransferOut { .. }
                        | Action::RecordDeath { .. }
                )
            });
            if let Some(limit) = limit {
                on = on.min(plan.actions[limit].date()).max(assigned);
            }
            let mut at = plan
                .actions
                .iter()
                .position(|a| a.date() > on)
                .unwrap_or(plan.actions.len());
            if let Some(limit) = limit {
                at = at.min(limit);
            }
            let result = if plan.failed_task {
                TaskResult::NotCompleted
            } else {
                weighted(
                    &mut self.rng,
                    &[
                        (TaskResult::Excellent, 25),
                        (TaskResult::Good, 55),
                        (TaskResult::Completed, 20),
                    ],
                )
            };
            plan.actions.insert(
                at,
                Action::AssessTestTask {
                    on,
                    task,
                    result,
                    note: String::new(),
                },
            );
        }
    }
}

fn months_before(day: NaiveDate, months: u32) -> anyhow::Result<NaiveDate> {
    day.checked_sub_months(Months::new(months))
        .context("ngày trước đó không tính được")
}

/// Gives the case and its person the next ids and files its events and course results.
fn accept(history: &mut History, done: Done) {
    let id = history.cases_before + history.cases.len() as i64 + 1;
    let person = PersonId(id);
    let mut case = done.case;
    case.id = CaseId(id);
    case.person = person;
    history.people.push(Person {
        id: person,
        details: done.person,
    });
    history
        .events
        .extend(done.events.into_iter().map(|e| (CaseId(id), e)));
    for (course, mut participant) in done.participants {
        participant.person = person;
        if let Some((_, list)) = usize::try_from(course.0 - history.courses_before - 1)
            .ok()
            .and_then(|i| history.courses.get_mut(i))
        {
            list.push(participant);
        }
    }
    history.cases.push(case);
}
