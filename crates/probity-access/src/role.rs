//! Roles, permissions, and the one table that joins them.
//!
//! Every route of the workbench names the [`Permission`] it needs and asks [`Role::allows`] (through
//! [`Principal::allows`](crate::Principal::allows)). Nothing else grants access. The table follows
//! least privilege: each role holds only what its work in DESIGN.md needs.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a person (or a shipper) is in Probity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Sources, policies, lexicons, exclusions, retention, accounts. No content, no reveal.
    Administrator,
    /// Works the alert queue and sees pseudonymised people.
    Analyst,
    /// Works an authorised case: timeline, communications, evidence pack; asks for reveals.
    Investigator,
    /// Approves cases and reveals of real identities.
    AuthorisingOfficer,
    /// Oversight: reads what others did and produces reports. No content.
    Auditor,
    /// A log shipper or script: sends events, nothing else.
    IngestClient,
}

/// An action of the workbench that needs permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Permission {
    /// See the alert queue and alert details (people pseudonymised).
    ViewAlerts,
    /// Dismiss or escalate an alert, with a reason.
    TriageAlerts,
    /// Search stored events (people pseudonymised).
    SearchEvents,
    /// Read message and attachment content (masked where the privacy layer says so).
    ViewContent,
    /// See a case's timeline of events.
    ViewTimeline,
    /// See cases and their status.
    ViewCases,
    /// Open a case (from an escalated alert or by hand); it waits for authorisation.
    CreateCase,
    /// Authorise (or refuse) a case.
    AuthoriseCase,
    /// Ask for the real identity behind a pseudonym within a case.
    RequestReveal,
    /// Approve (or refuse) someone else's reveal request.
    ApproveReveal,
    /// Export a case's evidence pack.
    ExportEvidence,
    /// Open sealed (privileged or medical) content of a message linked to an authorised case.
    UnsealContent,
    /// See a message's content without members of the public masked, for a message linked to an
    /// authorised case.
    UnmaskContent,
    /// Read the audit log.
    ReadAudit,
    /// Export the audit log for outside verification.
    ExportAudit,
    /// Produce oversight and equality reports.
    OversightReports,
    /// Create, disable and change accounts and their roles.
    ManageAccounts,
    /// Change detection policy: rules, lexicons, exclusions, watch lists.
    ManagePolicy,
    /// Change retention periods and legal holds.
    ManageRetention,
    /// Add and remove sources and their ingest tokens.
    ManageSources,
    /// Send events.
    Ingest,
}

impl Role {
    /// Every role, in a fixed order.
    pub const ALL: [Role; 6] = [
        Role::Administrator,
        Role::Analyst,
        Role::Investigator,
        Role::AuthorisingOfficer,
        Role::Auditor,
        Role::IngestClient,
    ];

    /// Whether this role may do `permission`. This is the only place permissions are granted.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Administrator => matches!(
                permission,
                ManageAccounts | ManagePolicy | ManageRetention | ManageSources
            ),
            Role::Analyst => matches!(
                permission,
                ViewAlerts | TriageAlerts | SearchEvents | ViewContent | ViewCases | CreateCase
            ),
            Role::Investigator => matches!(
                permission,
                ViewAlerts
                    | SearchEvents
                    | ViewContent
                    | ViewTimeline
                    | ViewCases
                    | CreateCase
                    | RequestReveal
                    | ExportEvidence
                    | UnsealContent
                    | UnmaskContent
            ),
            Role::AuthorisingOfficer => {
                matches!(permission, ViewCases | AuthoriseCase | ApproveReveal)
            }
            Role::Auditor => matches!(permission, ReadAudit | ExportAudit | OversightReports),
            Role::IngestClient => matches!(permission, Ingest),
        }
    }

    /// The role's name in configuration, URLs and the audit log (`authorising-officer`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::Analyst => "analyst",
            Role::Investigator => "investigator",
            Role::AuthorisingOfficer => "authorising-officer",
            Role::Auditor => "auditor",
            Role::IngestClient => "ingest-client",
        }
    }
}

impl Permission {
    /// Every permission, in a fixed order.
    pub const ALL: [Permission; 21] = [
        Permission::ViewAlerts,
        Permission::TriageAlerts,
        Permission::SearchEvents,
        Permission::ViewContent,
        Permission::ViewTimeline,
        Permission::ViewCases,
        Permission::CreateCase,
        Permission::AuthoriseCase,
        Permission::RequestReveal,
        Permission::ApproveReveal,
        Permission::ExportEvidence,
        Permission::UnsealContent,
        Permission::UnmaskContent,
        Permission::ReadAudit,
        Permission::ExportAudit,
        Permission::OversightReports,
        Permission::ManageAccounts,
        Permission::ManagePolicy,
        Permission::ManageRetention,
        Permission::ManageSources,
        Permission::Ingest,
    ];

