//! How people appear in the workbench: only as pseudonyms (`P-7Q3K-9XDM-4TNA`).
//!
//! An account name is mapped to the person's staff id through the staff directory (reference
//! data), so that every account of one person shows as one pseudonym; accounts not in the
//! directory are pseudonymised as they are. Pseudonyms are made with
//! [`Access::pseudonymise_all`](probity_access::Access::pseudonymise_all), which records the
//! mapping so that a reveal can find the identity again.
//!
//! The server also keeps, in memory only, which accounts stand behind a pseudonym, so that a
//! person's timeline can be found. It is never shown.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use probity_insider::reference::Staff;
use probity_store::ReferenceStore;

use super::{Web, WebError};

/// Accounts of people not in the staff directory remembered, at most.
const MAX_OTHERS: usize = 200_000;

/// One member of staff, as the workbench needs them.
#[derive(Debug, Clone)]
pub struct Person {
    /// Their staff id (what is pseudonymised).
    pub staff_id: String,
    /// Their accounts.
    pub accounts: Vec<String>,
    /// Their full name (replaced by the pseudonym wherever it appears in an explanation).
    pub full_name: String,
    /// Team, role and rank, for oversight counts.
    pub team: String,
    pub role: String,
    pub rank: String,
}

/// The staff directory, indexed.
#[derive(Debug, Default)]
pub struct Directory {
    version: String,
    people: Vec<Person>,
    by_account: HashMap<String, usize>,
    by_pseudonym: HashMap<String, usize>,
}

impl Directory {
    /// The member of staff holding `account`.
    pub fn person_of(&self, account: &str) -> Option<&Person> {
        let lower = account.trim().to_lowercase();
        if let Some(index) = self.by_account.get(&lower) {
            return self.people.get(*index);
        }
        let short = lower.rsplit('\\').next().unwrap_or(&lower);
        self.by_account
            .get(short)
            .and_then(|index| self.people.get(*index))
    }
}

/// The directory (rebuilt when reference data is reloaded) and the accounts seen of others.
#[derive(Debug, Default)]
pub struct People {
    directory: Mutex<Option<Arc<Directory>>>,
    others: Mutex<HashMap<String, String>>,
}

fn build(web: &Web, reference: &dyn ReferenceStore, version: String) -> Directory {
    let mut directory = Directory {
        version,
        ..Directory::default()
    };
    let rows = match reference.reference("staff") {
        Ok(Some(bytes)) => match probity_insider::decode(&bytes) {
            Ok(probity_insider::Rows::Staff(rows)) => rows,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    for staff in rows {
        let index = directory.people.len();
        let Staff {
            staff_id,
            accounts,
            full_name,
            team,
            role,
            rank,
            ..
        } = staff;
        for account in &accounts {
            directory.by_account.insert(account.to_lowercase(), index);
        }
        let pseudonym = web.keys.pseudonym(&staff_id);
        directory
            .by_pseudonym
            .insert(pseudonym.as_str().to_owned(), index);
        directory.people.push(Person {
            staff_id,
            accounts,
            full_name,
            team,
            role,
            rank,
        });
    }
    directory
}

impl People {
    /// The staff directory as now loaded.
    pub fn directory(
        &self,
        web: &Web,
        reference: &dyn ReferenceStore,
    ) -> Result<Arc<Directory>, WebError> {
        let version = probity_insider::stored::loaded_version(reference).map_err(|error| {
            tracing::error!(%error, "cannot read reference data");
            WebError::Internal
        })?;
        if let Ok(cached) = self.directory.lock()
            && let Some(directory) = cached.as_ref()
            && directory.version == version
        {
            return Ok(Arc::clone(directory));
        }
        let directory = Arc::new(build(web, reference, version));
        if let Ok(mut cached) = self.directory.lock() {
            *cached = Some(Arc::clone(&directory));
        }
        Ok(directory)
    }
}

/// Pseudonyms for account names (each account once), recording the mappings.
pub fn pseudonyms(
    web: &Web,
    reference: &dyn ReferenceStore,
    accounts: &[&str],
) -> Result<HashMap<String, String>, WebError> {
    let directory = web.people.directory(web, reference)?;
    let mut unique: Vec<&str> = accounts.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let identifiers: Vec<String> = unique
        .iter()
        .map(|account| match directory.person_of(account) {
            Some(person) => person.staff_id.clone(),
            None => account.trim().to_lowercase(),
        })
        .collect();
    let borrowed: Vec<&str> = identifiers.iter().map(String::as_str).collect();
    let made = web.access.pseudonymise_all(&web.keys, &borrowed)?;
    let mut out = HashMap::with_capacity(unique.len());
    let mut others = web.people.others.lock().ok();
    for ((account, pseudonym), identifier) in unique.iter().zip(&made).zip(&identifiers) {
        if directory.person_of(account).is_none()
            && let Some(others) = others.as_mut()
        {
            if others.len() >= MAX_OTHERS {
                others.clear();
            }
            others.insert(pseudonym.as_str().to_owned(), identifier.clone());
        }
        out.insert((*account).to_owned(), pseudonym.as_str().to_owned());
    }
    Ok(out)
}

/// One account's pseudonym.
pub fn pseudonym(
    web: &Web,
    reference: &dyn ReferenceStore,
    account: &str,
) -> Result<String, WebError> {
    let mut map = pseudonyms(web, reference, &[account])?;
    map.remove(account).ok_or(WebError::Internal)
}

/// The accounts behind a pseudonym the server has made (never shown to anyone).
pub fn accounts_of(
    web: &Web,
    reference: &dyn ReferenceStore,
    pseudonym: &str,
) -> Result<Option<Vec<String>>, WebError> {
    let directory = web.people.directory(web, reference)?;
    if let Some(index) = directory.by_pseudonym.get(pseudonym)
        && let Some(person) = directory.people.get(*index)
    {
        return Ok(Some(person.accounts.clone()));
    }
    let others = web.people.others.lock().map_err(|_| WebError::Internal)?;
    Ok(others.get(pseudonym).map(|account| vec![account.clone()]))
}

/// Replaces every occurrence of `account` in `text` with `pseudonym` (explanations name the
/// person they concern).
pub fn scrub(text: &str, account: &str, pseudonym: &str) -> String {
    if account.len() < 2 {
        return text.to_owned();
    }
    let mut out = text.replace(account, pseudonym);
    let lower = account.to_lowercase();
    if lower != account {
        out = out.replace(&lower, pseudonym);
    }
    out
}
