//! `ketnap gen`: a generated dataset from one ward to the whole country, for benchmarks.
//! Deterministic for a seed and a day; built and written one province at a time, so memory
//! holds one province, not the country.

use std::time::Instant;

use ketnap_domain::access::Role;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::RuleStore;
use ketnap_store::NewUser;

use crate::Context;
use crate::demo::{Generator, ROOT, Scale};

/// The accounts `ketnap bench` measures: a ward officer, the city's leader and the whole
/// party's leader (password [`crate::serve::DEMO_PASSWORD`]).
pub const BENCH_ACCOUNTS: [&str; 3] = [BENCH_WARD, BENCH_CITY, BENCH_NATIONAL];
pub const BENCH_WARD: &str = "bench.phuong";
pub const BENCH_CITY: &str = "bench.thanhpho";
pub const BENCH_NATIONAL: &str = "bench.toanquoc";

pub async fn generate(ctx: &Context, scale: Scale, seed: u64, reset: bool) -> anyhow::Result<()> {
    let store = &ctx.store;
    if reset {
        store.erase_demo(&ctx.change).await?;
    } else if !store.is_empty().await? {
        anyhow::bail!(
            "Cơ sở dữ liệu đã có dữ liệu. Dùng `ketnap gen --reset` để thay dữ liệu sinh ra trước đó."
        );
    }
    let started = Instant::now();
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    let rules = store.rule_book().await?;
    let calendar = store.calendar().await?;
    let mut generator = Generator::new(scale, seed, today, &rules, &calendar)?;
    store.set_indexes_aside().await?;
    store
        .append_dataset(&ctx.change, &generator.root()?)
        .await?;
    let mut totals = Totals::default();
    let (mut building, mut writing) = (0.0, 0.0);
    let mut first_region = None;
    for n in 0..generator.regions() {
        let step = Instant::now();
        let data = generator.region(n)?;
        let built = step.elapsed().as_secs_f64();
        store.append_dataset(&ctx.change, &data).await?;
        let written = step.elapsed().as_secs_f64() - built;
        building += built;
        writing += written;
        let region = data
            .units
            .first()
            .map(|u| u.name.clone())
            .unwrap_or_default();
        // The accounts go to the first region and its first ward or commune.
        first_region = first_region.or_else(|| {
            let province = data.units.first()?.id;
            let ward = data.units.iter().find(|u| u.parent == Some(province))?.id;
            Some((province, ward))
        });
        let events = data.events.len();
        println!(
            "  {region}: {} tổ chức, {} hồ sơ, {} sự kiện (tạo {built:.1} s, ghi {written:.1} s, {:.0} sự kiện/s)",
            data.units.len(),
            data.cases.len(),
            events,
            events as f64 / (built + written).max(1e-9)
        );
        totals.add(&data);
    }
    let summary = format!(
        "{} tổ chức, {} người, {} hồ sơ, {} sự kiện, {} lớp bồi dưỡng (quy mô {scale:?}, hạt giống {seed})",
        totals.units + 1,
        totals.cases,
        totals.cases,
        totals.events,
        totals.courses
    );
    let step = Instant::now();
    store.restore_indexes().await?;
    let indexing = step.elapsed().as_secs_f64();
    let dataset = format!("gen-{}", format!("{scale:?}").to_lowercase());
    store
        .finish_dataset(&ctx.change, &dataset, summary.clone())
        .await?;
    let (province, ward) =
        first_region.ok_or_else(|| anyhow::anyhow!("không sinh được tỉnh nào"))?;
    bench_accounts(ctx, province, ward).await?;
    let total = started.elapsed().as_secs_f64();
    println!("Đã sinh {summary}.");
    println!(
        "Thời gian: {total:.1} s (tạo {building:.1} s, ghi {writing:.1} s, dựng chỉ mục {indexing:.1} s); {:.0} hồ sơ/s, {:.0} sự kiện/s; {} dòng nhật ký kiểm toán.",
        totals.cases as f64 / total.max(1e-9),
        totals.events as f64 / total.max(1e-9),
        store.last_audit_id().await?
    );
    println!(
        "Tài khoản đo (mật khẩu {}): {}.",
        crate::serve::DEMO_PASSWORD,
        BENCH_ACCOUNTS.join(", ")
    );
    Ok(())
}

#[derive(Debug, Default)]
struct Totals {
    units: usize,
    cases: usize,
    events: usize,
    courses: usize,
}

impl Totals {
    fn add(&mut self, data: &ketnap_store::Dataset) {
        self.units += data.units.len();
        self.cases += data.cases.len();
        self.events += data.events.len();
        self.courses += data.courses.len();
    }
}

/// A ward officer of the first region's first ward, a viewer of the first region and a
/// viewer of the whole party.
async fn bench_accounts(ctx: &Context, province: UnitId, ward: UnitId) -> anyhow::Result<()> {
    let store = &ctx.store;
    let [ward_account, city_account, national_account] = BENCH_ACCOUNTS;
    for (username, display_name, role, unit) in [
        (ward_account, "Cán bộ tổ chức phường", Role::Officer, ward),
        (city_account, "Lãnh đạo thành phố", Role::Viewer, province),
        (national_account, "Lãnh đạo Trung ương", Role::Viewer, ROOT),
    ] {
        store
            .add_user(
                &ctx.change,
                &NewUser {
                    username: username.into(),
                    display_name: display_name.into(),
                    password: crate::serve::DEMO_PASSWORD.into(),
                    role,
                    unit,
                    mass_org: None,
                },
            )
            .await?;
    }
    Ok(())
}
