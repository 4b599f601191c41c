CREATE TABLE t165 (id bigint PRIMARY KEY, name text NOT NULL);
