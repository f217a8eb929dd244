//! Administration at the command line: rule sets, holiday calendars, user accounts.

use std::io::BufRead;
use std::path::PathBuf;

use clap::Subcommand;
use ketnap_domain::Violation;
use ketnap_domain::access::Role;
use ketnap_domain::ports::RuleStore;
use ketnap_domain::workflow::dmy;
use ketnap_store::NewUser;

use crate::{Context, read_file};

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// The rule sets in force, oldest first, with their numbers.
    Show,
    /// Load a corrected rule set from a TOML file (same id, higher version).
    Load { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Erase the people whose every case was withdrawn longer ago than the period.
    Purge {
        /// Count them, erase nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// How many people's records each data key seals, and where the key file is.
    Status,
    /// Add a new data key and re-seal every record with it (servers keep running; they
    /// read the new key from the file when they meet it). Old lines may then be removed.
    Rotate,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the audit log's hash chain and say where it breaks, if it does; with a
    /// checkpoint, also check that the log still holds what it signed.
    Verify {
        #[arg(long, requires = "public_key")]
        checkpoint: Option<PathBuf>,
        #[arg(long)]
        public_key: Option<PathBuf>,
    },
    /// Make an Ed25519 key pair for signing checkpoints.
    Keygen {
        #[arg(long)]
        secret: PathBuf,
        #[arg(long)]
        public: PathBuf,
    },
    /// Print a checkpoint of the log's head, signed with the secret key.
    Checkpoint {
        #[arg(long)]
        key: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Load one year's announced holidays and swapped working days from a TOML file.
    Load { file: PathBuf },
    /// List a year's holidays.
    Show { year: i32 },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a user; the token alone is printed on standard output.
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by its number.
    Revoke { id: i64 },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. The password is read from the first line of standard input.
    Add {
        #[arg(long)]
        username: String,
        /// Full name shown in the audit trail.
        #[arg(long)]
        name: String,
        /// officer, viewer, cell_secretary, mass_org_officer, auditor or admin.
        #[arg(long)]
        role: String,
        /// Official code of the unit whose subtree the account covers.
        #[arg(long)]
        unit: String,
        /// For a mass-organisation officer: the number of their organisation.
        #[arg(long)]
        mass_org: Option<i64>,
    },
    /// List accounts.
    List,
    /// Lock an account: its sessions end and its API tokens stop working.
    Disable { username: String },
    /// Set the address the account's daily reminder mails go to; without an address,
    /// remove it (reminders then reach the inbox only).
    Email {
        username: String,
        address: Option<String>,
    },
}

pub async fn retention(ctx: &Context, command: RetentionCommand) -> anyhow::Result<()> {
    let RetentionCommand::Purge { dry_run } = command;
    let today = ketnap_domain::workflow::today_in_vietnam(ctx.change.now);
    let purge = ctx.store.purge_expired(&ctx.change, today, dry_run).await?;
    let verb = if dry_run { "Sẽ xóa" } else { "Đã xóa" };
    println!(
        "{verb} dữ liệu cá nhân của {} người rút khỏi danh sách nguồn đến ngày {} (thời hạn lưu trữ {} tháng).",
        purge.people,
        ketnap_domain::workflow::dmy(purge.withdrawn_by),
        purge.months
    );
    println!(
        "{verb} dữ liệu cá nhân của {} người được giới thiệu nhưng không được tiếp nhận.",
        purge.nominations
    );
    Ok(())
}

pub async fn keys(ctx: &Context, command: KeysCommand) -> anyhow::Result<()> {
    if let Some(path) = ctx.store.data_keys_path() {
        println!("Tệp khóa: {}", path.display());
    }
    if let KeysCommand::Rotate = command {
        let (id, count) = ctx.store.rotate_data_keys(&ctx.change).await?;
        println!("Khóa mới {id}: đã mã hóa lại {count} hồ sơ.");
    }
    for key in ctx.store.data_key_status().await? {
        let current = if key.current { " (đang dùng)" } else { "" };
        println!("khóa {}{current}: {} hồ sơ", key.key_id, key.records);
    }
    Ok(())
}

pub async fn audit(ctx: &Context, command: AuditCommand) -> anyhow::Result<()> {
    match command {
        AuditCommand::Keygen { secret, public } => {
            crate::audit_checkpoint::keygen(&secret, &public)
        }
        AuditCommand::Checkpoint { key } => crate::audit_checkpoint::checkpoint(ctx, &key).await,
        AuditCommand::Verify {
            checkpoint,
            public_key,
        } => {
            let check = ctx.store.verify_audit_log().await?;
            for (_, problem) in &check.problems {
                println!("LỖI — {problem}");
            }
            anyhow::ensure!(
                check.problems.is_empty(),
                "Nhật ký truy cập và thay đổi không còn nguyên vẹn: {} chỗ hỏng trong {} dòng.",
                check.problems.len(),
                check.rows
            );
            if let (Some(file), Some(public)) = (checkpoint, public_key) {
                let signed = crate::audit_checkpoint::check(ctx, &file, &public).await?;
                println!(
                    "Khớp điểm kiểm tra ký ngày {} (dòng #{}).",
                    signed.at, signed.last_id
                );
            }
            println!(
                "Nhật ký nguyên vẹn: {} dòng; dấu cuối {} (hãy giữ dấu này ở nơi khác để đối chiếu).",
                check.rows, check.head
            );
            Ok(())
        }
    }
}

pub async fn rules(ctx: &Context, command: RulesCommand) -> anyhow::Result<()> {
    match command {
        RulesCommand::Show => {
            let book = ctx.store.rule_book().await?;
            for set in book.sets() {
                println!("{} — {}", set.label(), set.regulation);
                println!("  có hiệu lực từ {}", dmy(set.in_force_from));
                if !set.note.is_empty() {
                    println!("  ghi chú: {}", set.note);
                }
                let a = &set.admission;
                let p = &set.probation;
                println!(
                    "  tuổi khi chi bộ xét: {}–{} tháng",
                    set.age.minimum_months, set.age.maximum_months
                );
                println!(
                    "  quyết định kết nạp: {} ngày làm việc (gia hạn tối đa {}); lễ kết nạp: {} ngày làm việc",
                    a.decision_working_days,
                    a.decision_extension_max_working_days,
                    a.ceremony_working_days
                );
                println!(
                    "  người giới thiệu: {} (công tác cùng ≥ {} tháng); hồ sơ quá hạn sau {} tháng; biểu quyết ≥ {}/{}",
                    a.introducers_required,
                    a.introducer_months_together,
                    a.file_staleness_months,
                    a.vote_approval_numerator,
                    a.vote_approval_denominator
                );
                println!(
                    "  dự bị: {} tháng; xét công nhận: {} ngày làm việc; quyết định công nhận: {} ngày làm việc",
                    p.months, p.recognition_vote_working_days, p.recognition_decision_working_days
                );
                println!(
                    "  giấy chứng nhận nhận thức về Đảng: {} tháng (độ tin cậy: {:?}); kết nạp lại sau {} / {} tháng; chỉ tiêu {} %",
                    set.awareness_certificate.validity_months,
                    set.awareness_certificate.confidence,
                    set.readmission.minimum_gap_months,
                    set.readmission.minimum_gap_after_criminal_record_months,
                    set.targets.default_yearly_percent
                );
            }
            for loaded in ctx.store.loaded_rule_sets().await? {
                println!(
                    "Đã nạp: {} v{} bởi {} lúc {}",
                    loaded.rule_set_id, loaded.version, loaded.loaded_by, loaded.loaded_at
                );
            }
            Ok(())
        }
        RulesCommand::Load { file } => {
            let text = read_file(&file)?;
            let set = ctx.store.load_rule_set(&ctx.change, &text).await?;
            println!(
                "Đã nạp bộ quy định {} ({}), có hiệu lực từ {}.",
                set.label(),
                set.regulation,
                dmy(set.in_force_from)
            );
            Ok(())
        }
    }
}

pub async fn calendar(ctx: &Context, command: CalendarCommand) -> anyhow::Result<()> {
    match command {
        CalendarCommand::Load { file } => {
            let text = read_file(&file)?;
            let year = ctx.store.load_calendar_year(&ctx.change, &text).await?;
            println!("Đã nạp lịch nghỉ năm {year}.");
        }
        CalendarCommand::Show { year } => {
            let calendar = ctx.store.calendar().await?;
            for holiday in calendar.holidays(year) {
                println!("{}  {}", dmy(holiday.date), holiday.name);
            }
        }
    }
    Ok(())
}

pub async fn user(ctx: &Context, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            username,
            name,
            role,
            unit,
            mass_org,
        } => {
            let role = Role::from_code(role.trim()).ok_or_else(|| {
                let known: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                Violation::new(
                    "user.role",
                    "--role",
                    format!(
                        "Không có vai trò \"{role}\". Các vai trò: {}.",
                        known.join(", ")
                    ),
                )
            })?;
            let unit = ctx.unit(&unit).await?;
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let user = NewUser {
                username,
                display_name: name,
                password: password.trim_end_matches(['\r', '\n']).to_string(),
                role,
                unit: unit.id,
                mass_org: mass_org.map(ketnap_domain::ids::MassOrgId),
            };
            let id = ctx.store.add_user(&ctx.change, &user).await?;
            println!(
                "Đã tạo tài khoản {} (số {id}) cho {}.",
                user.username.trim().to_lowercase(),
                unit.name
            );
        }
        UserCommand::Disable { username } => {
            let account = account_named(ctx, &username, "username").await?;
            ctx.store
                .disable_user(&ctx.change, ketnap_domain::ids::UserId(account.id))
                .await?;
            println!("Đã khóa tài khoản {}.", account.username);
        }
        UserCommand::Email { username, address } => {
            let account = account_named(ctx, &username, "username").await?;
            ctx.store
                .set_user_email(
                    &ctx.change,
                    ketnap_domain::ids::UserId(account.id),
                    address.as_deref(),
                )
                .await?;
            if address.as_deref().is_some_and(|a| !a.trim().is_empty()) {
                println!(
                    "Đã đặt địa chỉ nhận thư nhắc việc cho tài khoản {}.",
                    account.username
                );
            } else {
                println!(
                    "Đã bỏ địa chỉ thư của tài khoản {}: nhắc việc chỉ trong ứng dụng.",
                    account.username
                );
            }
        }
        UserCommand::List => {
            for user in ctx.store.users().await? {
                let state = if user.is_disabled() {
                    " (đã khóa)"
                } else {
                    ""
                };
                println!(
                    "{}  {}  {}  đơn vị {}{state}",
                    user.username, user.display_name, user.role, user.unit_id
                );
            }
        }
    }
    Ok(())
}

