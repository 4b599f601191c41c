CREATE TABLE t276 (id bigint PRIMARY KEY, name text NOT NULL);
