CREATE TABLE t828 (id bigint PRIMARY KEY, name text NOT NULL);
