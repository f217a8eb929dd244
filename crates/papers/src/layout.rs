//! The party's document format on top of `docx-rs`: page, fonts, letterhead, title, body,
//! tables and signature block. Sizes are in half-points (Word's `w:sz`), lengths in
//! twentieths of a point (twips, `dxa`).

use std::io::Cursor;

use chrono::NaiveDate;
use docx_rs::{
    AlignmentType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType, Table, TableCell, TableCellMargins, TableLayoutType, TableRow, VAlignType,
    WidthType,
};
use ketnap_domain::text;

use crate::PaperError;
use crate::format::vietnamese_date;
use crate::input::{Letterhead, Signature};

pub(crate) const FONT: &str = "Times New Roman";
/// 14 pt: body text, date line, signature.
pub(crate) const BODY: usize = 28;
/// 13 pt: the issuing body in the letterhead, so that a ward's or a city's name fits on
/// one line beside the party heading more often.
pub(crate) const HEAD: usize = 26;
/// 15 pt: the party heading and the kind of paper (HD 36-HD/VPTW).
pub(crate) const TITLE: usize = 30;
/// 12 pt: tables and the recipients.
pub(crate) const SMALL: usize = 24;

/// A4 portrait: 210 × 297 mm.
pub(crate) const PAGE_WIDTH: u32 = 11_906;
pub(crate) const PAGE_HEIGHT: u32 = 16_838;
/// 20 mm top and bottom, 30 mm left, 15 mm right.
pub(crate) const MARGIN_TOP: i32 = 1_134;
pub(crate) const MARGIN_BOTTOM: i32 = 1_134;
pub(crate) const MARGIN_LEFT: i32 = 1_701;
pub(crate) const MARGIN_RIGHT: i32 = 850;
/// The width between the margins: 16.5 cm.
pub(crate) const TEXT_WIDTH: usize = 9_355;
/// How far the letterhead reaches into the left margin: 1 cm.
const LETTERHEAD_OUTDENT: i32 = 567;
/// First-line indent of body paragraphs: 1 cm.
const INDENT: i32 = 567;

/// What a field left empty prints as: room to write by hand.
pub(crate) const BLANK: &str = "……………………";
const PARTY: &str = "ĐẢNG CỘNG SẢN VIỆT NAM";

/// NFC, single spaces, no control characters (which XML cannot hold).
pub(crate) fn clean(input: &str) -> String {
    text::clean(input)
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}

/// [`clean`], or a dotted blank when nothing is left.
pub(crate) fn fill(input: &str) -> String {
    let cleaned = clean(input);
    if cleaned.is_empty() {
        BLANK.to_string()
    } else {
        cleaned
    }
}

/// A count, or a short blank.
pub(crate) fn count(value: Option<u32>) -> String {
    value.map_or_else(|| "……".to_string(), |v| v.to_string())
}

/// Capitals, NFC.
pub(crate) fn upper(input: &str) -> String {
    text::nfc(&clean(input).to_uppercase())
}

/// The lines of a text typed in a form (one paragraph each), cleaned, empty ones dropped.
pub(crate) fn lines(input: &str) -> Vec<String> {
    input
        .lines()
        .map(clean)
        .filter(|line| !line.is_empty())
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    size: usize,
    bold: bool,
    italic: bool,
    underline: bool,
}

impl Style {
    pub(crate) const fn body() -> Style {
        Style {
            size: BODY,
            bold: false,
            italic: false,
            underline: false,
        }
    }

    pub(crate) const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    pub(crate) const fn italic(self) -> Style {
        Style {
            italic: true,
            ..self
        }
    }

    pub(crate) const fn underline(self) -> Style {
        Style {
            underline: true,
            ..self
        }
    }

    pub(crate) const fn size(self, size: usize) -> Style {
        Style { size, ..self }
    }
}

/// A piece of text in one style.
#[derive(Debug, Clone)]
pub(crate) struct Span {
    text: String,
    style: Style,
}

/// Plain body text (already cleaned or built from cleaned parts).
pub(crate) fn t(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::body(),
    }
}

/// Bold body text.
pub(crate) fn b(text: impl Into<String>) -> Span {
    Span {
        text: text.into(),
        style: Style::body().bold(),
    }
}

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

fn run(text: &str, style: Style) -> Run {
    let mut run = Run::new()
        .add_text(text::nfc(text))
        .fonts(fonts())
        .size(style.size);
    if style.bold {
        run = run.bold();
    }
    if style.italic {
        run = run.italic();
    }
    if style.underline {
        run = run.underline("single");
    }
    run
}

