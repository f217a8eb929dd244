//! The .xls container (an OLE compound file) checked before calamine reads it.
//!
//! calamine follows the container's sector chains as they are written and reserves memory
//! for a sheet from the sizes the file states, so a hostile file could make it loop, index
//! out of bounds or ask for terabytes. This module walks the same structures strictly
//! first: every chain in bounds and without cycles, the workbook stream found, and in it
//! every sheet's stated dimensions and the cells it holds within the limits.

use std::collections::HashSet;

use crate::Limits;
use crate::error::SheetError;
use crate::read::{too_many_cells, too_many_rows};

pub(crate) const MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const DIFSECT: u32 = 0xFFFF_FFFC;
const RESERVED: u32 = 0xFFFF_FFFA;
const MINI_SECTOR: usize = 64;
const MINI_CUTOFF: usize = 4096;

fn corrupt() -> SheetError {
    SheetError::new(
        "Không đọc được tệp .xls: tệp bị hỏng hoặc không đúng định dạng Excel 97–2003. Hãy mở tệp bằng Excel và lưu lại dạng .xlsx.",
    )
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    b.get(at..at + 2).map(|x| u16::from_le_bytes([x[0], x[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    b.get(at..at + 4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    b.get(at..at + 8)
        .and_then(|x| <[u8; 8]>::try_from(x).ok())
        .map(u64::from_le_bytes)
}

fn words(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

struct Entry {
    name: String,
    start: u32,
    len: u64,
}

struct Compound<'a> {
    /// The sectors, after the header.
    data: &'a [u8],
    size: usize,
    maxid: u64,
    fats: Vec<u32>,
    mini_fats: Vec<u32>,
    ministream: Vec<u8>,
    entries: Vec<Entry>,
}

impl<'a> Compound<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, SheetError> {
        if bytes.len() < 512 || !bytes.starts_with(MAGIC) {
            return Err(corrupt());
        }
        let version = u16_at(bytes, 26).ok_or_else(corrupt)?;
        let size = match u16_at(bytes, 30) {
            Some(9) => 512,
            Some(12) => 4096,
            _ => return Err(corrupt()),
        };
        if u16_at(bytes, 32) != Some(6) || bytes.len() < size {
            return Err(corrupt());
        }
        let dir_start = u32_at(bytes, 48).ok_or_else(corrupt)?;
        let mini_fat_start = u32_at(bytes, 60).ok_or_else(corrupt)?;
        let mini_fat_len = u32_at(bytes, 64).ok_or_else(corrupt)? as usize;
        let difat_start = u32_at(bytes, 68).ok_or_else(corrupt)?;
        let mut c = Compound {
            data: bytes.get(size..).ok_or_else(corrupt)?,
            size,
            maxid: (bytes.len() / size) as u64,
            fats: Vec::new(),
            mini_fats: Vec::new(),
            ministream: Vec::new(),
            entries: Vec::new(),
        };

        // The DIFAT: 109 sector ids in the header, then a chain of DIFAT sectors whose
        // last id points to the next.
        let mut difat: Vec<u32> = words(bytes.get(76..512).ok_or_else(corrupt)?).collect();
        let mut id = difat_start;
        let mut seen = HashSet::new();
        while id < RESERVED {
            if !seen.insert(id) {
                return Err(corrupt());
            }
            difat.extend(words(c.sector(id)?));
            id = difat.pop().ok_or_else(corrupt)?;
        }
        for id in difat.into_iter().filter(|id| *id < DIFSECT) {
            let fat: Vec<u32> = words(c.sector(id)?).collect();
            c.fats.extend(fat);
        }

        let dir = c.chain(dir_start, usize::MAX, false)?;
        for raw in dir.chunks_exact(128) {
            let name_units: Vec<u16> = raw[..64]
                .chunks_exact(2)
                .map(|x| u16::from_le_bytes([x[0], x[1]]))
                .take_while(|u| *u != 0)
                .collect();
            let start = u32_at(raw, 116).ok_or_else(corrupt)?;
            let len = if size == 512 {
                u64::from(u32_at(raw, 120).ok_or_else(corrupt)?)
            } else {
                u64_at(raw, 120).ok_or_else(corrupt)?
            };
            c.entries.push(Entry {
                name: String::from_utf16_lossy(&name_units),
                start,
                len,
            });
        }
        let root = c.entries.first().ok_or_else(corrupt)?;
        if version != 3 && root.start == ENDOFCHAIN {
            return Err(corrupt());
        }
        if mini_fat_len > 0 {
            let (root_start, root_len) = (root.start, root.len);
            c.ministream = c.chain(
                root_start,
                usize::try_from(root_len).unwrap_or(usize::MAX),
                false,
            )?;
            let mini_fat = c.chain(mini_fat_start, mini_fat_len.saturating_mul(size), false)?;
            c.mini_fats = words(&mini_fat).collect();
        }
        Ok(c)
    }

    /// A whole sector; a sector past the end of the file is an error.
    fn sector(&self, id: u32) -> Result<&'a [u8], SheetError> {
        if u64::from(id) > self.maxid {
            return Err(corrupt());
        }
        let start = (id as usize).checked_mul(self.size).ok_or_else(corrupt)?;
        self.data.get(start..start + self.size).ok_or_else(corrupt)
    }

    /// Follows a chain of (mini) sectors for `len` bytes, or to its end: every sector in the
    /// file, each visited once.
    fn chain(&self, start: u32, len: usize, mini: bool) -> Result<Vec<u8>, SheetError> {
        let mut out = Vec::new();
        let mut id = start;
        let mut seen = HashSet::new();
        while id != ENDOFCHAIN {
            if out.len() >= len {
                break;
            }
            if !seen.insert(id) {
                return Err(corrupt());
            }
            let sector = if mini {
                let at = (id as usize).checked_mul(MINI_SECTOR).ok_or_else(corrupt)?;
                self.ministream
                    .get(at..at + MINI_SECTOR)
                    .ok_or_else(corrupt)?
            } else {
                self.sector(id)?
            };
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            let table = if mini { &self.mini_fats } else { &self.fats };
            id = *table.get(id as usize).ok_or_else(corrupt)?;
        }
        Ok(out)
    }

    fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The workbook stream, as calamine finds it ("Workbook", or "Book" of Excel 5).
    fn workbook(&self) -> Result<Option<Vec<u8>>, SheetError> {
        let Some(entry) = self.entry("Workbook").or_else(|| self.entry("Book")) else {
            return Ok(None);
        };
        let len = usize::try_from(entry.len).map_err(|_| corrupt())?;
        self.chain(entry.start, len, len < MINI_CUTOFF).map(Some)
    }
}

/// Whether an OLE compound file is an Excel workbook; refuses encrypted workbooks and
/// other documents with a message.
pub(crate) fn kind(bytes: &[u8]) -> Result<(), SheetError> {
    let c = Compound::parse(bytes)?;
    which(&c)
}

fn which(c: &Compound<'_>) -> Result<(), SheetError> {
    if c.entry("EncryptionInfo").is_some() || c.entry("EncryptedPackage").is_some() {
        return Err(SheetError::new(
            "Tệp được đặt mật khẩu nên không đọc được. Hãy mở bằng Excel, bỏ mật khẩu rồi tải lên lại.",
        ));
    }
    if c.entry("Workbook").is_some() || c.entry("Book").is_some() {
        return Ok(());
    }
    let what = if c.entry("WordDocument").is_some() {
        "là văn bản Word (.doc)"
    } else if c.entry("PowerPoint Document").is_some() {
        "là bản trình chiếu PowerPoint (.ppt)"
    } else {
        "là tài liệu Office"
    };
    Err(SheetError::new(format!(
        "Tệp tải lên {what}, không phải bảng tính. Hãy tải lên tệp .xlsx, .xls, .ods hoặc .csv."
    )))
}

/// Checks an .xls file before calamine reads it (see the module documentation).
pub(crate) fn check_xls(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let c = Compound::parse(bytes)?;
    which(&c)?;
    let stream = c.workbook()?.ok_or_else(corrupt)?;
    check_biff(&stream, limits)
}

/// A BIFF record: type and data; CONTINUE records that follow are skipped as calamine
/// joins them to the record.
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let typ = u16_at(self.stream, 0)?;
        let len = usize::from(u16_at(self.stream, 2)?);
        let data = self.stream.get(4..4 + len)?;
        self.stream = self.stream.get(4 + len..)?;
        while self.stream.len() > 4 && u16_at(self.stream, 0) == Some(0x003C) {
            let len = usize::from(u16_at(self.stream, 2)?);
            self.stream = self.stream.get(4 + len..)?;
        }
        Some((typ, data))
    }
}

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;

