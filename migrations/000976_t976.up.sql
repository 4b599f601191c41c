CREATE TABLE t976 (id bigint PRIMARY KEY, name text NOT NULL);