fn spacing(before: u32, after: u32) -> LineSpacing {
    LineSpacing::new()
        .before(before)
        .after(after)
        .line_rule(LineSpacingType::Auto)
        .line(264)
}

/// A paragraph of one line in one style.
fn line(text: &str, style: Style, align: AlignmentType) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, style))
        .align(align)
        .line_spacing(spacing(0, 0))
}

fn cell(paragraphs: Vec<Paragraph>, width: usize) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width, WidthType::Dxa)
}

/// A borderless two-column table (letterhead, signature block) of one row that is never
/// split across pages, without side padding, starting `indent` twips left of the margin.
fn frame(
    left: Vec<Paragraph>,
    right: Vec<Paragraph>,
    widths: (usize, usize),
    indent: i32,
) -> Table {
    Table::without_borders(vec![
        TableRow::new(vec![cell(left, widths.0), cell(right, widths.1)]).cant_split(),
    ])
    .set_grid(vec![widths.0, widths.1])
    .width(widths.0 + widths.1, WidthType::Dxa)
    .layout(TableLayoutType::Fixed)
    .margins(TableCellMargins::new().margin(0, 0, 0, 0))
    .indent(-indent)
}

/// One column of a data table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub(crate) title: &'static str,
    pub(crate) width: usize,
    pub(crate) align: AlignmentType,
}

pub(crate) const fn column(title: &'static str, width: usize, centred: bool) -> Column {
    Column {
        title,
        width,
        align: if centred {
            AlignmentType::Center
        } else {
            AlignmentType::Left
        },
    }
}

/// Builds one document of one or more papers.
#[derive(Debug)]
pub(crate) struct Writer {
    docx: Docx,
    papers: usize,
    /// Whether body paragraphs are kept with the next one.
    keep_next: bool,
}

impl Writer {
    pub(crate) fn new(created: Option<NaiveDate>) -> Writer {
        let mut docx = Docx::new()
            .page_size(PAGE_WIDTH, PAGE_HEIGHT)
            .page_margin(
                PageMargin::new()
                    .top(MARGIN_TOP)
                    .bottom(MARGIN_BOTTOM)
                    .left(MARGIN_LEFT)
                    .right(MARGIN_RIGHT)
                    .header(567)
                    .footer(567)
                    .gutter(0),
            )
            .default_fonts(fonts())
            .default_size(BODY);
        if let Some(day) = created {
            let stamp = format!("{}T00:00:00Z", day.format("%Y-%m-%d"));
            docx = docx.created_at(&stamp).updated_at(&stamp);
        }
        Writer {
            docx,
            papers: 0,
            keep_next: false,
        }
    }

    fn paragraph(&mut self, paragraph: Paragraph) {
        self.docx = std::mem::take(&mut self.docx).add_paragraph(paragraph);
    }

    fn table(&mut self, table: Table) {
        self.docx = std::mem::take(&mut self.docx).add_table(table);
    }

    /// Starts a paper: from the second one on, on a new page.
    pub(crate) fn start_paper(&mut self) {
        if self.papers > 0 {
            // A one-point paragraph that starts the page, so the letterhead table that
            // follows sits at the top of the new page.
            self.paragraph(
                Paragraph::new()
                    .page_break_before(true)
                    .size(2)
                    .line_spacing(
                        LineSpacing::new()
                            .before(0)
                            .after(0)
                            .line_rule(LineSpacingType::Exact)
                            .line(20),
                    ),
            );
        }
        self.papers += 1;
    }

    /// The letterhead: the issuing body, `*` and the number on the left; the party heading
    /// and the place and date on the right.
    pub(crate) fn letterhead(&mut self, head: &Letterhead, number: &str, dated: NaiveDate) {
        self.head_table(head, number, dated, None);
    }

    /// A letter's letterhead (công văn): the same, with the subject ("V/v …") under the
    /// number, 12 pt italic, as HD 36-HD/VPTW places a letter's summary.
    pub(crate) fn letter_head(
        &mut self,
        head: &Letterhead,
        number: &str,
        dated: NaiveDate,
        subject: &str,
    ) {
        self.head_table(head, number, dated, Some(subject));
    }