/// The sheets' positions from the workbook globals, then each sheet's stated dimensions and
/// the area of its cells (and formulas), as calamine will allocate them.
fn check_biff(stream: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let mut positions = Vec::new();
    for (typ, data) in (Records { stream }) {
        match typ {
            0x0085 => positions.push(u32_at(data, 0).ok_or_else(corrupt)? as usize),
            EOF => break,
            _ => {}
        }
    }
    let mut total: u64 = 0;
    for pos in positions {
        let sheet = stream.get(pos..).ok_or_else(corrupt)?;
        total = total.saturating_add(check_sheet(sheet, limits)?);
        if total > limits.max_cells as u64 {
            return Err(too_many_cells(limits));
        }
    }
    Ok(())
}

#[derive(Default)]
struct Area {
    rows: Option<(u32, u32)>,
    columns: Option<(u32, u32)>,
}

impl Area {
    fn add(&mut self, row: u32, column: u32) {
        let (r0, r1) = self.rows.unwrap_or((row, row));
        self.rows = Some((r0.min(row), r1.max(row)));
        let (c0, c1) = self.columns.unwrap_or((column, column));
        self.columns = Some((c0.min(column), c1.max(column)));
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.columns) {
            (Some((r0, r1)), Some((c0, c1))) => {
                u64::from(r1 - r0 + 1).saturating_mul(u64::from(c1 - c0 + 1))
            }
            _ => 0,
        }
    }
}

