//! The daily reminder (bản tin nhắc việc): once a day, across every process on one
//! database, each account that edits cases gets a digest of what it answers for (overdue
//! and coming deadlines, transfers and requests waiting for it) in the inbox and, when SMTP
//! is set up and the account has an address, by mail. `ketnap remind` runs a day by hand;
//! `ketnap serve` runs each day after `--remind-at` (Vietnam time). docs/OPERATIONS.md
//! says what a mail holds.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use ketnap_domain::coordination::Addressee;
use ketnap_domain::ids::UserId;
use ketnap_domain::ports::RuleStore;
use ketnap_domain::ports::{Change, StoreResult};
use ketnap_domain::reminder::{DigestItem, ItemKind, Waiting, digests, waiting_items};
use ketnap_domain::workflow::{dmy, today_in_vietnam};
use ketnap_store::{Held, RunCounts, Store, UnsentMail};
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// The job's name in `job_runs`.
pub const JOB: &str = "reminders";
/// A run whose process has not been heard of for this long is taken over by another.
const LEASE: chrono::Duration = chrono::Duration::minutes(15);
/// How long one mail may take to hand over before it counts as failed.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);
/// How often `serve` looks whether the day's run is due.
const TICK: Duration = Duration::from_secs(60);

/// Where digest mails go out; without `--smtp-url`, digests reach the inbox only.
#[derive(Debug, Clone, clap::Args)]
pub struct MailOptions {
    /// SMTP server for the reminder mails: smtp://HOST:PORT (plain, e.g. a local relay),
    /// smtp://USER:PASS@HOST:587?tls=required (STARTTLS) or smtps://USER:PASS@HOST:465.
    #[arg(long, env = "KETNAP_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// Sender of the reminder mails, e.g. "ketnap <nhacviec@dangbo.vn>".
    #[arg(long, env = "KETNAP_MAIL_FROM")]
    pub mail_from: Option<String>,
}

/// An SMTP connection's settings and the sender.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    // The URL may hold a password: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// Why a mail was not sent, and whether it surely did not arrive.
#[derive(Debug)]
struct SendError {
    /// A short category in Vietnamese (`máy chủ thư từ chối (mã 550)`), never the
    /// server's words: they are English and often quote the address. It is what
    /// `mail_outbox.error` keeps and `ketnap remind` prints.
    category: String,
    delivered_not: bool,
}

impl Mailer {
    /// The mailer the options describe, or none without `--smtp-url`.
    pub fn from_options(options: &MailOptions) -> anyhow::Result<Option<Mailer>> {
        let Some(url) = options.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let from = options.mail_from.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "--smtp-url cần --mail-from (KETNAP_MAIL_FROM): địa chỉ người gửi thư nhắc việc"
            )
        })?;
        let from: Mailbox = from
            .parse()
            .with_context(|| format!("--mail-from \"{from}\" không phải địa chỉ thư điện tử"))?;
        // The error would repeat the URL, password and all: say only what is wrong.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|_| {
                anyhow::anyhow!(
                    "--smtp-url không hợp lệ: dùng smtp://MÁY:CỔNG, smtp://TÊN:MẬT_KHẨU@MÁY:587?tls=required hoặc smtps://…"
                )
            })?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Some(Mailer { transport, from }))
    }

    async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), SendError> {
        let refused = |category: &str| SendError {
            category: category.to_string(),
            delivered_not: true,
        };
        let to: Mailbox = to
            .parse()
            .map_err(|_| refused("địa chỉ người nhận không hợp lệ"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string())
            .map_err(|_| refused("không soạn được thư"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            // A reply with a code (4xx, 5xx), a failed TLS handshake or a refused
            // connection: the server did not take the mail. Anything else (a timeout, a
            // connection lost midway) leaves it unknown whether it arrived.
            let delivered_not =
                e.is_transient() || e.is_permanent() || e.is_tls() || connection_refused(&e);
            SendError {
                category: category(&e),
                delivered_not,
            }
        })
    }
}

