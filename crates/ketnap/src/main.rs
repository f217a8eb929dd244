//! `ketnap`: the command line of the party-membership development register.

mod admin;
mod audit_checkpoint;
mod backup;
mod bench;
mod bench_import;
mod demo;
mod r#gen;
mod import;
mod listing;
mod records;
mod reminders;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand, ValueEnum};
use ketnap_domain::ports::{Change, UnitStore};
use ketnap_domain::scope::{Access, Scope};
use ketnap_domain::unit::Unit;
use ketnap_store::{Create, Store};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Where the embedded default keeps its database.
const DEFAULT_DATABASE: &str = "sqlite://ketnap-data/ketnap.sqlite3";

#[derive(Debug, Parser)]
#[command(
    name = "ketnap",
    version,
    about = "Quản lý phát triển đảng viên: từ quần chúng ưu tú đến đảng viên chính thức"
)]
struct Cli {
    /// sqlite://PATH (mặc định ./ketnap-data/ketnap.sqlite3) hoặc postgres://…
    #[arg(long, global = true, env = "KETNAP_DATABASE_URL", default_value = DEFAULT_DATABASE)]
    database: String,
    /// Tệp khóa dữ liệu (mã hóa hồ sơ cá nhân); mặc định bên cạnh tệp SQLite (….keys).
    /// Bắt buộc với PostgreSQL. Giữ tách khỏi cơ sở dữ liệu và bản sao lưu.
    #[arg(long, global = true, env = "KETNAP_DATA_KEYS")]
    data_keys: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create or update the database schema.
    Migrate,
    /// Load the demonstration city (Ho Chi Minh City, about three years of cases).
    Demo {
        /// Erase earlier demonstration data first.
        #[arg(long)]
        reset: bool,
    },
    /// Generate a dataset for benchmarks, from one ward to the whole country (five years of
    /// cases in every stage), deterministically for a seed; prints its own speed.
    Gen {
        #[arg(long, value_enum, default_value = "city")]
        scale: demo::Scale,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Erase earlier generated or demonstration data first.
        #[arg(long)]
        reset: bool,
    },
    /// Serve the web application.
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
        /// Load the demonstration city (erasing earlier demo data) and create one account per role.
        #[arg(long)]
        demo: bool,
        /// Mark the session cookie Secure (when users reach ketnap over HTTPS).
        #[arg(long, env = "KETNAP_SECURE_COOKIES")]
        secure_cookies: bool,
        /// Address of a load balancer or reverse proxy in front of ketnap (repeatable, or
        /// comma-separated in the environment): from it, the client's address is taken from
        /// X-Forwarded-For, so failed sign-ins are counted per user's address, not the proxy's.
        #[arg(
            long = "trusted-proxy",
            env = "KETNAP_TRUSTED_PROXIES",
            value_delimiter = ','
        )]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// When the daily reminder runs, Vietnam time (HH:MM); once a day across every
        /// server process on the database.
        #[arg(long, env = "KETNAP_REMIND_AT", default_value = "06:00", value_parser = reminders::parse_time)]
        remind_at: chrono::NaiveTime,
        #[command(flatten)]
        mail: reminders::MailOptions,
        /// For `ketnap bench`: also answer GET /bench/static with this many bytes of HTML.
        #[arg(long, hide = true)]
        static_probe_bytes: Option<usize>,
    },
    /// Run the daily reminder now (the digests of deadlines to each officer's inbox, and by
    /// mail with --smtp-url), unless it already ran for the day; then it only retries the
    /// mails a server refused.
    Remind {
        /// The day to run (default: today in Vietnam), dd/mm/yyyy or yyyy-mm-dd.
        #[arg(long, value_parser = parse_day)]
        on: Option<NaiveDate>,
        /// The time the run takes as now (RFC 3339), for tests and replays.
        #[arg(long, hide = true)]
        at: Option<chrono::DateTime<Utc>>,
        #[command(flatten)]
        mail: reminders::MailOptions,
    },
    /// Measure the server time (p50/p95/p99) of the busiest pages and searches of a ward
    /// officer, a city and a national leader, the dashboards against their bare SQL, and
    /// HTTP throughput with wrk, on the data `ketnap gen` made.
    Bench {
        #[command(flatten)]
        options: bench::Options,
    },
    /// Measure the import of a large list of people against calamine's bare read of the
    /// same file, in a new database (give one with --database).
    BenchImport {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
    },
    /// One measured step of bench-import, in a process of its own.
    #[command(hide = true)]
    BenchImportStep { step: String, file: PathBuf },
    /// API tokens for the JSON API.
    Token {
        #[command(subcommand)]
        command: admin::TokenCommand,
    },
    /// A consistent copy of the SQLite database, taken while it serves, then checked;
    /// encrypted (age format) with a passphrase or a key file when one is given.
    Backup {
        dest: PathBuf,
        #[command(flatten)]
        encrypt: backup::Encrypt,
    },
    /// Check a backup: the file's integrity and the audit log's hash chain.
    VerifyBackup {
        file: PathBuf,
        #[command(flatten)]
        decrypt: backup::Decrypt,
    },
    /// Put a checked backup in place of --database (server stopped; the replaced file is
    /// kept beside it).
    Restore {
        file: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        decrypt: backup::Decrypt,
    },
    /// Make a key file for encrypted backups (X25519, as age-keygen makes them).
    BackupKeygen {
        /// The secret key file to write (readable by its owner only).
        out: PathBuf,
        /// Also write the public key alone here: enough for `backup --encrypt-key-file`.
        #[arg(long, value_name = "PATH")]
        public: Option<PathBuf>,
    },
    /// Check the audit log (nhật ký truy cập và thay đổi) for tampering.
    Audit {
        #[command(subcommand)]
        command: admin::AuditCommand,
    },
    /// The data keys that seal personal records: status, rotation.
    Keys {
        #[command(subcommand)]
        command: admin::KeysCommand,
    },
    /// Erase the personal data kept past the rule set's retention period (withdrawn
    /// sources); run it daily, e.g. from cron.
    Retention {
        #[command(subcommand)]
        command: admin::RetentionCommand,
    },
    /// Show or load rule sets (numbers from the regulations).
    Rules {
        #[command(subcommand)]
        command: admin::RulesCommand,
    },
    /// Load the government's announced holidays for a year.
    Calendar {
        #[command(subcommand)]
        command: admin::CalendarCommand,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: admin::UserCommand,
    },
    /// Cases of a unit's subtree whose next deadline is overdue or close.
    Overdue {
        /// Official code of the unit (e.g. 25747).
        #[arg(long)]
        unit: String,
        /// The day to judge on (default: today in Vietnam), dd/mm/yyyy or yyyy-mm-dd.
        #[arg(long, value_parser = parse_day)]
        on: Option<NaiveDate>,
        /// Also list cases due within this many days.
        #[arg(long, default_value_t = 14)]
        within: i64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Cases of a unit's subtree.
    Cases {
        #[arg(long)]
        unit: String,
        /// Only this stage (source, sympathiser, …, official, withdrawn …).
        #[arg(long)]
        stage: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record a new source (quần chúng ưu tú) in a cell.
    Source {
        #[command(subcommand)]
        command: records::SourceCommand,
    },
    /// Apply an action to a case.
    Case {
        #[command(subcommand)]
        command: records::CaseCommand,
    },
    /// Import a spreadsheet (.xlsx, .xls, .ods, .csv): every row is checked first, then all
    /// of them are written or none.
    Import {
        file: PathBuf,
        /// What the file holds: headcounts, people, units (the unit tree), mass_orgs (đoàn thể).
        #[arg(long)]
        kind: String,
        /// Official code of the unit whose subtree the file covers.
        #[arg(long)]
        unit: String,
        /// Check and report, write nothing.
        #[arg(long)]
        dry_run: bool,
        /// For a row that could be someone already on file: `ROW=new` (someone else) or
        /// `ROW=ID` (the person with that id, as listed). Repeatable.
        #[arg(long = "decide", value_name = "ROW=new|ROW=ID")]
        decisions: Vec<String>,
        /// Where to write the error report (.xlsx, bad cells marked) when there are problems.
        #[arg(long, value_name = "FILE.xlsx")]
        errors: Option<PathBuf>,
    },
    /// Export a list in the layout `import` reads (.xlsx or .csv, by the file's extension).
    Export {
        file: PathBuf,
        /// What to export: headcounts, people, units (the unit tree), mass_orgs (đoàn thể).
        #[arg(long)]
        kind: String,
        /// Official code of the unit whose subtree to export.
        #[arg(long)]
        unit: String,
        /// Why the list leaves (kept in the audit log with the number of people), e.g.
        /// "Báo cáo cấp ủy cấp trên".
        #[arg(long)]
        purpose: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .map_err(|_| format!("\"{text}\" không phải ngày (dạng 15/03/2026 hoặc 2026-03-15)"))
}

/// What every command needs: the store and the change context of this invocation.
#[derive(Debug)]
pub struct Context {
    pub store: Store,
    pub change: Change,
}

impl Context {
    /// The unit with this official code, or a clear error naming the option.
    pub async fn unit(&self, code: &str) -> anyhow::Result<Unit> {
        self.store.unit_by_code(code).await?.ok_or_else(|| {
            anyhow::anyhow!(ketnap_domain::Violation::new(
                "unit.unknown",
                "--unit",
                format!("Không có tổ chức đảng nào mã \"{}\".", code.trim()),
            ))
        })
    }

    /// The operator at the command line acts on the subtree they name.
    pub async fn scope(&self, code: &str, access: Access) -> anyhow::Result<(Unit, Scope)> {
        let unit = self.unit(code).await?;
        let scope = Scope::subtree(unit.id, access);
        Ok((unit, scope))
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    // These work on files, not on the database --database names as it is.
    match &cli.command {
        Command::Restore {
            file,
            force,
            decrypt,
        } => {
            return backup::restore(&cli.database, file, *force, decrypt).await;
        }
        Command::VerifyBackup { file, decrypt } => return backup::verify(file, decrypt).await,
        Command::BackupKeygen { out, public } => return backup::keygen(out, public.as_deref()),
        _ => {}
    }
    let create = match cli.command {
        Command::Migrate
        | Command::Demo { .. }
        | Command::Gen { .. }
        | Command::BenchImport { .. }
        | Command::Serve { demo: true, .. } => Create::IfMissing,
        _ => Create::Never,
    };
    let store = Store::open_with_keys(&cli.database, create, cli.data_keys.as_deref()).await?;
    store
        .migrate()
        .await
        .context("không cập nhật được lược đồ cơ sở dữ liệu")?;
    let actor = format!(
        "cli:{}",
        std::env::var("USER").unwrap_or_else(|_| "operator".into())
    );
    let change = Change {
        actor,
        request_id: format!("cli-{}", uuid::Uuid::new_v4()),
        now: Utc::now(),
    };
    let ctx = Context { store, change };
    let result = match cli.command {
        Command::Migrate => {
            println!("Cơ sở dữ liệu đã ở phiên bản mới nhất.");
            Ok(())
        }
        Command::Demo { reset } => demo_command(&ctx, reset).await,
        Command::Gen { scale, seed, reset } => r#gen::generate(&ctx, scale, seed, reset).await,
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            trusted_proxies,
            remind_at,
            mail,
            static_probe_bytes,
        } => {
            let options = serve::Options {
                listen,
                demo,
                secure_cookies,
                trusted_proxies,
                remind_at,
                mail,
                static_probe_bytes,
            };
            serve::serve(&ctx, &options).await
        }
        Command::Remind { on, at, mail } => reminders::remind(&ctx, on, at, &mail).await,
        Command::Bench { options } => {
            bench::bench(&ctx, &options, &cli.database, cli.data_keys.as_deref()).await
        }
        Command::BenchImport { rows } => bench_import::bench(&ctx, &cli.database, rows).await,
        Command::BenchImportStep { step, file } => bench_import::step(&ctx, &step, &file).await,
        Command::Token { command } => admin::token(&ctx, command).await,
        Command::Rules { command } => admin::rules(&ctx, command).await,
        Command::Audit { command } => admin::audit(&ctx, command).await,
        Command::Keys { command } => admin::keys(&ctx, command).await,
        Command::Retention { command } => admin::retention(&ctx, command).await,
        Command::Backup { dest, encrypt } => {
            backup::backup(&ctx, &cli.database, &dest, &encrypt).await
        }
        // Handled before the database was opened.
        Command::Restore { .. } | Command::VerifyBackup { .. } | Command::BackupKeygen { .. } => {
            Ok(())
        }
        Command::Calendar { command } => admin::calendar(&ctx, command).await,
        Command::User { command } => admin::user(&ctx, command).await,
        Command::Overdue {
            unit,
            on,
            within,
            format,
        } => listing::overdue(&ctx, &unit, on, within, format).await,
        Command::Cases {
            unit,
            stage,
            format,
        } => listing::cases(&ctx, &unit, stage.as_deref(), format).await,
        Command::Source { command } => records::source(&ctx, command).await,
        Command::Case { command } => records::case(&ctx, command).await,
        Command::Import {
            file,
            kind,
            unit,
            dry_run,
            decisions,
            errors,
        } => {
            let options = import::Options {
                dry_run,
                decisions,
                errors,
            };
            import::run(&ctx, &file, &kind, &unit, &options).await
        }
        Command::Export {
            file,
            kind,
            unit,
            purpose,
        } => import::export(&ctx, &file, &kind, &unit, &purpose).await,
    };
    ctx.store.close().await;
    result
}

pub async fn demo_command(ctx: &Context, reset: bool) -> anyhow::Result<()> {
    use ketnap_domain::ports::RuleStore;
    if reset {
        ctx.store.erase_demo(&ctx.change).await?;
    } else if !ctx.store.is_empty().await? {
        anyhow::bail!(
            "Cơ sở dữ liệu đã có dữ liệu. Dùng `ketnap demo --reset` để nạp lại dữ liệu mẫu."
        );
    }
    let started = std::time::Instant::now();
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    let rules = ctx.store.rule_book().await?;
    let calendar = ctx.store.calendar().await?;
    let data = demo::build(today, &rules, &calendar)?;
    let built = started.elapsed();
    ctx.store.load_dataset(&ctx.change, &data, "demo").await?;
    println!(
        "Đã nạp dữ liệu mẫu: {} tổ chức đảng, {} người, {} hồ sơ, {} sự kiện (tạo {:.1} s, ghi {:.1} s).",
        data.units.len(),
        data.people.len(),
        data.cases.len(),
        data.events.len(),
        built.as_secs_f64(),
        (started.elapsed() - built).as_secs_f64()
    );
    Ok(())
}

/// Reads a file the operator names, with its path in the error.
pub fn read_file(path: &PathBuf) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("không đọc được tệp {}", path.display()))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to standard error; they carry request ids and paths, never personal data.
    // The server logs each request; other commands only warnings. RUST_LOG overrides.
    let default_filter = if matches!(cli.command, Command::Serve { .. }) {
        "warn,ketnap_web=info,ketnap::reminders=info"
    } else {
        "warn"
    };
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default_filter.into());
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("Lỗi: {error:#}");
            }
            ExitCode::FAILURE
        }
    }
}
