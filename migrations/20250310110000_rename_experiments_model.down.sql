ALTER TABLE experiments RENAME COLUMN baseline_model TO model;
