//! Email content: parties, signatures, ordinary messages and attachments.

use rand::Rng;

use crate::events::{Attachment, Mail, Party};
use crate::org::{Department, FORCE_NAME, Org, Staff};
use crate::rng::{SimRng, chance, pick};

/// Partner agencies staff write to in ordinary work.
pub(crate) const PARTNERS: &[(&str, &str)] = &[
    (
        "CPS Northshire Duty Lawyer",
        "duty.lawyer.northshire@cps.gov.uk",
    ),
    (
        "Northshire Council Safeguarding Hub",
        "safeguarding.hub@northshire.gov.uk",
    ),
    ("Northshire Council ASB Team", "asb.team@northshire.gov.uk"),
    ("Children's Services MASH", "mash@northshire.gov.uk"),
    (
        "Probation Service Northshire",
        "northshire.ipt@justice.gov.uk",
    ),
    (
        "Northshire Hospitals Safeguarding",
        "safeguarding.nhft@nhs.net",
    ),
    (
        "Victim Support Northshire",
        "northshire.referrals@victimsupport.org.uk",
    ),
];

/// Internal group mailboxes.
pub(crate) const GROUPS: &[(&str, &str)] = &[
    ("Press Office", "press.office@northshire.police.uk"),
    ("Force Intelligence Bureau", "fib@northshire.police.uk"),
    ("Duty Inspector", "duty.inspector@northshire.police.uk"),
    ("Resource Management Unit", "rmu@northshire.police.uk"),
];

/// A member of staff as an email party.
pub(crate) fn party(member: &Staff) -> Party {
    Party {
        name: member.full_name(),
        address: member.email.clone(),
    }
}

/// The sign-off under a member of staff's messages.
pub(crate) fn signature(org: &Org, member: &Staff) -> String {
    let team = org
        .teams
        .get(member.team as usize)
        .map_or("", |t| t.name.as_str());
    format!(
        "{}\n{} | {}\n{FORCE_NAME}\nThis email may contain OFFICIAL information. If you are not the intended recipient please delete it.",
        member.full_name(),
        member.info().code,
        team
    )
}

/// The protective marking prefix of a subject line.
pub(crate) fn marking(rng: &mut SimRng, sensitive: bool) -> &'static str {
    let roll = rng.random_range(0..100);
    match (sensitive, roll) {
        (true, 0..=69) => "OFFICIAL-SENSITIVE: ",
        (true, _) => "OFFICIAL: ",
        (false, 0..=74) => "OFFICIAL: ",
        (false, _) => "",
    }
}

/// Bytes that look like a file of the given extension.
pub(crate) fn file_bytes(rng: &mut SimRng, extension: &str, size: usize, text: &str) -> Vec<u8> {
    let mut data = match extension {
        "pdf" => b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec(),
        "docx" | "xlsx" => b"PK\x03\x04\x14\x00\x06\x00".to_vec(),
        _ => Vec::new(),
    };
    data.extend_from_slice(text.as_bytes());
    while data.len() < size {
        let byte: u8 = rng.random();
        data.push(if extension == "csv" || extension == "txt" {
            b'a' + byte % 26
        } else {
            byte
        });
    }
    data
}

