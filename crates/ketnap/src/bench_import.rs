//! `ketnap --database NEW.sqlite3 bench-import [--rows 100000]`: the import of a large list
//! of people, side by side with calamine reading the same file and nothing else.
//!
//! The parent builds a small ward (50 cells) in the new database and a workbook of `rows`
//! people in every takeover stage, then runs each measured step in a child process of its
//! own (`bench-import-step`), so that each peak memory (VmHWM) is that step's alone:
//! calamine's bare read (best of three), the import as a dry run (read, every row checked
//! and matched; best of three), and the import that writes.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::Context as _;
use chrono::{Days, NaiveDate};
use ketnap_domain::ports::{NewUnit, UnitStore};
use ketnap_domain::scope::Access;
use ketnap_domain::unit::{SectorCode, UnitKind};
use ketnap_import::{Kind, Request, import};
use ketnap_sheets::write::{Cell, Table, xlsx};
use serde::{Deserialize, Serialize};

use crate::Context;

const WARD_CODE: &str = "BENCH-WARD";
const CELLS: usize = 50;
const RUNS: usize = 3;

/// What one step reports on its standard output, as one JSON line.
#[derive(Debug, Serialize, Deserialize)]
struct StepReport {
    seconds: f64,
    peak_kib: u64,
    rows: usize,
    problems: usize,
    changes: usize,
}

pub async fn bench(ctx: &Context, database: &str, rows: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        ctx.store.is_empty().await?,
        "bench-import cần một cơ sở dữ liệu mới (--database đến một tệp chưa có)."
    );
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    ward(ctx, today).await?;
    let started = Instant::now();
    let bytes = workbook(rows, today)?;
    let file =
        std::env::temp_dir().join(format!("ketnap-bench-import-{}.xlsx", std::process::id()));
    std::fs::write(&file, &bytes).with_context(|| format!("ghi {}", file.display()))?;
    println!(
        "Tệp: {} dòng người, {:.1} MB .xlsx, tạo trong {:.1} s.",
        rows,
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let best = |step: &str| -> anyhow::Result<StepReport> {
        let mut best: Option<StepReport> = None;
        for _ in 0..RUNS {
            let r = child(database, step, &file)?;
            if best.as_ref().is_none_or(|b| r.seconds < b.seconds) {
                best = Some(r);
            }
        }
        best.context("không chạy được bước đo")
    };
    let bare = best("calamine")?;
    let dry = best("dry-run")?;
    let write = child(database, "write", &file)?;
    let _ = std::fs::remove_file(&file);
    anyhow::ensure!(
        dry.problems == 0 && write.problems == 0 && write.changes == rows,
        "bảng tính mẫu có lỗi ({} / {}) hoặc không ghi đủ ({} dòng)",
        dry.problems,
        write.problems,
        write.changes
    );
    let line = |what: &str, r: &StepReport| {
        println!(
            "{what:<44} {:>8.2} s {:>10.0} dòng/s {:>8.1} MiB đỉnh",
            r.seconds,
            rows as f64 / r.seconds,
            r.peak_kib as f64 / 1024.0
        );
    };
    line("calamine, chỉ đọc", &bare);
    line("ketnap nhập, chạy thử (đọc + kiểm tra)", &dry);
    line("ketnap nhập, ghi (một giao dịch)", &write);
    println!(
        "Chạy thử / calamine: {:.2}×; ghi / calamine: {:.2}×.",
        dry.seconds / bare.seconds,
        write.seconds / bare.seconds
    );
    Ok(())
}

