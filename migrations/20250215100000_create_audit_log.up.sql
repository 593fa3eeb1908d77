-- Who did what, when. The app only ever inserts here; reports read the view of the last 30 days.
CREATE TABLE audit_log (
    id               BIGINT PRIMARY KEY,
    organization_id  BIGINT NOT NULL,
    actor_user_id    BIGINT,
    action           VARCHAR(64) NOT NULL,
    target_type      VARCHAR(32) NOT NULL,
    target_id        BIGINT,
    details          TEXT NOT NULL DEFAULT '{}', -- a JSON object
    occurred_at      TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX audit_log_organization_id_occurred_at ON audit_log (organization_id, occurred_at);

-- Key events per organization and action, for the admin dashboard.
CREATE VIEW audit_log_summary AS
SELECT organization_id, action, count(*) AS events, max(occurred_at) AS last_occurred_at
FROM audit_log
GROUP BY organization_id, action;
