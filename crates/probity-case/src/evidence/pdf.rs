//! `report.pdf`: the report as plain text lines in the built-in Helvetica font, with page breaks.

use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

use crate::{Error, Result};

const PAGE_WIDTH: i64 = 595;
const PAGE_HEIGHT: i64 = 842;
const MARGIN: i64 = 50;
const LINE_HEIGHT: i64 = 12;
const FONT_SIZE: i64 = 9;
const HEADING_SIZE: i64 = 12;
/// Characters per line at 9 pt Helvetica within the margins (a conservative average width).
const WRAP_AT: usize = 100;

/// One line of the report.
#[derive(Debug, Clone)]
pub enum Line {
    Heading(String),
    Text(String),
    Blank,
}

/// Lays `lines` out on A4 pages and returns the PDF's bytes.
pub fn render(title: &str, lines: &[Line]) -> Result<Vec<u8>> {
    let pages = paginate(lines);
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let bold_id = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica-Bold",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font_id, "F2" => bold_id },
    });
    let total = pages.len();
    let mut kids: Vec<Object> = Vec::with_capacity(total);
    for (number, page) in pages.iter().enumerate() {
        let footer = format!("{title} - page {} of {total}", number + 1);
        let content = Content {
            operations: page_operations(page, &footer),
        };
        let bytes = content
            .encode()
            .map_err(|e| Error::Pack(format!("report.pdf: {e}")))?;
        let content_id = doc.add_object(Stream::new(dictionary! {}, bytes));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages_id,
            "Contents" => content_id,
        });
        kids.push(page_id.into());
    }
    let pages_dict = dictionary! {
        "Type" => "Pages",
        "Kids" => kids,
        "Count" => i64::try_from(total).unwrap_or(i64::MAX),
        "Resources" => resources_id,
        "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(pages_dict));
    let catalog_id = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
    });
    doc.trailer.set("Root", catalog_id);
    let mut out = Vec::new();
    doc.save_to(&mut out)
        .map_err(|e| Error::Pack(format!("report.pdf: {e}")))?;
    Ok(out)
}

/// Wraps long lines and splits them into pages.
fn paginate(lines: &[Line]) -> Vec<Vec<Line>> {
    let per_page = usize::try_from((PAGE_HEIGHT - 2 * MARGIN) / LINE_HEIGHT - 2).unwrap_or(60);
    let mut wrapped = Vec::new();
    for line in lines {
        match line {
            Line::Text(text) => {
                for part in wrap(text, WRAP_AT) {
                    wrapped.push(Line::Text(part));
                }
            }
            Line::Heading(text) => {
                for part in wrap(text, WRAP_AT * 3 / 4) {
                    wrapped.push(Line::Heading(part));
                }
            }
            Line::Blank => wrapped.push(Line::Blank),
        }
    }
    let mut pages: Vec<Vec<Line>> = wrapped
        .chunks(per_page.max(1))
        .map(<[Line]>::to_vec)
        .collect();
    if pages.is_empty() {
        pages.push(Vec::new());
    }
    pages
}

fn page_operations(lines: &[Line], footer: &str) -> Vec<Operation> {
    let mut ops = Vec::new();
    let mut y = PAGE_HEIGHT - MARGIN;
    for line in lines {
        match line {
            Line::Heading(text) => ops.extend(text_at("F2", HEADING_SIZE, MARGIN, y, text)),
            Line::Text(text) => ops.extend(text_at("F1", FONT_SIZE, MARGIN, y, text)),
            Line::Blank => {}
        }
        y -= LINE_HEIGHT;
    }
    ops.extend(text_at("F1", 8, MARGIN, MARGIN / 2, footer));
    ops
}

fn text_at(font: &str, size: i64, x: i64, y: i64, text: &str) -> Vec<Operation> {
    vec![
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec![font.into(), size.into()]),
        Operation::new("Td", vec![x.into(), y.into()]),
        Operation::new("Tj", vec![Object::string_literal(win_ansi(text))]),
        Operation::new("ET", vec![]),
    ]
}

/// The text in the font's encoding: Latin-1 characters as themselves, anything else as `?`,
/// control characters as spaces.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match u32::from(c) {
            0..=31 | 127 => b' ',
            code @ 32..=126 | code @ 160..=255 => u8::try_from(code).unwrap_or(b'?'),
            _ => b'?',
        })
        .collect()
}

/// Splits `text` into lines of at most `width` characters, at spaces where it can.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let mut word = word.to_owned();
            while word.chars().count() > width {
                if !line.is_empty() {
                    out.push(std::mem::take(&mut line));
                }
                let head: String = word.chars().take(width).collect();
                word = word.chars().skip(width).collect();
                out.push(head);
            }
            let needed =
                line.chars().count() + word.chars().count() + usize::from(!line.is_empty());
            if needed > width && !line.is_empty() {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&word);
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reports_break_into_pages_and_load_back() {
        let mut lines = vec![Line::Heading("Case C-000001".into())];
        for n in 0..200 {
            lines.push(Line::Text(format!(
                "line {n} ({}) £ é 漢",
                "word ".repeat(30)
            )));
        }
        let bytes = render("Case C-000001", &lines).unwrap();
        assert!(bytes.starts_with(b"%PDF-1.5"));
        let doc = Document::load_mem(&bytes).unwrap();
        assert!(
            doc.get_pages().len() >= 5,
            "{} pages",
            doc.get_pages().len()
        );
        assert_eq!(wrap("a b c", 3), vec!["a b", "c"]);
        assert_eq!(win_ansi("é漢\n"), vec![0xe9, b'?', b' ']);
    }
}
