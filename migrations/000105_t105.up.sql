CREATE TABLE t105 (id bigint PRIMARY KEY, name text NOT NULL);
