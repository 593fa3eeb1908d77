DROP TABLE quality_metrics;