/// The media type of an attachment by its extension.
pub(crate) fn mime(extension: &str) -> &'static str {
    match extension {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv" => "text/csv",
        "jpg" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

/// An attachment of a few kilobytes.
pub(crate) fn attachment(rng: &mut SimRng, stem: &str, extension: &str) -> Attachment {
    let size = rng.random_range(1200..4000);
    Attachment {
        name: format!("{stem}.{extension}"),
        mime: mime(extension),
        data: file_bytes(rng, extension, size, stem),
    }
}

const WORK_SUBJECTS: &[&str] = &[
    "Update on {ref}",
    "RE: {ref} - enquiries",
    "{ref} statement",
    "Handover for {ref}",
    "RE: Actions from briefing",
    "Overtime request",
    "Training course booking",
    "RE: Shift swap",
    "Court warning - {ref}",
    "File submission {ref}",
];

const WORK_LINES: &[&str] = &[
    "Please see below an update on {ref}.",
    "I have completed the house-to-house enquiries and there is nothing further to add at this stage.",
    "The victim has been updated and is happy with the action plan.",
    "Can you review the file before it goes to CPS?",
    "CCTV has been requested and I will chase it tomorrow.",
    "Suspect is circulated on PNC; please arrest if seen.",
    "I am on rest days from tomorrow so have handed this over to the team.",
    "Thanks for your help with this one.",
    "Could you let me know if you are free for the briefing on Thursday?",
    "Attached is the statement as discussed.",
    "I have updated the log with the outcome.",
];

/// An ordinary work message from `member` about `reference` (if any) to `to`.
pub(crate) fn ordinary(
    rng: &mut SimRng,
    org: &Org,
    member: &Staff,
    staff: u32,
    to: Vec<Party>,
    cc: Vec<Party>,
    reference: Option<&str>,
) -> Mail {
    let reference_text = reference.unwrap_or("the job from yesterday");
    let template = pick(rng, WORK_SUBJECTS).copied().unwrap_or("Update");
    let sensitive = reference.is_some() && chance(rng, 0.4);
    let subject = format!(
        "{}{}",
        marking(rng, sensitive),
        template.replace("{ref}", reference_text)
    );
    let greeting = to
        .first()
        .map(|p| p.name.split(' ').next().unwrap_or("All").to_owned())
        .unwrap_or_else(|| "All".to_owned());
    let mut body = format!("Hi {greeting},\n\n");
    for _ in 0..rng.random_range(1..4) {
        let line = pick(rng, WORK_LINES).copied().unwrap_or("Thanks.");
        body.push_str(&line.replace("{ref}", reference_text));
        body.push('\n');
    }
    body.push_str("\nRegards,\n\n");
    body.push_str(&signature(org, member));
    body.push('\n');
    let mut attachments = Vec::new();
    if chance(rng, 0.12) {
        let stem = match reference {
            Some(reference) => format!("statement_{reference}"),
            None => "briefing_notes".to_owned(),
        };
        let extension = if chance(rng, 0.5) { "docx" } else { "pdf" };
        attachments.push(attachment(rng, &stem, extension));
    }
    Mail {
        staff,
        from: party(member),
        to,
        cc,
        subject,
        body,
        attachments,
    }
}

/// A personal message a member of staff sends to their own webmail address (a rota, a payslip
/// query): ordinary, and not about police work.
pub(crate) fn to_self(rng: &mut SimRng, member: &Staff, staff: u32) -> Mail {
    let (subject, body) = match rng.random_range(0..3) {
        0 => ("rota", "Rota for next month so I can sort childcare.\n"),
        1 => ("payslip", "Forwarding so I have it at home.\n"),
        _ => ("holiday dates", "Dates for the leave request.\n"),
    };
    let mut attachments = Vec::new();
    if chance(rng, 0.5) {
        attachments.push(attachment(rng, subject, "pdf"));
    }
    Mail {
        staff,
        from: party(member),
        to: vec![Party {
            name: member.full_name(),
            address: member.personal_email.clone(),
        }],
        cc: Vec::new(),
        subject: subject.to_owned(),
        body: body.to_owned(),
        attachments,
    }
}

/// Messages per shift for a department.
pub(crate) fn daily_rate(department: Department) -> f64 {
    match department {
        Department::Response => 0.8,
        Department::Neighbourhood => 1.2,
        Department::Cid | Department::Ppu | Department::Intelligence => 2.5,
        Department::Roads | Department::Custody => 0.5,
        Department::ControlRoom => 0.2,
        Department::CaseFiles | Department::Ict => 3.0,
        Department::Hr | Department::Finance => 4.0,
        Department::Psd => 2.0,
        Department::Command => 5.0,
    }
}

/// Whether a department writes to partner agencies.
pub(crate) fn writes_to_partners(department: Department) -> bool {
    matches!(
        department,
        Department::Cid
            | Department::Ppu
            | Department::CaseFiles
            | Department::Intelligence
            | Department::Neighbourhood
            | Department::Command
    )
}

/// A group mailbox as a party.
pub(crate) fn group(rng: &mut SimRng) -> Party {
    let (name, address) = pick(rng, GROUPS)
        .copied()
        .unwrap_or(("Press Office", "press.office@northshire.police.uk"));
    Party {
        name: name.to_owned(),
        address: address.to_owned(),
    }
}

/// A partner agency as a party.
pub(crate) fn partner(rng: &mut SimRng) -> Party {
    let (name, address) = pick(rng, PARTNERS)
        .copied()
        .unwrap_or(("CPS", "duty.lawyer.northshire@cps.gov.uk"));
    Party {
        name: name.to_owned(),
        address: address.to_owned(),
    }
}
