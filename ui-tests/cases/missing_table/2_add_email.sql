-- A typo: the table is `users`.
ALTER TABLE user ADD COLUMN email TEXT;
