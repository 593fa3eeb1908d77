-- "model" became ambiguous once experiments could compare several; this is the baseline model.
ALTER TABLE experiments RENAME COLUMN model TO baseline_model;