/// The account with this user name, or a refusal naming the option it came from.
async fn account_named(
    ctx: &Context,
    username: &str,
    field: &str,
) -> anyhow::Result<ketnap_store::UserRecord> {
    Ok(ctx.store.user_by_name(username).await?.ok_or_else(|| {
        Violation::new(
            "user.unknown",
            field,
            format!("Không có tài khoản \"{}\".", username.trim()),
        )
    })?)
}

pub async fn token(ctx: &Context, command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, label } => {
            let account = account_named(ctx, &user, "--user").await?;
            let token = ctx
                .store
                .create_api_token(&ctx.change, ketnap_domain::ids::UserId(account.id), &label)
                .await?;
            println!("{token}");
        }
        TokenCommand::List => {
            for token in ctx.store.api_tokens().await? {
                let state = token
                    .revoked_at
                    .as_deref()
                    .map(|at| format!("thu hồi lúc {at}"))
                    .unwrap_or_else(|| "còn hiệu lực".into());
                println!(
                    "{}  tài khoản {}  {}  tạo lúc {}  {state}",
                    token.id, token.user_id, token.label, token.created_at
                );
            }
        }
        TokenCommand::Revoke { id } => {
            ctx.store.revoke_api_token(&ctx.change, id).await?;
            println!("Đã thu hồi mã truy cập số {id}.");
        }
    }
    Ok(())
}
