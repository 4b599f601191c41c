CREATE TABLE t235 (id bigint PRIMARY KEY, name text NOT NULL);
