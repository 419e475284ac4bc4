//! From the store's records to the wire bodies of [`caf_api`]: the one place the two meet.

use caf_api::{AuditEntryBody, OrganisationBody, SubmissionInfo, TokenBody, TokenScopeBody};

use crate::store::{
    AuditRecord, Organisation, SubmissionSummary, TokenRecord, TokenScope, format_time,
};

impl From<SubmissionSummary> for SubmissionInfo {
    fn from(s: SubmissionSummary) -> Self {
        Self {
            id: s.id,
            organisation: s.org_id,
            framework: s.framework,
            period: (!s.period.is_empty()).then_some(s.period),
            version: s.version,
            profile: s.profile,
            content_sha256: s.content_sha256,
            token_id: s.token_id,
            received_at: format_time(s.received_at),
            client_version: s.client_version,
            server_version: s.server_version,
            superseded: s.superseded,
            withdrawn_at: s.withdrawn_at.map(format_time),
            unreviewed: s.unreviewed,
            overridden: s.overridden,
        }
    }
}

impl From<Organisation> for OrganisationBody {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            name: o.name,
            sector: o.sector,
            region: o.region,
            parent: o.parent,
        }
    }
}

impl From<TokenRecord> for TokenBody {
    fn from(t: TokenRecord) -> Self {
        Self {
            id: t.id,
            role: t.role.as_str().to_string(),
            scope: match t.scope {
                TokenScope::All => TokenScopeBody::All,
                TokenScope::Organisation(id) => TokenScopeBody::Organisation(id),
                TokenScope::Sector(id) => TokenScopeBody::Sector(id),
                TokenScope::Parent(id) => TokenScopeBody::Parent(id),
                TokenScope::Assigned => TokenScopeBody::Assigned,
            },
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        }
    }
}

impl From<AuditRecord> for AuditEntryBody {
    fn from(a: AuditRecord) -> Self {
        Self {
            id: a.id,
            at: a.at,
            token_id: a.token_id,
            role: a.role,
            action: a.action,
            submission_id: a.submission_id,
            org_id: a.org_id,
            detail: a.detail,
            client: a.client,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Role;
    use caf_api::{AuditLog, TokenList};

    /// The typed lists are the bytes the routes sent when they built them with `json!`.
    #[test]
    fn token_and_audit_lists_are_byte_identical_to_json_macro_output() {
        let tokens = vec![
            TokenRecord {
                id: "00112233aabbccdd".into(),
                role: Role::Submitter,
                scope: TokenScope::Organisation("E07000901".into()),
                created_at: 1,
                expires_at: Some(2),
                revoked_at: None,
            },
            TokenRecord {
                id: "ffeeddccbbaa9988".into(),
                role: Role::Admin,
                scope: TokenScope::All,
                created_at: 3,
                expires_at: None,
                revoked_at: Some(4),
            },
            TokenRecord {
                id: "0000000000000000".into(),
                role: Role::Viewer,
                scope: TokenScope::Sector("fire".into()),
                created_at: 5,
                expires_at: None,
                revoked_at: None,
            },
        ];
        let old = serde_json::json!({ "tokens": tokens }).to_string();
        let new = serde_json::to_string(&TokenList {
            tokens: tokens.into_iter().map(Into::into).collect(),
        })
        .unwrap();
        assert_eq!(new, old);
        let back: TokenList = serde_json::from_str(&new).unwrap();
        assert_eq!(back.tokens[1].scope, TokenScopeBody::All);

        let entries = vec![AuditRecord {
            id: "a-1".into(),
            at: 7,
            token_id: "00112233aabbccdd".into(),
            role: "analyst".into(),
            action: "read".into(),
            submission_id: Some("s-1".into()),
            org_id: None,
            detail: Some("d".into()),
            client: None,
        }];
        let old = serde_json::json!({ "entries": entries }).to_string();
        let new = serde_json::to_string(&AuditLog {
            entries: entries.into_iter().map(Into::into).collect(),
        })
        .unwrap();
        assert_eq!(new, old);
    }
}
