ALTER TABLE responses ADD COLUMN total_tokens INTEGER;
CREATE INDEX idx_total_tokens ON responses (total_tokens);
