//! Reading a file as a header row and data rows, whatever its format: CSV (comma or
//! semicolon separated, UTF-8 with or without a byte-order mark) or Excel xlsx (the first
//! sheet). Rows carry the number a person sees in the file (the header is row 1; in a sheet
//! the spreadsheet's own row number).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use csv::StringRecord;

/// The file formats an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma- (or semicolon-) separated text.
    Csv,
    /// Excel workbook (Office Open XML).
    Xlsx,
}

impl Format {
    /// The format of a file: by its content (an xlsx is a zip archive), then by its name.
    pub fn detect(file_name: &str, bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PK\x03\x04") || file_name.to_ascii_lowercase().ends_with(".xlsx") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// A file opened for reading rows.
pub(crate) enum Table<'a> {
    Csv {
        reader: csv::Reader<&'a [u8]>,
        headers: Vec<String>,
    },
    Xlsx {
        rows: std::vec::IntoIter<(u64, StringRecord)>,
        headers: Vec<String>,
        header_row: u64,
    },
}

/// The file-level reason a file cannot be read at all.
pub(crate) type OpenError = String;

impl<'a> Table<'a> {
    /// Opens `bytes` in `format` and reads its header row.
    pub fn open(format: Format, bytes: &'a [u8]) -> Result<Self, OpenError> {
        match format {
            Format::Csv => open_csv(bytes),
            Format::Xlsx => {
                // The spreadsheet reader is third-party code parsing untrusted bytes: a panic
                // in it must become a refusal of the file, never a crash of the import.
                std::panic::catch_unwind(|| open_xlsx(bytes))
                    .unwrap_or_else(|_| Err("the file is not a readable Excel workbook".into()))
            }
        }
    }

    /// Column names of the header row, trimmed.
    pub fn headers(&self) -> &[String] {
        match self {
            Table::Csv { headers, .. } | Table::Xlsx { headers, .. } => headers,
        }
    }

    /// The row number of the header.
    pub fn header_row(&self) -> u64 {
        match self {
            Table::Csv { .. } => 1,
            Table::Xlsx { header_row, .. } => *header_row,
        }
    }

    /// Reads the next data row into `rec`; returns its row number, or the row number and a
    /// reason when the row cannot be read. `None` at the end. Rows whose cells are all empty
    /// are skipped.
    pub fn next_row(&mut self, rec: &mut StringRecord) -> Option<Result<u64, (u64, String)>> {
        loop {
            let r = match self {
                Table::Csv { reader, .. } => match reader.read_record(rec) {
                    Ok(false) => return None,
                    Ok(true) => Ok(rec.position().map_or(0, |p| p.record() + 1)),
                    Err(e) => {
                        let line = e.position().map_or(0, |p| p.record() + 1);
                        let reason = match e.kind() {
                            csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8 text".into(),
                            _ => format!("the row cannot be read as CSV: {e}"),
                        };
                        // A broken reader cannot go on: report the row and stop.
                        if !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                            *rec = StringRecord::new();
                            let end: &'a [u8] = &[];
                            *reader = csv::ReaderBuilder::new().from_reader(end);
                        }
                        return Some(Err((line, reason)));
                    }
                },
                Table::Xlsx { rows, .. } => match rows.next() {
                    None => return None,
                    Some((n, r)) => {
                        *rec = r;
                        Ok(n)
                    }
                },
            };
            if rec.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            return Some(r);
        }
    }
}

fn open_csv(bytes: &[u8]) -> Result<Table<'_>, OpenError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| first_line.iter().filter(|b| **b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_owned()).collect::<Vec<_>>(),
        Err(e) if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) => {
            return Err(
                "the header row is not valid UTF-8 text (save the file as UTF-8 CSV)".into(),
            );
        }
        Err(e) => return Err(format!("the header row cannot be read as CSV: {e}")),
    };
    if headers.iter().all(String::is_empty) {
        return Err("the file is empty: it needs a header row".into());
    }
    Ok(Table::Csv { reader, headers })
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => format!("{dt}"),
        },
        Data::Error(e) => format!("#{e:?}"),
    }
}

fn open_xlsx(bytes: &[u8]) -> Result<Table<'static>, OpenError> {
    let mut wb = Xlsx::new(Cursor::new(bytes))
        .map_err(|_| "the file is not a readable Excel workbook (xlsx)".to_owned())?;
    let range = match wb.worksheet_range_at(0) {
        None => return Err("the workbook has no sheet".into()),
        Some(Err(e)) => return Err(format!("the first sheet cannot be read: {e}")),
        Some(Ok(r)) => r,
    };
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r)) + 1;
    let first_col = range.start().map_or(0, |(_, c)| c) as usize;
    let mut rows = range.rows().enumerate().map(|(i, cells)| {
        let mut rec = StringRecord::new();
        // Columns left of the sheet's used range are empty, keep positions aligned.
        for _ in 0..first_col {
            rec.push_field("");
        }
        for c in cells {
            rec.push_field(&cell_text(c));
        }
        (first_row + i as u64, rec)
    });
    let (header_row, header) = loop {
        match rows.next() {
            None => return Err("the first sheet is empty: it needs a header row".into()),
            Some((n, r)) if r.iter().any(|c| !c.trim().is_empty()) => break (n, r),
            Some(_) => {}
        }
    };
    let headers = header.iter().map(|c| c.trim().to_owned()).collect();
    Ok(Table::Xlsx {
        rows: rows.collect::<Vec<_>>().into_iter(),
        headers,
        header_row,
    })
}
