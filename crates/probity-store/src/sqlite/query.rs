//! Event queries over the journal and its index.

use std::collections::HashSet;

use rusqlite::{Connection, Row, ToSql, params};

use probity_model::{Event, to_micros};

use crate::{EncodedEvent, EventQuery, Result, tokenize};

/// The query's conditions, normalised the way the store keeps its keys.
struct Filter {
    since: i64,
    until: i64,
    user: Option<String>,
    action: Option<String>,
    words: Vec<String>,
}

impl Filter {
    fn new(query: &EventQuery) -> Self {
        Self {
            since: query.since.as_ref().map(to_micros).unwrap_or(i64::MIN),
            until: query.until.as_ref().map(to_micros).unwrap_or(i64::MAX),
            user: query.user.as_deref().map(str::to_lowercase),
            action: query.action.as_deref().map(str::to_lowercase),
            words: query
                .text
                .as_deref()
                .map(|text| tokenize(text).collect())
                .unwrap_or_default(),
        }
    }

    fn needs_index(&self) -> bool {
        self.user.is_some() || self.action.is_some() || !self.words.is_empty()
    }

    /// Whether a journal row meets the conditions; decodes the document only if text must be checked.
    fn accepts(&self, row: &Candidate) -> Result<Option<Event>> {
        if row.ts < self.since || row.ts >= self.until {
            return Ok(None);
        }
        if let Some(user) = &self.user
            && row.user.as_ref() != Some(user)
        {
            return Ok(None);
        }
        if let Some(action) = &self.action
            && row.action.as_ref() != Some(action)
            && row.record_action.as_ref() != Some(action)
        {
            return Ok(None);
        }
        let event = EncodedEvent::decode_doc(row.seq, &row.doc)?;
        if !self.words.is_empty() {
            let present: HashSet<String> = tokenize(&event.search_text()).collect();
            if !self.words.iter().all(|w| present.contains(w)) {
                return Ok(None);
            }
        }
        Ok(Some(event))
    }

    /// An FTS5 query requiring every word.
    fn fts_query(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

struct Candidate {
    seq: i64,
    ts: i64,
    user: Option<String>,
    action: Option<String>,
    record_action: Option<String>,
    doc: Vec<u8>,
}

const CANDIDATE_COLUMNS: &str = "e.seq, e.ts, e.user, e.action, e.record_action, e.doc";

fn candidate(row: &Row<'_>) -> rusqlite::Result<Candidate> {
    Ok(Candidate {
        seq: row.get(0)?,
        ts: row.get(1)?,
        user: row.get(2)?,
        action: row.get(3)?,
        record_action: row.get(4)?,
        doc: row.get(5)?,
    })
}

pub fn run(conn: &Connection, query: &EventQuery) -> Result<Vec<Event>> {
    if query.limit == 0 {
        return Ok(Vec::new());
    }
    let filter = Filter::new(query);
    let limit = query.limit;
    // One read transaction: the index watermark and the journal are read from consistent snapshots
    // (the journal's is taken after the index's, so it holds everything the index covers).
    let tx = conn.unchecked_transaction()?;
    let mut found: Vec<(i64, i64, Event)> = Vec::new();

    if !filter.needs_index() {
        let mut statement = tx.prepare_cached(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM events e
             WHERE e.ts >= ?1 AND e.ts < ?2 ORDER BY e.ts DESC, e.seq DESC LIMIT ?3"
        ))?;
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = statement.query(params![filter.since, filter.until, limit_sql])?;
        while let Some(row) = rows.next()? {
            let row = candidate(row)?;
            let event = EncodedEvent::decode_doc(row.seq, &row.doc)?;
            found.push((row.ts, row.seq, event));
        }
    } else {
        let watermark: i64 = tx.query_row(
            "SELECT value FROM idx.meta WHERE key = 'indexed_upto'",
            [],
            |row| row.get(0),
        )?;
        // The indexed part, driven by the most selective index available, newest first.
        let fts_query = filter.fts_query();
        let (sql, key): (String, &dyn ToSql) = if let Some(user) = &filter.user {
            (
                format!(
                    "SELECT {CANDIDATE_COLUMNS} FROM idx.by_user i JOIN events e ON e.seq = i.seq
                     WHERE i.user = ?1 AND i.ts >= ?2 AND i.ts < ?3 AND i.seq <= ?4
                     ORDER BY i.ts DESC, i.seq DESC"
                ),
                user,
            )
        } else if !filter.words.is_empty() {
            (
                format!(
                    "SELECT {CANDIDATE_COLUMNS} FROM events e
                     WHERE e.seq IN (SELECT rowid FROM idx.fulltext WHERE fulltext MATCH ?1)
                       AND e.ts >= ?2 AND e.ts < ?3 AND e.seq <= ?4
                     ORDER BY e.ts DESC, e.seq DESC"
                ),
                &fts_query,
            )
        } else {
            (
                format!(
                    "SELECT {CANDIDATE_COLUMNS} FROM idx.by_action i JOIN events e ON e.seq = i.seq
                     WHERE i.action = ?1 AND i.ts >= ?2 AND i.ts < ?3 AND i.seq <= ?4
                     ORDER BY i.ts DESC, i.seq DESC"
                ),
                &filter.action,
            )
        };
        let mut statement = tx.prepare_cached(&sql)?;
        let mut rows = statement.query(params![key, filter.since, filter.until, watermark])?;
        let mut seen = HashSet::new();
        while found.len() < limit {
            let Some(row) = rows.next()? else { break };
            let row = candidate(row)?;
            // An event with both an action and a different record action is indexed twice.
            if !seen.insert(row.seq) {
                continue;
            }
            if let Some(event) = filter.accepts(&row)? {
                found.push((row.ts, row.seq, event));
            }
        }
        drop(rows);

        // The tail the index has not reached yet, checked row by row.
        let mut statement = tx.prepare_cached(&format!(
            "SELECT {CANDIDATE_COLUMNS} FROM events e
             WHERE e.seq > ?1 AND e.ts >= ?2 AND e.ts < ?3"
        ))?;
        let mut rows = statement.query(params![watermark, filter.since, filter.until])?;
        while let Some(row) = rows.next()? {
            let row = candidate(row)?;
            if let Some(event) = filter.accepts(&row)? {
                found.push((row.ts, row.seq, event));
            }
        }
    }

    found.sort_by_key(|entry| std::cmp::Reverse((entry.0, entry.1)));
    found.truncate(limit);
    found.reverse();
    Ok(found.into_iter().map(|(_, _, event)| event).collect())
}
