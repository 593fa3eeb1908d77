-- Prompt experiments: a template run against a model, and every response it produced.
CREATE TABLE experiments (
    id               INTEGER PRIMARY KEY,
    organization_id  INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_by       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    model            TEXT NOT NULL,
    prompt_template  TEXT NOT NULL,
    parameters       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(parameters)),
    status           TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'done', 'archived')),
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (organization_id, name)
);

CREATE TABLE responses (
    id                 INTEGER PRIMARY KEY,
    experiment_id      INTEGER NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    input              TEXT NOT NULL,
    output             TEXT NOT NULL,
    model              TEXT NOT NULL,
    prompt_tokens      INTEGER NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens  INTEGER NOT NULL CHECK (completion_tokens >= 0),
    latency_ms         INTEGER NOT NULL,
    created_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX responses_experiment_id_created_at ON responses (experiment_id, created_at);
