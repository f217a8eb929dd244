//! `ketnap bench`: the figures of issue 7 on the data `ketnap gen` made.
//!
//! Server time (p50/p95/p99) is measured in process: the router answers without a socket,
//! so the figure is the server's own time. Each figure is taken as a ward officer, a city
//! and a national leader would see it: the home page, a filtered case list, a case page,
//! name searches (the POST that keeps the text under a token and the GET of the results,
//! what the user waits for), and the dashboards beside the bare SQL under their headline.
//! HTTP throughput is measured by `wrk` in a process of its own against a child `ketnap
//! serve` on loopback, beside a static answer of the same size from the same server.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{Datelike, Days, NaiveDate};
use ketnap_domain::access::Role;
use ketnap_domain::case::Stage;
use ketnap_domain::ids::UnitId;
use ketnap_domain::ports::{CaseRecord, UnitStore};
use ketnap_domain::scope::Scope;
use ketnap_domain::unit::Unit;
use ketnap_store::Backend;
use ketnap_store::listing::CaseQuery;
use ketnap_web::{SESSION_COOKIE, WebConfig};
use tower::ServiceExt;

use crate::Context;

/// Requests before the measured ones: caches filled, the report model loaded.
const WARM_UP: usize = 10;
/// The filtered list measured: probationary members, a list every level keeps.
const FILTER_STAGE: Stage = Stage::Probation;
const WRK_THREADS: u32 = 2;
const WRK_CONNECTIONS: u32 = 32;
/// Issue 7's goal for the server's memory.
const RSS_GOAL_MB: f64 = 300.0;

/// What `ketnap bench` is asked.
#[derive(Debug, clap::Args)]
pub struct Options {
    /// The ward officer (Role officer, a ward).
    #[arg(long, default_value = crate::r#gen::BENCH_WARD)]
    ward_user: String,
    /// The city leader (a viewer of the city committee).
    #[arg(long, default_value = crate::r#gen::BENCH_CITY)]
    city_user: String,
    /// The national leader (a viewer of the whole party).
    #[arg(long, default_value = crate::r#gen::BENCH_NATIONAL)]
    national_user: String,
    /// Measured requests per figure (after 10 warm-up requests).
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// How long each wrk run lasts.
    #[arg(long, default_value_t = 10)]
    wrk_seconds: u64,
    /// Leave out the throughput figures (no child server, no wrk).
    #[arg(long)]
    skip_wrk: bool,
}

pub async fn bench(
    ctx: &Context,
    options: &Options,
    database: &str,
    data_keys: Option<&Path>,
) -> anyhow::Result<()> {
    anyhow::ensure!(options.requests > 0, "--requests phải lớn hơn 0");
    header(ctx).await?;
    // Every account is looked up before any session opens, so a missing one leaves none.
    let mut ward = Account::find(ctx, &options.ward_user, "phường").await?;
    let mut city = Account::find(ctx, &options.city_user, "thành phố").await?;
    let mut national = Account::find(ctx, &options.national_user, "toàn quốc").await?;
    for account in [&mut ward, &mut city, &mut national] {
        account.sign_in(ctx).await?;
    }
    let outcome = measure_all(ctx, options, database, data_keys, [&ward, &city, &national]).await;
    for account in [&ward, &city, &national] {
        ctx.store.end_session(&ctx.change, &account.token).await?;
    }
    outcome
}

/// The machine, the database and the data measured on, for the top of the results.
async fn header(ctx: &Context) -> anyhow::Result<()> {
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    println!("# ketnap bench, {today}");
    println!();
    println!("- Máy: {}", machine());
    if cfg!(debug_assertions) {
        println!("- Bản dựng debug: số đo không dùng được, hãy chạy `cargo build --release`.");
    }
    let backend = match ctx.store.backend() {
        Backend::Sqlite => "SQLite",
        Backend::Postgres => "PostgreSQL",
    };
    let bytes = ctx.store.database_bytes().await?;
    println!("- Cơ sở dữ liệu: {backend}, {:.0} MB", bytes as f64 / 1e6);
    let rows: Vec<String> = ctx
        .store
        .table_rows()
        .await?
        .into_iter()
        .map(|(table, n)| format!("{} {table}", thousands(n)))
        .collect();
    println!("- Dữ liệu: {}", rows.join(", "));
    println!(
        "- Nhập danh sách 100.000 người: đo riêng bằng `ketnap --database MỚI.sqlite3 \
         bench-import --rows 100000` (trong một cơ sở dữ liệu mới)."
    );
    Ok(())
}

