CREATE INDEX posts_author ON posts (author_id);
