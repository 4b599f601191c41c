CREATE TABLE t579 (id bigint PRIMARY KEY, name text NOT NULL);