/// 465738 → "465,738", as docs/BENCHMARKS.md writes counts.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// CPU model, cores and memory, from /proc where there is one.
fn machine() -> String {
    let proc_line = |file: &str, key: &str| {
        std::fs::read_to_string(file).ok().and_then(|text| {
            text.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
    };
    let cpu = proc_line("/proc/cpuinfo", "model name").unwrap_or_else(|| "CPU không rõ".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let ram = proc_line("/proc/meminfo", "MemTotal")
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or_else(
            || "RAM không rõ".into(),
            |kib| format!("{:.1} GiB RAM", kib / 1024.0 / 1024.0),
        );
    format!("{cpu}, {cores} lõi, {ram}")
}

/// An account the bench acts as, with its session.
struct Account {
    username: String,
    /// Where it stands, for the labels: phường, thành phố, toàn quốc.
    place: &'static str,
    role: Role,
    unit: Unit,
    scope: Scope,
    user_id: i64,
    token: String,
    csrf: String,
}

impl Account {
    async fn find(ctx: &Context, username: &str, place: &'static str) -> anyhow::Result<Account> {
        let store = &ctx.store;
        let user = store.user_by_name(username).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "không có tài khoản {username}: chạy `ketnap gen` để tạo dữ liệu đo cùng các tài \
                 khoản {} (hoặc chọn tài khoản khác bằng --ward-user, --city-user, \
                 --national-user)",
                crate::r#gen::BENCH_ACCOUNTS.join(", ")
            )
        })?;
        anyhow::ensure!(!user.is_disabled(), "tài khoản {username} đã bị khóa");
        let unit = store
            .unit(UnitId(user.unit_id))
            .await?
            .ok_or_else(|| anyhow::anyhow!("tài khoản {username} không có đơn vị"))?;
        let role = Role::from_code(&user.role)
            .ok_or_else(|| anyhow::anyhow!("tài khoản {username} có vai trò lạ: {}", user.role))?;
        // The scope the web gives the account, so the bench sees what its pages see.
        let scope = role
            .scope(unit.id)
            .ok_or_else(|| anyhow::anyhow!("tài khoản {username} không xem được hồ sơ"))?;
        Ok(Account {
            username: username.to_string(),
            place,
            role,
            unit,
            scope,
            user_id: user.id,
            token: String::new(),
            csrf: String::new(),
        })
    }

    /// A full session, as after the password (and code): the bench measures pages, not
    /// the sign-in.
    async fn sign_in(&mut self, ctx: &Context) -> anyhow::Result<()> {
        let store = &ctx.store;
        let user = ketnap_domain::ids::UserId(self.user_id);
        self.token = store.create_session(&ctx.change, user).await?;
        let config = WebConfig::default();
        let session = store
            .session(
                &self.token,
                chrono::Utc::now(),
                config.session_idle,
                config.session_absolute,
            )
            .await?
            .ok_or_else(|| anyhow::anyhow!("không mở được phiên của {}", self.username))?;
        self.csrf = session.csrf_token;
        Ok(())
    }

    fn cookie(&self) -> String {
        format!("{SESSION_COOKIE}={}", self.token)
    }

    /// A case in the middle of the filtered list: its page is measured, its person's name
    /// searched.
    async fn sample(&self, ctx: &Context) -> anyhow::Result<(usize, CaseRecord)> {
        let query = CaseQuery {
            stage: Some(FILTER_STAGE),
            ..CaseQuery::default()
        };
        let total = ctx.store.case_page(&self.scope, &query, 0, 1).await?.total;
        let record = ctx
            .store
            .case_page(&self.scope, &query, total / 2, 1)
            .await?
            .records
            .into_iter()
            .next()
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{} không có hồ sơ nào ở bước {}",
                    self.unit.name,
                    FILTER_STAGE.label_vi()
                )
            })?;
        Ok((total, record))
    }
}

/// What one measured request does.
enum Probe {
    Get(String),
    /// The dashboard for a period nobody asked for since the last change (a different one
    /// each request, the `n`th period from this one on), so every section is computed afresh.
    NewPeriod(usize),
    /// A name search as the forms make it: the POST, then the GET it redirects to.
    Search(String),
}

