-- migrate:no-transactions
VACUUM;
