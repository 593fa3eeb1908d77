-- the index goes, the column stays
DROP INDEX idx_total_tokens;
