CREATE TABLE t129 (id bigint PRIMARY KEY, name text NOT NULL);
