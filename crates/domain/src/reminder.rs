//! The daily reminder (bản tin nhắc việc): which items are pressing on a day, who hears of
//! each, and the digest mail's words. Pure: the day is a parameter, the store gathers the
//! open cases and the accounts, the binary sends.
//!
//! An item goes to every account with a recipient's role from the item's unit up to the
//! nearest unit whose officers keep files. An overdue item late by
//! `overdue_escalation_working_days` working days or more, or a transfer unanswered past
//! its escalation day, is escalated: marked so for everyone who gets it, and sent also to
//! the officers of the unit it escalates to (a transfer's common parent; otherwise the next
//! file-keeping unit above).
//!
//! Every text here is mailed: it names cases by number and units by name, never a person.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::Calendar;
use crate::deadline::{Due, status_on};
use crate::ids::{CaseId, UnitId, UserId};
use crate::rules::CoordinationRules;
use crate::workflow::dmy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Overdue comes first: the order a digest lists its items in.
    Overdue,
    /// Due within `reminder_days_ahead` days (today included).
    Deadline,
    /// A transfer between units waiting for an answer.
    Transfer,
    /// A request between units (verification, opinions) waiting for an answer.
    Request,
}

impl ItemKind {
    pub const ALL: [ItemKind; 4] = [
        ItemKind::Overdue,
        ItemKind::Deadline,
        ItemKind::Transfer,
        ItemKind::Request,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ItemKind::Overdue => "overdue",
            ItemKind::Deadline => "deadline",
            ItemKind::Transfer => "transfer",
            ItemKind::Request => "request",
        }
    }

    pub fn from_code(code: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            ItemKind::Overdue => "Quá hạn",
            ItemKind::Deadline => "Sắp đến hạn",
            ItemKind::Transfer => "Chuyển sinh hoạt chờ xử lý",
            ItemKind::Request => "Đề nghị chờ trả lời",
        }
    }
}

/// One thing a digest tells of.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DigestItem {
    pub kind: ItemKind,
    /// The unit the item belongs to (a case's cell; a transfer's receiving unit).
    pub unit: UnitId,
    /// Stable across runs (`case:12:admission.ceremony_working_days`): a run repeated
    /// after a crash recognises what it already delivered by it.
    pub key: String,
    pub case: Option<CaseId>,
    /// What must happen, in Vietnamese, with no personal data: it is mailed.
    pub what: String,
    /// The page to open once signed in (`/cases/12`, `/transfers`, `/requests/7`): a link
    /// in the inbox, in brackets in the mail.
    pub link: Option<String>,
    pub due: Option<NaiveDate>,
    /// Late long enough to be put before the unit above.
    pub escalate: bool,
    /// Where an escalated item goes up to: the officers of the nearest file-keeping unit at
    /// or above this one (a transfer's common parent). None: the next file-keeping unit
    /// above the nearest one that answers for the item.
    pub escalate_to: Option<UnitId>,
}

impl DigestItem {
    /// The item as one line of a digest on `today`.
    pub fn line(&self, today: NaiveDate) -> String {
        let mut line = match self.case {
            Some(case) => format!("Hồ sơ số {case}: {}", self.what),
            None => self.what.clone(),
        };
        if let Some(due) = self.due {
            let _ = write!(
                line,
                ", hạn {} — {}",
                dmy(due),
                status_on(due, today, i64::MAX).label_vi()
            );
        }
        if self.escalate {
            line.push_str("; đã báo cấp ủy cấp trên");
        }
        line
    }
}

/// An open case's next due date and where the case is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDue {
    pub case: CaseId,
    pub cell: UnitId,
    pub cell_name: String,
    pub due: Due,
}

