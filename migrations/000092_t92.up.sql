CREATE TABLE t92 (id bigint PRIMARY KEY, name text NOT NULL);
