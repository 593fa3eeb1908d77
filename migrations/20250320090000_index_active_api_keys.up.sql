-- The gateway looks keys up by prefix on every request, and only live keys matter.
CREATE INDEX api_keys_active_prefix ON api_keys (prefix, last_used_at) WHERE revoked_at IS NULL;