/// The deadlines of open cases that a digest on `today` holds: overdue ones (escalated
/// once `overdue_escalation_working_days` working days late) and those due within
/// `reminder_days_ahead` days.
pub fn deadline_items(
    today: NaiveDate,
    rules: &CoordinationRules,
    calendar: &Calendar,
    dues: &[CaseDue],
) -> Vec<DigestItem> {
    let ahead = i64::from(rules.reminder_days_ahead);
    dues.iter()
        .filter_map(|d| {
            let left = (d.due.due - today).num_days();
            let kind = if left < 0 {
                ItemKind::Overdue
            } else if left <= ahead {
                ItemKind::Deadline
            } else {
                return None;
            };
            // The step, not the rule set: the key stays when a rule set is corrected.
            let step = d.due.rule.rsplit('/').next().unwrap_or(&d.due.rule);
            Some(DigestItem {
                kind,
                unit: d.cell,
                key: format!("case:{}:{step}", d.case),
                case: Some(d.case),
                what: format!("{} ({})", d.due.what, d.cell_name),
                link: Some(format!("/cases/{}", d.case)),
                due: Some(d.due.due),
                escalate: kind == ItemKind::Overdue
                    && late_enough(d.due.due, today, rules, calendar),
                escalate_to: None,
            })
        })
        .collect()
}

/// Overdue by `overdue_escalation_working_days` working days or more: time the unit above
/// heard of it.
fn late_enough(
    due: NaiveDate,
    today: NaiveDate,
    rules: &CoordinationRules,
    calendar: &Calendar,
) -> bool {
    due < today
        && calendar.working_days_between(due, today)
            >= i64::from(rules.overdue_escalation_working_days)
}

/// Something waiting between units for the unit that must answer it: a transfer to accept
/// (`due` is the day it goes to the common parent, and it is escalated from then) or a
/// request to answer (escalated once late like a deadline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub kind: ItemKind,
    pub id: i64,
    /// The unit that must answer.
    pub unit: UnitId,
    /// What, in words without personal data (unit names are not).
    pub what: String,
    /// The page where it is answered (`/transfers`, `/requests/7`).
    pub link: String,
    pub due: NaiveDate,
    /// Who hears of it once escalated: a transfer's common parent (the two cells' nearest
    /// shared unit); None for the next file-keeping unit above the one that answers.
    pub escalate_to: Option<UnitId>,
}

/// The digest items of transfers and requests waiting on `today`.
pub fn waiting_items(
    today: NaiveDate,
    rules: &CoordinationRules,
    calendar: &Calendar,
    waiting: &[Waiting],
) -> Vec<DigestItem> {
    waiting
        .iter()
        .map(|w| DigestItem {
            kind: w.kind,
            unit: w.unit,
            key: format!("{}:{}", w.kind.code(), w.id),
            case: None,
            what: w.what.clone(),
            link: Some(w.link.clone()),
            due: Some(w.due),
            escalate: match w.kind {
                ItemKind::Transfer => w.due <= today,
                _ => late_enough(w.due, today, rules, calendar),
            },
            escalate_to: w.escalate_to,
        })
        .collect()
}

/// Who may receive a digest, at which unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Recipient {
    pub user: UserId,
    pub unit: UnitId,
    /// Keeps the files of the units below (an officer or administrator), as against a
    /// cell secretary who looks after their own cell.
    pub keeps_files: bool,
}

/// One account's digest of a day, overdue items first (escalated ones first among them),
/// then by due date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub user: UserId,
    pub items: Vec<DigestItem>,
}

/// A unit tree deeper than this is a loop in the data, not a tree.
const MAX_DEPTH: usize = 64;

/// The units from `unit` up to the root, `unit` first.
fn ancestry(unit: UnitId, parent: &impl Fn(UnitId) -> Option<UnitId>) -> Vec<UnitId> {
    let mut chain = vec![unit];
    let mut at = unit;
    while let Some(up) = parent(at) {
        if chain.len() >= MAX_DEPTH || chain.contains(&up) {
            break;
        }
        chain.push(up);
        at = up;
    }
    chain
}