fn check_sheet(sheet: &[u8], limits: &Limits) -> Result<u64, SheetError> {
    let mut area = Area::default();
    let mut depth = 0usize;
    let mut seen_bof = false;
    let mut formula_at = (0u32, 0u32);
    for (typ, data) in (Records { stream: sheet }) {
        if depth > 0 {
            match typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        let position = || -> Option<(u32, u32)> {
            Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)))
        };
        match typ {
            BOF => {
                if seen_bof {
                    depth += 1;
                } else {
                    seen_bof = true;
                }
            }
            // DIMENSIONS: calamine reserves rows × columns cells.
            0x0200 => {
                let (first_row, last_row, first_col, last_col) = match data.len() {
                    10 => (
                        u64::from(u16_at(data, 0).unwrap_or(0)),
                        u64::from(u16_at(data, 2).unwrap_or(0)),
                        u64::from(u16_at(data, 4).unwrap_or(0)),
                        u64::from(u16_at(data, 6).unwrap_or(0)),
                    ),
                    14 | 16 => (
                        u64::from(u32_at(data, 0).unwrap_or(0)),
                        u64::from(u32_at(data, 4).unwrap_or(0)),
                        u64::from(u16_at(data, 8).unwrap_or(0)),
                        u64::from(u16_at(data, 10).unwrap_or(0)),
                    ),
                    _ => continue,
                };
                let first_col = if first_col > 0xFF || last_col < first_col {
                    0
                } else {
                    first_col
                };
                let rows = last_row.saturating_sub(first_row).saturating_add(1);
                let columns = last_col.saturating_sub(first_col).saturating_add(1);
                if rows > limits.max_rows as u64 {
                    return Err(too_many_rows("", rows, limits));
                }
                if rows.saturating_mul(columns) > limits.max_cells as u64 {
                    return Err(too_many_cells(limits));
                }
            }
            // NUMBER, LABEL, RSTRING, BOOLERR, RK, LABELSST
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                if let Some((r, c)) = position() {
                    area.add(r, c);
                }
            }
            // FORMULA, and the STRING record holding its text value
            0x0006 => {
                if let Some((r, c)) = position() {
                    formula_at = (r, c);
                    area.add(r, c);
                }
            }
            0x0207 => area.add(formula_at.0, formula_at.1),
            // MULRK: row, first column, …, last column
            0x00BD => {
                if let (Some((r, c)), Some(last)) = (
                    position(),
                    data.len().checked_sub(2).and_then(|at| u16_at(data, at)),
                ) {
                    area.add(r, c);
                    area.add(r, u32::from(last));
                }
            }
            EOF => break,
            _ => {}
        }
    }
    if let Some((_, last)) = area.rows
        && u64::from(last) + 1 > limits.max_rows as u64
    {
        return Err(too_many_rows("", u64::from(last) + 1, limits));
    }
    let cells = area.cells();
    if cells > limits.max_cells as u64 {
        return Err(too_many_cells(limits));
    }
    Ok(cells)
}