    fn head_table(
        &mut self,
        head: &Letterhead,
        number: &str,
        dated: NaiveDate,
        subject: Option<&str>,
    ) {
        let centre = AlignmentType::Center;
        let small = Style::body().size(HEAD);
        let mut left = Vec::new();
        let superior = upper(&head.superior);
        if !superior.is_empty() {
            left.push(line(&superior, small, centre));
        }
        left.push(line(&fill_upper(&head.committee), small.bold(), centre));
        left.push(line("*", small, centre));
        let number = clean(number);
        let number = if number.is_empty() {
            format!("Số {BLANK}")
        } else {
            format!("Số {number}")
        };
        left.push(line(&number, small, centre));
        if let Some(subject) = subject {
            left.push(line(
                &clean(subject),
                Style::body().size(SMALL).italic(),
                centre,
            ));
        }

        let place = clean(&head.place);
        let place = if place.is_empty() { BLANK } else { &place };
        let right = vec![
            line(PARTY, Style::body().bold().underline().size(TITLE), centre),
            line("", Style::body(), centre),
            line(
                &vietnamese_date(place, dated),
                Style::body().italic(),
                centre,
            ),
        ];
        // The letterhead reaches 1 cm into the 3 cm left margin, as party papers commonly
        // do, so that a ward's or a city's committee name and the date line fit on a line.
        let width = TEXT_WIDTH + LETTERHEAD_OUTDENT.unsigned_abs() as usize;
        self.table(frame(
            left,
            right,
            (4_900, width - 4_900),
            LETTERHEAD_OUTDENT,
        ));
    }

    /// The kind of paper in bold capitals ("NGHỊ QUYẾT"), its subject in bold under it
    /// ("đề nghị kết nạp đảng viên"), and the short rule.
    pub(crate) fn title(&mut self, kind: &str, subject: &[&str]) {
        let centre = AlignmentType::Center;
        self.paragraph(
            line(&upper(kind), Style::body().bold().size(TITLE), centre)
                .line_spacing(spacing(360, 0)),
        );
        for part in subject {
            self.paragraph(line(&clean(part), Style::body().bold(), centre));
        }
        self.paragraph(line("-----", Style::body(), centre).line_spacing(spacing(0, 240)));
    }

    /// A body paragraph: justified, first line indented 1 cm.
    pub(crate) fn body(&mut self, spans: Vec<Span>) {
        let paragraph = spans
            .into_iter()
            .fold(Paragraph::new(), |p, span| {
                p.add_run(run(&span.text, span.style))
            })
            .align(AlignmentType::Both)
            .indent(None, Some(SpecialIndentType::FirstLine(INDENT)), None, None)
            .line_spacing(spacing(0, 100))
            .keep_next(self.keep_next);
        self.paragraph(paragraph);
    }

    /// The last body paragraph: kept on the page of the signature block that follows, so
    /// the signature never stands alone on a page.
    pub(crate) fn closing(&mut self, spans: Vec<Span>) {
        self.keep_next = true;
        self.body(spans);
        self.keep_next = false;
    }

    /// Several body paragraphs from a text typed in a form, or a dotted blank line.
    pub(crate) fn body_text(&mut self, text: &str) {
        let lines = lines(text);
        if lines.is_empty() {
            self.body(vec![t(BLANK.repeat(3))]);
        }
        for line in lines {
            self.body(vec![t(line)]);
        }
    }

    /// "Kính gửi: …" centred under the letterhead of a letter, with the address under it
    /// when there is one.
    pub(crate) fn addressee(&mut self, to: &str, address: &str) {
        let centre = AlignmentType::Center;
        self.paragraph(
            Paragraph::new()
                .add_run(run("Kính gửi: ", Style::body()))
                .add_run(run(&fill(to), Style::body().bold()))
                .align(centre)
                .line_spacing(spacing(360, 0)),
        );
        let address = clean(address);
        if !address.is_empty() {
            self.paragraph(line(
                &format!("({address})"),
                Style::body().italic(),
                centre,
            ));
        }
        self.paragraph(line("", Style::body(), centre).line_spacing(spacing(0, 120)));
    }

    /// A bold line, centred: "ĐẢNG ỦY PHƯỜNG … QUYẾT ĐỊNH:".
    pub(crate) fn centred_bold(&mut self, text: &str) {
        self.paragraph(
            line(&clean(text), Style::body().bold(), AlignmentType::Center)
                .line_spacing(spacing(120, 120)),
        );
    }

