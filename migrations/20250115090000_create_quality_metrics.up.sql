-- Scores given to responses, by people or by automatic evaluators ("judge:gpt", "bleu").
CREATE TABLE quality_metrics (
    id           BIGINT PRIMARY KEY,
    response_id  BIGINT NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    metric       VARCHAR(64) NOT NULL,
    evaluator    VARCHAR(64) NOT NULL,
    score        DOUBLE PRECISION NOT NULL CHECK (score BETWEEN 0.0 AND 1.0),
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (response_id, metric, evaluator)
);

CREATE INDEX quality_metrics_metric_score ON quality_metrics (metric, score);
