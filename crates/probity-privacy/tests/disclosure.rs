#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use probity_model::{Attachment, Email, File, Level};
use probity_privacy::disclosure::{Disclosure, DisclosurePolicy};
use probity_privacy::recipients::StaffPersonalAddresses;

const SENDER: &str = "pc.lane@force.police.uk";

fn email(to: &[&str], subject: &str, body: &str) -> Email {
    Email {
        from: vec![SENDER.into()],
        to: to.iter().map(|a| (*a).into()).collect(),
        subject: Some(subject.to_owned()),
        body: Some(body.to_owned()),
        ..Email::default()
    }
}

fn categories(findings: &[probity_model::Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.category.as_str()).collect()
}

const CUSTODY_NOTE: &str = "Morning,\n\nOFFICIAL-SENSITIVE\n\nDetained overnight: Mrs Ada Price, DOB: 12/03/1980, \
NI AB123456C, PNC ID 01/23456K. Vehicle LM68 ABC seized.\n\nRegards\nPC Lane\nTel 01632 960123\n";

#[test]
fn marked_message_with_identifiers_to_webmail_fires() {
    let checker = Disclosure::with_defaults().unwrap();
    let message = email(&["someone@gmail.com"], "custody update", CUSTODY_NOTE);
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(
        categories(&findings),
        [
            "protective_marking",
            "ni_number",
            "pnc_id",
            "vehicle_registration",
            "date_of_birth"
        ]
    );
    let marking = &findings[0];
    assert_eq!(marking.policy, "disclosure");
    assert_eq!(marking.severity, Level::High);
    assert!(
        marking.why.contains("someone@gmail.com (personal webmail)"),
        "{}",
        marking.why
    );
    assert!(
        marking.why.contains("OFFICIAL-SENSITIVE"),
        "{}",
        marking.why
    );
    let ni = &findings[1];
    assert_eq!(ni.spans[0].text, "AB123456C");
    assert_eq!(ni.spans[0].field, "email.body");
    assert!(ni.spans[0].context.contains("NI AB123456C"));
    assert!(
        ni.why
            .starts_with("1 National Insurance number sent to someone@gmail.com"),
        "{}",
        ni.why
    );
}

#[test]
fn internal_and_partner_recipients_do_not_fire() {
    let checker = Disclosure::with_defaults().unwrap();
    let staff = StaffPersonalAddresses::new();
    for to in [
        "dc.moss@force.police.uk",
        "lawyer@cps.gov.uk",
        "ops@other.police.uk",
        "ward@nhs.net",
    ] {
        let findings = checker.check(
            &email(&[to], "OFFICIAL-SENSITIVE: file", CUSTODY_NOTE),
            &staff,
        );
        assert!(findings.is_empty(), "{to}: {findings:?}");
    }
}

#[test]
fn press_raises_severity_and_names_the_recipient() {
    let checker = Disclosure::with_defaults().unwrap();
    let message = email(
        &["dc.moss@force.police.uk", "newsdesk@thesun.co.uk"],
        "SECRET: op briefing",
        "see attached",
    );
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(categories(&findings), ["protective_marking"]);
    assert_eq!(findings[0].severity, Level::Critical);
    assert!(
        findings[0]
            .why
            .contains("newsdesk@thesun.co.uk (press or media)")
    );
    assert!(
        findings[0].why.contains("1 of 2 recipients"),
        "{}",
        findings[0].why
    );
    assert_eq!(findings[0].spans[0].field, "email.subject");
}

#[test]
fn own_personal_address_is_named_as_such() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut staff = StaffPersonalAddresses::new();
    staff.insert(SENDER, "lane.family@btinternet.com");
    let message = email(
        &["lane.family@btinternet.com"],
        "for home",
        "NHS 943 476 5919",
    );
    let findings = checker.check(&message, &staff);
    assert_eq!(categories(&findings), ["nhs_number"]);
    assert!(
        findings[0]
            .why
            .contains("the sender's own personal address"),
        "{}",
        findings[0].why
    );
}

#[test]
fn ordinary_signature_details_do_not_fire() {
    let checker = Disclosure::with_defaults().unwrap();
    let body = "Hi Sam, see you at five.\n\nPC Lane\nForce HQ, Bridge Street, AB1 2CD\nTel 01632 960123\n\
pc.lane@force.police.uk\nThis email is CONFIDENTIAL and intended for the addressee only.";
    let findings = checker.check(
        &email(&["sam@gmail.com"], "Re: drinks", body),
        &StaffPersonalAddresses::new(),
    );
    assert!(findings.is_empty(), "{findings:?}");
}

