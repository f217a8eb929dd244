//! Recording sources and applying actions to cases from the command line.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use ketnap_domain::Violation;
use ketnap_domain::action::Action;
use ketnap_domain::citizen_id::{CitizenId, Sex};
use ketnap_domain::ethnicity;
use ketnap_domain::ids::CaseId;
use ketnap_domain::person::{BirthDate, Education, PersonDetails};
use ketnap_domain::ports::{CaseStore, RuleStore};
use ketnap_domain::scope::Access;
use ketnap_domain::text::PersonName;
use ketnap_domain::workflow::{Actor, apply, dmy, today_in_vietnam};

use crate::{Context, read_file};

#[derive(Debug, Subcommand)]
pub enum SourceCommand {
    /// Record a person as a source in a cell (checks the citizen id and dates first).
    Add(NewSource),
}

#[derive(Debug, Args)]
pub struct NewSource {
    /// Official code of the cell's committee subtree to act in (e.g. 25747).
    #[arg(long)]
    unit: String,
    /// Name of the cell (chi bộ) in that subtree.
    #[arg(long)]
    cell: String,
    #[arg(long)]
    family_name: String,
    #[arg(long, default_value = "")]
    middle_name: String,
    #[arg(long)]
    given_name: String,
    /// dd/mm/yyyy, yyyy-mm-dd or a year.
    #[arg(long)]
    birth_date: String,
    /// nam or nữ.
    #[arg(long)]
    sex: String,
    #[arg(long)]
    citizen_id: Option<String>,
    #[arg(long, default_value = "Kinh")]
    ethnicity: String,
    #[arg(long, default_value = "")]
    occupation: String,
    #[arg(long, default_value = "")]
    workplace: String,
    #[arg(long)]
    youth_union: bool,
    #[arg(long)]
    trade_union: bool,
}

#[derive(Debug, Subcommand)]
pub enum CaseCommand {
    /// Show a case: person, stage, papers and history.
    Show {
        #[arg(long)]
        unit: String,
        id: i64,
    },
    /// Apply an action given as JSON (inline or @FILE), e.g.
    /// '{"action":"withdraw","on":"2026-03-02","reason":"Chuyển công tác"}'.
    Act {
        #[arg(long)]
        unit: String,
        id: i64,
        action: String,
    },
}

fn parse_sex(text: &str) -> Result<Sex, Violation> {
    match ketnap_domain::text::search_key(text).as_str() {
        "nam" | "male" | "m" => Ok(Sex::Male),
        "nu" | "female" | "f" => Ok(Sex::Female),
        _ => Err(Violation::new(
            "person.sex",
            "--sex",
            format!("Giới tính \"{text}\" không hợp lệ: ghi \"nam\" hoặc \"nữ\"."),
        )),
    }
}

pub async fn source(ctx: &Context, command: SourceCommand) -> anyhow::Result<()> {
    let SourceCommand::Add(new) = command;
    let (_, scope) = ctx.scope(&new.unit, Access::Edit).await?;
    let today = today_in_vietnam(ctx.change.now);
    let details = PersonDetails {
        name: PersonName {
            family: new.family_name,
            middle: new.middle_name,
            given: new.given_name,
        },
        birth: BirthDate::parse(&new.birth_date)?,
        sex: parse_sex(&new.sex)?,
        citizen_id: new
            .citizen_id
            .as_deref()
            .map(CitizenId::parse)
            .transpose()?,
        ethnicity: ethnicity::by_name(&new.ethnicity)
            .ok_or_else(|| {
                Violation::new(
                    "person.ethnicity",
                    "--ethnicity",
                    format!("Không có dân tộc \"{}\".", new.ethnicity),
                )
            })?
            .id,
        religion: String::new(),
        education: Education::default(),
        occupation: new.occupation,
        workplace: new.workplace,
        residence: String::new(),
        youth_union_member: new.youth_union,
        trade_union_member: new.trade_union,
        phone: String::new(),
        email: String::new(),
    };
    let (details, notices) = details.checked(today)?;
    let cell_key = ketnap_domain::text::search_key(&new.cell);
    let cells: Vec<_> = ketnap_domain::ports::UnitStore::units_in(&ctx.store, &scope)
        .await?
        .into_iter()
        .filter(|u| {
            u.kind.holds_cases()
                && u.is_active_on(today)
                && ketnap_domain::text::search_key(&u.name) == cell_key
        })
        .collect();
    let [cell] = cells.as_slice() else {
        return Err(Violation::new(
            "unit.unknown",
            "--cell",
            format!(
                "Không tìm thấy đúng một chi bộ tên \"{}\" trong phạm vi này (tìm thấy {}).",
                new.cell,
                cells.len()
            ),
        )
        .into());
    };
    let (person, case) = ctx
        .store
        .create_source(&ctx.change, &scope, &details, cell.id, today, None)
        .await?;
    for notice in notices {
        println!("Lưu ý ({}): {}", notice.field, notice.message);
    }
    println!(
        "Đã ghi quần chúng ưu tú {} (người số {person}, hồ sơ số {case}) tại {}.",
        details.name.full(),
        cell.name
    );
    Ok(())
}

pub async fn case(ctx: &Context, command: CaseCommand) -> anyhow::Result<()> {
    match command {
        CaseCommand::Show { unit, id } => {
            let (_, scope) = ctx.scope(&unit, Access::Read).await?;
            let record = ctx.store.case(&scope, CaseId(id)).await?;
            ketnap_domain::ports::PersonStore::person(
                &ctx.store,
                &ctx.change,
                &scope,
                record.person.id,
            )
            .await?;
            println!(
                "Hồ sơ số {id}: {} — {}",
                record.person.details.name.full(),
                record.cell_name
            );
            println!("Bước hiện tại: {}", record.case.stage.label_vi());
            let today = today_in_vietnam(ctx.change.now);
            for line in ketnap_domain::checklist::checklist(&record.case, today) {
                let state = match &line.record {
                    Some(r) if line.expired => format!("hết hạn ({})", dmy(r.dated)),
                    Some(r) => format!("có, số {} ngày {}", r.number, dmy(r.dated)),
                    None => "chưa có".to_string(),
                };
                println!("  [{}] {}", state, line.label);
            }
            for event in ctx.store.events(&scope, CaseId(id)).await? {
                println!(
                    "{}  {}  ({}; {})",
                    dmy(event.on),
                    event.summary,
                    event.actor,
                    event.rule_set
                );
            }
            Ok(())
        }
        CaseCommand::Act { unit, id, action } => {
            let text = match action.strip_prefix('@') {
                Some(path) => read_file(&PathBuf::from(path))?,
                None => action,
            };
            let action: Action = serde_json::from_str(&text).map_err(|e| {
                Violation::new(
                    "input.action",
                    "action",
                    format!(
                        "Hành động không đọc được (dòng {}, cột {}): {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            let (_, scope) = ctx.scope(&unit, Access::Edit).await?;
            let record = ctx.store.case(&scope, CaseId(id)).await?;
            let rules = ctx.store.rule_book().await?;
            let calendar = ctx.store.calendar().await?;
            let actor = Actor(ctx.change.actor.clone());
            let transition = apply(
                &record.case,
                &record.person.details,
                &action,
                &actor,
                ctx.change.now,
                &rules,
                &calendar,
            )?;
            ctx.store
                .record_transition(&ctx.change, &scope, record.version, &transition)
                .await?;
            println!(
                "Hồ sơ số {id}: {} → {} ({}).",
                transition.event.stage_before.label_vi(),
                transition.event.stage_after.label_vi(),
                transition.event.summary
            );
            Ok(())
        }
    }
}
