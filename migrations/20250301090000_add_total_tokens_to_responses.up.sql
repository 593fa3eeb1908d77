-- Reports sort and filter by total tokens; store it instead of adding it up in every query.
ALTER TABLE responses ADD COLUMN total_tokens INTEGER NOT NULL DEFAULT 0;

-- Backfill the responses recorded before this migration.
UPDATE responses SET total_tokens = prompt_tokens + completion_tokens;