/// What went wrong, in a few Vietnamese words an operator can act on: the reply code of a
/// refusal, else the kind of failure. Nothing of the server's text.
fn category(error: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = error.status() {
        if error.is_transient() {
            format!("máy chủ thư tạm thời từ chối (mã {code})")
        } else {
            format!("máy chủ thư từ chối (mã {code})")
        }
    } else if error.is_timeout() {
        "hết thời gian chờ máy chủ thư".to_string()
    } else if error.is_tls() {
        "lỗi TLS với máy chủ thư".to_string()
    } else if connection_refused(error) {
        "không kết nối được máy chủ thư".to_string()
    } else if error.is_response() {
        "máy chủ thư trả lời sai giao thức".to_string()
    } else {
        "mất kết nối với máy chủ thư".to_string()
    }
}

fn connection_refused(error: &lettre::transport::smtp::Error) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
            );
        }
        source = e.source();
    }
    false
}

/// What a call of [`run_day`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Accounts that got a digest, notifications added (a run taken over adds only what
    /// was missing), mails sent and failed.
    pub counts: RunCounts,
    /// Another process had claimed the day: this call only retried refused mails.
    pub already_ran: bool,
    /// ... and is still running it (or died less than the lease ago).
    pub running_elsewhere: bool,
    /// This process claimed the day but stalled past the lease, and another took the run
    /// over: it stopped where it noticed, leaving the day to the other (which writes the
    /// run's audit row).
    pub lost_lease: bool,
    /// Mails of the day not (known to be) sent, for the operator to look at.
    pub unsent: Vec<UnsentMail>,
}

/// Everything the digests of `today` tell of. Transfers and requests of a closed case
/// (official, withdrawn, …) wait on nobody: the store's pending lists leave them out.
pub async fn collect_items(store: &Store, today: NaiveDate) -> StoreResult<Vec<DigestItem>> {
    let mut items = store.deadline_items(today).await?;
    let rules = store.rule_book().await?;
    let Some(coordination) = rules.in_force_on(today)?.coordination.clone() else {
        return Ok(items);
    };
    // Waiting on the receiving unit, escalated to the two cells' common parent; a transfer
    // without an escalation day never escalates.
    let transfers = store
        .pending_transfers()
        .await?
        .into_iter()
        .map(|t| Waiting {
            kind: ItemKind::Transfer,
            id: t.id,
            unit: t.to_cell,
            what: format!(
                "Chuyển sinh hoạt số {} từ {} đến {} chờ tiếp nhận",
                t.id, t.from_name, t.to_name
            ),
            link: "/transfers".to_string(),
            due: t.escalates_on.unwrap_or(NaiveDate::MAX),
            escalate_to: t.common_parent,
        });
    // Waiting on the unit asked, or for a letter on the case's cell now (it records the
    // answer that comes back on paper, also after the case moved).
    let requests = store
        .pending_requests()
        .await?
        .into_iter()
        .map(|r| Waiting {
            kind: ItemKind::Request,
            id: r.id,
            unit: match r.to {
                Addressee::Unit { unit } => unit,
                Addressee::Letter { .. } => r.cell,
            },
            what: format!(
                "{} số {} của {} gửi {}",
                r.kind.label_vi(),
                r.id,
                r.from_name,
                r.to_name
            ),
            link: format!("/requests/{}", r.id),
            due: r.due_on,
            escalate_to: None,
        });
    let waiting: Vec<Waiting> = transfers.chain(requests).collect();
    items.extend(waiting_items(
        today,
        &coordination,
        &store.calendar().await?,
        &waiting,
    ));
    Ok(items)
}

