CREATE TABLE t398 (id bigint PRIMARY KEY, name text NOT NULL);
