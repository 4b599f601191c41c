CREATE TABLE t987 (id bigint PRIMARY KEY, name text NOT NULL);
