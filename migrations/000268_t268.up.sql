CREATE TABLE t268 (id bigint PRIMARY KEY, name text NOT NULL);