/// Runs `today`'s reminder unless another process has: claims the day under a token of
/// its own, writes each account's digest (inbox and outbox) and sends the outbox, renewing
/// the claim before each step, then marks the day done with its audit row. A process that
/// finds its claim taken over (it stalled past the lease) stops there and writes no audit
/// row. A day someone else ran only gets its refused mails retried. `change.now` is the
/// run's clock; later times are that plus the time elapsed.
pub async fn run_day(
    store: &Store,
    today: NaiveDate,
    mailer: Option<&Mailer>,
    change: &Change,
) -> anyhow::Result<Report> {
    let started = Instant::now();
    let clock = || change.now + chrono::Duration::from_std(started.elapsed()).unwrap_or_default();
    let mut report = Report::default();
    let owner = uuid::Uuid::new_v4().simple().to_string();
    let claim = store
        .claim_run(JOB, today, &owner, change.now, LEASE)
        .await?;
    if !claim.runs() {
        report.already_ran = true;
        report.running_elsewhere = claim == (ketnap_store::Claim::Taken { finished: false });
        if claim == (ketnap_store::Claim::Taken { finished: true })
            && let Some(mailer) = mailer
        {
            send_outbox(store, today, mailer, None, &clock, &mut report).await?;
        }
        report.unsent = store.unsent_mails(today).await?;
        return Ok(report);
    }
    let items = collect_items(store, today).await?;
    let recipients = store.reminder_recipients().await?;
    let parents = store.unit_parents().await?;
    let addresses: HashMap<UserId, bool> = recipients
        .iter()
        .map(|r| (r.recipient.user, r.email.is_some()))
        .collect();
    let people: Vec<_> = recipients.iter().map(|r| r.recipient).collect();
    for digest in digests(&items, &people, |unit| parents.get(&unit).copied()) {
        if store.renew_run(JOB, today, &owner, clock()).await? == Held::Lost {
            return lost(store, today, report).await;
        }
        let mail = mailer.is_some() && addresses.get(&digest.user).copied().unwrap_or(false);
        report.counts.notifications += store.record_digest(today, clock(), &digest, mail).await?;
        report.counts.users += 1;
    }
    if let Some(mailer) = mailer {
        send_outbox(store, today, mailer, Some(&owner), &clock, &mut report).await?;
        if report.lost_lease {
            return lost(store, today, report).await;
        }
    }
    let finish = Change {
        now: clock(),
        ..change.clone()
    };
    if store
        .finish_run(&finish, JOB, today, &owner, &report.counts)
        .await?
        == Held::Lost
    {
        return lost(store, today, report).await;
    }
    report.unsent = store.unsent_mails(today).await?;
    Ok(report)
}

/// The report of a run whose claim another process took over.
async fn lost(store: &Store, today: NaiveDate, mut report: Report) -> anyhow::Result<Report> {
    report.lost_lease = true;
    tracing::warn!(
        "nhắc việc ngày {}: một tiến trình khác đã tiếp quản lần chạy, tiến trình này dừng",
        dmy(today)
    );
    report.unsent = store.unsent_mails(today).await?;
    Ok(report)
}

/// Sends the day's mails nobody has claimed, each claimed first so that no two processes
/// send it. `owner`: the run's claim, renewed before each mail (a claim lost stops the
/// mailing and sets `report.lost_lease`); without one, a day already done, only the mails
/// a server refused before are retried.
async fn send_outbox(
    store: &Store,
    day: NaiveDate,
    mailer: &Mailer,
    owner: Option<&str>,
    clock: &impl Fn() -> DateTime<Utc>,
    report: &mut Report,
) -> anyhow::Result<()> {
    for mail in store.mails_to_send(day, owner.is_none()).await? {
        let Some(to) = mail.to.as_deref() else {
            continue;
        };
        if let Some(owner) = owner
            && store.renew_run(JOB, day, owner, clock()).await? == Held::Lost
        {
            report.lost_lease = true;
            break;
        }
        if !store.claim_mail(mail.user, day, clock()).await? {
            continue;
        }
        match mailer.send(to, &mail.subject, &mail.body).await {
            Ok(()) => {
                store.mail_sent(mail.user, day, clock()).await?;
                report.counts.mails_sent += 1;
            }
            Err(e) => {
                // The category only: the server's words may hold the address, and the log
                // names the account by number.
                tracing::warn!(
                    "thư nhắc việc cho tài khoản số {} không gửi được: {}{}",
                    mail.user,
                    e.category,
                    if e.delivered_not {
                        " (sẽ thử lại)"
                    } else {
                        " (không rõ đã đến chưa: không gửi lại)"
                    }
                );
                store
                    .mail_failed(mail.user, day, &e.category, e.delivered_not)
                    .await?;
                report.counts.mails_failed += 1;
                if !e.delivered_not {
                    // The server may be gone midway: leave the rest unclaimed for a retry
                    // rather than put more mails in doubt.
                    break;
                }
            }
        }
    }
    Ok(())
}

