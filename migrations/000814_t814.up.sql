CREATE TABLE t814 (id bigint PRIMARY KEY, name text NOT NULL);