#[test]
fn bulk_csv_attachment_to_unknown_external_fires() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut csv = String::from("Surname,Forename,Address,Postcode\n");
    for i in 0..12 {
        csv.push_str(&format!("PERSON{i},Sam,{i} High Street,AB1 2CD\n"));
    }
    let mut message = email(
        &["contact@example-security.com"],
        "the list",
        "as discussed",
    );
    message.attachments.push(Attachment {
        file: File {
            name: Some("nominals.csv".into()),
            ..File::default()
        },
        text: Some(csv),
        extraction: None,
    });
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(
        categories(&findings),
        ["data_file_attachment", "bulk_personal_data"]
    );
    let why = &findings[1].why;
    assert!(
        why.contains("12 spreadsheet rows describing people"),
        "{why}"
    );
    assert!(
        why.contains("contact@example-security.com (unknown external)"),
        "{why}"
    );
    assert_eq!(findings[1].severity, Level::High);
}

/// A spreadsheet of people's home telephone numbers and postcodes, with no name column, sent
/// outside is bulk personal data: its rows describe people by the `Home Tel` column. (Twelve
/// numbers and one postcode reach no other threshold.)
#[test]
fn bulk_csv_of_home_telephone_numbers_fires() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut csv = String::from("Ref,Home Tel,Postcode,Notes\n");
    for i in 0..12 {
        csv.push_str(&format!("R{i},01632 9601{i:02},AB1 2CD,visited\n"));
    }
    let mut message = email(
        &["contact@example-security.com"],
        "the list",
        "as discussed",
    );
    message.attachments.push(Attachment {
        file: File {
            name: Some("calls.csv".into()),
            ..File::default()
        },
        text: Some(csv),
        extraction: None,
    });
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(
        categories(&findings),
        ["data_file_attachment", "bulk_personal_data"]
    );
    let why = &findings[1].why;
    assert!(
        why.contains("12 spreadsheet rows describing people (columns: Home Tel, Postcode;"),
        "{why}"
    );
}

/// A workbook's sheet and a CSV in a zip archive are counted by their rows as a CSV sent alone
/// is: the readers head each with a line (`[sheet NAME]`, `[file NAME]`), and the count reads
/// each part under one. A line of one field closing the table (`End of list`) is no row.
#[test]
fn tables_in_workbooks_and_archives_are_counted_by_their_rows() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut table = String::from("Ref,Home Tel,Postcode,Notes\n");
    for i in 0..12 {
        table.push_str(&format!("R{i},01632 9601{i:02},AB1 2CD,visited\n"));
    }
    table.push_str("End of list\n");
    for (name, text) in [
        (
            "calls.xlsx",
            format!("[sheet Cover]\nCall list, December\n[sheet Calls]\n{table}"),
        ),
        (
            "calls.zip",
            format!("[file readme.txt]\nThe calls.\n\n[file calls.csv]\n{table}"),
        ),
    ] {
        let mut message = email(
            &["contact@example-security.com"],
            "the list",
            "as discussed",
        );
        message.attachments.push(Attachment {
            file: File {
                name: Some(name.into()),
                ..File::default()
            },
            text: Some(text),
            extraction: None,
        });
        let findings = checker.check(&message, &StaffPersonalAddresses::new());
        let bulk = findings
            .iter()
            .find(|f| f.category == "bulk_personal_data")
            .unwrap_or_else(|| panic!("{name}: {findings:?}"));
        assert!(
            bulk.why
                .contains("12 spreadsheet rows describing people (columns: Home Tel, Postcode;"),
            "{name}: {}",
            bulk.why
        );
    }
}

/// Tar and gzip archives are data files as zip, 7-Zip and RAR archives are.
#[test]
fn tar_and_gzip_archives_are_data_files() {
    let checker = Disclosure::with_defaults().unwrap();
    for (name, mime) in [
        ("export.tar.gz", None),
        ("export.tgz", None),
        ("export.tar", None),
        ("export", Some("application/gzip")),
    ] {
        let mut message = email(&["sam.friend@gmail.com"], "files", "here");
        message.attachments.push(Attachment {
            file: File {
                name: Some(name.into()),
                mime_type: mime.map(str::to_owned),
                ..File::default()
            },
            text: None,
            extraction: None,
        });
        let findings = checker.check(&message, &StaffPersonalAddresses::new());
        assert_eq!(categories(&findings), ["data_file_attachment"], "{name}");
    }
}