    /// A section heading: bold, not indented ("I. MỤC ĐÍCH, YÊU CẦU").
    pub(crate) fn heading(&mut self, text: &str) {
        self.paragraph(
            line(&clean(text), Style::body().bold(), AlignmentType::Both)
                .line_spacing(spacing(120, 100)),
        );
    }

    /// A bordered table: a bold header row, then the rows (one text per column), then an
    /// optional bold total row.
    pub(crate) fn data_table(
        &mut self,
        columns: &[Column],
        rows: &[Vec<String>],
        total: Option<Vec<String>>,
    ) {
        let small = Style::body().size(SMALL);
        // A cell holds one paragraph per line of its text.
        let data_cell = |text: &str, column: &Column, style: Style| {
            let paragraphs = text
                .split('\n')
                .map(|part| line(part, style, column.align).line_spacing(spacing(20, 20)))
                .collect();
            cell(paragraphs, column.width).vertical_align(VAlignType::Center)
        };
        let header = TableRow::new(
            columns
                .iter()
                .map(|column| {
                    cell(
                        vec![
                            line(column.title, small.bold(), AlignmentType::Center)
                                .line_spacing(spacing(40, 40)),
                        ],
                        column.width,
                    )
                    .vertical_align(VAlignType::Center)
                })
                .collect(),
        )
        .cant_split();
        let mut table_rows = vec![header];
        for row in rows {
            table_rows.push(
                TableRow::new(
                    columns
                        .iter()
                        .enumerate()
                        .map(|(i, column)| {
                            let text = row.get(i).map(String::as_str).unwrap_or_default();
                            data_cell(text, column, small)
                        })
                        .collect(),
                )
                .cant_split(),
            );
        }
        if let Some(total) = total {
            table_rows.push(
                TableRow::new(
                    columns
                        .iter()
                        .enumerate()
                        .map(|(i, column)| {
                            let text = total.get(i).map(String::as_str).unwrap_or_default();
                            data_cell(text, column, small.bold())
                        })
                        .collect(),
                )
                .cant_split(),
            );
        }
        let width = columns.iter().map(|c| c.width).sum();
        self.table(
            Table::new(table_rows)
                .set_grid(columns.iter().map(|c| c.width).collect())
                .width(width, WidthType::Dxa)
                .layout(TableLayoutType::Fixed)
                .margins(TableCellMargins::new().margin(0, 57, 0, 57))
                .indent(0),
        );
        self.paragraph(line("", Style::body(), AlignmentType::Left));
    }

    /// The recipients (`Nơi nhận:`) on the left and the signature on the right.
    pub(crate) fn signature(&mut self, recipients: &[String], signature: &Signature) {
        let mut left = vec![line(
            "Nơi nhận:",
            Style::body().underline(),
            AlignmentType::Left,
        )];
        let recipients: Vec<String> = recipients
            .iter()
            .map(|r| {
                clean(r)
                    .trim_start_matches(['-', ' '])
                    .trim_end_matches([',', '.', ';', ' '])
                    .to_string()
            })
            .filter(|r| !r.is_empty())
            .collect();
        let last = recipients.len().saturating_sub(1);
        for (i, recipient) in recipients.iter().enumerate() {
            let end = if i == last { "." } else { "," };
            left.push(line(
                &format!("- {recipient}{end}"),
                Style::body().size(SMALL),
                AlignmentType::Left,
            ));
        }

        let centre = AlignmentType::Center;
        let bold = Style::body().bold();
        let mut right = vec![
            line(&fill_upper(&signature.on_behalf), bold, centre),
            line(&fill_upper(&signature.title), bold, centre),
        ];
        for _ in 0..4 {
            right.push(line("", Style::body(), centre));
        }
        let name = clean(&signature.name);
        right.push(line(&name, bold, centre));
        self.paragraph(line("", Style::body(), AlignmentType::Left).keep_next(true));
        self.table(frame(left, right, (4_500, TEXT_WIDTH - 4_500), 0));
    }

    /// The `.docx` bytes.
    pub(crate) fn finish(self) -> Result<Vec<u8>, PaperError> {
        let mut bytes = Cursor::new(Vec::new());
        self.docx
            .pack(&mut bytes)
            .map_err(|e| PaperError::Write(e.to_string()))?;
        Ok(bytes.into_inner())
    }
}

/// Capitals, or a blank.
fn fill_upper(input: &str) -> String {
    let text = upper(input);
    if text.is_empty() {
        BLANK.to_string()
    } else {
        text
    }
}
