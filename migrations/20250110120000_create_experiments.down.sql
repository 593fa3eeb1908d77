DROP TABLE responses;
DROP TABLE experiments;
