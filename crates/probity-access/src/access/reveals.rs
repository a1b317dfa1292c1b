//! Pseudonyms and the reveal workflow.

use chrono::Duration;
use serde_json::json;

use probity_audit::Action;
use probity_model::Timestamp;

use super::{Access, MIN_DECISION_NOTE, Principal, RECORDED_CACHE, action, lock_recorded};
use crate::pseudonym::MAX_IDENTIFIER_BYTES;
use crate::reveal::check_case_ref;
use crate::{
    AccessStore, Error, Permission, Pseudonym, Pseudonymiser, Result, RevealDecision, RevealGrant,
    RevealId, RevealRequest, RevealStatus, Verdict,
};

impl<S: AccessStore> Access<S> {
    /// The pseudonym for `identifier` under the current key, remembered so that an approved
    /// reveal can find the identifier again. For many identifiers at once, use
    /// [`Access::pseudonymise_all`] (one transaction).
    pub fn pseudonymise(&self, keys: &Pseudonymiser, identifier: &str) -> Result<Pseudonym> {
        let mut pseudonyms = self.pseudonymise_all(keys, &[identifier])?;
        pseudonyms
            .pop()
            .ok_or_else(|| Error::Corrupt("no pseudonym made".into()))
    }

    /// The pseudonyms for `identifiers`, in order, recorded in one transaction. Pseudonyms this
    /// process has already recorded are not written again.
    pub fn pseudonymise_all(
        &self,
        keys: &Pseudonymiser,
        identifiers: &[&str],
    ) -> Result<Vec<Pseudonym>> {
        if let Some(long) = identifiers
            .iter()
            .find(|id| id.len() > MAX_IDENTIFIER_BYTES)
        {
            return Err(Error::IdentifierTooLong(long.len()));
        }
        let key_id = keys.current_key_id();
        let pseudonyms: Vec<Pseudonym> = identifiers.iter().map(|id| keys.pseudonym(id)).collect();
        let mut fresh = Vec::new();
        {
            let recorded = lock_recorded(&self.recorded);
            for (pseudonym, identifier) in pseudonyms.iter().zip(identifiers) {
                if !recorded.contains(&(key_id, pseudonym.clone())) {
                    let normalised = crate::pseudonym::normalise_identifier(identifier);
                    fresh.push((pseudonym.clone(), normalised));
                }
            }
        }
        if fresh.is_empty() {
            return Ok(pseudonyms);
        }
        self.store.record_pseudonyms(key_id, &fresh)?;
        let mut recorded = lock_recorded(&self.recorded);
        if recorded.len() + fresh.len() > RECORDED_CACHE {
            recorded.clear();
        }
        recorded.extend(fresh.into_iter().map(|(pseudonym, _)| (key_id, pseudonym)));
        Ok(pseudonyms)
    }