/// A dashboard as measured: kept, and of a new period from its `first` period on.
struct Dashboard<'a> {
    who: &'a Account,
    first: usize,
    kept: Stats,
    fresh: Stats,
}

/// p50, p95, p99 and max of a figure's measured requests.
#[derive(Debug, Clone, Copy)]
struct Stats {
    p50: Duration,
    p95: Duration,
    p99: Duration,
    max: Duration,
}

/// Times `requests` calls of `once` (given the round) after `WARM_UP` unmeasured ones: the
/// one timing every figure of the bench goes through.
async fn measure(
    requests: usize,
    mut once: impl AsyncFnMut(usize) -> anyhow::Result<()>,
) -> anyhow::Result<Stats> {
    let mut times = Vec::with_capacity(requests);
    for round in 0..WARM_UP + requests {
        let started = Instant::now();
        once(round).await?;
        if round >= WARM_UP {
            times.push(started.elapsed());
        }
    }
    times.sort();
    let at = |q: f64| {
        let i = ((times.len() as f64 - 1.0) * q).round() as usize;
        times.get(i).copied().unwrap_or_default()
    };
    Ok(Stats {
        p50: at(0.50),
        p95: at(0.95),
        p99: at(0.99),
        max: times.last().copied().unwrap_or_default(),
    })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

const LABEL: usize = 52;

fn table_head(what: &str) {
    println!();
    println!(
        "| {what:<LABEL$} | {:>8} | {:>8} | {:>8} | {:>8} |",
        "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    println!("|{}|---:|---:|---:|---:|", "-".repeat(LABEL + 2));
}

fn row(label: &str, s: &Stats) {
    println!(
        "| {label:<LABEL$} | {:>8.2} | {:>8.2} | {:>8.2} | {:>8.2} |",
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        ms(s.max)
    );
}

/// The `n`th period of the "new period" requests: to today, from 300 to 3,299 days back.
fn period(today: NaiveDate, n: usize) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let back = u64::try_from(300 + n % 3000)?;
    let from = today
        .checked_sub_days(Days::new(back))
        .context("ngày đầu kỳ báo cáo")?;
    Ok((from, today))
}

async fn measure_all(
    ctx: &Context,
    options: &Options,
    database: &str,
    data_keys: Option<&Path>,
    [ward, city, national]: [&Account; 3],
) -> anyhow::Result<()> {
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    let app = ketnap_web::app(ctx.store.clone(), WebConfig::default());
    let requests = options.requests;
    println!();
    println!("Tài khoản (danh sách lọc: {}):", FILTER_STAGE.label_vi());
    let mut samples = Vec::new();
    for who in [ward, city, national] {
        let (total, record) = who.sample(ctx).await?;
        println!(
            "- {}: `{}` ({}, {}), {total} hồ sơ trong danh sách lọc",
            who.place,
            who.username,
            who.role.label_vi(),
            who.unit.name
        );
        samples.push(record);
    }
    println!(
        "\nThời gian phục vụ trong tiến trình (không qua socket), {requests} lượt mỗi phép đo sau {WARM_UP} lượt khởi động:"
    );
    table_head("phép đo");
    let mut plan = Vec::new();
    for who in [ward, city, national] {
        plan.push((
            format!("`/` trang chủ — {}", who.place),
            who,
            Probe::Get("/".into()),
        ));
    }
    // The page wrk loads below, so its throughput can be read against its server time.
    plan.push((
        format!("`/cases` không lọc — {}", ward.place),
        ward,
        Probe::Get("/cases".into()),
    ));
    for (who, record) in [ward, city].into_iter().zip(&samples) {
        let name = record.person.details.name.full();
        plan.extend([
            (
                format!("`/cases?stage={}` — {}", FILTER_STAGE.code(), who.place),
                who,
                Probe::Get(format!("/cases?stage={}", FILTER_STAGE.code())),
            ),
            (
                format!("`/cases/{{id}}` hồ sơ — {}", who.place),
                who,
                Probe::Get(format!("/cases/{}", record.case.id)),
            ),
            (
                format!("tìm tên có dấu (POST + GET) — {}", who.place),
                who,
                Probe::Search(name.clone()),
            ),
            (
                format!("tìm tên không dấu (POST + GET) — {}", who.place),
                who,
                Probe::Search(ketnap_domain::text::search_key(&name)),
            ),
        ]);
    }
    let page = async |label: &str, who: &Account, probe: &Probe| -> anyhow::Result<Stats> {
        let stats = measure(requests, async |round| {
            visit(&app, who, probe, round, today).await
        })
        .await?;
        row(label, &stats);
        Ok(stats)
    };
    for (label, who, probe) in &plan {
        page(label, who, probe).await?;
    }
    let mut dashboards = Vec::new();
    for (k, who) in [city, national].into_iter().enumerate() {
        // Periods of their own, so no dashboard finds another's built (same scope in tests).
        let first = k * (WARM_UP + requests);
        let kept = page(
            &format!("`/reports` giữ sẵn — {}", who.place),
            who,
            &Probe::Get("/reports".into()),
        )
        .await?;
        let fresh = page(
            &format!("`/reports` kỳ mới (tính lại) — {}", who.place),
            who,
            &Probe::NewPeriod(first),
        )
        .await?;
        dashboards.push(Dashboard {
            who,
            first,
            kept,
            fresh,
        });
    }
    floors(ctx, requests, today, &dashboards).await?;
    if options.skip_wrk {
        println!("\nThông lượng HTTP: bỏ qua (--skip-wrk).");
        return Ok(());
    }
    let bytes = get(&app, ward, "/cases").await?;
    throughput(options, database, data_keys, ward, bytes).await
}

/// The bare SQL under each dashboard's headline beside the dashboard, and their ratios.
async fn floors(
    ctx: &Context,
    requests: usize,
    today: NaiveDate,
    dashboards: &[Dashboard<'_>],
) -> anyhow::Result<()> {
    let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).context("ngày đầu năm")?;
    let store = &ctx.store;
    println!(
        "\nSàn của báo cáo: chỉ câu SQL đếm kết nạp (sự kiện lễ kết nạp trong kỳ, theo từng \
         đơn vị trực thuộc) thẳng trên cơ sở dữ liệu:"
    );
    table_head("phép đo");
    let mut ratios = Vec::new();
    for dashboard in dashboards {
        let (who, first) = (dashboard.who, dashboard.first);
        let root = who.unit.id;
        let admitted: i64 = store
            .admissions_floor(root, year_start, today)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum();
        let year = measure(requests, async |_| {
            store.admissions_floor(root, year_start, today).await?;
            Ok(())
        })
        .await?;
        row(
            &format!("sàn SQL, năm nay ({admitted} kết nạp) — {}", who.place),
            &year,
        );
        // The same periods as the dashboard's "new period" requests.
        let fresh = measure(requests, async |round| {
            let (from, to) = period(today, first + round)?;
            store.admissions_floor(root, from, to).await?;
            Ok(())
        })
        .await?;
        row(&format!("sàn SQL, kỳ mới — {}", who.place), &fresh);
        ratios.push(format!(
            "- {}: báo cáo giữ sẵn / sàn năm nay = {:.2}×; báo cáo kỳ mới / sàn kỳ mới = {:.2}× (theo p50)",
            who.place,
            ms(dashboard.kept.p50) / ms(year.p50),
            ms(dashboard.fresh.p50) / ms(fresh.p50)
        ));
    }
    println!();
    for line in ratios {
        println!("{line}");
    }
    Ok(())
}

/// One measured request of a figure.
async fn visit(
    app: &Router,
    who: &Account,
    probe: &Probe,
    round: usize,
    today: NaiveDate,
) -> anyhow::Result<()> {
    match probe {
        Probe::Get(path) => {
            get(app, who, path).await?;
        }
        Probe::NewPeriod(first) => {
            let (from, to) = period(today, first + round)?;
            get(app, who, &format!("/reports?from={from}&to={to}")).await?;
        }
        Probe::Search(text) => {
            let form = form_encode(&[("csrf", &who.csrf), ("to", "people"), ("text", text)]);
            let (status, location, _) = send(app, who, Method::POST, "/search", Some(form)).await?;
            anyhow::ensure!(
                status == StatusCode::SEE_OTHER,
                "tìm kiếm trả lời {status} thay vì chuyển trang"
            );
            let location = location.context("tìm kiếm không chỉ trang kết quả")?;
            get(app, who, &location).await?;
        }
    }
    Ok(())
}

/// A GET that must answer 200; the size of its body.
async fn get(app: &Router, who: &Account, path: &str) -> anyhow::Result<usize> {
    let (status, _, bytes) = send(app, who, Method::GET, path, None).await?;
    anyhow::ensure!(
        status == StatusCode::OK,
        "{path} trả lời {status} cho {}",
        who.username
    );
    Ok(bytes)
}

/// One request through the router as the account: status, Location, body size.
async fn send(
    app: &Router,
    who: &Account,
    method: Method,
    uri: &str,
    form: Option<String>,
) -> anyhow::Result<(StatusCode, Option<String>, usize)> {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::COOKIE, who.cookie());
    let request = match form {
        Some(form) => request
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))?,
        None => request.body(Body::empty())?,
    };
    let response = app.clone().oneshot(request).await?;
    let status = response.status();
    let location = response
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX).await?;
    Ok((status, location, body.len()))
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    let encode = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The child `ketnap serve`, killed when dropped (on error paths too).
struct Server {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

impl Server {
    /// `ketnap serve` on a free loopback port of the same database, with the static probe.
    fn start(
        database: &str,
        data_keys: Option<&Path>,
        probe_bytes: usize,
    ) -> anyhow::Result<Server> {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let log =
            std::env::temp_dir().join(format!("ketnap-bench-serve-{}.log", std::process::id()));
        let mut command = Command::new(std::env::current_exe()?);
        command.args(["--database", database]);
        if let Some(keys) = data_keys {
            command.arg("--data-keys").arg(keys);
        }
        command
            .args(["serve", "--listen", &addr.to_string()])
            .args(["--static-probe-bytes", &probe_bytes.to_string()])
            // The day's reminder run would compete with wrk: at 23:59 it starts only if the
            // bench runs in the day's last minute.
            .args(["--remind-at", "23:59"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // A file, not a pipe nobody reads: the request log would fill a pipe and stall it.
            .stderr(std::fs::File::create(&log).with_context(|| format!("tạo {}", log.display()))?);
        let child = command.spawn().context("không chạy được `ketnap serve`")?;
        Ok(Server { child, addr, log })
    }

    /// Waits until the server answers `path` with 200 (at most `limit`).
    async fn wait_for(&mut self, path: &str, cookie: &str, limit: Duration) -> anyhow::Result<()> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(5).collect();
                anyhow::bail!(
                    "`ketnap serve` dừng ({status}): {}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            let (addr, path_owned, cookie_owned) =
                (self.addr, path.to_string(), cookie.to_string());
            let answer =
                tokio::task::spawn_blocking(move || http_status(addr, &path_owned, &cookie_owned))
                    .await?;
            match answer {
                Ok(200) => return Ok(()),
                Ok(status) => anyhow::bail!("`ketnap serve` trả lời {path} bằng {status}"),
                Err(_) if started.elapsed() < limit => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => anyhow::bail!("`ketnap serve` không trả lời {path}: {e}"),
            }
        }
    }

    /// A figure of the server's memory in KiB: `VmHWM` (the peak resident) or `VmRSS`
    /// (resident now).
    fn memory_kib(&self, field: &str) -> Option<u64> {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()?
            .lines()
            .find(|l| l.starts_with(field))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

/// One GET to the child server, the connection closed after it: the status code.
fn http_status(addr: SocketAddr, path: &str, cookie: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    // The first report waits for the model the server loads at start.
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let head = String::from_utf8_lossy(&answer);
    head.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other("không phải câu trả lời HTTP"))
}

/// What one wrk run reports.
struct Wrk {
    per_second: f64,
    p50: String,
    p99: String,
    /// wrk's "Socket errors" line, when it has one (timeouts under load).
    socket_errors: Option<String>,
}

/// Requests per second of the ward officer's list under load, against the same server's
/// static answer of the same size, and the server's peak memory after both.
async fn throughput(
    options: &Options,
    database: &str,
    data_keys: Option<&Path>,
    ward: &Account,
    bytes: usize,
) -> anyhow::Result<()> {
    let settings = format!(
        "wrk -t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{}s --latency",
        options.wrk_seconds
    );
    println!("\nThông lượng HTTP ({settings}, tiến trình riêng, qua 127.0.0.1):");
    match Command::new("wrk").arg("--version").output() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!(
                "- Bỏ qua: máy chưa có wrk. Cài bằng `sudo apt-get install -y wrk` (Debian/Ubuntu) rồi chạy lại."
            );
            return Ok(());
        }
        Err(e) => return Err(e).context("không chạy được wrk"),
        Ok(_) => {}
    }
    let mut server = Server::start(database, data_keys, bytes)?;
    let cookie = ward.cookie();
    server
        .wait_for("/healthz", "", Duration::from_secs(60))
        .await?;
    // The model loads in the background at start: wait for it, so wrk does not share the
    // cores with it. The home page reads the model; `/reports` may answer from the page
    // kept in the database before the model is there.
    for path in ["/", "/cases", "/bench/static"] {
        server.wait_for(path, &cookie, Duration::ZERO).await?;
    }
    let base = format!("http://{}", server.addr);
    let list = wrk(options, &format!("{base}/cases"), &cookie)?;
    let probe = wrk(options, &format!("{base}/bench/static"), &cookie)?;
    let (peak, now) = (server.memory_kib("VmHWM:"), server.memory_kib("VmRSS:"));
    drop(server);
    println!();
    println!(
        "| {:<LABEL$} | {:>10} | {:>10} | {:>10} |",
        "trang", "yêu cầu/s", "p50", "p99"
    );
    println!("|{}|---:|---:|---:|", "-".repeat(LABEL + 2));
    for (label, run) in [
        (
            format!("`/cases` — phường, {} ({bytes} byte)", ward.username),
            &list,
        ),
        (format!("`/bench/static` tĩnh, cùng {bytes} byte"), &probe),
    ] {
        println!(
            "| {label:<LABEL$} | {:>10.0} | {:>10} | {:>10} |",
            run.per_second, run.p50, run.p99
        );
    }
    println!();
    for (what, run) in [("`/cases`", &list), ("`/bench/static`", &probe)] {
        if let Some(errors) = &run.socket_errors {
            println!("- Lỗi socket của wrk với {what}: {errors}.");
        }
    }
    println!(
        "- `/cases` đạt {:.1} % thông lượng của câu trả lời tĩnh cùng cỡ (tĩnh / `/cases` = {:.1}×).",
        100.0 * list.per_second / probe.per_second,
        probe.per_second / list.per_second
    );
    // The peak is the model's load (what it reads is freed after); what stays resident
    // while serving is what the server holds.
    for (what, kib) in [
        ("đỉnh (VmHWM, cả lúc nạp mô hình báo cáo)", peak),
        ("đang dùng (VmRSS) sau các lượt wrk", now),
    ] {
        match kib {
            Some(kib) => {
                let mb = kib as f64 * 1024.0 / 1e6;
                let verdict = if mb <= RSS_GOAL_MB {
                    "đạt"
                } else {
                    "chưa đạt"
                };
                println!(
                    "- Bộ nhớ {what} của `ketnap serve`: {:.0} MiB = {mb:.0} MB ({verdict} mục tiêu ≤ {RSS_GOAL_MB:.0} MB).",
                    kib as f64 / 1024.0
                );
            }
            None => println!("- Bộ nhớ {what} của `ketnap serve`: không đọc được /proc."),
        }
    }
    Ok(())
}

/// One wrk run against `url` with the session cookie.
fn wrk(options: &Options, url: &str, cookie: &str) -> anyhow::Result<Wrk> {
    let output = Command::new("wrk")
        .arg(format!("-t{WRK_THREADS}"))
        .arg(format!("-c{WRK_CONNECTIONS}"))
        .arg(format!("-d{}s", options.wrk_seconds))
        .arg("--latency")
        .args(["-H", &format!("Cookie: {cookie}")])
        .arg(url)
        .output()
        .context("không chạy được wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(
        output.status.success(),
        "wrk lỗi: {}{}",
        text,
        String::from_utf8_lossy(&output.stderr)
    );
    let field = |key: &str| {
        text.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
    };
    // A redirect to the sign-in page would count as an answer: the list was checked to
    // answer 200 first, and any other status fails here.
    if let Some(errors) = field("Non-2xx or 3xx responses:") {
        anyhow::bail!("wrk: {errors} câu trả lời lỗi từ {url}");
    }
    Ok(Wrk {
        per_second: field("Requests/sec:")
            .and_then(|v| v.parse().ok())
            .with_context(|| {
                format!("không đọc được Requests/sec trong kết quả của wrk:\n{text}")
            })?,
        p50: field("50%").unwrap_or_else(|| "—".into()),
        p99: field("99%").unwrap_or_else(|| "—".into()),
        socket_errors: field("Socket errors:"),
    })
}
