-- Prompt experiments: a template run against a model, and every response it produced.
CREATE TABLE experiments (
    id               BIGINT PRIMARY KEY,
    organization_id  BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    name             TEXT NOT NULL,
    description      TEXT NOT NULL DEFAULT '',
    model            TEXT NOT NULL,
    prompt_template  TEXT NOT NULL,
    parameters       TEXT NOT NULL DEFAULT '{}', -- a JSON object
    status           VARCHAR(16) NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'done', 'archived')),
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (organization_id, name)
);

CREATE TABLE responses (
    id                 BIGINT PRIMARY KEY,
    experiment_id      BIGINT NOT NULL REFERENCES experiments (id) ON DELETE CASCADE,
    input              TEXT NOT NULL,
    output             TEXT NOT NULL,
    model              TEXT NOT NULL,
    prompt_tokens      INTEGER NOT NULL CHECK (prompt_tokens >= 0),
    completion_tokens  INTEGER NOT NULL CHECK (completion_tokens >= 0),
    latency_ms         INTEGER NOT NULL,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX responses_experiment_id_created_at ON responses (experiment_id, created_at);
