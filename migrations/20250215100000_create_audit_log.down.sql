DROP VIEW audit_log_summary;
DROP TABLE audit_log;