#[test]
fn bulk_identifiers_in_body_fire() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut body = String::new();
    for day in 1..=6 {
        body.push_str(&format!("Nominal {day}: DOB: {day:02}/04/1990\n"));
    }
    let findings = checker.check(
        &email(&["x@outlook.com"], "names", &body),
        &StaffPersonalAddresses::new(),
    );
    assert_eq!(
        categories(&findings),
        ["date_of_birth", "bulk_personal_data"]
    );
    assert!(
        findings[1].why.contains("6 distinct dates of birth"),
        "{}",
        findings[1].why
    );
}

#[test]
fn attachment_text_is_read_and_named() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut message = email(&["x@yahoo.co.uk"], "doc", "attached");
    message.attachments.push(Attachment {
        file: File {
            name: Some("report.docx".into()),
            ..File::default()
        },
        text: Some("OFFICIAL-SENSITIVE PERSONAL\nIntelligence report\n".into()),
        extraction: None,
    });
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(categories(&findings), ["protective_marking"]);
    assert!(
        findings[0].why.contains("attachment:report.docx"),
        "{}",
        findings[0].why
    );
    assert!(
        findings[0].why.contains("OFFICIAL-SENSITIVE PERSONAL"),
        "{}",
        findings[0].why
    );
}

#[test]
fn text_over_the_limit_is_cut_and_said() {
    let yaml = probity_privacy::disclosure::DEFAULT_POLICY_YAML
        .replace("max_text_bytes: 2000000", "max_text_bytes: 64");
    let checker = Disclosure::new(DisclosurePolicy::from_yaml("test", &yaml).unwrap()).unwrap();
    let body = format!("NI AB123456C {} NI JT123456A", "x".repeat(200));
    let findings = checker.check(
        &email(&["x@gmail.com"], "s", &body),
        &StaffPersonalAddresses::new(),
    );
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0].spans.len(), 1);
    assert!(
        findings[0].why.contains("size limit"),
        "{}",
        findings[0].why
    );
}

#[test]
fn many_names_across_body_and_attachment_are_bulk() {
    let checker = Disclosure::with_defaults().unwrap();
    let forenames = [
        "Ada", "John", "Sarah", "David", "Emma", "James", "Laura", "Peter", "Helen", "Mark",
        "Karen", "Paul", "Susan", "Simon", "Claire",
    ];
    let list = |surname: &str| -> String {
        forenames
            .iter()
            .map(|f| format!("{f} {surname}\n"))
            .collect()
    };
    let mut message = email(&["x@example.net"], "attendees", &list("Price"));
    message.attachments.push(Attachment {
        file: File {
            name: Some("more.txt".into()),
            ..File::default()
        },
        text: Some(list("Jones")),
        extraction: None,
    });
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(categories(&findings), ["bulk_personal_data"]);
    assert!(
        findings[0].why.contains("30 distinct names"),
        "{}",
        findings[0].why
    );
}

#[test]
fn official_footer_is_recorded_but_informational() {
    let checker = Disclosure::with_defaults().unwrap();
    let body = "See you Friday.\n\nOFFICIAL\n\nThis email may be monitored.";
    let findings = checker.check(
        &email(&["sam@gmail.com"], "Friday", body),
        &StaffPersonalAddresses::new(),
    );
    assert_eq!(categories(&findings), ["protective_marking"]);
    assert_eq!(findings[0].severity, Level::Informational);
    assert!(
        findings[0].why.contains("marked OFFICIAL was sent"),
        "{}",
        findings[0].why
    );
}

#[test]
fn highest_marking_decides_the_severity() {
    let checker = Disclosure::with_defaults().unwrap();
    let body = "OFFICIAL\nsummary\nTOP SECRET\n";
    let findings = checker.check(
        &email(&["x@icloud.com"], "OFFICIAL: notes", body),
        &StaffPersonalAddresses::new(),
    );
    assert_eq!(findings[0].severity, Level::Critical);
    assert!(
        findings[0].why.contains("marked TOP SECRET"),
        "{}",
        findings[0].why
    );
    assert_eq!(findings[0].spans.len(), 3);
}