    /// An investigator asks to see the identity behind `pseudonym` within `case`. The caller must
    /// have checked that the case is authorised and that the investigator works it.
    pub fn request_reveal(
        &self,
        by: &Principal,
        case: &str,
        pseudonym: &Pseudonym,
        necessity: &str,
        proportionality: &str,
        now: Timestamp,
    ) -> Result<(RevealRequest, Action)> {
        by.require(Permission::RequestReveal)?;
        let policy = &self.policy.reveals;
        let case = check_case_ref(case)?;
        let min = policy.min_statement_chars;
        let necessity = policy.check_statement("necessity", necessity, min)?;
        let proportionality = policy.check_statement("proportionality", proportionality, min)?;
        let request = RevealRequest {
            id: RevealId::generate(),
            case,
            pseudonym: pseudonym.clone(),
            requested_by: by.account.clone(),
            necessity,
            proportionality,
            requested_at: now,
            decision: None,
        };
        self.store.insert_reveal(&request)?;
        let audit = action(
            now,
            by.actor(),
            "identity.reveal.request",
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "necessity": request.necessity,
                "proportionality": request.proportionality,
            }),
        );
        Ok((request, audit))
    }

    fn load_reveal(&self, id: &RevealId) -> Result<RevealRequest> {
        self.store
            .reveal(id)?
            .ok_or_else(|| Error::NoSuchReveal(id.to_string()))
    }

    /// An authorising officer other than the requester approves or refuses a pending request,
    /// with a note of their reasons.
    pub fn decide_reveal(
        &self,
        by: &Principal,
        id: &RevealId,
        verdict: Verdict,
        note: &str,
        now: Timestamp,
    ) -> Result<(RevealRequest, Action)> {
        by.require(Permission::ApproveReveal)?;
        let mut request = self.load_reveal(id)?;
        if request.requested_by == by.account {
            return Err(Error::Reveal(
                "you asked for this reveal, so another authorising officer must decide it".into(),
            ));
        }
        let policy = &self.policy.reveals;
        match request.status(policy, now) {
            RevealStatus::Pending => {}
            RevealStatus::Lapsed => {
                return Err(Error::Reveal(
                    "this request waited too long and has lapsed; the investigator must ask again"
                        .into(),
                ));
            }
            _ => {
                return Err(Error::Reveal(
                    "this request has already been decided".into(),
                ));
            }
        }
        let note = policy.check_statement("decision", note, MIN_DECISION_NOTE)?;
        let expires = match verdict {
            Verdict::Approved => Some(now + Duration::seconds(policy.grant_seconds)),
            Verdict::Refused => None,
        };
        let decision = RevealDecision {
            by: by.account.clone(),
            at: now,
            verdict,
            note,
            expires,
        };
        if !self.store.decide_reveal(id, &decision)? {
            return Err(Error::Reveal(
                "this request has already been decided".into(),
            ));
        }
        let name = match verdict {
            Verdict::Approved => "identity.reveal.approve",
            Verdict::Refused => "identity.reveal.refuse",
        };
        let audit = action(
            now,
            by.actor(),
            name,
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "requested_by": request.requested_by.as_str(),
                "note": decision.note,
                "expires": expires.map(|time| time.to_rfc3339()),
            }),
        );
        request.decision = Some(decision);
        Ok((request, audit))
    }

    /// The requests waiting for a decision (for authorising officers; needs
    /// [`Permission::ApproveReveal`]), oldest first, lapsed ones left out.
    pub fn pending_reveals(&self, by: &Principal, now: Timestamp) -> Result<Vec<RevealRequest>> {
        by.require(Permission::ApproveReveal)?;
        let policy = &self.policy.reveals;
        let mut pending = self.store.undecided_reveals()?;
        pending.retain(|request| request.status(policy, now) == RevealStatus::Pending);
        Ok(pending)
    }

    /// Checks that `by` may use reveal `id` at `now`, and gives the grant and the identifier.
    fn use_grant(
        &self,
        by: &Principal,
        id: &RevealId,
        now: Timestamp,
    ) -> Result<(RevealRequest, Timestamp, String)> {
        by.require(Permission::RequestReveal)?;
        let request = self.load_reveal(id)?;
        if request.requested_by != by.account {
            return Err(Error::Reveal(
                "only the investigator who asked for this reveal may use it".into(),
            ));
        }
        let expires = match request.status(&self.policy.reveals, now) {
            RevealStatus::Approved { expires } => expires,
            RevealStatus::Pending => {
                return Err(Error::Reveal("this reveal has not been decided yet".into()));
            }
            RevealStatus::Lapsed => {
                return Err(Error::Reveal(
                    "this request lapsed without a decision".into(),
                ));
            }
            RevealStatus::Refused => return Err(Error::Reveal("this reveal was refused".into())),
            RevealStatus::Expired => {
                return Err(Error::Reveal(
                    "this reveal has expired; ask again if it is still needed".into(),
                ));
            }
        };
        let grant = RevealGrant {
            request: request.id.clone(),
            pseudonym: request.pseudonym.clone(),
        };
        let identifier = self.store.identifier_for(&grant)?.ok_or_else(|| {
            Error::Reveal(format!(
                "no identifier is recorded for {}; it may come from another installation",
                request.pseudonym
            ))
        })?;
        Ok((request, expires, identifier))
    }

    /// The identity behind an approved, unexpired reveal, for the investigator who asked. This
    /// is the only way from a pseudonym back to an identifier. The audit action names the
    /// pseudonym and case, not the identity.
    pub fn reveal_identity(
        &self,
        by: &Principal,
        id: &RevealId,
        now: Timestamp,
    ) -> Result<(String, Action)> {
        let (request, expires, identifier) = self.use_grant(by, id, now)?;
        let audit = action(
            now,
            by.actor(),
            "identity.reveal.view",
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "expires": expires.to_rfc3339(),
            }),
        );
        Ok((identifier, audit))
    }

    /// After a key rotation: the current pseudonym of the person behind an approved reveal's
    /// (older) pseudonym, so that old and new events can be joined without showing the identity.
    pub fn remap_pseudonym(
        &self,
        by: &Principal,
        id: &RevealId,
        keys: &Pseudonymiser,
        now: Timestamp,
    ) -> Result<(Pseudonym, Action)> {
        let (request, _, identifier) = self.use_grant(by, id, now)?;
        let current = self.pseudonymise(keys, &identifier)?;
        let audit = action(
            now,
            by.actor(),
            "identity.reveal.remap",
            request.id.to_string(),
            json!({
                "case": request.case,
                "pseudonym": request.pseudonym.as_str(),
                "current_pseudonym": current.as_str(),
                "key": keys.current_key_id(),
            }),
        );
        Ok((current, audit))
    }
}
