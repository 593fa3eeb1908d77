-- Who did what, when. Rows are never changed: the triggers refuse updates and deletes.
CREATE TABLE audit_log (
    id               INTEGER PRIMARY KEY,
    organization_id  INTEGER NOT NULL,
    actor_user_id    INTEGER,
    action           TEXT NOT NULL,
    target_type      TEXT NOT NULL,
    target_id        INTEGER,
    details          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details)),
    occurred_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE INDEX audit_log_organization_id_occurred_at ON audit_log (organization_id, occurred_at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only; rows cannot be updated');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only; rows cannot be deleted');
END;