/// `ketnap remind`: runs (or retries) a day's reminder and prints what happened.
pub async fn remind(
    ctx: &crate::Context,
    on: Option<NaiveDate>,
    at: Option<DateTime<Utc>>,
    mail: &MailOptions,
) -> anyhow::Result<()> {
    let mailer = Mailer::from_options(mail)?;
    let change = Change {
        now: at.unwrap_or(ctx.change.now),
        ..ctx.change.clone()
    };
    let today = on.unwrap_or_else(|| today_in_vietnam(change.now));
    let report = run_day(&ctx.store, today, mailer.as_ref(), &change).await?;
    print_report(today, &report, mailer.is_some());
    Ok(())
}

fn print_report(day: NaiveDate, report: &Report, mail: bool) {
    let mails = if mail {
        format!(
            ", {} thư đã gửi, {} thư lỗi",
            report.counts.mails_sent, report.counts.mails_failed
        )
    } else {
        " (chưa cấu hình SMTP: chỉ thông báo trong ứng dụng)".to_string()
    };
    if report.lost_lease {
        println!(
            "Nhắc việc ngày {}: tiến trình này chậm quá {} phút nên một tiến trình khác đã tiếp quản lần chạy; dừng lại, phần còn lại do tiến trình kia làm ({} tài khoản, {} thông báo mới{mails} trước khi dừng).",
            dmy(day),
            LEASE.num_minutes(),
            report.counts.users,
            report.counts.notifications
        );
    } else if report.running_elsewhere {
        println!(
            "Nhắc việc ngày {} đang được một tiến trình khác chạy, không chạy lại (nếu tiến trình đó đã dừng, lần chạy sau {} phút nữa sẽ làm tiếp).",
            dmy(day),
            LEASE.num_minutes()
        );
    } else if report.already_ran {
        println!(
            "Nhắc việc ngày {} đã được chạy trước đó, không chạy lại{}.",
            dmy(day),
            if mail {
                format!(
                    "; thử gửi lại thư lỗi: {} đã gửi, {} lỗi",
                    report.counts.mails_sent, report.counts.mails_failed
                )
            } else {
                String::new()
            }
        );
    } else {
        println!(
            "Đã chạy nhắc việc ngày {}: {} tài khoản, {} thông báo mới{mails}.",
            dmy(day),
            report.counts.users,
            report.counts.notifications
        );
    }
    for unsent in &report.unsent {
        let why = match (&unsent.claimed_at, &unsent.error) {
            (Some(_), None) => {
                "đang gửi thì tiến trình dừng: không rõ đã đến chưa, không gửi lại".to_string()
            }
            (Some(_), Some(e)) => format!("{e}: không rõ đã đến chưa, không gửi lại"),
            (None, Some(e)) => format!("{e}: chưa đến, sẽ thử lại"),
            (None, None) => "chưa gửi".to_string(),
        };
        let on = NaiveDate::parse_from_str(&unsent.day, "%Y-%m-%d")
            .map(dmy)
            .unwrap_or_else(|_| unsent.day.clone());
        println!(
            "  Thư chưa gửi: tài khoản {} ngày {on}: {why}",
            unsent.username
        );
    }
}

/// `--remind-at`: `HH:MM`, Vietnam time.
pub fn parse_time(text: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(text.trim(), "%H:%M")
        .map_err(|_| format!("\"{text}\" không phải giờ (dạng 06:00)"))
}

/// In `serve`: once a minute, after `at` (Vietnam time), runs the day's reminder unless
/// it is done; another process running it (or having run it) makes this a no-op.
pub fn spawn_daily(store: Store, at: NaiveTime, mailer: Option<Mailer>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = Utc::now();
            let local = now + chrono::Duration::hours(7);
            if local.time() < at {
                continue;
            }
            let today = today_in_vietnam(now);
            match store.run_finished(JOB, today).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!("không đọc được trạng thái nhắc việc: {e}");
                    continue;
                }
            }
            let change = Change {
                actor: "system:reminders".into(),
                request_id: format!("remind-{}", uuid::Uuid::new_v4()),
                now,
            };
            match run_day(&store, today, mailer.as_ref(), &change).await {
                Ok(report) if !report.already_ran && !report.lost_lease => tracing::info!(
                    "nhắc việc ngày {}: {} tài khoản, {} thông báo, {} thư đã gửi, {} thư lỗi",
                    dmy(today),
                    report.counts.users,
                    report.counts.notifications,
                    report.counts.mails_sent,
                    report.counts.mails_failed
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!("nhắc việc ngày {} lỗi: {e:#}", dmy(today)),
            }
        }
    });
}