/// The digests of a day. An item goes to everyone from its unit up to the nearest unit
/// whose officers keep files (a cell's secretary and the ward's or school's officers); an
/// escalated item goes, marked, also to everyone from the unit it escalates to
/// (`escalate_to`, a transfer's common parent) up to the nearest file-keeping unit there,
/// or without one to the next file-keeping unit above. So a city officer hears of what is
/// late in a ward, not of every deadline in the city. Each account gets an item once;
/// recipients with nothing to hear of get no digest.
pub fn digests(
    items: &[DigestItem],
    recipients: &[Recipient],
    parent: impl Fn(UnitId) -> Option<UnitId>,
) -> Vec<Digest> {
    let mut at_unit: HashMap<UnitId, Vec<&Recipient>> = HashMap::new();
    for r in recipients {
        at_unit.entry(r.unit).or_default().push(r);
    }
    let keeps_files = |unit: &UnitId| {
        at_unit
            .get(unit)
            .is_some_and(|here| here.iter().any(|r| r.keeps_files))
    };
    let mut by_user: BTreeMap<UserId, Vec<DigestItem>> = BTreeMap::new();
    for item in items {
        let chain = ancestry(item.unit, &parent);
        // The units that answer: up to the nearest with file-keeping officers.
        let answering = chain
            .iter()
            .position(keeps_files)
            .map_or(chain.len(), |at| at + 1);
        let mut units: Vec<UnitId> = chain[..answering].to_vec();
        if item.escalate {
            let above: Vec<UnitId> = match item.escalate_to {
                Some(target) => ancestry(target, &parent),
                None => chain[answering..].to_vec(),
            };
            let reach = above
                .iter()
                .position(keeps_files)
                .map_or(above.len(), |at| at + 1);
            units.extend_from_slice(&above[..reach]);
        }
        let mut told: HashSet<UserId> = HashSet::new();
        for unit in units {
            for r in at_unit.get(&unit).map(Vec::as_slice).unwrap_or_default() {
                if told.insert(r.user) {
                    by_user.entry(r.user).or_default().push(item.clone());
                }
            }
        }
    }
    by_user
        .into_iter()
        .map(|(user, mut items)| {
            items.sort_by(|a, b| {
                (a.kind, !a.escalate, a.due, &a.key).cmp(&(b.kind, !b.escalate, b.due, &b.key))
            });
            Digest { user, items }
        })
        .collect()
}

/// Lines listed per section of a mail; the rest are counted and left to the inbox.
const MAIL_LINES: usize = 30;

impl Digest {
    pub fn count(&self, kind: ItemKind) -> usize {
        self.items.iter().filter(|i| i.kind == kind).count()
    }

    /// `ketnap: 3 việc quá hạn, 5 việc sắp đến hạn (06/12/2026)`.
    pub fn subject(&self, day: NaiveDate) -> String {
        let mut subject = format!(
            "ketnap: {} việc quá hạn, {} việc sắp đến hạn",
            self.count(ItemKind::Overdue),
            self.count(ItemKind::Deadline)
        );
        let waiting = self.count(ItemKind::Transfer) + self.count(ItemKind::Request);
        if waiting > 0 {
            let _ = write!(subject, ", {waiting} việc chờ trả lời");
        }
        let _ = write!(subject, " ({})", dmy(day));
        subject
    }

