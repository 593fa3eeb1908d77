-- Keys clients call the gateway with. Only a hash is stored (hex SHA-256); the prefix identifies
-- a key in logs.
CREATE TABLE api_keys (
    id               BIGINT PRIMARY KEY,
    organization_id  BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          BIGINT REFERENCES users (id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    prefix           VARCHAR(16) NOT NULL UNIQUE,
    key_hash         CHAR(64) NOT NULL,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at     TIMESTAMP,
    revoked_at       TIMESTAMP
);

-- Free-form tags ("prod", "team:search") used to group keys in usage reports.
CREATE TABLE api_key_tags (
    api_key_id  BIGINT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    tag         VARCHAR(64) NOT NULL,
    PRIMARY KEY (api_key_id, tag)
);

CREATE INDEX api_key_tags_tag ON api_key_tags (tag);
