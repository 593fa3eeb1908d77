DROP TABLE api_key_tags;
DROP TABLE api_keys;
