//! What the privacy layer needs from the staff directory (`reference/staff.csv`, see
//! docs/reference-data.md): each person's work addresses and the personal address HR holds (so that
//! mail to it is classed as the sender's own), and staff names and addresses (left visible by
//! masking).

use std::io::Read;

use crate::recipients::StaffPersonalAddresses;
use crate::{Error, Result};

/// Staff reference data for the privacy layer.
#[derive(Debug, Clone, Default)]
pub struct StaffDirectory {
    /// Personal addresses by work address.
    pub personal: StaffPersonalAddresses,
    /// Every member of staff's full name.
    pub names: Vec<String>,
    /// Every work email address.
    pub work_addresses: Vec<String>,
    /// Every personal email address HR holds.
    pub personal_addresses: Vec<String>,
}

impl StaffDirectory {
    /// Reads a staff directory CSV with the columns `accounts` (a `;` list whose entries with an
    /// `@` are work addresses), `full_name` and `personal_email`, found by header name. `what`
    /// names the file in errors; more than `max_rows` rows is an error.
    pub fn from_csv(reader: impl Read, what: &str, max_rows: usize) -> Result<Self> {
        let invalid = |reason: String| Error::Invalid {
            what: what.to_owned(),
            reason,
        };
        let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers = csv
            .headers()
            .map_err(|e| invalid(format!("cannot read the header row: {e}")))?
            .clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
                .ok_or_else(|| invalid(format!("no `{name}` column")))
        };
        let (accounts, full_name, personal_email) = (
            column("accounts")?,
            column("full_name")?,
            column("personal_email")?,
        );

        let mut directory = Self::default();
        for (index, record) in csv.records().enumerate() {
            if index >= max_rows {
                return Err(invalid(format!("more than {max_rows} rows (the limit)")));
            }
            let record = record.map_err(|e| invalid(format!("row {}: {e}", index + 2)))?;
            let work: Vec<&str> = record
                .get(accounts)
                .unwrap_or("")
                .split(';')
                .map(str::trim)
                .filter(|a| a.contains('@'))
                .collect();
            let personal = record.get(personal_email).unwrap_or("").trim();
            if !personal.is_empty() {
                for address in &work {
                    directory.personal.insert(address, personal);
                }
                directory.personal_addresses.push(personal.to_owned());
            }
            directory
                .work_addresses
                .extend(work.iter().map(|a| (*a).to_owned()));
            let name = record.get(full_name).unwrap_or("").trim();
            if !name.is_empty() {
                directory.names.push(name.to_owned());
            }
        }
        Ok(directory)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "staff_id,accounts,full_name,personal_email,mobile\n\
E1,jonesl1;lee.jones@northshire.police.uk,Lee Jones,lee.j56@btinternet.com,07700 986859\n\
E2,smithj2;jo.smith@northshire.police.uk,Jo Smith,,\n";

    #[test]
    fn reads_personal_addresses_names_and_work_addresses() {
        let directory = StaffDirectory::from_csv(CSV.as_bytes(), "staff.csv", 10).unwrap();
        assert!(
            directory
                .personal
                .is_own("Lee.Jones@northshire.police.uk", "lee.j56@btinternet.com")
        );
        assert!(
            !directory
                .personal
                .is_own("jo.smith@northshire.police.uk", "lee.j56@btinternet.com")
        );
        assert_eq!(directory.names, ["Lee Jones", "Jo Smith"]);
        assert_eq!(
            directory.work_addresses,
            [
                "lee.jones@northshire.police.uk",
                "jo.smith@northshire.police.uk"
            ]
        );
    }

    #[test]
    fn missing_column_and_row_limit_are_errors() {
        let error = StaffDirectory::from_csv("accounts,full_name\n".as_bytes(), "staff.csv", 10)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("staff.csv") && error.contains("personal_email"),
            "{error}"
        );
        let error = StaffDirectory::from_csv(CSV.as_bytes(), "staff.csv", 1)
            .unwrap_err()
            .to_string();
        assert!(error.contains("more than 1 rows"), "{error}");
    }
}
