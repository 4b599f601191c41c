CREATE TABLE t971 (id bigint PRIMARY KEY, name text NOT NULL);
