//! `ketnap cases` and `ketnap overdue`: lists of a unit's subtree as a table, CSV or JSON.

use std::io::Write;

use chrono::NaiveDate;
use ketnap_domain::Violation;
use ketnap_domain::case::Stage;
use ketnap_domain::deadline::{Deadline, DeadlineStatus, next_deadline};
use ketnap_domain::ports::{CaseFilter, CaseRecord, CaseStore, RuleStore};
use ketnap_domain::scope::Access;
use ketnap_domain::workflow::{dmy, today_in_vietnam};
use serde::Serialize;

use crate::{Context, Format};

/// One line of a case list, as printed and exported.
#[derive(Debug, Serialize)]
struct CaseLine {
    case_id: i64,
    name: String,
    birth_date: String,
    cell: String,
    stage: &'static str,
    stage_label: &'static str,
    next_deadline: Option<String>,
    deadline_what: Option<&'static str>,
    deadline_rule: Option<String>,
    deadline_status: Option<&'static str>,
    deadline_status_label: Option<String>,
}

impl CaseLine {
    fn new(record: &CaseRecord, deadline: Option<&Deadline>) -> CaseLine {
        CaseLine {
            case_id: record.case.id.0,
            name: record.person.details.name.full(),
            birth_date: record.person.details.birth.display(),
            cell: record.cell_name.clone(),
            stage: record.case.stage.code(),
            stage_label: record.case.stage.label_vi(),
            next_deadline: deadline.map(|d| dmy(d.due)),
            deadline_what: deadline.map(|d| d.what),
            deadline_rule: deadline.map(|d| d.rule.clone()),
            deadline_status: deadline.map(|d| d.status.code()),
            deadline_status_label: deadline.map(|d| d.status.label_vi()),
        }
    }
}

pub async fn cases(
    ctx: &Context,
    unit: &str,
    stage: Option<&str>,
    format: Format,
) -> anyhow::Result<()> {
    let stage = stage
        .map(|code| {
            Stage::from_code(code.trim()).ok_or_else(|| {
                let known: Vec<&str> = Stage::ALL.iter().map(|s| s.code()).collect();
                Violation::new(
                    "input.stage",
                    "--stage",
                    format!("Không có bước \"{code}\". Các bước: {}.", known.join(", ")),
                )
            })
        })
        .transpose()?;
    let (_, scope) = ctx.scope(unit, Access::Read).await?;
    let records = ctx
        .store
        .cases(
            &scope,
            &CaseFilter {
                stage,
                open_only: false,
            },
        )
        .await?;
    let rules = ctx.store.rule_book().await?;
    let calendar = ctx.store.calendar().await?;
    let today = today_in_vietnam(ctx.change.now);
    let mut lines = Vec::with_capacity(records.len());
    for record in &records {
        let deadline = next_deadline(&record.case, &rules, &calendar, today, 14)?;
        lines.push(CaseLine::new(record, deadline.as_ref()));
    }
    print_lines(&lines, format, &format!("{} hồ sơ", lines.len()))
}

pub async fn overdue(
    ctx: &Context,
    unit: &str,
    on: Option<NaiveDate>,
    within: i64,
    format: Format,
) -> anyhow::Result<()> {
    let (unit, scope) = ctx.scope(unit, Access::Read).await?;
    let today = on.unwrap_or_else(|| today_in_vietnam(ctx.change.now));
    let records = ctx
        .store
        .cases(
            &scope,
            &CaseFilter {
                stage: None,
                open_only: true,
            },
        )
        .await?;
    let rules = ctx.store.rule_book().await?;
    let calendar = ctx.store.calendar().await?;
    let mut lines = Vec::new();
    let mut overdue = 0;
    for record in &records {
        let Some(deadline) = next_deadline(&record.case, &rules, &calendar, today, within)? else {
            continue;
        };
        match deadline.status {
            DeadlineStatus::OnTime => continue,
            DeadlineStatus::Overdue(_) => overdue += 1,
            DeadlineStatus::DueSoon(_) => {}
        }
        lines.push(CaseLine::new(record, Some(&deadline)));
    }
    let summary = format!(
        "{}: {} hồ sơ quá hạn, {} hồ sơ đến hạn trong {} ngày (tính đến {}).",
        unit.name,
        overdue,
        lines.len() - overdue,
        within,
        dmy(today)
    );
    print_lines(&lines, format, &summary)
}

fn print_lines(lines: &[CaseLine], format: Format, summary: &str) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, lines)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            for line in lines {
                writer.serialize(line)?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 6]> = lines
                .iter()
                .map(|l| {
                    [
                        l.case_id.to_string(),
                        l.name.clone(),
                        l.birth_date.clone(),
                        l.cell.clone(),
                        l.stage_label.to_string(),
                        match (&l.next_deadline, &l.deadline_status_label) {
                            (Some(due), Some(status)) => format!("{due} — {status}"),
                            _ => String::new(),
                        },
                    ]
                })
                .collect();
            let header = [
                "Mã hồ sơ",
                "Họ và tên",
                "Ngày sinh",
                "Chi bộ",
                "Bước",
                "Hạn tiếp theo",
            ]
            .map(String::from);
            let mut widths = header.clone().map(|h| h.chars().count());
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            for row in std::iter::once(&header).chain(&rows) {
                let cells: Vec<String> = row
                    .iter()
                    .zip(widths)
                    .map(|(cell, width)| {
                        format!("{cell}{}", " ".repeat(width - cell.chars().count()))
                    })
                    .collect();
                writeln!(out, "{}", cells.join("  ").trim_end())?;
            }
            writeln!(out, "{summary}")?;
        }
    }
    Ok(())
}
