//! One paper as the officer will see it: the admission decision (9-KNĐ) converted to PDF by
//! LibreOffice headless, its text read back with `pdftotext`, and page 1 rendered to
//! `target/papers-render/admission-decision.png` (with the PDF beside it) for a reviewer.
//!
//! Needs `soffice`, `pdftotext` and `pdftoppm` (Debian's libreoffice-writer-nogui and
//! poppler-utils, with fonts-liberation standing in for Times New Roman): `scripts/test`
//! installs them under `CI=true`, where their absence fails the test; elsewhere it is
//! skipped with a message.

// Skipping says so on stderr, as the browser tests do.
#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ketnap_domain::text::nfc;

use crate::admission_decision;
use crate::tests::admission_decision_paper;

const TOOLS: [&str; 3] = ["soffice", "pdftotext", "pdftoppm"];
const CONVERSION_LIMIT: Duration = Duration::from_secs(120);

fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

/// A fresh directory under the system's temporary directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "ketnap-papers-render-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `soffice --convert-to pdf` on `docx` into `out`, killing it past the limit.
fn convert_to_pdf(docx: &Path, out: &Path, profile: &Path) -> Duration {
    let started = Instant::now();
    let mut child = Command::new("soffice")
        .arg("--headless")
        .arg("--norestore")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--convert-to", "pdf", "--outdir"])
        .arg(out)
        .arg(docx)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CONVERSION_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "soffice did not convert {} within {CONVERSION_LIMIT:?}",
                docx.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
    }
    assert!(status.success(), "soffice failed ({status}): {stderr}");
    started.elapsed()
}

fn run(tool: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let output = Command::new(tool).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{tool} failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn admission_decision_renders_in_libreoffice() {
    let missing: Vec<&str> = TOOLS.into_iter().filter(|t| !on_path(t)).collect();
    if !missing.is_empty() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true needs {missing:?}: scripts/test installs libreoffice-writer-nogui, poppler-utils and fonts-liberation"
        );
        eprintln!(
            "{} not installed: skipping the LibreOffice rendering of the admission decision (scripts/test installs it under CI=true).",
            missing.join(", ")
        );
        return;
    }

    let scratch = Scratch::new();
    let docx = scratch.0.join("admission-decision.docx");
    std::fs::write(
        &docx,
        admission_decision(&admission_decision_paper()).unwrap(),
    )
    .unwrap();
    let took = convert_to_pdf(&docx, &scratch.0, &scratch.0.join("lo-profile"));
    eprintln!("soffice converted the admission decision to PDF in {took:.1?}");
    let pdf = scratch.0.join("admission-decision.pdf");
    assert!(pdf.is_file(), "soffice wrote no {}", pdf.display());

    // pdftotext may give decomposed marks, and -layout pads columns and wraps lines:
    // compare composed text with every run of whitespace made one space.
    let raw = run(
        "pdftotext",
        &["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()],
    );
    let text = nfc(&String::from_utf8_lossy(&raw))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for needle in [
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Nguyễn Thị Ngọc Ánh",
        "Thủ Dầu Một, ngày 02 tháng 7 năm 2025",
        "QUYẾT ĐỊNH",
        "Phạm Minh Đức",
    ] {
        assert!(
            text.contains(&nfc(needle)),
            "{needle:?} not in the PDF's text:\n{text}"
        );
    }

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/papers-render");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(&pdf, dir.join("admission-decision.pdf")).unwrap();
    let stem = dir.join("admission-decision");
    run(
        "pdftoppm",
        &[
            "-png".as_ref(),
            "-r".as_ref(),
            "80".as_ref(),
            "-f".as_ref(),
            "1".as_ref(),
            "-l".as_ref(),
            "1".as_ref(),
            "-singlefile".as_ref(),
            pdf.as_os_str(),
            stem.as_os_str(),
        ],
    );
    let png = dir.join("admission-decision.png");
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(size > 10 * 1024, "{} is only {size} bytes", png.display());
}