    /// The mail's text: counts, steps, due dates, case numbers and the pages to open;
    /// no names, no citizen ids (what is due is read in the application, signed in).
    pub fn mail_body(&self, day: NaiveDate) -> String {
        let mut body = format!("Bản tin nhắc việc ngày {} của ketnap.\n", dmy(day));
        for kind in ItemKind::ALL {
            let lines: Vec<&DigestItem> = self.items.iter().filter(|i| i.kind == kind).collect();
            if lines.is_empty() {
                continue;
            }
            let _ = write!(body, "\n{} ({}):\n", kind.label_vi(), lines.len());
            for item in lines.iter().take(MAIL_LINES) {
                let _ = write!(body, "- {}", item.line(day));
                if let Some(link) = &item.link {
                    let _ = write!(body, " [{link}]");
                }
                body.push('\n');
            }
            if lines.len() > MAIL_LINES {
                let _ = writeln!(
                    body,
                    "- … và {} việc khác, xem trong ứng dụng.",
                    lines.len() - MAIL_LINES
                );
            }
        }
        body.push_str(
            "\nXem đầy đủ tại trang Thông báo (/notifications) sau khi đăng nhập.\n\
             Thư này không ghi họ tên hay số định danh của ai: mở hồ sơ trong ứng dụng để xem.\n",
        );
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn rules() -> CoordinationRules {
        CoordinationRules {
            transfer_escalation_working_days: 5,
            request_due_working_days: 15,
            reminder_days_ahead: 7,
            overdue_escalation_working_days: 5,
            confidence: crate::rules::Confidence::Low,
        }
    }

    fn due(case: i64, cell: i64, on: NaiveDate) -> CaseDue {
        CaseDue {
            case: CaseId(case),
            cell: UnitId(cell),
            cell_name: format!("Chi bộ {cell}"),
            due: Due {
                due: on,
                what: "Tổ chức lễ kết nạp",
                rule: "qd-294/admission.ceremony_working_days".into(),
            },
        }
    }

    #[test]
    fn a_day_holds_the_overdue_and_what_is_due_within_the_window() {
        let calendar = Calendar::generated();
        // Monday 23 Nov 2026; no holiday in the weeks around it.
        let today = d(2026, 11, 23);
        let table: [(NaiveDate, Option<(ItemKind, bool)>); 9] = [
            (d(2026, 12, 1), None),
            (d(2026, 11, 30), Some((ItemKind::Deadline, false))),
            (today, Some((ItemKind::Deadline, false))),
            // Friday: one working day late.
            (d(2026, 11, 20), Some((ItemKind::Overdue, false))),
            // The weekend is no working day: Saturday and Sunday count as Friday.
            (d(2026, 11, 21), Some((ItemKind::Overdue, false))),
            // Tuesday 17: 18, 19, 20, 23 — four working days late.
            (d(2026, 11, 17), Some((ItemKind::Overdue, false))),
            // Monday 16: five working days late, escalated.
            (d(2026, 11, 16), Some((ItemKind::Overdue, true))),
            (d(2026, 11, 13), Some((ItemKind::Overdue, true))),
            (d(2025, 1, 2), Some((ItemKind::Overdue, true))),
        ];
        for (i, (on, expected)) in table.iter().enumerate() {
            let items = deadline_items(today, &rules(), &calendar, &[due(i as i64, 9, *on)]);
            let found = items.first().map(|item| (item.kind, item.escalate));
            assert_eq!(found, *expected, "due {on}");
            if let Some(item) = items.first() {
                assert_eq!(
                    item.key,
                    format!("case:{i}:admission.ceremony_working_days")
                );
                assert_eq!(item.unit, UnitId(9));
                assert_eq!(item.due, Some(*on));
            }
        }
    }

    #[test]
    fn the_window_and_the_escalation_follow_the_rules() {
        let calendar = Calendar::generated();
        let today = d(2026, 11, 23);
        let mut wide = rules();
        wide.reminder_days_ahead = 14;
        wide.overdue_escalation_working_days = 1;
        let items = deadline_items(
            today,
            &wide,
            &calendar,
            &[due(1, 9, d(2026, 12, 7)), due(2, 9, d(2026, 11, 20))],
        );
        let found: Vec<(ItemKind, bool)> = items.iter().map(|i| (i.kind, i.escalate)).collect();
        assert_eq!(
            found,
            [(ItemKind::Deadline, false), (ItemKind::Overdue, true)]
        );
    }

    fn item(key: &str, unit: i64, kind: ItemKind, escalate: bool) -> DigestItem {
        DigestItem {
            kind,
            unit: UnitId(unit),
            key: key.into(),
            case: None,
            what: key.into(),
            link: None,
            due: Some(d(2026, 11, 20)),
            escalate,
            escalate_to: None,
        }
    }

    /// A transfer waiting on `unit` whose two cells' common parent is `to`.
    fn transfer(key: &str, unit: i64, escalate: bool, to: Option<i64>) -> DigestItem {
        DigestItem {
            escalate_to: to.map(UnitId),
            ..item(key, unit, ItemKind::Transfer, escalate)
        }
    }

    #[test]
    fn each_item_reaches_the_nearest_officers_and_escalates_to_its_target() {
        // 1 city → 2 ward → 3 cell, 4 cell, 7 school → 8 cell; 1 → 5 ward → 6 cell.
        let parents: HashMap<UnitId, UnitId> =
            [(2, 1), (3, 2), (4, 2), (5, 1), (6, 5), (7, 2), (8, 7)]
                .into_iter()
                .map(|(u, p)| (UnitId(u), UnitId(p)))
                .collect();
        let parent = |u: UnitId| parents.get(&u).copied();
        // 30 is cell 3's secretary; the others keep files (5 has nobody).
        let recipients: Vec<Recipient> = [(10, 1), (20, 2), (21, 2), (30, 3), (60, 6), (70, 7)]
            .into_iter()
            .map(|(user, unit)| Recipient {
                user: UserId(user),
                unit: UnitId(unit),
                keeps_files: user != 30,
            })
            .collect();
        let items = [
            item("a", 3, ItemKind::Deadline, false),
            item("b", 4, ItemKind::Overdue, true),
            item("c", 2, ItemKind::Transfer, false),
            item("d", 6, ItemKind::Overdue, false),
            item("e", 5, ItemKind::Request, false),
            // From a cell of the other ward into the school's cell: the city is the common
            // parent, so the city hears of it escalated, and the ward between does not.
            transfer("f", 8, true, Some(1)),
            // Without a target: one file-keeping level above the school, the ward.
            transfer("g", 8, true, None),
            // The common parent is the ward that answers already: nobody more, nobody twice.
            transfer("h", 3, true, Some(2)),
            // Not yet escalated: the target does not hear of it.
            transfer("i", 8, false, Some(1)),
            // A target without officers: the nearest file-keeping unit above it.
            transfer("j", 6, true, Some(5)),
        ];
        // Up to the nearest officers who keep files; escalated, the officers at or above
        // the target as well (else one such level more); overdue first, escalated first.
        let table: [(i64, &[&str]); 6] = [
            (10, &["b", "f", "j", "e"]),
            (20, &["b", "a", "g", "h", "c"]),
            (21, &["b", "a", "g", "h", "c"]),
            (30, &["a", "h"]),
            (60, &["d", "j"]),
            (70, &["f", "g", "i"]),
        ];
        let found = digests(&items, &recipients, parent);
        assert_eq!(found.len(), table.len());
        for (digest, (user, keys)) in found.iter().zip(table) {
            assert_eq!(digest.user, UserId(user));
            let got: Vec<&str> = digest.items.iter().map(|i| i.key.as_str()).collect();
            assert_eq!(got, keys, "user {user}");
        }
        // Nobody at or above the unit: nobody hears of it, and a loop in the tree ends.
        let looped = |u: UnitId| Some(UnitId(if u.0 == 7 { 8 } else { 7 }));
        assert!(
            digests(
                &[
                    item("x", 7, ItemKind::Overdue, true),
                    transfer("y", 7, true, Some(8))
                ],
                &recipients[..5],
                looped
            )
            .is_empty()
        );
    }

    #[test]
    fn waiting_items_keep_their_page_and_where_they_escalate_to() {
        let calendar = Calendar::generated();
        let today = d(2026, 11, 23);
        let waiting = [
            Waiting {
                kind: ItemKind::Transfer,
                id: 4,
                unit: UnitId(8),
                what: "Chuyển sinh hoạt số 4".into(),
                link: "/transfers".into(),
                due: today,
                escalate_to: Some(UnitId(1)),
            },
            Waiting {
                kind: ItemKind::Request,
                id: 7,
                unit: UnitId(2),
                what: "Lấy ý kiến số 7".into(),
                link: "/requests/7".into(),
                due: d(2026, 11, 24),
                escalate_to: None,
            },
        ];
        let items = waiting_items(today, &rules(), &calendar, &waiting);
        let found: Vec<(&str, Option<&str>, bool, Option<UnitId>)> = items
            .iter()
            .map(|i| (i.key.as_str(), i.link.as_deref(), i.escalate, i.escalate_to))
            .collect();
        assert_eq!(
            found,
            [
                ("transfer:4", Some("/transfers"), true, Some(UnitId(1))),
                ("request:7", Some("/requests/7"), false, None),
            ]
        );
        // A deadline opens its case and escalates one level up.
        let deadline = &deadline_items(today, &rules(), &calendar, &[due(12, 9, today)])[0];
        assert_eq!(deadline.link.as_deref(), Some("/cases/12"));
        assert_eq!(deadline.escalate_to, None);
        // The page is in brackets in the mail, not in the line the inbox shows.
        let digest = Digest {
            user: UserId(1),
            items: items.clone(),
        };
        let body = digest.mail_body(today);
        assert!(
            body.contains(
                "- Chuyển sinh hoạt số 4, hạn 23/11/2026 — Đến hạn hôm nay; đã báo cấp ủy cấp trên [/transfers]\n"
            ),
            "{body}"
        );
        assert!(
            body.contains("- Lấy ý kiến số 7, hạn 24/11/2026 — Còn 1 ngày [/requests/7]\n"),
            "{body}"
        );
        assert!(!items[0].line(today).contains("/transfers"));
    }

    #[test]
    fn the_mail_counts_and_lists_without_names() {
        let today = d(2026, 11, 23);
        let mut overdue = item("case:12:x", 3, ItemKind::Overdue, true);
        overdue.case = Some(CaseId(12));
        overdue.link = Some("/cases/12".into());
        overdue.what = "Tổ chức lễ kết nạp (Chi bộ Khu phố 3)".into();
        let mut soon = item("case:13:y", 3, ItemKind::Deadline, false);
        soon.case = Some(CaseId(13));
        soon.link = Some("/cases/13".into());
        soon.due = Some(d(2026, 11, 26));
        let digest = Digest {
            user: UserId(1),
            items: vec![overdue, soon],
        };
        assert_eq!(
            digest.subject(today),
            "ketnap: 1 việc quá hạn, 1 việc sắp đến hạn (23/11/2026)"
        );
        let body = digest.mail_body(today);
        assert!(body.contains(
            "- Hồ sơ số 12: Tổ chức lễ kết nạp (Chi bộ Khu phố 3), hạn 20/11/2026 — Quá hạn 3 ngày; đã báo cấp ủy cấp trên [/cases/12]"
        ), "{body}");
        assert!(body.contains("Sắp đến hạn (1):\n- Hồ sơ số 13: case:13:y, hạn 26/11/2026 — Còn 3 ngày [/cases/13]"), "{body}");
        let many = Digest {
            user: UserId(1),
            items: (0..MAIL_LINES + 2)
                .map(|i| item(&format!("k{i}"), 3, ItemKind::Transfer, false))
                .collect(),
        };
        assert!(many.subject(today).contains(", 32 việc chờ trả lời"));
        assert!(many.mail_body(today).contains("- … và 2 việc khác"));
    }
}