#[test]
fn many_street_addresses_are_bulk() {
    let checker = Disclosure::with_defaults().unwrap();
    let streets = [
        "Acacia Avenue",
        "High Street",
        "Mill Lane",
        "Church Road",
        "Park View",
        "Station Road",
        "Victoria Street",
        "Green Lane",
        "Manor Close",
        "Kings Road",
        "Queens Drive",
    ];
    let body: String = streets
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{} {s}\n", i + 2))
        .collect();
    let findings = checker.check(
        &email(&["x@example.net"], "addresses", &body),
        &StaffPersonalAddresses::new(),
    );
    assert_eq!(categories(&findings), ["bulk_personal_data"]);
    assert!(
        findings[0].why.contains("11 distinct street addresses"),
        "{}",
        findings[0].why
    );
}

#[test]
fn data_file_to_own_personal_address_fires_without_text() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut staff = StaffPersonalAddresses::new();
    staff.insert(SENDER, "lane.home@yahoo.co.uk");
    let mut message = email(&["lane.home@yahoo.co.uk"], "for later", "\n");
    message.attachments.push(Attachment {
        file: File {
            name: Some("export_2.csv".into()),
            extension: Some("csv".into()),
            ..File::default()
        },
        text: None,
        extraction: None,
    });
    message.attachments.push(Attachment {
        file: File {
            name: Some("photo.jpg".into()),
            ..File::default()
        },
        text: None,
        extraction: None,
    });
    let findings = checker.check(&message, &staff);
    assert_eq!(categories(&findings), ["data_file_attachment"]);
    assert_eq!(findings[0].severity, Level::Medium);
    assert_eq!(
        findings[0].why,
        "1 data file (export_2.csv) attached to a message sent to lane.home@yahoo.co.uk (the sender's own personal address)."
    );
    // Internal recipients: nothing.
    message.to = vec!["dc.moss@force.police.uk".into()];
    assert!(checker.check(&message, &staff).is_empty());
}

fn attachment(name: &str, mime_type: Option<&str>, text: Option<&str>) -> Attachment {
    Attachment {
        file: File {
            name: Some(name.into()),
            mime_type: mime_type.map(Into::into),
            ..File::default()
        },
        text: text.map(Into::into),
        extraction: None,
    }
}

const OFFICER_ROTA: &str = "collar,shift,station\n1234,early,Central\n2345,late,North\n\
3456,night,Central\n4567,early,South\n";

#[test]
fn a_table_renamed_is_a_data_file_by_its_content() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut message = email(&["someone@gmail.com"], "as asked", "see attached\n");
    message.attachments.push(attachment(
        "export.dat",
        Some("application/octet-stream"),
        Some(OFFICER_ROTA),
    ));
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(categories(&findings), ["data_file_attachment"]);
    assert!(
        findings[0]
            .why
            .starts_with("1 data file (export.dat: a table by its content) attached"),
        "{}",
        findings[0].why
    );

    // Turned off in the policy, the same file is judged by its name alone and passes.
    let mut policy = DisclosurePolicy::defaults().unwrap();
    policy.attachments.tables_by_content = false;
    let without = Disclosure::new(policy).unwrap();
    assert!(
        without
            .check(&message, &StaffPersonalAddresses::new())
            .is_empty()
    );
}

#[test]
fn prose_and_short_lists_with_commas_are_not_tables() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut message = email(&["someone@gmail.com"], "notes", "see attached\n");
    message.attachments.push(attachment(
        "notes.txt",
        Some("text/plain"),
        Some(
            "Well, as I said, the meeting is on Monday, at ten.\nBring the file, the keys and the \
             van, please.\nThanks, and see you then, I hope, early.\nRegards, Sam, PC, Central.\n\
             One more thing, two more, three.\n",
        ),
    ));
    // Four rows of one width: short of a table.
    message.attachments.push(attachment(
        "short.txt",
        None,
        Some("a,b,c\n1,2,3\n4,5,6\n7,8,9\n"),
    ));
    // Two columns: a list, not a table.
    message.attachments.push(attachment(
        "pairs.txt",
        None,
        Some("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n"),
    ));
    assert!(
        checker
            .check(&message, &StaffPersonalAddresses::new())
            .is_empty()
    );
}

#[test]
fn a_spreadsheet_by_its_media_type_is_a_data_file_without_text() {
    let checker = Disclosure::with_defaults().unwrap();
    let mut message = email(&["someone@gmail.com"], "figures", "see attached\n");
    message.attachments.push(attachment(
        "figures",
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name=figures"),
        None,
    ));
    let findings = checker.check(&message, &StaffPersonalAddresses::new());
    assert_eq!(categories(&findings), ["data_file_attachment"]);
    assert!(
        findings[0]
            .why
            .contains("figures: a data file by its media type"),
        "{}",
        findings[0].why
    );
}
