ALTER TABLE responses DROP COLUMN total_tokens;
