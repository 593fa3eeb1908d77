-- Keys clients call the gateway with. Only a hash is stored; the prefix identifies a key in logs.
CREATE TABLE api_keys (
    id               INTEGER PRIMARY KEY,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    prefix           TEXT NOT NULL UNIQUE,
    key_hash         BLOB NOT NULL,
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at     TEXT,
    revoked_at       TEXT
);

-- Free-form tags ("prod", "team:search") used to group keys in usage reports.
CREATE TABLE api_key_tags (
    api_key_id  INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    PRIMARY KEY (api_key_id, tag)
) WITHOUT ROWID;

CREATE INDEX api_key_tags_tag ON api_key_tags (tag);
