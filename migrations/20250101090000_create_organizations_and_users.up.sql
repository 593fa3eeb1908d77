-- Tenants of the gateway, and the people who use it. Portable SQL: the same file runs on SQLite
-- and PostgreSQL. Ids are assigned by the application.
CREATE TABLE organizations (
    id          BIGINT PRIMARY KEY,
    slug        VARCHAR(64) NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE users (
    id               BIGINT PRIMARY KEY,
    organization_id  BIGINT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            TEXT NOT NULL UNIQUE,
    display_name     TEXT NOT NULL,
    role             VARCHAR(16) NOT NULL DEFAULT 'member' CHECK (role IN ('owner', 'admin', 'member')),
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX users_organization_id ON users (organization_id);