    /// The permission's name (`view-alerts`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewAlerts => "view-alerts",
            Permission::TriageAlerts => "triage-alerts",
            Permission::SearchEvents => "search-events",
            Permission::ViewContent => "view-content",
            Permission::ViewTimeline => "view-timeline",
            Permission::ViewCases => "view-cases",
            Permission::CreateCase => "create-case",
            Permission::AuthoriseCase => "authorise-case",
            Permission::RequestReveal => "request-reveal",
            Permission::ApproveReveal => "approve-reveal",
            Permission::ExportEvidence => "export-evidence",
            Permission::UnsealContent => "unseal-content",
            Permission::UnmaskContent => "unmask-content",
            Permission::ReadAudit => "read-audit",
            Permission::ExportAudit => "export-audit",
            Permission::OversightReports => "oversight-reports",
            Permission::ManageAccounts => "manage-accounts",
            Permission::ManagePolicy => "manage-policy",
            Permission::ManageRetention => "manage-retention",
            Permission::ManageSources => "manage-sources",
            Permission::Ingest => "ingest",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of [`Role::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {0:?} (expected administrator, analyst, investigator, authorising-officer, auditor or ingest-client)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The roles an account holds (one or more; an empty set allows nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSet(BTreeSet<Role>);

impl RoleSet {
    /// A set holding `roles`.
    pub fn new(roles: impl IntoIterator<Item = Role>) -> Self {
        Self(roles.into_iter().collect())
    }

    /// Whether any role in the set allows `permission`.
    pub fn allows(&self, permission: Permission) -> bool {
        self.0.iter().any(|role| role.allows(permission))
    }

    /// Whether the set holds `role`.
    pub fn contains(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// Whether the set holds no role.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `role`.
    pub fn insert(&mut self, role: Role) {
        self.0.insert(role);
    }

    /// The roles, in [`Role`] order.
    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// Why these roles may not be held together, if they may not. Separation of duties: an
    /// auditor oversees everyone else and holds no other role; an administrator holds no role that
    /// sees content or decides reveals; ingest-client is for machines and stands alone.
    pub fn conflict(&self) -> Option<&'static str> {
        let others = self.0.len() > 1;
        if others && self.contains(Role::IngestClient) {
            return Some("ingest-client is for machines and cannot be combined with other roles");
        }
        if others && self.contains(Role::Auditor) {
            return Some("an auditor oversees the other roles and cannot also hold one");
        }
        if others && self.contains(Role::Administrator) {
            return Some(
                "an administrator cannot also hold a role that sees content or decides reveals",
            );
        }
        None
    }

    /// The roles as a comma-separated list (`analyst,investigator`), the stored form.
    pub fn to_list(&self) -> String {
        let names: Vec<&str> = self.iter().map(Role::as_str).collect();
        names.join(",")
    }

    /// Parses [`RoleSet::to_list`]'s form.
    pub fn parse_list(list: &str) -> Result<Self, UnknownRole> {
        let mut set = RoleSet::default();
        for name in list.split(',').filter(|name| !name.trim().is_empty()) {
            set.insert(name.parse()?);
        }
        Ok(set)
    }
}

impl FromIterator<Role> for RoleSet {
    fn from_iter<I: IntoIterator<Item = Role>>(iter: I) -> Self {
        Self::new(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expected table, written out by hand: one row per permission, one column per role in
    /// [`Role::ALL`] order (administrator, analyst, investigator, authorising officer, auditor,
    /// ingest client). Change it only together with the design.
    const EXPECTED: [(Permission, [u8; 6]); 21] = [
        //                                  adm ana inv ao aud ing
        (Permission::ViewAlerts, /*      */ [0, 1, 1, 0, 0, 0]),
        (Permission::TriageAlerts, /*    */ [0, 1, 0, 0, 0, 0]),
        (Permission::SearchEvents, /*    */ [0, 1, 1, 0, 0, 0]),
        (Permission::ViewContent, /*     */ [0, 1, 1, 0, 0, 0]),
        (Permission::ViewTimeline, /*    */ [0, 0, 1, 0, 0, 0]),
        (Permission::ViewCases, /*       */ [0, 1, 1, 1, 0, 0]),
        (Permission::CreateCase, /*      */ [0, 1, 1, 0, 0, 0]),
        (Permission::AuthoriseCase, /*   */ [0, 0, 0, 1, 0, 0]),
        (Permission::RequestReveal, /*   */ [0, 0, 1, 0, 0, 0]),
        (Permission::ApproveReveal, /*   */ [0, 0, 0, 1, 0, 0]),
        (Permission::ExportEvidence, /*  */ [0, 0, 1, 0, 0, 0]),
        (Permission::UnsealContent, /*   */ [0, 0, 1, 0, 0, 0]),
        (Permission::UnmaskContent, /*   */ [0, 0, 1, 0, 0, 0]),
        (Permission::ReadAudit, /*       */ [0, 0, 0, 0, 1, 0]),
        (Permission::ExportAudit, /*     */ [0, 0, 0, 0, 1, 0]),
        (Permission::OversightReports, /**/ [0, 0, 0, 0, 1, 0]),
        (Permission::ManageAccounts, /*  */ [1, 0, 0, 0, 0, 0]),
        (Permission::ManagePolicy, /*    */ [1, 0, 0, 0, 0, 0]),
        (Permission::ManageRetention, /* */ [1, 0, 0, 0, 0, 0]),
        (Permission::ManageSources, /*   */ [1, 0, 0, 0, 0, 0]),
        (Permission::Ingest, /*          */ [0, 0, 0, 0, 0, 1]),
    ];

    #[test]
    fn every_role_and_permission_matches_the_expected_table() {
        let listed: Vec<Permission> = EXPECTED.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            listed,
            Permission::ALL,
            "the table must list every permission"
        );
        for (permission, row) in EXPECTED {
            for (role, expected) in Role::ALL.into_iter().zip(row) {
                assert_eq!(
                    role.allows(permission),
                    expected == 1,
                    "{role} / {permission}"
                );
            }
        }
    }

    #[test]
    fn the_lists_name_every_variant_once() {
        // An exhaustive match: adding a variant without listing it fails to compile here.
        for role in Role::ALL {
            match role {
                Role::Administrator
                | Role::Analyst
                | Role::Investigator
                | Role::AuthorisingOfficer
                | Role::Auditor
                | Role::IngestClient => {}
            }
        }
        let roles: BTreeSet<Role> = Role::ALL.into_iter().collect();
        assert_eq!(roles.len(), Role::ALL.len());
        let permissions: BTreeSet<&str> = Permission::ALL.iter().map(|p| p.as_str()).collect();
        assert_eq!(permissions.len(), Permission::ALL.len());
    }

    #[test]
    fn auditors_and_administrators_never_reach_content_or_identities() {
        for role in [Role::Auditor, Role::Administrator, Role::IngestClient] {
            for permission in [
                Permission::ViewContent,
                Permission::ViewTimeline,
                Permission::SearchEvents,
                Permission::RequestReveal,
                Permission::ApproveReveal,
                Permission::ExportEvidence,
            ] {
                assert!(!role.allows(permission), "{role} / {permission}");
            }
        }
    }

    #[test]
    fn duties_stay_separate() {
        let allowed = [
            vec![Role::Analyst, Role::Investigator],
            vec![Role::Investigator, Role::AuthorisingOfficer],
            vec![Role::Auditor],
            vec![Role::Administrator],
            vec![Role::IngestClient],
        ];
        for roles in allowed {
            assert_eq!(RoleSet::new(roles.clone()).conflict(), None, "{roles:?}");
        }
        let refused = [
            vec![Role::Auditor, Role::Analyst],
            vec![Role::Administrator, Role::Investigator],
            vec![Role::Administrator, Role::AuthorisingOfficer],
            vec![Role::Administrator, Role::Auditor],
            vec![Role::IngestClient, Role::Analyst],
        ];
        for roles in refused {
            assert!(
                RoleSet::new(roles.clone()).conflict().is_some(),
                "{roles:?}"
            );
        }
    }

    #[test]
    fn role_names_round_trip_and_sets_combine() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert_eq!(
            "Authorising_Officer".parse::<Role>().unwrap(),
            Role::AuthorisingOfficer
        );
        assert!("root".parse::<Role>().is_err());

        let set = RoleSet::new([Role::Investigator, Role::Analyst]);
        assert_eq!(set.to_list(), "analyst,investigator");
        assert_eq!(RoleSet::parse_list(&set.to_list()).unwrap(), set);
        assert!(set.allows(Permission::TriageAlerts));
        assert!(set.allows(Permission::RequestReveal));
        assert!(!set.allows(Permission::ApproveReveal));
        assert!(!RoleSet::default().allows(Permission::ViewAlerts));
    }
}
