-- Scores given to responses, by people or by automatic evaluators ("judge:gpt", "bleu").
CREATE TABLE quality_metrics (
    id           INTEGER PRIMARY KEY,
    response_id  INTEGER NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    metric       TEXT NOT NULL,
    evaluator    TEXT NOT NULL,
    score        REAL NOT NULL CHECK (score BETWEEN 0.0 AND 1.0),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (response_id, metric, evaluator)
);

CREATE INDEX quality_metrics_metric_score ON quality_metrics (metric, score);