/// Writes a minimal .xls (BIFF8 in a compound file), for tests: one sheet per entry, each
/// cell a string (through the shared string table) or a number.
#[cfg(test)]
pub(crate) mod write {
    pub(crate) enum Cell<'a> {
        Text(&'a str),
        Number(f64),
    }

    fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(data.len() as u16).to_le_bytes());
        out.extend_from_slice(data);
    }

    fn bof(kind: u16) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&0x0600u16.to_le_bytes());
        d.extend_from_slice(&kind.to_le_bytes());
        d.extend_from_slice(&[0; 12]);
        d
    }

    /// The workbook stream.
    pub(crate) fn biff(sheets: &[(&str, Vec<Vec<Cell<'_>>>)]) -> Vec<u8> {
        let mut strings: Vec<&str> = Vec::new();
        for (_, rows) in sheets {
            for row in rows {
                for cell in row {
                    if let Cell::Text(s) = cell
                        && !strings.contains(s)
                    {
                        strings.push(s);
                    }
                }
            }
        }
        let mut sst = Vec::new();
        sst.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        sst.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        for s in &strings {
            let units: Vec<u16> = s.encode_utf16().collect();
            sst.extend_from_slice(&(units.len() as u16).to_le_bytes());
            sst.push(1);
            for u in units {
                sst.extend_from_slice(&u.to_le_bytes());
            }
        }

        // Globals, with the sheets' positions patched in once known.
        let mut globals = Vec::new();
        record(&mut globals, 0x0809, &bof(0x0005));
        record(&mut globals, 0x0042, &1200u16.to_le_bytes());
        let mut patches = Vec::new();
        for (name, _) in sheets {
            let units: Vec<u16> = name.encode_utf16().collect();
            let mut d = vec![0; 4];
            d.extend_from_slice(&[0, 0, units.len() as u8, 1]);
            for u in units {
                d.extend_from_slice(&u.to_le_bytes());
            }
            patches.push(globals.len() + 4);
            record(&mut globals, 0x0085, &d);
        }
        record(&mut globals, 0x00FC, &sst);
        record(&mut globals, 0x000A, &[]);

        let mut stream = globals;
        for (i, (_, rows)) in sheets.iter().enumerate() {
            let pos = stream.len() as u32;
            if let Some(at) = patches.get(i) {
                stream[*at..*at + 4].copy_from_slice(&pos.to_le_bytes());
            }
            record(&mut stream, 0x0809, &bof(0x0010));
            for (r, row) in rows.iter().enumerate() {
                for (c, cell) in row.iter().enumerate() {
                    let mut d = Vec::new();
                    d.extend_from_slice(&(r as u16).to_le_bytes());
                    d.extend_from_slice(&(c as u16).to_le_bytes());
                    d.extend_from_slice(&0u16.to_le_bytes());
                    match cell {
                        Cell::Text(s) => {
                            let index = strings.iter().position(|x| x == s).unwrap_or(0);
                            d.extend_from_slice(&(index as u32).to_le_bytes());
                            record(&mut stream, 0x00FD, &d);
                        }
                        Cell::Number(n) => {
                            d.extend_from_slice(&n.to_le_bytes());
                            record(&mut stream, 0x0203, &d);
                        }
                    }
                }
            }
            record(&mut stream, 0x000A, &[]);
        }
        stream
    }

    /// A compound file holding `stream` as "Workbook" (padded to 4096 bytes so that it is
    /// not in the mini stream).
    pub(crate) fn compound(stream: Vec<u8>) -> Vec<u8> {
        compound_named("Workbook", stream)
    }

    /// A compound file holding `stream` under the given name.
    pub(crate) fn compound_named(name: &str, mut stream: Vec<u8>) -> Vec<u8> {
        if stream.len() < 4096 {
            stream.resize(4096, 0);
        }
        let sectors = stream.len().div_ceil(512);
        stream.resize(sectors * 512, 0);
        const END: u32 = 0xFFFF_FFFE;
        const FREE: u32 = 0xFFFF_FFFF;
        let mut header = Vec::new();
        header.extend_from_slice(super::MAGIC);
        header.extend_from_slice(&[0; 16]);
        header.extend_from_slice(&0x003Eu16.to_le_bytes());
        header.extend_from_slice(&3u16.to_le_bytes());
        header.extend_from_slice(&0xFFFEu16.to_le_bytes());
        header.extend_from_slice(&9u16.to_le_bytes());
        header.extend_from_slice(&6u16.to_le_bytes());
        header.extend_from_slice(&[0; 6]);
        header.extend_from_slice(&0u32.to_le_bytes()); // directory sectors (v3: 0)
        header.extend_from_slice(&1u32.to_le_bytes()); // FAT sectors
        header.extend_from_slice(&1u32.to_le_bytes()); // first directory sector
        header.extend_from_slice(&0u32.to_le_bytes()); // transaction
        header.extend_from_slice(&4096u32.to_le_bytes()); // mini stream cutoff
        header.extend_from_slice(&END.to_le_bytes()); // first mini FAT sector
        header.extend_from_slice(&0u32.to_le_bytes()); // mini FAT sectors
        header.extend_from_slice(&END.to_le_bytes()); // first DIFAT sector
        header.extend_from_slice(&0u32.to_le_bytes()); // DIFAT sectors
        header.extend_from_slice(&0u32.to_le_bytes()); // DIFAT[0]: the FAT is sector 0
        for _ in 1..109 {
            header.extend_from_slice(&FREE.to_le_bytes());
        }
        assert_eq!(header.len(), 512);

        // Sector 0: the FAT; sector 1: the directory; sectors 2…: the workbook.
        let mut fat = vec![0xFFFF_FFFDu32, END];
        for i in 0..sectors {
            fat.push(if i + 1 == sectors {
                END
            } else {
                (i + 3) as u32
            });
        }
        fat.resize(128, FREE);
        let mut fat_bytes = Vec::new();
        for f in fat {
            fat_bytes.extend_from_slice(&f.to_le_bytes());
        }

        let entry = |name: &str, kind: u8, child: u32, start: u32, size: u32| {
            let mut e = vec![0u8; 128];
            let units: Vec<u16> = name.encode_utf16().collect();
            for (i, u) in units.iter().enumerate() {
                e[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
            }
            e[64..66].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
            e[66] = kind;
            e[67] = 1;
            e[68..72].copy_from_slice(&FREE.to_le_bytes());
            e[72..76].copy_from_slice(&FREE.to_le_bytes());
            e[76..80].copy_from_slice(&child.to_le_bytes());
            e[116..120].copy_from_slice(&start.to_le_bytes());
            e[120..124].copy_from_slice(&size.to_le_bytes());
            e
        };
        let mut dir = Vec::new();
        dir.extend(entry("Root Entry", 5, 1, END, 0));
        dir.extend(entry(name, 2, FREE, 2, stream.len() as u32));
        dir.resize(512, 0);
        for i in 2..4 {
            let at = i * 128;
            dir[at + 68..at + 80].copy_from_slice(&[0xFF; 12]);
        }

        let mut out = header;
        out.extend(fat_bytes);
        out.extend(dir);
        out.extend(stream);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::write::{Cell, biff, compound};
    use super::*;

    fn sample() -> Vec<u8> {
        compound(biff(&[(
            "Danh sách",
            vec![vec![Cell::Text("Họ và tên"), Cell::Number(1.0)]],
        )]))
    }

    #[test]
    fn a_well_formed_file_passes() {
        check_xls(&sample(), &Limits::default()).unwrap();
        kind(&sample()).unwrap();
    }

    #[test]
    fn a_cycle_in_the_fat_is_refused() {
        let mut bytes = sample();
        // The FAT is the first sector after the header; entry 2 (the workbook's first
        // sector) now points to itself.
        bytes[512 + 8..512 + 12].copy_from_slice(&2u32.to_le_bytes());
        let err = check_xls(&bytes, &Limits::default()).unwrap_err();
        assert!(err.message.contains("bị hỏng"), "{err}");
    }

    #[test]
    fn a_directory_chain_out_of_the_file_is_refused() {
        let mut bytes = sample();
        bytes[48..52].copy_from_slice(&0x00FF_FFFFu32.to_le_bytes());
        assert!(check_xls(&bytes, &Limits::default()).is_err());
        assert!(kind(&bytes).is_err());
    }

    #[test]
    fn huge_dimensions_are_refused() {
        let mut stream = biff(&[("S", vec![vec![Cell::Number(1.0)]])]);
        // Insert a DIMENSIONS record claiming 4 billion rows after the sheet's BOF.
        let sheet_bof = stream
            .windows(4)
            .rposition(|w| w == [0x09, 0x08, 0x10, 0x00])
            .unwrap();
        let at = sheet_bof + 4 + 16;
        let mut dims = Vec::new();
        dims.extend_from_slice(&0x0200u16.to_le_bytes());
        dims.extend_from_slice(&14u16.to_le_bytes());
        dims.extend_from_slice(&0u32.to_le_bytes());
        dims.extend_from_slice(&u32::MAX.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        dims.extend_from_slice(&200u16.to_le_bytes());
        dims.extend_from_slice(&0u16.to_le_bytes());
        stream.splice(at..at, dims);
        let err = check_xls(&compound(stream), &Limits::default()).unwrap_err();
        assert!(err.message.contains("quá nhiều dòng"), "{err}");
    }

    #[test]
    fn cells_far_apart_are_refused() {
        let mut rows: Vec<Vec<Cell<'_>>> = Vec::new();
        rows.push(vec![Cell::Number(1.0)]);
        let mut far = Vec::new();
        for _ in 0..300 {
            far.push(Cell::Number(2.0));
        }
        rows.push(far);
        let limits = Limits {
            max_cells: 500,
            ..Limits::default()
        };
        let err = check_xls(&compound(biff(&[("S", rows)])), &limits).unwrap_err();
        assert!(err.message.contains("quá lớn"), "{err}");
    }
}
