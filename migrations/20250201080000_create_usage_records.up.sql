-- One row per request through the gateway, for billing and quotas. Costs are in millionths of a
-- dollar so sums stay exact.
CREATE TABLE usage_records (
    id                 BIGINT PRIMARY KEY,
    organization_id    BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    api_key_id         BIGINT REFERENCES api_keys (id) ON DELETE SET NULL,
    model              TEXT NOT NULL,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    cost_microdollars  BIGINT NOT NULL,
    occurred_at        TIMESTAMP NOT NULL
);

CREATE INDEX usage_records_organization_id_occurred_at ON usage_records (organization_id, occurred_at);
CREATE INDEX usage_records_api_key_id ON usage_records (api_key_id) WHERE api_key_id IS NOT NULL;