/// One measured step in a process of its own.
fn child(database: &str, step: &str, file: &Path) -> anyhow::Result<StepReport> {
    let output = Command::new(std::env::current_exe()?)
        .args(["--database", database, "bench-import-step", step])
        .arg(file)
        .output()?;
    anyhow::ensure!(
        output.status.success(),
        "bước {step} lỗi: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_slice(&output.stdout)?)
}

/// `bench-import-step STEP FILE`: runs one step and prints its report.
pub async fn step(ctx: &Context, step: &str, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)?;
    let started = Instant::now();
    let report = match step {
        "calamine" => {
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::open_workbook_from_rs(std::io::Cursor::new(bytes))?;
            let range = book
                .worksheet_range_at(0)
                .context("không có trang tính")??;
            StepReport {
                seconds: started.elapsed().as_secs_f64(),
                peak_kib: 0,
                rows: range.height().saturating_sub(1),
                problems: 0,
                changes: 0,
            }
        }
        "dry-run" | "write" => {
            let (_, scope) = ctx.scope(WARD_CODE, Access::Edit).await?;
            let request = Request {
                dry_run: step == "dry-run",
                ..Request::default()
            };
            let outcome = import(
                &ctx.store,
                &ctx.change,
                &scope,
                Kind::People,
                &bytes,
                &request,
                &|_, _| {},
            )
            .await?;
            StepReport {
                seconds: started.elapsed().as_secs_f64(),
                peak_kib: 0,
                rows: outcome.rows,
                problems: outcome.problems.len() + outcome.ambiguous.len(),
                changes: outcome.changes,
            }
        }
        other => anyhow::bail!("không có bước đo \"{other}\""),
    };
    let report = StepReport {
        peak_kib: peak_kib(),
        ..report
    };
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// The process's peak resident memory (VmHWM), in KiB; 0 where /proc is not there.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

async fn ward(ctx: &Context, today: NaiveDate) -> anyhow::Result<()> {
    let from = today
        .checked_sub_days(Days::new(3650))
        .context("ngày thành lập")?;
    let unit = |code: Option<&str>, name: String, kind, parent| NewUnit {
        code: code.map(str::to_string),
        name,
        kind,
        parent,
        sector: SectorCode("residential".into()),
        valid_from: from,
    };
    let ward = ctx
        .store
        .create_unit(
            &ctx.change,
            unit(
                Some(WARD_CODE),
                "Đảng bộ Phường Đo Thử".into(),
                UnitKind::Ward,
                None,
            ),
        )
        .await?;
    for n in 1..=CELLS {
        ctx.store
            .create_unit(
                &ctx.change,
                unit(
                    None,
                    format!("Chi bộ Khu phố {n}"),
                    UnitKind::BaseCell,
                    Some(ward),
                ),
            )
            .await?;
    }
    Ok(())
}

const FAMILY: [&str; 10] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
];
const MIDDLE: [&str; 8] = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Hoàng"];
const GIVEN: [&str; 16] = [
    "An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Hùng", "Khánh", "Lan", "Linh", "Nam",
    "Phúc", "Quân", "Tâm", "Yến",
];

/// `rows` people in the layout the importer reads: 60 % sources, 25 % sympathisers, 10 %
/// applicants, 5 % probationary members, each with a unique citizen id.
fn workbook(rows: usize, today: NaiveDate) -> anyhow::Result<Vec<u8>> {
    let headers: Vec<&str> = Kind::People.fields().iter().map(|f| f.label).collect();
    let mut table = Table::new("people", "Danh sách", &headers);
    let back = |days: u64| today.checked_sub_days(Days::new(days)).unwrap_or(today);
    for i in 0..rows {
        let born = 1975 + (i % 30) as i32;
        let male = i % 2 == 0;
        let birth = NaiveDate::from_ymd_opt(born, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
            .context("ngày sinh")?;
        // 079 (TP.HCM), the century-and-sex digit, the year, then a serial.
        let century = if born >= 2000 { 2 } else { 0 } + u32::from(!male);
        let cccd = format!("079{century}{:02}{:06}", born % 100, i);
        let name = format!(
            "{} {} {}",
            FAMILY[i % FAMILY.len()],
            MIDDLE[(i / 10) % MIDDLE.len()],
            GIVEN[(i / 80) % GIVEN.len()]
        );
        let identified = back(700 + (i % 300) as u64);
        let stage = i % 20;
        let sympathiser = (stage >= 12).then(|| back(600));
        let opened = (stage >= 17).then(|| back(450));
        let decided = (stage >= 19).then(|| back(200));
        let ceremony = (stage >= 19).then(|| back(180));
        let day = |d: Option<NaiveDate>| d.map_or(Cell::Empty, Cell::Date);
        let mut row = vec![
            Cell::text(name),
            Cell::Date(birth),
            Cell::text(if male { "Nam" } else { "Nữ" }),
            Cell::text(cccd),
            Cell::text("Kinh"),
            Cell::Empty,
            Cell::text("Công nhân"),
            Cell::text(format!("Công ty số {}", i % 97)),
            Cell::text(format!("Khu phố {}", 1 + i % CELLS)),
            Cell::Empty,
            Cell::text(if born >= 1995 { "x" } else { "" }),
            Cell::Empty,
            Cell::Empty,
            Cell::text(format!("Chi bộ Khu phố {}", 1 + i % CELLS)),
            Cell::Empty,
            Cell::Date(identified),
            day(sympathiser),
            Cell::Empty,
            Cell::Empty,
            day(opened),
        ];
        match decided {
            Some(d) => {
                row.push(Cell::text(format!("{}-QĐ/ĐU", 1 + i % 900)));
                row.push(Cell::Date(d));
            }
            None => row.extend([Cell::Empty, Cell::Empty]),
        }
        row.push(day(ceremony));
        row.extend([Cell::Empty, Cell::Empty]);
        debug_assert_eq!(row.len(), headers.len());
        table.push(row);
    }
    Ok(xlsx(std::slice::from_ref(&table))?)
}
