CREATE TABLE t753 (id bigint PRIMARY KEY, name text NOT NULL);
