//! Writing the force out in the formats its sources produce.

pub(crate) mod logs;
pub(crate) mod reference;
pub(crate) mod truth;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A buffered file that counts what is written to it.
pub(crate) struct Counted {
    inner: BufWriter<File>,
    pub bytes: u64,
    pub path: PathBuf,
}

impl Counted {
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let file = File::create(path).map_err(|e| Error::io(path, e))?;
        Ok(Counted {
            inner: BufWriter::with_capacity(256 * 1024, file),
            bytes: 0,
            path: path.to_path_buf(),
        })
    }

    pub(crate) fn finish(mut self) -> Result<u64> {
        self.inner.flush().map_err(|e| Error::io(&self.path, e))?;
        Ok(self.bytes)
    }
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// What was written to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCount {
    /// Path relative to the output folder.
    pub path: String,
    /// Rows, events or messages.
    pub records: u64,
    pub bytes: u64,
}

/// A CSV writer on a counted file.
pub(crate) struct CsvFile {
    writer: csv::Writer<Counted>,
    pub rows: u64,
    path: PathBuf,
    name: &'static str,
}

impl CsvFile {
    pub(crate) fn create(dir: &Path, name: &'static str, header: &[&str]) -> Result<Self> {
        let path = dir.join(name);
        let counted = Counted::create(&path)?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(counted);
        writer.write_record(header).map_err(|source| Error::Csv {
            path: path.clone(),
            source,
        })?;
        Ok(CsvFile {
            writer,
            rows: 0,
            path,
            name,
        })
    }

    pub(crate) fn row<I, T>(&mut self, fields: I) -> Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.rows += 1;
        self.writer
            .write_record(fields)
            .map_err(|source| Error::Csv {
                path: self.path.clone(),
                source,
            })
    }

    pub(crate) fn finish(self) -> Result<FileCount> {
        let path = self.path.clone();
        let counted = self
            .writer
            .into_inner()
            .map_err(|e| Error::io(&path, std::io::Error::other(e.error().to_string())))?;
        let bytes = counted.finish()?;
        Ok(FileCount {
            path: self.name.to_owned(),
            records: self.rows,
            bytes,
        })
    }
}
