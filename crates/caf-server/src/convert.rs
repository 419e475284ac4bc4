//! From the store's records to the wire bodies of [`caf_api`]: the one place the two meet.

use caf_api::{OrganisationBody, SubmissionInfo};

use crate::store::{Organisation, SubmissionSummary, format_time};

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
