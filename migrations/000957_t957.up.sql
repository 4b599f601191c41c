CREATE TABLE t957 (id bigint PRIMARY KEY, name text NOT NULL);
